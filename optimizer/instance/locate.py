"""Where each value came from: ``suppliers.csv:14 (ga-cn-1)``, ``rules[2]``, ``variants.x.add[0]``.

A :class:`Locator` turns (section, index) into a human location; :func:`issues_from` maps every
pydantic error of a document to a located :class:`~trustsource.errors.Issue` in the project's
words. Readers fill a locator as they parse; validation and the checks only read it.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..errors import Issue, did_you_mean
from ..limits import SHOWN_CHARS, clip
from .readers.safe_yaml import cut
from .schema import (
    PLANNED_RULE_KINDS,
    RULE_KINDS,
    RULE_MODELS,
    TOP_LEVEL_KEYS,
    ItemSpec,
    SiteSpec,
    SupplierSpec,
)

TABLES = ("items", "sites", "suppliers")


_SPEC_FOR = {"items": ItemSpec, "sites": SiteSpec, "suppliers": SupplierSpec}


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
        suffix = f" ({cut(label, 40)})" if label else ""  # a hostile id stays short
        if section in self.csv_files:
            return f"{self.csv_files[section]}:{self.csv_lines[section][index]}{suffix}"
        return f"{self.document}: {section}[{index}]{suffix}"


def _closest(word: str, options: list[str] | tuple[str, ...]) -> str:
    return did_you_mean(word, options)


class _Raw(str):
    """A CSV cell shown as written (no quotes) in messages."""

    def __repr__(self) -> str:
        return str(self)


def _quoted(value: Any) -> str:
    """A value for a message: its repr cut to ``SHOWN_CHARS``; a container is summarised
    (reprlib) before it is cut, so a huge or alias-shared structure is never rendered whole."""
    if value is None or isinstance(value, (str, int, float)):
        return clip(value)
    short = reprlib.Repr()
    short.maxlevel = 2
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = 4
    short.maxstring = short.maxother = SHOWN_CHARS
    return clip(_Raw(short.repr(value)))


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
    fld = cut(".".join(cut(p, 40) for p in loc)) if loc else None  # a hostile key stays short
    typ, msg, value = err["type"], err["msg"], _shown(err.get("input"))
    if typ == "extra_forbidden":
        key = loc[-1] if loc else "?"
        return fld, f"unknown key {clip(key)}{_closest(key, spec_fields)}"
    if typ == "missing":
        return fld, "is required"
    if typ == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        if tag in PLANNED_RULE_KINDS:
            return "kind", (
                f"rule kind '{tag}' is not supported by this release yet; "
                f"supported: {', '.join(RULE_KINDS)}"
            )
        return "kind", (
            f"unknown rule kind {clip(str(tag))}{_closest(str(tag), RULE_KINDS)}; "
            f"supported: {', '.join(RULE_KINDS)}"
        )
    if typ == "union_tag_not_found":
        return "kind", f"is required ({', '.join(RULE_KINDS)})"
    if typ == "string_pattern_mismatch":
        return fld, (
            f"{_quoted(value)} is not a valid id: use lower-case letters, digits and '_ . -', "
            "starting with a letter or digit"
        )
    if typ == "finite_number":
        return fld, f"must be a finite number, got {_quoted(value)}"
    if typ in ("greater_than_equal", "less_than_equal"):
        return fld, f"{msg.replace('Input should be', 'must be')}, got {_quoted(value)}"
    if typ == "string_type" and isinstance(value, bool):
        # YAML 1.2 (see safe_yaml) reads only true/false unquoted as booleans: NO stays text.
        word = str(value).lower()
        return fld, f"must be text, got the boolean {word}; write '{word}' in quotes if you mean it"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    elif msg.startswith("Input should be"):
        msg = msg.replace("Input should be", "must be") + f", got {_quoted(value)}"
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
    for name in (*TABLES, "rules", "entities"):
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
            if not sub["loc"] and err["type"] in (
                "model_type",
                "dict_type",
                "model_attributes_type",
            ):
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
        got = _quoted(err.get("input"))
        return where, "drop", f"must be a list of rule names or 'all', got {got}"
    if key == "change" and rest:
        where += f".change.{rest[0]}"
        fld, msg = _format_pydantic({**err, "loc": tuple(rest[1:])}, _section_fields("rules"))
        return where, fld, msg
    fld, msg = _format_pydantic(
        {**err, "loc": tuple(loc[2:])}, ("description", "drop", "change", "add")
    )
    return where, fld, msg
