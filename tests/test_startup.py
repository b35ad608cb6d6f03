"""Start-up stays light: importing the CLI or the package loads no heavy library.

``trustsource --help`` and argument errors should answer at once; the numerical stack (pandas,
numpy, scipy, highspy, Pyomo) and the readers (pydantic, YAML, openpyxl) load only when a command
needs them. A module-level import of the model from a CLI module once made ``--help`` take
3.8 s instead of 0.2 s; this checks the cause (what is imported), not a time.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("pandas", "numpy", "scipy", "highspy", "pyomo", "pydantic", "yaml", "openpyxl")


@pytest.mark.parametrize("module", ["trustsource", "trustsource.cli.main"])
def test_import_loads_no_heavy_library(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout.strip() == ""
