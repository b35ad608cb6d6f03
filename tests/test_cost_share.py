"""Cost-share rules: ``measure: cost`` on ``country_cap`` and ``bloc_share``.

Hand cases (demand 100; supplier a in AU at price 1, b in US at price 3, capacity 100 each unless
said): with equal quantities the dearer supplier has 50 % of the quantity and 75 % of the cost; a
cost cap of 50 % on every country forces 1 * x_a = 3 * x_b, so x = (75, 25) and the cost is 150.
Property: on random small instances the optimum equals an LP written here independently
(scipy's linprog on the cost-share inequalities), on both hand-off routes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trustsource
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from trustsource.verify import verify

BACKENDS = ("highspy", "pyomo")


def doc(
    rules: list[dict[str, Any]], caps: tuple[float, float] = (100, 100), **extra: Any
) -> dict[str, Any]:
    return {
        "trustsource": 1,
        "name": "cost-share",
        "items": [{"id": "w", "demand": 100}],
        "suppliers": [
            {"id": "a", "item": "w", "country": "AU", "unit_cost": 1, "capacity": caps[0]},
            {"id": "b", "item": "w", "country": "US", "unit_cost": 3, "capacity": caps[1]},
        ],
        "rules": rules,
        **extra,
    }


CAP_50 = {"name": "cost-cap", "kind": "country_cap", "max_share": 0.5, "measure": "cost"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_cost_cap_forces_three_to_one(backend: str) -> None:
    inst = trustsource.Instance.from_dict(doc([CAP_50]))
    plan = trustsource.solve(inst, mip_rel_gap=0, backend=backend)
    assert plan.objective == pytest.approx(150.0)
    q = plan.allocations.set_index("supplier")["quantity"]
    assert q["a"] == pytest.approx(75.0)
    assert q["b"] == pytest.approx(25.0)
    # The rule report reads cost shares: both countries at 50 % of the cost.
    assert plan.rules["achieved"].tolist() == pytest.approx([0.5])
    assert not verify(inst, q.to_dict(), objective=plan.objective)


def test_cost_share_is_not_the_quantity_share(tmp_path: Path) -> None:
    # Both suppliers full (50 each): the US has 50 % of the quantity but 75 % of the cost.
    rules = [{"name": "cost-cap", "kind": "country_cap", "max_share": 0.8, "measure": "cost"}]
    path = tmp_path / "i.json"
    path.write_text(json.dumps(doc(rules, caps=(50, 50))), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "trustsource", "solve", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(out)
    (row,) = result["rules"]
    assert row["scope"] == "US"
    assert row["achieved"] == pytest.approx(0.75)
    shares = {a["supplier"]: a["share"] for a in result["allocations"]}
    assert shares == pytest.approx({"a": 0.5, "b": 0.5})


def test_the_verifier_reads_cost_shares() -> None:
    inst = trustsource.Instance.from_dict(doc([CAP_50]))
    (bad,) = verify(inst, {"a": 50.0, "b": 50.0})
    assert bad.check == "country_cap"
    assert bad.subject == "US"
    assert "US's cost share 75.0 % > 50.0 %" in bad.message
    assert "USD over" in bad.message
    assert not verify(inst, {"a": 75.0, "b": 25.0})


@pytest.mark.parametrize("backend", BACKENDS)
def test_price_tiers_count_in_the_cost(backend: str) -> None:
    # a: 1 a unit up to 50, then 2 (incremental). Equal costs: 50 + 2 (x - 50) = 3 (100 - x)
    # -> x = 70, each side 90, total 180.
    d = doc([CAP_50])
    d["suppliers"][0].pop("unit_cost")
    d["suppliers"][0]["price_tiers"] = {
        "mode": "incremental",
        "breaks": [{"from": 0, "price": 1}, {"from": 50, "price": 2}],
    }
    plan = trustsource.solve(trustsource.Instance.from_dict(d), mip_rel_gap=0, backend=backend)
    assert plan.objective == pytest.approx(180.0)


def test_tariffs_count_in_the_cost() -> None:
    # A 50 % tariff on the US: b costs 4.5; x = 4.5 (100 - x) -> x = 450 / 5.5; total 2x.
    inst = trustsource.Instance.from_dict(doc([CAP_50], tariffs={"US": 0.5}))
    plan = trustsource.solve(inst, mip_rel_gap=0)
    assert plan.objective == pytest.approx(2 * 450 / 5.5)


def test_bloc_floor_on_cost_and_its_price() -> None:
    # US at least 50 % of the cost: the same 75/25 plan (150); the cheapest plan without the
    # rule is all from a (100), so explain prices the rule at 50.
    rule = {
        "name": "us-cost",
        "kind": "bloc_share",
        "bloc": "US",
        "min_share": 0.5,
        "measure": "cost",
    }
    inst = trustsource.Instance.from_dict(doc([rule]))
    result = trustsource.explain(inst)
    row = result.to_frame().set_index("rule").loc["us-cost"]
    assert row["price"] == pytest.approx(50.0)
    assert "cost share" in row["effect_without"]


offers = st.lists(
    st.tuples(
        st.sampled_from(["AU", "US", "JP"]), st.integers(1, 9), st.integers(10, 80)
    ),  # country, price, capacity
    min_size=2,
    max_size=5,
)


def reference(rows: list[tuple[str, int, int]], alpha: float) -> float | None:
    """The LP min p.x, sum x = 100, 0 <= x <= cap, and for each country c
    sum_{s in c} p_s x_s <= alpha sum_s p_s x_s, solved by scipy (no trustsource code)."""
    p = np.array([r[1] for r in rows], dtype=float)
    countries = sorted({r[0] for r in rows})
    a_ub = [
        [p[k] * ((r[0] == c) - alpha) for k, r in enumerate(rows)]
        for c in countries  # sum_c p x - alpha sum p x <= 0
    ]
    res = linprog(
        p,
        A_ub=np.array(a_ub),
        b_ub=np.zeros(len(countries)),
        A_eq=np.ones((1, len(rows))),
        b_eq=[100.0],
        bounds=[(0, r[2]) for r in rows],
        method="highs",
    )
    return float(res.fun) if res.status == 0 else None


@settings(max_examples=40, deadline=None)
@given(offers, st.sampled_from([0.4, 0.5, 0.7, 1.0]), st.sampled_from(BACKENDS))
def test_matches_an_independent_lp(
    rows: list[tuple[str, int, int]], alpha: float, backend: str
) -> None:
    d = {
        "trustsource": 1,
        "items": [{"id": "w", "demand": 100}],
        "suppliers": [
            {"id": f"s{k}", "item": "w", "country": c, "unit_cost": p, "capacity": cap}
            for k, (c, p, cap) in enumerate(rows)
        ],
        "rules": [{"kind": "country_cap", "max_share": alpha, "measure": "cost"}],
    }
    inst = trustsource.Instance.from_dict(d)
    want = reference(rows, alpha)
    plan = trustsource.solve(inst, mip_rel_gap=0, backend=backend)
    if want is None:
        assert plan.status == "infeasible"
    else:
        assert plan.status == "optimal"
        assert plan.objective == pytest.approx(want, rel=1e-6, abs=1e-6)
