"""Alternatives (issue 16): ranges of shares within a cost slack and diverse plans.

* hand-computed ranges (the arithmetic is in each test's comment): the issue's two-source case,
  a qualification cost that makes a supplier all-or-nothing, a ``country_cap``, a ``ban``
  (excluded), groups by supplier and by instance-defined bloc, and a ``shortfall_penalty`` that
  lets the item's total supply move (the Dinkelbach path);
* slack 0 gives the unique optimum's shares;
* properties on small random instances (hypothesis): ranges widen with the slack, and agree with
  an independent brute force (every qualification choice enumerated, each LP solved by
  ``scipy.optimize.linprog``);
* every diverse plan is verified and within the budget;
* the Python API: exported, and the same ranges with one process or two.

The command line is tested in ``tests/test_alternatives_cli.py``. Reference solves use
``mip_rel_gap=0``; shares are compared, never flows.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import trustsource
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from trustsource.errors import InstanceError

ROOT = Path(__file__).resolve().parents[1]
EXACT: dict[str, Any] = {"mip_rel_gap": 0.0, "workers": 1}
TOL = 1e-4  # the default share_tol: a proven range end is exact to this
ROOM = 1e-7  # the absolute room near.py adds to the budget (BUDGET_ROOM)

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Offer = tuple[str, str, float, float] | tuple[str, str, float, float, dict[str, Any]]


def _inst(
    offers: Sequence[Offer],
    rules: Sequence[dict[str, Any]] = (),
    item: dict[str, Any] | None = None,
    **extra: Any,
) -> trustsource.Instance:
    """One item ``w`` (demand 100 unless ``item`` says otherwise) and its offers
    ``(id, country, unit_cost, capacity[, more keys])``."""
    suppliers = [
        {
            "id": o[0],
            "item": "w",
            "country": o[1],
            "unit_cost": o[2],
            "capacity": o[3],
            **(o[4] if len(o) > 4 else {}),  # type: ignore[misc]
        }
        for o in offers
    ]
    doc: dict[str, Any] = {
        "trustsource": 1,
        "name": "hand",
        "items": [item or {"id": "w", "demand": 100}],
        "suppliers": suppliers,
        "rules": list(rules),
        **extra,
    }
    return trustsource.Instance.from_dict(doc)


def _ranges(result: Any) -> dict[str, tuple[float, float, float, str, bool]]:
    """key -> (optimum_share, min_share, max_share, role, proven) of a one-item result."""
    return {
        r["key"]: (r["optimum_share"], r["min_share"], r["max_share"], r["role"], r["proven"])
        for r in result.ranges.to_dict("records")
    }


def _expect(result: Any, expected: dict[str, tuple[float, float, float, str]]) -> None:
    """Every expected group's (optimum, min, max, role), proven, to the share tolerance."""
    got = _ranges(result)
    for key, (opt, lo, hi, role) in expected.items():
        g_opt, g_lo, g_hi, g_role, proven = got[key]
        assert g_opt == pytest.approx(opt, abs=1e-6), key
        assert g_lo == pytest.approx(lo, abs=TOL), key
        assert g_hi == pytest.approx(hi, abs=TOL), key
        assert g_role == role, key
        assert proven, key


def _check_plans(result: Any) -> None:
    """Every diverse plan is verified, within the budget (plus near.py's round-off room) and
    ``extra_share <= slack`` to the same room."""
    base = float(result.optimum.objective)
    for alt in result.plans:
        assert alt.plan.verified, [v.message for v in alt.plan.violations]
        assert not alt.plan.violations
        cost = float(alt.plan.objective)
        assert cost <= result.budget * (1 + 1e-9) + ROOM
        assert alt.extra_cost == pytest.approx(cost - base, abs=1e-6)
        assert alt.extra_share <= result.slack + (ROOM + 1e-9 * result.budget) / abs(base)
        assert alt.extra_share >= -1e-9


# --- hand-computed cases --------------------------------------------------------------------


TWO = [("cn", "CN", 1, 100), ("us", "US", 1.1, 100)]


def test_the_issue_case_two_sources() -> None:
    # Demand 100; CN 1/unit, US 1.1/unit, 100 each. Optimum: all CN, cost 100. Slack 5 %:
    # budget 105; each unit moved to the US costs 0.1, so at most 5 / 0.1 = 50 units move.
    # CN [0.5, 1.0] (every plan buys from it: must-have); US [0, 0.5] (swappable).
    result = trustsource.alternatives(_inst(TWO), slack=0.05, count=2, **EXACT)
    assert result.optimum.objective == pytest.approx(100)
    assert result.budget == pytest.approx(105)
    _expect(result, {"CN": (1.0, 0.5, 1.0, "must-have"), "US": (0.0, 0.0, 0.5, "swappable")})
    assert result.proven
    assert result.items == ["w"]
    assert set(result.ranges["by"]) == {"country"}
    assert len(result.roles("must-have")) == 1
    assert result.roles("must-have")["key"].tolist() == ["CN"]
    assert result.plans  # the plan that moves 50 units to the US
    _check_plans(result)
    assert max(alt.extra_share for alt in result.plans) == pytest.approx(0.05, abs=1e-6)


# CN 1/unit, 100; US 0.9/unit, 100, qualification 20. Any US purchase x pays 20:
# cost = (100 - x) + 0.9 x + 20 = 120 - 0.1 x. Optimum: all CN, 100 (all US would be 110).
# Budget 100 (1 + s): the US is usable iff 120 - 0.1 x <= 100 (1 + s), x >= 200 - 1000 s.
# s = 0.05: x >= 150 > 100, impossible: US excluded, CN [1, 1].
# s = 0.12: x >= 80: the US takes nothing or 80-100 units (all-or-nothing in between),
#   so US [0, 1] and CN [0, 1], both swappable.
FIXED = [("cn", "CN", 1, 100), ("us", "US", 0.9, 100, {"fixed_cost": 20})]


def test_a_qualification_cost_excludes_a_supplier_within_a_small_slack() -> None:
    result = trustsource.alternatives(_inst(FIXED), slack=0.05, count=2, **EXACT)
    _expect(result, {"CN": (1.0, 1.0, 1.0, "must-have"), "US": (0.0, 0.0, 0.0, "excluded")})
    assert result.plans == []  # no other plan exists within 5 %
    assert result.plans_note


def test_a_qualification_cost_makes_a_supplier_all_or_nothing() -> None:
    result = trustsource.alternatives(_inst(FIXED), slack=0.12, count=3, **EXACT)
    _expect(result, {"CN": (1.0, 0.0, 1.0, "swappable"), "US": (0.0, 0.0, 1.0, "swappable")})
    _check_plans(result)
    for alt in result.plans:  # any plan that buys from the US buys at least 80 units there
        us = alt.shares[alt.shares["key"] == "US"]["share"]
        assert us.empty or float(us.iloc[0]) >= 0.8 - 1e-6


# Demand 100; CN 1, US 1.2, JP 1.5 per unit, 100 each; country_cap 0.6 (every country).
# Optimum: CN 60, US 40, cost 108. Slack 5 %: budget 113.4, room 5.4.
# CN max 0.6 (the cap). CN min: move CN to the US (+0.2/unit) up to the US cap (20 units, 4.0),
#   then to JP (+0.5/unit) with the 1.4 left: 2.8 units; CN = 60 - 22.8 = 37.2 -> 0.372.
# US max 0.6 (20 more units cost 4.0 <= 5.4). US min: US -> JP (+0.3/unit, CN is full):
#   5.4 / 0.3 = 18 units; US 22 -> 0.22.
# JP max: US -> JP, 18 units -> 0.18; JP min 0.
CAPPED = [("cn", "CN", 1, 100), ("us", "US", 1.2, 100), ("jp", "JP", 1.5, 100)]
CAP = [{"name": "cap", "kind": "country_cap", "max_share": 0.6}]


def test_a_country_cap() -> None:
    result = trustsource.alternatives(_inst(CAPPED, CAP), slack=0.05, count=3, **EXACT)
    assert result.optimum.objective == pytest.approx(108)
    _expect(
        result,
        {
            "CN": (0.6, 0.372, 0.6, "must-have"),
            "US": (0.4, 0.22, 0.6, "must-have"),
            "JP": (0.0, 0.0, 0.18, "swappable"),
        },
    )
    _check_plans(result)
    for alt in result.plans:  # the cap holds in every plan
        assert float(alt.shares["share"].max()) <= 0.6 + 1e-6


def test_slack_zero_gives_the_unique_optimum() -> None:
    # The capped optimum (CN 60, US 40) is the only plan of cost 108: every range is a point.
    result = trustsource.alternatives(_inst(CAPPED, CAP), slack=0.0, count=2, **EXACT)
    table = result.ranges
    assert np.allclose(table["min_share"], table["optimum_share"], atol=TOL)
    assert np.allclose(table["max_share"], table["optimum_share"], atol=TOL)
    assert dict(zip(table["key"], table["optimum_share"].round(6))) == {
        "CN": 0.6,
        "US": 0.4,
        "JP": 0.0,
    }
    assert result.plans == []  # nothing differs from the optimum
    assert result.plans_note


def test_a_banned_country_is_excluded() -> None:
    # CN 1, US 2, JP 2.2 per unit, 100 each; CN banned. Optimum: all US, 200. Slack 5 %: room
    # 10, US -> JP costs 0.2/unit: 50 units. US [0.5, 1], JP [0, 0.5], CN [0, 0] (excluded).
    offers = [("cn", "CN", 1, 100), ("us", "US", 2, 100), ("jp", "JP", 2.2, 100)]
    ban = [{"kind": "ban", "countries": ["CN"]}]
    result = trustsource.alternatives(_inst(offers, ban), slack=0.05, count=2, **EXACT)
    _expect(
        result,
        {
            "US": (1.0, 0.5, 1.0, "must-have"),
            "JP": (0.0, 0.0, 0.5, "swappable"),
            "CN": (0.0, 0.0, 0.0, "excluded"),
        },
    )
    assert result.roles("excluded")["key"].tolist() == ["CN"]
    _check_plans(result)


# Demand 100; cn-a (CN) 1/unit, 60; cn-b (CN) 1.05/unit, 100; us 1.2/unit, 100. No rules.
# Optimum: cn-a 60, cn-b 40, cost 102. Slack 5 %: budget 107.1, room 5.1.
# cn-a: max 0.6 (capacity); min 0 (cn-a -> cn-b, 60 units at +0.05 = 3.0 <= 5.1).
# cn-b: max 1.0 (the same move); min: cn-b -> us at +0.15/unit: 5.1 / 0.15 = 34, 6 left: 0.06.
# us: max 0.34 (that move), min 0. By country: CN = 1 - us, [0.66, 1]; US [0, 0.34].
SPLIT = [("cn-a", "CN", 1, 60), ("cn-b", "CN", 1.05, 100), ("us", "US", 1.2, 100)]


def test_by_supplier() -> None:
    result = trustsource.alternatives(_inst(SPLIT), slack=0.05, by="supplier", count=2, **EXACT)
    assert set(result.ranges["by"]) == {"supplier"}
    _expect(
        result,
        {
            "cn-a": (0.6, 0.0, 0.6, "swappable"),
            "cn-b": (0.4, 0.06, 1.0, "must-have"),
            "us": (0.0, 0.0, 0.34, "swappable"),
        },
    )
    _check_plans(result)


def test_the_same_offers_by_country() -> None:
    result = trustsource.alternatives(_inst(SPLIT), slack=0.05, count=0, **EXACT)
    _expect(result, {"CN": (1.0, 0.66, 1.0, "must-have"), "US": (0.0, 0.0, 0.34, "swappable")})
    assert result.plans == []  # count 0: no diverse plans


def test_by_bloc_with_the_instance_blocs() -> None:
    # The capped instance above (CN 60, US 40 at the optimum; CN [0.372, 0.6], US [0.22, 0.6],
    # JP [0, 0.18]) with blocs rivals = {CN}, friends = {US, JP}, pacific = {CN, JP} (overlapping).
    # rivals = CN. friends = 1 - CN: [0.4, 0.628].
    # pacific = 1 - US: [0.4, 0.78] (US at most 60: 60 CN/JP... CN 40, US 60 costs 112 <= 113.4).
    blocs = {"rivals": ["CN"], "friends": ["US", "JP"], "pacific": ["CN", "JP"]}
    result = trustsource.alternatives(
        _inst(CAPPED, CAP, blocs=blocs), slack=0.05, by="bloc", count=0, **EXACT
    )
    assert set(result.ranges["by"]) == {"bloc"}
    _expect(
        result,
        {
            "rivals": (0.6, 0.372, 0.6, "must-have"),
            "friends": (0.4, 0.4, 0.628, "must-have"),
            "pacific": (0.6, 0.4, 0.78, "must-have"),
        },
    )


def test_a_shortfall_penalty_moves_the_total_supply() -> None:
    # Demand 100 with shortfall at 1.2/unit; CN 1/unit, 100; US 1.5/unit, only 10.
    # Optimum: all CN, 100. Slack 10 %: budget 110. With c from CN, u from the US and 100 - c - u
    # short: cost = c + 1.5 u + 1.2 (100 - c - u) = 120 - 0.2 c + 0.3 u <= 110, c >= 50 + 1.5 u.
    # US share u / (c + u) is largest at the least c: u / (50 + 2.5 u), rising in u, so u = 10,
    # c = 65, T = 75 (25 short): 10 / 75 = 2/15 = 0.1333 (the same u over a fixed T = 100 would
    # say 0.10). CN min = 13/15 = 0.8667; CN max 1 (the optimum); US min 0.
    item = {"id": "w", "demand": 100, "shortfall_penalty": 1.2}
    offers = [("cn", "CN", 1, 100), ("us", "US", 1.5, 10)]
    result = trustsource.alternatives(_inst(offers, item=item), slack=0.1, count=2, **EXACT)
    assert result.optimum.objective == pytest.approx(100)
    _expect(
        result,
        {"CN": (1.0, 13 / 15, 1.0, "must-have"), "US": (0.0, 0.0, 2 / 15, "swappable")},
    )
    _check_plans(result)


def test_the_slack_is_on_the_total_cost() -> None:
    # Two items of 100: a from CN at 1 or the US at 2; b from CN at 10 or the US at 10.5 (100
    # each). Optimum all CN: 100 + 1000 = 1100. Slack 1 %: 11 of room for both items together.
    # a: US max 11 / 1 = 11 units (0.11); b: US max 11 / 0.5 = 22 units (0.22).
    def offer(item: str, country: str, cost: float) -> dict[str, Any]:
        return {
            "id": f"{item}-{country.lower()}",
            "item": item,
            "country": country,
            "unit_cost": cost,
            "capacity": 100,
        }

    doc = {
        "trustsource": 1,
        "name": "two-items",
        "items": [{"id": "a", "demand": 100}, {"id": "b", "demand": 100}],
        "suppliers": [
            offer("a", "CN", 1),
            offer("a", "US", 2),
            offer("b", "CN", 10),
            offer("b", "US", 10.5),
        ],
    }
    inst = trustsource.Instance.from_dict(doc)
    result = trustsource.alternatives(inst, slack=0.01, count=2, **EXACT)
    got = {
        (r["item"], r["key"]): (r["min_share"], r["max_share"])
        for r in result.ranges.to_dict("records")
    }
    assert got == {
        ("a", "CN"): pytest.approx((0.89, 1.0), abs=TOL),
        ("a", "US"): pytest.approx((0.0, 0.11), abs=TOL),
        ("b", "CN"): pytest.approx((0.78, 1.0), abs=TOL),
        ("b", "US"): pytest.approx((0.0, 0.22), abs=TOL),
    }
    assert result.ranges["item"].tolist() == ["a", "a", "b", "b"]  # item order, then optimum
    _check_plans(result)
    one = trustsource.alternatives(inst, slack=0.01, items=["b"], count=0, **EXACT)
    assert one.items == ["b"]
    assert set(one.ranges["item"]) == {"b"}  # the other item still spends the same budget
    assert float(one.ranges["max_share"].min()) == pytest.approx(0.22, abs=TOL)


def test_basis_owner_groups_by_the_owner_country() -> None:
    # A Malaysian plant owned from China at 1/unit, a US one at 1.1 (100 each), slack 5 %: the
    # issue's ranges, [0.5, 1] and [0, 0.5], under MY by location and CN by owner.
    offers = [("my", "MY", 1, 100, {"owner": "CN"}), ("us", "US", 1.1, 100)]
    for basis, key in (("location", "MY"), ("owner", "CN")):
        result = trustsource.alternatives(_inst(offers), slack=0.05, basis=basis, count=0, **EXACT)
        assert result.basis == basis
        _expect(result, {key: (1.0, 0.5, 1.0, "must-have"), "US": (0.0, 0.0, 0.5, "swappable")})


def test_diverse_plans_find_a_plan_the_ranges_prove_exists() -> None:
    # The shortfall case above: the optimum is all CN; a plan with the US at 2/15 costs 110.
    item = {"id": "w", "demand": 100, "shortfall_penalty": 1.2}
    offers = [("cn", "CN", 1, 100), ("us", "US", 1.5, 10)]
    result = trustsource.alternatives(_inst(offers, item=item), slack=0.1, count=3, **EXACT)
    assert _ranges(result)["US"][2] == pytest.approx(2 / 15, abs=TOL)
    assert result.plans, result.plans_note
    # Buying less of everything is not buying elsewhere: the first plan moves to the US.
    us = result.plans[0].shares.set_index("key")["share"].get("US", 0.0)
    assert us > 0.05
    _check_plans(result)


def test_invalid_arguments_are_refused_at_once() -> None:
    inst = _inst(TWO)
    with pytest.raises(InstanceError) as err:
        trustsource.alternatives(inst, slack=-1, by="region", count=99, items=["nope"])
    text = str(err.value)
    for word in ("slack", "by", "count", "nope"):
        assert word in text
    with pytest.raises(InstanceError, match="share_tol"):
        trustsource.alternatives(inst, share_tol=0.5)


# --- properties: monotone in the slack, equal to a brute force ------------------------------


COUNTRIES = ["CN", "US", "JP"]


@st.composite
def small_doc(draw: Any) -> dict[str, Any]:
    """One or two items of fixed demand, 2-4 offers each (unit cost, capacity, sometimes a
    qualification cost), sometimes a country cap on every item."""
    items, suppliers = [], []
    for i in range(draw(st.integers(1, 2))):
        items.append({"id": f"i{i}", "demand": draw(st.integers(10, 100))})
        for k in range(draw(st.integers(2, 4))):
            s: dict[str, Any] = {
                "id": f"s{i}{k}",
                "item": f"i{i}",
                "country": draw(st.sampled_from(COUNTRIES)),
                "unit_cost": draw(st.integers(1, 10)),
                "capacity": draw(st.integers(20, 100)),
            }
            if draw(st.booleans()):
                s["fixed_cost"] = draw(st.integers(1, 60))
            suppliers.append(s)
    rules = []
    if draw(st.booleans()):
        rules.append({"kind": "country_cap", "max_share": draw(st.sampled_from([0.5, 0.7]))})
    return {
        "trustsource": 1,
        "name": "prop",
        "items": items,
        "suppliers": suppliers,
        "rules": rules,
    }


def _brute(doc: dict[str, Any], budget: float | None) -> dict[str, Any]:
    """Without the library: every choice of qualified suppliers (those with a fixed cost), one
    LP each. Returns the least cost and, with ``budget``, each (item, country)'s least and most
    share of the item's demand over plans costing at most ``budget``."""
    sup = doc["suppliers"]
    items = [it["id"] for it in doc["items"]]
    demand = {it["id"]: float(it["demand"]) for it in doc["items"]}
    cost = np.array([float(s["unit_cost"]) for s in sup])
    cap_share = doc["rules"][0]["max_share"] if doc["rules"] else None
    a_eq = np.array([[1.0 if s["item"] == i else 0.0 for s in sup] for i in items])
    b_eq = np.array([demand[i] for i in items])
    a_ub, b_ub = [], []
    keys = sorted({(s["item"], s["country"]) for s in sup})
    if cap_share is not None:
        for i, c in keys:
            a_ub.append([1.0 if (s["item"], s["country"]) == (i, c) else 0.0 for s in sup])
            b_ub.append(cap_share * demand[i])
    paid = [k for k, s in enumerate(sup) if "fixed_cost" in s]
    best = np.inf
    lo = dict.fromkeys(keys, np.inf)
    hi = dict.fromkeys(keys, -np.inf)
    for chosen in itertools.product([0, 1], repeat=len(paid)):
        fixed = sum(float(sup[k]["fixed_cost"]) for k, on in zip(paid, chosen) if on)
        bounds = [(0.0, float(s["capacity"])) for s in sup]
        for k, on in zip(paid, chosen):
            if not on:
                bounds[k] = (0.0, 0.0)
        ub = np.array(a_ub) if a_ub else None
        res = linprog(cost, A_ub=ub, b_ub=b_ub or None, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        if res.status != 0:
            continue
        best = min(best, res.fun + fixed)
        if budget is None or res.fun + fixed > budget + ROOM:
            continue
        rows = [*a_ub, list(cost)]
        rhs = [*b_ub, budget + ROOM - fixed]
        for i, c in keys:
            d = np.array([1.0 if (s["item"], s["country"]) == (i, c) else 0.0 for s in sup])
            for sign, store, pick in ((1.0, lo, min), (-1.0, hi, max)):
                r = linprog(sign * d, A_ub=rows, b_ub=rhs, A_eq=a_eq, b_eq=b_eq, bounds=bounds)
                assert r.status == 0  # the cheapest plan of this choice is feasible
                store[(i, c)] = pick(store[(i, c)], sign * r.fun / demand[i])
    return {"cost": best, "lo": lo, "hi": hi}


def _by_key(table: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    return {
        (r["item"], r["key"]): (r["min_share"], r["max_share"]) for r in table.to_dict("records")
    }


@SETTINGS
@given(doc=small_doc(), slacks=st.sampled_from([(0.0, 0.02), (0.01, 0.05), (0.03, 0.2)]))
def test_ranges_widen_with_slack_and_match_a_brute_force(
    doc: dict[str, Any], slacks: tuple[float, float]
) -> None:
    inst = trustsource.Instance.from_dict(doc)
    small, large = slacks
    first = trustsource.alternatives(inst, slack=small, count=0, share_tol=0.0, **EXACT)
    if first.budget is None:  # infeasible: the brute force finds no plan either
        assert _brute(doc, None)["cost"] == np.inf
        return
    second = trustsource.alternatives(inst, slack=large, count=2, share_tol=0.0, **EXACT)
    _check_plans(second)
    narrow, wide = _by_key(first.ranges), _by_key(second.ranges)
    assert narrow.keys() == wide.keys()
    for key, (lo, hi) in narrow.items():
        assert 0 <= lo <= hi + 1e-6
        assert wide[key][0] <= lo + 1e-6, key
        assert wide[key][1] >= hi - 1e-6, key
    for result in (first, second):
        brute = _brute(doc, result.budget)
        assert float(result.optimum.objective) == pytest.approx(brute["cost"], rel=1e-7, abs=1e-6)
        assert result.proven
        got = _by_key(result.ranges)
        assert set(got) == set(brute["lo"])
        for key, (lo, hi) in got.items():
            assert lo == pytest.approx(brute["lo"][key], abs=1e-4), (key, result.slack)
            assert hi == pytest.approx(brute["hi"][key], abs=1e-4), (key, result.slack)


# --- the Python API ------------------------------------------------------------------------


def test_exported() -> None:
    assert "alternatives" in trustsource.__all__
    from trustsource.analysis.alternatives import alternatives

    assert trustsource.alternatives is alternatives


def test_one_process_or_two_give_the_same_ranges() -> None:
    inst = trustsource.load(ROOT / "instances" / "gallium-demo.yaml")
    one = trustsource.alternatives(inst, slack=0.05, count=0, mip_rel_gap=0, workers=1)
    two = trustsource.alternatives(inst, slack=0.05, count=0, mip_rel_gap=0, workers=2)
    assert len(set(one.ranges["item"])) == 2  # two items: one task each
    assert two.workers == 2
    pd.testing.assert_frame_equal(
        one.ranges.drop(columns=["seconds"]), two.ranges.drop(columns=["seconds"])
    )
    assert one.to_dict()["ranges"] == two.to_dict()["ranges"]


def test_without_ranges_only_plans() -> None:
    result = trustsource.alternatives(_inst(TWO), slack=0.05, ranges=False, count=1, **EXACT)
    assert result.ranges.empty
    assert len(result.plans) == 1
    _check_plans(result)
    assert result.to_dict()["proven"] is None


def test_dask_gives_the_serial_ranges() -> None:
    distributed = pytest.importorskip("distributed")
    inst = trustsource.load(str(ROOT / "instances" / "gallium-demo.yaml"))
    # An in-process cluster (threads, no processes): the Dask path of the range tasks.
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = trustsource.alternatives(inst, count=0, scheduler=client)
    serial = trustsource.alternatives(inst, count=0, workers=1)
    cols = ["item", "key", "min_share", "max_share", "role", "proven"]
    assert on_dask.workers == 0
    assert on_dask.ranges[cols].round(6).equals(serial.ranges[cols].round(6))
