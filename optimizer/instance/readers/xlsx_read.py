"""Reading an Excel workbook strictly and within bounds: what Excel saved, or a located refusal.

openpyxl, used as is, reads some workbooks wrongly without a word: a formula cell whose value was
never calculated (a workbook written by a script) reads as empty, so a demand becomes 0; a merged
range keeps its value in one cell only; read-only mode trusts the sheet's ``<dimension>`` record
and silently drops the rows below a stale one; an error value (``#REF!``) reads as its text.
Here, in one streaming pass per sheet:

* the file is a regular file of at most :data:`~trustsource.limits.MAX_XLSX_BYTES`, read once
  into memory (a file swapped while it is read cannot matter); it is a zip
  archive (an ``.xls`` or password-protected workbook, or a renamed text file, gets its own
  message) whose entries declare at most :data:`~trustsource.limits.MAX_XLSX_UNPACKED_BYTES` in
  total. That is checked with :mod:`zipfile` before openpyxl opens the archive, so a zip bomb is
  refused in milliseconds; the declaration binds, because :mod:`zipfile` stops reading an entry
  at its declared size (and then fails its checksum);
* each sheet is read from its XML to the end, whatever its ``<dimension>`` record says;
* a formula cell is read as the value Excel saved with it; one without a saved value is refused;
* an error value (``#REF!``, ``#DIV/0!``, ``#N/A``, ...) is refused;
* a text cell longer than :data:`~trustsource.limits.MAX_CELL_CHARS` characters is refused;
* the sheet's merged ranges are listed, for the caller to refuse in data sheets.

:func:`read_table` reads a sheet as a table on top of that: a header naming each column once, a
yes/no value refused in a numeric column, at most :data:`~trustsource.limits.MAX_ROWS` rows, and
merged ranges refused (the cells they hide are not blamed a second time).

The cells come from openpyxl's own streaming sheet parser (the one its read-only worksheets use),
extended by a formula flag: the public read-only API cannot tell a formula without a saved value
from an empty cell, nor list merged ranges, and normal mode could, but holds the whole workbook
in memory twice (once for values, once for formulas). That parser is an internal of openpyxl;
``tests/test_excel_strict_read.py`` pins the behaviour relied on.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ...errors import InstanceError, Issue
from ...limits import (
    MAX_CELL_CHARS,
    MAX_ROWS,
    MAX_XLSX_BYTES,
    MAX_XLSX_UNPACKED_BYTES,
    MIB,
    clip,
)
from ...safe_files import Refused, read_document, shown_path
from .safe_yaml import cut

# The first bytes of an OLE2 compound file: an Excel 97-2003 .xls, or an encrypted .xlsx.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Cells = dict[int, Any]
"""Values of one row by column number (1 = A); blank cells are left out."""
Problems = dict[int, str]
"""Why a cell of the row is refused, by column number."""
Row = tuple[int, dict[str, Any]]
"""A record of a table sheet and its sheet row number."""

# Header mark of a column that is not read: its header cell was refused or repeated.
_UNREAD = "\0"
# Merged ranges of one sheet reported one by one; more are summed up in one line.
_MERGED_SHOWN = 20


def coordinate(row: int, column: int) -> str:
    """``C4`` for row 4, column 3."""
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def blank(value: Any) -> bool:
    """True for an empty cell or one holding only whitespace."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def _refuse(path: Path, message: str) -> InstanceError:
    return InstanceError([Issue(shown_path(str(path)), None, message)])


def _archive_problem(data: bytes) -> str | None:
    """Why ``data`` is not a workbook openpyxl may open, or ``None``."""
    if data.startswith(_OLE2):
        return (
            "is an Excel 97-2003 workbook (.xls) or a password-protected workbook; remove "
            "any password and save it as 'Excel Workbook (.xlsx)'"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return (
            "is not an Excel workbook: an .xlsx file is a zip archive and this is not one "
            "(a CSV or text file renamed .xlsx, or a damaged download?); save it from Excel "
            "as 'Excel Workbook (.xlsx)'"
        )
    if declared > MAX_XLSX_UNPACKED_BYTES:
        return (
            f"unpacks to {declared:,} bytes, more than the {MAX_XLSX_UNPACKED_BYTES // MIB} "
            "MiB trustsource reads from a workbook (a damaged file or a zip bomb?); keep "
            "large tables in CSV files"
        )
    return None


def open_workbook(path: Path) -> Any:
    """The workbook at ``path`` opened read-only (saved values, not formulas), after the checks
    of the module docstring on the file and its archive.

    Raises:
        InstanceError: not found, not a regular file, too large, not a zip archive, unpacking
            to too much, or unreadable by openpyxl; one issue naming the file.
    """
    import openpyxl

    try:
        data = read_document(path, MAX_XLSX_BYTES)
    except FileNotFoundError:
        raise _refuse(path, "file not found") from None
    except Refused as exc:
        raise _refuse(path, str(exc)) from None
    problem = _archive_problem(data)
    if problem is not None:
        raise _refuse(path, problem)
    try:
        # keep_links=False: cached copies of other workbooks' cells are not data of this one.
        return openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a damaged file
        raise _refuse(
            path,
            f"cannot read the workbook ({cut(str(exc) or type(exc).__name__)}); "
            "open it in Excel and save it again as .xlsx",
        ) from None


def is_worksheet(ws: Any) -> bool:
    """True for a sheet of cells (not a chart sheet)."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    return isinstance(ws, ReadOnlyWorksheet)


class SheetScan:
    """One pass over a worksheet's XML: its non-blank rows, then its merged ranges.

    Iterate :meth:`rows`; once it is exhausted :attr:`merged` lists the merged ranges
    (``A2:A4``) in the order the file gives them.
    """

    def __init__(self, wb: Any, ws: Any) -> None:
        self._wb = wb
        self._ws = ws
        self.merged: list[str] = []
        self.error: str | None = None
        """Why the sheet could not be read to its end (damaged XML), cut short; else None."""

    def rows(self) -> Iterator[tuple[int, Cells, Problems]]:
        """``(row number, values, problems)`` for each row holding a value or a refused cell.

        A damaged sheet ends the rows early and sets :attr:`error`.
        """
        try:
            yield from self._rows()
        except Exception as exc:  # noqa: BLE001 - XML and openpyxl errors of many types
            self.error = cut(str(exc) or type(exc).__name__)

    def _rows(self) -> Iterator[tuple[int, Cells, Problems]]:
        wb, ws = self._wb, self._ws
        # The same construction as openpyxl's ReadOnlyWorksheet._cells_by_row, minus its use of
        # the <dimension> record: every <row> of the sheet is read.
        with ws._get_source() as source:
            parser = _parser_class()(
                source,
                ws._shared_strings,
                data_only=True,
                epoch=wb.epoch,
                date_formats=wb._date_formats,
                timedelta_formats=wb._timedelta_formats,
            )
            for number, cells in parser.parse():
                values: Cells = {}
                problems: Problems = {}
                for cell in cells:
                    column = cell["column"]
                    problem = _problem(cell)
                    if column in values or column in problems:
                        problem = (
                            "appears twice in the sheet's XML; open the workbook in "
                            "Excel and save it again"
                        )
                    if problem is not None:
                        problems[column] = problem
                        values.pop(column, None)
                    elif not blank(cell["value"]):
                        values[column] = cell["value"]
                if values or problems:
                    yield number, values, problems
            merged = parser.merged_cells
        self.merged = [str(m.ref) for m in merged.mergeCell] if merged is not None else []


def _problem(cell: dict[str, Any]) -> str | None:
    """Why a cell's value cannot be read as it stands, or ``None``."""
    value = cell["value"]
    formula = cell.get("formula")
    if formula is not None:
        what = f"the formula {clip('=' + formula)}" if formula else "the (shared) formula"
        return (
            f"{what} has no saved value (the workbook was written by a "
            "program that does not calculate formulas); open the workbook in Excel or "
            "LibreOffice and save it, so the computed values are stored, or type the value"
        )
    if cell["data_type"] == "e":
        return (
            f"holds the error value {clip(value)} (a broken formula or reference); fix the "
            "formula or type the value"
        )
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return (
            f"holds {len(value):,} characters; a cell may hold at most {MAX_CELL_CHARS:,} "
            "(keep long text short, or give large data in CSV files)"
        )
    return None


def _header(
    n: int, values: dict[int, Any], problems: dict[int, str], shown: str, issues: list[Issue]
) -> dict[int, str]:
    """Column number -> name for the header row; a repeated name is refused (not read)."""
    header: dict[int, str] = {}
    seen: dict[str, int] = {}
    for k in sorted(values):
        name = str(values[k]).strip()
        if name in seen:
            issues.append(
                Issue(
                    f"{shown}!{coordinate(n, k)}",
                    cut(name, 40),
                    f"column {clip(name)} appears twice in the header (also "
                    f"{coordinate(n, seen[name])}); keep one",
                )
            )
            header[k] = _UNREAD
        else:
            seen[name] = k
            header[k] = name
    for k in problems:
        header[k] = _UNREAD
    return header


def read_table(
    wb: Any,
    ws: Any,
    shown: str,
    issues: list[Issue],
    refused: set[tuple[str, str]],
    *,
    numeric: frozenset[str] = frozenset(),
    convert: Callable[[str, Any], Any] = lambda _col, value: value,
    placeholder: Any = None,
) -> list[Row]:
    """A sheet read as a table: its first non-blank row is the header, each later non-blank
    row a record ``{column name: converted value}``; blank cells are left out.

    Problems are appended to ``issues`` located as ``shown!C4`` (a cell), ``shown!row 7`` or
    ``shown!A2:A4`` (a merged range). A cell refused (see the module docstring, and a yes/no
    value in a ``numeric`` column) is noted in ``refused`` as ``("shown!row 7", column name)``,
    so that a later complaint about the same place can be dropped, and its record holds
    ``placeholder`` for it (left out if ``None``). At most
    :data:`~trustsource.limits.MAX_ROWS` records are read.
    """
    scan = SheetScan(wb, ws)
    header: dict[int, str] | None = None
    header_row = 0
    out: list[Row] = []
    for n, values, problems in scan.rows():
        lost: list[str] = []  # columns of the row's refused cells
        for k, problem in problems.items():
            col = header.get(k) if header is not None else None
            name = col if col not in (None, _UNREAD) else None
            issues.append(Issue(f"{shown}!{coordinate(n, k)}", name, problem))
            refused.add((f"{shown}!row {n}", name or ""))
            if name is not None:
                lost.append(name)
        if header is None:
            header, header_row = _header(n, values, problems, shown, issues), n
            continue
        if len(out) == MAX_ROWS:
            issues.append(
                Issue(
                    f"{shown}!row {n}",
                    None,
                    f"more than {MAX_ROWS:,} rows under the header; at most "
                    f"{MAX_ROWS:,} are read per sheet (split the instance)",
                )
            )
            return out
        rec: dict[str, Any] = {}
        for k, value in values.items():
            col = header.get(k)
            if col is None:
                issues.append(
                    Issue(
                        f"{shown}!{coordinate(n, k)}",
                        None,
                        f"value {clip(value)} in a column without a header; name "
                        f"the column in row {header_row} or delete the value",
                    )
                )
            elif col == _UNREAD:
                continue
            elif col in numeric and isinstance(value, bool):
                issues.append(
                    Issue(
                        f"{shown}!{coordinate(n, k)}",
                        col,
                        f"is {str(value).upper()}, a yes/no value, where {col} "
                        "needs a number; type the number",
                    )
                )
                refused.add((f"{shown}!row {n}", col))
                lost.append(col)
            else:
                rec[col] = convert(col, value)
        if placeholder is not None:
            rec.update(dict.fromkeys(lost, placeholder))
        out.append((n, rec))
    if scan.error is not None:
        issues.append(
            Issue(
                shown,
                None,
                f"cannot read the sheet ({scan.error}); open the "
                "workbook in Excel and save it again",
            )
        )
    for ref in scan.merged[:_MERGED_SHOWN]:
        issues.append(
            Issue(
                f"{shown}!{ref}",
                None,
                "merged cells: the value is kept in the first cell only; unmerge "
                "them (Home > Merge & Center > Unmerge Cells) and type the value in "
                "every cell",
            )
        )
    if len(scan.merged) > _MERGED_SHOWN:
        issues.append(
            Issue(
                shown,
                None,
                f"{len(scan.merged) - _MERGED_SHOWN:,} more merged "
                "ranges; unmerge every range in the sheet",
            )
        )
    if scan.merged and header is not None:
        _hide_merged(scan.merged[:_MERGED_SHOWN], header, out, shown, refused, placeholder)
    return out


def _hide_merged(
    refs: list[str],
    header: dict[int, str],
    out: list[Row],
    shown: str,
    refused: set[tuple[str, str]],
    placeholder: Any,
) -> None:
    """Treat the cells a merged range hides (all but its first) as refused.

    The merged-cells message already says what to do; without this, each row under a merged
    ``item`` cell would add its own "item is required". At most ``MAX_ROWS`` cells are marked,
    so a hostile range over a whole sheet costs no more than reading one.
    """
    from openpyxl.utils.cell import range_boundaries

    boxes = []
    for ref in refs:
        try:
            c1, r1, c2, r2 = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        cols = [(k, col) for k, col in header.items() if c1 <= k <= c2 and col != _UNREAD]
        boxes.append((r1, r2, c1, cols))
    budget = MAX_ROWS
    for n, rec in out:
        for r1, r2, c1, cols in boxes:
            if not r1 <= n <= r2:
                continue
            for k, col in cols:
                if (n, k) == (r1, c1):
                    continue  # the first cell shows the value; any other is hidden
                refused.add((f"{shown}!row {n}", col))
                if placeholder is not None:
                    rec[col] = placeholder
                budget -= 1
                if budget <= 0:
                    return


def _parser_class() -> type:
    """openpyxl's streaming sheet parser, noting formulas that have no saved value.

    Built on first use: importing openpyxl costs a quarter of a second, which commands that read
    no workbook should not pay.
    """
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class CellParser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            formula = element.find(FORMULA_TAG)
            if formula is not None:
                saved = element.find(VALUE_TAG)
                # A calculated formula has a <v>; an empty one counts only for a text result
                # (t="str", the formula gave ""). openpyxl itself writes an empty <v/> under a
                # formula it cannot calculate, so that is "no saved value".
                if saved is None or (not saved.text and element.get("t") != "str"):
                    cell["formula"] = formula.text or ""
            return cell

    return CellParser
