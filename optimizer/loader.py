"""Reading instance documents: YAML or JSON, tables inline or as CSV files, from a path or stdin.

Data flows load -> validate: this module turns files into Python data, validates each section
with the schema models, maps every pydantic error to a located :class:`Issue`, then hands the
parts to :class:`Instance` for the cross-entry checks. Nothing is raised until every section has
been read, so one run reports every problem.
"""

from __future__ import annotations

import contextvars
import csv
import io
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from trustsource.errors import InstanceError, Issue, did_you_mean
from trustsource.schema import (
    PLANNED_RULE_KINDS,
    RULE_KINDS,
    TOP_LEVEL_KEYS,
    BanRule,
    BlocShareRule,
    CountryCapRule,
    ExitClauseRule,
    ExitRule,
    HhiCapRule,
    ItemSpec,
    MaxSuppliersRule,
    MinCountriesRule,
    MinSuppliersRule,
    SiteSpec,
    SupplierCapRule,
    SupplierSpec,
)

TABLES = ("items", "sites", "suppliers")
# The locator of the document being validated, read by Instance.__init__ (which pydantic also
# calls from model_validate). A context variable, not a global: concurrent loads do not mix.
CURRENT_LOCATOR: contextvars.ContextVar[Locator | None] = contextvars.ContextVar(
    "trustsource_locator", default=None
)
# Cells of these CSV columns hold a small YAML/JSON mapping (a bill of materials, a tier schedule).
_STRUCTURED_COLUMNS = ("inputs", "price_tiers")
_SPEC_FOR = {"items": ItemSpec, "sites": SiteSpec, "suppliers": SupplierSpec}
RULE_MODELS = (CountryCapRule, BlocShareRule, BanRule, SupplierCapRule, ExitClauseRule,
               MinSuppliersRule, MaxSuppliersRule, MinCountriesRule, ExitRule, HhiCapRule)


@dataclass
class Locator:
    """Turns (section, index) into a human location: ``suppliers.csv:14 (ga-cn-1)``."""

    document: str
    csv_files: dict[str, str] = field(default_factory=dict)
    csv_lines: dict[str, list[int]] = field(default_factory=dict)
    ids: dict[str, list[str | None]] = field(default_factory=dict)
    # When checking a partial instance (some rows failed validation), position -> original row.
    row_map: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def inline(cls, document: str) -> Locator:
        """A locator for a document whose tables are all inline."""
        return cls(document=document)

    def where(self, section: str, index: int | None = None) -> str:
        """Location of entry ``index`` of ``section`` (or of the section itself)."""
        if index is None:
            return f"{self.document}: {section}"
        if section in self.row_map:
            index = self.row_map[section][index]
        ids = self.ids.get(section)
        label = ids[index] if ids is not None and index < len(ids) else None
        suffix = f" ({label})" if label else ""
        if section in self.csv_files:
            return f"{self.csv_files[section]}:{self.csv_lines[section][index]}{suffix}"
        return f"{self.document}: {section}[{index}]{suffix}"


def load(source: str | Path | io.TextIOBase) -> Any:
    """Load and validate an instance: ``.yaml``, ``.yml``, ``.json``, ``.xlsx`` or ``-`` (stdin).

    Returns:
        The validated :class:`~trustsource.Instance`.

    Raises:
        InstanceError: with every located problem, if the file is missing, unparsable or invalid.
    """
    if isinstance(source, (str, Path)) and str(source).lower().endswith(".xlsx"):
        from trustsource.io.excel import load_workbook  # Excel: its own reader, same checks

        return load_workbook(source)
    if isinstance(source, io.TextIOBase) or source == "-":
        stream = source if isinstance(source, io.TextIOBase) else sys.stdin
        text, origin, base = stream.read(), "<stdin>", Path.cwd()
    else:
        path = Path(source)
        origin, base = path.name, path.parent
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InstanceError([Issue(str(path), None, "file not found")]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InstanceError([Issue(str(path), None, f"cannot read file: {exc}")]) from None
    doc = parse_document(text, origin)
    return instance_from_document(doc, base, origin)


def parse_document(text: str, origin: str) -> dict[str, Any]:
    """Parse YAML or JSON text (JSON is YAML, but its own parser gives better messages)."""
    if not text.strip():
        raise InstanceError(
            [Issue(origin, None, "the file is empty; expected a schema-1 document")]
        )
    try:
        if origin.endswith(".json") or text.lstrip().startswith("{"):
            doc = json.loads(text)
        else:
            doc = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            [Issue(f"{origin}:{exc.lineno}", None, f"not valid JSON: {exc.msg}")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}" if mark is not None else origin
        problem = getattr(exc, "problem", None) or str(exc)
        raise InstanceError([Issue(where, None, f"not valid YAML: {problem}")]) from None
    if not isinstance(doc, dict):
        raise InstanceError(
            [Issue(origin, None, f"expected a mapping at the top level, got {type(doc).__name__}")]
        )
    return doc


def records_from_frame(frame: Any) -> list[dict[str, Any]]:
    """DataFrame (or list of dicts) -> list of records, dropping missing cells."""
    if hasattr(frame, "to_dict") and hasattr(frame, "columns"):
        records = frame.to_dict(orient="records")
    else:
        records = list(frame)
    return [{k: v for k, v in r.items() if not _missing(v)} for r in records]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value == ""


def _read_csv(path: Path, shown: str, where: str, issues: list[Issue]
              ) -> tuple[list[dict[str, Any]], list[int]] | None:
    """Rows of a CSV table as text cells (empty cells dropped) and the line each row starts on.

    The csv module rather than pandas: it reports where each record starts, so locations stay
    right across blank lines and quoted cells that span lines.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        issues.append(Issue(where, None, f"CSV file not found: {path}"))
        return None
    except OSError as exc:
        issues.append(Issue(where, None, f"cannot read CSV file {path}: {exc}"))
        return None
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    try:
        with handle:
            reader = csv.reader(handle, skipinitialspace=True)
            header: list[str] | None = None
            last = 0
            for record in reader:
                start, last = last + 1, reader.line_num
                if not any(cell.strip() for cell in record):
                    continue  # blank line
                if header is None:
                    header = [c.strip() for c in record]
                    continue
                if len(record) > len(header):
                    issues.append(Issue(f"{shown}:{start}", None,
                                        f"{len(record)} cells but the header has {len(header)}"))
                    continue
                row: dict[str, Any] = {}
                for col, val in zip(header, record):
                    val = val.strip()
                    if val == "":
                        continue
                    if col in _STRUCTURED_COLUMNS:
                        try:
                            val = yaml.safe_load(val)
                        except yaml.YAMLError:
                            issues.append(Issue(f"{shown}:{start}", col,
                                                f"cannot parse mapping {val!r}"))
                            continue
                    row[col] = val
                rows.append(row)
                lines.append(start)
    except (csv.Error, UnicodeDecodeError) as exc:
        issues.append(Issue(shown, None, f"cannot parse CSV: {exc}"))
        return None
    if header is None:
        issues.append(Issue(shown, None, "the CSV file is empty; expected a header row"))
        return None
    return rows, lines


def _closest(word: str, options: list[str] | tuple[str, ...]) -> str:
    return did_you_mean(word, options)


class _Raw(str):
    """A CSV cell shown as written (no quotes) in messages."""

    def __repr__(self) -> str:
        return str(self)


def _shown(value: Any) -> Any:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return value
        return _Raw(value)
    return value


def _format_pydantic(
    err: Mapping[str, Any], spec_fields: tuple[str, ...]
) -> tuple[str | None, str]:
    """One pydantic error -> (field, message) in user words."""
    loc = [str(p) for p in err["loc"]]
    fld = ".".join(loc) if loc else None
    typ, msg, value = err["type"], err["msg"], _shown(err.get("input"))
    if typ == "extra_forbidden":
        key = loc[-1] if loc else "?"
        return fld, f"unknown key '{key}'{_closest(key, spec_fields)}"
    if typ == "missing":
        return fld, "is required"
    if typ == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        if tag in PLANNED_RULE_KINDS:
            return "kind", (f"rule kind '{tag}' is not supported by this release yet; "
                            f"supported: {', '.join(RULE_KINDS)}")
        return "kind", (f"unknown rule kind '{tag}'{_closest(str(tag), RULE_KINDS)}; "
                        f"supported: {', '.join(RULE_KINDS)}")
    if typ == "union_tag_not_found":
        return "kind", f"is required ({', '.join(RULE_KINDS)})"
    if typ == "string_pattern_mismatch":
        return fld, (
            f"{value!r} is not a valid id: use lower-case letters, digits and '_ . -', "
            "starting with a letter or digit"
        )
    if typ == "finite_number":
        return fld, f"must be a finite number, got {value!r}"
    if typ in ("greater_than_equal", "less_than_equal"):
        return fld, f"{msg.replace('Input should be', 'must be')}, got {value!r}"
    if typ == "string_type" and isinstance(value, bool):
        # YAML 1.1 reads NO, YES, ON, OFF (Norway's code among them) as booleans.
        return fld, (f"must be a string, got {value!r}: YAML reads unquoted NO/YES/ON/OFF as "
                     "booleans; quote the code, e.g. 'NO'")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    elif msg.startswith("Input should be"):
        msg = msg.replace("Input should be", "must be") + f", got {value!r}"
    return fld, msg


def format_error(err: Mapping[str, Any], fields: tuple[str, ...]) -> tuple[str | None, str]:
    """(field, message) in the project's words for one pydantic error."""
    return _format_pydantic(err, fields)


def _section_fields(section: str) -> tuple[str, ...]:
    """Known keys of a section's entries, for 'did you mean' hints."""
    spec = _SPEC_FOR.get(section)
    if spec is not None:
        return (*spec.model_fields, "from")
    keys: set[str] = set()
    for rule in RULE_MODELS:
        keys.update(f.alias or name for name, f in rule.model_fields.items())
    return tuple(sorted(keys))


def ids_of(data: Mapping[str, Any]) -> dict[str, list[str | None]]:
    """Row labels (id or rule name) per table, for locations like ``suppliers[3] (ga-cn-1)``."""
    out: dict[str, list[str | None]] = {}
    for name in (*TABLES, "rules"):
        rows = data.get(name)
        if isinstance(rows, (list, tuple)):
            out[name] = [_row_label(r) for r in rows]
    return out


def _row_label(row: Any) -> str | None:
    if isinstance(row, dict):
        label = row.get("id", row.get("name"))
    else:
        label = getattr(row, "id", getattr(row, "name", None))
    return label if isinstance(label, str) else None


def issues_from(exc: ValidationError, locator: Locator) -> list[Issue]:
    """Map pydantic errors (located by key path) to located issues."""
    issues = []
    for err in exc.errors():
        loc = err["loc"]
        section = str(loc[0]) if loc else ""
        if section in (*TABLES, "rules") and len(loc) >= 2 and isinstance(loc[1], int):
            where = locator.where(section, loc[1])
            sub_loc = loc[2:]
            if section == "rules" and sub_loc and sub_loc[0] in RULE_KINDS:
                sub_loc = sub_loc[1:]  # the discriminated union's tag: noise for the user
            sub = {**err, "loc": sub_loc}
            if not sub["loc"] and err["type"] in ("model_type", "dict_type",
                                                  "model_attributes_type"):
                issues.append(Issue(where, None, "must be a mapping of keys to values"))
                continue
            fld, msg = _format_pydantic(sub, _section_fields(section))
        elif section == "variants" and len(loc) >= 3:
            where, fld, msg = _variant_issue(err, locator)
            if any(i.location == where and i.field == fld for i in issues):
                continue  # one message per key (a union reports each alternative)
        else:
            where = locator.document
            fld, msg = _format_pydantic(err, TOP_LEVEL_KEYS)
        issues.append(Issue(where, fld, msg))
    return issues


def _variant_issue(err: Mapping[str, Any], locator: Locator) -> tuple[str, str | None, str]:
    """Locate an error inside ``variants.NAME``: ``add[k]`` rules, ``drop``, ``change``."""
    loc = list(err["loc"])
    where = f"{locator.document}: variants.{loc[1]}"
    key, rest = str(loc[2]), loc[3:]
    if key == "add" and rest and isinstance(rest[0], int):
        where += f".add[{rest[0]}]"
        rest = rest[1:]
        if rest and rest[0] in RULE_KINDS:
            rest = rest[1:]
        fld, msg = _format_pydantic({**err, "loc": tuple(rest)}, _section_fields("rules"))
        return where, fld, msg
    if key == "drop":
        return where, "drop", f"must be a list of rule names or 'all', got {err.get('input')!r}"
    if key == "change" and rest:
        where += f".change.{rest[0]}"
        fld, msg = _format_pydantic({**err, "loc": tuple(rest[1:])}, _section_fields("rules"))
        return where, fld, msg
    fld, msg = _format_pydantic({**err, "loc": tuple(loc[2:])},
                                ("description", "drop", "change", "add"))
    return where, fld, msg


def instance_from_document(doc: dict[str, Any], base_dir: Path, origin: str) -> Any:
    """Validate a parsed document; see :func:`load`."""
    from trustsource.instance import Instance

    issues: list[Issue] = []
    locator = Locator(document=origin)

    version = doc.get("trustsource")
    if version is None:
        issues.append(Issue(origin, "trustsource", "missing schema version; add 'trustsource: 1'"))
    elif version != 1:
        issues.append(Issue(origin, "trustsource",
                            f"unknown schema version {version!r}; this release reads version 1"))
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            issues.append(Issue(origin, str(key), f"unknown key '{key}'"
                                f"{_closest(str(key), TOP_LEVEL_KEYS)}"))

    data = {k: v for k, v in doc.items() if k in TOP_LEVEL_KEYS and k != "trustsource"}
    for name in (*TABLES, "rules"):
        rows = data.get(name)
        if isinstance(rows, str) and name in TABLES:
            read = _read_csv(base_dir / rows, rows, locator.where(name), issues)
            if read is None:
                data.pop(name)
                continue
            locator.csv_files[name] = rows
            rows, locator.csv_lines[name] = read
            data[name] = rows
        if isinstance(rows, list):
            locator.ids[name] = [_row_label(r) for r in rows]
        elif rows is not None:
            issues.append(Issue(locator.where(name), None,
                                f"must be a list{' or a CSV file name' if name in TABLES else ''}"
                                f", got {type(rows).__name__}"))
            data.pop(name)
    # One validation pass over the whole document: pydantic collects every field error, and the
    # cross-entry checks run (in Instance's validator) only once the fields are sound.
    token = CURRENT_LOCATOR.set(locator)
    try:
        inst = Instance(**data)
    except InstanceError as exc:
        raise InstanceError(issues + exc.issues) from None
    finally:
        CURRENT_LOCATOR.reset(token)
    if issues:
        raise InstanceError(issues)
    return inst

