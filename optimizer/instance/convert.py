"""Lossless conversion between instance forms, and the buyer's workbook template.

Forms, chosen by the path: ``.yaml``/``.yml``, ``.json``, ``.xlsx``, or a directory (a CSV folder:
``instance.yaml`` whose ``items``/``sites``/``suppliers`` name ``items.csv``, ``sites.csv``,
``suppliers.csv``; ``inputs`` and ``price_tiers`` cells hold inline YAML mappings, as the loader
reads them). Every conversion validates the input and writes ``Instance.to_dict()``, so any round
trip gives back an instance with the same ``content_hash``.

Safe to open in a spreadsheet, and still lossless: a CSV cell a spreadsheet would run as a formula
(text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return, see
:data:`~trustsource.safe_writes.FORMULA_TRIGGERS`) is never written. Ids cannot start with those
characters (the id pattern), numbers are not text, so only free text can (``unit``,
``description``, ``source``, ``country``/``owner`` before validation rejects them). Prefixing a
quote, as the plan exports do, would change the value the loader reads back, so instead a table
holding such text, or text the CSV reader would not give back as written (empty, or with leading
or trailing spaces, which it strips), stays inline in ``instance.yaml`` (YAML keeps every
character and no spreadsheet evaluates it) and gets no CSV file. The loader reads inline and CSV
tables alike, so it needs no change. Workbooks (``.xlsx``) write such text as string cells.

Every output is atomic: files go to a temporary sibling and are moved into place, a CSV folder is
built as a temporary sibling folder and swapped in. An existing destination is replaced only with
``overwrite=True`` (the library's default; the CLI asks for ``--force``), and a CSV folder only
when it holds nothing but the files a conversion writes, so no other file is ever deleted. The
operating system's refusals raise :class:`~trustsource.errors.OutputError` (path and reason),
with nothing left behind.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..errors import InstanceError, Issue, OutputError
from ..output.workbook import print_setup, style_header
from ..safe_writes import FORMULA_TRIGGERS, atomic_write, atomic_write_text
from .excel import COLUMNS, RULE_COLUMNS, load_workbook
from .excel_template import add_helpers
from .excel_write import _sheet, workbook_tables
from .excel_write import write_workbook as _write_workbook
from .load import load
from .schema import RULE_MODELS, ItemSpec, SiteSpec, SupplierSpec

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
    message = (
        f"unknown format '{p.suffix}'; use .yaml, .yml, .json, .xlsx or a directory (CSV folder)"
    )
    raise InstanceError([Issue(str(p), None, message)])


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
        return yaml.safe_dump(
            value, default_flow_style=True, width=10**9, sort_keys=False, allow_unicode=True
        ).strip()
    return str(value)


def _plain_text(value: str) -> bool:
    """Text a spreadsheet shows as is and the CSV reader gives back unchanged."""
    return value != "" and value == value.strip() and not value.startswith(FORMULA_TRIGGERS)


def _write_file(path: Path, text: str) -> None:
    """Write and flush to disk (a full disk shows here, not later as a truncated file)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _fill_csv_folder(instance: Any, folder: Path) -> None:
    """``instance.yaml`` and the CSV tables in the (new, empty) ``folder``."""
    doc = instance.to_dict()
    for table, spec in _SPECS.items():
        rows = doc.get(table, [])
        if any(isinstance(v, str) and not _plain_text(v) for r in rows for v in r.values()):
            continue  # kept inline in instance.yaml: see the module docstring
        cols = [c for c in spec.model_fields if any(c in r for r in rows)] or ["id"]
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(cols)
        for r in rows:
            writer.writerow(["" if r.get(c) is None else _csv_cell(r[c]) for c in cols])
        _write_file(folder / f"{table}.csv", text.getvalue())
        doc[table] = f"{table}.csv"
    _write_file(folder / CSV_DOCUMENT, _dump_yaml(doc))


OWN_FILES = frozenset({CSV_DOCUMENT, *(f"{t}.csv" for t in _SPECS)})
"""What a CSV folder written here holds; only such a folder may be replaced."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def _check_replaceable(folder: Path) -> None:
    """Refuse to replace anything but a folder holding only the files a conversion writes."""
    if folder.is_symlink() or not folder.is_dir():
        raise OutputError(str(folder), "it exists and is not a folder; choose another destination")
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in OWN_FILES)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        reason = f"the folder holds files a conversion does not write ({shown})"
        raise OutputError(str(folder), f"{reason}; remove them or choose another destination")


def _write_folder(folder: Path, fill: Callable[[Path], None], overwrite: bool) -> None:
    """Build the folder as a temporary sibling with ``fill``, then move it into place."""
    exists = os.path.lexists(folder)
    if exists and not overwrite:
        raise FileExistsError(errno.EEXIST, "the folder exists", str(folder))
    if exists:
        _check_replaceable(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    except OSError as exc:
        raise OutputError(str(folder), _reason(exc)) from exc
    old = tmp.with_name(tmp.name + ".old")
    try:
        fill(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; an output folder is ordinary
        if os.path.lexists(folder):
            # A directory cannot be renamed over a non-empty one: move the old one aside first,
            # and back if the new one cannot take its place.
            os.rename(folder, old)
            try:
                os.rename(tmp, folder)
            except OSError:
                os.rename(old, folder)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, folder)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(str(folder), _reason(exc)) from exc
        raise


def write_csv_folder(instance: Any, folder: str | Path, *, overwrite: bool = True) -> Path:
    """Write ``instance.yaml`` plus one CSV file per table as the folder ``folder``.

    The folder is built beside ``folder`` and moved into place; an existing one is replaced
    only if ``overwrite`` and it holds nothing but the files written here.

    Raises:
        FileExistsError: ``folder`` exists and ``overwrite`` is False.
        OutputError: the folder could not be written or may not be replaced (path, reason).
    """
    folder = Path(folder)
    _write_folder(folder, lambda tmp: _fill_csv_folder(instance, tmp), overwrite)
    return folder


def save(instance: Any, path: str | Path, *, overwrite: bool = True) -> Path:
    """Write ``instance`` in the form ``path`` names (see :func:`form_of`), atomically.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
        OutputError: the operating system refused (path and reason); nothing is left behind.
    """
    p = Path(path)
    fmt = form_of(p)
    if fmt == "xlsx":
        return atomic_write(p, lambda tmp: _write_workbook(instance, tmp), overwrite=overwrite)
    if fmt == "csv":
        return write_csv_folder(instance, p, overwrite=overwrite)
    doc = instance.to_dict()
    text = (
        json.dumps(doc, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else _dump_yaml(doc)
    )
    return atomic_write_text(p, text, overwrite=overwrite)


def convert(src: str | Path, dst: str | Path, *, overwrite: bool = True) -> Any:
    """Validate ``src`` and write it as ``dst``; returns the instance.

    Raises:
        InstanceError: if ``src`` is invalid or a form is unknown (nothing is written then).
        FileExistsError: ``dst`` exists and ``overwrite`` is False (checked before loading).
        OutputError: ``dst`` could not be written (path and reason); nothing is left behind.
    """
    form_of(dst)
    if not overwrite and os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, "the destination exists", str(dst))
    inst = load_any(src)
    save(inst, dst, overwrite=overwrite)
    return inst


# --- template -----------------------------------------------------------------------------------

_NOTES: dict[str, str] = {
    "metadata": (
        "One key/value pair a row: trustsource (schema version, 1), name, currency, "
        "description, risk (optional, as YAML: {measure: cvar, alpha: 0.95}); one 'sources' "
        "row per source of the data."
    ),
    "items": "One row per item to supply. Bills of materials go on the 'inputs' sheet.",
    "inputs": "Bill of materials, one row per (item, input) pair.",
    "sites": "Optional. Plants or firms whose capacity and onboarding cost offers share.",
    "suppliers": "One row per offer. Give unit_cost, or tiers on the 'price_tiers' sheet.",
    "price_tiers": (
        "Volume discounts, one row per break; the first break of a supplier starts "
        "at 0, 'from' strictly increases."
    ),
    "blocs": (
        "Optional. Named country sets (add to or override the built-in blocs), one row per member."
    ),
    "tariffs": "Optional. Ad-valorem cost adders by supplier location country.",
    "rules": (
        "One row per trust rule; fill only the keys its kind uses. List keys (items, "
        "countries, except) are comma-separated."
    ),
    "variants": (
        "Optional. Named overlays on the rules: the variant as YAML text (keys "
        "description, drop, change, add)."
    ),
    "scenarios": (
        "Optional. Named scenarios (stress, risk): the scenario as YAML text (keys "
        "description, probability, capacity, demand, price, blocs; e.g. "
        "{probability: 0.05, capacity: {CN: 0}, price: {JP: 1.3}})."
    ),
}
_EXTRA_DOCS = {
    ("metadata", "key"): "trustsource, name, currency, description, risk or sources",
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
    ("rules", "kind"): (
        "country_cap, bloc_share, ban, supplier_cap, exit_clause, min_suppliers, "
        "max_suppliers, min_countries, exit or hhi_cap"
    ),
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
                    docs.append(
                        f.description if col in RULE_COLUMNS[:5] else f"{kind}: {f.description}"
                    )
        return docs[0] if col in RULE_COLUMNS[:5] and docs else " | ".join(docs)
    return ""


_README_INTRO = (
    "Fill in the sheets, one row per entry; row 1 is the header (hover a header cell for its "
    "meaning). Empty cells take the default. Columns with a fixed set of values (item, site, "
    "country, bloc, rule kind, basis, yes/no) offer a drop-down; a value outside the list is "
    "warned about but kept (a custom region such as ZZ). Shares are fractions: 0.65 shows as "
    "65 %. Country codes are ISO 3166-1 alpha-2 (DE, CN, US); the hidden Lists sheet holds "
    "every code with its name. This README sheet and the Lists sheet are ignored when "
    "loading. Check the workbook with: trustsource validate FILE.xlsx; solve it with: "
    "trustsource solve FILE.xlsx --format xlsx --out DIR."
)
_RULE_KEYS = {
    kind: ", ".join(
        f.alias or n
        for n, f in model.model_fields.items()
        if (f.alias or n) not in ("name", "kind", "items", "basis", "description")
    )
    for model in RULE_MODELS
    for kind in [model.model_fields["kind"].annotation.__args__[0]]
}


def _template_book(tables: dict[str, list[dict[str, Any]]]) -> Any:
    """The workbook a buyer fills: README first, a sheet per table holding ``tables``' rows,
    header comments, drop-downs and number formats (:mod:`.excel_template`)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment

    wb = openpyxl.Workbook()
    readme = wb.active
    readme.title = "README"
    readme.append(["sheet", "column", "meaning"])
    style_header(readme)
    readme.append(["", "", _README_INTRO])
    for sheet, cols in COLUMNS.items():
        readme.append([sheet, "", _NOTES[sheet]])
        ws = _sheet(wb, sheet, tables.get(sheet, []))
        style_header(ws)
        for k, col in enumerate(cols):
            text = _column_doc(sheet, col)
            readme.append([sheet, col, text])
            if text:
                ws.cell(1, k + 1).comment = Comment(text, "trustsource")
    for kind, keys in _RULE_KEYS.items():
        readme.append(["rules", kind, f"keys this kind uses: {keys}"])
    readme.column_dimensions["A"].width = 14
    readme.column_dimensions["B"].width = 20
    readme.column_dimensions["C"].width = 100
    for row in readme.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    print_setup(readme)
    add_helpers(wb, blocs=[str(r["bloc"]) for r in tables.get("blocs", [])])
    return wb


def write_template(path: str | Path, *, overwrite: bool = True) -> Path:
    """An empty, documented workbook for a buyer to fill in.

    Every sheet of the workbook form with its header row (each header cell carries its
    description as a comment), ``metadata`` prefilled (``trustsource: 1``, a name, ``USD``), a
    ``README`` sheet, first, describing each sheet and column (self-contained: it points to no
    file outside the workbook), drop-downs and number formats on the columns that take them and
    a hidden ``Lists`` sheet (see :mod:`.excel_template`). It holds no example rows; a filled
    example is :func:`write_example`. Written atomically.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False (the file is kept).
        OutputError: the operating system refused (path and reason); nothing is left behind.
    """
    meta = [
        {"key": "trustsource", "value": 1},
        {"key": "name", "value": "my-instance"},
        {"key": "currency", "value": "USD"},
    ]
    wb = _template_book({"metadata": meta})
    return atomic_write(path, wb.save, overwrite=overwrite)


def write_example(path: str | Path, *, overwrite: bool = True) -> Path:
    """A filled example workbook: the bundled gallium demo in the template's form (README,
    drop-downs, formats), reading back as the demo itself (atomic; see :func:`write_template`
    for ``overwrite``)."""
    from importlib.resources import files

    inst = load(Path(str(files("trustsource.instances") / "gallium-demo.yaml")))
    wb = _template_book(workbook_tables(inst.to_dict()))
    return atomic_write(path, wb.save, overwrite=overwrite)
