"""MkDocs hooks of the documentation site (mkdocs.yml ``hooks:``; not a page of the site).

* ``benchmarks/README.md`` lives beside the code it measures, outside ``docs/``; the guides link
  to it as ``../benchmarks/README.md`` (which works on a forge and in an editor). The site gets it
  as the page ``benchmarks.md`` and those links are pointed there.
* The docstrings are Google style with a few reST roles (``:func:`solve```,
  ``:class:`~trustsource.Plan```). Markdown renders such a role as the role's name followed by
  inline code; the role's name is dropped, and a dotted target becomes an optional
  cross-reference (a link where the target is documented on the site, plain code otherwise).
  A top-level name (``trustsource.solve``) is linked to where it is defined and documented
  (``trustsource.solve.solve``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import trustsource

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks" / "README.md"
_BENCH_LINK = re.compile(r"\]\((?:\.\./)+benchmarks/README\.md")
_EXPORTS: dict[str, str] = getattr(trustsource, "_EXPORTS", {})  # public name -> ".module"
_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj|py:\w+):<code>(~?)([\w.]+)</code>")


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, "benchmarks.md", abs_src_path=str(BENCHMARKS)))
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    depth = page.file.src_uri.count("/")
    return _BENCH_LINK.sub("](" + "../" * depth + "benchmarks.md", markdown)


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    title = target.rsplit(".", 1)[-1] if short else target
    if "." not in target:
        return f"<code>{title}</code>"
    package, _, name = target.partition(".")
    module = _EXPORTS.get(name) if package == "trustsource" else None
    identifier = f"trustsource{module}.{name}" if module else target
    return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(_role, html)
