"""Formatted Excel workbooks: the one place that styles every workbook trustsource writes.

Plans (``plan.xlsx``), analysis results (``<stem>.xlsx``) and sweeps (``sweep.xlsx``) are built
from tables with :func:`add_table_sheet` and saved with :func:`save_workbook`; the instance template
uses :func:`style_header` and :func:`print_setup`. Each table sheet has a bold header row, column
widths from the content, the header row frozen, one Excel table (or an autofilter when the table
has no rows, which an Excel table cannot hold), number formats by column, and a print setup that
fits the columns on one landscape page width and repeats the header row on every page.

Library: openpyxl (a dependency already, used by the strict workbook reader). XlsxWriter writes
faster and draws richer charts, but it cannot read, so the project would carry two workbook
libraries; the tables written here are small (a plan's awards, an analysis's rows) and openpyxl
covers every feature needed (styles, tables, data validation, print setup).

Numbers are stored exact and rounded for display by the number format only: a quantity of
``99.99999999999999`` shows as ``100.00`` and still sums, in Excel or in a script reading the
file, to the same total as ``plan.json``. Formats, by column name (:func:`column_format`): money
(``cost``, ``*_cost``, ``price``, ``penalty``, ``objective``, ``bound``, ...) with thousands
separators, two decimals and the instance currency; shares (``share``, ``*_share``, ``coverage``,
``mip_gap``, ...) as percent; other numbers with thousands separators (two decimals unless the
column holds only whole numbers).

Text is written as string cells, never formulas or error values (a name ``=WEBSERVICE(...)``
stays that text and is not run); characters XML cannot hold become U+FFFD. The module never
imports the project's other modules, so every writer, down to :mod:`trustsource.safe_writes`,
may use it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "CellFormat",
    "add_key_value_rows",
    "add_table_sheet",
    "column_format",
    "currency_format",
    "new_workbook",
    "print_setup",
    "save_workbook",
    "style_header",
    "xml_text",
]

CellFormat = Callable[[str, Mapping[str, Any]], "str | None"]
"""A per-cell number format: ``(column, row as a mapping) -> format`` or None for the column's."""

PERCENT = "0.0%"
QUANTITY = "#,##0.00"
WHOLE = "#,##0"
SECONDS = "0.00"
MAX_WIDTH = 60
MIN_WIDTH = 8
_MONEY_NAMES = frozenset(
    "cost unit_cost variable_cost fixed_cost objective purchase_cost shortfall_penalty penalty "
    "bound cost_of_trust cost_of_trust_low cost_of_trust_high price total_cost premium "
    "expected_cost cvar delta".split()
)
_SHARE_NAMES = frozenset(
    "share mip_gap gap coverage max_share min_share max_share_without min_share_each "
    "min_coverage rate probability top_share shortfall_share".split()
)
_WHOLE_NAMES = frozenset("hhi max_hhi count n_suppliers n_countries rank".split())


def xml_text(value: Any) -> Any:
    """Text XML can hold: control codes other than tab, newline and CR become U+FFFD."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value


def currency_format(currency: str | None) -> str:
    """A money format with thousands separators, two decimals and the currency code."""
    code = re.sub(r"[^A-Za-z0-9 ]", "", currency or "")[:8]
    return f'#,##0.00 "{code}"' if code else "#,##0.00"


def column_format(name: str, values: pd.Series | None, currency: str | None) -> str | None:
    """The number format of a column by its name (see the module docstring), or None."""
    key = str(name).lower()
    if key in _SHARE_NAMES or key.endswith(("_share", "_gap")) or key.startswith("share_"):
        return PERCENT
    if key in _WHOLE_NAMES or key.startswith("n_"):
        return WHOLE
    if key in _MONEY_NAMES or key.endswith(("_cost", "_price", "_penalty")) or key == "value_cost":
        return currency_format(currency)
    if key.endswith("seconds"):
        return SECONDS
    if values is not None and len(values):
        numbers = [v for v in values if _is_number(v)]
        if numbers and all(float(v).is_integer() for v in numbers):
            return WHOLE
    return QUANTITY


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _cell_value(value: Any) -> Any:
    """A value openpyxl stores as it is: NaN/None empty, numpy scalars plain, text safe."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            value = str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (str, int, float, bool)):
        return xml_text(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return xml_text(", ".join(str(v) for v in value))
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return xml_text(str(value))


def new_workbook() -> Any:
    """An openpyxl workbook without its default sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    for sheet in list(wb.worksheets):
        wb.remove(sheet)
    return wb


def style_header(ws: Any, row: int = 1) -> None:
    """Bold header cells on a light fill, the header row frozen."""
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", start_color="FFDDE4EE")
    for cell in ws[row]:
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(vertical="top")
    ws.freeze_panes = ws.cell(row=row + 1, column=1).coordinate


def print_setup(ws: Any, header_rows: str | None = "1:1") -> None:
    """Landscape, every column on one page width, the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    if header_rows:
        ws.print_title_rows = header_rows


def _width(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if isinstance(value, bool):
        return 5
    if _is_number(value):
        decimals = 0 if fmt in (WHOLE, None) else 2
        text = f"{float(value):,.{decimals}f}"
        if fmt == PERCENT:
            text = f"{float(value) * 100:.1f}%"
        quoted = re.search(r'"([^"]*)"', fmt or "")
        return len(text) + (len(quoted.group(1)) + 1 if quoted else 0)
    return len(str(value))


def set_widths(ws: Any, widths: Mapping[int, int]) -> None:
    """Column widths (characters) by column number, kept between the minimum and maximum."""
    from openpyxl.utils import get_column_letter

    for k, w in widths.items():
        ws.column_dimensions[get_column_letter(k)].width = min(MAX_WIDTH, max(MIN_WIDTH, w + 2))


def _table_name(title: str, taken: set[str]) -> str:
    base = "T_" + (re.sub(r"[^A-Za-z0-9_]", "_", title) or "table")
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name.lower())
    return name


def _taken_tables(wb: Any) -> set[str]:
    return {str(name).lower() for ws in wb.worksheets for name in ws.tables}


def sheet_title(name: str, taken: Iterable[str]) -> str:
    """A valid, unused sheet title for ``name`` (31 characters, no ``[]:*?/\\``)."""
    title = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "sheet"
    used = {t.lower() for t in taken}
    base, n = title, 2
    while title.lower() in used:
        suffix = f"_{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


def add_table_sheet(
    wb: Any,
    name: str,
    frame: pd.DataFrame,
    *,
    currency: str | None = None,
    formats: Mapping[str, str | None] | None = None,
    cell_format: CellFormat | None = None,
) -> Any:
    """A sheet ``name`` holding ``frame`` (header row, one row per record), formatted.

    Args:
        currency: the code shown in money formats.
        formats: number formats by column, over those :func:`column_format` picks (None: the
            column keeps General, e.g. text).
        cell_format: a per-cell format, e.g. a rule's limit in percent or as a count by its kind.
    """
    ws = wb.create_sheet(sheet_title(name, wb.sheetnames))
    columns = [str(xml_text(c)) for c in frame.columns]
    for k, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=k, value=col)
        cell.data_type = "s"
    chosen: dict[int, str | None] = {}
    for k in range(frame.shape[1]):
        series = frame.iloc[:, k]
        col = columns[k]
        if formats is not None and col in formats:
            chosen[k] = formats[col]
        elif pd.api.types.is_bool_dtype(series.dtype):
            chosen[k] = None
        else:
            numeric = [v for v in series if _is_number(_cell_value(v))]
            chosen[k] = column_format(col, pd.Series(numeric), currency) if numeric else None
    widths = {k + 1: len(col) for k, col in enumerate(columns)}
    for n, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        record = dict(zip(columns, row)) if cell_format is not None else {}
        for k, raw in enumerate(row):
            value = _cell_value(raw)
            if value is None:
                continue
            cell = ws.cell(row=n, column=k + 1, value=value)
            fmt = chosen[k]
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula or an error value
                fmt = None
            elif cell_format is not None and not isinstance(value, bool):
                fmt = cell_format(columns[k], record) or fmt
            if fmt and not isinstance(value, bool):
                cell.number_format = fmt
            widths[k + 1] = max(widths[k + 1], _width(value, fmt))
    style_header(ws)
    set_widths(ws, widths)
    _add_table(wb, ws, columns, len(frame))
    print_setup(ws)
    return ws


def _add_table(wb: Any, ws: Any, columns: Sequence[str], rows: int) -> None:
    """One Excel table over the sheet's cells; an autofilter where a table cannot be made
    (no rows, no columns, or header names Excel cannot use: repeated or empty)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    if not columns:
        return
    ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"
    unique = len({c.lower() for c in columns}) == len(columns) and all(c.strip() for c in columns)
    if rows == 0 or not unique:
        ws.auto_filter.ref = ref
        return
    table = Table(displayName=_table_name(ws.title, _taken_tables(wb)), ref=ref)
    table.tableStyleInfo = TableStyleInfo(
        name="TableStyleLight9", showRowStripes=True, showColumnStripes=False
    )
    ws.add_table(table)


def add_key_value_rows(
    ws: Any,
    start_row: int,
    rows: Iterable[tuple[str, Any, str | None]],
    *,
    title: str | None = None,
) -> int:
    """``label | value`` rows from ``start_row`` (labels bold), each value with its format;
    a bold ``title`` row first when given. Returns the next free row."""
    from openpyxl.styles import Alignment, Font

    n = start_row
    if title:
        cell = ws.cell(row=n, column=1, value=xml_text(title))
        cell.data_type = "s"
        cell.font = Font(bold=True, size=12)
        n += 1
    for label, raw, fmt in rows:
        head = ws.cell(row=n, column=1, value=xml_text(label))
        head.data_type = "s"
        head.font = Font(bold=True)
        value = _cell_value(raw)
        if value is not None:
            cell = ws.cell(row=n, column=2, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif fmt and not isinstance(value, bool):
                cell.number_format = fmt
        n += 1
    return n


def frames_workbook(
    tables: Mapping[str, pd.DataFrame],
    *,
    summary: Mapping[str, Any] | None = None,
    currency: str | None = None,
    title: str | None = None,
) -> Any:
    """A workbook: a ``summary`` sheet (``summary``'s scalar fields as label/value rows) when
    given, then one formatted sheet per table."""
    wb = new_workbook()
    if summary is not None:
        ws = wb.create_sheet("summary")
        scalars = [
            (str(k), v, column_format(str(k), None, currency) if _is_number(v) else None)
            for k, v in summary.items()
            if v is None or isinstance(v, (str, int, float, bool))
        ]
        add_key_value_rows(ws, 1, scalars, title=title)
        set_widths(ws, {1: max((len(k) for k, _, _ in scalars), default=10), 2: 40})
        print_setup(ws, None)
    for name, frame in tables.items():
        add_table_sheet(wb, name, frame, currency=currency)
    return wb


def save_workbook(wb: Any, path: str) -> None:
    """Save ``wb`` to ``path`` (a path the caller makes atomic, see ``safe_writes``)."""
    wb.save(path)
