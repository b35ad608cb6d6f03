"""Tests of the independent verifier: each check passes a correct plan and names a broken one."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
import trustsource
from trustsource.verify.verifier import Violation, recompute_cost, verify, verify_plan


def make(
    items: list[dict[str, Any]],
    suppliers: list[dict[str, Any]],
    rules: list[dict[str, Any]] | None = None,
    **doc: Any,
) -> trustsource.Instance:
    return trustsource.Instance.from_dict(
        {"trustsource": 1, "items": items, "suppliers": suppliers, "rules": rules or [], **doc}
    )


def one(found: list[Violation], check: str) -> Violation:
    assert [v.check for v in found] == [check], found
    return found[0]


def sup(sid: str, country: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "item": kw.pop("item", "a"),
        "country": country,
        "unit_cost": kw.pop("unit_cost", 1.0),
        **kw,
    }


# --- bounds, capacity, qualification, minimum orders -----------------------------------------


def test_correct_plan_has_no_violation() -> None:
    inst = make(
        [{"id": "a", "demand": 100}], [sup("s1", "US", capacity=80), sup("s2", "JP", capacity=50)]
    )
    assert verify(inst, {"s1": 80, "s2": 20}) == []


def test_negative_quantity_and_unknown_supplier() -> None:
    inst = make([{"id": "a", "demand": 100}], [sup("s1", "US"), sup("s2", "JP")])
    found = verify(inst, {"s1": 110, "s2": -10, "ghost": 3})
    assert [(v.check, v.subject, v.excess) for v in found] == [
        ("bounds", "ghost", 3.0),
        ("bounds", "s2", 10.0),
    ]


def test_non_finite_quantity_is_reported() -> None:
    inst = make([{"id": "a", "demand": 0}], [sup("s1", "US")])
    v = one(verify(inst, {"s1": float("nan")}), "bounds")
    assert v.subject == "s1"
    assert "not a finite number" in v.message


def test_shortfall_bounds() -> None:
    inst = make(
        [{"id": "a", "demand": 100, "shortfall_penalty": 50}, {"id": "b", "demand": 10}],
        [sup("s1", "US"), sup("s2", "US", item="b")],
    )
    assert verify(inst, {"s1": 60, "s2": 10}, shortfall={"a": 40}) == []
    v = one(verify(inst, {"s1": 60, "s2": 8}, shortfall={"a": 40, "b": 2}), "bounds")
    assert (v.item, v.excess) == ("b", 2.0)
    assert "no shortfall_penalty" in v.message
    found = verify(inst, {"s1": 0, "s2": 10}, shortfall={"a": 120})
    assert [(v.check, v.excess) for v in found] == [("bounds", 20.0), ("balance", 20.0)]
    v = one(verify(inst, {"s1": 110, "s2": 10}, shortfall={"a": -10}), "bounds")
    assert v.excess == 10.0


def test_capacity() -> None:
    inst = make(
        [{"id": "a", "demand": 100}], [sup("s1", "US", capacity=80), sup("s2", "JP", capacity=50)]
    )
    v = one(verify(inst, {"s1": 90, "s2": 10}), "capacity")
    assert (v.subject, v.item, v.rule) == ("s1", "a", None)
    assert v.excess == pytest.approx(10.0)
    assert "90 > capacity 80" in v.message


def test_site_capacity_and_open_site() -> None:
    inst = make(
        [{"id": "a", "demand": 100}, {"id": "b", "demand": 50}],
        [
            {"id": "s1", "item": "a", "site": "plant", "unit_cost": 1},
            {"id": "s2", "item": "b", "site": "plant", "unit_cost": 1},
            sup("s3", "US"),
            sup("s4", "US", item="b"),
        ],
        sites=[{"id": "plant", "country": "JP", "capacity": 120, "fixed_cost": 10}],
    )
    assert inst.suppliers[0].country == "JP"
    assert verify(inst, {"s1": 100, "s2": 20, "s4": 30}) == []
    v = one(verify(inst, {"s1": 100, "s2": 50}), "site_capacity")
    assert (v.subject, v.excess) == ("plant", 30.0)
    v = one(
        verify(inst, {"s1": 50, "s3": 50, "s4": 50}, site_open={"plant": False}), "qualification"
    )
    assert (v.subject, v.excess) == ("plant", 50.0)


def test_unqualified_supplier_cannot_supply() -> None:
    inst = make([{"id": "a", "demand": 100}], [sup("s1", "US", fixed_cost=5), sup("s2", "JP")])
    assert verify(inst, {"s1": 100}, qualified={"s1": True}) == []
    v = one(verify(inst, {"s1": 60, "s2": 40}, qualified={"s1": False}), "qualification")
    assert (v.subject, v.excess) == ("s1", 60.0)


def test_min_order() -> None:
    inst = make([{"id": "a", "demand": 100}], [sup("s1", "US", min_order=30), sup("s2", "JP")])
    assert verify(inst, {"s1": 30, "s2": 70}) == []
    assert verify(inst, {"s2": 100}) == []
    v = one(verify(inst, {"s1": 20, "s2": 80}), "min_order")
    assert (v.subject, v.excess) == ("s1", 10.0)
    # A minimum order binds an award, not a qualification: a standby owes no minimum order.
    assert verify(inst, {"s2": 100}, qualified={"s1": True}) == []


# --- balance ---------------------------------------------------------------------------------


def test_balance_single_tier() -> None:
    inst = make([{"id": "a", "demand": 100}], [sup("s1", "US")])
    v = one(verify(inst, {"s1": 97}), "balance")
    assert (v.item, v.excess) == ("a", 3.0)
    v = one(verify(inst, {"s1": 105}), "balance")
    assert v.excess == 5.0


def test_balance_bill_of_materials() -> None:
    inst = make(
        [
            {"id": "gallium", "demand": 50000},
            {"id": "wafer", "demand": 1000, "inputs": {"gallium": 0.02}},
            {"id": "module", "demand": 10, "inputs": {"wafer": 4, "gallium": 1}},
        ],
        [
            sup("ga", "JP", item="gallium"),
            sup("wf", "US", item="wafer"),
            sup("md", "US", item="module"),
        ],
    )
    wafers = 1000 + 4 * 10
    good = {"md": 10, "wf": wafers, "ga": 50000 + 0.02 * wafers + 1 * 10}
    assert verify(inst, good) == []
    v = one(verify(inst, {**good, "ga": 50000}), "balance")
    assert v.item == "gallium"
    assert v.excess == pytest.approx(0.02 * wafers + 10)
    assert "consumed by wafer, module" in v.message


def test_balance_tolerates_round_off() -> None:
    inst = make([{"id": "a", "demand": 1e6}], [sup("s1", "US"), sup("s2", "JP")])
    assert verify(inst, {"s1": 5e5 + 1e-4, "s2": 5e5}) == []
    assert one(verify(inst, {"s1": 5e5 + 10, "s2": 5e5}), "balance").excess == pytest.approx(10)


# --- rules -----------------------------------------------------------------------------------


def test_country_cap() -> None:
    inst = make(
        [{"id": "gallium", "demand": 100}],
        [
            sup("cn1", "CN", item="gallium"),
            sup("cn2", "CN", item="gallium"),
            sup("us", "US", item="gallium"),
        ],
        [{"kind": "country_cap", "name": "crma-65", "max_share": 0.65}],
    )
    assert verify(inst, {"cn1": 40, "cn2": 25, "us": 35}) == []
    v = one(verify(inst, {"cn1": 40, "cn2": 30, "us": 30}), "country_cap")
    assert (v.rule, v.item, v.subject) == ("crma-65", "gallium", "CN")
    assert v.excess == pytest.approx(5.0)
    assert v.message.startswith("gallium: CN supplies 70.0 % > 65.0 % (crma-65)")


def test_country_cap_countries_except_and_owner_basis() -> None:
    inst = make(
        [{"id": "a", "demand": 100}],
        [sup("de", "DE"), sup("fr", "FR"), sup("us", "US"), sup("jp", "JP", owner="CN")],
        [
            {"kind": "country_cap", "name": "eu-exempt", "max_share": 0.3, "except": ["eu"]},
            {
                "kind": "country_cap",
                "name": "cn-owned",
                "max_share": 0.1,
                "countries": ["CN"],
                "basis": "owner",
            },
        ],
    )
    assert verify(inst, {"de": 40, "fr": 30, "us": 25, "jp": 5}) == []
    found = verify(inst, {"de": 10, "fr": 10, "us": 40, "jp": 40})
    assert [(v.rule, v.subject, round(v.excess, 9)) for v in found] == [
        ("eu-exempt", "JP", 10.0),
        ("eu-exempt", "US", 10.0),
        ("cn-owned", "CN", 30.0),
    ]


def test_bloc_share_floor_and_ceiling() -> None:
    inst = make(
        [{"id": "a", "demand": 100}, {"id": "b", "demand": 10}],
        [sup("jp", "JP"), sup("cn", "CN"), sup("b1", "CN", item="b")],
        [
            {
                "kind": "bloc_share",
                "name": "allies",
                "bloc": "quad",
                "min_share": 0.5,
                "max_share": 0.8,
                "items": ["a"],
            }
        ],
        blocs={"quad": ["US", "JP", "IN", "AU"]},
    )
    assert verify(inst, {"jp": 50, "cn": 50, "b1": 10}) == []
    v = one(verify(inst, {"jp": 40, "cn": 60, "b1": 10}), "bloc_share")
    assert (v.rule, v.item, v.subject, v.excess) == ("allies", "a", "quad", pytest.approx(10))
    assert "40.0 % < 50.0 %" in v.message
    v = one(verify(inst, {"jp": 90, "cn": 10, "b1": 10}), "bloc_share")
    assert v.excess == pytest.approx(10.0)


def test_ban_location_and_owner() -> None:
    inst = make(
        [{"id": "a", "demand": 100}],
        [sup("cn", "CN"), sup("jp-cn", "JP", owner="CN"), sup("us", "US")],
        [
            {"kind": "ban", "name": "no-concern", "countries": ["concern"]},
            {"kind": "ban", "name": "no-cn-owned", "countries": ["CN"], "basis": "owner"},
        ],
    )
    assert verify(inst, {"us": 100}) == []
    found = verify(inst, {"cn": 20, "jp-cn": 5, "us": 75})
    assert [(v.check, v.rule, v.subject, v.excess) for v in found] == [
        ("ban", "no-concern", "CN", 20.0),
        ("ban", "no-cn-owned", "CN", 25.0),
    ]


def test_supplier_cap() -> None:
    inst = make(
        [{"id": "a", "demand": 200}],
        [sup("s1", "US"), sup("s2", "US"), sup("s3", "JP")],
        [{"kind": "supplier_cap", "max_share": 0.4}],
    )
    assert verify(inst, {"s1": 80, "s2": 80, "s3": 40}) == []
    v = one(verify(inst, {"s1": 100, "s2": 60, "s3": 40}), "supplier_cap")
    assert (v.rule, v.subject, v.excess) == ("supplier_cap", "s1", pytest.approx(20.0))


def test_exit_clause() -> None:
    inst = make(
        [{"id": "a", "demand": 100}],
        [sup("s1", "US", exit_clause=False), sup("s2", "JP", exit_clause=False), sup("s3", "KR")],
        [{"kind": "exit_clause", "name": "exit-30", "max_share_without": 0.3}],
    )
    assert verify(inst, {"s1": 20, "s2": 10, "s3": 70}) == []
    v = one(verify(inst, {"s1": 20, "s2": 20, "s3": 60}), "exit_clause")
    assert (v.rule, v.item, v.excess) == ("exit-30", "a", pytest.approx(10.0))


def test_rule_applies_only_to_its_items() -> None:
    inst = make(
        [{"id": "a", "demand": 10}, {"id": "b", "demand": 10}],
        [sup("a1", "CN"), sup("b1", "CN", item="b"), sup("b2", "US", item="b")],
        [{"kind": "ban", "countries": ["CN"], "items": ["b"]}],
    )
    assert verify(inst, {"a1": 10, "b2": 10}) == []
    v = one(verify(inst, {"a1": 10, "b1": 10}), "ban")
    assert v.item == "b"


def test_unknown_rule_kind_is_reported_not_passed() -> None:
    inst = make([{"id": "a", "demand": 10}], [sup("s1", "US")])
    future = SimpleNamespace(kind="gini_cap", name="gini-40", items=None, basis="location")
    inst = inst.model_copy(update={"rules": (future,)})
    v = one(verify(inst, {"s1": 10}), "unsupported_rule")
    assert (v.rule, v.subject) == ("gini-40", "gini_cap")


def test_min_suppliers() -> None:
    inst = make(
        [{"id": "a", "demand": 100}, {"id": "b", "demand": 0}],
        [sup("s1", "US"), sup("s2", "JP"), sup("s3", "DE"), sup("b1", "US", item="b")],
        [{"kind": "min_suppliers", "name": "two-suppliers", "count": 2, "min_share_each": 0.1}],
    )
    assert verify(inst, {"s1": 60, "s2": 40}) == []
    assert verify(inst, {"s1": 90, "s2": 10}) == []  # exactly at the floor
    v = one(verify(inst, {"s1": 95, "s2": 5}), "min_suppliers")
    assert (v.rule, v.item, v.excess) == ("two-suppliers", "a", 1.0)
    assert v.message == (
        "a: 1 supplier (s1) each supply at least 10.0 % (10 unit), fewer than 2 (two-suppliers)"
    )
    # Item b has no supply: every share rule holds trivially.
    assert all(v.item == "a" for v in verify(inst, {"s1": 100}))


def test_min_suppliers_token_award_does_not_count() -> None:
    inst = make(
        [{"id": "a", "demand": 100}],
        [sup("s1", "US"), sup("s2", "JP")],
        [{"kind": "min_suppliers", "count": 2}],
    )
    assert verify(inst, {"s1": 99, "s2": 1}) == []
    v = one(verify(inst, {"s1": 99.5, "s2": 0.5}), "min_suppliers")
    assert v.excess == 1.0


def test_max_suppliers() -> None:
    inst = make(
        [{"id": "a", "demand": 100}],
        [sup("s1", "US"), sup("s2", "JP"), sup("s3", "DE")],
        [{"kind": "max_suppliers", "name": "single-source", "count": 1}],
    )
    assert verify(inst, {"s1": 100}) == []
    assert verify(inst, {"s1": 100, "s2": 1e-9}) == []  # solver round-off is not an award
    v = one(verify(inst, {"s1": 50, "s2": 30, "s3": 20}), "max_suppliers")
    assert (v.rule, v.item, v.excess) == ("single-source", "a", 2.0)
    assert v.message == "a: 3 suppliers (s1, s2, s3) receive supply, more than 1 (single-source)"


def test_min_countries_location_and_owner() -> None:
    inst = make(
        [{"id": "a", "demand": 100}],
        [sup("us1", "US"), sup("us2", "US"), sup("jp", "JP", owner="US")],
        [
            {"kind": "min_countries", "name": "two-countries", "count": 2, "min_share_each": 0.2},
            {
                "kind": "min_countries",
                "name": "two-owners",
                "count": 2,
                "basis": "owner",
                "min_share_each": 0.2,
            },
        ],
    )
    found = verify(inst, {"us1": 40, "us2": 40, "jp": 20})
    assert [(v.rule, v.excess) for v in found] == [("two-owners", 1.0)]
    assert found[0].message == (
        "a: 1 country (US) each supply at least 20.0 %, fewer than 2 (two-owners)"
    )
    found = verify(inst, {"us1": 50, "us2": 40, "jp": 10})
    assert [(v.check, v.rule, v.excess) for v in found] == [
        ("min_countries", "two-countries", 1.0),
        ("min_countries", "two-owners", 1.0),
    ]


def gallium(rules: list[dict[str, Any]], us_capacity: float = 48000) -> trustsource.Instance:
    return make(
        [{"id": "gallium", "unit": "kg", "demand": 50000}],
        [
            sup("cn", "CN", item="gallium", capacity=60000),
            sup("jp", "JP", item="gallium", capacity=3100),
            sup("us", "US", item="gallium", capacity=us_capacity, fixed_cost=5000),
        ],
        rules,
    )


def test_exit_country_counts_free_and_standby_suppliers() -> None:
    inst = gallium([{"kind": "exit", "name": "exit", "lose": "country", "coverage": 1.0}])
    # jp is free to qualify, so it counts by default; us has a fixed cost and is not qualified.
    v = one(verify(inst, {"cn": 50000}), "exit")
    assert (v.rule, v.item, v.subject) == ("exit", "gallium", "CN")
    assert v.excess == pytest.approx(50000 - 3100)
    assert v.message == (
        "gallium: losing CN leaves 3,100 kg of qualified capacity for "
        "50,000 kg (coverage 1.00) (exit)"
    )
    assert one(verify(inst, {"cn": 50000}, qualified={"us": False}), "exit").subject == "CN"
    # Qualifying us as a standby (no award) makes the rule hold, and its fixed cost is paid.
    assert verify(inst, {"cn": 50000}, qualified={"us": True}, objective=55000) == []
    # Without the free supplier jp the standby alone is 2,000 kg short.
    v = one(verify(inst, {"cn": 50000}, qualified={"us": True, "jp": False}), "exit")
    assert (v.subject, v.excess) == ("CN", pytest.approx(2000))


def test_exit_coverage_and_lost_countries() -> None:
    inst = gallium([{"kind": "exit", "lose": "country", "coverage": 0.5}], us_capacity=20000)
    found = verify(inst, {"cn": 30000, "us": 20000})
    assert [(v.check, v.subject, v.excess) for v in found] == [("exit", "CN", 1900.0)]
    assert "(coverage 0.50)" in found[0].message
    found = verify(inst, {"cn": 50000}, qualified={"jp": False})
    assert [(v.check, v.subject, v.excess) for v in found] == [("exit", "CN", 25000.0)]
    # No qualified capacity at all: every loss fails, reported once (plus the unqualified award).
    found = verify(inst, {"cn": 50000}, qualified={"cn": False, "jp": False})
    assert [(v.check, v.subject, v.excess) for v in found] == [
        ("qualification", "cn", 50000.0),
        ("exit", "CN", 25000.0),
    ]


def test_exit_site_and_closed_site() -> None:
    inst = make(
        [{"id": "a", "demand": 30000}],
        [
            {"id": "p1", "item": "a", "site": "plant", "unit_cost": 1},
            {"id": "p2", "item": "a", "site": "plant", "unit_cost": 1, "capacity": 10000},
            sup("x", "US", capacity=20000),
        ],
        [{"kind": "exit", "name": "lose-site", "lose": "site", "coverage": 0.5}],
        sites=[{"id": "plant", "country": "JP", "capacity": 40000, "fixed_cost": 1000}],
    )
    # Losing the plant leaves x (an offer without a site is never lost with a site).
    assert verify(inst, {"p1": 30000}) == []
    inst2 = inst.model_copy(update={"rules": (inst.rules[0].model_copy(update={"coverage": 1.0}),)})
    v = one(verify(inst2, {"p1": 30000}), "exit")
    assert (v.subject, v.excess) == ("plant", 10000.0)
    assert v.message.startswith("a: losing site plant leaves 20,000 unit of qualified capacity")


def test_exit_supplier_needs_open_site_and_counts_unlimited_offers() -> None:
    inst = make(
        [{"id": "a", "demand": 20000}],
        [
            {"id": "p1", "item": "a", "site": "plant", "unit_cost": 1},
            sup("x", "US", capacity=20000),
        ],
        [{"kind": "exit", "lose": "supplier"}],
        sites=[{"id": "plant", "country": "JP", "capacity": 40000, "fixed_cost": 1000}],
    )
    # p1 costs nothing itself, but its site has a fixed cost and is closed: it does not count.
    v = one(verify(inst, {"x": 20000}), "exit")
    assert (v.subject, v.excess) == ("x", 20000.0)
    assert "losing supplier x leaves 0 unit" in v.message
    assert one(verify(inst, {"x": 20000}, site_open={"plant": False}), "exit").subject == "x"
    # Opening the plant (and paying for it) makes p1 a standby of 40,000.
    assert verify(inst, {"x": 20000}, site_open={"plant": True}, objective=21000) == []
    # A standby qualified explicitly opens its site by default.
    assert verify(inst, {"x": 20000}, qualified={"p1": True}, objective=21000) == []
    # Unlimited offers: two cover each other, one alone does not.
    inst = make(
        [{"id": "a", "demand": 10}],
        [sup("u1", "US"), sup("u2", "JP")],
        [{"kind": "exit", "lose": "supplier"}],
    )
    assert verify(inst, {"u1": 10}) == []
    v = one(verify(inst, {"u1": 10}, qualified={"u2": False}), "exit")
    assert (v.subject, v.excess) == ("u1", 10.0)


def test_hhi_cap() -> None:
    inst = make(
        [{"id": "widget", "demand": 100}],
        [
            sup("cn", "CN", item="widget"),
            sup("us", "US", item="widget"),
            sup("jp", "JP", item="widget", owner="CN"),
        ],
        [{"kind": "hhi_cap", "name": "hhi-cap", "max_hhi": 5000}],
    )
    assert verify(inst, {"cn": 50, "us": 50}) == []
    assert verify(inst, {"cn": 50.005, "us": 49.995}) == []  # within the 1-point tolerance
    v = one(verify(inst, {"cn": 60, "us": 40}), "hhi_cap")
    assert (v.rule, v.item, v.subject) == ("hhi-cap", "widget", "CN")
    assert v.excess == pytest.approx(200)
    assert v.message.startswith("widget: HHI 5,200 > 5,000 + 1 (hhi-cap)")
    owner = make(
        [{"id": "widget", "demand": 100}],
        [sup("cn", "CN", item="widget"), sup("jp", "JP", item="widget", owner="CN")],
        [{"kind": "hhi_cap", "max_hhi": 5000, "basis": "owner", "tolerance": 0.5}],
    )
    v = one(verify(owner, {"cn": 50, "jp": 50}), "hhi_cap")
    assert v.excess == pytest.approx(5000)
    assert [v.check for v in verify(owner, {})] == ["balance"]  # no HHI of no supply


def test_verify_plan_standby_and_free_supplier_default() -> None:
    inst = gallium([{"kind": "exit", "lose": "country"}])
    plan = SimpleNamespace(
        allocations=pd.DataFrame(
            {
                "supplier": ["cn", "us"],
                "item": ["gallium", "gallium"],
                "quantity": [50000.0, 0.0],
                "qualified": [True, True],
            }
        ),
        sites=pd.DataFrame(columns=["site", "open"]),
        items=pd.DataFrame({"item": ["gallium"], "shortfall": [0.0]}),
        objective=55000.0,
    )
    # jp is not listed: free to qualify, it counts, and cn plus the standby us cover the rest.
    assert verify_plan(inst, plan) == []
    plan.allocations = plan.allocations.iloc[:1]
    plan.objective = 50000.0
    v = one(verify_plan(inst, plan), "exit")
    assert (v.subject, v.excess) == ("CN", pytest.approx(46900))


# --- cost and objective ----------------------------------------------------------------------


def tiered(mode: str, breaks: list[tuple[float, float]], **kw: Any) -> dict[str, Any]:
    return {
        "id": "t",
        "item": "a",
        "country": "US",
        **kw,
        "price_tiers": {"mode": mode, "breaks": [{"from": f, "price": p} for f, p in breaks]},
    }


@pytest.mark.parametrize(("q", "cost"), [(0, 0), (200, 2000), (300, 3000), (600, 5100)])
def test_incremental_tiers(q: float, cost: float) -> None:
    inst = make([{"id": "a", "demand": q}], [tiered("incremental", [(0, 10), (300, 7)])])
    assert recompute_cost(inst, {"t": q}) == pytest.approx(cost)
    assert verify(inst, {"t": q}, objective=cost) == []


def test_incremental_rising_prices() -> None:
    inst = make([{"id": "a", "demand": 250}], [tiered("incremental", [(0, 1), (100, 2), (200, 5)])])
    assert recompute_cost(inst, {"t": 250}) == pytest.approx(100 + 200 + 250)


@pytest.mark.parametrize(("q", "cost"), [(50, 250), (150, 600), (100, 400), (250, 750)])
def test_all_units_tiers(q: float, cost: float) -> None:
    inst = make([{"id": "a", "demand": q}], [tiered("all_units", [(0, 5), (100, 4), (200, 3)])])
    assert recompute_cost(inst, {"t": q}) == pytest.approx(cost)
    assert verify(inst, {"t": q}, objective=cost) == []


def test_all_units_break_takes_cheaper_even_when_price_rises() -> None:
    inst = make([{"id": "a", "demand": 100}], [tiered("all_units", [(0, 4), (100, 6)])])
    assert recompute_cost(inst, {"t": 100}) == pytest.approx(400)
    assert recompute_cost(inst, {"t": 101}) == pytest.approx(606)


def test_full_objective_with_tariff_fixed_costs_site_and_penalty() -> None:
    inst = make(
        [{"id": "a", "demand": 100, "shortfall_penalty": 1000}],
        [
            sup("cn", "CN", unit_cost=10, fixed_cost=7),
            {"id": "jp", "item": "a", "site": "plant", "unit_cost": 20, "fixed_cost": 3},
            sup("us", "US", unit_cost=30, fixed_cost=1000),
        ],
        sites=[{"id": "plant", "country": "JP", "fixed_cost": 500}],
        tariffs={"CN": 0.25},
    )
    quantities = {"cn": 60, "jp": 30}
    # 60*10*1.25 + 30*20 + fixed 7 + 3 + site 500 + penalty 10*1000
    expected = 750 + 600 + 7 + 3 + 500 + 10000
    assert recompute_cost(inst, quantities, shortfall={"a": 10}) == pytest.approx(expected)
    assert verify(inst, quantities, shortfall={"a": 10}, objective=expected) == []
    # A qualified but unused supplier still pays its fixed cost.
    assert recompute_cost(
        inst, quantities, qualified={"us": True}, shortfall={"a": 10}
    ) == pytest.approx(expected + 1000)
    v = one(verify(inst, quantities, shortfall={"a": 10}, objective=expected - 50), "objective")
    assert v.excess == pytest.approx(50)
    assert "differs from the recomputed cost" in v.message


def test_objective_relative_tolerance() -> None:
    inst = make([{"id": "a", "demand": 1e6}], [sup("s1", "US", unit_cost=100)])
    assert verify(inst, {"s1": 1e6}, objective=1e8 * (1 + 5e-7)) == []
    assert one(verify(inst, {"s1": 1e6}, objective=1e8 * (1 + 5e-6)), "objective")


# --- verify_plan -----------------------------------------------------------------------------


def test_verify_plan_reads_data_frames() -> None:
    inst = make(
        [{"id": "a", "demand": 100, "shortfall_penalty": 100}],
        [
            sup("s1", "US", unit_cost=2, capacity=80, fixed_cost=10),
            {"id": "s2", "item": "a", "site": "k", "unit_cost": 3},
        ],
        sites=[{"id": "k", "country": "JP", "fixed_cost": 5}],
    )
    plan = SimpleNamespace(
        allocations=pd.DataFrame(
            {
                "supplier": ["s1", "s2"],
                "item": ["a", "a"],
                "quantity": [80.0, 15.0],
                "qualified": [True, True],
            }
        ),
        sites=pd.DataFrame({"site": ["k"], "open": [True]}),
        items=pd.DataFrame({"item": ["a"], "shortfall": [5.0]}),
        objective=160 + 45 + 10 + 5 + 500,
    )
    assert verify_plan(inst, plan) == []
    plan.allocations.loc[0, "quantity"] = 85.0
    plan.items.loc[0, "shortfall"] = 0.0
    found = verify_plan(inst, plan)
    assert [v.check for v in found] == ["capacity", "objective"]
    empty = SimpleNamespace(
        allocations=plan.allocations,
        sites=pd.DataFrame(columns=["site", "open"]),
        items=pd.DataFrame({"item": ["a"], "shortfall": [0.0]}),
        objective=None,
    )
    assert [v.check for v in verify_plan(inst, empty)] == ["capacity"]


def test_large_instance_is_fast() -> None:
    n = 20000
    inst = make(
        [{"id": f"i{k}", "demand": 100} for k in range(10)],
        [
            sup(f"s{j}", ("CN", "US", "JP", "DE")[j // 10 % 4], item=f"i{j % 10}", capacity=1)
            for j in range(n)
        ],
        [
            {"kind": "country_cap", "max_share": 0.3},
            {"kind": "supplier_cap", "max_share": 0.5},
            {"kind": "bloc_share", "bloc": "eu", "min_share": 0.1},
            {"kind": "exit_clause", "max_share_without": 1.0},
            {"kind": "ban", "countries": ["RU"]},
            {"kind": "min_suppliers", "count": 3, "min_share_each": 0.0001},
            {"kind": "max_suppliers", "count": 2000},
            {"kind": "min_countries", "count": 4},
            {"kind": "exit", "lose": "country"},
            {"kind": "exit", "lose": "supplier"},
            {"kind": "hhi_cap", "max_hhi": 2500},
        ],
    )
    q = {f"s{j}": 0.05 for j in range(n)}
    start = time.perf_counter()
    found = verify(inst, q, objective=float(n) * 0.05)
    assert time.perf_counter() - start < 1.0
    assert found == []
