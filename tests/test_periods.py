"""Periodic instances: hand-computed optima (the issue's checks), the plain-instance
equivalence, discounting, qualification, cover, windows, shortfall, glide and diagnose.

Every reference solve sets the MIP gap to 0 and compares objectives, not flows.
"""

from __future__ import annotations

import numpy as np
import pytest
import trustsource
from periods_cases import EXACT, INSTANCES
from periods_cases import build_case as _build_case
from periods_cases import doc as _doc
from periods_cases import solve as _solve
from trustsource.status import Status

# --- the checks of the issue, by hand -----------------------------------------------------------


def test_build_in_the_first_year_to_meet_the_cap_in_the_second() -> None:
    # 2026: 100 from CN (100); 2027: CN 50 (50) + US 50 (100); the build, decided in 2026: 100.
    plan = _solve(_build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5}))
    assert plan.status is Status.OPTIMAL
    assert plan.objective == pytest.approx(350.0)
    assert plan.builds.to_dict("records") == [
        {
            "supplier": "us",
            "item": "ga",
            "country": "US",
            "decided": 2026,
            "usable_from": 2027,
            "capacity": 100.0,
            "capex": 100.0,
        }
    ]
    assert plan.costs["cost"].sum() == pytest.approx(plan.objective)
    assert set(plan.allocations["period"]) == {2026, 2027}


def test_buy_ahead_into_stock_when_the_price_rises() -> None:
    # Price 1 then 3, holding 0.5 a unit-year: buy 200 in year one, hold 100: 200 + 50 = 250.
    doc = _doc(
        periods=[2026, 2027],
        items=[{"id": "ga", "demand": 100}],
        suppliers=[
            {"id": "cn", "item": "ga", "country": "CN", "unit_cost": {2026: 1, 2027: 3}},
        ],
        stockpiles=[{"item": "ga", "max": 1000, "holding_cost": 0.5}],
    )
    plan = _solve(doc)
    assert plan.objective == pytest.approx(250.0)
    stock = plan.stock.set_index("period")
    assert stock.loc[2026, "end"] == pytest.approx(100.0)
    assert stock.loc[2027, "end"] == pytest.approx(0.0)


def test_a_lead_time_too_long_for_the_cap_is_infeasible_and_said() -> None:
    doc = _build_case(2, [2026, 2027, 2028], {2026: 1.0, 2027: 0.5})
    inst = trustsource.Instance.from_dict(doc)
    plan = trustsource.solve(inst, **EXACT)
    assert plan.status is Status.INFEASIBLE
    diag = trustsource.diagnose(inst)
    assert diag.status == "infeasible"
    text = " ".join(diag.messages)
    assert "2027" in text
    assert "`cap`" in text
    assert "lead time is 2 years" in text
    assert "usable from 2028" in text
    res = trustsource.glide(inst, "cap", workers=1, mip_rel_gap=0.0)
    assert res.earliest == 2028
    assert res.target == 0.5
    assert res.blocked_year == 2027
    assert any("lead time is 2 years" in m for m in res.blocked)
    # Deadline 2028: 2026 and 2027 all from CN (200), 2028 CN 50 + US 100 + capex 100.
    row = res.table.set_index("deadline").loc[2028]
    assert row["objective"] == pytest.approx(450.0)


def test_glide_prices_each_period_earlier() -> None:
    # Lead time 1 over three years, target 0.5 from the deadline: deadline 2027 costs
    # 100 + 150 + 150 + capex 100 = 500; deadline 2028 costs 100 + 100 + 150 + 100 = 450.
    doc = _build_case(1, [2026, 2027, 2028], {2026: 1.0})
    res = trustsource.glide(
        trustsource.Instance.from_dict(doc), "cap", 0.5, workers=1, mip_rel_gap=0.0
    )
    t = res.table.set_index("deadline")
    assert res.earliest == 2027
    assert t.loc[2026, "status"] == "infeasible"
    assert t.loc[2027, "objective"] == pytest.approx(500.0)
    assert t.loc[2028, "objective"] == pytest.approx(450.0)
    assert t.loc[2027, "forward_cost"] == pytest.approx(50.0)
    assert t.loc[2027, "extra_cost"] == pytest.approx(50.0)
    path = res.path().set_index("period")
    # The path from the first period: CN all of 2026 (no cap yet), at the cap from 2027.
    assert path.loc[2026, "achieved"] == pytest.approx(1.0)
    assert np.isnan(path.loc[2026, "limit"])
    assert path.loc[2027, "achieved"] == pytest.approx(0.5)
    assert path.loc[2028, "limit"] == 0.5


@pytest.mark.parametrize("name", ["gallium-demo", "critical-minerals", "chips", "energy"])
def test_one_period_equals_the_plain_instance(name: str) -> None:
    inst = trustsource.load(INSTANCES / f"{name}.yaml")
    doc = inst.to_dict()
    doc["periods"] = [2026]
    periodic = trustsource.Instance.from_dict(doc)
    plain = trustsource.solve(inst, **EXACT)
    one = trustsource.solve(periodic, **EXACT)
    assert one.status is plain.status is Status.OPTIMAL
    assert one.objective == pytest.approx(plain.objective, rel=1e-9)
    assert not one.violations


def test_rate_zero_is_the_undiscounted_sum_and_a_rate_discounts_by_year() -> None:
    base = _build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})
    flat = _solve(base)
    assert flat.costs["nominal"].sum() == pytest.approx(flat.objective)
    # At 10 %: 100 + capex 100 in 2026, then 150 discounted one year.
    disc = _solve({**base, "discount_rate": 0.1})
    assert disc.objective == pytest.approx(200.0 + 150.0 / 1.1)


def test_a_period_lasts_until_the_next() -> None:
    # 2026 stands for 2026-2027 (two years of 100 at 1), 2028 for one year: 300.
    doc = _doc(
        periods=[2026, 2028],
        items=[{"id": "x", "demand": 100}],
        suppliers=[{"id": "a", "item": "x", "country": "DE", "unit_cost": 1}],
    )
    assert _solve(doc).objective == pytest.approx(300.0)
    # Discounted: 100 + 100/1.1 for the first period's two years, 100/1.21 for 2028.
    disc = _solve({**doc, "discount_rate": 0.1})
    assert disc.objective == pytest.approx(100 + 100 / 1.1 + 100 / 1.21)


def test_qualification_is_paid_once_in_the_first_period_used() -> None:
    # The fixed-cost supplier is needed only in 2027 (its price there beats the free one).
    doc = _doc(
        periods=[2026, 2027, 2028],
        discount_rate=0.1,
        items=[{"id": "x", "demand": 10}],
        suppliers=[
            {
                "id": "q",
                "item": "x",
                "country": "DE",
                "unit_cost": {2026: 9, 2027: 1},
                "fixed_cost": 5,
            },
            {"id": "f", "item": "x", "country": "FR", "unit_cost": 3},
        ],
    )
    plan = _solve(doc)
    # 2026: 30 from f; 2027: q qualified (5/1.1) and 10/1.1; 2028: 10/1.21.
    assert plan.objective == pytest.approx(30 + 5 / 1.1 + 10 / 1.1 + 10 / 1.21)
    qual = plan.costs[plan.costs["component"] == "qualification"]
    assert qual["period"].tolist() == [2027]


def test_min_cover_keeps_days_of_demand_in_stock() -> None:
    doc = _doc(
        periods=[2026, 2027],
        items=[{"id": "x", "demand": 365}],
        suppliers=[{"id": "a", "item": "x", "country": "DE", "unit_cost": 1}],
        stockpiles=[{"item": "x", "max": 100, "min_cover_days": 20, "holding_cost": 1}],
    )
    plan = _solve(doc)
    # 20 days of 365 a year = 20 units at the end of each period: 365 + 20 (+20 held) + 365.
    assert plan.stock["end"].tolist() == pytest.approx([20.0, 20.0])
    assert plan.objective == pytest.approx(385 + 20 + 365 + 20)


def test_rule_windows_apply_only_between_from_and_until() -> None:
    doc = _doc(
        periods=[2026, 2027, 2028],
        items=[{"id": "x", "demand": 10}],
        suppliers=[
            {"id": "cn", "item": "x", "country": "CN", "unit_cost": 1},
            {"id": "de", "item": "x", "country": "DE", "unit_cost": 2},
        ],
        rules=[{"kind": "country_cap", "max_share": 0.5, "from": 2027, "until": 2027}],
    )
    plan = _solve(doc)
    assert plan.objective == pytest.approx(10 + 15 + 10)
    inst = trustsource.Instance.from_dict(doc)
    assert [len(inst.at(y).rules) for y in (2026, 2027, 2028)] == [0, 1, 0]


def test_several_builds_and_stockpiles_share_their_blocks() -> None:
    # Two items, each with a build option and a stockpile: each a copy of the first check
    # (350) plus a stock that is never worth holding.
    doc = _build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})
    doc["items"].append({"id": "ge", "demand": 100})
    doc["suppliers"] += [{**s, "id": f"{s['id']}-ge", "item": "ge"} for s in list(doc["suppliers"])]
    doc["stockpiles"] = [
        {"item": "ga", "max": 10, "holding_cost": 5},
        {"item": "ge", "max": 10, "holding_cost": 5},
    ]
    plan = _solve(doc)
    assert plan.objective == pytest.approx(700.0)
    assert sorted(plan.builds["supplier"]) == ["us", "us-ge"]
    assert sorted(plan.stock["item"].unique()) == ["ga", "ge"]


def test_shortfall_is_per_period_and_its_penalty_in_present_value() -> None:
    # 2026: 100 at 1; 2027: 50 at 1 and 50 short at 10, discounted at 10 %: 100 + 550 / 1.1.
    doc = _doc(
        periods=[2026, 2027],
        discount_rate=0.1,
        items=[{"id": "ga", "demand": 100, "shortfall_penalty": 10}],
        suppliers=[
            {
                "id": "cn",
                "item": "ga",
                "country": "CN",
                "unit_cost": 1,
                "capacity": {2026: 100, 2027: 50},
            }
        ],
    )
    plan = _solve(doc)
    assert plan.objective == pytest.approx(100 + 550 / 1.1)
    short = plan.shortfalls
    assert short[["period", "item"]].values.tolist() == [[2027, "ga"]]
    assert short["penalty"].iloc[0] == pytest.approx(500 / 1.1)
    assert plan.shortfall_penalty == pytest.approx(500 / 1.1)
    assert "ga 50.0% short in 2027" in plan.status_text
