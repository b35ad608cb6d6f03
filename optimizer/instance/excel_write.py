"""Writing an instance as an Excel workbook: one sheet per table (the layout of
:mod:`.excel_layout`, read back by :mod:`.excel`).

Every cell is checked before the workbook is written: text a cell cannot hold (too long, control
characters) is refused with the sheet, row and column, never cut.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import InstanceError, Issue
from ..limits import MAX_CELL_CHARS
from .excel_layout import COLUMNS, METADATA_KEYS, YAML_METADATA
from .excel_template import format_sheets
from .readers.safe_yaml import cut
from .readers.xlsx_read import coordinate


def _cell_value(key: str, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value or key == "except" else "[]"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored in a cell and read back unchanged, or ``None``."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if len(text) > MAX_CELL_CHARS:
        return (
            f"is {len(text):,} characters long; a workbook cell is read back only up to "
            f"{MAX_CELL_CHARS:,}; keep this instance in YAML, JSON or a CSV folder"
        )
    bad = ILLEGAL_CHARACTERS_RE.search(text)
    if bad is not None:
        return (
            f"contains the control character U+{ord(bad.group()):04X}, which an Excel "
            "workbook cannot hold; remove it, or keep this instance in YAML or JSON"
        )
    return None


def _label(rec: dict[str, Any]) -> str:
    for key in ("id", "name", "supplier", "item", "bloc", "country", "key"):
        if isinstance(rec.get(key), str):
            return f" ({cut(rec[key], 40)})"
    return ""


def _sheet(
    wb: Any, name: str, records: list[dict[str, Any]], issues: list[Issue] | None = None
) -> Any:
    """Sheet ``name`` with a header row and one row per record.

    Text is written as string cells: openpyxl would otherwise make ``=...`` a formula and
    ``#N/A`` an error value. Cells are set by row number: ``ws.append`` followed by a look-up of
    the new row costs a scan of the whole sheet per row (quadratic: minutes for 10 000 rows).

    Raises:
        InstanceError: text a cell cannot hold, when ``issues`` is not given (otherwise the
            problems are appended to it and the cells left empty).
    """
    from openpyxl.styles import Font

    problems: list[Issue] = [] if issues is None else issues
    ws = wb.create_sheet(name)
    cols = COLUMNS[name]
    ws.append(list(cols))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for n, rec in enumerate(records, start=2):
        for k, col in enumerate(cols, start=1):
            value = _cell_value(col, rec.get(col))
            if value is None:
                continue
            if isinstance(value, str):
                problem = _text_problem(value)
                if problem is not None:
                    problems.append(Issue(f"{name}!{coordinate(n, k)}{_label(rec)}", col, problem))
                    continue
            cell = ws.cell(row=n, column=k, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula or an error value
    for k, col in enumerate(cols, start=1):
        ws.column_dimensions[coordinate(1, k)[:-1]].width = max(10, len(col) + 2)
    if issues is None and problems:
        raise InstanceError(problems)
    return ws


def workbook_tables(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The records of each sheet for a schema-1 document with inline tables."""
    meta = [
        {
            "key": k,
            "value": yaml.safe_dump(doc[k], default_flow_style=True, sort_keys=False).strip()
            if k in YAML_METADATA
            else doc[k],
        }
        for k in METADATA_KEYS[:-1]
        if k in doc
    ]
    meta += [{"key": "sources", "value": s} for s in doc.get("sources", ())]
    items, inputs = [], []
    for it in doc.get("items", ()):
        items.append(it)
        inputs += [
            {"item": it["id"], "input": j, "quantity": q} for j, q in it.get("inputs", {}).items()
        ]
    tiers = []
    for s in doc.get("suppliers", ()):
        pt = s.get("price_tiers")
        if pt:
            tiers += [{"supplier": s["id"], "mode": pt["mode"], **b} for b in pt["breaks"]]
    return {
        "metadata": meta,
        "items": items,
        "inputs": inputs,
        "sites": list(doc.get("sites", ())),
        "suppliers": list(doc.get("suppliers", ())),
        "price_tiers": tiers,
        "blocs": [{"bloc": b, "country": c} for b, cs in doc.get("blocs", {}).items() for c in cs],
        "tariffs": [{"country": c, "rate": r} for c, r in doc.get("tariffs", {}).items()],
        "rules": list(doc.get("rules", ())),
        "variants": [
            {"name": n, "yaml": yaml.safe_dump(v, sort_keys=False, allow_unicode=True)}
            for n, v in doc.get("variants", {}).items()
        ],
        "scenarios": [
            {"name": n, "yaml": yaml.safe_dump(v, sort_keys=False, allow_unicode=True)}
            for n, v in doc.get("scenarios", {}).items()
        ],
    }


def write_workbook(instance: Any, path: str | Path) -> Path:
    """Write ``instance`` as a workbook; :func:`load_workbook` reads back an equal instance.

    Bold frozen headers, number formats (shares as percent), filters and a landscape print
    setup (:func:`~.excel_template.format_sheets`); no drop-downs (those are the template's).

    Raises:
        InstanceError: text that a workbook cell cannot hold unchanged (nothing is written).
    """
    import openpyxl

    wb = openpyxl.Workbook()
    for blank in list(wb.worksheets):  # the default empty sheet: every sheet is ours
        wb.remove(blank)
    issues: list[Issue] = []
    for name, records in workbook_tables(instance.to_dict()).items():
        _sheet(wb, name, records, issues)
    if issues:
        raise InstanceError(issues)
    format_sheets(wb)
    path = Path(path)
    wb.save(path)
    return path
