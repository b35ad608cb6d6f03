"""Plan exports: CSV files, one Excel workbook, Parquet files (issue 7, part 3).

Every table of a :class:`~trustsource.results.plan.Plan` (allocations, items, rules, sites,
costs) plus a one-row KPI ``summary`` (status, objective, gap, cost of trust when known). Each
file is written to a temporary name in the target folder and moved into place with
:func:`os.replace`, so a file appears whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

TABLES = ("allocations", "items", "rules", "sites", "costs")
FORMATS = ("csv", "xlsx", "parquet")
PARQUET_HINT = "Parquet export needs pyarrow: pip install trustsource[parquet]"

__all__ = ["FORMATS", "TABLES", "plan_tables", "summary_frame", "write_plan", "write_plan_xlsx"]


def summary_frame(plan: Any, cost_of_trust: float | None = None) -> pd.DataFrame:
    """The plan's KPIs as a one-row table."""
    row: dict[str, Any] = {
        "instance": plan.instance_name,
        "status": plan.status.value,
        "objective": plan.objective,
        "currency": plan.currency,
        "mip_gap": plan.mip_gap,
        "bound": plan.bound,
        "cost_of_trust": cost_of_trust,
        "verified": plan.verified,
        "solver": plan.solver,
        "solve_seconds": plan.timings.get("total"),
        "message": plan.message,
    }
    return pd.DataFrame([row])


def plan_tables(plan: Any, cost_of_trust: float | None = None) -> dict[str, pd.DataFrame]:
    """``summary`` then the five plan tables (empty tables when there is no plan)."""
    tables = {"summary": summary_frame(plan, cost_of_trust)}
    for name in TABLES:
        tables[name] = getattr(plan, name) if plan.has_solution else getattr(plan, name).iloc[:0]
    return tables


def _atomic(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name keeps the real extension last: writers such as Excel's check it.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                               suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; exports are ordinary files
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    target = Path(path)

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)

    _atomic(target, write)
    return target


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ImportError(PARQUET_HINT) from exc


def _for_parquet(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns mixing types (e.g. ``site`` with None) become strings or stay None."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            values = out[col]
            kinds = {type(v) for v in values if v is not None and not _is_nan(v)}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool}):
                out[col] = values.map(lambda v: None if v is None or _is_nan(v) else str(v))
    return out


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and v != v


def write_plan_xlsx(plan: Any, path: str | os.PathLike[str], *,
                    cost_of_trust: float | None = None) -> Path:
    """One workbook: a ``summary`` sheet and a sheet per plan table; written atomically."""
    target = Path(path)
    tables = plan_tables(plan, cost_of_trust)

    def write(tmp: str) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            for name, df in tables.items():
                df.to_excel(xl, sheet_name=name, index=False)

    _atomic(target, write)
    return target


def write_plan(plan: Any, out_dir: str | os.PathLike[str], formats: Iterable[str] = ("csv",),
               *, cost_of_trust: float | None = None) -> list[Path]:
    """Write the plan's tables and KPI summary to ``out_dir`` in each of ``formats``.

    ``csv``: ``summary.csv`` and ``<table>.csv``; ``xlsx``: ``plan.xlsx``; ``parquet``:
    ``<table>.parquet`` (needs pyarrow). Returns the paths written.

    Raises:
        ValueError: an unknown format.
        ImportError: ``parquet`` without pyarrow (the message says ``pip install
            trustsource[parquet]``); raised before any file is written.
    """
    fmts = list(dict.fromkeys(formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format(s) {', '.join(unknown)}; known: "
                         f"{', '.join(FORMATS)}")
    if "parquet" in fmts:
        _require_pyarrow()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = plan_tables(plan, cost_of_trust)
    written: list[Path] = []
    for fmt in fmts:
        if fmt == "xlsx":
            written.append(write_plan_xlsx(plan, out / "plan.xlsx", cost_of_trust=cost_of_trust))
            continue
        for name, df in tables.items():
            if fmt == "csv":
                written.append(atomic_write_text(out / f"{name}.csv", df.to_csv(index=False)))
            else:
                target = out / f"{name}.parquet"
                frame = _for_parquet(df)
                _atomic(target, lambda tmp, f=frame: f.to_parquet(tmp, index=False))
                written.append(target)
    return written
