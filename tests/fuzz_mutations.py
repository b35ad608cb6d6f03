"""Deterministic mutations of valid instances in every form trustsource reads (issue 10, point 8).

A :class:`Spec` (form, kind, base instance, seed) names a mutation; :func:`build` makes it into a
:class:`Mutant`, a file or stdin bytes plus what changed and whether the change is *known* to make
the input invalid. Each spec seeds its own ``random.Random`` from its id, so a failing case is
rebuilt exactly from its id. YAML, JSON and stdin mutate the base's inline document
(``Instance.to_dict()``) as data, or its text (or the original file: the bundled
``instances/*.yaml`` with their CSV folders, ``tests/data/valid/basic.*``) as bytes; CSV folders
(written by :func:`trustsource.instance.convert.convert`, or the originals) are mutated as tables or
bytes; workbooks (written by ``convert``) with openpyxl or as bytes.
"""

from __future__ import annotations

import copy
import io
import json
import random
import shutil
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import openpyxl
import trustsource
import yaml
from fuzz_operators import (
    BIG_INTEGER,
    BIG_INTEGER_TEXT,
    BYTE_KINDS,
    CSV_KINDS,
    DOC_KINDS,
    DOC_MUTATORS,
    XLSX_KINDS,
    csv_mutation,
    mutate_bytes,
    xlsx_mutation,
)
from trustsource.instance.convert import convert

VALID = Path(__file__).parent / "data" / "valid"
FORMS = ("yaml", "json", "stdin", "csv", "xlsx")
KINDS: dict[str, tuple[str, ...]] = {
    "yaml": DOC_KINDS + BYTE_KINDS,
    "json": DOC_KINDS + BYTE_KINDS,
    "stdin": DOC_KINDS + BYTE_KINDS,
    "csv": CSV_KINDS + BYTE_KINDS,
    "xlsx": XLSX_KINDS + BYTE_KINDS[:2],
}
BASES = ("basic", "gallium-demo", "chips", "energy", "critical-minerals")
SMALL_BASES = ("basic", "gallium-demo")  # workbooks: an openpyxl round trip costs per cell
SEEDS = 10


@dataclass(frozen=True)
class Spec:
    """One mutation, by name: its form, its kind, the instance it starts from and its seed."""

    form: str
    kind: str
    base: str
    seed: int

    @property
    def id(self) -> str:
        return f"{self.form}-{self.kind}-{self.base}-{self.seed}"


@dataclass
class Mutant:
    """A built mutation: a file (``path``) or stdin bytes run in ``cwd`` (stdin confines CSV
    tables to it); what changed (``note``); whether it must be refused (``invalid``), must keep
    the base's optimum (``same_plan``: a reordering), or holds a long text no message may quote
    whole (``long_value``)."""

    spec: Spec
    path: Path | None
    stdin: bytes | None
    cwd: Path
    note: str
    invalid: bool = False
    same_plan: bool = False
    long_value: str | None = None


def specs() -> list[Spec]:
    """Every mutation of the suite, in a fixed order (bases rotate with seed and kind)."""
    out = []
    for form in FORMS:
        bases = SMALL_BASES if form == "xlsx" else BASES
        for k, kind in enumerate(KINDS[form]):
            out += [Spec(form, kind, bases[(s + k) % len(bases)], s) for s in range(SEEDS)]
    return out


class Workspace:
    """The bases in every form, made once under ``root``, then only read (threads share it)."""

    def __init__(self, root: Path) -> None:
        self.orig = root / "orig"  # the original files, CSV folders beside them
        self.orig.mkdir(parents=True)
        bundled = files("trustsource.instances")
        for name in BASES[1:]:
            (self.orig / f"{name}.yaml").write_bytes((bundled / f"{name}.yaml").read_bytes())
            (self.orig / name).mkdir()
            for table in (bundled / name).iterdir():
                if table.name.endswith(".csv"):
                    (self.orig / name / table.name).write_bytes(table.read_bytes())
        for name in ("basic.yaml", "basic.json", "items.csv", "suppliers.csv"):
            shutil.copyfile(VALID / name, self.orig / name)
        self.docs: dict[str, dict[str, Any]] = {}  # plain lists and dicts, as json gives them
        self.csv: dict[str, Path] = {}  # CSV folders written by convert
        self.xlsx: dict[str, bytes] = {}  # workbooks written by convert
        for base in BASES:
            self.docs[base] = json.loads(
                json.dumps(trustsource.load(self.original(base)).to_dict())
            )
            self.csv[base] = root / "csv" / base
            convert(self.original(base), self.csv[base])
            if base in SMALL_BASES:
                convert(self.original(base), root / f"{base}.xlsx")
                self.xlsx[base] = (root / f"{base}.xlsx").read_bytes()

    def original(self, base: str, suffix: str = ".yaml") -> Path:
        return self.orig / f"{base}{suffix}"

    def doc(self, base: str) -> dict[str, Any]:
        """The base as one inline document (a fresh copy to mutate)."""
        return copy.deepcopy(self.docs[base])


# --- CSV folder mutations: (note, known invalid, same plan) --------------------------------------


def _csv_tables(doc_path: Path) -> dict[str, Path]:
    doc = yaml.safe_load(doc_path.read_text(encoding="utf-8"))
    tables = ("items", "sites", "suppliers")
    return {t: doc_path.parent / doc[t] for t in tables if isinstance(doc.get(t), str)}


def _copy_folder(doc_path: Path, dest: Path) -> Path:
    """Copy a document and the CSV tables it names into ``dest``, keeping relative paths."""
    dest.mkdir(parents=True)
    for table in _csv_tables(doc_path).values():
        target = dest / table.relative_to(doc_path.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(table, target)
    return Path(shutil.copyfile(doc_path, dest / doc_path.name))


# --- building a mutant ---------------------------------------------------------------------------


def build(spec: Spec, ws: Workspace, out: Path) -> Mutant:
    """Make the mutant of ``spec`` under ``out`` (in a folder of its own)."""
    rng = random.Random(spec.id)
    folder = out / spec.id
    if spec.form == "csv":
        return _build_csv(spec, ws, folder, rng)
    if spec.form == "xlsx":
        return _build_xlsx(spec, ws, folder, rng)
    folder.mkdir(parents=True)
    as_json = spec.form == "json" or (spec.form == "stdin" and spec.seed % 2 == 1)
    result: tuple[Any, ...] = ("", False)
    original = spec.kind in BYTE_KINDS and spec.seed % 3 == 0
    original = original and (not as_json or spec.base == "basic")  # basic.json: the only JSON
    if original:  # the file as shipped; written beside its tables, named apart per run
        data, where = ws.original(spec.base, ".json" if as_json else ".yaml").read_bytes(), ws.orig
    else:
        doc = ws.doc(spec.base)
        if spec.kind in DOC_KINDS:
            result = DOC_MUTATORS[spec.kind](doc, rng)
        text = json.dumps(doc, ensure_ascii=False) if as_json else _yaml(doc)
        text = text.replace(f'"{BIG_INTEGER}"', BIG_INTEGER).replace(BIG_INTEGER, BIG_INTEGER_TEXT)
        data, where = text.encode("utf-8"), folder
    note, invalid = result[0], result[1]
    if spec.kind in BYTE_KINDS:
        data, note = mutate_bytes(spec.kind, data, rng)
        note = ("original file: " if original else "inline document: ") + note
    extra = {"same_plan": spec.kind == "reorder", "long_value": (*result, None)[2]}
    if spec.form == "stdin":
        return Mutant(spec, None, data, where, note, invalid, **extra)
    path = where / f"{out.name + '-' if original else ''}{spec.id}.{'json' if as_json else 'yaml'}"
    path.write_bytes(data)
    return Mutant(spec, path, None, folder, note, invalid, **extra)


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: 20x faster on big docs


def _yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)


def _build_csv(spec: Spec, ws: Workspace, folder: Path, rng: random.Random) -> Mutant:
    converted = spec.seed % 2 == 0
    source = ws.csv[spec.base] / "instance.yaml" if converted else ws.original(spec.base)
    doc_path = _copy_folder(source, folder)
    tables = _csv_tables(doc_path)
    layout = "converted " if converted else "original "
    if spec.kind in BYTE_KINDS:
        table = tables[rng.choice(sorted(tables))]
        data, note = mutate_bytes(spec.kind, table.read_bytes(), rng)
        table.write_bytes(data)
        return Mutant(spec, doc_path, None, folder, f"{layout}{table.name}: {note}")
    note, invalid, same = csv_mutation(spec.kind, tables, rng)
    return Mutant(spec, doc_path, None, folder, layout + note, invalid, same)


def _build_xlsx(spec: Spec, ws: Workspace, folder: Path, rng: random.Random) -> Mutant:
    folder.mkdir(parents=True)
    path = folder / "instance.xlsx"
    if spec.kind in BYTE_KINDS:
        data, note = mutate_bytes(spec.kind, ws.xlsx[spec.base], rng)
        path.write_bytes(data)
        return Mutant(spec, path, None, folder, note)
    wb = openpyxl.load_workbook(io.BytesIO(ws.xlsx[spec.base]))
    note, invalid = xlsx_mutation(spec.kind, wb, rng)
    wb.save(path)
    return Mutant(spec, path, None, folder, note, invalid)


def console_sample() -> list[Spec]:
    """About 40 mutations covering every kind of every form: CSV and workbook kinds all run;
    document and byte kinds, shared by three forms, once in YAML or JSON and mostly on stdin."""
    thirds = {"yaml": (0,), "json": (1,), "stdin": (0, 2)}  # kind index mod 3, by form
    return [
        s
        for s in specs()
        if s.seed == (k := KINDS[s.form].index(s.kind)) % SEEDS
        and k % 3 in thirds.get(s.form, (0, 1, 2))
    ]


CONSOLE_SAMPLE = console_sample()
