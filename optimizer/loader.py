"""Reading instance documents: YAML or JSON, tables inline or as CSV files, from a path or stdin.

Data flows load -> validate: this module turns files into Python data, validates each section
with the schema models, maps every pydantic error to a located :class:`Issue`, then hands the
parts to :class:`Instance` for the cross-entry checks. Nothing is raised until every section has
been read, so one run reports every problem.

Reading itself is strict and bounded: documents through :mod:`trustsource.safe_yaml` and
:mod:`trustsource.safe_json`, CSV tables confined to the instance's folder by
:mod:`trustsource.safe_files` and read by :mod:`trustsource.csv_table`, all within the bounds of
:mod:`trustsource.limits`.
"""

from __future__ import annotations

import contextvars
import io
import json
import math
import re
import reprlib
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from trustsource.csv_table import decode_csv, read_table
from trustsource.errors import InstanceError, Issue, did_you_mean
from trustsource.instance_folder import base_folder, document_in_folder
from trustsource.limits import (
    MAX_CSV_BYTES,
    MAX_JSON_BYTES,
    MAX_ROWS,
    MAX_YAML_BYTES,
    MIB,
    SHOWN_CHARS,
    clip,
)
from trustsource.safe_files import (
    Refused,
    confine,
    data_root,
    read_document,
    read_regular,
    shown_path,
)
from trustsource.safe_json import load_json
from trustsource.safe_yaml import cut, load_yaml
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
RULE_MODELS = (
    CountryCapRule,
    BlocShareRule,
    BanRule,
    SupplierCapRule,
    ExitClauseRule,
    MinSuppliersRule,
    MaxSuppliersRule,
    MinCountriesRule,
    ExitRule,
    HhiCapRule,
)


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


def load(
    source: str | Path | io.TextIOBase,
    *,
    base_dir: str | Path | None = None,
    root: str | Path | None = None,
) -> Any:
    """Load and validate an instance: ``.yaml``, ``.yml``, ``.json``, ``.xlsx``, ``-`` (stdin),
    or a folder holding exactly one instance document (the CSV folder ``convert`` writes).

    Reading is strict and bounded (see :mod:`trustsource.safe_yaml`,
    :mod:`trustsource.safe_json`, :mod:`trustsource.csv_table` and :mod:`trustsource.limits`):
    a document holds at most ``MAX_YAML_BYTES`` (YAML) or ``MAX_JSON_BYTES`` (JSON, and any
    document read from stdin before its kind is known) bytes, no duplicate keys, no nesting
    deeper than ``MAX_DEPTH`` and no alias expansion beyond ``MAX_YAML_NODES``.

    CSV tables named by the document (``items: items.csv``) must be regular files of at most
    ``MAX_CSV_BYTES`` bytes that resolve, symbolic links followed, inside the *root*: by default
    the base folder they are written relative to. ``root`` widens it explicitly; without it the
    environment variable ``TRUSTSOURCE_DATA_ROOT`` does. With an explicit root a table path may
    also be absolute, if it lies inside the root.

    Args:
        source: a path, ``"-"`` for stdin, or an open text stream.
        base_dir: the folder relative CSV table paths are resolved against (and, without
            ``root``, confined to). Default: the document's folder; for stdin or a stream,
            which has no folder, the current working directory.
        root: the folder CSV tables must lie in (default: the base folder, or
            ``TRUSTSOURCE_DATA_ROOT`` when set).

    Returns:
        The validated :class:`~trustsource.Instance`.

    Raises:
        InstanceError: with every located problem, if the file is missing, unparsable or invalid.
    """
    if isinstance(source, (str, Path)) and source != "-" and Path(source).is_dir():
        source = document_in_folder(Path(source))
    if isinstance(source, (str, Path)) and str(source).lower().endswith(".xlsx"):
        from trustsource.io.excel import load_workbook  # Excel: its own reader, same checks

        return load_workbook(source)
    raw: bytes | None = None
    if isinstance(source, io.TextIOBase) or source == "-":
        origin, base = "<stdin>", Path.cwd()
        text = _read_stream(source if isinstance(source, io.TextIOBase) else sys.stdin)
    else:
        path = Path(source)
        origin, base = path.name, path.parent
        json_like = path.suffix.lower() == ".json"
        try:
            raw = read_document(path, MAX_JSON_BYTES if json_like else MAX_YAML_BYTES)
            text = raw.decode("utf-8")
        except FileNotFoundError:
            raise InstanceError([Issue(str(path), None, "file not found")]) from None
        except Refused as exc:
            raise InstanceError([Issue(str(path), None, str(exc))]) from None
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1 if raw is not None else 1
            raise InstanceError(
                [Issue(f"{origin}:{line}", None, "not UTF-8 text; save the file as UTF-8")]
            ) from None
    if base_dir is not None:
        base = base_folder(base_dir)
    doc = parse_document(text, origin, raw)
    return instance_from_document(doc, base, origin, root=root)


def _read_stream(stream: Any) -> str:
    """At most the largest document size from a stream (bytes from stdin's buffer if it has
    one, else characters), refused if there is more."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data = buffer.read(MAX_JSON_BYTES + 1)
        size = len(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InstanceError(
                [Issue(f"<stdin>:{line}", None, "not UTF-8 text; send UTF-8")]
            ) from None
    else:
        text = stream.read(MAX_JSON_BYTES + 1)
        size = len(text)
    if size > MAX_JSON_BYTES:
        raise InstanceError(
            [
                Issue(
                    "<stdin>",
                    None,
                    f"more than {MAX_JSON_BYTES // MIB} MiB on stdin, the most "
                    "trustsource reads; check that this is the right input",
                )
            ]
        )
    return text


def parse_document(text: str, origin: str, raw: bytes | None = None) -> dict[str, Any]:
    """Parse YAML or JSON text strictly (JSON is YAML, but its own parser gives better messages).

    Both refuse duplicate keys, excessive nesting and over-long strings; YAML follows the 1.2
    core schema (only ``true``/``false`` are booleans, ``1_000`` is text) and bounds alias
    expansion; JSON refuses ``NaN`` and ``Infinity``. A YAML document holds at most
    ``MAX_YAML_BYTES``, a JSON one ``MAX_JSON_BYTES`` (``raw``: the bytes, if at hand).
    """
    if not text.strip():
        raise InstanceError(
            [Issue(origin, None, "the file is empty; expected a schema-1 document")]
        )
    is_json = origin.endswith(".json") or text.lstrip().startswith("{")
    size = len(raw) if raw is not None else len(text)
    limit, kind = (MAX_JSON_BYTES, "JSON") if is_json else (MAX_YAML_BYTES, "YAML")
    if size > limit:
        raise InstanceError(
            [
                Issue(
                    origin,
                    None,
                    f"a {kind} document of more than {limit // MIB} MiB; put the "
                    "large tables in CSV files (items: items.csv)",
                )
            ]
        )
    if is_json:
        doc = load_json(text, origin, raw)
    else:
        doc, _ = load_yaml(text, origin)
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(doc, text, origin)
    if not isinstance(doc, dict):
        raise InstanceError(
            [Issue(origin, None, f"expected a mapping at the top level, got {type(doc).__name__}")]
        )
    return doc


# A \uD800-\uDFFF escape: paired, it is one character; alone, it is not text at all (no UTF-8
# form), and would fail only later, when a plan or export is written.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_lone_surrogates(doc: Any, text: str, origin: str) -> None:
    try:
        json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        first = _SURROGATE_ESCAPE.search(text)
        line = text.count("\n", 0, first.start()) + 1 if first else 1
        raise InstanceError(
            [
                Issue(
                    f"{origin}:{line}",
                    None,
                    "a \\u escape encodes half of a character (a lone UTF-16 surrogate), "
                    "which is not text; write the character itself or its full escape pair",
                )
            ]
        ) from None


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


def instance_from_document(
    doc: dict[str, Any], base_dir: Path, origin: str, root: str | Path | None = None
) -> Any:
    """Validate a parsed document; see :func:`load` (``root`` confines its CSV tables)."""
    from trustsource.instance import Instance

    issues: list[Issue] = []
    locator = Locator(document=origin)

    version_issue = _version_issue(doc.get("trustsource"), "trustsource" in doc)
    if version_issue is not None:
        issues.append(Issue(origin, "trustsource", version_issue))
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            issues.append(
                Issue(
                    origin,
                    cut(str(key)),
                    f"unknown key {clip(str(key))}{_closest(str(key), TOP_LEVEL_KEYS)}",
                )
            )

    data = {k: v for k, v in doc.items() if k in TOP_LEVEL_KEYS and k != "trustsource"}
    confined_to: tuple[Path, bool] | None = None
    for name in (*TABLES, "rules"):
        rows = data.get(name)
        if isinstance(rows, str) and name in TABLES:
            confined_to = confined_to or data_root(base_dir, root)
            read = _read_csv_table(rows, base_dir, confined_to, locator.where(name), name, issues)
            if read is None:
                data.pop(name)
                continue
            locator.csv_files[name] = shown_path(rows)
            rows, locator.csv_lines[name] = read
            data[name] = rows
        if isinstance(rows, list):
            if len(rows) > MAX_ROWS:
                issues.append(
                    Issue(
                        locator.where(name),
                        name,
                        f"{len(rows):,} entries; at most {MAX_ROWS:,} are read per "
                        "table (split the instance)",
                    )
                )
                data.pop(name)
                continue
            locator.ids[name] = [_row_label(r) for r in rows]
        elif rows is not None:
            issues.append(
                Issue(
                    locator.where(name),
                    None,
                    f"must be a list{' or a CSV file name' if name in TABLES else ''}"
                    f", got {type(rows).__name__}",
                )
            )
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


def _version_issue(version: Any, present: bool) -> str | None:
    """What is wrong with the ``trustsource:`` schema version, or ``None`` (it is the integer 1).

    Only the integer 1 is accepted: ``"1"`` (quoted) and ``1.0`` are near misses with their
    own hint, and a yes/no value (``yes``, ``true``) is never a version.
    """
    if not present or version is None:
        return "missing schema version; add 'trustsource: 1'"
    if type(version) is int and version == 1:
        return None
    if isinstance(version, bool) or (
        isinstance(version, str) and version.strip().lower() in _YES_NO
    ):
        return "must be the number 1, not a yes/no value; write 'trustsource: 1'"
    if isinstance(version, str) and version.strip() == "1":
        return "is the text '1'; write 1 without quotes: 'trustsource: 1'"
    if isinstance(version, float) and version == 1:
        return "must be the whole number 1; write 'trustsource: 1'"
    return f"unknown schema version {_quoted(version)}; this release reads version 1"


_YES_NO = frozenset({"yes", "no", "y", "n", "true", "false", "on", "off"})


def _read_csv_table(
    raw: str,
    base_dir: Path,
    confined_to: tuple[Path, bool],
    where: str,
    name: str,
    issues: list[Issue],
) -> tuple[list[dict[str, Any]], list[int]] | None:
    """Read the CSV table a document names, confined and bounded (see :func:`load`)."""
    root, explicit = confined_to
    shown = shown_path(raw)
    try:
        path = confine(raw, base_dir, root, explicit)
        data = read_regular(path, MAX_CSV_BYTES, shown, "CSV file", follow=False)
    except FileNotFoundError:
        issues.append(Issue(where, name, f"CSV file not found: {shown}"))
        return None
    except Refused as exc:
        issues.append(Issue(where, name, str(exc)))
        return None
    text = decode_csv(data, shown, issues)
    if text is None:
        return None
    return read_table(text, shown, issues, _STRUCTURED_COLUMNS)
