"""The catalogue's cases for the count and exit rules (see :mod:`catalogue`).

Hand-computed optima for ``min_suppliers``, ``max_suppliers``, ``min_countries`` and ``exit``;
split from ``catalogue.py`` to keep each module one idea.
"""

from __future__ import annotations

from typing import Any

from catalogue_base import INFEASIBLE, OPTIMAL, Case, doc, sup, three, tiers

# --- count rules: min_suppliers, max_suppliers, min_countries -------------------------------

COUNTS_THREE = [
    Case(
        "three_supplier_min_suppliers_3_at_10pct",
        three([{"kind": "min_suppliers", "count": 3, "min_share_each": 0.1}]),
        OPTIMAL,
        9500,
        "all three >= 200: S2 800 -> 2100; S1 at its floor 200 (marginal 10 > S3's 4) -> "
        "100+2000=2100; S3 1000 -> 300+3000+500*4=5300; 2100+2100+5300=9500 "
        "(S1 600: 5200 + S3 600: 3700 + 2100 = 11000)",
    ),
    Case(
        "three_supplier_min_suppliers_2",
        three([{"kind": "min_suppliers", "count": 2}]),
        OPTIMAL,
        8200,
        "the unconstrained optimum already uses S2 and S3 (40 %, 60 % >= 1 %): 8200",
    ),
    Case(
        "three_supplier_min_suppliers_3_default_share",
        three([{"kind": "min_suppliers", "count": 3}]),
        OPTIMAL,
        8420,
        "S1 >= 1 % = 20: 100 fixed + 20*10 replacing 20 of S3's 4-tier: 8200+100+200-80=8420",
    ),
    Case(
        "three_supplier_max_suppliers_1",
        three([{"kind": "max_suppliers", "count": 1}]),
        INFEASIBLE,
        None,
        "no single supplier holds 2000 (largest S3 1200); a pre-solve finding",
        findings=True,
    ),
    Case(
        "three_supplier_max_suppliers_2",
        three([{"kind": "max_suppliers", "count": 2}]),
        OPTIMAL,
        8200,
        "S2+S3 is the only pair with 2000 of capacity (S1+S3 1800, S1+S2 1400) and the "
        "unconstrained optimum: 8200",
    ),
    Case(
        "three_supplier_min_countries_3",
        three([{"kind": "min_countries", "count": 3}]),
        OPTIMAL,
        8420,
        "XA >= 1 % = 20: S1 fixed 100 + 20*10 replacing 20 units of S3 at 4: "
        "8200+100+200-80=8420 (S2 full at 2 stays)",
    ),
    Case(
        "three_supplier_min_suppliers_4",
        three([{"kind": "min_suppliers", "count": 4}]),
        INFEASIBLE,
        None,
        "4 suppliers asked of an item only 3 offer, with positive demand: caught before the "
        "solver (a pre-solve finding)",
        findings=True,
    ),
    Case(
        "three_supplier_min_countries_4",
        three([{"kind": "min_countries", "count": 4}]),
        INFEASIBLE,
        None,
        "4 countries asked, offers come from 3: a pre-solve finding",
        findings=True,
    ),
    Case(
        "three_supplier_ban_then_min_suppliers_3",
        three([{"kind": "ban", "countries": ["XA"]}, {"kind": "min_suppliers", "count": 3}]),
        INFEASIBLE,
        None,
        "the ban leaves S2, S3: 2 < 3 suppliers; a pre-solve finding",
        findings=True,
    ),
    Case(
        "three_supplier_min_suppliers_shares_over_one",
        three([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.6}]),
        INFEASIBLE,
        None,
        "two suppliers each >= 60 % need 120 % of the supply; found by the solver "
        "(no pre-solve finding)",
        findings=False,
    ),
]


def owned_by_xc(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """pa (XA) and pb (XB), both XC-owned, at 1 and 2; pc (XD) at 3; demand 100."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("pa", "a", "XA", owner="XC", unit_cost=1),
            sup("pb", "a", "XB", owner="XC", unit_cost=2),
            sup("pc", "a", "XD", unit_cost=3),
        ],
        rules,
    )


def one_country_pair(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """p (XA, cap 50) at 1, q (XA) at 2, r (XB) at 5; demand 100."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("p", "a", "XA", unit_cost=1, capacity=50),
            sup("q", "a", "XA", unit_cost=2),
            sup("r", "a", "XB", unit_cost=5),
        ],
        rules,
    )


def single_sourcing(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """p (cap 60) at 1; q at 3 + fixed 100; r all-units 5, 3.9 from 100; demand 100."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("p", "a", "XA", unit_cost=1, capacity=60),
            sup("q", "a", "XB", unit_cost=3, fixed_cost=100),
            sup("r", "a", "XC", price_tiers=tiers("all_units", (0, 5), (100, 3.9))),
        ],
        rules,
    )


COUNTS = [
    Case(
        "min_countries_location_basis",
        owned_by_xc([{"kind": "min_countries", "count": 2, "min_share_each": 0.1}]),
        OPTIMAL,
        110,
        "XA, XB, XD distinct: pa 90*1 + pb 10*2 = 110",
    ),
    Case(
        "min_countries_owner_basis",
        owned_by_xc(
            [{"kind": "min_countries", "count": 2, "min_share_each": 0.1, "basis": "owner"}]
        ),
        OPTIMAL,
        120,
        "pa, pb are one owner country (XC): XD >= 10 -> pa 90*1 + pc 10*3 = 120 "
        "(pb counted as a second country would give 110)",
    ),
    Case(
        "min_suppliers_location_basis",
        owned_by_xc([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.1}]),
        OPTIMAL,
        110,
        "two suppliers >= 10: pa 90*1 + pb 10*2 = 110",
    ),
    Case(
        "min_suppliers_owner_basis",
        owned_by_xc(
            [{"kind": "min_suppliers", "count": 2, "min_share_each": 0.1, "basis": "owner"}]
        ),
        OPTIMAL,
        110,
        "suppliers are counted one by one whatever the basis (pa, pb share an owner but are "
        "two suppliers): pa 90 + pb 10*2 = 110",
    ),
    Case(
        "min_countries_two_suppliers_one_country",
        one_country_pair([{"kind": "min_countries", "count": 2, "min_share_each": 0.2}]),
        OPTIMAL,
        210,
        "p, q are both XA, so XB (r) >= 20: r 20*5=100; XA 80: p 50*1 + q 30*2 = 110 "
        "-> 210 (counting p and q as two countries would give 150)",
    ),
    Case(
        "min_suppliers_two_suppliers_one_country",
        one_country_pair([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.2}]),
        OPTIMAL,
        150,
        "p 50*1 + q 50*2 = 150 (both >= 20; country does not matter)",
    ),
    Case(
        "min_suppliers_with_min_order",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("p", "a", "XA", unit_cost=1),
                sup("q", "a", "XB", unit_cost=2, min_order=30),
                sup("r", "a", "XC", unit_cost=4.5),
            ],
            [{"kind": "min_suppliers", "count": 2, "min_share_each": 0.1}],
        ),
        OPTIMAL,
        130,
        "second supplier >= 10: q needs >= 30: p 70 + q 30*2 = 130; p 90 + r 10*4.5 = 135 "
        "-> 130 (ignoring q's minimum order would give p 90 + q 20 = 110)",
    ),
    Case(
        "max_suppliers_control",
        single_sourcing([]),
        OPTIMAL,
        260,
        "no rule: p 60*1 + r 40*5 = 260 (p 60 + q 40*3+100 = 280; r 100*3.9 = 390)",
    ),
    Case(
        "max_suppliers_single_sourcing",
        single_sourcing([{"kind": "max_suppliers", "count": 1}]),
        OPTIMAL,
        390,
        "one supplier for all 100: p holds 60 only; q 100*3+100=400; r 100 reaches the "
        "all-units break: 100*3.9=390 -> r, 390",
    ),
    Case(
        "count_rules_zero_demand_item",
        doc(
            [{"id": "a", "demand": 0}, {"id": "b", "demand": 10}],
            [
                sup("p", "a", "XA", unit_cost=1),
                sup("q", "b", "XB", unit_cost=2),
                sup("r", "b", "XC", unit_cost=3),
            ],
            [{"kind": "min_suppliers", "count": 2, "min_share_each": 0.5}],
        ),
        OPTIMAL,
        25,
        "a needs nothing, so its single supplier is no obstacle; b q 5*2 + r 5*3 = 25",
        findings=False,
    ),
    Case(
        "count_rule_too_few_with_shortfall",
        doc(
            [{"id": "a", "demand": 100, "shortfall_penalty": 7}],
            [sup("p", "a", "XA", unit_cost=1), sup("q", "a", "XB", unit_cost=2)],
            [{"kind": "min_suppliers", "count": 3}],
        ),
        OPTIMAL,
        700,
        "3 suppliers asked, 2 offer: any supply breaks the rule, so all 100 short at 7 = 700 "
        "(reaches the solver: shortfall makes it feasible, no finding)",
        findings=False,
    ),
]


# --- exit: the right to walk away -----------------------------------------------------------


def site_pair(lose: str) -> dict[str, Any]:
    """k1, k2 at one site (XA), cap 60 each, at 1, 2; o (XB, cap 60) at 5; o2 (XC, cap 100,
    fixed 50) at 6; demand 100; exit coverage 0.8 (80)."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("k1", "a", None, site="k", unit_cost=1, capacity=60),
            sup("k2", "a", None, site="k", unit_cost=2, capacity=60),
            sup("o", "a", "XB", unit_cost=5, capacity=60),
            sup("o2", "a", "XC", unit_cost=6, capacity=100, fixed_cost=50),
        ],
        [{"kind": "exit", "lose": lose, "coverage": 0.8}],
        sites=[{"id": "k", "country": "XA"}],
    )


def country_pair(lose: str) -> dict[str, Any]:
    """p, q (both XA, cap 60) at 1, 2; r (XB, cap 100, fixed 200) at 5; demand 100;
    exit coverage 0.6 (60)."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("p", "a", "XA", unit_cost=1, capacity=60),
            sup("q", "a", "XA", unit_cost=2, capacity=60),
            sup("r", "a", "XB", unit_cost=5, capacity=100, fixed_cost=200),
        ],
        [{"kind": "exit", "lose": lose, "coverage": 0.6}],
    )


def standby(**backup: Any) -> dict[str, Any]:
    """m (XA, cap 100) at 1; backup b (XB, cap 100, min order 50) at 10; exit coverage 1."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("m", "a", "XA", unit_cost=1, capacity=100),
            sup("b", "a", "XB", unit_cost=10, capacity=100, min_order=50, **backup),
        ],
        [{"kind": "exit", "coverage": 1.0}],
    )


def exit_two_items(rule: dict[str, Any]) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 100}, {"id": "b", "demand": 100}],
        [
            sup("a-cn", "a", "CN", unit_cost=1),
            sup("a-us", "a", "US", unit_cost=2, fixed_cost=50),
            sup("b-cn", "b", "CN", unit_cost=1),
            sup("b-us", "b", "US", unit_cost=2, fixed_cost=50),
        ],
        [rule],
    )


def site_backup(site_fixed: float, coverage: float) -> dict[str, Any]:
    """m (XA, unlimited) at 1; b at site k (XB, site cap 50, site fixed cost) at 3, no own cap;
    c (XC, cap 100, fixed 40) at 4; demand 100."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("m", "a", "XA", unit_cost=1),
            sup("b", "a", None, site="k", unit_cost=3),
            sup("c", "a", "XC", unit_cost=4, capacity=100, fixed_cost=40),
        ],
        [{"kind": "exit", "coverage": coverage}],
        sites=[{"id": "k", "country": "XB", "capacity": 50, "fixed_cost": site_fixed}],
    )


def exit_owned(basis: str) -> dict[str, Any]:
    """p (XA) and q (XB), both XC-owned, cap 100, at 1, 2; r (XD, cap 100, fixed 60) at 5."""
    return doc(
        [{"id": "a", "demand": 100}],
        [
            sup("p", "a", "XA", owner="XC", unit_cost=1, capacity=100),
            sup("q", "a", "XB", owner="XC", unit_cost=2, capacity=100),
            sup("r", "a", "XD", unit_cost=5, capacity=100, fixed_cost=60),
        ],
        [{"kind": "exit", "coverage": 1.0, "basis": basis}],
    )


EXIT = [
    Case(
        "three_supplier_exit_full_coverage",
        three([{"kind": "exit", "lose": "country", "coverage": 1.0}]),
        INFEASIBLE,
        None,
        "losing XC leaves S1 600 + S2 800 = 1400 < 2000 whatever is qualified "
        "(a pre-solve finding)",
        findings=True,
    ),
    Case(
        "three_supplier_exit_70pct",
        three([{"kind": "exit", "lose": "country", "coverage": 0.7}]),
        OPTIMAL,
        8300,
        "need 1400 outside each country: losing XC leaves S1+S2 = 600+800 = 1400 (S1 must be "
        "qualified), losing XB leaves S1+S3 = 1800 (S3 alone 1200 < 1400); so all three are "
        "qualified, S1 as a standby: fixed 100, no award; awards as unconstrained: "
        "8200+100=8300",
    ),
    Case(
        "three_supplier_exit_70pct_lose_supplier",
        three([{"kind": "exit", "lose": "supplier", "coverage": 0.7}]),
        OPTIMAL,
        8300,
        "each supplier is alone in its country, so losing a supplier is losing a country: "
        "S1 stands by, 8300",
    ),
    Case(
        "three_supplier_exit_lose_site_without_sites",
        three([{"kind": "exit", "lose": "site", "coverage": 1.0}]),
        OPTIMAL,
        8200,
        "no offer belongs to a site, so no site can be lost: the rule asks nothing, 8200",
        findings=False,
    ),
    Case(
        "exit_lose_site_two_offers_one_loss",
        site_pair("site"),
        OPTIMAL,
        190,
        "losing site k loses k1 and k2 together: left o 60 < 80, so o2 is qualified "
        "(fixed 50) as a standby: k1 60*1 + k2 40*2 + 50 = 190",
    ),
    Case(
        "exit_lose_supplier_same_instance",
        site_pair("supplier"),
        OPTIMAL,
        140,
        "losing one offer leaves >= 60+60 = 120 >= 80 without o2: k1 60 + k2 40*2 = 140 "
        "(counting the site as one loss would give 190)",
    ),
    Case(
        "exit_lose_country_site_in_one_country",
        site_pair("country"),
        OPTIMAL,
        190,
        "k is in XA: losing XA loses k1 and k2 -> as losing the site: 190",
    ),
    Case(
        "exit_lose_supplier",
        country_pair("supplier"),
        OPTIMAL,
        140,
        "losing p leaves q 60 >= 60, losing q leaves p 60, losing r leaves 120: no standby; "
        "p 60*1 + q 40*2 = 140",
    ),
    Case(
        "exit_lose_country_two_suppliers_one_country",
        country_pair("country"),
        OPTIMAL,
        340,
        "losing XA loses p and q: r (cap 100 >= 60) must be qualified: 140 + 200 = 340",
    ),
    Case(
        "exit_standby_cheaper_than_award",
        standby(fixed_cost=30),
        OPTIMAL,
        130,
        "losing XA needs b's 100 qualified: fixed 30, no award: m 100*1 + 30 = 130 "
        "(an award for b would need >= 50 at 10: 50+500+30 = 580)",
    ),
    Case(
        "exit_backup_without_fixed_cost",
        standby(),
        OPTIMAL,
        100,
        "b has no fixed cost, so it is always qualified: m 100*1 = 100",
    ),
    Case(
        "exit_on_restricted_items",
        exit_two_items({"kind": "exit", "coverage": 0.5, "items": ["a"]}),
        OPTIMAL,
        250,
        "only a: losing CN needs a-us qualified (fixed 50, unlimited -> counts 100 >= 50): "
        "a 100*1 + 50; b 100*1 -> 250",
    ),
    Case(
        "exit_on_all_items",
        exit_two_items({"kind": "exit", "coverage": 0.5}),
        OPTIMAL,
        300,
        "both items need their US standby: 2*(100+50) = 300",
    ),
    Case(
        "exit_site_capacity_limits_coverage",
        site_backup(0, 0.8),
        OPTIMAL,
        140,
        "losing XA: b counts min(own unlimited, site 50) = 50 < 80, so c (fixed 40) stands "
        "by: m 100*1 + 40 = 140 (counting b as unlimited would give 100)",
    ),
    Case(
        "exit_site_backup_enough",
        site_backup(0, 0.5),
        OPTIMAL,
        100,
        "losing XA leaves b's 50 >= 50 (site without fixed cost: always qualified): m 100",
    ),
    Case(
        "exit_site_opened_as_standby",
        site_backup(25, 0.5),
        OPTIMAL,
        125,
        "b counts only if site k is open (fixed 25 < c's 40): m 100*1 + 25 = 125, no award at k",
    ),
    Case(
        "exit_site_standby_too_small",
        site_backup(25, 0.8),
        OPTIMAL,
        140,
        "k's 50 < 80, so c is needed anyway (and suffices, 100 >= 80): m 100 + 40 = 140",
    ),
    Case(
        "exit_banned_supplier_is_no_backup",
        doc(
            [{"id": "a", "demand": 100}],
            [
                sup("us", "a", "US", unit_cost=1),
                sup("cn", "a", "CN", unit_cost=0.5),
                sup("b", "a", "XB", unit_cost=3, capacity=100, fixed_cost=40),
            ],
            [{"kind": "ban", "countries": ["CN"]}, {"kind": "exit", "coverage": 0.5}],
        ),
        OPTIMAL,
        140,
        "cn is banned, so it cannot deliver and covers no exit right: losing US needs b "
        "(fixed 40) as a standby: us 100*1 + 40 = 140 (counting cn would give 100)",
    ),
    Case(
        "exit_banned_supplier_only_backup",
        doc(
            [{"id": "a", "demand": 1}],
            [sup("us", "a", "US", unit_cost=1), sup("cn", "a", "CN", unit_cost=1)],
            [{"kind": "ban", "countries": ["CN"]}, {"kind": "exit", "coverage": 0.2}],
        ),
        INFEASIBLE,
        None,
        "the only backup (cn) is banned: losing US leaves 0 < 0.2; a pre-solve finding "
        "(us is unlimited: counted as the coverage needed, no longer inf - inf)",
        findings=True,
    ),
    Case(
        "exit_location_basis",
        exit_owned("location"),
        OPTIMAL,
        100,
        "losing XA leaves q 100, losing XB leaves p 100: p 100*1 = 100, r not needed",
    ),
    Case(
        "exit_owner_basis",
        exit_owned("owner"),
        OPTIMAL,
        160,
        "p, q are both XC-owned: losing XC needs r qualified: 100 + 60 = 160",
    ),
    Case(
        "exit_on_chain_input",
        doc(
            [
                {"id": "gallium", "unit": "kg", "demand": 1},
                {"id": "wafer", "demand": 100, "inputs": {"gallium": 0.02}},
            ],
            [
                sup("ga-a", "gallium", "XA", unit_cost=600, capacity=10),
                sup("ga-b", "gallium", "XB", unit_cost=1400, capacity=2.5, fixed_cost=100),
                sup("ga-c", "gallium", "XC", unit_cost=2000, capacity=10, fixed_cost=500),
                sup("w", "wafer", "XD", unit_cost=50),
            ],
            [{"kind": "exit", "coverage": 1.0, "items": ["gallium"]}],
        ),
        OPTIMAL,
        7300,
        "gallium supply 1 + 100*0.02 = 3 kg: losing XA needs 3 kg elsewhere: ga-b 2.5 is "
        "short, ga-c (fixed 500) stands by; ga-a 3*600 = 1800; wafers 100*50 = 5000 -> 7300 "
        "(coverage of the external 1 kg only would take ga-b: 6900)",
    ),
]
