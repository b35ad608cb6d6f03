"""Excel workbooks of an instance: read, write, and an empty template for buyers.

One sheet per table: ``metadata`` (key/value rows; ``sources`` one row per source), ``items``,
``inputs`` (item, input, quantity), ``sites``, ``suppliers``, ``price_tiers`` (supplier, mode,
from, price: one row per break), ``blocs`` (bloc, country: one row per member), ``tariffs``
(country, rate), ``rules`` (one row per rule, list keys comma-separated) and ``variants`` (name,
yaml). Row 1 of each sheet is the header. :func:`load_workbook` turns the sheets into a schema-1
document and validates it with :func:`trustsource.loader.instance_from_document`, so the same
checks apply; errors are located as ``book.xlsx: suppliers!row 7 (ga-cn) [capacity] ...``.
"""

from __future__ import annotations

import json
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import zip_longest
from pathlib import Path
from typing import Any

import yaml
from trustsource.errors import InstanceError, Issue, did_you_mean
from trustsource.loader import RULE_MODELS, Locator, ids_of, instance_from_document
from trustsource.schema import ItemSpec, SiteSpec, SupplierSpec

ITEM_COLUMNS = tuple(f for f in ItemSpec.model_fields if f != "inputs")
SITE_COLUMNS = tuple(SiteSpec.model_fields)
SUPPLIER_COLUMNS = tuple(f for f in SupplierSpec.model_fields if f != "price_tiers")
# Rule columns: the common keys first, then every other key of any rule kind, once.
RULE_COLUMNS = tuple(dict.fromkeys(
    ["name", "kind", "items", "basis", "description"]
    + [f.alias or n for model in RULE_MODELS for n, f in model.model_fields.items()]))
LIST_RULE_KEYS = ("items", "countries", "except")
COLUMNS: dict[str, tuple[str, ...]] = {
    "metadata": ("key", "value"), "items": ITEM_COLUMNS, "inputs": ("item", "input", "quantity"),
    "sites": SITE_COLUMNS, "suppliers": SUPPLIER_COLUMNS,
    "price_tiers": ("supplier", "mode", "from", "price"), "blocs": ("bloc", "country"),
    "tariffs": ("country", "rate"), "rules": RULE_COLUMNS, "variants": ("name", "yaml"),
    "scenarios": ("name", "yaml"),
}
SHEETS = tuple(COLUMNS)
METADATA_KEYS = ("trustsource", "name", "currency", "description", "sources")
# Cells of these columns are text even when Excel stored a number (an id typed as 123).
_TEXT = {"id", "item", "site", "country", "owner", "unit", "description", "source", "name",
         "kind", "basis", "bloc", "input", "supplier", "mode", "lose", "key", "yaml"}
# Free text keeps its whitespace (a folded YAML description ends with a newline).
_FREE_TEXT = {"description", "source", "value", "yaml"}
_IGNORED_SHEETS = ("README",)
Row = tuple[int, dict[str, Any]]


# --- reading ------------------------------------------------------------------------------------

def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _cell(col: str, value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return value if col in _FREE_TEXT else value.strip()
    if col in _TEXT and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _read_sheet(ws: Any, shown: str, issues: list[Issue]) -> list[Row]:
    """(sheet row number, record) per non-blank row under the header; blank cells dropped."""
    header: list[str | None] | None = None
    out: list[Row] = []
    for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if all(_blank(v) for v in values):
            continue
        if header is None:
            header = [None if _blank(v) else str(v).strip() for v in values]
            continue
        rec: dict[str, Any] = {}
        for col, value in zip_longest(header, values):
            if _blank(value):
                continue
            if col is None:
                issues.append(Issue(f"{shown}!row {n}", None,
                                    f"value {value!r} in a column without a header"))
                continue
            if col in rec:
                issues.append(Issue(f"{shown}!row {n}", col, "column given twice"))
            rec[col] = _cell(col, value)
        out.append((n, rec))
    return out


def _need(rec: dict[str, Any], required: tuple[str, ...], allowed: tuple[str, ...],
          where: str, issues: list[Issue]) -> bool:
    """Report missing and unknown columns of a row; True when the row is usable."""
    ok = True
    for c in required:
        if c not in rec:
            issues.append(Issue(where, c, "is required"))
            ok = False
    for c in rec:
        if c not in allowed:
            issues.append(Issue(where, c, f"unknown column '{c}'{did_you_mean(c, allowed)}"))
            ok = False
    return ok


def _metadata(rows: list[Row], at: str, doc: dict[str, Any], issues: list[Issue]) -> None:
    sources: list[Any] = []
    for n, rec in rows:
        where = f"{at}metadata!row {n}"
        key, value = rec.get("key"), rec.get("value")
        if key is None:
            issues.append(Issue(where, "key", "is required"))
        elif key not in METADATA_KEYS:
            issues.append(Issue(where, "key", f"unknown key '{key}'"
                                f"{did_you_mean(str(key), METADATA_KEYS)}; "
                                f"known: {', '.join(METADATA_KEYS)}"))
        elif key == "sources":
            if isinstance(value, str) and value.lstrip().startswith("{"):
                with suppress(yaml.YAMLError):
                    value = yaml.safe_load(value)
            if value is not None:
                sources.append(value)
        elif key in doc:
            issues.append(Issue(where, "key", f"'{key}' given twice"))
        elif value is not None:
            doc[key] = value.strip() if key in ("name", "currency") else value
    if sources:
        doc["sources"] = sources


def _table(rows: list[Row], section: str, at: str, lines: dict[str, list[int]],
           issues: list[Issue]) -> list[dict[str, Any]]:
    lines[section] = [n for n, _ in rows]
    for n, rec in rows:
        for col in ("inputs", "price_tiers"):  # given inline, as in CSV tables
            if isinstance(rec.get(col), str):
                try:
                    rec[col] = yaml.safe_load(rec[col])
                except yaml.YAMLError:
                    issues.append(Issue(f"{at}{section}!row {n}", col,
                                        f"cannot parse mapping {rec.pop(col)!r}"))
    return [rec for _, rec in rows]


def _attach(rows: list[Row], sheet: str, at: str, table: list[dict[str, Any]],
            issues: list[Issue]) -> None:
    """Fold ``inputs`` / ``price_tiers`` rows into their item / supplier records."""
    by_id = {r.get("id"): r for r in table if isinstance(r.get("id"), str)}
    cols = COLUMNS[sheet]
    owner_col, kind = cols[0], ("item" if sheet == "inputs" else "supplier")
    required = cols if sheet == "inputs" else ("supplier", "from", "price")
    made: set[str] = set()
    for n, rec in rows:
        where = f"{at}{sheet}!row {n}"
        if not _need(rec, required, cols, where, issues):
            continue
        oid = rec[owner_col]
        owner = by_id.get(oid)
        if owner is None:
            issues.append(Issue(where, owner_col, f"unknown {kind} '{oid}'"
                                f"{did_you_mean(str(oid), list(by_id))}"))
            continue
        if sheet == "inputs":
            inputs = owner.setdefault("inputs", {})
            if oid not in made and inputs:
                issues.append(Issue(where, "item", f"item '{oid}' also has an inputs cell; "
                                    "give its inputs in one place"))
                continue
            made.add(oid)
            if rec["input"] in inputs:
                issues.append(Issue(where, "input", f"input '{rec['input']}' of item '{oid}' "
                                    "given twice"))
                continue
            inputs[rec["input"]] = rec["quantity"]
            continue
        if oid not in made and "price_tiers" in owner:
            issues.append(Issue(where, "supplier", f"supplier '{oid}' also has a price_tiers "
                                "cell; give its tiers in one place"))
            continue
        made.add(oid)
        tiers = owner.setdefault("price_tiers", {"breaks": []})
        mode = rec.get("mode")
        if mode is not None and tiers.setdefault("mode", mode) != mode:
            issues.append(Issue(where, "mode", f"mode '{mode}' differs from '{tiers['mode']}' "
                                f"on an earlier row of supplier '{oid}'"))
        tiers["breaks"].append({"from": rec["from"], "price": rec["price"]})


def _rules(rows: list[Row]) -> list[dict[str, Any]]:
    out = []
    for _, rec in rows:
        for key in LIST_RULE_KEYS:
            value = rec.get(key)
            if isinstance(value, str):
                text = value.strip()
                rec[key] = [] if text == "[]" else [p.strip() for p in text.split(",")
                                                    if p.strip()]
        out.append(rec)
    return out


def _pairs(rows: list[Row], sheet: str, at: str, issues: list[Issue]) -> dict[str, Any]:
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
                value = yaml.safe_load(value) if isinstance(value, str) else value
            except yaml.YAMLError as exc:
                issues.append(Issue(where, "yaml", f"not valid YAML: {exc}"))
                continue
            out[key] = {} if value is None else value
        elif key in out:
            issues.append(Issue(where, key_col, f"'{key}' given twice"))
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
    m = re.match(rf"^{re.escape(origin)}: (items|sites|suppliers|rules)\[(\d+)\](.*)$",
                 location, re.DOTALL)
    if m is None or m.group(1) not in sheet_rows:
        return location
    rows = sheet_rows[m.group(1)]
    k = int(m.group(2))
    if k >= len(rows):
        return location
    return f"{origin}: {m.group(1)}!row {rows[k]}{m.group(3)}"


def document_from_workbook(
    path: str | Path,
) -> tuple[dict[str, Any], dict[str, list[int]], list[Issue]]:
    """The schema-1 document of a workbook, the sheet row of each table entry, sheet problems.

    Raises:
        InstanceError: if the file cannot be read at all.
    """
    import openpyxl

    path = Path(path)
    origin = path.name
    at = f"{origin}: "
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise InstanceError([Issue(str(path), None, "file not found")]) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a bad file
        raise InstanceError([Issue(str(path), None, f"cannot read workbook: {exc}")]) from None
    issues: list[Issue] = []
    rows: dict[str, list[Row]] = {}
    try:
        for name in wb.sheetnames:
            if name in _IGNORED_SHEETS:
                continue
            if name not in SHEETS:
                issues.append(Issue(f"{at}{name}", None, f"unknown sheet '{name}'"
                                    f"{did_you_mean(name, SHEETS)}; known: {', '.join(SHEETS)}"))
                continue
            rows[name] = _read_sheet(wb[name], f"{at}{name}", issues)
    finally:
        wb.close()
    doc: dict[str, Any] = {}
    _metadata(rows.get("metadata", []), at, doc, issues)
    lines: dict[str, list[int]] = {}
    for section in ("items", "sites", "suppliers"):
        if section in rows:
            doc[section] = _table(rows[section], section, at, lines, issues)
    _attach(rows.get("inputs", []), "inputs", at, doc.get("items", []), issues)
    _attach(rows.get("price_tiers", []), "price_tiers", at, doc.get("suppliers", []), issues)
    if "rules" in rows:
        lines["rules"] = [n for n, _ in rows["rules"]]
        doc["rules"] = _rules(rows["rules"])
    for sheet in ("blocs", "tariffs", "variants", "scenarios"):
        if rows.get(sheet):
            doc[sheet] = _pairs(rows[sheet], sheet, at, issues)
    return doc, lines, issues


def load_workbook(path: str | Path) -> Any:
    """Load and validate an instance workbook (``.xlsx``).

    Returns:
        The validated :class:`~trustsource.Instance`.

    Raises:
        InstanceError: every problem, located by sheet, row and column.
    """
    path = Path(path)
    origin = path.name
    doc, lines, issues = document_from_workbook(path)
    try:
        inst = instance_from_document(doc, path.parent, origin)
    except InstanceError as exc:
        raise InstanceError(issues + [Issue(_relocate(i.location, origin, lines), i.field,
                                            i.message, i.kind) for i in exc.issues]) from None
    if issues:
        raise InstanceError(issues)
    inst._locator = SheetLocator(document=origin, ids=ids_of(doc), sheet_rows=lines)
    return inst


# --- writing ------------------------------------------------------------------------------------

def _cell_value(key: str, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value or key == "except" else "[]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _append(ws: Any, values: list[Any]) -> None:
    ws.append(values)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # text, not a formula


def _sheet(wb: Any, name: str, records: list[dict[str, Any]]) -> Any:
    from openpyxl.styles import Font

    ws = wb.create_sheet(name)
    cols = COLUMNS[name]
    ws.append(list(cols))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for rec in records:
        _append(ws, [_cell_value(c, rec.get(c)) for c in cols])
    for k, col in enumerate(cols):
        ws.column_dimensions[ws.cell(1, k + 1).column_letter].width = max(10, len(col) + 2)
    return ws


def workbook_tables(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The records of each sheet for a schema-1 document with inline tables."""
    meta = [{"key": k, "value": doc[k]} for k in METADATA_KEYS[:-1] if k in doc]
    meta += [{"key": "sources", "value": s} for s in doc.get("sources", ())]
    items, inputs = [], []
    for it in doc.get("items", ()):
        items.append(it)
        inputs += [{"item": it["id"], "input": j, "quantity": q}
                   for j, q in it.get("inputs", {}).items()]
    tiers = []
    for s in doc.get("suppliers", ()):
        pt = s.get("price_tiers")
        if pt:
            tiers += [{"supplier": s["id"], "mode": pt["mode"], **b} for b in pt["breaks"]]
    return {
        "metadata": meta, "items": items, "inputs": inputs, "sites": list(doc.get("sites", ())),
        "suppliers": list(doc.get("suppliers", ())), "price_tiers": tiers,
        "blocs": [{"bloc": b, "country": c} for b, cs in doc.get("blocs", {}).items()
                  for c in cs],
        "tariffs": [{"country": c, "rate": r} for c, r in doc.get("tariffs", {}).items()],
        "rules": list(doc.get("rules", ())),
        "variants": [{"name": n, "yaml": yaml.safe_dump(v, sort_keys=False, allow_unicode=True)}
                     for n, v in doc.get("variants", {}).items()],
        "scenarios": [{"name": n, "yaml": yaml.safe_dump(v, sort_keys=False, allow_unicode=True)}
                      for n, v in doc.get("scenarios", {}).items()],
    }


def write_workbook(instance: Any, path: str | Path) -> Path:
    """Write ``instance`` as a workbook; :func:`load_workbook` reads back an equal instance."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, records in workbook_tables(instance.to_dict()).items():
        _sheet(wb, name, records)
    path = Path(path)
    wb.save(path)
    return path
