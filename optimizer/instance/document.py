"""Instance documents as Python data: YAML or JSON text parsed strictly, CSV tables read.

Data flows one way: :mod:`.load` reads bytes, this module parses them and reads the CSV tables a
document names (confined to its folder by :mod:`trustsource.safe_files`, parsed by
:mod:`.readers.csv_table`), then :class:`~.instance.Instance` validates the whole. Nothing is
raised until every section has been read, so one run reports every problem. Reading is strict and
bounded (:mod:`.readers.safe_yaml`, :mod:`.readers.safe_json`, :mod:`trustsource.limits`).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from ..errors import InstanceError, Issue
from ..limits import MAX_CSV_BYTES, MAX_JSON_BYTES, MAX_ROWS, MAX_YAML_BYTES, MIB, clip
from ..safe_files import Refused, confine, data_root, read_regular, shown_path
from .locate import TABLES, Locator, _closest, _quoted, _row_label
from .packs import expand_includes
from .periods import is_mapping_cell
from .readers.csv_table import decode_csv, read_table
from .readers.safe_json import load_json
from .readers.safe_yaml import cut, load_yaml
from .schema import TOP_LEVEL_KEYS


def prepare_document(
    doc: dict[str, Any], base_dir: Path, origin: str, root: str | Path | None = None
) -> tuple[dict[str, Any], Locator, list[Issue]]:
    """A parsed document's sections, ready to validate: the version and top-level keys checked,
    CSV tables read (confined under ``root``, see :func:`trustsource.load`), table sizes bounded.

    Returns the data to validate, its locator, and the problems found so far (reported together
    with the validation's, so one run lists every problem).
    """
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
    expand_includes(data, origin, issues)  # policy packs become rules before anything reads them
    confined_to: tuple[Path, bool] | None = None
    for name in (*TABLES, "rules", "entities"):
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
    return data, locator, issues


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
    return read_table(text, shown, issues, lambda col, val: is_mapping_cell(name, col, val))
