"""``hhi_cap`` does not depend on the scale of the quantities (issue 11, defect 7).

Four suppliers of item ``a`` in US, CN, DE, JP at unit costs 1, 2, 3, 4, ``max_hhi: 2600,
tolerance: 0.01``. At demand 0.001 the cut loop used to end in status error after 200 re-solves:
its cut rows were in quantity units, and HiGHS's absolute feasibility tolerance (1e-7) is a tenth
of a percent of a 0.001 supply, an HHI error near a point. The rows are now in share units where
that is tighter, so the plan in shares is the same at every scale.

The reference optimum by hand. In shares s (sum 1, no capacities) the problem is

    min c.s  s.t.  sum s = 1,  ||s||^2 <= h = 0.26.

Its solution lies on the circle of the cap around the equal split: s = 1/4 - r (c - mean c) /
||c - mean c|| with r = sqrt(h - 1/4) = 0.1; c - mean c = (-1.5, -0.5, 0.5, 1.5), norm sqrt(5);
so s = 0.25 + 0.1 (1.5, 0.5, -0.5, -1.5) / sqrt(5) (all positive: the bounds do not bind) and the
cost per unit of demand is mean c - r sqrt(5) = 2.5 - 0.1 sqrt(5) = 2.27639320... With the rule's
tolerance the plan may sit at HHI 2600.01, i.e. r' = sqrt(0.260001 - 0.25): the cost per unit lies
in [2.5 - r' sqrt(5), 2.5 - r sqrt(5)], and the total cost is that times the demand.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trustsource
from test_machine_contract import run_cli

BACKENDS = ("highspy", "pyomo")
DEMANDS = (1e-3, 1.0, 1e6, 1e9)
COUNTRIES = ("US", "CN", "DE", "JP")
COSTS = np.array([1.0, 2.0, 3.0, 4.0])
MAX_HHI, TOLERANCE = 2600.0, 0.01

# The hand optimum (module docstring).
_SPREAD = COSTS - COSTS.mean()
_NORM = math.sqrt(float(_SPREAD @ _SPREAD))  # sqrt(5)
R_CAP = math.sqrt(MAX_HHI / 10_000 - 0.25)  # 0.1
R_TOL = math.sqrt((MAX_HHI + TOLERANCE) / 10_000 - 0.25)
SHARES = 0.25 - R_CAP * _SPREAD / _NORM
UNIT_HIGH = float(COSTS.mean() - R_CAP * _NORM)  # the cost at HHI 2600 exactly
UNIT_LOW = float(COSTS.mean() - R_TOL * _NORM)  # at HHI 2600.01


def document(demand: float) -> dict[str, Any]:
    return {
        "trustsource": 1,
        "items": [{"id": "a", "demand": demand}],
        "suppliers": [
            {"id": f"s{k + 1}", "item": "a", "country": c, "unit_cost": float(COSTS[k])}
            for k, c in enumerate(COUNTRIES)
        ],
        "rules": [{"kind": "hhi_cap", "name": "hhi", "max_hhi": MAX_HHI, "tolerance": TOLERANCE}],
    }


def shares_of(rows: list[dict[str, Any]]) -> np.ndarray:
    """Shares by country in the order of COUNTRIES, from allocation rows."""
    by = dict.fromkeys(COUNTRIES, 0.0)
    for r in rows:
        by[r["country"]] += float(r["quantity"])
    total = sum(by.values())
    return np.array([by[c] / total for c in COUNTRIES])


def hhi(shares: np.ndarray) -> float:
    return float(10_000 * (shares @ shares))


def check(status: str, objective: float, shares: np.ndarray, demand: float) -> None:
    """Optimal, within the cap's tolerance, the hand shares, cost linear in demand."""
    assert status == "optimal"
    assert hhi(shares) <= MAX_HHI + TOLERANCE + 1e-6
    # Shares on the cap's boundary near the hand optimum: within the tolerance's reach.
    np.testing.assert_allclose(shares, SHARES, atol=5e-4)
    assert UNIT_LOW * (1 - 1e-9) <= objective / demand <= UNIT_HIGH * (1 + 1e-9)


def test_hand_optimum() -> None:
    """The reference itself: on the cap, shares sum to one and beat the equal split."""
    assert SHARES.sum() == pytest.approx(1.0)
    assert hhi(SHARES) == pytest.approx(MAX_HHI)
    assert (SHARES > 0).all()
    assert UNIT_HIGH == pytest.approx(2.5 - 0.1 * math.sqrt(5))
    assert float(COSTS @ SHARES) == pytest.approx(UNIT_HIGH)


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_shares_at_every_scale_api(backend: str) -> None:
    per_unit = []
    plans_shares = []
    for demand in DEMANDS:
        inst = trustsource.Instance.from_dict(document(demand))
        plan = trustsource.solve(inst, mip_rel_gap=0, backend=backend)
        assert plan.status.value == "optimal", (demand, plan.message)
        assert not plan.violations
        shares = shares_of(plan.allocations.to_dict(orient="records"))
        assert plan.objective is not None
        check(plan.status.value, plan.objective, shares, demand)
        # The rules table reports the achieved HHI in points, within tolerance.
        row = plan.rules[plan.rules["rule"] == "hhi"].iloc[0]
        assert float(row["achieved"]) <= MAX_HHI + TOLERANCE + 1e-6
        per_unit.append(plan.objective / demand)
        plans_shares.append(shares)
    # Linear in demand: the same cost per unit and the same shares at every scale.
    assert max(per_unit) - min(per_unit) <= (UNIT_HIGH - UNIT_LOW) + 1e-12
    for shares in plans_shares[1:]:
        np.testing.assert_allclose(shares, plans_shares[0], atol=5e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_small_demand_cli(tmp_path: Path, backend: str) -> None:
    """The exact case of the issue through the console script: demand 0.001 is optimal."""
    for demand in (1e-3, 1e9):
        path = tmp_path / f"hhi-{demand:g}.json"
        path.write_text(json.dumps(document(demand)), encoding="utf-8")
        proc = run_cli("solve", path, "--format", "json", "--mip-gap", "0", "--backend", backend)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        check(out["status"], out["objective"], shares_of(out["allocations"]), demand)
        assert out["hhi_iterations"] < 200


def test_cut_rows_in_share_units_below_one() -> None:
    """The cut rows at demand 0.001 are the rows at demand 1 divided by the supply scale."""
    from trustsource.model.build import build_model
    from trustsource.solve.cuts import hhi_cuts

    cuts = {}
    for demand in (1e-3, 1.0, 1e6):
        model = build_model(trustsource.Instance.from_dict(document(demand)))
        col = np.zeros(model.data.n_cols)
        col[model.ctx.x] = demand * np.array([0.7, 0.1, 0.1, 0.1])  # HHI 5200: above the cap
        col[model.ctx.supply] = demand
        cuts[demand] = hhi_cuts(model, col)
        assert cuts[demand]
    assert [c.scale for c in cuts[1e-3]] == [1e-3] * len(cuts[1e-3])
    assert [c.scale for c in cuts[1e6]] == [1.0] * len(cuts[1e6])
    for small, unit, large in zip(cuts[1e-3], cuts[1.0], cuts[1e6]):
        np.testing.assert_allclose(small.vals * 1e-3, unit.vals)
        np.testing.assert_allclose(large.vals, unit.vals)  # never below 1e-9 at 1e9 units
        assert small.hhi == pytest.approx(5200)


@pytest.mark.parametrize("demand", [1e-3, 1.0, 1e6])
def test_hhi_price_scales_with_demand(demand: float) -> None:
    """The LP price of the cap per HHI step is linear in demand (cut rows in share units have
    their duals scaled back). By hand: cost per unit of demand is 2.5 - sqrt(H/1e4 - 1/4) sqrt(5),
    so d cost / d H = sqrt(5) / (2 sqrt(H/1e4 - 1/4)) / 1e4 per point and unit; the price per
    step of 100 points is 100 sqrt(5) / (2 * 0.1) / 1e4 = 0.1118 per unit of demand (the tangent
    cuts approximate the curve, so within 2 %)."""
    expected = 100 * _NORM / (2 * R_CAP) / 10_000
    inst = trustsource.Instance.from_dict(document(demand))
    marginal = trustsource.explain(inst).marginal
    row = marginal[marginal["rule"] == "hhi"].iloc[0]
    assert row["lp_marginal_per_pp"] / demand == pytest.approx(expected, rel=0.02)
