"""A griffe extension for the API reference (mkdocs.yml, mkdocstrings ``extensions:``).

The docstrings are Google style with a few reST roles (``:func:`solve```,
``:class:`~trustsource.Instance```). Read as Markdown, a role shows as ``:class:`` followed by
inline code, and in a ``Returns:`` section its colon splits the sentence into a "type" and a
description. Before the docstrings are parsed, each role becomes an optional cross-reference
(``<autoref ... optional>``: a link where the target is documented on the site, plain code
otherwise); a public top-level name (``Plan``, ``trustsource.solve``) points to where it is
defined and documented (``trustsource.results.plan.Plan``, ``trustsource.solve.solve``). The
first line of a ``Returns:`` item is prose here, so its remaining colons are written as
``&#58;`` (shown as ``:``) and the whole line stays the description.
"""

from __future__ import annotations

import re
from typing import Any

import griffe
import trustsource

_EXPORTS: dict[str, str] = getattr(trustsource, "_EXPORTS", {})  # public name -> ".module"
_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj):`(~?)([\w.]+)(?:\(\))?`")


def _identifier(target: str) -> str | None:
    """The documented path of a role's target, None for a name it cannot place."""
    package, _, rest = target.partition(".")
    name = rest if package == "trustsource" and rest in _EXPORTS else target
    if name in _EXPORTS:
        return f"trustsource{_EXPORTS[name]}.{name}"
    return target if "." in target else None


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    title = target.rsplit(".", 1)[-1] if short else target
    identifier = _identifier(target)
    if identifier is None:
        return f"`{title}`"
    return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'


def rewrite(text: str) -> str:
    """A docstring with its roles as cross-references and its Returns lines kept whole."""
    lines = _ROLE.sub(_role, text).splitlines()
    for n, line in enumerate(lines[:-1]):
        if line.strip() in ("Returns:", "Yields:") and lines[n + 1].strip():
            head = lines[n + 1]
            indent = len(head) - len(head.lstrip())
            lines[n + 1] = head[:indent] + head[indent:].replace(":", "&#58;")
    return "\n".join(lines)


class DocstringRoles(griffe.Extension):
    """Rewrite reST roles of every docstring before mkdocstrings parses it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj.docstring.value)
