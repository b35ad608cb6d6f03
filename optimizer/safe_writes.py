"""Writing files whole or not at all, with text a spreadsheet cannot run as a formula.

Shared by every writer (instance conversion, plan exports, analyses' output folders), below all
of them. Each file goes to a temporary sibling, is flushed to disk and moved into place with
:func:`os.replace`, so a file appears whole or not at all; a folder is filled beside its target
and renamed. When the operating system refuses (read-only folder, disk full, permissions) the
temporary file is removed and :class:`~trustsource.errors.OutputError` is raised with the path and
the OS's reason.

Spreadsheet-formula injection (OWASP "CSV injection"): instance text reaches CSV files, and a
spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return.
Such text cells get a leading single quote (:func:`safe_text`, :func:`safe_text_frame`), which
spreadsheets show as plain text; numbers are never touched.
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

from .errors import OutputError
from .output.workbook import frames_workbook, save_workbook

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""


def safe_text(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Only ``str`` values starting with one of :data:`FORMULA_TRIGGERS` change; numbers, None,
    booleans and other text are returned as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    return not (is_numeric_dtype(dtype) or is_bool_dtype(dtype) or is_datetime64_any_dtype(dtype))


def safe_text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` fit for a CSV a spreadsheet may open: :func:`safe_text` on every cell of
    the text (object, string, category) columns and on the column labels; numeric, boolean and
    date columns are left as they are."""
    out = df.copy()
    for k in range(out.shape[1]):  # by position: labels may repeat
        column = out.iloc[:, k]
        if is_text_column(column):
            out.isetitem(k, column.astype(object).map(safe_text))
    out.columns = [safe_text(c) for c in out.columns]
    return out


def _file_mode() -> int:
    """Mode of an ordinary new file under the process umask (mkstemp creates 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def make_folder(folder: Path, target: Path) -> None:
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
    make_folder(path.parent, path)
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
    make_folder(out.parent, out)
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


def write_result_folder(
    out_dir: str | os.PathLike[str],
    stem: str,
    payload: Any,
    tables: Mapping[str, pd.DataFrame],
    figure: Callable[[], Any] | None = None,
) -> list[Path]:
    """An analysis's output folder, whole or not at all: ``<stem>.json`` (``payload``), one
    ``<stem>_<name>.csv`` per table, ``<stem>.xlsx`` (a ``summary`` sheet of the payload's
    scalar fields, then one formatted sheet per table, see :func:`result_workbook`), and
    ``<stem>.png`` and ``<stem>.svg`` drawn by ``figure`` (a matplotlib figure; None: no
    chart)."""

    def fill(tmp: Path) -> list[Path]:
        paths = [tmp / f"{stem}.json"]
        paths[0].write_text(json.dumps(payload, indent=2), encoding="utf-8")
        for name, frame in tables.items():
            path = tmp / f"{stem}_{name}.csv"
            path.write_text(csv_text(frame), encoding="utf-8")
            paths.append(path)
        paths.append(tmp / f"{stem}.xlsx")
        save_workbook(result_workbook(stem, payload, tables), str(paths[-1]))
        if figure is not None:
            import matplotlib.pyplot as plt  # only when a chart is drawn

            fig = figure()
            try:
                for suffix in ("png", "svg"):
                    fig.savefig(tmp / f"{stem}.{suffix}", dpi=120)
                    paths.append(tmp / f"{stem}.{suffix}")
            finally:
                plt.close(fig)
        return paths

    return atomic_folder(out_dir, fill, owned=(f"{stem}.*", f"{stem}_*.csv"))


def result_workbook(stem: str, payload: Any, tables: Mapping[str, pd.DataFrame]) -> Any:
    """An analysis's workbook: ``summary`` (the payload's scalar fields, label and value, money
    in the payload's ``currency``) then one formatted sheet per table (see
    :mod:`trustsource.output.workbook`)."""
    fields = payload if isinstance(payload, Mapping) else {}
    currency = fields.get("currency")
    return frames_workbook(
        tables,
        summary=fields,
        currency=currency if isinstance(currency, str) else None,
        title=stem,
    )


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
