"""Lossless conversion between instance forms, and the buyer's workbook template.

Forms, chosen by the path: ``.yaml``/``.yml``, ``.json``, ``.xlsx``, or a directory (a CSV folder:
``instance.yaml`` whose ``items``/``sites``/``suppliers`` name ``items.csv``, ``sites.csv``,
``suppliers.csv``; ``inputs`` and ``price_tiers`` cells hold inline YAML mappings, as the loader
reads them). Every conversion validates the input and writes ``Instance.to_dict()``, so any round
trip gives back an instance with the same ``content_hash``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import yaml
from trustsource.errors import InstanceError, Issue
from trustsource.io.excel import COLUMNS, RULE_COLUMNS, load_workbook
from trustsource.io.excel import write_workbook as _write_workbook
from trustsource.loader import RULE_MODELS, load
from trustsource.schema import ItemSpec, SiteSpec, SupplierSpec

FILE_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx"}
CSV_DOCUMENT = "instance.yaml"
_SPECS = {"items": ItemSpec, "sites": SiteSpec, "suppliers": SupplierSpec}


def form_of(path: str | Path) -> str:
    """``yaml``, ``json``, ``xlsx`` or ``csv`` (a directory, existing or to be made)."""
    p = Path(path)
    if p.is_dir():
        return "csv"
    fmt = FILE_FORMATS.get(p.suffix.lower())
    if fmt is not None:
        return fmt
    if p.suffix == "":
        return "csv"
    raise InstanceError([Issue(str(p), None, f"unknown format '{p.suffix}'; use .yaml, .yml, "
                               ".json, .xlsx or a directory (CSV folder)")])


def load_any(path: str | Path) -> Any:
    """Load and validate an instance in any supported form."""
    p = Path(path)
    fmt = form_of(p)
    if fmt == "xlsx":
        return load_workbook(p)
    if fmt == "csv":
        return load(p / CSV_DOCUMENT)
    return load(p)


def _dump_yaml(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return yaml.safe_dump(value, default_flow_style=True, width=10**9, sort_keys=False,
                              allow_unicode=True).strip()
    return str(value)


def write_csv_folder(instance: Any, folder: str | Path) -> Path:
    """Write ``instance.yaml`` plus one CSV file per table into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc = instance.to_dict()
    for table, spec in _SPECS.items():
        rows = doc.get(table, [])
        cols = [c for c in spec.model_fields if any(c in r for r in rows)] or ["id"]
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(cols)
            for r in rows:
                writer.writerow(["" if r.get(c) is None else _csv_cell(r[c]) for c in cols])
        doc[table] = f"{table}.csv"
    (folder / CSV_DOCUMENT).write_text(_dump_yaml(doc), encoding="utf-8")
    return folder


def save(instance: Any, path: str | Path) -> Path:
    """Write ``instance`` in the form ``path`` names (see :func:`form_of`)."""
    p = Path(path)
    fmt = form_of(p)
    if fmt == "xlsx":
        return _write_workbook(instance, p)
    if fmt == "csv":
        return write_csv_folder(instance, p)
    doc = instance.to_dict()
    text = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n" if fmt == "json"
            else _dump_yaml(doc))
    p.write_text(text, encoding="utf-8")
    return p


def convert(src: str | Path, dst: str | Path) -> Any:
    """Validate ``src`` and write it as ``dst``; returns the instance.

    Raises:
        InstanceError: if ``src`` is invalid or a form is unknown (nothing is written then).
    """
    form_of(dst)
    inst = load_any(src)
    save(inst, dst)
    return inst


# --- template -----------------------------------------------------------------------------------

_NOTES: dict[str, str] = {
    "metadata": "One key/value pair a row: trustsource (schema version, 1), name, currency, "
                "description; one 'sources' row per source of the data.",
    "items": "One row per item to supply. Bills of materials go on the 'inputs' sheet.",
    "inputs": "Bill of materials, one row per (item, input) pair.",
    "sites": "Optional. Plants or firms whose capacity and onboarding cost offers share.",
    "suppliers": "One row per offer. Give unit_cost, or tiers on the 'price_tiers' sheet.",
    "price_tiers": "Volume discounts, one row per break; the first break of a supplier starts "
                   "at 0, 'from' strictly increases.",
    "blocs": "Optional. Named country sets (add to or override the built-in blocs), one row "
             "per member.",
    "tariffs": "Optional. Ad-valorem cost adders by supplier location country.",
    "rules": "One row per trust rule; fill only the keys its kind uses. List keys (items, "
             "countries, except) are comma-separated.",
    "variants": "Optional. Named overlays on the rules: the variant as YAML text (keys "
                "description, drop, change, add).",
    "scenarios": "Optional. Named stress scenarios: the scenario as YAML text (keys "
                 "description, capacity: {country, bloc, site or supplier: factor}).",
}
_EXTRA_DOCS = {
    ("metadata", "key"): "trustsource, name, currency, description or sources",
    ("metadata", "value"): "the value of the key",
    ("inputs", "item"): "the item (id on the items sheet) that consumes the input",
    ("inputs", "input"): "the upstream item consumed",
    ("inputs", "quantity"): "quantity of the input per unit of the item (>= 0)",
    ("price_tiers", "supplier"): "the supplier (id on the suppliers sheet)",
    ("price_tiers", "mode"): "incremental or all_units (on the first row of a supplier at least)",
    ("price_tiers", "from"): "quantity at which this price starts",
    ("price_tiers", "price"): "unit price in this tier",
    ("blocs", "bloc"): "bloc name (an id)",
    ("blocs", "country"): "ISO alpha-2 code of a member",
    ("tariffs", "country"): "ISO alpha-2 code of the supplier location",
    ("tariffs", "rate"): "cost adder, 0.25 = +25 %",
    ("rules", "kind"): "country_cap, bloc_share, ban, supplier_cap, exit_clause, min_suppliers, "
                       "max_suppliers, min_countries, exit or hhi_cap",
    ("variants", "name"): "variant name (an id)",
    ("variants", "yaml"): "the variant as YAML, e.g. {drop: [crma-65]}",
    ("scenarios", "name"): "scenario name (an id)",
    ("scenarios", "yaml"): "the scenario as YAML, e.g. {capacity: {CN: 0}}",
}


def _column_doc(sheet: str, col: str) -> str:
    """The column's description, from the schema's field docstrings where there is one."""
    if (sheet, col) in _EXTRA_DOCS:
        return _EXTRA_DOCS[(sheet, col)]
    spec = _SPECS.get(sheet)
    if spec is not None and col in spec.model_fields:
        return spec.model_fields[col].description or ""
    if sheet == "rules":
        docs = []
        for model in RULE_MODELS:
            for name, f in model.model_fields.items():
                if (f.alias or name) == col and f.description and f.description not in docs:
                    kind = model.model_fields["kind"].annotation.__args__[0]
                    docs.append(f.description if col in RULE_COLUMNS[:5]
                                else f"{kind}: {f.description}")
        return docs[0] if col in RULE_COLUMNS[:5] and docs else " | ".join(docs)
    return ""


def write_template(path: str | Path) -> Path:
    """An empty, documented workbook for a buyer to fill in.

    Every sheet of the workbook form with its header row (each header cell carries its
    description as a comment), ``metadata`` prefilled (``trustsource: 1``, a name, ``USD``), and
    a ``README`` sheet, first, describing each sheet and column. It holds no example rows, so it
    loads as is; a filled example is :func:`write_example`.
    """
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from trustsource.io.excel import _sheet

    wb = openpyxl.Workbook()
    readme = wb.active
    readme.title = "README"
    readme.append(["sheet", "column", "meaning"])
    for cell in readme[1]:
        cell.font = Font(bold=True)
    readme.append(["", "", "Fill in the sheets, one row per entry; row 1 is the header. Empty "
                   "cells take the default. This README sheet is ignored when loading. See "
                   "docs/instance-format.md for every rule."])
    meta = [{"key": "trustsource", "value": 1}, {"key": "name", "value": "my-instance"},
            {"key": "currency", "value": "USD"}]
    for sheet, cols in COLUMNS.items():
        readme.append([sheet, "", _NOTES[sheet]])
        ws = _sheet(wb, sheet, meta if sheet == "metadata" else [])
        for k, col in enumerate(cols):
            text = _column_doc(sheet, col)
            readme.append([sheet, col, text])
            if text:
                ws.cell(1, k + 1).comment = Comment(text, "trustsource")
    readme.column_dimensions["A"].width = 14
    readme.column_dimensions["B"].width = 20
    readme.column_dimensions["C"].width = 100
    for row in readme.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    path = Path(path)
    wb.save(path)
    return path


def write_example(path: str | Path) -> Path:
    """A filled example workbook: the bundled gallium demo in workbook form."""
    from importlib.resources import files

    inst = load(Path(str(files("trustsource.instances") / "gallium-demo.yaml")))
    return _write_workbook(inst, path)
