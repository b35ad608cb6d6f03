"""Reading instance documents: YAML or JSON, tables inline or as CSV files, from a path or stdin.

Data flows load -> validate: this module turns files into Python data, validates each section
with the schema models, maps every pydantic error to a located :class:`Issue`, then hands the
parts to :class:`Instance` for the cross-entry checks. Nothing is raised until every section has
been read, so one run reports every problem.
"""

from __future__ import annotations

import difflib
import io
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError
from trustsource.errors import InstanceError, Issue
from trustsource.schema import (
    RULE_KINDS,
    TOP_LEVEL_KEYS,
    BanRule,
    BlocShareRule,
    CountryCapRule,
    ExitClauseRule,
    ItemSpec,
    SiteSpec,
    SupplierCapRule,
    SupplierSpec,
)

TABLES = ("items", "sites", "suppliers")
# Cells of these CSV columns hold a small YAML/JSON mapping (a bill of materials, a tier schedule).
_STRUCTURED_COLUMNS = ("inputs", "price_tiers")
_SPEC_FOR = {"items": ItemSpec, "sites": SiteSpec, "suppliers": SupplierSpec}
RULE_MODELS = (CountryCapRule, BlocShareRule, BanRule, SupplierCapRule, ExitClauseRule)


@dataclass
class Locator:
    """Turns (section, index) into a human location: ``suppliers.csv:14 (ga-cn-1)``."""

    document: str
    csv_files: dict[str, str] = field(default_factory=dict)
    ids: dict[str, list[str | None]] = field(default_factory=dict)

    @classmethod
    def inline(cls, document: str) -> Locator:
        """A locator for a document whose tables are all inline."""
        return cls(document=document)

    def where(self, section: str, index: int | None = None) -> str:
        """Location of entry ``index`` of ``section`` (or of the section itself)."""
        if index is None:
            return f"{self.document}: {section}"
        ids = self.ids.get(section)
        label = ids[index] if ids is not None and index < len(ids) else None
        suffix = f" ({label})" if label else ""
        if section in self.csv_files:
            # Line 1 is the header, so row k sits on line k + 2.
            return f"{self.csv_files[section]}:{index + 2}{suffix}"
        return f"{self.document}: {section}[{index}]{suffix}"


def load(source: str | Path | io.TextIOBase) -> Any:
    """Load and validate an instance file (``.yaml``, ``.yml``, ``.json``) or ``-`` for stdin.

    Returns:
        The validated :class:`~trustsource.Instance`.

    Raises:
        InstanceError: with every located problem, if the file is missing, unparsable or invalid.
    """
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
    if isinstance(frame, pd.DataFrame):
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


def _read_csv(path: Path, shown: str, issues: list[Issue]) -> list[dict[str, Any]] | None:
    try:
        # Everything as text: the schema models coerce and, unlike pandas, say which cell is bad.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        issues.append(Issue(shown, None, f"CSV file not found: {path}"))
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        issues.append(Issue(shown, None, f"cannot parse CSV: {exc}"))
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    rows = []
    for k, rec in enumerate(frame.to_dict(orient="records")):
        row: dict[str, Any] = {}
        for col, val in rec.items():
            val = val.strip()
            if val == "":
                continue
            if col in _STRUCTURED_COLUMNS:
                try:
                    val = yaml.safe_load(val)
                except yaml.YAMLError:
                    issues.append(Issue(f"{shown}:{k + 2}", col, f"cannot parse mapping {val!r}"))
                    continue
            row[col] = val
        rows.append(row)
    return rows


def _closest(word: str, options: list[str] | tuple[str, ...]) -> str:
    hit = difflib.get_close_matches(word, list(options), n=1)
    return f"; did you mean '{hit[0]}'?" if hit else ""


def _format_pydantic(
    err: Mapping[str, Any], spec_fields: tuple[str, ...]
) -> tuple[str | None, str]:
    """One pydantic error -> (field, message) in user words."""
    # Discriminated unions add the tag to the path; it is noise for the user.
    loc = [str(p) for p in err["loc"] if p not in RULE_KINDS]
    fld = ".".join(loc) if loc else None
    typ, msg, value = err["type"], err["msg"], err.get("input")
    if typ == "extra_forbidden":
        key = loc[-1] if loc else "?"
        return fld, f"unknown key '{key}'{_closest(key, spec_fields)}"
    if typ == "missing":
        return fld, "is required"
    if typ == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        return "kind", f"unknown rule kind '{tag}'; expected one of {err['ctx']['expected_tags']}"
    if typ == "union_tag_not_found":
        return "kind", "is required (country_cap, bloc_share, ban, supplier_cap, exit_clause)"
    if typ == "string_pattern_mismatch":
        return fld, (
            f"{value!r} is not a valid id: use lower-case letters, digits and '_ . -', "
            "starting with a letter or digit"
        )
    if typ == "finite_number":
        return fld, f"must be a finite number, got {value!r}"
    if typ in ("greater_than_equal", "less_than_equal"):
        return fld, f"{msg.replace('Input should be', 'must be')}, got {value!r}"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    elif msg.startswith("Input should be"):
        msg = msg.replace("Input should be", "must be") + f", got {value!r}"
    return fld, msg


def _section_fields(section: str) -> tuple[str, ...]:
    """Known keys of a section's entries, for 'did you mean' hints."""
    spec = _SPEC_FOR.get(section)
    if spec is not None:
        return (*spec.model_fields, "from")
    keys: set[str] = set()
    for rule in RULE_MODELS:
        keys.update(f.alias or name for name, f in rule.model_fields.items())
    return tuple(sorted(keys))


def _issues_from(exc: ValidationError, locator: Locator) -> list[Issue]:
    """Map pydantic errors (located by key path) to located issues."""
    issues = []
    for err in exc.errors():
        loc = err["loc"]
        section = str(loc[0]) if loc else ""
        if section in (*TABLES, "rules") and len(loc) >= 2 and isinstance(loc[1], int):
            where = locator.where(section, loc[1])
            sub = {**err, "loc": loc[2:]}
            if not sub["loc"] and err["type"] in ("model_type", "dict_type",
                                                  "model_attributes_type"):
                issues.append(Issue(where, None, "must be a mapping of keys to values"))
                continue
            fld, msg = _format_pydantic(sub, _section_fields(section))
        else:
            where = locator.document
            fld, msg = _format_pydantic(err, TOP_LEVEL_KEYS)
        issues.append(Issue(where, fld, msg))
    return issues


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
            locator.csv_files[name] = rows
            rows = _read_csv(base_dir / rows, rows, issues)
            if rows is None:
                data.pop(name)
                continue
            data[name] = rows
        if isinstance(rows, list):
            locator.ids[name] = [r.get("id", r.get("name")) if isinstance(r, dict) else None
                                 for r in rows]
        elif rows is not None:
            issues.append(Issue(locator.where(name), None,
                                f"must be a list{' or a CSV file name' if name in TABLES else ''}"
                                f", got {type(rows).__name__}"))
            data.pop(name)
    # One validation pass over the whole document: pydantic collects every field error, and the
    # cross-entry checks run (in Instance's validator) only once the fields are sound.
    try:
        inst = Instance.model_validate(data, context={"locator": locator})
    except ValidationError as exc:
        raise InstanceError(issues + _issues_from(exc, locator)) from None
    if issues:
        raise InstanceError(issues)
    return inst
