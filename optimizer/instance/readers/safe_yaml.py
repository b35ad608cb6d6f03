"""Strict, bounded YAML: the YAML 1.2 core schema, no duplicate keys, bounded depth and aliases.

PyYAML's ``safe_load`` follows YAML 1.1, where ``NO`` (Norway), ``yes``, ``on`` and ``off`` are
booleans, ``1_000`` is 1000 and ``1:30`` is 90; it keeps the last of two equal keys, and it
expands an alias "billion laughs" bomb into gigabytes once the data are walked. Instance
documents get a stricter reading:

* scalars resolve as in the YAML 1.2 core schema: only ``true``/``false`` are booleans, integers
  are plain decimal (or ``0o``/``0x``), floats are ``1.5``, ``1e3``, ``.inf``, ``.nan``;
  anything else, ``1_000`` and ``yes`` included, stays text for the schema to judge;
* a mapping holding the same key twice is an error naming the key and both lines;
* nesting deeper than :data:`~trustsource.limits.MAX_DEPTH`, a document whose aliases expand to
  more than :data:`~trustsource.limits.MAX_YAML_NODES` nodes, a recursive alias and a text
  value longer than :data:`~trustsource.limits.MAX_CELL_CHARS` are refused, located.

The document is composed here from the parser's event stream (libyaml's C parser when PyYAML
has it), not by PyYAML's recursive composer: the depth and the expanded size are known at every
event, so a hostile document is refused after reading as far as its first excess, in time
linear in its length. Construction then uses the loader's own (safe) constructors; aliases
stay shared objects, never copies.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ...errors import InstanceError, Issue
from ...limits import MAX_CELL_CHARS, MAX_DEPTH, MAX_YAML_NODES, SHOWN_CHARS, clip

HAVE_LIBYAML = hasattr(yaml, "CSafeLoader")
"""Whether PyYAML's C parser (libyaml) is available; the pure-Python one is the fallback."""
_BASE: type = yaml.CSafeLoader if HAVE_LIBYAML else yaml.SafeLoader

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_MERGE = re.compile(r"^(?:<<)$")
_STR, _SEQ, _MAP = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map")


class StrictLoader(_BASE):  # type: ignore[misc,valid-type]
    """A safe loader whose implicit types follow the YAML 1.2 core schema (see module doc).

    Explicit tags are held to the same syntax (``!!int 1_000`` is refused too). Merge keys
    (``<<: *defaults``) keep working: they are not a type, and instances written with them
    would otherwise break.
    """

    # A fresh table: the inherited YAML 1.1 resolvers (yes/no, 1_000, sexagesimal,
    # timestamps) must not apply. add_implicit_resolver appends to this class's own copy.
    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_yaml_bool(self, node: Node) -> bool:
        """``true``/``false`` in any of their three spellings, nothing else."""
        value = self.construct_scalar(node)
        if not _BOOL.match(value):
            raise ConstructorError(
                None, None, f"{clip(value)} is not a boolean (true or false)", node.start_mark
            )
        return value.lower() == "true"

    def construct_yaml_int(self, node: Node) -> int:
        """A decimal, ``0o`` octal or ``0x`` hexadecimal integer; no ``_`` or ``:`` forms."""
        value = self.construct_scalar(node)
        if not _INT.match(value):
            raise ConstructorError(None, None, f"{clip(value)} is not an integer", node.start_mark)
        try:
            if value.startswith("0o"):
                return int(value[2:], 8)
            if value.startswith("0x"):
                return int(value[2:], 16)
            return int(value)
        except ValueError:  # beyond Python's digit limit (int_max_str_digits)
            raise ConstructorError(
                None,
                None,
                f"an integer of {len(value)} digits; no quantity or cost needs more than a dozen",
                node.start_mark,
            ) from None

    def construct_yaml_float(self, node: Node) -> float:
        """A YAML 1.2 float: ``1.5``, ``-2e3``, ``.inf``, ``.nan`` (no ``_``)."""
        value = self.construct_scalar(node)
        if not _FLOAT.match(value):
            raise ConstructorError(None, None, f"{clip(value)} is not a number", node.start_mark)
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:merge", _MERGE, ["<"])
StrictLoader.add_constructor("tag:yaml.org,2002:bool", StrictLoader.construct_yaml_bool)
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)


class _Fatal(Exception):
    """A problem after which the rest of the document cannot be read."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.message)
        self.issue = issue


class _Open:
    """A collection being composed: its node, children so far and expanded size so far."""

    __slots__ = ("anchor", "children", "keys", "node", "size")

    def __init__(self, node: Node, anchor: str | None, mapping: bool) -> None:
        self.node = node
        self.anchor = anchor
        self.children: list[Node] = []
        self.size = 1
        # key (tag, text) -> line of its first occurrence; only for mappings.
        self.keys: dict[tuple[str, str], int] | None = {} if mapping else None


def cut(text: str, limit: int = SHOWN_CHARS) -> str:
    """Plain text cut to ``limit`` characters (for parser messages, which quote the input)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_yaml(
    text: str,
    origin: str,
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_YAML_NODES,
    max_chars: int = MAX_CELL_CHARS,
    first_line: int = 1,
) -> tuple[Any, int]:
    """Parse one YAML document strictly; return ``(data, expanded node count)``.

    Args:
        text: the document.
        origin: the name used in locations (``origin:LINE``).
        max_depth: deepest nesting of collections allowed.
        max_nodes: most nodes once every alias is expanded.
        max_chars: longest text value (key or scalar) allowed.
        first_line: the file line of ``text``'s first line (for a cell inside a larger file).

    Raises:
        InstanceError: every duplicate key and over-long text value, or the first problem that
            stops reading (syntax, depth, alias expansion), located as ``origin:LINE``.
    """
    if not HAVE_LIBYAML:
        _precheck_flow_depth(text, origin, max_depth, first_line)
    loader = StrictLoader(text)
    issues: list[Issue] = []
    try:
        try:
            node, size = _compose(
                loader, origin, issues, max_depth, max_nodes, max_chars, first_line
            )
            if issues:
                raise InstanceError(issues)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except _Fatal as fatal:
        raise InstanceError([*issues, fatal.issue]) from None
    except yaml.YAMLError as exc:
        raise InstanceError([*issues, yaml_issue(exc, origin, max_depth, first_line)]) from None
    return data, size


def yaml_issue(
    exc: yaml.YAMLError, origin: str, max_depth: int = MAX_DEPTH, first_line: int = 1
) -> Issue:
    """A parser or constructor error as a located issue (its text cut, never the input)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{origin}:{mark.line + first_line}" if mark is not None else origin
    problem = str(getattr(exc, "problem", None) or exc)
    if "maximum nesting depth" in problem:  # libyaml's own limit (1000) on deeper input
        return Issue(where, None, _too_deep_message(max_depth))
    return Issue(where, None, f"not valid YAML: {cut(problem)}")


def _too_deep_message(max_depth: int) -> str:
    return (
        f"nested more than {max_depth} levels deep (an instance needs about 6); "
        "check for unclosed brackets or a runaway indentation"
    )


def _compose(
    loader: Any,
    origin: str,
    issues: list[Issue],
    max_depth: int,
    max_nodes: int,
    max_chars: int,
    first_line: int,
) -> tuple[Node | None, int]:
    """Build the node graph of the single document in ``loader``'s event stream.

    Iterative (an explicit stack), so depth costs no Python recursion; each collection counts
    its size with every alias expanded (an anchored node's size is remembered once: memoised),
    so an alias bomb is refused as soon as one collection exceeds ``max_nodes``.
    """
    loader.get_event()  # StreamStart
    if loader.check_event(StreamEndEvent):
        loader.get_event()
        return None, 0
    loader.get_event()  # DocumentStart
    stack: list[_Open] = []
    anchors: dict[str, Node] = {}
    anchor_size: dict[str, int] = {}  # complete anchored nodes only
    # The implicit resolvers by first character, applied inline: Resolver.resolve per scalar
    # is a large share of the parse time of a big document.
    table = loader.yaml_implicit_resolvers
    root: Node | None = None
    root_size = 0
    while root is None:
        event = loader.get_event()
        cls = type(event)
        if cls is ScalarEvent:
            value = event.value
            tag = event.tag
            if tag is None or tag == "!":
                tag = _STR
                if event.implicit[0]:
                    for candidate, regexp in table.get(value[:1], ()):
                        if regexp.match(value):
                            tag = candidate
                            break
            node: Node = ScalarNode(tag, value, event.start_mark, event.end_mark, style=event.style)
            size = 1
            if len(value) > max_chars:
                issues.append(
                    Issue(
                        f"{origin}:{event.start_mark.line + first_line}",
                        _path(stack),
                        f"text of {len(value):,} characters; at most "
                        f"{max_chars:,} are allowed in one value",
                    )
                )
            if event.anchor is not None:
                _register(event.anchor, node, anchors, origin, first_line)
                anchor_size[event.anchor] = 1
        elif cls is AliasEvent:
            name = event.anchor
            if name not in anchors:
                raise _Fatal(
                    Issue(
                        _at(origin, event, first_line),
                        _path(stack),
                        f"alias *{cut(name)} names no anchor defined before it",
                    )
                )
            if name not in anchor_size:
                raise _Fatal(
                    Issue(
                        _at(origin, event, first_line),
                        _path(stack),
                        f"alias *{cut(name)} refers to a collection that contains "
                        "it (a recursive structure); instances cannot use one",
                    )
                )
            node, size = anchors[name], anchor_size[name]
        elif issubclass(cls, CollectionStartEvent):
            if len(stack) >= max_depth:
                raise _Fatal(
                    Issue(
                        _at(origin, event, first_line), _path(stack), _too_deep_message(max_depth)
                    )
                )
            mapping = cls is MappingStartEvent
            kind = MappingNode if mapping else SequenceNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = _MAP if mapping else _SEQ
            node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
            if event.anchor is not None:
                _register(event.anchor, node, anchors, origin, first_line)
            stack.append(_Open(node, event.anchor, mapping))
            continue
        else:  # SequenceEnd or MappingEnd
            done = stack.pop()
            node, size = done.node, done.size
            node.end_mark = event.end_mark
            kids = done.children
            node.value = list(zip(kids[0::2], kids[1::2])) if done.keys is not None else kids
            if done.anchor is not None:
                anchor_size[done.anchor] = size
        if not stack:
            root, root_size = node, size
            break
        parent = stack[-1]
        parent.size += size
        if parent.size > max_nodes:
            raise _Fatal(
                Issue(
                    _at(origin, event, first_line),
                    _path(stack),
                    f"the document holds more than {max_nodes:,} values, counting "
                    "each alias (*name) as a full copy of what it names; put large "
                    "tables in CSV files and do not nest aliases",
                )
            )
        kids = parent.children
        keys = parent.keys
        if keys is not None and not len(kids) % 2 and cls is ScalarEvent:
            _check_key(keys, node, origin, event.start_mark.line + first_line, stack, issues)
        kids.append(node)
    if not loader.check_event(DocumentEndEvent):  # pragma: no cover - the parser ensures it
        raise _Fatal(Issue(origin, None, "not valid YAML: expected the end of the document"))
    loader.get_event()
    if loader.check_event(DocumentStartEvent):
        line = loader.peek_event().start_mark.line + first_line
        raise _Fatal(
            Issue(
                f"{origin}:{line}",
                None,
                "a second YAML document ('---') follows; an instance is one document",
            )
        )
    if not loader.check_event(StreamEndEvent):  # pragma: no cover
        raise _Fatal(Issue(origin, None, "not valid YAML: expected the end of the stream"))
    return root, root_size


def _at(origin: str, event: Any, first_line: int) -> str:
    return f"{origin}:{event.start_mark.line + first_line}"


def _register(
    anchor: str, node: Node, anchors: dict[str, Node], origin: str, first_line: int
) -> None:
    line = node.start_mark.line + first_line
    if anchor in anchors:
        first = anchors[anchor].start_mark.line + first_line
        raise _Fatal(
            Issue(
                f"{origin}:{line}",
                None,
                f"anchor &{cut(anchor)} is defined twice (first on line {first}); "
                "give each anchor its own name",
            )
        )
    anchors[anchor] = node


def _check_key(
    keys: dict[tuple[str, str], int],
    node: Node,
    origin: str,
    line: int,
    stack: list[_Open],
    issues: list[Issue],
) -> None:
    """Remember a mapping key; a second occurrence is an issue naming both lines."""
    key = (node.tag, node.value)
    first = keys.get(key)
    if first is None:
        keys[key] = line
        return
    path = _path(stack)
    where = f"{path}.{cut(str(node.value), 40)}" if path else cut(str(node.value), 40)
    issues.append(
        Issue(
            f"{origin}:{line}",
            where,
            f"duplicate key {clip(node.value)} (first on line {first}, again on line {line}): "
            "YAML would keep only the last; keep one",
        )
    )


def _path(stack: list[_Open]) -> str | None:
    """Key path of the position being composed, e.g. ``suppliers[3].capacity``."""
    parts: list[str] = []
    for frame in stack:
        kids = frame.children
        if frame.keys is None:
            parts.append(f"[{len(kids)}]")
        elif len(kids) % 2 == 1 and isinstance(kids[-1], ScalarNode):
            key = cut(str(kids[-1].value), 40)
            parts.append(f".{key}" if parts else key)
    text = "".join(parts).lstrip(".")
    if len(text) > SHOWN_CHARS:
        text = "..." + text[3 - SHOWN_CHARS :]
    return text or None


def _precheck_flow_depth(text: str, origin: str, max_depth: int, first_line: int) -> None:
    """Without libyaml only: refuse deep bracket nesting before the pure-Python scanner runs.

    PyYAML's Python scanner needs time quadratic in the depth of ``[``/``{`` nesting before it
    yields the first event (100k brackets would take hours). Brackets are counted without
    regard to quoting: a document whose *text* nests brackets more than 20 times deeper than
    allowed is refused even if some sit in quotes; real instances never come close. A crafted
    document hiding closing brackets in quotes can slip past this rough count; libyaml, which
    PyYAML's wheels include, needs no such guard (it stops at 1000 levels by itself).
    """
    depth, line = 0, first_line
    bound = 20 * max_depth
    for match in re.finditer(r"[\[\]{}\n]", text):
        char = match.group()
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > bound:
                raise InstanceError([Issue(f"{origin}:{line}", None, _too_deep_message(max_depth))])
        else:
            depth = max(0, depth - 1)
