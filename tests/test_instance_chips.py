"""The bundled `chips` instance: valid, solves to proven optimality, reproduces the data.

The instance is located through the installed package (CI tests the built wheel), so these tests
also check that the CSV folder `instances/chips/` is shipped with it.
"""

from __future__ import annotations

import copy
import importlib.resources

import pytest
import trustsource
from trustsource import Instance, Status

VARIANTS = (
    "unconstrained",
    "taiwan-cap-only",
    "taiwan-cap-owner",
    "no-exit",
    "strict",
    "no-china-fabs",
)
WAFER_ITEMS = ("logic_adv", "logic_mature", "dram")
# Costs of the real runs quoted in docs/instances/chips.md (USD a year, --mip-gap 0).
COST = {
    None: 3_372_177_750,
    "unconstrained": 3_170_284_000,
    "taiwan-cap-only": 3_249_346_500,
    "taiwan-cap-owner": 3_402_427_750,
    "no-exit": 3_353_177_750,
    "strict": 3_473_052_750,
}
# Shares are set from the data, so the plan without rules reproduces them to rounding.
TOL = 0.005


def _root():
    return importlib.resources.files("trustsource.instances")


@pytest.fixture(scope="module")
def inst() -> Instance:
    with importlib.resources.as_file(_root() / "chips.yaml") as path:
        return trustsource.load(path)


@pytest.fixture(scope="module")
def plans(inst):
    """One proven-optimal solve per variant (None: the instance as shipped)."""
    out = {None: trustsource.solve(inst, mip_rel_gap=0)}
    for name in VARIANTS:
        out[name] = trustsource.solve(inst.variant(name), mip_rel_gap=0)
    return out


def share(plan, item: str, column: str, value: str) -> float:
    """Share of ``item``'s supply whose ``column`` (country, owner, supplier) is ``value``."""
    a = plan.allocations[plan.allocations["item"] == item]
    return a.loc[a[column] == value, "quantity"].sum() / a["quantity"].sum()


def bloc_share(plan, item: str, members: frozenset[str]) -> float:
    a = plan.allocations[plan.allocations["item"] == item]
    return a.loc[a["country"].isin(members), "quantity"].sum() / a["quantity"].sum()


def test_tables_are_packaged():
    for table in ("items", "sites", "suppliers"):
        assert (_root() / "chips" / f"{table}.csv").is_file()


def test_validates_with_description_sources_and_variants(inst):
    assert inst.name == "chips"
    assert inst.findings == []
    assert inst.description
    assert "indicative" in inst.description
    text = " ".join(str(s) for s in inst.sources)
    assert "tag R: recalled, not re-read" in text
    assert "69 %" in text
    assert "33 %" in text
    assert set(VARIANTS) <= set(inst.variants)
    assert {r.name for r in inst.rules} == {
        "taiwan-cap",
        "pax-silica-floor",
        "no-concern-owners",
        "exit-country",
    }
    # Every supplier and site row says where its figures come from; prices are flagged.
    assert all(s.source for s in inst.suppliers)
    assert all(s.source for s in inst.sites)
    assert all("indicative" in s.source for s in inst.suppliers)


def test_default_solves_to_proven_optimum(plans, inst):
    plan = plans[None]
    assert plan.status is Status.OPTIMAL
    assert plan.violations == []
    assert plan.mip_gap == pytest.approx(0, abs=1e-9)
    assert plan.objective == pytest.approx(COST[None], rel=1e-9)
    # The rules hold: Taiwan <= 50 % of <10 nm, Pax Silica >= 30 % everywhere, no CN owner.
    assert share(plan, "logic_adv", "country", "TW") <= 0.5 + 1e-6
    pax = inst.all_blocs["pax_silica"]
    for item in ("logic_adv", "logic_mature", "dram", "adv_packaging"):
        assert bloc_share(plan, item, pax) >= 0.3 - 1e-6
    assert not (plan.allocations["owner"] == "CN").any()
    # The exit right: losing Taiwan leaves qualified <10 nm capacity for >= 60 % of supply.
    items = plan.items.set_index("item")
    assert items.loc["logic_adv", "exit_coverage_country"] >= 0.6 - 1e-6
    # The chain: 60,000 wafers for the buyer + 40,000 consumed by advanced packaging.
    assert items.loc["logic_adv", "supply"] == pytest.approx(100_000)
    binding = set(
        zip(
            plan.rules.loc[plan.rules["binding"], "rule"],
            plan.rules.loc[plan.rules["binding"], "item"],
        )
    )
    assert ("taiwan-cap", "logic_adv") in binding
    assert ("pax-silica-floor", "adv_packaging") in binding


def test_unconstrained_plan_reproduces_the_data(plans):
    plan = plans["unconstrained"]
    assert plan.status is Status.OPTIMAL
    assert plan.violations == []
    # SIA/BCG 2024: <10 nm logic capacity 2022 Taiwan 69 %, Korea 31 %.
    assert share(plan, "logic_adv", "country", "TW") == pytest.approx(0.69, abs=TOL)
    assert share(plan, "logic_adv", "country", "KR") == pytest.approx(0.31, abs=TOL)
    # SIA/BCG 2024: China 33 % of 28 nm and above.
    assert share(plan, "logic_mature", "country", "CN") == pytest.approx(0.33, abs=TOL)
    # SK hynix ~28 %, Micron ~12 % of DRAM capacity.
    dram = plan.allocations[plan.allocations["item"] == "dram"].set_index("supplier")["share"]
    assert dram[["skhynix-kr-dram", "skhynix-wuxi-dram"]].sum() == pytest.approx(0.28, abs=TOL)
    assert dram[["micron-tw-dram", "micron-jp-dram"]].sum() == pytest.approx(0.12, abs=TOL)
    # Taiwan 58.6 % of assembly, test and packaging.
    assert share(plan, "adv_packaging", "country", "TW") == pytest.approx(0.586, abs=TOL)
    # Nothing beyond the data shares is bought: no new fab is used.
    assert (
        not plan.allocations["supplier"]
        .isin(
            [
                "tsmc-az-adv",
                "samsung-taylor-adv",
                "intel-us-adv",
                "intel-ie-adv",
                "jasm-adv",
                "rapidus-adv",
                "gf-us-exp",
                "esmc-mat",
                "micron-id-dram",
                "amkor-az-pkg",
            ]
        )
        .any()
    )


@pytest.mark.parametrize("name", [None, *VARIANTS])
def test_variant_solves(plans, name):
    plan = plans[name]
    if name == "no-china-fabs":
        # Designed so: without China-located fabs mature logic runs short, found before solving.
        assert plan.status is Status.INFEASIBLE
        assert any("logic_mature" in f.message and "195,800" in f.message for f in plan.findings)
        return
    assert plan.status is Status.OPTIMAL
    assert plan.violations == []
    assert plan.objective == pytest.approx(COST[name], rel=1e-9)


def test_cost_of_trust_grows_with_the_rules(plans):
    cost = {k: p.objective for k, p in plans.items() if p.has_solution}
    assert (
        cost["unconstrained"]
        < cost["taiwan-cap-only"]
        < cost["no-exit"]
        < cost[None]
        < cost["taiwan-cap-owner"]
        < cost["strict"]
    )


def test_owner_basis_counts_tsmc_abroad_as_taiwanese(plans):
    located = plans[None]
    owned = plans["taiwan-cap-owner"]
    # By location, TSMC Arizona and JASM Kumamoto help meet the cap; by owner they do not.
    assert share(located, "logic_adv", "owner", "TW") > 0.5 + 1e-3
    assert share(owned, "logic_adv", "owner", "TW") <= 0.5 + 1e-6


def test_strict_rules_hold(plans, inst):
    plan = plans["strict"]
    pax = inst.all_blocs["pax_silica"]
    assert share(plan, "logic_adv", "country", "TW") <= 0.4 + 1e-6
    for item in WAFER_ITEMS:
        assert bloc_share(plan, item, pax) >= 0.4 - 1e-6
    assert plan.items.set_index("item").loc["logic_adv", "exit_coverage_country"] >= 0.75 - 1e-6


def _with_cap(inst, max_share: float, basis: str) -> Instance:
    doc = copy.deepcopy(inst.to_dict())
    doc.pop("variants", None)
    for rule in doc["rules"]:
        if rule["name"] == "taiwan-cap":
            rule.update(max_share=max_share, basis=basis)
    return Instance.from_dict(doc)


@pytest.mark.parametrize(
    ("basis", "last_ok", "first_bad"), [("location", 0.2225, 0.22), ("owner", 0.3875, 0.385)]
)
def test_taiwan_cap_breaking_point(inst, basis, last_ok, first_bad):
    """Outside Taiwan there are 77,750 wafers (61,250 outside Taiwanese owners) of 100,000."""
    ok = trustsource.solve(_with_cap(inst, last_ok, basis), mip_rel_gap=0)
    assert ok.status is Status.OPTIMAL
    assert ok.violations == []
    bad = trustsource.solve(_with_cap(inst, first_bad, basis), mip_rel_gap=0)
    assert bad.status is Status.INFEASIBLE
