"""The package's version, in one place (pyproject.toml reads it from here), and the solver's.

Kept apart from the rest of the package so that ``trustsource --version`` and the build read it
without importing pandas or HiGHS.
"""

from __future__ import annotations

import importlib.metadata

__version__ = "0.1.0"


def solver_version() -> str:
    """``HiGHS x.y.z``, from the installed highspy package's metadata (constructing a ``Highs``
    object would print its banner, and importing highspy takes a moment)."""
    try:
        return f"HiGHS {importlib.metadata.version('highspy')}"
    except importlib.metadata.PackageNotFoundError:
        return "HiGHS (highspy not installed)"
