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

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from ..errors import OutputError

TABLES = ("allocations", "items", "rules", "sites", "costs")
FORMATS = ("csv", "xlsx", "parquet")
PARQUET_HINT = "Parquet export needs pyarrow: pip install trustsource[parquet]"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""

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


def safe_text(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Only ``str`` values starting with one of :data:`FORMULA_TRIGGERS` change; numbers, None,
    booleans and other text are returned as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    return not (is_numeric_dtype(dtype) or is_bool_dtype(dtype) or is_datetime64_any_dtype(dtype))


def safe_text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` fit for a CSV a spreadsheet may open: :func:`safe_text` on every cell of
    the text (object, string, category) columns and on the column labels; numeric, boolean and
    date columns are left as they are."""
    out = df.copy()
    for k in range(out.shape[1]):  # by position: labels may repeat
        column = out.iloc[:, k]
        if _is_text_column(column):
            out.isetitem(k, column.astype(object).map(safe_text))
    out.columns = [safe_text(c) for c in out.columns]
    return out


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
    return tables


def _file_mode() -> int:
    """Mode of an ordinary new file under the process umask (mkstemp creates 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _make_folder(folder: Path, target: Path) -> None:
    """``folder`` and its parents, or :class:`OutputError` naming ``target``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        # A file where a folder must be: name it rather than say "File exists".
        blocker = next(
            (p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None
        )
        reason = f"{blocker} is a file, not a folder" if blocker else _reason(exc)
        raise OutputError(str(target), reason) from exc
    except OSError as exc:
        raise OutputError(str(target), _reason(exc)) from exc


def _atomic(path: Path, write: Callable[[str], None], *, overwrite: bool = True) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it into place.

    The file is flushed to disk before the move, so a full disk is reported here rather than
    found later as a truncated file. On any failure the temporary file is removed.

    Args:
        overwrite: replace an existing ``path``; when False an existing file is kept and
            :class:`FileExistsError` is raised (checked atomically where the file system allows).

    Raises:
        OutputError: the operating system refused (read-only folder, disk full, ...).
        FileExistsError: ``path`` exists and ``overwrite`` is False.
    """
    _make_folder(path.parent, path)
    try:
        # The temporary name keeps the real extension last: writers such as Excel's check it.
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=f".tmp{path.suffix}"
        )
        os.close(fd)
    except OSError as exc:
        raise OutputError(str(path), _reason(exc)) from exc
    try:
        write(tmp)
        os.chmod(tmp, _file_mode())
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _move_into_place(tmp, path, overwrite)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, FileExistsError):
            raise OutputError(str(path), _reason(exc)) from exc
        raise


def _move_into_place(tmp: str, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)
        return
    # A hard link fails if the target exists, unlike a rename: no window for a clobber.
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "the file exists", str(path)) from None
    except OSError:  # no hard links on this file system: check, then rename
        if path.exists():
            raise FileExistsError(errno.EEXIST, "the file exists", str(path)) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def atomic_write(
    path: str | os.PathLike[str], write: Callable[[str], None], *, overwrite: bool = True
) -> Path:
    """Write ``path`` atomically through ``write(tmp)``, which must create the file ``tmp``.

    Raises:
        OutputError: the operating system refused; nothing is left behind.
        FileExistsError: ``path`` exists and ``overwrite`` is False.
    """
    target = Path(path)
    _atomic(target, write, overwrite=overwrite)
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, *, overwrite: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path (see :func:`atomic_write`)."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)

    return atomic_write(path, write, overwrite=overwrite)


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
        if _is_text_column(column):
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
    _make_folder(out, out)
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


def csv_text(df: pd.DataFrame) -> str:
    """A table as CSV text for people's spreadsheets: formula-like text neutralised."""
    return str(safe_text_frame(df).to_csv(index=False))


def atomic_folder(
    out_dir: str | os.PathLike[str], fill: Callable[[Path], Iterable[Path]], *, owned: Iterable[str]
) -> list[Path]:
    """Write a whole output folder or nothing: ``fill(tmp)`` writes into a temporary sibling,
    which is then renamed to ``out_dir``.

    An existing ``out_dir`` is replaced only when it holds nothing but files this writer owns
    (``owned``: names or glob patterns, e.g. the files of an earlier run); otherwise the user's
    other files are never touched and :class:`OutputError` says so. The old folder is moved
    aside first and restored if the final rename fails, so a crash leaves the old or the new
    folder, never a mix.

    Returns:
        The paths written, inside ``out_dir``.

    Raises:
        OutputError: the folder cannot be written (path and OS reason); nothing is left behind.
    """
    import fnmatch
    import shutil

    out = Path(out_dir)
    patterns = list(owned)
    if out.exists() and not out.is_dir():
        raise OutputError(str(out), "it is a file, not a folder")
    if out.is_dir():
        foreign = sorted(
            p.name
            for p in out.iterdir()
            if not any(fnmatch.fnmatch(p.name, pat) for pat in patterns)
        )
        if foreign:
            shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
            raise OutputError(
                str(out),
                f"the folder exists and holds other files ({shown}); choose a new or empty folder",
            )
    _make_folder(out.parent, out)
    try:
        tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as exc:
        raise OutputError(str(out), _reason(exc)) from exc
    old: Path | None = None
    try:
        written = [out / Path(p).relative_to(tmp) for p in fill(tmp)]
        os.chmod(tmp, 0o777 & ~_umask())
        if out.is_dir():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".old"))
            os.rmdir(old)
            os.replace(out, old)
        try:
            os.replace(tmp, out)
        except OSError:
            if old is not None:
                os.replace(old, out)
                old = None
            raise
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OutputError):
            raise OutputError(str(out), exc.reason) from exc
        if isinstance(exc, OSError):
            raise OutputError(str(out), _reason(exc)) from exc
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return written


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
