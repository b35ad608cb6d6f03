"""Periodic instances: hand-computed optima, the plain-instance equivalence, validation, glide,
diagnose, the CLI, and agreement with an independent model of the periodic equations.

Every reference solve sets the MIP gap to 0 and compares objectives, not flows.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trustsource
import yaml
from test_machine_contract import run_cli
from trustsource.errors import InstanceError
from trustsource.status import Status

EXACT = {"mip_rel_gap": 0.0}
INSTANCES = Path(__file__).resolve().parent.parent / "instances"


def _doc(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"trustsource": 1, "name": "t"}
    doc.update(extra)
    return doc


def _build_case(lead_time: int, years: list[int], cap: dict[int, float]) -> dict[str, Any]:
    """CN unit 1 unlimited; a US build option (unit 2, capacity 100, capex 100)."""
    return _doc(
        periods=years,
        items=[{"id": "ga", "demand": 100}],
        suppliers=[
            {"id": "cn", "item": "ga", "country": "CN", "unit_cost": 1},
            {
                "id": "us",
                "item": "ga",
                "country": "US",
                "unit_cost": 2,
                "build": {"capacity": 100, "capex": 100, "lead_time": lead_time},
            },
        ],
        rules=[{"kind": "country_cap", "name": "cap", "max_share": cap}],
    )


def _solve(doc: dict[str, Any], **kw: Any) -> trustsource.Plan:
    plan = trustsource.solve(trustsource.Instance.from_dict(doc), **{**EXACT, **kw})
    assert not plan.violations, plan.violations
    return plan


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


# --- validation -----------------------------------------------------------------------------------


def _issues(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(InstanceError) as exc:
        trustsource.Instance.from_dict(doc)
    return [str(i) for i in exc.value.issues]


def test_validation_locates_every_periodic_problem_at_once() -> None:
    doc = _doc(
        periods=[2026, 2028],
        items=[{"id": "x", "demand": {2026: 5, 2027: 6}}],
        suppliers=[
            {
                "id": "a",
                "item": "x",
                "country": "DE",
                "unit_cost": 1,
                "build": {"capacity": 5, "lead_time": {2026: 1}},
            },
            {
                "id": "b",
                "item": "x",
                "country": "FR",
                "unit_cost": 1,
                "build": {"capacity": 5, "lead_time": 3},
            },
        ],
        rules=[{"kind": "country_cap", "max_share": 0.5, "from": 2027}],
        stockpiles=[{"item": "y", "max": 10}],
    )
    text = "\n".join(_issues(doc))
    assert "period 2027 is not in periods (2026, 2028)" in text
    assert "items[0]" in text
    assert "[demand]" in text
    assert "[build.lead_time] must be one number for the whole horizon" in text
    assert "a lead time of 3 years cannot fit" in text
    assert "[from] 2027 is not in periods" in text
    assert "[item] unknown item" in text


def test_a_mapping_needs_periods() -> None:
    doc = _doc(
        items=[{"id": "x", "demand": {2026: 5}}],
        suppliers=[{"id": "a", "item": "x", "country": "DE", "unit_cost": 1}],
    )
    (msg,) = _issues(doc)
    assert "items[0]" in msg
    assert "needs a top-level `periods` list" in msg


def test_a_mapping_must_start_by_the_first_period_it_is_needed() -> None:
    doc = _doc(
        periods=[2026, 2027],
        items=[{"id": "x", "demand": {2027: 5}}],
        suppliers=[{"id": "a", "item": "x", "country": "DE", "unit_cost": 1}],
    )
    (msg,) = _issues(doc)
    assert "no value for 2026: the mapping starts in 2027" in msg


def test_periods_must_be_increasing_years() -> None:
    for bad in ([2027, 2026], ["soon"], [26], [2026, 2026]):
        doc = _doc(periods=bad, items=[{"id": "x"}])
        assert _issues(doc)


def test_round_trip_and_variants_keep_the_paths() -> None:
    doc = _build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})
    doc["variants"] = {"loose": {"change": {"cap": {"max_share": {2026: 1.0, 2027: 0.8}}}}}
    inst = trustsource.Instance.from_dict(doc)
    again = trustsource.Instance.from_dict(inst.to_dict())
    assert again.content_hash == inst.content_hash
    assert again.to_dict()["rules"][0]["max_share"] == {2026: 1.0, 2027: 0.5}
    loose = inst.variant("loose")
    assert loose.at(2027).rules[0].max_share == 0.8
    assert _solve(loose.to_dict()).objective == pytest.approx(100 + 80 + 40 + 100)


# --- the CLI (the console script; stdout is the machine contract) ---------------------------


def test_cli_solve_json_carries_periods(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})))
    out = run_cli("solve", path, "--format", "json", "--mip-gap", "0")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["objective"] == pytest.approx(350.0)
    assert data["periods"] == [2026, 2027]
    assert {a["period"] for a in data["allocations"]} == {2026, 2027}
    assert data["builds"][0]["supplier"] == "us"
    text = run_cli("solve", path)
    assert text.returncode == 0
    assert "us (ga, US): decided 2026, usable from 2027" in text.stdout


def test_cli_infeasible_path_diagnose_and_glide(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_build_case(2, [2026, 2027, 2028], {2026: 1.0, 2027: 0.5})))
    assert run_cli("solve", path).returncode == 3
    diag = run_cli("diagnose", path)
    assert diag.returncode == 0
    assert "lead time is 2 years" in diag.stdout
    glide = run_cli("glide", path, "--rule", "cap", "--format", "json", "--out", tmp_path / "g")
    assert glide.returncode == 0, glide.stderr
    data = json.loads(glide.stdout)
    assert data["earliest"] == 2028
    assert [d["status"] for d in data["deadlines"]] == ["infeasible", "infeasible", "optimal"]
    assert {p.name for p in (tmp_path / "g").iterdir()} >= {"glide.json", "glide.png"}
    never = run_cli("glide", path, "--rule", "cap", "--target", "0.3")
    assert never.returncode == 3
    bad = run_cli("glide", path, "--rule", "nope")
    assert bad.returncode == 2
    assert "no rule named 'nope'" in bad.stdout + bad.stderr


# --- agreement with an independent model of the periodic equations ----------------------------


def _independent(doc: dict[str, Any]) -> float | None:
    """The optimum of ``doc`` (one item, one supplier per country, one build option, a
    country cap per period, a stockpile) from a model written here with scipy's MILP."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    years = doc["periods"]
    n_t = len(years)
    rate = doc.get("discount_rate", 0.0)
    lengths = [b - a for a, b in zip(years, years[1:])] + [1]
    w = [
        sum((1 + rate) ** -(y - years[0]) for y in range(y0, y0 + n))
        for y0, n in zip(years, lengths)
    ]
    delta = [(1 + rate) ** -(y - years[0]) for y in years]
    sups = doc["suppliers"]
    n_s = len(sups)
    pile = doc["stockpiles"][0]
    demand = doc["items"][0]["demand"]
    cap_rule = doc["rules"][0]["max_share"]

    def at(v: Any, t: int) -> float:
        if isinstance(v, dict):
            return float(v[max(k for k in v if k <= years[t])])
        return float(v)

    # Columns: x[s,t], q[s,t], b[t], S[t]
    nx, nq = n_s * n_t, n_s * n_t
    X = lambda s, t: s * n_t + t  # noqa: E731
    Q = lambda s, t: nx + s * n_t + t  # noqa: E731
    B = lambda t: nx + nq + t  # noqa: E731
    S = lambda t: nx + nq + n_t + t  # noqa: E731
    n = nx + nq + 2 * n_t
    c = np.zeros(n)
    lb, ub = np.zeros(n), np.full(n, np.inf)
    integ = np.zeros(n)
    rows: list[tuple[dict[int, float], float, float]] = []
    for t in range(n_t):
        for s, sup in enumerate(sups):
            c[X(s, t)] = w[t] * at(sup["unit_cost"], t)
            f_now = sup.get("fixed_cost", 0.0) * delta[t]
            f_next = sup.get("fixed_cost", 0.0) * delta[t + 1] if t + 1 < n_t else 0.0
            c[Q(s, t)] = f_now - f_next
            integ[Q(s, t)], ub[Q(s, t)] = 1, 1
            if t + 1 < n_t:
                rows.append(({Q(s, t): 1.0, Q(s, t + 1): -1.0}, -np.inf, 0.0))
            big = 10 * at(demand, t) + pile["max"]
            cap = at(sup["capacity"], t) if "capacity" in sup else big
            if "build" in sup:
                bld = sup["build"]
                ready = [d for d in range(n_t) if years[d] + bld["lead_time"] <= years[t]]
                terms = {X(s, t): 1.0, **{B(d): -bld["capacity"] for d in ready}}
                rows.append((terms, -np.inf, cap))
                cap = cap + bld["capacity"]
            rows.append(({X(s, t): 1.0, Q(s, t): -min(cap, big)}, -np.inf, 0.0))
            share = at(cap_rule, t)
            rows.append(
                ({**{X(r, t): -share for r in range(n_s)}, X(s, t): 1.0 - share}, -np.inf, 0.0)
            )
        build_sup = next(s for s in sups if "build" in s)
        c[B(t)] = build_sup["build"]["capex"] * delta[t]
        integ[B(t)], ub[B(t)] = 1, 1
        c[S(t)] = pile["holding_cost"] * w[t]
        lb[S(t)] = pile.get("min_cover_days", 0) / 365 * at(demand, t)
        ub[S(t)] = pile["max"]
        terms = {X(s, t): 1.0 for s in range(n_s)}
        terms[S(t)] = -1.0 / lengths[t]
        rhs = at(demand, t)
        if t:
            terms[S(t - 1)] = 1.0 / lengths[t]
        else:
            rhs -= pile.get("initial", 0.0) / lengths[0]
        rows.append((terms, rhs, rhs))
    rows.append(({B(t): 1.0 for t in range(n_t)}, -np.inf, 1.0))
    a = np.zeros((len(rows), n))
    lo, hi = np.zeros(len(rows)), np.zeros(len(rows))
    for k, (terms, l_, u_) in enumerate(rows):
        for j, v in terms.items():
            a[k, j] += v
        lo[k], hi[k] = l_, u_
    res = milp(
        c,
        constraints=LinearConstraint(a, lo, hi),
        integrality=integ,
        bounds=Bounds(lb, ub),
        options={"mip_rel_gap": 0.0},
    )
    return float(res.fun) if res.status == 0 else None


def _random_doc(rng: random.Random) -> dict[str, Any]:
    years = sorted(rng.sample(range(2026, 2034), rng.randint(2, 4)))
    countries = ["CN", "AU", "US", "DE"]
    sups: list[dict[str, Any]] = []
    for k, cc in enumerate(countries[: rng.randint(2, 3)]):
        sup: dict[str, Any] = {
            "id": f"s{k}",
            "item": "x",
            "country": cc,
            "unit_cost": {years[0]: rng.randint(1, 5), years[-1]: rng.randint(1, 5)},
            "capacity": {years[0]: rng.choice([20, 60, 200]), years[-1]: rng.choice([40, 200])},
        }
        if rng.random() < 0.5:
            sup["fixed_cost"] = rng.randint(0, 40)
        sups.append(sup)
    sups.append(
        {
            "id": "new",
            "item": "x",
            "country": "JP",
            "unit_cost": rng.randint(2, 6),
            "capacity": 0,
            "build": {
                "capacity": rng.choice([30, 80]),
                "capex": rng.randint(0, 200),
                "lead_time": rng.randint(0, years[-1] - years[0]),
            },
        }
    )
    return _doc(
        periods=years,
        discount_rate=rng.choice([0.0, 0.05]),
        items=[
            {"id": "x", "demand": {years[0]: rng.randint(20, 60), years[-1]: rng.randint(20, 90)}}
        ],
        suppliers=sups,
        rules=[
            {
                "kind": "country_cap",
                "name": "cap",
                "max_share": {years[0]: 1.0, years[-1]: rng.choice([0.5, 0.6, 0.8])},
            }
        ],
        stockpiles=[
            {
                "item": "x",
                "initial": rng.randint(0, 20),
                "max": rng.choice([20, 50]),
                "holding_cost": rng.choice([0.1, 0.5, 2.0]),
                "min_cover_days": rng.choice([0, 30]),
            }
        ],
    )


@pytest.mark.parametrize("seed", range(30))
def test_random_periodic_instances_agree_with_an_independent_model(seed: int) -> None:
    doc = _random_doc(random.Random(seed))
    expected = _independent(doc)
    plan = trustsource.solve(trustsource.Instance.from_dict(doc), **EXACT)
    if expected is None:
        assert plan.status is Status.INFEASIBLE
        return
    assert plan.status is Status.OPTIMAL, plan.message
    assert not plan.violations
    assert plan.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)


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


def test_a_variant_may_add_a_rule_with_a_path() -> None:
    doc = _build_case(1, [2026, 2027], {2026: 1.0})
    doc["variants"] = {
        "later": {
            "add": [{"kind": "country_cap", "name": "late", "max_share": {2026: 1.0, 2027: 0.5}}]
        }
    }
    inst = trustsource.Instance.from_dict(doc).variant("later")
    assert [r.name for r in inst.at(2027).rules] == ["cap", "late"]
    assert _solve(inst.to_dict()).objective == pytest.approx(350.0)


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


def test_analyses_run_on_a_periodic_instance_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})))
    gap = ("--mip-gap", "0")
    # explain: the cap costs 350 - 200 (all from CN, nothing built) over the horizon.
    exp = run_cli("explain", path, "--format", "json", *gap)
    assert exp.returncode == 0, exp.stderr
    rule = json.loads(exp.stdout)["rules"][0]
    assert (rule["rule"], rule["cost_without"], rule["price"]) == ("cap", 200.0, 150.0)
    assert "2027" in rule["effect_without"]
    # sweep: the cap at 50 % and at 100 % in every period.
    sw = run_cli(
        "sweep",
        path,
        "--rule",
        "cap",
        "--param",
        "max_share",
        "--from",
        "0.5",
        "--to",
        "1",
        "--step",
        "0.5",
        "--format",
        "json",
        *gap,
    )
    assert sw.returncode == 0, sw.stderr
    points = {p["value"]: (p["status"], p["cost"]) for p in json.loads(sw.stdout)["points"]}
    assert points[0.5][0] == "infeasible"
    assert points[1.0] == ("optimal", pytest.approx(200.0))
    # stress: losing CN leaves 2026 short (nothing can be built in time); the period is named.
    st = run_cli("stress", path, "--format", "json")
    assert st.returncode == 0, st.stderr
    short = [s for s in json.loads(st.stdout)["shortfalls"] if s["scenario"] == "CN"]
    assert {s["period"] for s in short} >= {2026}
    # compare and report run and name the path.
    assert run_cli("compare", path).returncode == 0
    rep = run_cli("report", path, "--out", tmp_path / "r.html")
    assert rep.returncode == 0, rep.stderr
    assert "period by period" in (tmp_path / "r.html").read_text(encoding="utf-8")
