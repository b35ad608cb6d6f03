"""The library never prints: a solve in a fresh process writes nothing to stdout.

highspy 1.16 prints a banner to file descriptor 1 from the first ``Highs()`` of a process; the
library constructs HiGHS with that descriptor pointed at the null device
(``trustsource.model.handoff.new_highs``) and reads the version from the package metadata.
A subprocess is the only honest check: the banner is written by C code, below Python's
``sys.stdout``.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files

GALLIUM = str(files("trustsource.instances") / "gallium-demo.yaml")
MINERALS = str(files("trustsource.instances") / "critical-minerals.yaml")


def test_solve_and_explain_print_nothing() -> None:
    code = (
        "import trustsource\n"
        f"inst = trustsource.load({GALLIUM!r})\n"
        "plan = trustsource.solve(inst)\n"
        "trustsource.explain(inst, workers=1)\n"
        "trustsource.diagnose(inst)\n"
        "assert plan.status.value == 'optimal' and plan.solver.startswith('HiGHS ')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert proc.stdout == ""
    assert "Running HiGHS" not in proc.stderr


def test_risk_prints_nothing_with_either_method() -> None:
    # The risk model creates many HiGHS objects (the extensive form, the L-shaped master and
    # subproblems, the per-scenario evaluations); none may print.
    code = (
        "import trustsource\n"
        f"inst = trustsource.load({MINERALS!r})\n"
        "a = trustsource.risk(inst, figures=False, workers=1)\n"
        "b = trustsource.risk(inst, figures=False, workers=1, method='lshaped')\n"
        "assert a.has_solution and b.has_solution\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert proc.stdout == ""
    assert "Running HiGHS" not in proc.stderr


def test_output_printed_around_a_solve_stays_in_order() -> None:
    code = (
        "import trustsource\n"
        "print('before', flush=True)\n"
        f"trustsource.solve(trustsource.load({GALLIUM!r}))\n"
        "print('after')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert proc.stdout == "before\nafter\n"
