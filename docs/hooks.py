"""MkDocs hooks of the documentation site (mkdocs.yml ``hooks:``; not a page of the site).

* ``benchmarks/README.md`` lives beside the code it measures, outside ``docs/``; the guides link
  to it as ``../benchmarks/README.md`` (which works on a forge and in an editor). The site gets it
  as the page ``benchmarks.md`` and those links are pointed there; its own ``../docs/`` links
  are pointed at the pages beside it.
* The docstrings' reST roles are rewritten by docs/griffe_roles.py (a griffe extension).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO / "benchmarks" / "README.md"
_BENCH_LINK = re.compile(r"\]\((?:\.\./)+benchmarks/README\.md")


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, "benchmarks.md", abs_src_path=str(BENCHMARKS)))
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri == "benchmarks.md":
        # The README links the guides as ../docs/X (right beside the code); on the site the
        # page sits at the top of the docs, beside them.
        return markdown.replace("](../docs/", "](")
    depth = page.file.src_uri.count("/")
    return _BENCH_LINK.sub("](" + "../" * depth + "benchmarks.md", markdown)
