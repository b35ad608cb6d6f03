"""The documentation site (mkdocs.yml) builds with no warnings, and a warning fails the build.

`.ci/docs` is what CI runs; these tests run it too, so a broken link, a page missing from the
navigation or a docstring griffe cannot parse fails the suite and not only the CI step. They
need the docs tools (mkdocs-material, mkdocstrings[python]); without them they are skipped with
the reason.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import trustsource

REPO = Path(__file__).resolve().parents[1]
MISSING = [
    name
    for name in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers")
    if importlib.util.find_spec(name) is None
]
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"the docs tools are not installed ({', '.join(MISSING)})"
)
TIMEOUT = 300


def _env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def test_the_site_builds_strictly_with_every_page(tmp_path: Path) -> None:
    proc = subprocess.run(
        ["bash", str(REPO / ".ci" / "docs"), sys.executable],
        cwd=REPO, env=_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "site built with no warnings" in proc.stdout


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    """The strictness has teeth: one link to a missing page aborts the build."""
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    (tmp_path / "benchmarks").mkdir()
    shutil.copy(REPO / "benchmarks" / "README.md", tmp_path / "benchmarks" / "README.md")
    page = tmp_path / "docs" / "gallery" / "index.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n[gone](no-such-page.md)\n", "utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "s")],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "no-such-page.md" in proc.stderr


def test_the_api_reference_covers_the_public_api() -> None:
    """Every name of trustsource.__all__ has a heading in the API pages (by its defining path)."""
    pages = "".join(p.read_text(encoding="utf-8") for p in (REPO / "docs" / "api").glob("*.md"))
    missing = [name for name in trustsource.__all__ if f".{name}\n" not in pages]
    assert not missing, f"not in docs/api/*.md: {missing}"
