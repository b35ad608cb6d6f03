"""Strict, bounded JSON for instance documents: no duplicate keys, no NaN, bounded depth and text.

Python's :func:`json.loads` keeps the last of two equal keys, reads the non-JSON constants
``NaN`` and ``Infinity``, raises ``RecursionError`` on deeply nested input and accepts strings
of any length. Here each of those is a located problem (``file.json:LINE``).

The happy path stays at C speed: duplicates are noticed by an ``object_pairs_hook`` that only
compares lengths, constants by ``parse_constant`` (never called on valid JSON), and depth and
string length by a few passes over the raw bytes (bracket pairs removed level by level; a
window search for long quote-free runs). Only when one of these raises a suspicion does a
position-tracking scan of the text (:func:`_scan`) run, to confirm and locate every problem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ...errors import InstanceError, Issue
from ...limits import MAX_CELL_CHARS, MAX_DEPTH, clip

# Every byte except the four brackets, deleted to leave the bracket skeleton of a document.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_PAIR = re.compile(rb"\[\]|\{\}")
# A string, a structural character, a line break or a non-JSON constant.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:\n]|NaN|-?Infinity')


@dataclass
class _Seen:
    """What the parser hooks noticed during one :func:`load_json` call."""

    duplicates: bool = False
    constants: bool = False


_LONG_DIGITS = re.compile(r"\d{1000,}")


def load_json(
    text: str,
    origin: str,
    raw: bytes | None = None,
    *,
    max_depth: int = MAX_DEPTH,
    max_chars: int = MAX_CELL_CHARS,
) -> Any:
    """Parse a JSON document strictly.

    Args:
        text: the document.
        origin: the name used in locations (``origin:LINE``).
        raw: the document's UTF-8 bytes, if at hand (saves encoding ``text`` again).
        max_depth: deepest nesting of arrays and objects allowed.
        max_chars: longest string (key or value) allowed.

    Raises:
        InstanceError: a syntax error, or every duplicate key, ``NaN``/``Infinity``, over-long
            string and the first excess of depth, each located as ``origin:LINE``.
    """
    seen = _Seen()

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen.duplicates = True
        return obj

    def constant(name: str) -> float:
        seen.constants = True
        return float(name.replace("Infinity", "inf"))

    too_deep = False
    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            [Issue(f"{origin}:{exc.lineno}", None, f"not valid JSON: {exc.msg}")]
        ) from None
    except RecursionError:
        doc, too_deep = None, True
    except ValueError:  # an integer beyond Python's digit limit (int_max_str_digits)
        match = _LONG_DIGITS.search(text)
        line = text.count("\n", 0, match.start()) + 1 if match else None
        raise InstanceError(
            [
                Issue(
                    origin if line is None else f"{origin}:{line}",
                    None,
                    "a number with thousands of digits; "
                    "no quantity or cost needs more than a dozen",
                )
            ]
        ) from None
    if raw is None:
        raw = text.encode("utf-8", "surrogatepass")
    suspect = (
        too_deep
        or seen.duplicates
        or seen.constants
        or _maybe_deeper(raw, max_depth)
        or _maybe_long_string(raw, max_chars)
    )
    if suspect:
        issues = _scan(text, origin, max_depth, max_chars)
        if issues:
            raise InstanceError(issues)
        if too_deep:  # pragma: no cover - _scan always finds what made json recurse
            raise InstanceError([Issue(origin, None, _too_deep(max_depth))])
    return doc


def _too_deep(max_depth: int) -> str:
    return (
        f"nested more than {max_depth} levels deep (an instance needs about 6); "
        "check for unclosed brackets"
    )


def _maybe_deeper(raw: bytes, max_depth: int) -> bool:
    """Could the document nest deeper than ``max_depth``? (False means surely not.)

    The bracket skeleton loses its innermost pairs at each pass of ``replace``; a pass removes
    at least one level and at most two (``{[]}`` goes at once). Brackets inside strings can
    unbalance the skeleton: that only makes the answer a false "maybe".
    """
    skeleton = raw.translate(None, _NOT_BRACKETS)
    passes = 0
    while skeleton and passes < max_depth:
        skeleton = skeleton.replace(b"[]", b"").replace(b"{}", b"")
        passes += 1
    return bool(skeleton) or 2 * passes > max_depth


def _maybe_long_string(raw: bytes, max_chars: int) -> bool:
    """Could a string hold more than ``max_chars`` characters? (False means surely not.)

    A string of more than ``max_chars`` characters spans more than ``max_chars`` bytes with no
    quote inside, once the escapes that could hide one (``\\\\`` and ``\\"``) are blanked; such
    a run covers a whole aligned window of half that width. One search per window, each
    stopping at the first quote, costs little more than a glance at the document.
    """
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    window = max(1, max_chars // 2)
    if len(raw) <= max_chars:
        return False
    find = raw.find
    return any(
        find(b'"', start, start + window) < 0 for start in range(0, len(raw) - window + 1, window)
    )


@dataclass
class _Frame:
    """An open array or object during :func:`_scan`."""

    is_object: bool
    keys: dict[str, int]
    index: int = 0
    key: str | None = None
    expect_key: bool = True


def _scan(text: str, origin: str, max_depth: int, max_chars: int) -> list[Issue]:
    """Locate every duplicate key, constant and long string, and the first excess of depth.

    A token scan of text that :func:`json.loads` accepted (or that nested too deeply for it),
    used only once a problem is suspected.
    """
    issues: list[Issue] = []
    stack: list[_Frame] = []
    line = 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == "\n":
            line += 1
        elif first == '"':
            frame = stack[-1] if stack else None
            if len(token) - 2 > max_chars:
                length = len(json.loads(token))
                if length > max_chars:
                    issues.append(
                        Issue(
                            f"{origin}:{line}",
                            _path(stack),
                            f"text of {length:,} characters; at most "
                            f"{max_chars:,} are allowed in one value",
                        )
                    )
            if frame is not None and frame.is_object and frame.expect_key:
                key = json.loads(token)
                frame.key, frame.expect_key = key, False
                if key in frame.keys:
                    issues.append(
                        Issue(
                            f"{origin}:{line}",
                            _path(stack),
                            f"duplicate key {clip(key)} (first on line {frame.keys[key]}, again on "
                            f"line {line}): JSON readers keep only one; keep one",
                        )
                    )
                else:
                    frame.keys[key] = line
        elif first in "[{":
            if len(stack) >= max_depth:
                issues.append(Issue(f"{origin}:{line}", _path(stack), _too_deep(max_depth)))
                return issues
            stack.append(_Frame(is_object=first == "{", keys={}))
        elif first in "]}":
            if stack:
                stack.pop()
        elif first == ",":
            if stack:
                frame = stack[-1]
                frame.index += 1
                frame.expect_key = True
        elif first != ":":  # NaN, Infinity, -Infinity
            issues.append(
                Issue(
                    f"{origin}:{line}",
                    _path(stack),
                    f"{token} is not a number in JSON; write a finite number",
                )
            )
    return issues


def _path(stack: list[_Frame]) -> str | None:
    """Key path of the scan position, e.g. ``suppliers[3].capacity``."""
    parts: list[str] = []
    for frame in stack:
        if not frame.is_object:
            parts.append(f"[{frame.index}]")
        elif frame.key is not None:
            key = frame.key if len(frame.key) <= 40 else frame.key[:37] + "..."
            parts.append(f".{key}")
    text = "".join(parts).lstrip(".")
    if len(text) > 80:
        text = "..." + text[-77:]
    return text or None
