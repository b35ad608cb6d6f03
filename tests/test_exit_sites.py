"""Issue 11, defect 2: exit coverage counts a shared site at most its capacity.

Site ``k`` (capacity 60) carries two offers of one item, ``k1`` and ``k2`` (capacity 60 and
fixed cost 10 each). Before the fix, losing the big supplier counted 60 + 60 = 120 from ``k``,
so the model qualified k1 + k2 (cost 20) although k can deliver 60. The model (both exit forms,
both hand-off routes), the KPI (``plan.items``), the verifier and the pre-solve findings now all
count ``min(site capacity, qualified capacity at the site)`` per item. Checked on the case of the
issue, for every ``lose`` kind, through the API and the console script, and against a brute
force over every qualification set of small random instances with shared sites.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trustsource
import yaml
from trustsource.model.context import make_context
from trustsource.results.coverage import exit_coverage, site_units, supplier_units
from trustsource.verify.verifier import verify

BACKENDS = ("highspy", "pyomo")
FORMS = ("dense", "aux")
LOSES = ("country", "site", "supplier")


def shared_site(lose: str, standby: bool = True) -> dict[str, Any]:
    """The issue's case; ``big`` has a site of its own so that every ``lose`` kind can lose it.

    Demand 100, exit coverage 1.0. big (site b in CN, 100 units at 1) supplies everything: the
    cheapest purchase is 100 * 1 = 100 whatever is qualified (k1, k2, sb cost 5 a unit).
    Losing big (its country CN, its site b, or itself) must leave 100 units qualified elsewhere;
    losing anything else leaves big's 100.
    * Wrong reading (each offer counts min(own, site) = 60): k1 + k2 count 120 >= 100, fixed
      10 + 10 = 20 < sb's 25: objective 100 + 20 = 120.
    * Right reading (site k counts min(60, 60 + 60) = 60): k1 + k2 leave 40 uncovered; sb alone
      covers 100 for 25, k1 + sb costs 35, k1 + k2 + sb 45: objective 100 + 25 = 125.
    """
    suppliers = [
        {"id": "big", "item": "a", "site": "b", "unit_cost": 1},
        {"id": "k1", "item": "a", "site": "k", "unit_cost": 5, "capacity": 60, "fixed_cost": 10},
        {"id": "k2", "item": "a", "site": "k", "unit_cost": 5, "capacity": 60, "fixed_cost": 10},
    ]
    if standby:
        suppliers.append(
            {
                "id": "sb",
                "item": "a",
                "country": "US",
                "unit_cost": 5,
                "capacity": 100,
                "fixed_cost": 25,
            }
        )
    return {
        "trustsource": 1,
        "name": f"shared-site-{lose}",
        "items": [{"id": "a", "demand": 100}],
        "sites": [
            {"id": "b", "country": "CN", "capacity": 100},
            {"id": "k", "country": "DE", "capacity": 60},
        ],
        "suppliers": suppliers,
        "rules": [{"kind": "exit", "lose": lose, "coverage": 1.0}],
    }


RIGHT, WRONG = 125.0, 120.0  # hand-computed in shared_site's docstring


def qualified_ids(plan: trustsource.Plan) -> set[str]:
    a = plan.allocations
    return set(a.loc[a["qualified"].astype(bool), "supplier"])


@pytest.mark.parametrize("lose", LOSES)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("backend", BACKENDS)
def test_shared_site_counts_its_capacity_once(lose: str, form: str, backend: str) -> None:
    inst = trustsource.Instance.from_dict(shared_site(lose))
    plan = trustsource.solve(inst, mip_rel_gap=0, backend=backend, exit_form=form)
    assert plan.status.value == "optimal", plan.message
    assert plan.objective == pytest.approx(RIGHT, abs=1e-6)
    assert plan.objective != pytest.approx(WRONG)
    assert qualified_ids(plan) == {"big", "sb"}
    assert not plan.violations
    # Losing big leaves sb's 100 (k1, k2 stand unqualified); losing sb leaves big's 100.
    assert plan.items.loc[0, f"exit_coverage_{lose}"] == pytest.approx(1.0)


def old_plan() -> dict[str, Any]:
    """The plan the old model chose: big supplies, k1 and k2 stand by, sb is not qualified."""
    return {
        "quantities": {"big": 100.0},
        "qualified": {"big": True, "k1": True, "k2": True, "sb": False},
    }


@pytest.mark.parametrize("lose", LOSES)
def test_verifier_rejects_the_double_count(lose: str) -> None:
    inst = trustsource.Instance.from_dict(shared_site(lose))
    found = [v for v in verify(inst, **old_plan()) if v.check == "exit"]
    lost = {"country": "CN", "site": "b", "supplier": "big"}[lose]
    assert [v.subject for v in found] == [lost]
    assert "leaves 60 unit" in found[0].message  # k's capacity, not 120
    assert found[0].excess == pytest.approx(40.0)


@pytest.mark.parametrize("lose", LOSES)
def test_kpi_counts_the_site_once(lose: str) -> None:
    inst = trustsource.Instance.from_dict(shared_site(lose))
    ctx = make_context(inst)
    qualified = np.isin(ctx.sup_ids, ["big", "k1", "k2"])
    units = {"country": ctx.country, "site": site_units(ctx), "supplier": supplier_units(ctx)}[lose]
    share, worst = exit_coverage(ctx, qualified, units, 0, 100.0)
    assert share == pytest.approx(0.6)  # losing big leaves k's 60 (was 1.2)
    assert worst == {"country": "CN", "site": "b", "supplier": "big"}[lose]
    # Losing k1 alone leaves big 100 + k2 60 (k still delivers its capacity through k2).
    left_k1 = exit_coverage(ctx, np.isin(ctx.sup_ids, ["k1", "k2"]), supplier_units(ctx), 0, 100.0)
    assert left_k1 == (pytest.approx(0.6), "k1")


@pytest.mark.parametrize("lose", LOSES)
def test_finding_counts_the_site_once(lose: str) -> None:
    """Without sb no plan can cover losing big: k gives 60 < 100. Was not found (120)."""
    inst = trustsource.Instance.from_dict(shared_site(lose, standby=False))
    msgs = [f.message for f in inst.findings]
    lost = {"country": "CN", "site": "b", "supplier": "big"}[lose]
    assert msgs == [
        f"a: exit `exit` needs 100 unit of capacity outside any one {lose}, but "
        f"losing {lost} leaves 60 unit"
    ]
    plan = trustsource.solve(inst)
    assert plan.status.value == "infeasible"


def test_site_shared_by_two_items_counts_for_each() -> None:
    """A site offering two items counts up to its capacity towards each item's right.

    Items a and b, demand 50 each; bigA and bigB (XA, 1 a unit) supply both; site k (XB,
    capacity 60) offers ka and kb (fixed 10 each). Losing XA must leave 50 of each item: ka
    counts min(60, 60) = 60 >= 50 for a, kb the same for b, so both are qualified: 50 + 50 +
    10 + 10 = 120 (the rule protects each item on its own; it is not a promise to replace both
    at once from k, which could not: 100 > 60).
    """
    doc = {
        "trustsource": 1,
        "items": [{"id": "a", "demand": 50}, {"id": "b", "demand": 50}],
        "sites": [{"id": "k", "country": "XB", "capacity": 60}],
        "suppliers": [
            {"id": "biga", "item": "a", "country": "XA", "unit_cost": 1},
            {"id": "bigb", "item": "b", "country": "XA", "unit_cost": 1},
            {"id": "ka", "item": "a", "site": "k", "unit_cost": 5, "fixed_cost": 10},
            {"id": "kb", "item": "b", "site": "k", "unit_cost": 5, "fixed_cost": 10},
        ],
        "rules": [{"kind": "exit", "lose": "country", "coverage": 1.0}],
    }
    plan = trustsource.solve(trustsource.Instance.from_dict(doc), mip_rel_gap=0)
    assert plan.objective == pytest.approx(120.0)
    assert qualified_ids(plan) == {"biga", "bigb", "ka", "kb"}
    # Losing XA leaves k's offer of each item, counted at most what the item uses (50): 100 %.
    assert list(plan.items["exit_coverage_country"]) == pytest.approx([1.0, 1.0])


def test_auxiliaries_only_where_a_site_is_shared() -> None:
    """k's two offers exceed its capacity: one c (site k); losing k1 leaves k2's 60 <= 60, so
    no d. An instance without a shared site builds no auxiliary at all."""
    md = trustsource.build_model(trustsource.Instance.from_dict(shared_site("supplier"))).data
    assert md.var_blocks["exit.site_capacity"].labels == ["a|k"]
    doc = shared_site("supplier")
    doc["sites"][1]["capacity"] = 120
    md = trustsource.build_model(trustsource.Instance.from_dict(doc)).data
    assert "exit.site_capacity" not in md.var_blocks


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("trustsource")
    return subprocess.run(
        [str(exe), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_console_script(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump(shared_site("supplier")), encoding="utf-8")
    out = run_cli("solve", path, "--format", "json", "--mip-gap", "0", "--backend", backend)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["objective"] == pytest.approx(RIGHT)
    assert {a["supplier"] for a in doc["allocations"] if a["qualified"]} == {"big", "sb"}
    assert doc["items"][0]["exit_coverage_supplier"] == pytest.approx(1.0)
    # Without the standby the pre-solve finding says what k really leaves.
    path.write_text(yaml.safe_dump(shared_site("supplier", standby=False)), encoding="utf-8")
    out = run_cli("validate", path, "--format", "json")
    assert out.returncode == 2
    assert [i["message"] for i in json.loads(out.stdout)["issues"]] == [
        "a: exit `exit` needs 100 unit of capacity outside any one supplier, but losing big "
        "leaves 60 unit"
    ]


# --- brute force over every qualification set -------------------------------------------------


def random_doc(seed: int, lose: str) -> dict[str, Any]:
    """Three offers at site s1 (XA), two at s2 (XB), two without a site; unit cost 0 and a fixed
    cost on every offer, so the optimum is the cheapest qualification set that can meet demand
    and every loss (see :func:`brute_force`)."""
    rng = random.Random(seed)
    sites = [
        {"id": "s1", "country": "XA", "capacity": rng.choice([40, 60, 80])},
        {"id": "s2", "country": "XB", "capacity": rng.choice([30, 50])},
    ]
    sups = []
    for n, where in enumerate(["s1", "s1", "s1", "s2", "s2", None, None]):
        s: dict[str, Any] = {
            "id": f"o{n}",
            "item": "a",
            "unit_cost": 0,
            "fixed_cost": rng.randint(1, 20),
        }
        if where:
            s["site"] = where
            if rng.random() < 0.7:
                s["capacity"] = rng.choice([20, 30, 40, 50])
        else:
            s["country"] = rng.choice(["XA", "XC", "XD"])
            s["capacity"] = rng.choice([20, 40, 60, 100])
        sups.append(s)
    coverage = rng.choice([0.5, 0.8, 1.0])
    return {
        "trustsource": 1,
        "items": [{"id": "a", "demand": 100}],
        "sites": sites,
        "suppliers": sups,
        "rules": [{"kind": "exit", "lose": lose, "coverage": coverage}],
    }


def deliverable(doc: dict[str, Any], chosen: set[str], cap_sites: bool = True) -> float:
    """What the offers in ``chosen`` can deliver: per site at most its capacity."""
    site_cap = {k["id"]: k["capacity"] for k in doc["sites"]}
    per_site: dict[str, float] = {}
    free = 0.0
    for s in doc["suppliers"]:
        if s["id"] not in chosen:
            continue
        k = s.get("site")
        c = min(s.get("capacity", float("inf")), site_cap[k] if k else float("inf"))
        if k:
            per_site[k] = per_site.get(k, 0.0) + c
        else:
            free += c
    return free + sum(min(site_cap[k], v) if cap_sites else v for k, v in per_site.items())


def unit_of(doc: dict[str, Any], s: dict[str, Any], lose: str) -> str | None:
    if lose == "supplier":
        return s["id"]
    if lose == "site":
        return s.get("site")
    site = {k["id"]: k["country"] for k in doc["sites"]}
    return s.get("country") or site[s["site"]]


def brute_force(doc: dict[str, Any], cap_sites: bool = True) -> tuple[float | None, set[str]]:
    """(least fixed cost of a qualification set meeting demand and every loss, that set)."""
    rule = doc["rules"][0]
    need = rule["coverage"] * 100
    ids = [s["id"] for s in doc["suppliers"]]
    fixed = {s["id"]: s["fixed_cost"] for s in doc["suppliers"]}
    units: dict[str, set[str]] = {}
    for s in doc["suppliers"]:
        u = unit_of(doc, s, rule["lose"])
        if u is not None:
            units.setdefault(u, set()).add(s["id"])
    best: tuple[float | None, set[str]] = (None, set())
    for r in range(len(ids) + 1):
        for combo in itertools.combinations(ids, r):
            chosen = set(combo)
            cost = sum(fixed[i] for i in chosen)
            if best[0] is not None and cost >= best[0]:
                continue
            if deliverable(doc, chosen, cap_sites) < 100 - 1e-9:
                continue
            if all(
                deliverable(doc, chosen - lost, cap_sites) >= need - 1e-9 for lost in units.values()
            ):
                best = (cost, chosen)
    return best


SEEDS = range(8)


@pytest.mark.parametrize("lose", LOSES)
def test_brute_force_optimum(lose: str) -> None:
    differs = 0
    for seed in SEEDS:
        doc = random_doc(seed, lose)
        want, _ = brute_force(doc)
        naive, _ = brute_force(doc, cap_sites=False)
        differs += naive != want
        inst = trustsource.Instance.from_dict(doc)
        backends = BACKENDS if seed < 2 else ("highspy",)
        for form, backend in itertools.product(FORMS, backends):
            plan = trustsource.solve(inst, mip_rel_gap=0, exit_form=form, backend=backend)
            where = f"seed {seed}, {form}, {backend}"
            if want is None:
                assert plan.status.value == "infeasible", where
                continue
            assert plan.status.value == "optimal", f"{where}: {plan.message}"
            assert plan.objective == pytest.approx(want, abs=1e-6), where
            # The KPI agrees with the brute force's count on the plan's own qualification.
            chosen = qualified_ids(plan)
            left = min(
                [
                    deliverable(
                        doc,
                        chosen - {s["id"] for s in doc["suppliers"] if unit_of(doc, s, lose) == u},
                    )
                    for u in {unit_of(doc, s, lose) for s in doc["suppliers"]} - {None}
                ]
            )
            kpi = plan.items.loc[0, f"exit_coverage_{lose}"]
            assert kpi == pytest.approx(left / 100), where
            assert kpi >= doc["rules"][0]["coverage"] - 1e-9, where
    assert differs, "no seed where counting each offer separately changes the optimum"
