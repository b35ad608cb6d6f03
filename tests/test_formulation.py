"""Formulation tightening and the first incumbent leave every optimum unchanged (issue 20).

Correctness only (timings are in ``benchmarks/formulation.py``): the LP-restricted MIP start of
:mod:`trustsource.solve.incumbent` is feasible for the full model and, given to HiGHS, leads to
the same optimum, on a hand case and on the OR-Library small cases bundled in
``tests/data/orlib/`` (published optima in its ``optimal.csv``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trustsource
from trustsource.model.build import build_model
from trustsource.model.handoff import highs_from_data
from trustsource.solve.incumbent import first_incumbent, is_feasible

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
import orlib  # noqa: E402  (benchmarks/orlib.py)

ORLIB = REPO / "tests" / "data" / "orlib"


def _three_suppliers() -> dict[str, Any]:
    """Demand 100; four offers at unit cost 1, 2, 3, 4, capacity 100, fixed cost 10 each.

    ``min_suppliers`` 3 with 10 % each: the cheapest plan uses a, b, c with b and c at their
    10-unit floor: 80 * 1 + 10 * 2 + 10 * 3 + 3 * 10 = 160 (by hand: any other third supplier
    or a larger share for b or c costs more per unit than a).
    """
    return {
        "trustsource": 1,
        "name": "three-suppliers",
        "items": [{"id": "k", "demand": 100}],
        "suppliers": [
            {
                "id": sid,
                "item": "k",
                "country": "DE",
                "unit_cost": c,
                "capacity": 100,
                "fixed_cost": 10,
            }
            for sid, c in (("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0))
        ],
        "rules": [{"kind": "min_suppliers", "name": "three", "count": 3, "min_share_each": 0.1}],
    }


def _solve_data(md: Any) -> float:
    """Objective of ``md`` solved to gap 0 by HiGHS directly (with ``md.start`` if set)."""
    h = highs_from_data(md)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.run()
    return float(h.getInfo().objective_function_value)


def test_min_suppliers_hand_optimum() -> None:
    inst = trustsource.Instance.from_dict(_three_suppliers(), origin="hand")
    plan = trustsource.solve(inst, mip_rel_gap=0.0)
    assert plan.objective == pytest.approx(160.0, abs=1e-6)


def test_first_incumbent_is_feasible_and_keeps_the_hand_optimum() -> None:
    inst = trustsource.Instance.from_dict(_three_suppliers(), origin="hand")
    model = build_model(inst)
    start = first_incumbent(model.data)
    assert start is not None
    assert is_feasible(model.data, start)
    cost = model.data.column_arrays()[0]
    assert float(cost @ start) >= 160.0 - 1e-6
    model.data.start = start
    assert _solve_data(model.data) == pytest.approx(160.0, abs=1e-6)


def test_is_feasible_rejects_a_broken_plan() -> None:
    inst = trustsource.Instance.from_dict(_three_suppliers(), origin="hand")
    model = build_model(inst)
    start = first_incumbent(model.data)
    assert start is not None
    broken = np.zeros_like(start)  # no supply at all: the balance row fails
    assert not is_feasible(model.data, broken)
    assert not is_feasible(model.data, start[:-1])


@pytest.mark.parametrize("name", ["cap41", "cap71", "cap101", "cap131"])
def test_orlib_start_is_feasible_and_optimum_unchanged(name: str) -> None:
    published = orlib.published_optima(ORLIB / "optimal.csv")[name]
    doc = orlib.to_instance_doc(orlib.read_orlib(ORLIB / f"{name}.txt"))
    inst = trustsource.Instance.from_dict(doc, origin=name)
    model = build_model(inst)
    start = first_incumbent(model.data)
    assert start is not None
    assert is_feasible(model.data, start)
    cost = model.data.column_arrays()[0]
    assert float(cost @ start) >= published * (1 - 1e-6)
    model.data.start = start
    assert orlib.rel_error(_solve_data(model.data), published) <= orlib.REL_TOL
    plan = trustsource.solve(inst, mip_rel_gap=0.0)
    assert orlib.rel_error(plan.objective, published) <= orlib.REL_TOL
