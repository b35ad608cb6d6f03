"""Help for people filling an instance workbook: drop-down lists and number formats.

Added to the template and the example (``trustsource template``): a hidden ``Lists`` sheet (every
ISO 3166-1 alpha-2 code with its name, from pycountry; the built-in and the workbook's blocs; the
rule kinds of the registry; the bases; yes/no) and data validations on the columns that take one
of those values: item, input and supplier ids refer to the id column of their sheet, site to the
sites sheet, country and owner to the ISO codes, bloc to the blocs, kind to the rule kinds, basis
to ``location``/``owner``, mode to the price-tier modes, lose to what an exit rule loses, and
``exit_clause`` to TRUE/FALSE. The lists reach row :data:`LAST_ROW`. A value outside the list is
warned about, not refused (a custom region such as ``ZZ`` or a bloc defined further down is
valid), and the strict reader still checks everything. Numeric columns get a number format on the
whole column, so typed values show with thousands separators and shares as percent.

The reader ignores the ``Lists`` sheet (:data:`~.excel_layout.IGNORED_SHEETS`) and data
validations are not cell values, so a filled workbook reads back as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pycountry

from ..blocs import builtin_blocs
from ..output.workbook import PERCENT, QUANTITY, WHOLE, print_setup
from .excel_layout import COLUMNS, LISTS_SHEET, NUMERIC_COLUMNS
from .kinds import KINDS

__all__ = ["LAST_ROW", "add_helpers", "format_sheets"]

LAST_ROW = 5000
"""Rows covered by the drop-downs (far above any hand-filled sheet, small enough to stay fast)."""

_FIXED = {
    "basis": ("location", "owner"),
    "mode": ("incremental", "all_units"),
    "lose": ("country", "site", "supplier"),
    "yes_no": ("TRUE", "FALSE"),
}
# (sheet, column) -> the list it takes: another sheet's id column, or a Lists column.
_REFERS: dict[tuple[str, str], str] = {
    ("inputs", "item"): "items",
    ("inputs", "input"): "items",
    ("suppliers", "item"): "items",
    ("suppliers", "site"): "sites",
    ("price_tiers", "supplier"): "suppliers",
    ("sites", "country"): "country",
    ("sites", "owner"): "country",
    ("suppliers", "country"): "country",
    ("suppliers", "owner"): "country",
    ("blocs", "country"): "country",
    ("tariffs", "country"): "country",
    ("rules", "bloc"): "bloc",
    ("rules", "kind"): "kind",
    ("rules", "basis"): "basis",
    ("rules", "lose"): "lose",
    ("price_tiers", "mode"): "mode",
    ("suppliers", "exit_clause"): "yes_no",
}
_PROMPTS = {
    "country": "ISO 3166-1 alpha-2 code, e.g. DE (Germany); every code with its name is on the "
    "hidden Lists sheet (Format > Sheet > Unhide). Custom regions (ZZ, XA-XZ) are accepted.",
    "bloc": "A built-in bloc (eu, g7, concern, ...) or one named on the blocs sheet.",
    "kind": "The rule kind; the README sheet lists the keys each kind uses.",
    "basis": "location: where the supplier produces; owner: the country that controls it.",
    "mode": "incremental: each tier's price applies to the units in it; all_units: the tier "
    "reached prices every unit.",
    "lose": "What the exit rule takes away: a whole country, a site or a supplier.",
    "yes_no": "TRUE or FALSE.",
}
_PERCENT_COLUMNS = frozenset(
    "max_share min_share max_share_without min_share_each coverage rate tolerance".split()
)
_WHOLE_COLUMNS = frozenset(("count", "from_", "until", "max_hhi"))


def _col_letter(sheet: str, column: str) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(COLUMNS[sheet].index(column) + 1))


def _lists_sheet(wb: Any, blocs: Iterable[str]) -> dict[str, str]:
    """The hidden Lists sheet; returns each list's range formula (``Lists!$A$2:$A$250``)."""
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(LISTS_SHEET)
    countries = sorted((c.alpha_2, c.name) for c in pycountry.countries)
    columns: list[tuple[str, list[str]]] = [
        ("country", [code for code, _ in countries]),
        ("country_name", [name for _, name in countries]),
        ("bloc", sorted(dict.fromkeys(blocs))),
        ("kind", list(KINDS)),
        *((k, list(v)) for k, v in _FIXED.items()),
    ]
    ranges: dict[str, str] = {}
    for k, (name, values) in enumerate(columns, start=1):
        letter = get_column_letter(k)
        ws.cell(row=1, column=k, value=name)
        for n, value in enumerate(values, start=2):
            ws.cell(row=n, column=k, value=value).data_type = "s"
        ranges[name] = f"{LISTS_SHEET}!${letter}$2:${letter}${max(2, len(values) + 1)}"
    ws.sheet_state = "hidden"
    return ranges


def _validate(ws: Any, column: str, formula: str, prompt: str | None) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Not in the list",
        error="This value is not in the list; keep it only if you define it elsewhere.",
    )
    if prompt:
        dv.showInputMessage = True
        dv.promptTitle = column
        dv.prompt = prompt[:255]
    dv.add(f"{column}2:{column}{LAST_ROW}")
    ws.add_data_validation(dv)


def _number_format(column: str) -> str | None:
    if column in _PERCENT_COLUMNS:
        return PERCENT
    if column in _WHOLE_COLUMNS or column in ("from", "until"):
        return WHOLE
    if column in NUMERIC_COLUMNS:
        return QUANTITY
    return None


def format_sheets(wb: Any) -> None:
    """Column number formats (on the whole column and on the numbers already there), an
    autofilter and the print setup on every instance sheet of ``wb``: what every instance
    workbook gets, the converted ones too."""
    from openpyxl.utils import get_column_letter

    for sheet, cols in COLUMNS.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        for k, column in enumerate(cols, start=1):
            fmt = _number_format(column)
            if fmt is None:
                continue
            ws.column_dimensions[get_column_letter(k)].number_format = fmt
            for (cell,) in ws.iter_rows(min_row=2, min_col=k, max_col=k):
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    cell.number_format = fmt
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(ws.max_row, 1)}"
        print_setup(ws)


def add_helpers(wb: Any, blocs: Iterable[str] = ()) -> None:
    """Drop-downs and the hidden Lists sheet (``blocs``: the workbook's own bloc names, added
    to the built-in ones), then :func:`format_sheets`: what the template and the example get."""
    ranges = _lists_sheet(wb, [*builtin_blocs(), *blocs])
    for sheet, cols in COLUMNS.items():
        if sheet not in wb.sheetnames:
            continue
        for column in cols:
            target = _REFERS.get((sheet, column))
            if target is None:
                continue
            prompt: str | None
            if target in COLUMNS:  # the id column of another sheet
                formula = f"{target}!$A$2:$A${LAST_ROW}"
                prompt = f"An id from the {target} sheet."
            else:
                formula = ranges[target]
                prompt = _PROMPTS.get(target)
            _validate(wb[sheet], _col_letter(sheet, column), formula, prompt)
    format_sheets(wb)
