"""A catalogue of small instances whose optima were computed by hand.

Each :class:`Case` holds a schema-1 document, the expected status and objective, and in ``why``
the hand computation that gives the objective. ``tests/test_catalogue.py`` solves every case on
both backends and compares. The core features and share rules are here; the count and exit rules
are in ``catalogue_trust.py``; the helpers in ``catalogue_base.py``.
"""

from __future__ import annotations

from typing import Any

from catalogue_base import (  # noqa: F401  (re-exported for the test modules)
    INFEASIBLE,
    OPTIMAL,
    Case,
    doc,
    sup,
    three,
    tiers,
)
from catalogue_trust import COUNTS, COUNTS_THREE, EXIT

THREE = [
    Case(
        "three_supplier",
        three(),
        OPTIMAL,
        8200,
        "S2 800*2=1600+500 fixed=2100; S3 500*6+700*4=5800+300 fixed=6100 -> 8200 "
        "(S1 would add 100 fixed and units at 10 where S3's marginal is 4)",
    ),
    Case(
        "three_supplier_cap50",
        three([{"kind": "country_cap", "max_share": 0.5}]),
        OPTIMAL,
        9500,
        "each country <= 1000: S2 800 -> 2100; S3 1000 -> 300+3000+2000=5300; "
        "S1 the remaining 200 -> 100+200*10=2100; 2100+5300+2100=9500",
    ),
    Case(
        "three_supplier_cap40",
        three([{"kind": "country_cap", "max_share": 0.4}]),
        OPTIMAL,
        10400,
        "each country <= 800: S2 800 -> 2100; S3 800 -> 300+3000+300*4=4500; "
        "S1 400 -> 100+3000+100*7=3800; 2100+4500+3800=10400",
    ),
    Case(
        "three_supplier_cap30",
        three([{"kind": "country_cap", "max_share": 0.3}]),
        INFEASIBLE,
        None,
        "each country <= 600: three countries give at most 1800 < 2000",
    ),
    Case(
        "three_supplier_ban_s2",
        three([{"kind": "ban", "countries": ["XB"]}]),
        INFEASIBLE,
        None,
        "S2 banned: S1 600 + S3 1200 = 1800 < 2000 (a pre-solve finding)",
        findings=True,
    ),
    Case(
        "three_supplier_ban_s1",
        three([{"kind": "ban", "countries": ["XA"]}]),
        OPTIMAL,
        8200,
        "S1 is unused in the unconstrained optimum: still 8200",
        findings=False,
    ),
]


# --- unit cost, capacity, fixed costs, minimum orders ---------------------------------------

BASICS = [
    Case(
        "unit_cost_capacity",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("p", "a", "XA", unit_cost=5, capacity=60),
                sup("q", "a", "XB", unit_cost=8, capacity=100),
                sup("r", "a", "XC", unit_cost=12),
            ],
        ),
        OPTIMAL,
        620,
        "cheapest first: p 60*5=300 + q 40*8=320 -> 620",
    ),
    Case(
        "capacity_short",
        doc(
            [{"id": "a", "demand": 200}],
            [
                sup("p", "a", "XA", unit_cost=5, capacity=60),
                sup("q", "a", "XB", unit_cost=8, capacity=100),
            ],
        ),
        INFEASIBLE,
        None,
        "capacity 60+100=160 < demand 200 (a pre-solve finding)",
        findings=True,
    ),
    Case(
        "zero_demand",
        doc(
            [{"id": "a", "demand": 0}],
            [sup("p", "a", "XA", unit_cost=5, fixed_cost=1000, min_order=10)],
        ),
        OPTIMAL,
        0,
        "nothing to buy: no supply, no fixed cost -> 0",
    ),
    Case(
        "fixed_cost_not_worth_it",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("p", "a", "XA", unit_cost=10), sup("q", "a", "XB", unit_cost=7, fixed_cost=400)],
        ),
        OPTIMAL,
        1000,
        "p alone 100*10=1000; q alone 100*7+400=1100 (saves 300 < 400 fixed) -> 1000",
    ),
    Case(
        "fixed_cost_worth_it",
        doc(
            [{"id": "a", "demand": 200}],
            [sup("p", "a", "XA", unit_cost=10), sup("q", "a", "XB", unit_cost=7, fixed_cost=400)],
        ),
        OPTIMAL,
        1800,
        "p alone 2000; q alone 200*7+400=1800 (saves 600 > 400) -> 1800",
    ),
    Case(
        "min_order_control",
        doc(
            [{"id": "a", "demand": 250}],
            [
                sup("p", "a", "XA", unit_cost=2, capacity=200),
                sup("q", "a", "XB", unit_cost=5),
                sup("r", "a", "XC", unit_cost=8),
            ],
        ),
        OPTIMAL,
        650,
        "no minimum order: p 200*2=400 + q 50*5=250 -> 650",
    ),
    Case(
        "min_order_blocks_residual",
        doc(
            [{"id": "a", "demand": 250}],
            [
                sup("p", "a", "XA", unit_cost=2, capacity=200),
                sup("q", "a", "XB", unit_cost=5, min_order=150),
                sup("r", "a", "XC", unit_cost=8),
            ],
        ),
        OPTIMAL,
        800,
        "q needs >= 150, so using q leaves p <= 100: best p 100*2+q 150*5=950; "
        "without q: p 200*2=400 + r 50*8=400 = 800 -> 800",
    ),
    Case(
        "min_order_equals_capacity",
        doc(
            [{"id": "a", "demand": 80}],
            [
                sup("p", "a", "XA", unit_cost=1, min_order=100, capacity=100),
                sup("q", "a", "XB", unit_cost=3),
            ],
        ),
        OPTIMAL,
        240,
        "p is all-or-nothing at 100 > demand 80: q 80*3=240",
    ),
]


# --- price tiers ----------------------------------------------------------------------------

TIERS = [
    Case(
        "incremental_convex",
        doc(
            [{"id": "a", "demand": 500}],
            [
                sup("p", "a", "XA", price_tiers=tiers("incremental", (0, 3), (200, 5), (400, 9))),
                sup("q", "a", "XB", unit_cost=6),
            ],
        ),
        OPTIMAL,
        2200,
        "p's marginal 3 (<200), 5 (200-400), 9 (>400) vs q 6: p 400 -> 200*3+200*5=1600, "
        "q 100*6=600 -> 2200",
    ),
    Case(
        "incremental_discount_not_reached",
        doc(
            [{"id": "a", "demand": 400}],
            [
                sup("p", "a", "XA", price_tiers=tiers("incremental", (0, 10), (300, 4))),
                sup("q", "a", "XB", unit_cost=7),
            ],
        ),
        OPTIMAL,
        2800,
        "p(x)=10x for x<=300, 3000+4(x-300) above; p x>300 + q: 4600-3x >= 3400 at x=400; "
        "q alone 400*7=2800 -> 2800 (filling p's 4-tier first would wrongly give 1900)",
    ),
    Case(
        "incremental_discount_reached",
        doc(
            [{"id": "a", "demand": 1000}],
            [
                sup("p", "a", "XA", price_tiers=tiers("incremental", (0, 10), (300, 4))),
                sup("q", "a", "XB", unit_cost=7),
            ],
        ),
        OPTIMAL,
        5800,
        "p 1000: 300*10+700*4=5800; q alone 7000; mixes with p>300: 3000+4(x-300)+7(1000-x) "
        "decreasing in x -> 5800",
    ),
    Case(
        "all_units_break_is_optimal",
        doc(
            [{"id": "a", "demand": 150}],
            [
                sup("p", "a", "XA", price_tiers=tiers("all_units", (0, 10), (100, 8))),
                sup("q", "a", "XB", unit_cost=5, capacity=60),
            ],
        ),
        OPTIMAL,
        1050,
        "p>=100 at 8 on all units: 8x+5(150-x) min at x=100 -> 800+250=1050; "
        "p<100 at 10 needs q<=60 so p>=90: 900+300=1200 -> 1050 (p exactly at the break)",
    ),
    Case(
        "all_units_no_overbuying",
        doc(
            [{"id": "a", "demand": 90}],
            [
                sup("p", "a", "XA", price_tiers=tiers("all_units", (0, 10), (100, 6))),
                sup("q", "a", "XB", unit_cost=11),
            ],
        ),
        OPTIMAL,
        900,
        "demand met exactly: p 90*10=900 (buying 100 at 6=600 would be over-buying)",
    ),
    Case(
        "all_units_three_tiers",
        doc(
            [{"id": "a", "demand": 250}],
            [
                sup(
                    "p",
                    "a",
                    "XA",
                    price_tiers=tiers("all_units", (0, 10), (100, 8), (200, 7)),
                    capacity=300,
                )
            ],
        ),
        OPTIMAL,
        1750,
        "250 in the 200+ tier: 250*7=1750",
    ),
    Case(
        "all_units_break_at_demand",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("p", "a", "XA", price_tiers=tiers("all_units", (0, 10), (100, 8))),
                sup("q", "a", "XB", unit_cost=9.5),
            ],
        ),
        OPTIMAL,
        800,
        "demand 100 is exactly p's break: all 100 at 8=800 < q 950",
    ),
    Case(
        "all_units_break_at_capacity",
        doc(
            [{"id": "a", "demand": 150}],
            [
                sup(
                    "p", "a", "XA", capacity=100, price_tiers=tiers("all_units", (0, 10), (100, 8))
                ),
                sup("q", "a", "XB", unit_cost=9.5),
            ],
        ),
        OPTIMAL,
        1275,
        "p's capacity 100 is its break: p 100*8=800 + q 50*9.5=475 -> 1275 "
        "(q alone 1425; p below 100 at 10 > 9.5)",
    ),
    Case(
        "incremental_mixed_tiers",
        doc(
            [{"id": "a", "demand": 300}],
            [
                sup("p", "a", "XA", price_tiers=tiers("incremental", (0, 5), (100, 9), (200, 2))),
                sup("q", "a", "XB", unit_cost=6),
            ],
        ),
        OPTIMAL,
        1600,
        "p(x): 5x to 100 (500), +9/unit to 200 (1400), +2/unit beyond; with q at 6: "
        "x<=100: 1800-x; 100-200: 1400+3x; >200: 2800-4x -> x=300: 500+900+200=1600",
    ),
    Case(
        "incremental_mixed_tiers_capped",
        doc(
            [{"id": "a", "demand": 300}],
            [
                sup(
                    "p",
                    "a",
                    "XA",
                    capacity=250,
                    price_tiers=tiers("incremental", (0, 5), (100, 9), (200, 2)),
                ),
                sup("q", "a", "XB", unit_cost=6),
            ],
        ),
        OPTIMAL,
        1700,
        "as above with p <= 250: 2800-4*250=1800 vs x=100: 500+200*6=1700 -> 1700",
    ),
]


# --- tariffs and shortfall ------------------------------------------------------------------

TARIFFS = [
    Case(
        "tariff_flips_choice",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("cn", "a", "CN", unit_cost=8), sup("us", "a", "US", unit_cost=9.5)],
            tariffs={"CN": 0.25},
        ),
        OPTIMAL,
        950,
        "cn 8*1.25=10 > us 9.5: us 100*9.5=950 (800 without the tariff)",
    ),
    Case(
        "tariff_on_tiers",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("cn", "a", "CN", price_tiers=tiers("incremental", (0, 8), (50, 4))),
                sup("us", "a", "US", unit_cost=9),
            ],
            tariffs={"CN": 0.25},
        ),
        OPTIMAL,
        750,
        "cn 100: (50*8+50*4)*1.25=750; us 900; cn<=50 costs 10/unit > 9 -> 750",
    ),
    Case(
        "tariff_not_on_fixed_cost",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("cn", "a", "CN", unit_cost=8, fixed_cost=200),
                sup("us", "a", "US", unit_cost=12.4),
            ],
            tariffs={"CN": 0.25},
        ),
        OPTIMAL,
        1200,
        "cn 100*8*1.25=1000+200 fixed=1200 < us 1240 -> 1200 (a tariff on the fixed cost "
        "would make cn 1250 and pick us at 1240)",
    ),
    Case(
        "tariff_by_location_not_owner",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("mx", "a", "MX", owner="CN", unit_cost=8), sup("cn", "a", "CN", unit_cost=7)],
            tariffs={"CN": 0.25},
        ),
        OPTIMAL,
        800,
        "cn 7*1.25=8.75; mx (CN-owned, located MX) untaxed 8: 100*8=800",
    ),
    Case(
        "tariff_on_site_country",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("k1", "a", None, site="k", unit_cost=8), sup("us", "a", "US", unit_cost=9.5)],
            tariffs={"CN": 0.25},
            sites=[{"id": "k", "country": "CN"}],
        ),
        OPTIMAL,
        950,
        "k1 inherits CN from its site: 8*1.25=10 > 9.5: us 950 (untaxed 800)",
    ),
]

SHORTFALL = [
    Case(
        "shortfall_cheaper_than_buying",
        doc(
            [{"id": "a", "demand": 100, "shortfall_penalty": 5}],
            [sup("p", "a", "XA", unit_cost=4, capacity=30), sup("q", "a", "XB", unit_cost=7)],
        ),
        OPTIMAL,
        470,
        "p 30*4=120; q at 7 > penalty 5: 70 unmet*5=350 -> 470",
    ),
    Case(
        "shortfall_beats_fixed_cost",
        doc(
            [{"id": "a", "demand": 100, "shortfall_penalty": 5}],
            [sup("p", "a", "XA", unit_cost=3, fixed_cost=300)],
        ),
        OPTIMAL,
        500,
        "p: 300+300=600 > all unmet 100*5=500 -> 500",
    ),
    Case(
        "shortfall_without_suppliers",
        doc(
            [{"id": "a", "demand": 40, "shortfall_penalty": 2.5}, {"id": "b", "demand": 10}],
            [sup("p", "b", "XA", unit_cost=1)],
        ),
        OPTIMAL,
        110,
        "a has no supplier: 40*2.5=100 unmet; b 10*1=10 -> 110",
    ),
    Case(
        "shortfall_only_on_external_demand",
        doc(
            [
                {"id": "gallium", "demand": 1, "shortfall_penalty": 100},
                {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}},
            ],
            [
                sup("ga", "gallium", "XA", unit_cost=600, capacity=2.5),
                sup("w", "wafer", "XB", unit_cost=50),
            ],
        ),
        OPTIMAL,
        6300,
        "wafers 100*50=5000 need 2 kg, which cannot be short; the external 1 kg is cheaper "
        "unmet (100 < 600): 2*600+1*100=1300 -> 6300",
    ),
]


# --- multi-tier chains ----------------------------------------------------------------------


def wafer_chain(
    ga_cap: float = 1.5,
    wafer: dict[str, Any] | None = None,
    rules: list[dict[str, Any]] | None = None,
    ga_demand: float = 1.0,
) -> dict[str, Any]:
    return doc(
        [
            {"id": "gallium", "unit": "kg", "demand": ga_demand},
            {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}, **(wafer or {})},
        ],
        [
            sup("ga-a", "gallium", "XA", unit_cost=600, capacity=ga_cap),
            sup("ga-b", "gallium", "XB", unit_cost=1400, capacity=10),
            sup("w-a", "wafer", "XC", unit_cost=50, capacity=60),
            sup("w-b", "wafer", "XD", unit_cost=80),
        ],
        rules,
    )


CHAINS = [
    Case(
        "chain_wafer_gallium",
        wafer_chain(),
        OPTIMAL,
        9200,
        "wafers 60*50+40*80=6200; gallium 1 + 100*0.02 = 3 kg: 1.5*600+1.5*1400=3000 -> 9200",
    ),
    Case(
        "chain_country_cap_on_input",
        wafer_chain(
            ga_cap=10, rules=[{"kind": "country_cap", "max_share": 0.5, "items": ["gallium"]}]
        ),
        OPTIMAL,
        9200,
        "gallium 3 kg, each country <= 1.5 (share of total supply, inputs included): "
        "1.5*600+1.5*1400=3000; wafers 6200 -> 9200",
    ),
    Case(
        "chain_upstream_short",
        doc(
            [
                {"id": "gallium", "unit": "kg", "demand": 0},
                {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}},
            ],
            [
                sup("ga-a", "gallium", "XA", unit_cost=600, capacity=1.5),
                sup("w-a", "wafer", "XC", unit_cost=50),
            ],
        ),
        INFEASIBLE,
        None,
        "100 wafers need 2 kg of gallium; only 1.5 kg of capacity",
        findings=True,
    ),
    Case(
        "chain_upstream_limits_with_shortfall",
        doc(
            [
                {"id": "gallium", "unit": "kg", "demand": 0},
                {
                    "id": "wafer",
                    "demand": 100,
                    "inputs": {"gallium": 0.02},
                    "shortfall_penalty": 1000,
                },
            ],
            [
                sup("ga-a", "gallium", "XA", unit_cost=600, capacity=1.5),
                sup("w-a", "wafer", "XC", unit_cost=50),
            ],
        ),
        OPTIMAL,
        29650,
        "1.5 kg makes 75 wafers (each 50+0.02*600=62 < 1000): 75*50=3750 + 1.5*600=900 "
        "+ 25 unmet*1000=25000 -> 29650",
    ),
    Case(
        "chain_three_levels",
        doc(
            [
                {"id": "ore", "demand": 0},
                {"id": "refined", "demand": 0, "inputs": {"ore": 3}},
                {"id": "part", "demand": 10, "inputs": {"refined": 2, "ore": 1}},
            ],
            [
                sup("o", "ore", "XA", unit_cost=1),
                sup("r", "refined", "XB", unit_cost=2),
                sup("p", "part", "XC", unit_cost=5),
            ],
        ),
        OPTIMAL,
        160,
        "parts 10*5=50; refined 10*2=20 units *2=40; ore 10*1+20*3=70 units *1=70 -> 160",
    ),
]


# --- sites ----------------------------------------------------------------------------------


def two_item_site(fixed: float) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 60}, {"id": "b", "demand": 50}],
        [
            sup("ka", "a", None, site="k", unit_cost=1),
            sup("kb", "b", None, site="k", unit_cost=1),
            sup("oa", "a", "XB", unit_cost=4),
            sup("ob", "b", "XC", unit_cost=3),
        ],
        sites=[{"id": "k", "country": "XA", "capacity": 80, "fixed_cost": fixed}],
    )


SITES = [
    Case(
        "site_shared_capacity_fixed_once",
        two_item_site(100),
        OPTIMAL,
        270,
        "site k: 80 units at 1 shared, a's alternative 4 > b's 3, so ka 60, kb 20, ob 30: "
        "100 once + 60 + 20 + 90 = 270 (a only at k: 100+60+150=310; no site: 240+150=390; "
        "paying 100 per offer would give 310)",
    ),
    Case(
        "site_not_worth_opening",
        two_item_site(500),
        OPTIMAL,
        390,
        "opening k saves 3*60+2*20=220 < 500: oa 60*4=240 + ob 50*3=150 -> 390",
    ),
    Case(
        "site_inherits_owner_for_ban",
        doc(
            [{"id": "a", "demand": 10}],
            [sup("k1", "a", None, site="plant", unit_cost=1), sup("u", "a", "US", unit_cost=4)],
            [{"kind": "ban", "countries": ["CN"], "basis": "owner"}],
            sites=[{"id": "plant", "country": "MX", "owner": "CN"}],
        ),
        OPTIMAL,
        40,
        "k1 inherits MX/CN-owned from its site: banned on owner basis; u 10*4=40",
    ),
    Case(
        "site_min_order_and_capacity",
        doc(
            [{"id": "a", "demand": 60}],
            [
                sup("ka", "a", None, site="k", unit_cost=1, min_order=40),
                sup("o", "a", "XB", unit_cost=4),
            ],
            sites=[{"id": "k", "country": "XA", "capacity": 50, "fixed_cost": 100}],
        ),
        OPTIMAL,
        190,
        "ka in [40, 50] (site cap): ka 50*1+100 site + o 10*4 = 190 < o 240",
    ),
    Case(
        "site_two_offers_same_item",
        doc(
            [{"id": "a", "demand": 50}],
            [
                sup("ka1", "a", None, site="k", unit_cost=1, capacity=30),
                sup("ka2", "a", None, site="k", unit_cost=2),
                sup("o", "a", "XB", unit_cost=5, capacity=10),
            ],
            sites=[{"id": "k", "country": "XA", "fixed_cost": 50}],
        ),
        OPTIMAL,
        120,
        "o alone (10) cannot cover 50, so k must open (50, once): ka1 30*1 + ka2 20*2 "
        "(2 < o's 5) + 50 = 120",
    ),
]


# --- trust rules ----------------------------------------------------------------------------


def owner_doc(basis: str) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 100}],
        [sup("mx", "a", "MX", owner="CN", unit_cost=5), sup("us", "a", "US", unit_cost=7)],
        [{"kind": "ban", "countries": ["CN"], "basis": basis}],
    )


def abc(rules: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Item a (demand 100) from XA at 1, XB at 2, XC at 3, each unlimited."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("pa", "a", "XA", unit_cost=1),
            sup("pb", "a", "XB", unit_cost=2),
            sup("pc", "a", "XC", unit_cost=3),
        ],
        rules,
        **extra,
    )


def two_items(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 100}, {"id": "b", "demand": 100}],
        [
            sup("a-cn", "a", "CN", unit_cost=1),
            sup("a-us", "a", "US", unit_cost=2),
            sup("b-cn", "b", "CN", unit_cost=1),
            sup("b-us", "b", "US", unit_cost=2),
        ],
        rules,
    )


def owned(basis: str) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("p", "a", "XA", owner="XC", unit_cost=1),
            sup("q", "a", "XB", owner="XC", unit_cost=2),
            sup("r", "a", "XD", unit_cost=4),
        ],
        [{"kind": "country_cap", "max_share": 0.5, "basis": basis}],
    )


RULES = [
    Case(
        "ban_owner_basis",
        owner_doc("owner"),
        OPTIMAL,
        700,
        "mx is CN-owned: banned on owner basis; us 100*7=700",
    ),
    Case(
        "ban_location_basis",
        owner_doc("location"),
        OPTIMAL,
        500,
        "mx is located in MX: not banned on location basis; mx 100*5=500",
    ),
    Case(
        "ban_builtin_concern",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("cn", "a", "CN", unit_cost=1),
                sup("ru", "a", "RU", unit_cost=2),
                sup("ir", "a", "IR", unit_cost=3),
                sup("kp", "a", "KP", unit_cost=4),
                sup("in", "a", "IN", unit_cost=6),
                sup("us", "a", "US", unit_cost=10),
            ],
            [{"kind": "ban", "countries": ["concern"]}],
        ),
        OPTIMAL,
        600,
        "built-in concern = CN, RU, IR, KP all banned; in 100*6=600",
    ),
    Case(
        "country_cap_owner_basis",
        owned("owner"),
        OPTIMAL,
        250,
        "p, q both XC-owned: together <= 50: p 50*1 + r 50*4 = 250",
    ),
    Case(
        "country_cap_location_basis",
        owned("location"),
        OPTIMAL,
        150,
        "XA, XB each <= 50: p 50*1 + q 50*2 = 150",
    ),
    Case(
        "ban_all_suppliers_of_zero_demand_item",
        doc(
            [{"id": "a", "demand": 0}, {"id": "b", "demand": 10}],
            [sup("cn", "a", "CN", unit_cost=1), sup("us", "b", "US", unit_cost=1)],
            [{"kind": "ban", "countries": ["CN"]}],
        ),
        OPTIMAL,
        10,
        "a needs nothing, so banning its only supplier is harmless; b 10*1=10",
        findings=False,
    ),
    Case(
        "country_cap_all",
        abc([{"kind": "country_cap", "max_share": 0.4}]),
        OPTIMAL,
        180,
        "each <= 40: pa 40*1 + pb 40*2 + pc 20*3 = 40+80+60=180",
    ),
    Case(
        "country_cap_selected_countries",
        abc([{"kind": "country_cap", "max_share": 0.3, "countries": ["XA"]}]),
        OPTIMAL,
        170,
        "only XA <= 30: pa 30*1 + pb 70*2 = 170",
    ),
    Case(
        "country_cap_selected_bloc",
        abc(
            [{"kind": "country_cap", "max_share": 0.3, "countries": ["mine"]}],
            blocs={"mine": ["XA", "XB"]},
        ),
        OPTIMAL,
        210,
        "XA, XB each <= 30: 30*1 + 30*2 + pc 40*3 = 30+60+120=210",
    ),
    Case(
        "country_cap_except_country",
        abc([{"kind": "country_cap", "max_share": 0.4, "except": ["XB"]}]),
        OPTIMAL,
        160,
        "XB exempt, XA <= 40: pa 40*1 + pb 60*2 = 160",
    ),
    Case(
        "country_cap_except_custom_bloc",
        abc(
            [{"kind": "country_cap", "max_share": 0.2, "except": ["friends"]}],
            blocs={"friends": ["XB", "XC"]},
        ),
        OPTIMAL,
        180,
        "XB, XC exempt, XA <= 20: pa 20*1 + pb 80*2 = 180",
    ),
    Case(
        "country_cap_too_tight",
        abc([{"kind": "country_cap", "max_share": 0.3}]),
        INFEASIBLE,
        None,
        "three countries at <= 30 each give 90 < 100",
    ),
    Case(
        "bloc_share_min_floor",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("cn", "a", "CN", unit_cost=5), sup("us", "a", "US", unit_cost=8)],
            [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.6}],
            blocs={"allies": ["US", "JP"]},
        ),
        OPTIMAL,
        680,
        "allies >= 60: us 60*8=480 + cn 40*5=200 -> 680",
    ),
    Case(
        "bloc_share_max",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("us", "a", "US", unit_cost=5), sup("xa", "a", "XA", unit_cost=8)],
            [{"kind": "bloc_share", "bloc": "allies", "max_share": 0.3}],
            blocs={"allies": ["US", "JP"]},
        ),
        OPTIMAL,
        710,
        "allies <= 30: us 30*5=150 + xa 70*8=560 -> 710",
    ),
    Case(
        "bloc_share_builtin_eu",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("cn", "a", "CN", unit_cost=5), sup("de", "a", "DE", unit_cost=9)],
            [{"kind": "bloc_share", "bloc": "eu", "min_share": 0.5}],
        ),
        OPTIMAL,
        700,
        "built-in eu contains DE: de 50*9=450 + cn 50*5=250 -> 700",
    ),
    Case(
        "bloc_share_floor_without_bloc_supplier",
        doc(
            [{"id": "a", "demand": 100}, {"id": "b", "demand": 10}],
            [sup("us", "a", "US", unit_cost=1), sup("cn", "b", "CN", unit_cost=1)],
            [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.5}],
            blocs={"allies": ["US", "JP"]},
        ),
        INFEASIBLE,
        None,
        "b has no allied supplier: allies >= 50% of 10 impossible",
    ),
    Case(
        "bloc_share_floor_zero_demand_item",
        doc(
            [{"id": "a", "demand": 0}, {"id": "b", "demand": 10}],
            [sup("cn", "a", "CN", unit_cost=1), sup("us", "b", "US", unit_cost=1)],
            [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.5}],
            blocs={"allies": ["US", "JP"]},
        ),
        OPTIMAL,
        10,
        "a has no allied supplier but needs nothing (0 >= 0.5*0); b us 10",
    ),
    Case(
        "bloc_share_owner_basis",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("mx", "a", "MX", owner="US", unit_cost=6), sup("cn", "a", "CN", unit_cost=4)],
            [{"kind": "bloc_share", "bloc": "allies", "min_share": 0.7, "basis": "owner"}],
            blocs={"allies": ["US", "JP"]},
        ),
        OPTIMAL,
        540,
        "mx is US-owned, an ally on owner basis: mx 70*6=420 + cn 30*4=120 = 540",
    ),
    Case(
        "supplier_cap",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("p", "a", "XA", unit_cost=1),
                sup("q", "a", "XA", unit_cost=2),
                sup("r", "a", "XB", unit_cost=3),
            ],
            [{"kind": "supplier_cap", "max_share": 0.4}],
        ),
        OPTIMAL,
        180,
        "each supplier <= 40 (p and q share XA, no country cap): 40*1+40*2+20*3=180",
    ),
    Case(
        "supplier_cap_too_tight",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("p", "a", "XA", unit_cost=1),
                sup("q", "a", "XA", unit_cost=2),
                sup("r", "a", "XB", unit_cost=3),
            ],
            [{"kind": "supplier_cap", "max_share": 0.3}],
        ),
        INFEASIBLE,
        None,
        "three suppliers at <= 30 each give 90 < 100",
    ),
    Case(
        "exit_clause",
        doc(
            [{"id": "a", "demand": 100}],
            [sup("p", "a", "XA", unit_cost=1, exit_clause=False), sup("q", "a", "XB", unit_cost=3)],
            [{"kind": "exit_clause", "max_share_without": 0.25}],
        ),
        OPTIMAL,
        250,
        "no-exit-clause p <= 25: p 25*1 + q 75*3 = 250",
    ),
    Case(
        "rule_on_items_ban",
        two_items([{"kind": "ban", "countries": ["CN"], "items": ["a"]}]),
        OPTIMAL,
        300,
        "ban CN for a only: a 100*2=200; b from CN 100*1=100 -> 300",
    ),
    Case(
        "rule_on_items_country_cap",
        two_items([{"kind": "country_cap", "max_share": 0.5, "items": ["b"]}]),
        OPTIMAL,
        250,
        "cap on b only: b 50*1+50*2=150; a 100*1=100 -> 250",
    ),
]


CASES: list[Case] = (
    THREE
    + BASICS
    + TIERS
    + TARIFFS
    + SHORTFALL
    + CHAINS
    + SITES
    + RULES
    + COUNTS_THREE
    + COUNTS
    + EXIT
)
