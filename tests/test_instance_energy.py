"""The bundled ``energy`` instance: nuclear fuel chain, LNG and polysilicon -> PV modules.

The instance is located through the installed package (CI tests the wheel), so this also checks
that ``instances/energy/*.csv`` is packaged next to ``energy.yaml``. Each item's "market basket"
of offers has capacities equal to the data's supply shares times the buyer's need, so the plan
without rules must reproduce the data's concentration; the figures below are the data's
(WNA 2024 mining table; thundersaidenergy 2023 enrichment shares; WNA/ESA 2015 conversion
nameplate; IEA polysilicon and module shares; EU LNG imports by supplier), see the YAML sources.
"""

from __future__ import annotations

import functools
from importlib.resources import as_file, files

import pandas as pd
import pytest
import trustsource

VARIANTS = (
    "unconstrained",
    "no-russia-ban",
    "russia-ban-only",
    "no-exit",
    "russia-ban-location",
    "strict",
)

# Bill of materials: 100 tHM of fuel at 4.5 % U-235 (tails 0.25 %) needs 9.219 tU of natural UF6
# feed and 6.871 tSW per tHM; UF6 needs 1.005 tU of U3O8 per tU; modules 2.1 t poly per MW.
SUPPLY = {
    "fuel": 100.0,
    "uf6": 921.9,
    "swu": 687.1,
    "u3o8": 921.9 * 1.005,
    "lng": 50_000.0,
    "pv_module": 2_000.0,
    "polysilicon": 4_200.0,
}

# (item, basis, country, data share, tolerance): the unconstrained plan against the data.
DATA_SHARES = [
    ("swu", "country", "RU", 0.40, 0.01),  # Russia 40 % of enrichment (sums to 101 %)
    ("swu", "country", "CN", 0.17, 0.01),
    ("u3o8", "country", "KZ", 23_270 / 60_213, 0.002),  # Kazakhstan 38.6 % of mining (WNA 2024)
    ("u3o8", "country", "CA", 14_309 / 60_213, 0.002),
    ("u3o8", "country", "NA", 7_333 / 60_213, 0.002),
    ("u3o8", "owner", "RU", (2_738 + 4_831) / 60_213, 0.002),  # Russia + Uranium One in KZ
    ("uf6", "country", "RU", 12_500 / 59_000, 0.002),  # Rosatom 21.2 % of conversion
    ("polysilicon", "country", "CN", 0.96, 0.002),  # China ~96 % of polysilicon
    ("pv_module", "country", "CN", 0.83, 0.002),  # China ~83 % of modules
    ("lng", "country", "US", 37.4 / 97.4, 0.002),  # US 37.4 of 97.4 bcm of EU LNG
    ("lng", "country", "RU", 16.7 / 97.4, 0.002),
]


@functools.cache
def instance() -> trustsource.Instance:
    with as_file(files("trustsource.instances") / "energy.yaml") as path:
        return trustsource.load(path)


@functools.cache
def plan(variant: str | None = None) -> trustsource.Plan:
    inst = instance() if variant is None else instance().variant(variant)
    return trustsource.solve(inst, mip_rel_gap=0.0)


def shares(p: trustsource.Plan, basis: str = "country") -> pd.Series:
    """Share of each (item, basis country) in the item's total supply."""
    al = p.allocations
    return al.groupby(["item", basis]).quantity.sum() / al.groupby("item").quantity.sum()


def test_validates_with_its_tables_and_variants():
    inst = instance()
    assert inst.findings == []
    assert {it.id for it in inst.items} == set(SUPPLY)
    assert len(inst.suppliers) == 75
    assert set(inst.variants) == set(VARIANTS)
    assert inst.description
    assert len(inst.sources) >= 10


@pytest.mark.parametrize("variant", [None, *VARIANTS])
def test_every_variant_solves_to_proven_optimality(variant):
    p = plan(variant)
    assert p.status == "optimal"
    assert p.mip_gap == pytest.approx(0.0, abs=1e-9)
    assert p.violations == []


def test_default_plan_cost_and_bill_of_materials():
    p = plan()
    assert p.objective == pytest.approx(2_590_186_063.95, rel=1e-7)
    supply = p.items.set_index("item").supply
    for item, qty in SUPPLY.items():
        assert supply[item] == pytest.approx(qty, rel=1e-6), item


def test_default_gap_is_optimal_within_the_gap():
    p = trustsource.solve(instance())
    assert p.status == "optimal"
    assert p.violations == []
    assert plan().objective <= p.objective <= plan().objective * (1 + 1e-4)


@pytest.mark.parametrize(("item", "basis", "country", "share", "tol"), DATA_SHARES)
def test_unconstrained_plan_reproduces_the_data(item, basis, country, share, tol):
    assert shares(plan("unconstrained"), basis)[(item, country)] == pytest.approx(share, abs=tol)


def test_default_bans_russian_control_including_kazakh_joint_ventures():
    al = plan().allocations
    assert al[al.quantity > 0].owner.ne("RU").all()
    # The location-basis ban keeps Rosatom's (Uranium One) share of Kazakh uranium.
    loc = plan("russia-ban-location").allocations.set_index("supplier")
    assert loc.loc["u-kz-uranium-one", "quantity"] > 70
    assert loc.country.ne("RU").all()


def test_crma_cap_no_third_country_above_65_percent_at_any_stage():
    s = shares(plan())
    eu = instance().countries_of(["eu"])
    third = s[[c not in eu for _, c in s.index]]
    assert third.max() <= 0.65 + 1e-6
    assert s[("polysilicon", "CN")] == pytest.approx(0.65, abs=1e-6)  # the cap binds on China
    assert s[("pv_module", "CN")] == pytest.approx(0.65, abs=1e-6)


def test_exit_rights_cover_the_loss_of_any_country():
    for variant in (None, "strict"):
        coverage = plan(variant).items.set_index("item").exit_coverage_country
        assert (coverage >= 1.0 - 1e-6).all(), variant
    # Without the rule the cheapest plan holds fewer standbys and costs less.
    assert plan("no-exit").objective < plan().objective


def test_strict_excludes_concern_owners_and_caps_every_country_at_half():
    p = plan("strict")
    al = p.allocations
    assert not set(al[al.quantity > 0].owner) & instance().countries_of(["concern"])
    assert shares(p).max() <= 0.5 + 1e-6


def test_cost_of_trust_grows_with_the_rules():
    cost = {v: plan(v).objective for v in ("unconstrained", "russia-ban-only", "strict")}
    cost["default"] = plan().objective
    assert cost["unconstrained"] < cost["russia-ban-only"] < cost["default"] < cost["strict"]
