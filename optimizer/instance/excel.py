"""Excel workbooks of an instance: read, write, and an empty template for buyers.

One sheet per table: ``metadata`` (key/value rows; ``sources`` one row per source), ``items``,
``inputs`` (item, input, quantity), ``sites``, ``suppliers``, ``price_tiers`` (supplier, mode,
from, price: one row per break), ``blocs`` (bloc, country: one row per member), ``tariffs``
(country, rate), ``rules`` (one row per rule, list keys comma-separated) and ``variants`` (name,
yaml). Row 1 of each sheet is the header. :func:`load_workbook` turns the sheets into a schema-1
document and validates it with :func:`.instance.instance_from_document`, so the same
checks apply; errors are located as ``book.xlsx: suppliers!row 7 (ga-cn) [capacity] ...``.

Reading is strict (see :mod:`.readers.xlsx_read` for the file, formula, error-value,
merged-cell and sheet-extent rules); a cell it refuses is located as ``book.xlsx:
suppliers!C4``. On top of those, a column name appears once in a header, a yes/no value
(``TRUE``) is refused where a number belongs (``exit_clause`` still takes one), a sheet holds at
most :data:`~trustsource.limits.MAX_ROWS` rows, and mapping and YAML cells are read by the strict
YAML reader with one alias budget for the workbook. A refused cell is reported once: the
validator's own complaint about the same row and column (``is required``) is left out.

Writing (:func:`write_workbook`) stores every text as a string cell, so a name such as
``=WEBSERVICE(...)`` or ``#N/A`` is never a formula or an error value and reads back unchanged;
numbers stay numbers. Text a workbook cannot hold (a control character, more than
:data:`~trustsource.limits.MAX_CELL_CHARS` characters) is refused rather than altered.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import InstanceError, Issue, did_you_mean
from ..limits import MAX_YAML_NODES, clip
from .excel_layout import (
    COLUMNS,
    FREE_TEXT_COLUMNS,
    IGNORED_SHEETS,
    LIST_RULE_KEYS,
    METADATA_KEYS,
    NUMERIC_COLUMNS,
    RULE_COLUMNS,
    SHEETS,
    TEXT_COLUMNS,
    YAML_METADATA,
)
from .excel_write import workbook_tables, write_workbook
from .instance import instance_from_document
from .locate import Locator, ids_of
from .periods import is_mapping_cell
from .readers.safe_yaml import cut, load_yaml
from .readers.xlsx_read import Row, is_worksheet, open_workbook, read_table

__all__ = [
    "COLUMNS",
    "RULE_COLUMNS",
    "SHEETS",
    "SheetLocator",
    "document_from_workbook",
    "load_workbook",
    "workbook_tables",
    "write_workbook",
]

_IGNORED_SHEETS = IGNORED_SHEETS
# A refused cell of a table sheet holds this text, so the record keeps its shape (a missing
# unit_cost would add "give exactly one of unit_cost and price_tiers"); the validator's complaint
# about it is dropped. A row of another sheet with a refused cell is left out whole.
_REFUSED = "#refused"
_TABLE_SHEETS = ("items", "sites", "suppliers", "rules")
_PAIR_SHEETS = ("metadata", "blocs", "tariffs", "variants", "scenarios")


# --- reading ------------------------------------------------------------------------------------


@dataclass
class _Book:
    """What reading the sheets gave: the document, rows, problems, and the refused cells."""

    doc: dict[str, Any]
    lines: dict[str, list[int]]
    issues: list[Issue]
    # (location without the id label, field) of each refused cell: the validator's complaint
    # about the same place (``is required``) would repeat the problem.
    refused: set[tuple[str, str]]


def _cell(col: str, value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return value if col in FREE_TEXT_COLUMNS else value.strip()
    if col in TEXT_COLUMNS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _need(
    rec: dict[str, Any],
    required: tuple[str, ...],
    allowed: tuple[str, ...],
    where: str,
    issues: list[Issue],
) -> bool:
    """Report missing and unknown columns of a row; True when the row is usable."""
    ok = True
    for c in required:
        if c not in rec:
            issues.append(Issue(where, c, "is required"))
            ok = False
    for c in rec:
        if c not in allowed:
            issues.append(
                Issue(where, cut(c, 40), f"unknown column {clip(c)}{did_you_mean(c, allowed)}")
            )
            ok = False
    return ok


def _yaml_cell(text: str, where: str, budget: list[int]) -> Any:
    """A mapping or YAML cell read strictly; ``budget`` is the alias-expansion budget left.

    Raises:
        InstanceError: the cell is not valid (strict) YAML or exceeds a bound.
    """
    data, size = load_yaml(text, where, max_nodes=max(budget[0], 0))
    budget[0] -= size
    return data


def _metadata(
    rows: list[Row], at: str, doc: dict[str, Any], issues: list[Issue], budget: list[int]
) -> None:
    sources: list[Any] = []
    for n, rec in rows:
        where = f"{at}metadata!row {n}"
        key, value = rec.get("key"), rec.get("value")
        if key is None:
            issues.append(Issue(where, "key", "is required"))
        elif key not in METADATA_KEYS:
            issues.append(
                Issue(
                    where,
                    "key",
                    f"unknown key {clip(key)}"
                    f"{did_you_mean(str(key), METADATA_KEYS)}; "
                    f"known: {', '.join(METADATA_KEYS)}",
                )
            )
        elif key == "sources":
            if isinstance(value, str) and value.lstrip().startswith("{"):
                # Not a mapping after all: then the source is this text, kept as written.
                with contextlib.suppress(InstanceError):
                    value = _yaml_cell(value, where, budget)
            if value is not None:
                sources.append(value)
        elif key in doc:
            issues.append(Issue(where, "key", f"'{key}' given twice"))
        elif key in YAML_METADATA and isinstance(value, str):
            # A section that is a mapping or a list, written as YAML text in one cell.
            try:
                doc[key] = _yaml_cell(value, where, budget)
            except InstanceError as exc:
                issues += [Issue(where, "value", i.message) for i in exc.issues]
        elif value is not None:
            doc[key] = value.strip() if key in ("name", "currency") else value
    if sources:
        doc["sources"] = sources


def _table(
    rows: list[Row],
    section: str,
    at: str,
    lines: dict[str, list[int]],
    issues: list[Issue],
    budget: list[int],
) -> list[dict[str, Any]]:
    lines[section] = [n for n, _ in rows]
    for n, rec in rows:
        for col in list(rec):  # given inline, as in CSV tables
            text = rec.get(col)
            if isinstance(text, str) and is_mapping_cell(section, col, text):
                where = f"{at}{section}!row {n}"
                try:
                    rec[col] = _yaml_cell(text, where, budget)
                except InstanceError as exc:
                    del rec[col]
                    reason = exc.issues[0].message if exc.issues else "unreadable"
                    issues.append(Issue(where, col, f"cannot parse mapping {clip(text)}: {reason}"))
    return [rec for _, rec in rows]


def _attach(
    rows: list[Row],
    sheet: str,
    at: str,
    owners: list[Row],
    issues: list[Issue],
    refused: set[tuple[str, str]],
) -> None:
    """Fold ``inputs`` / ``price_tiers`` rows into their item / supplier records.

    A row with a refused cell is left out, and the owner's ``inputs`` / ``price_tiers`` added
    to ``refused``: the validator would otherwise blame the owner for the missing row.
    """
    rows_of = {rec.get("id"): n for n, rec in owners if isinstance(rec.get("id"), str)}
    by_id = {rec.get("id"): rec for _, rec in owners if isinstance(rec.get("id"), str)}
    cols = COLUMNS[sheet]
    owner_col, kind = cols[0], ("item" if sheet == "inputs" else "supplier")
    required = cols if sheet == "inputs" else ("supplier", "from", "price")
    lost = {where for where, _ in refused}
    made: set[str] = set()
    for n, rec in rows:
        where = f"{at}{sheet}!row {n}"
        if where in lost:
            if rec.get(owner_col) in rows_of:
                refused.add((f"{at}{kind}s!row {rows_of[rec[owner_col]]}", sheet))
            continue
        if not _need(rec, required, cols, where, issues):
            continue
        oid = rec[owner_col]
        owner = by_id.get(oid)
        if owner is None:
            issues.append(
                Issue(
                    where,
                    owner_col,
                    f"unknown {kind} {clip(oid)}{did_you_mean(str(oid), list(by_id))}",
                )
            )
            continue
        if sheet == "inputs":
            inputs = owner.setdefault("inputs", {})
            if oid not in made and inputs:
                issues.append(
                    Issue(
                        where,
                        "item",
                        f"item {clip(oid)} also has an inputs cell; give its inputs in one place",
                    )
                )
                continue
            made.add(oid)
            if rec["input"] in inputs:
                issues.append(
                    Issue(
                        where,
                        "input",
                        f"input {clip(rec['input'])} of item {clip(oid)} given twice",
                    )
                )
                continue
            inputs[rec["input"]] = rec["quantity"]
            continue
        if oid not in made and "price_tiers" in owner:
            issues.append(
                Issue(
                    where,
                    "supplier",
                    f"supplier {clip(oid)} also has a price_tiers cell; give its tiers in "
                    "one place",
                )
            )
            continue
        made.add(oid)
        tiers = owner.setdefault("price_tiers", {"breaks": []})
        mode = rec.get("mode")
        if mode is not None and tiers.setdefault("mode", mode) != mode:
            issues.append(
                Issue(
                    where,
                    "mode",
                    f"mode {clip(mode)} differs from "
                    f"{clip(tiers['mode'])} on an earlier row of supplier {clip(oid)}",
                )
            )
        tiers["breaks"].append({"from": rec["from"], "price": rec["price"]})


def _rules(rows: list[Row]) -> list[dict[str, Any]]:
    out = []
    for _, rec in rows:
        for key in LIST_RULE_KEYS:
            value = rec.get(key)
            if isinstance(value, str):
                text = value.strip()
                rec[key] = [] if text == "[]" else [p.strip() for p in text.split(",") if p.strip()]
        out.append(rec)
    return out


def _pairs(
    rows: list[Row], sheet: str, at: str, issues: list[Issue], budget: list[int]
) -> dict[str, Any]:
    key_col, val_col = COLUMNS[sheet]
    out: dict[str, Any] = {}
    for n, rec in rows:
        where = f"{at}{sheet}!row {n}"
        if not _need(rec, (key_col, val_col), (key_col, val_col), where, issues):
            continue
        key, value = rec[key_col], rec[val_col]
        if sheet == "blocs":
            out.setdefault(key, []).append(value)
        elif sheet in ("variants", "scenarios"):
            try:
                value = _yaml_cell(value, where, budget) if isinstance(value, str) else value
            except InstanceError as exc:
                issues += [Issue(where, "yaml", i.message) for i in exc.issues]
                continue
            out[key] = {} if value is None else value
        elif key in out:
            issues.append(Issue(where, key_col, f"{clip(key)} given twice"))
        else:
            out[key] = value
    return out


@dataclass
class SheetLocator(Locator):
    """A locator whose table rows read ``book.xlsx: suppliers!row 7 (ga-cn)``."""

    sheet_rows: dict[str, list[int]] = field(default_factory=dict)

    def where(self, section: str, index: int | None = None) -> str:
        """Location of entry ``index`` of ``section`` as a sheet row."""
        return _relocate(super().where(section, index), self.document, self.sheet_rows)


def _relocate(location: str, origin: str, sheet_rows: dict[str, list[int]]) -> str:
    """``book.xlsx: suppliers[5] (x)`` -> ``book.xlsx: suppliers!row 7 (x)``."""
    m = re.match(
        rf"^{re.escape(origin)}: (items|sites|suppliers|rules)\[(\d+)\](.*)$", location, re.DOTALL
    )
    if m is None or m.group(1) not in sheet_rows:
        return location
    rows = sheet_rows[m.group(1)]
    k = int(m.group(2))
    if k >= len(rows):
        return location
    return f"{origin}: {m.group(1)}!row {rows[k]}{m.group(3)}"


def _read_book(path: Path) -> _Book:
    """Every sheet of the workbook at ``path`` as a schema-1 document (not yet validated)."""
    origin = path.name
    at = f"{origin}: "
    issues: list[Issue] = []
    refused: set[tuple[str, str]] = set()
    rows: dict[str, list[Row]] = {}
    with warnings.catch_warnings():
        # openpyxl warns (on stderr) about features it drops; the library never prints, and
        # what matters for the data is refused below with a located message.
        warnings.simplefilter("ignore")
        wb = open_workbook(path)
        try:
            for name in wb.sheetnames:
                if name in _IGNORED_SHEETS:
                    continue
                if name not in SHEETS:
                    issues.append(
                        Issue(
                            f"{at}{cut(name, 40)}",
                            None,
                            f"unknown sheet {clip(name)}{did_you_mean(name, SHEETS)};"
                            f" known: {', '.join(SHEETS)}",
                        )
                    )
                    continue
                ws = wb[name]
                if name in rows or not is_worksheet(ws):
                    issues.append(
                        Issue(
                            f"{at}{name}",
                            None,
                            "appears twice, or is a chart "
                            "sheet; keep one sheet of cells by this name",
                        )
                    )
                    continue
                rows[name] = read_table(
                    wb,
                    ws,
                    f"{at}{name}",
                    issues,
                    refused,
                    numeric=NUMERIC_COLUMNS,
                    convert=_cell,
                    placeholder=_REFUSED if name in _TABLE_SHEETS else None,
                )
        finally:
            wb.close()
    lost = {where for where, _ in refused}
    for sheet in _PAIR_SHEETS:
        kept = []
        for n, rec in rows.get(sheet, []):
            if f"{at}{sheet}!row {n}" not in lost:
                kept.append((n, rec))
            elif sheet == "metadata" and isinstance(rec.get("key"), str):
                refused.add((origin, rec["key"]))  # "missing schema version" would follow
        rows[sheet] = kept
    budget = [MAX_YAML_NODES]  # one alias-expansion budget for all YAML cells of the workbook
    doc: dict[str, Any] = {}
    _metadata(rows.get("metadata", []), at, doc, issues, budget)
    lines: dict[str, list[int]] = {}
    for section in ("items", "sites", "suppliers"):
        if section in rows:
            doc[section] = _table(rows[section], section, at, lines, issues, budget)
    _attach(rows.get("inputs", []), "inputs", at, rows.get("items", []), issues, refused)
    _attach(
        rows.get("price_tiers", []), "price_tiers", at, rows.get("suppliers", []), issues, refused
    )
    if "rules" in rows:
        _table(rows["rules"], "rules", at, lines, issues, budget)  # paths by period parsed
        doc["rules"] = _rules(rows["rules"])
    for sheet in ("blocs", "tariffs", "variants", "scenarios"):
        if rows.get(sheet):
            doc[sheet] = _pairs(rows[sheet], sheet, at, issues, budget)
    return _Book(doc, lines, issues, refused)


def _repeats(issue: Issue, refused: set[tuple[str, str]]) -> bool:
    """True if ``issue`` is the validator's complaint about a cell already refused."""
    where = issue.location.split(" (")[0]  # without the entry's id
    name = issue.field or ""
    return (where, name) in refused or (where, re.split(r"[.\[]", name)[0]) in refused


def document_from_workbook(
    path: str | Path,
) -> tuple[dict[str, Any], dict[str, list[int]], list[Issue]]:
    """The schema-1 document of a workbook, the sheet row of each table entry, sheet problems.

    A refused cell (see :func:`load_workbook`) is reported among the problems; in the document
    it holds a placeholder text, or its row is left out.

    Raises:
        InstanceError: if the file cannot be read at all (missing, too large, not a workbook).
    """
    book = _read_book(Path(path))
    return book.doc, book.lines, book.issues


def load_workbook(path: str | Path) -> Any:
    """Load and validate an instance workbook (``.xlsx``).

    Returns:
        The validated :class:`~trustsource.Instance`.

    Raises:
        InstanceError: every problem, located by sheet, row and column (or cell).
    """
    path = Path(path)
    origin = path.name
    book = _read_book(path)
    try:
        inst = instance_from_document(book.doc, path.parent, origin)
    except InstanceError as exc:
        found = [
            Issue(_relocate(i.location, origin, book.lines), i.field, i.message, i.kind)
            for i in exc.issues
        ]
        raise InstanceError(
            book.issues + [i for i in found if not _repeats(i, book.refused)]
        ) from None
    if book.issues:
        raise InstanceError(book.issues)
    inst._locator = SheetLocator(document=origin, ids=ids_of(book.doc), sheet_rows=book.lines)
    return inst
