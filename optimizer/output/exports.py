"""Plan exports: CSV files, one Excel workbook, Parquet files (issue 7, part 3).

Every table of a :class:`~trustsource.results.plan.Plan` (allocations, items, rules, sites,
costs) plus a one-row KPI ``summary`` (status, objective, gap, cost of trust when known). A plan
without a solution, or with empty tables (an instance with no items), writes what exists: the
summary and header-only or empty tables, never an error.

Writing is atomic: each file goes to a temporary sibling, is flushed to disk and moved into place
with :func:`os.replace`, so a file appears whole or not at all. When the operating system refuses
(read-only folder, disk full, permissions) the temporary file is removed and
:class:`~trustsource.errors.OutputError` is raised with the path and the OS's reason.

Spreadsheet-formula injection (OWASP "CSV injection"): instance text such as a name or a unit
reaches the exports, and a spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-``,
``@``, tab or carriage return. In CSV exports such text cells get a leading single quote
(:func:`safe_text`, :func:`safe_text_frame`), which spreadsheets show as plain text; numbers are
never touched (a negative quantity stays a number). In ``plan.xlsx`` every text cell is written
as a string cell, which no spreadsheet evaluates, so the text stays exactly as given (characters
XML cannot hold, control codes other than tab/newline/carriage return, become U+FFFD). Parquet
files are typed, not evaluated, and keep text unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import OutputError
from ..safe_writes import (
    FORMULA_TRIGGERS,
    atomic_write,
    atomic_write_text,
    is_text_column,
    make_folder,
    safe_text,
    safe_text_frame,
)

TABLES = ("allocations", "items", "rules", "sites", "costs")
PERIODIC_TABLES = ("builds", "stock")
FORMATS = ("csv", "xlsx", "parquet")
PARQUET_HINT = "Parquet export needs pyarrow: pip install trustsource[parquet]"
__all__ = [
    "FORMATS",
    "FORMULA_TRIGGERS",
    "TABLES",
    "OutputError",
    "atomic_write_text",
    "plan_tables",
    "safe_text",
    "safe_text_frame",
    "summary_frame",
    "write_plan",
    "write_plan_xlsx",
]


def summary_frame(plan: Any, cost_of_trust: float | None = None) -> pd.DataFrame:
    """The plan's KPIs as a one-row table."""
    row: dict[str, Any] = {
        "instance": plan.instance_name,
        "status": plan.status.value,
        "status_text": plan.status_text,
        "objective": plan.objective,
        # The objective split, so a total that is mostly penalty for unmet demand reads as such.
        "purchase_cost": plan.purchase_cost,
        "shortfall_penalty": plan.shortfall_penalty,
        "shortfall_items": len(plan.shortfalls),
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
    if getattr(plan, "periods", ()):  # a periodic plan: its builds and stock too
        for name in PERIODIC_TABLES:
            frame = getattr(plan, name)
            tables[name] = frame if plan.has_solution else frame.iloc[:0]
    return tables


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


def _xml_text(value: Any) -> Any:
    """Text XML can hold: control codes other than tab, newline and CR become U+FFFD."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def _for_xlsx(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for k in range(out.shape[1]):
        column = out.iloc[:, k]
        if is_text_column(column):
            out.isetitem(k, column.astype(object).map(_xml_text))
    out.columns = [_xml_text(c) for c in out.columns]
    return out


def _text_cells(ws: Any) -> None:
    """Every text cell of ``ws`` as a string cell: never a formula (``=...``) or an error
    value (``#N/A``), which openpyxl infers from the text."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"


def write_plan_xlsx(
    plan: Any, path: str | os.PathLike[str], *, cost_of_trust: float | None = None
) -> Path:
    """One workbook: a ``summary`` sheet and a sheet per plan table; written atomically.

    Text cells are string cells (never formulas); numbers stay numbers.

    Raises:
        OutputError: the file could not be written; nothing is left behind.
    """
    tables = plan_tables(plan, cost_of_trust)

    def write(tmp: str) -> None:
        # The file is opened here, not by pandas, so it is closed even when saving fails.
        with open(tmp, "wb") as fh, pd.ExcelWriter(fh, engine="openpyxl") as xl:
            for name, df in tables.items():
                _for_xlsx(df).to_excel(xl, sheet_name=name, index=False)
                _text_cells(xl.sheets[name])

    return atomic_write(path, write)


def write_plan(
    plan: Any,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] = ("csv",),
    *,
    cost_of_trust: float | None = None,
) -> list[Path]:
    """Write the plan's tables and KPI summary to ``out_dir`` in each of ``formats``.

    ``csv``: ``summary.csv`` and ``<table>.csv`` (text neutralised by :func:`safe_text_frame`);
    ``xlsx``: ``plan.xlsx``; ``parquet``: ``<table>.parquet`` (needs pyarrow). Returns the paths
    written. Each file is atomic; files written before a failure stay (whole).

    Raises:
        ValueError: an unknown format.
        ImportError: ``parquet`` without pyarrow (the message says ``pip install
            trustsource[parquet]``); raised before any file is written.
        OutputError: a file or the folder could not be written (path and OS reason).
    """
    fmts = list(dict.fromkeys(formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown export format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}"
        )
    if "parquet" in fmts:
        _require_pyarrow()
    out = Path(out_dir)
    make_folder(out, out)
    tables = plan_tables(plan, cost_of_trust)
    written: list[Path] = []
    for fmt in fmts:
        if fmt == "xlsx":
            written.append(write_plan_xlsx(plan, out / "plan.xlsx", cost_of_trust=cost_of_trust))
            continue
        for name, df in tables.items():
            if fmt == "csv":
                text = safe_text_frame(df).to_csv(index=False)
                written.append(atomic_write_text(out / f"{name}.csv", text))
            else:
                frame = _for_parquet(df)
                written.append(
                    atomic_write(
                        out / f"{name}.parquet", lambda tmp, f=frame: f.to_parquet(tmp, index=False)
                    )
                )
    return written
