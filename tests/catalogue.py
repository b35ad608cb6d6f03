"""A catalogue of small instances whose optima were computed by hand.

Each :class:`Case` holds a schema-1 document, the expected status and objective, and in ``why``
the hand computation that gives the objective. ``tests/test_catalogue.py`` solves every case on
both backends and compares. The numbers are chosen so that each case discriminates: a model
that got the feature wrong (a fixed cost paid twice, a tariff on the fixed cost, a discount
tier filled before the tier below it, over-buying to reach a break) would give another value.

Country codes: the user-assigned ``XA``-``XZ`` stand for custom regions; real codes are used
where a rule or a tariff names them (``CN``, ``MX``, ``US``, the built-in ``concern`` bloc).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INFEASIBLE = "infeasible"
OPTIMAL = "optimal"


@dataclass(frozen=True)
class Case:
    """One hand-solved instance.

    Attributes:
        name: test id.
        doc: schema-1 document with inline tables.
        status: expected status (``optimal`` or ``infeasible``).
        objective: expected optimal cost, None when infeasible.
        why: the hand computation.
        findings: True if the pre-solve findings must catch it (infeasible by arithmetic),
            False if there must be none, None if not checked.
    """

    name: str
    doc: dict[str, Any]
    status: str
    objective: float | None
    why: str
    findings: bool | None = None


def sup(sid: str, item: str, country: str | None, **kw: Any) -> dict[str, Any]:
    """A supplier row (``country`` None for an offer that inherits it from its site)."""
    row: dict[str, Any] = {"id": sid, "item": item}
    if country is not None:
        row["country"] = country
    row.update(kw)
    return row


def doc(
    items: list[dict[str, Any]],
    suppliers: list[dict[str, Any]],
    rules: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A schema-1 document."""
    out: dict[str, Any] = {"trustsource": 1, "items": items, "suppliers": suppliers}
    if rules:
        out["rules"] = rules
    out.update(extra)
    return out


def tiers(mode: str, *breaks: tuple[float, float]) -> dict[str, Any]:
    """``price_tiers`` from (from, price) pairs."""
    return {"mode": mode, "breaks": [{"from": f, "price": p} for f, p in breaks]}


# --- the three-supplier example -------------------------------------------------------------
# Buy exactly 2000 of item a.
#   S1 (XA): fixed 100, cap 600, incremental 10/unit for the first 300, then 7.
#   S2 (XB): fixed 500, cap 800, 2/unit.
#   S3 (XC): fixed 300, cap 1200, incremental 6/unit for the first 500, then 4.
# Marginal prices: S2 2 < S3 4 (after 500) < S1 7 (after 300); S2 + S3 cover 2000 exactly.


def three(rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 2000}],
        [
            sup("s1", "a", "XA", fixed_cost=100, capacity=600,
                price_tiers=tiers("incremental", (0, 10), (300, 7))),
            sup("s2", "a", "XB", fixed_cost=500, capacity=800, unit_cost=2),
            sup("s3", "a", "XC", fixed_cost=300, capacity=1200,
                price_tiers=tiers("incremental", (0, 6), (500, 4))),
        ],
        rules,
        name="three-supplier",
    )


THREE = [
    Case("three_supplier", three(), OPTIMAL, 8200,
         "S2 800*2=1600+500 fixed=2100; S3 500*6+700*4=5800+300 fixed=6100 -> 8200 "
         "(S1 would add 100 fixed and units at 10 where S3's marginal is 4)"),
    Case("three_supplier_cap50",
         three([{"kind": "country_cap", "max_share": 0.5}]), OPTIMAL, 9500,
         "each country <= 1000: S2 800 -> 2100; S3 1000 -> 300+3000+2000=5300; "
         "S1 the remaining 200 -> 100+200*10=2100; 2100+5300+2100=9500"),
    Case("three_supplier_cap40",
         three([{"kind": "country_cap", "max_share": 0.4}]), OPTIMAL, 10400,
         "each country <= 800: S2 800 -> 2100; S3 800 -> 300+3000+300*4=4500; "
         "S1 400 -> 100+3000+100*7=3800; 2100+4500+3800=10400"),
    Case("three_supplier_cap30",
         three([{"kind": "country_cap", "max_share": 0.3}]), INFEASIBLE, None,
         "each country <= 600: three countries give at most 1800 < 2000"),
    Case("three_supplier_ban_s2",
         three([{"kind": "ban", "countries": ["XB"]}]), INFEASIBLE, None,
         "S2 banned: S1 600 + S3 1200 = 1800 < 2000 (a pre-solve finding)", findings=True),
    Case("three_supplier_ban_s1",
         three([{"kind": "ban", "countries": ["XA"]}]), OPTIMAL, 8200,
         "S1 is unused in the unconstrained optimum: still 8200", findings=False),
]


# --- unit cost, capacity, fixed costs, minimum orders ---------------------------------------

BASICS = [
    Case("unit_cost_capacity",
         doc([{"id": "a", "demand": 100}],
             [sup("p", "a", "XA", unit_cost=5, capacity=60),
              sup("q", "a", "XB", unit_cost=8, capacity=100),
              sup("r", "a", "XC", unit_cost=12)]),
         OPTIMAL, 620, "cheapest first: p 60*5=300 + q 40*8=320 -> 620"),
    Case("capacity_short",
         doc([{"id": "a", "demand": 200}],
             [sup("p", "a", "XA", unit_cost=5, capacity=60),
              sup("q", "a", "XB", unit_cost=8, capacity=100)]),
         INFEASIBLE, None, "capacity 60+100=160 < demand 200 (a pre-solve finding)",
         findings=True),
    Case("zero_demand",
         doc([{"id": "a", "demand": 0}],
             [sup("p", "a", "XA", unit_cost=5, fixed_cost=1000, min_order=10)]),
         OPTIMAL, 0, "nothing to buy: no supply, no fixed cost -> 0"),
    Case("fixed_cost_not_worth_it",
         doc([{"id": "a", "demand": 100}],
             [sup("p", "a", "XA", unit_cost=10),
              sup("q", "a", "XB", unit_cost=7, fixed_cost=400)]),
         OPTIMAL, 1000,
         "p alone 100*10=1000; q alone 100*7+400=1100 (saves 300 < 400 fixed) -> 1000"),
    Case("fixed_cost_worth_it",
         doc([{"id": "a", "demand": 200}],
             [sup("p", "a", "XA", unit_cost=10),
              sup("q", "a", "XB", unit_cost=7, fixed_cost=400)]),
         OPTIMAL, 1800, "p alone 2000; q alone 200*7+400=1800 (saves 600 > 400) -> 1800"),
    Case("min_order_control",
         doc([{"id": "a", "demand": 250}],
             [sup("p", "a", "XA", unit_cost=2, capacity=200),
              sup("q", "a", "XB", unit_cost=5),
              sup("r", "a", "XC", unit_cost=8)]),
         OPTIMAL, 650, "no minimum order: p 200*2=400 + q 50*5=250 -> 650"),
    Case("min_order_blocks_residual",
         doc([{"id": "a", "demand": 250}],
             [sup("p", "a", "XA", unit_cost=2, capacity=200),
              sup("q", "a", "XB", unit_cost=5, min_order=150),
              sup("r", "a", "XC", unit_cost=8)]),
         OPTIMAL, 800,
         "q needs >= 150, so using q leaves p <= 100: best p 100*2+q 150*5=950; "
         "without q: p 200*2=400 + r 50*8=400 = 800 -> 800"),
    Case("min_order_equals_capacity",
         doc([{"id": "a", "demand": 80}],
             [sup("p", "a", "XA", unit_cost=1, min_order=100, capacity=100),
              sup("q", "a", "XB", unit_cost=3)]),
         OPTIMAL, 240, "p is all-or-nothing at 100 > demand 80: q 80*3=240"),
]


# --- price tiers ----------------------------------------------------------------------------

TIERS = [
    Case("incremental_convex",
         doc([{"id": "a", "demand": 500}],
             [sup("p", "a", "XA", price_tiers=tiers("incremental", (0, 3), (200, 5), (400, 9))),
              sup("q", "a", "XB", unit_cost=6)]),
         OPTIMAL, 2200,
         "p's marginal 3 (<200), 5 (200-400), 9 (>400) vs q 6: p 400 -> 200*3+200*5=1600, "
         "q 100*6=600 -> 2200"),
    Case("incremental_discount_not_reached",
         doc([{"id": "a", "demand": 400}],
             [sup("p", "a", "XA", price_tiers=tiers("incremental", (0, 10), (300, 4))),
              sup("q", "a", "XB", unit_cost=7)]),
         OPTIMAL, 2800,
         "p(x)=10x for x<=300, 3000+4(x-300) above; p x>300 + q: 4600-3x >= 3400 at x=400; "
         "q alone 400*7=2800 -> 2800 (filling p's 4-tier first would wrongly give 1900)"),
    Case("incremental_discount_reached",
         doc([{"id": "a", "demand": 1000}],
             [sup("p", "a", "XA", price_tiers=tiers("incremental", (0, 10), (300, 4))),
              sup("q", "a", "XB", unit_cost=7)]),
         OPTIMAL, 5800,
         "p 1000: 300*10+700*4=5800; q alone 7000; mixes with p>300: 3000+4(x-300)+7(1000-x) "
         "decreasing in x -> 5800"),
    Case("all_units_break_is_optimal",
         doc([{"id": "a", "demand": 150}],
             [sup("p", "a", "XA", price_tiers=tiers("all_units", (0, 10), (100, 8))),
              sup("q", "a", "XB", unit_cost=5, capacity=60)]),
         OPTIMAL, 1050,
         "p>=100 at 8 on all units: 8x+5(150-x) min at x=100 -> 800+250=1050; "
         "p<100 at 10 needs q<=60 so p>=90: 900+300=1200 -> 1050 (p exactly at the break)"),
    Case("all_units_no_overbuying",
         doc([{"id": "a", "demand": 90}],
             [sup("p", "a", "XA", price_tiers=tiers("all_units", (0, 10), (100, 6))),
              sup("q", "a", "XB", unit_cost=11)]),
         OPTIMAL, 900,
         "demand met exactly: p 90*10=900 (buying 100 at 6=600 would be over-buying)"),
    Case("all_units_three_tiers",
         doc([{"id": "a", "demand": 250}],
             [sup("p", "a", "XA",
                  price_tiers=tiers("all_units", (0, 10), (100, 8), (200, 7)), capacity=300)]),
         OPTIMAL, 1750, "250 in the 200+ tier: 250*7=1750"),
    Case("all_units_break_at_demand",
         doc([{"id": "a", "demand": 100}],
             [sup("p", "a", "XA", price_tiers=tiers("all_units", (0, 10), (100, 8))),
              sup("q", "a", "XB", unit_cost=9.5)]),
         OPTIMAL, 800, "demand 100 is exactly p's break: all 100 at 8=800 < q 950"),
    Case("all_units_break_at_capacity",
         doc([{"id": "a", "demand": 150}],
             [sup("p", "a", "XA", capacity=100,
                  price_tiers=tiers("all_units", (0, 10), (100, 8))),
              sup("q", "a", "XB", unit_cost=9.5)]),
         OPTIMAL, 1275,
         "p's capacity 100 is its break: p 100*8=800 + q 50*9.5=475 -> 1275 "
         "(q alone 1425; p below 100 at 10 > 9.5)"),
    Case("incremental_mixed_tiers",
         doc([{"id": "a", "demand": 300}],
             [sup("p", "a", "XA",
                  price_tiers=tiers("incremental", (0, 5), (100, 9), (200, 2))),
              sup("q", "a", "XB", unit_cost=6)]),
         OPTIMAL, 1600,
         "p(x): 5x to 100 (500), +9/unit to 200 (1400), +2/unit beyond; with q at 6: "
         "x<=100: 1800-x; 100-200: 1400+3x; >200: 2800-4x -> x=300: 500+900+200=1600"),
    Case("incremental_mixed_tiers_capped",
         doc([{"id": "a", "demand": 300}],
             [sup("p", "a", "XA", capacity=250,
                  price_tiers=tiers("incremental", (0, 5), (100, 9), (200, 2))),
              sup("q", "a", "XB", unit_cost=6)]),
         OPTIMAL, 1700,
         "as above with p <= 250: 2800-4*250=1800 vs x=100: 500+200*6=1700 -> 1700"),
]


# --- tariffs and shortfall ------------------------------------------------------------------

TARIFFS = [
    Case("tariff_flips_choice",
         doc([{"id": "a", "demand": 100}],
             [sup("cn", "a", "CN", unit_cost=8), sup("us", "a", "US", unit_cost=9.5)],
             tariffs={"CN": 0.25}),
         OPTIMAL, 950, "cn 8*1.25=10 > us 9.5: us 100*9.5=950 (800 without the tariff)"),
    Case("tariff_on_tiers",
         doc([{"id": "a", "demand": 100}],
             [sup("cn", "a", "CN", price_tiers=tiers("incremental", (0, 8), (50, 4))),
              sup("us", "a", "US", unit_cost=9)],
             tariffs={"CN": 0.25}),
         OPTIMAL, 750,
         "cn 100: (50*8+50*4)*1.25=750; us 900; cn<=50 costs 10/unit > 9 -> 750"),
    Case("tariff_not_on_fixed_cost",
         doc([{"id": "a", "demand": 100}],
             [sup("cn", "a", "CN", unit_cost=8, fixed_cost=200),
              sup("us", "a", "US", unit_cost=12.4)],
             tariffs={"CN": 0.25}),
         OPTIMAL, 1200,
         "cn 100*8*1.25=1000+200 fixed=1200 < us 1240 -> 1200 (a tariff on the fixed cost "
         "would make cn 1250 and pick us at 1240)"),
    Case("tariff_by_location_not_owner",
         doc([{"id": "a", "demand": 100}],
             [sup("mx", "a", "MX", owner="CN", unit_cost=8),
              sup("cn", "a", "CN", unit_cost=7)],
             tariffs={"CN": 0.25}),
         OPTIMAL, 800, "cn 7*1.25=8.75; mx (CN-owned, located MX) untaxed 8: 100*8=800"),
    Case("tariff_on_site_country",
         doc([{"id": "a", "demand": 100}],
             [sup("k1", "a", None, site="k", unit_cost=8), sup("us", "a", "US", unit_cost=9.5)],
             tariffs={"CN": 0.25}, sites=[{"id": "k", "country": "CN"}]),
         OPTIMAL, 950, "k1 inherits CN from its site: 8*1.25=10 > 9.5: us 950 (untaxed 800)"),
]

SHORTFALL = [
    Case("shortfall_cheaper_than_buying",
         doc([{"id": "a", "demand": 100, "shortfall_penalty": 5}],
             [sup("p", "a", "XA", unit_cost=4, capacity=30), sup("q", "a", "XB", unit_cost=7)]),
         OPTIMAL, 470, "p 30*4=120; q at 7 > penalty 5: 70 unmet*5=350 -> 470"),
    Case("shortfall_beats_fixed_cost",
         doc([{"id": "a", "demand": 100, "shortfall_penalty": 5}],
             [sup("p", "a", "XA", unit_cost=3, fixed_cost=300)]),
         OPTIMAL, 500, "p: 300+300=600 > all unmet 100*5=500 -> 500"),
    Case("shortfall_without_suppliers",
         doc([{"id": "a", "demand": 40, "shortfall_penalty": 2.5},
              {"id": "b", "demand": 10}],
             [sup("p", "b", "XA", unit_cost=1)]),
         OPTIMAL, 110, "a has no supplier: 40*2.5=100 unmet; b 10*1=10 -> 110"),
    Case("shortfall_only_on_external_demand",
         doc([{"id": "gallium", "demand": 1, "shortfall_penalty": 100},
              {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}}],
             [sup("ga", "gallium", "XA", unit_cost=600, capacity=2.5),
              sup("w", "wafer", "XB", unit_cost=50)]),
         OPTIMAL, 6300,
         "wafers 100*50=5000 need 2 kg, which cannot be short; the external 1 kg is cheaper "
         "unmet (100 < 600): 2*600+1*100=1300 -> 6300"),
]


# --- multi-tier chains ----------------------------------------------------------------------


def wafer_chain(ga_cap: float = 1.5, wafer: dict[str, Any] | None = None,
                rules: list[dict[str, Any]] | None = None,
                ga_demand: float = 1.0) -> dict[str, Any]:
    return doc(
        [{"id": "gallium", "unit": "kg", "demand": ga_demand},
         {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}, **(wafer or {})}],
        [sup("ga-a", "gallium", "XA", unit_cost=600, capacity=ga_cap),
         sup("ga-b", "gallium", "XB", unit_cost=1400, capacity=10),
         sup("w-a", "wafer", "XC", unit_cost=50, capacity=60),
         sup("w-b", "wafer", "XD", unit_cost=80)],
        rules,
    )


CHAINS = [
    Case("chain_wafer_gallium", wafer_chain(), OPTIMAL, 9200,
         "wafers 60*50+40*80=6200; gallium 1 + 100*0.02 = 3 kg: 1.5*600+1.5*1400=3000 "
         "-> 9200"),
    Case("chain_country_cap_on_input",
         wafer_chain(ga_cap=10, rules=[{"kind": "country_cap", "max_share": 0.5,
                                        "items": ["gallium"]}]),
         OPTIMAL, 9200,
         "gallium 3 kg, each country <= 1.5 (share of total supply, inputs included): "
         "1.5*600+1.5*1400=3000; wafers 6200 -> 9200"),
    Case("chain_upstream_short",
         doc([{"id": "gallium", "unit": "kg", "demand": 0},
              {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}}],
             [sup("ga-a", "gallium", "XA", unit_cost=600, capacity=1.5),
              sup("w-a", "wafer", "XC", unit_cost=50)]),
         INFEASIBLE, None, "100 wafers need 2 kg of gallium; only 1.5 kg of capacity",
         findings=True),
    Case("chain_upstream_limits_with_shortfall",
         doc([{"id": "gallium", "unit": "kg", "demand": 0},
              {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02},
               "shortfall_penalty": 1000}],
             [sup("ga-a", "gallium", "XA", unit_cost=600, capacity=1.5),
              sup("w-a", "wafer", "XC", unit_cost=50)]),
         OPTIMAL, 29650,
         "1.5 kg makes 75 wafers (each 50+0.02*600=62 < 1000): 75*50=3750 + 1.5*600=900 "
         "+ 25 unmet*1000=25000 -> 29650"),
    Case("chain_three_levels",
         doc([{"id": "ore", "demand": 0},
              {"id": "refined", "demand": 0, "inputs": {"ore": 3}},
              {"id": "part", "demand": 10, "inputs": {"refined": 2, "ore": 1}}],
             [sup("o", "ore", "XA", unit_cost=1), sup("r", "refined", "XB", unit_cost=2),
              sup("p", "part", "XC", unit_cost=5)]),
         OPTIMAL, 160,
         "parts 10*5=50; refined 10*2=20 units *2=40; ore 10*1+20*3=70 units *1=70 -> 160"),
]


# --- sites ----------------------------------------------------------------------------------


def two_item_site(fixed: float) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 60}, {"id": "b", "demand": 50}],
        [sup("ka", "a", None, site="k", unit_cost=1), sup("kb", "b", None, site="k", unit_cost=1),
         sup("oa", "a", "XB", unit_cost=4), sup("ob", "b", "XC", unit_cost=3)],
        sites=[{"id": "k", "country": "XA", "capacity": 80, "fixed_cost": fixed}],
    )


SITES = [
    Case("site_shared_capacity_fixed_once", two_item_site(100), OPTIMAL, 270,
         "site k: 80 units at 1 shared, a's alternative 4 > b's 3, so ka 60, kb 20, ob 30: "
         "100 once + 60 + 20 + 90 = 270 (a only at k: 100+60+150=310; no site: 240+150=390; "
         "paying 100 per offer would give 310)"),
    Case("site_not_worth_opening", two_item_site(500), OPTIMAL, 390,
         "opening k saves 3*60+2*20=220 < 500: oa 60*4=240 + ob 50*3=150 -> 390"),
    Case("site_inherits_owner_for_ban",
         doc([{"id": "a", "demand": 10}],
             [sup("k1", "a", None, site="plant", unit_cost=1), sup("u", "a", "US", unit_cost=4)],
             [{"kind": "ban", "countries": ["CN"], "basis": "owner"}],
             sites=[{"id": "plant", "country": "MX", "owner": "CN"}]),
         OPTIMAL, 40, "k1 inherits MX/CN-owned from its site: banned on owner basis; u 10*4=40"),
    Case("site_min_order_and_capacity",
         doc([{"id": "a", "demand": 60}],
             [sup("ka", "a", None, site="k", unit_cost=1, min_order=40),
              sup("o", "a", "XB", unit_cost=4)],
             sites=[{"id": "k", "country": "XA", "capacity": 50, "fixed_cost": 100}]),
         OPTIMAL, 190, "ka in [40, 50] (site cap): ka 50*1+100 site + o 10*4 = 190 < o 240"),
    Case("site_two_offers_same_item",
         doc([{"id": "a", "demand": 50}],
             [sup("ka1", "a", None, site="k", unit_cost=1, capacity=30),
              sup("ka2", "a", None, site="k", unit_cost=2),
              sup("o", "a", "XB", unit_cost=5, capacity=10)],
             sites=[{"id": "k", "country": "XA", "fixed_cost": 50}]),
         OPTIMAL, 120,
         "o alone (10) cannot cover 50, so k must open (50, once): ka1 30*1 + ka2 20*2 "
         "(2 < o's 5) + 50 = 120"),
]


# --- trust rules ----------------------------------------------------------------------------


def owner_doc(basis: str) -> dict[str, Any]:
    return doc([{"id": "a", "demand": 100}],
               [sup("mx", "a", "MX", owner="CN", unit_cost=5), sup("us", "a", "US", unit_cost=7)],
               [{"kind": "ban", "countries": ["CN"], "basis": basis}])


def abc(rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Item a (demand 100) from XA at 1, XB at 2, XC at 3, each unlimited."""
    return doc([{"id": "a", "demand": 100}],
               [sup("pa", "a", "XA", unit_cost=1), sup("pb", "a", "XB", unit_cost=2),
                sup("pc", "a", "XC", unit_cost=3)],
               rules, **extra)


def two_items(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return doc([{"id": "a", "demand": 100}, {"id": "b", "demand": 100}],
               [sup("a-cn", "a", "CN", unit_cost=1), sup("a-us", "a", "US", unit_cost=2),
                sup("b-cn", "b", "CN", unit_cost=1), sup("b-us", "b", "US", unit_cost=2)],
               rules)


def owned(basis: str) -> dict[str, Any]:
    return doc([{"id": "a", "demand": 100}],
               [sup("p", "a", "XA", owner="XC", unit_cost=1),
                sup("q", "a", "XB", owner="XC", unit_cost=2),
                sup("r", "a", "XD", unit_cost=4)],
               [{"kind": "country_cap", "max_share": 0.5, "basis": basis}])


RULES = [
    Case("ban_owner_basis", owner_doc("owner"), OPTIMAL, 700,
         "mx is CN-owned: banned on owner basis; us 100*7=700"),
    Case("ban_location_basis", owner_doc("location"), OPTIMAL, 500,
         "mx is located in MX: not banned on location basis; mx 100*5=500"),
    Case("ban_builtin_concern",
         doc([{"id": "a", "demand": 100}],
             [sup("cn", "a", "CN", unit_cost=1), sup("ru", "a", "RU", unit_cost=2),
              sup("ir", "a", "IR", unit_cost=3), sup("kp", "a", "KP", unit_cost=4),
              sup("in", "a", "IN", unit_cost=6), sup("us", "a", "US", unit_cost=10)],
             [{"kind": "ban", "countries": ["concern"]}]),
         OPTIMAL, 600, "built-in concern = CN, RU, IR, KP all banned; in 100*6=600"),
    Case("country_cap_owner_basis", owned("owner"), OPTIMAL, 250,
         "p, q both XC-owned: together <= 50: p 50*1 + r 50*4 = 250"),
    Case("country_cap_location_basis", owned("location"), OPTIMAL, 150,
         "XA, XB each <= 50: p 50*1 + q 50*2 = 150"),
    Case("ban_all_suppliers_of_zero_demand_item",
         doc([{"id": "a", "demand": 0}, {"id": "b", "demand": 10}],
             [sup("cn", "a", "CN", unit_cost=1), sup("us", "b", "US", unit_cost=1)],
             [{"kind": "ban", "countries": ["CN"]}]),
         OPTIMAL, 10, "a needs nothing, so banning its only supplier is harmless; b 10*1=10",
         findings=False),
    Case("country_cap_all",
         abc([{"kind": "country_cap", "max_share": 0.4}]), OPTIMAL, 180,
         "each <= 40: pa 40*1 + pb 40*2 + pc 20*3 = 40+80+60=180"),
    Case("country_cap_selected_countries",
         abc([{"kind": "country_cap", "max_share": 0.3, "countries": ["XA"]}]), OPTIMAL, 170,
         "only XA <= 30: pa 30*1 + pb 70*2 = 170"),
    Case("country_cap_selected_bloc",
         abc([{"kind": "country_cap", "max_share": 0.3, "countries": ["mine"]}],
             blocs={"mine": ["XA", "XB"]}),
         OPTIMAL, 210, "XA, XB each <= 30: 30*1 + 30*2 + pc 40*3 = 30+60+120=210"),
    Case("country_cap_except_country",
         abc([{"kind": "country_cap", "max_share": 0.4, "except": ["XB"]}]), OPTIMAL, 160,
         "XB exempt, XA <= 40: pa 40*1 + pb 60*2 = 160"),
    Case("country_cap_except_custom_bloc",
         abc([{"kind": "country_cap", "max_share": 0.2, "except": ["friends"]}],
             blocs={"friends": ["XB", "XC"]}),
         OPTIMAL, 180, "XB, XC exempt, XA <= 20: pa 20*1 + pb 80*2 = 180"),
    Case("country_cap_too_tight",
         abc([{"kind": "country_cap", "max_share": 0.3}]), INFEASIBLE, None,
         "three countries at <= 30 each give 90 < 100"),
    Case("bloc_share_min_floor",
         doc([{"id": "a", "demand": 100}],
             [sup("cn", "a", "CN", unit_cost=5), sup("us", "a", "US", unit_cost=8)],
             [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.6}],
             blocs={"allies": ["US", "JP"]}),
         OPTIMAL, 680, "allies >= 60: us 60*8=480 + cn 40*5=200 -> 680"),
    Case("bloc_share_max",
         doc([{"id": "a", "demand": 100}],
             [sup("us", "a", "US", unit_cost=5), sup("xa", "a", "XA", unit_cost=8)],
             [{"kind": "bloc_share", "bloc": "allies", "max_share": 0.3}],
             blocs={"allies": ["US", "JP"]}),
         OPTIMAL, 710, "allies <= 30: us 30*5=150 + xa 70*8=560 -> 710"),
    Case("bloc_share_builtin_eu",
         doc([{"id": "a", "demand": 100}],
             [sup("cn", "a", "CN", unit_cost=5), sup("de", "a", "DE", unit_cost=9)],
             [{"kind": "bloc_share", "bloc": "eu", "min_share": 0.5}]),
         OPTIMAL, 700, "built-in eu contains DE: de 50*9=450 + cn 50*5=250 -> 700"),
    Case("bloc_share_floor_without_bloc_supplier",
         doc([{"id": "a", "demand": 100}, {"id": "b", "demand": 10}],
             [sup("us", "a", "US", unit_cost=1), sup("cn", "b", "CN", unit_cost=1)],
             [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.5}],
             blocs={"allies": ["US", "JP"]}),
         INFEASIBLE, None, "b has no allied supplier: allies >= 50% of 10 impossible"),
    Case("bloc_share_floor_zero_demand_item",
         doc([{"id": "a", "demand": 0}, {"id": "b", "demand": 10}],
             [sup("cn", "a", "CN", unit_cost=1), sup("us", "b", "US", unit_cost=1)],
             [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.5}],
             blocs={"allies": ["US", "JP"]}),
         OPTIMAL, 10, "a has no allied supplier but needs nothing (0 >= 0.5*0); b us 10"),
    Case("bloc_share_owner_basis",
         doc([{"id": "a", "demand": 100}],
             [sup("mx", "a", "MX", owner="US", unit_cost=6), sup("cn", "a", "CN", unit_cost=4)],
             [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.7, "basis": "owner"}],
             blocs={"allies": ["US", "JP"]}),
         OPTIMAL, 540, "mx is US-owned, an ally on owner basis: mx 70*6=420 + cn 30*4=120 = 540"),
    Case("supplier_cap",
         doc([{"id": "a", "demand": 100}],
             [sup("p", "a", "XA", unit_cost=1), sup("q", "a", "XA", unit_cost=2),
              sup("r", "a", "XB", unit_cost=3)],
             [{"kind": "supplier_cap", "max_share": 0.4}]),
         OPTIMAL, 180,
         "each supplier <= 40 (p and q share XA, no country cap): 40*1+40*2+20*3=180"),
    Case("supplier_cap_too_tight",
         doc([{"id": "a", "demand": 100}],
             [sup("p", "a", "XA", unit_cost=1), sup("q", "a", "XA", unit_cost=2),
              sup("r", "a", "XB", unit_cost=3)],
             [{"kind": "supplier_cap", "max_share": 0.3}]),
         INFEASIBLE, None, "three suppliers at <= 30 each give 90 < 100"),
    Case("exit_clause",
         doc([{"id": "a", "demand": 100}],
             [sup("p", "a", "XA", unit_cost=1, exit_clause=False),
              sup("q", "a", "XB", unit_cost=3)],
             [{"kind": "exit_clause", "max_share_without": 0.25}]),
         OPTIMAL, 250, "no-exit-clause p <= 25: p 25*1 + q 75*3 = 250"),
    Case("rule_on_items_ban",
         two_items([{"kind": "ban", "countries": ["CN"], "items": ["a"]}]), OPTIMAL, 300,
         "ban CN for a only: a 100*2=200; b from CN 100*1=100 -> 300"),
    Case("rule_on_items_country_cap",
         two_items([{"kind": "country_cap", "max_share": 0.5, "items": ["b"]}]), OPTIMAL, 250,
         "cap on b only: b 50*1+50*2=150; a 100*1=100 -> 250"),
]



# --- count rules: min_suppliers, max_suppliers, min_countries -------------------------------

COUNTS_THREE = [
    Case("three_supplier_min_suppliers_3_at_10pct",
         three([{"kind": "min_suppliers", "count": 3, "min_share_each": 0.1}]), OPTIMAL, 9500,
         "all three >= 200: S2 800 -> 2100; S1 at its floor 200 (marginal 10 > S3's 4) -> "
         "100+2000=2100; S3 1000 -> 300+3000+500*4=5300; 2100+2100+5300=9500 "
         "(S1 600: 5200 + S3 600: 3700 + 2100 = 11000)"),
    Case("three_supplier_min_suppliers_2",
         three([{"kind": "min_suppliers", "count": 2}]), OPTIMAL, 8200,
         "the unconstrained optimum already uses S2 and S3 (40 %, 60 % >= 1 %): 8200"),
    Case("three_supplier_min_suppliers_3_default_share",
         three([{"kind": "min_suppliers", "count": 3}]), OPTIMAL, 8420,
         "S1 >= 1 % = 20: 100 fixed + 20*10 replacing 20 of S3's 4-tier: "
         "8200+100+200-80=8420"),
    Case("three_supplier_max_suppliers_1",
         three([{"kind": "max_suppliers", "count": 1}]), INFEASIBLE, None,
         "no single supplier holds 2000 (largest S3 1200); a pre-solve finding", findings=True),
    Case("three_supplier_max_suppliers_2",
         three([{"kind": "max_suppliers", "count": 2}]), OPTIMAL, 8200,
         "S2+S3 is the only pair with 2000 of capacity (S1+S3 1800, S1+S2 1400) and the "
         "unconstrained optimum: 8200"),
    Case("three_supplier_min_countries_3",
         three([{"kind": "min_countries", "count": 3}]), OPTIMAL, 8420,
         "XA >= 1 % = 20: S1 fixed 100 + 20*10 replacing 20 units of S3 at 4: "
         "8200+100+200-80=8420 (S2 full at 2 stays)"),
    Case("three_supplier_min_suppliers_4",
         three([{"kind": "min_suppliers", "count": 4}]), INFEASIBLE, None,
         "4 suppliers asked of an item only 3 offer, with positive demand: caught before the "
         "solver (a pre-solve finding)", findings=True),
    Case("three_supplier_min_countries_4",
         three([{"kind": "min_countries", "count": 4}]), INFEASIBLE, None,
         "4 countries asked, offers come from 3: a pre-solve finding", findings=True),
    Case("three_supplier_ban_then_min_suppliers_3",
         three([{"kind": "ban", "countries": ["XA"]}, {"kind": "min_suppliers", "count": 3}]),
         INFEASIBLE, None, "the ban leaves S2, S3: 2 < 3 suppliers; a pre-solve finding",
         findings=True),
    Case("three_supplier_min_suppliers_shares_over_one",
         three([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.6}]), INFEASIBLE,
         None, "two suppliers each >= 60 % need 120 % of the supply; found by the solver "
         "(no pre-solve finding)", findings=False),
]


def owned_by_xc(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """pa (XA) and pb (XB), both XC-owned, at 1 and 2; pc (XD) at 3; demand 100."""
    return doc([{"id": "a", "demand": 100}],
               [sup("pa", "a", "XA", owner="XC", unit_cost=1),
                sup("pb", "a", "XB", owner="XC", unit_cost=2),
                sup("pc", "a", "XD", unit_cost=3)],
               rules)


def one_country_pair(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """p (XA, cap 50) at 1, q (XA) at 2, r (XB) at 5; demand 100."""
    return doc([{"id": "a", "demand": 100}],
               [sup("p", "a", "XA", unit_cost=1, capacity=50), sup("q", "a", "XA", unit_cost=2),
                sup("r", "a", "XB", unit_cost=5)],
               rules)


def single_sourcing(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """p (cap 60) at 1; q at 3 + fixed 100; r all-units 5, 3.9 from 100; demand 100."""
    return doc([{"id": "a", "demand": 100}],
               [sup("p", "a", "XA", unit_cost=1, capacity=60),
                sup("q", "a", "XB", unit_cost=3, fixed_cost=100),
                sup("r", "a", "XC", price_tiers=tiers("all_units", (0, 5), (100, 3.9)))],
               rules)


COUNTS = [
    Case("min_countries_location_basis",
         owned_by_xc([{"kind": "min_countries", "count": 2, "min_share_each": 0.1}]),
         OPTIMAL, 110, "XA, XB, XD distinct: pa 90*1 + pb 10*2 = 110"),
    Case("min_countries_owner_basis",
         owned_by_xc([{"kind": "min_countries", "count": 2, "min_share_each": 0.1,
                       "basis": "owner"}]),
         OPTIMAL, 120,
         "pa, pb are one owner country (XC): XD >= 10 -> pa 90*1 + pc 10*3 = 120 "
         "(pb counted as a second country would give 110)"),
    Case("min_suppliers_location_basis",
         owned_by_xc([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.1}]),
         OPTIMAL, 110, "two suppliers >= 10: pa 90*1 + pb 10*2 = 110"),
    Case("min_suppliers_owner_basis",
         owned_by_xc([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.1,
                       "basis": "owner"}]),
         OPTIMAL, 110,
         "suppliers are counted one by one whatever the basis (pa, pb share an owner but are "
         "two suppliers): pa 90 + pb 10*2 = 110"),
    Case("min_countries_two_suppliers_one_country",
         one_country_pair([{"kind": "min_countries", "count": 2, "min_share_each": 0.2}]),
         OPTIMAL, 210,
         "p, q are both XA, so XB (r) >= 20: r 20*5=100; XA 80: p 50*1 + q 30*2 = 110 "
         "-> 210 (counting p and q as two countries would give 150)"),
    Case("min_suppliers_two_suppliers_one_country",
         one_country_pair([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.2}]),
         OPTIMAL, 150, "p 50*1 + q 50*2 = 150 (both >= 20; country does not matter)"),
    Case("min_suppliers_with_min_order",
         doc([{"id": "a", "demand": 100}],
             [sup("p", "a", "XA", unit_cost=1), sup("q", "a", "XB", unit_cost=2, min_order=30),
              sup("r", "a", "XC", unit_cost=4.5)],
             [{"kind": "min_suppliers", "count": 2, "min_share_each": 0.1}]),
         OPTIMAL, 130,
         "second supplier >= 10: q needs >= 30: p 70 + q 30*2 = 130; p 90 + r 10*4.5 = 135 "
         "-> 130 (ignoring q's minimum order would give p 90 + q 20 = 110)"),
    Case("max_suppliers_control", single_sourcing([]), OPTIMAL, 260,
         "no rule: p 60*1 + r 40*5 = 260 (p 60 + q 40*3+100 = 280; r 100*3.9 = 390)"),
    Case("max_suppliers_single_sourcing",
         single_sourcing([{"kind": "max_suppliers", "count": 1}]), OPTIMAL, 390,
         "one supplier for all 100: p holds 60 only; q 100*3+100=400; r 100 reaches the "
         "all-units break: 100*3.9=390 -> r, 390"),
    Case("count_rules_zero_demand_item",
         doc([{"id": "a", "demand": 0}, {"id": "b", "demand": 10}],
             [sup("p", "a", "XA", unit_cost=1), sup("q", "b", "XB", unit_cost=2),
              sup("r", "b", "XC", unit_cost=3)],
             [{"kind": "min_suppliers", "count": 2, "min_share_each": 0.5}]),
         OPTIMAL, 25,
         "a needs nothing, so its single supplier is no obstacle; b q 5*2 + r 5*3 = 25",
         findings=False),
    Case("count_rule_too_few_with_shortfall",
         doc([{"id": "a", "demand": 100, "shortfall_penalty": 7}],
             [sup("p", "a", "XA", unit_cost=1), sup("q", "a", "XB", unit_cost=2)],
             [{"kind": "min_suppliers", "count": 3}]),
         OPTIMAL, 700,
         "3 suppliers asked, 2 offer: any supply breaks the rule, so all 100 short at 7 = 700 "
         "(reaches the solver: shortfall makes it feasible, no finding)", findings=False),
]


# --- exit: the right to walk away -----------------------------------------------------------


def site_pair(lose: str) -> dict[str, Any]:
    """k1, k2 at one site (XA), cap 60 each, at 1, 2; o (XB, cap 60) at 5; o2 (XC, cap 100,
    fixed 50) at 6; demand 100; exit coverage 0.8 (80)."""
    return doc([{"id": "a", "demand": 100}],
               [sup("k1", "a", None, site="k", unit_cost=1, capacity=60),
                sup("k2", "a", None, site="k", unit_cost=2, capacity=60),
                sup("o", "a", "XB", unit_cost=5, capacity=60),
                sup("o2", "a", "XC", unit_cost=6, capacity=100, fixed_cost=50)],
               [{"kind": "exit", "lose": lose, "coverage": 0.8}],
               sites=[{"id": "k", "country": "XA"}])


def country_pair(lose: str) -> dict[str, Any]:
    """p, q (both XA, cap 60) at 1, 2; r (XB, cap 100, fixed 200) at 5; demand 100;
    exit coverage 0.6 (60)."""
    return doc([{"id": "a", "demand": 100}],
               [sup("p", "a", "XA", unit_cost=1, capacity=60),
                sup("q", "a", "XA", unit_cost=2, capacity=60),
                sup("r", "a", "XB", unit_cost=5, capacity=100, fixed_cost=200)],
               [{"kind": "exit", "lose": lose, "coverage": 0.6}])


def standby(**backup: Any) -> dict[str, Any]:
    """m (XA, cap 100) at 1; backup b (XB, cap 100, min order 50) at 10; exit coverage 1."""
    return doc([{"id": "a", "demand": 100}],
               [sup("m", "a", "XA", unit_cost=1, capacity=100),
                sup("b", "a", "XB", unit_cost=10, capacity=100, min_order=50, **backup)],
               [{"kind": "exit", "coverage": 1.0}])


def exit_two_items(rule: dict[str, Any]) -> dict[str, Any]:
    return doc([{"id": "a", "demand": 100}, {"id": "b", "demand": 100}],
               [sup("a-cn", "a", "CN", unit_cost=1), sup("a-us", "a", "US", unit_cost=2,
                                                         fixed_cost=50),
                sup("b-cn", "b", "CN", unit_cost=1), sup("b-us", "b", "US", unit_cost=2,
                                                         fixed_cost=50)],
               [rule])


def site_backup(site_fixed: float, coverage: float) -> dict[str, Any]:
    """m (XA, unlimited) at 1; b at site k (XB, site cap 50, site fixed cost) at 3, no own cap;
    c (XC, cap 100, fixed 40) at 4; demand 100."""
    return doc([{"id": "a", "demand": 100}],
               [sup("m", "a", "XA", unit_cost=1), sup("b", "a", None, site="k", unit_cost=3),
                sup("c", "a", "XC", unit_cost=4, capacity=100, fixed_cost=40)],
               [{"kind": "exit", "coverage": coverage}],
               sites=[{"id": "k", "country": "XB", "capacity": 50, "fixed_cost": site_fixed}])


def exit_owned(basis: str) -> dict[str, Any]:
    """p (XA) and q (XB), both XC-owned, cap 100, at 1, 2; r (XD, cap 100, fixed 60) at 5."""
    return doc([{"id": "a", "demand": 100}],
               [sup("p", "a", "XA", owner="XC", unit_cost=1, capacity=100),
                sup("q", "a", "XB", owner="XC", unit_cost=2, capacity=100),
                sup("r", "a", "XD", unit_cost=5, capacity=100, fixed_cost=60)],
               [{"kind": "exit", "coverage": 1.0, "basis": basis}])


EXIT = [
    Case("three_supplier_exit_full_coverage",
         three([{"kind": "exit", "lose": "country", "coverage": 1.0}]), INFEASIBLE, None,
         "losing XC leaves S1 600 + S2 800 = 1400 < 2000 whatever is qualified "
         "(a pre-solve finding)", findings=True),
    Case("three_supplier_exit_70pct",
         three([{"kind": "exit", "lose": "country", "coverage": 0.7}]), OPTIMAL, 8300,
         "need 1400 outside each country: losing XC leaves S1+S2 = 600+800 = 1400 (S1 must be "
         "qualified), losing XB leaves S1+S3 = 1800 (S3 alone 1200 < 1400); so all three are "
         "qualified, S1 as a standby: fixed 100, no award; awards as unconstrained: "
         "8200+100=8300"),
    Case("three_supplier_exit_70pct_lose_supplier",
         three([{"kind": "exit", "lose": "supplier", "coverage": 0.7}]), OPTIMAL, 8300,
         "each supplier is alone in its country, so losing a supplier is losing a country: "
         "S1 stands by, 8300"),
    Case("three_supplier_exit_lose_site_without_sites",
         three([{"kind": "exit", "lose": "site", "coverage": 1.0}]), OPTIMAL, 8200,
         "no offer belongs to a site, so no site can be lost: the rule asks nothing, 8200",
         findings=False),
    Case("exit_lose_site_two_offers_one_loss", site_pair("site"), OPTIMAL, 190,
         "losing site k loses k1 and k2 together: left o 60 < 80, so o2 is qualified "
         "(fixed 50) as a standby: k1 60*1 + k2 40*2 + 50 = 190"),
    Case("exit_lose_supplier_same_instance", site_pair("supplier"), OPTIMAL, 140,
         "losing one offer leaves >= 60+60 = 120 >= 80 without o2: k1 60 + k2 40*2 = 140 "
         "(counting the site as one loss would give 190)"),
    Case("exit_lose_country_site_in_one_country", site_pair("country"), OPTIMAL, 190,
         "k is in XA: losing XA loses k1 and k2 -> as losing the site: 190"),
    Case("exit_lose_supplier", country_pair("supplier"), OPTIMAL, 140,
         "losing p leaves q 60 >= 60, losing q leaves p 60, losing r leaves 120: no standby; "
         "p 60*1 + q 40*2 = 140"),
    Case("exit_lose_country_two_suppliers_one_country", country_pair("country"), OPTIMAL,
         340,
         "losing XA loses p and q: r (cap 100 >= 60) must be qualified: 140 + 200 = 340"),
    Case("exit_standby_cheaper_than_award", standby(fixed_cost=30), OPTIMAL, 130,
         "losing XA needs b's 100 qualified: fixed 30, no award: m 100*1 + 30 = 130 "
         "(an award for b would need >= 50 at 10: 50+500+30 = 580)"),
    Case("exit_backup_without_fixed_cost", standby(), OPTIMAL, 100,
         "b has no fixed cost, so it is always qualified: m 100*1 = 100"),
    Case("exit_on_restricted_items",
         exit_two_items({"kind": "exit", "coverage": 0.5, "items": ["a"]}), OPTIMAL, 250,
         "only a: losing CN needs a-us qualified (fixed 50, unlimited -> counts 100 >= 50): "
         "a 100*1 + 50; b 100*1 -> 250"),
    Case("exit_on_all_items",
         exit_two_items({"kind": "exit", "coverage": 0.5}), OPTIMAL, 300,
         "both items need their US standby: 2*(100+50) = 300"),
    Case("exit_site_capacity_limits_coverage", site_backup(0, 0.8), OPTIMAL, 140,
         "losing XA: b counts min(own unlimited, site 50) = 50 < 80, so c (fixed 40) stands "
         "by: m 100*1 + 40 = 140 (counting b as unlimited would give 100)"),
    Case("exit_site_backup_enough", site_backup(0, 0.5), OPTIMAL, 100,
         "losing XA leaves b's 50 >= 50 (site without fixed cost: always qualified): m 100"),
    Case("exit_site_opened_as_standby", site_backup(25, 0.5), OPTIMAL, 125,
         "b counts only if site k is open (fixed 25 < c's 40): m 100*1 + 25 = 125, "
         "no award at k"),
    Case("exit_site_standby_too_small", site_backup(25, 0.8), OPTIMAL, 140,
         "k's 50 < 80, so c is needed anyway (and suffices, 100 >= 80): m 100 + 40 = 140"),
    Case("exit_banned_supplier_is_no_backup",
         doc([{"id": "a", "demand": 100}],
             [sup("us", "a", "US", unit_cost=1), sup("cn", "a", "CN", unit_cost=0.5),
              sup("b", "a", "XB", unit_cost=3, capacity=100, fixed_cost=40)],
             [{"kind": "ban", "countries": ["CN"]}, {"kind": "exit", "coverage": 0.5}]),
         OPTIMAL, 140,
         "cn is banned, so it cannot deliver and covers no exit right: losing US needs b "
         "(fixed 40) as a standby: us 100*1 + 40 = 140 (counting cn would give 100)"),
    Case("exit_banned_supplier_only_backup",
         doc([{"id": "a", "demand": 1}],
             [sup("us", "a", "US", unit_cost=1), sup("cn", "a", "CN", unit_cost=1)],
             [{"kind": "ban", "countries": ["CN"]}, {"kind": "exit", "coverage": 0.2}]),
         INFEASIBLE, None,
         "the only backup (cn) is banned: losing US leaves 0 < 0.2; found by the solver, "
         "not by a pre-solve finding", findings=False),
    Case("exit_location_basis", exit_owned("location"), OPTIMAL, 100,
         "losing XA leaves q 100, losing XB leaves p 100: p 100*1 = 100, r not needed"),
    Case("exit_owner_basis", exit_owned("owner"), OPTIMAL, 160,
         "p, q are both XC-owned: losing XC needs r qualified: 100 + 60 = 160"),
    Case("exit_on_chain_input",
         doc([{"id": "gallium", "unit": "kg", "demand": 1},
              {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}}],
             [sup("ga-a", "gallium", "XA", unit_cost=600, capacity=10),
              sup("ga-b", "gallium", "XB", unit_cost=1400, capacity=2.5, fixed_cost=100),
              sup("ga-c", "gallium", "XC", unit_cost=2000, capacity=10, fixed_cost=500),
              sup("w", "wafer", "XD", unit_cost=50)],
             [{"kind": "exit", "coverage": 1.0, "items": ["gallium"]}]),
         OPTIMAL, 7300,
         "gallium supply 1 + 100*0.02 = 3 kg: losing XA needs 3 kg elsewhere: ga-b 2.5 is "
         "short, ga-c (fixed 500) stands by; ga-a 3*600 = 1800; wafers 100*50 = 5000 -> 7300 "
         "(coverage of the external 1 kg only would take ga-b: 6900)"),
]


CASES: list[Case] = (THREE + BASICS + TIERS + TARIFFS + SHORTFALL + CHAINS + SITES + RULES
                     + COUNTS_THREE + COUNTS + EXIT)
