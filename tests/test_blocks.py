"""Block-by-block solves and the reuse store (``trustsource.solve.blocks``).

* hand cases: two independent items are two blocks; tightening one item's cap re-solves only
  its block, and the cost is the hand optimum; a chain store keeps a block whose optimum still
  meets the tighter rows and re-solves one it cuts;
* on random instances (the generator of ``tests/test_properties.py``): a block solve has the
  status and optimum of the whole solve, a second solve with the same store answers every block
  from it, and a chain of tightening caps gives the optimum of each point solved on its own;
* a table-less plan is verified the same way as one with tables (a broken plan is caught);
* a time limit or a stop request is honoured (whole solve; no plan).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest
import trustsource
from hypothesis import given
from test_properties import SETTINGS, instances
from trustsource.model.build import build_model
from trustsource.results.tables import decisions, plan_tables
from trustsource.solve import solve_detailed
from trustsource.solve.blocks import Reuse, split
from trustsource.verify import verify_plan

TWO_ITEMS: dict[str, Any] = {
    "trustsource": 1,
    "name": "two-items",
    "items": [{"id": "a", "demand": 100}, {"id": "b", "demand": 50}],
    "suppliers": [
        {"id": "a-cn", "item": "a", "country": "CN", "unit_cost": 1},
        {"id": "a-us", "item": "a", "country": "US", "unit_cost": 3},
        {"id": "b-cn", "item": "b", "country": "CN", "unit_cost": 2},
        {"id": "b-de", "item": "b", "country": "DE", "unit_cost": 4, "fixed_cost": 10},
    ],
    "rules": [
        {"name": "cap-a", "kind": "country_cap", "max_share": 0.6, "items": ["a"]},
        {"name": "cap-b", "kind": "country_cap", "max_share": 0.8, "items": ["b"]},
    ],
}


def _with_caps(a: float, b: float) -> trustsource.Instance:
    doc = copy.deepcopy(TWO_ITEMS)
    doc["rules"][0]["max_share"] = a
    doc["rules"][1]["max_share"] = b
    return trustsource.Instance.from_dict(doc)


def test_two_independent_items_are_two_blocks_and_reuse_the_untouched_one() -> None:
    inst = _with_caps(0.6, 0.8)
    assert len(split(build_model(inst).data)) == 2
    store = Reuse()
    plan = trustsource.solve(inst, reuse=store, mip_rel_gap=0)
    # a: 60 CN at 1 + 40 US at 3 = 180; b: 40 CN at 2 + 10 DE at 4 + 10 fixed = 130.
    assert plan.status == "optimal"
    assert plan.objective == pytest.approx(310)
    assert plan.timings["blocks"] == 2
    assert plan.timings["blocks_solved"] == 2
    assert plan.violations == []
    # a's cap 1 pp tighter: only a's block goes to HiGHS; 59 + 41 * 3 = 182, b unchanged.
    # (A solve without a store splits too, but keeps nothing for the next one.)
    tight = trustsource.solve(_with_caps(0.59, 0.8), reuse=store, mip_rel_gap=0)
    assert tight.objective == pytest.approx(312)
    assert (tight.timings["blocks_solved"], tight.timings["blocks_reused"]) == (1, 1)
    assert store.counts() == {"blocks_solved": 3, "blocks_reused": 1}
    # The same plan as a whole solve, supplier by supplier.
    whole = trustsource.solve(_with_caps(0.59, 0.8), mip_rel_gap=0, backend="pyomo")
    assert whole.objective == pytest.approx(tight.objective)
    assert dict(zip(tight.allocations["supplier"], tight.allocations["quantity"])) == (
        pytest.approx(dict(zip(whole.allocations["supplier"], whole.allocations["quantity"])))
    )


def test_chain_keeps_a_block_whose_optimum_still_fits_and_resolves_one_it_cuts() -> None:
    store = Reuse(chain=True)
    loose = trustsource.solve(_with_caps(0.9, 0.9), reuse=store, mip_rel_gap=0)
    # a: 90 CN + 10 US = 120; b: 45 CN + 5 DE + 10 = 120.
    assert loose.objective == pytest.approx(240)
    # b's cap to 0.85 cuts b's optimum (90 % CN): b is re-solved, 42.5 * 2 + 7.5 * 4 + 10 =
    # 125; a's block has the same data as before and is answered from the store.
    mid = trustsource.solve(_with_caps(0.9, 0.85), reuse=store, mip_rel_gap=0)
    assert mid.objective == pytest.approx(245)
    assert (mid.timings["blocks_solved"], mid.timings["blocks_reused"]) == (1, 1)
    again = trustsource.solve(_with_caps(0.9, 0.85), reuse=store, mip_rel_gap=0)
    assert again.timings["blocks_reused"] == 2


def test_chain_reuses_a_stored_optimum_the_tighter_rows_still_admit() -> None:
    doc = copy.deepcopy(TWO_ITEMS)
    doc["rules"] = [{"name": "us-cap", "kind": "country_cap", "countries": ["US"], "max_share": 1}]
    store, plain = Reuse(chain=True), Reuse()
    for s in (store, plain):
        first = trustsource.solve(trustsource.Instance.from_dict(doc), reuse=s, mip_rel_gap=0)
        assert first.objective == pytest.approx(100 + 100)  # all CN: 100 * 1 + 50 * 2
    # The US cap to 50 %: new rows in a's block (b has no US offer, so its block is as it
    # was), which the stored all-CN plan meets. The chain keeps it without HiGHS; a store
    # without the promise must solve a's block again.
    doc["rules"][0]["max_share"] = 0.5
    inst = trustsource.Instance.from_dict(doc)
    kept = trustsource.solve(inst, reuse=store, mip_rel_gap=0)
    assert kept.objective == pytest.approx(200)
    assert (kept.timings["blocks_solved"], kept.timings["blocks_reused"]) == (0, 2)
    assert trustsource.solve(inst, reuse=plain, mip_rel_gap=0).timings["blocks_solved"] == 1
    # A 10 % US floor on a cuts the stored plan there: a is re-solved (90 + 30), b is kept.
    doc["rules"].append(
        {"name": "us-floor", "kind": "bloc_share", "bloc": "US", "min_share": 0.1, "items": ["a"]}
    )
    cut = trustsource.solve(trustsource.Instance.from_dict(doc), reuse=store, mip_rel_gap=0)
    assert cut.objective == pytest.approx(120 + 100)
    assert (cut.timings["blocks_solved"], cut.timings["blocks_reused"]) == (1, 1)


@SETTINGS
@given(doc=instances())
def test_block_solves_match_whole_solves_on_random_instances(doc: dict[str, Any]) -> None:
    inst = trustsource.Instance.from_dict(doc)
    # The pyomo route always hands HiGHS the whole model.
    whole = trustsource.solve(inst, mip_rel_gap=0, max_hhi_iterations=500, backend="pyomo")
    store = Reuse()
    by_blocks = trustsource.solve(inst, mip_rel_gap=0, max_hhi_iterations=500, reuse=store)
    assert by_blocks.status == whole.status, (by_blocks.message, whole.message)
    if whole.status == "optimal":
        assert by_blocks.objective == pytest.approx(whole.objective, rel=1e-6, abs=1e-6)
        assert by_blocks.violations == []
        # Equal up to HiGHS tolerances (integrality noise under a closed gate), as in
        # tests/test_properties.py::check_plan.
        assert by_blocks.costs["cost"].sum() == pytest.approx(
            by_blocks.objective, rel=1e-7, abs=1e-6
        )
        again = trustsource.solve(inst, mip_rel_gap=0, max_hhi_iterations=500, reuse=store)
        assert again.objective == pytest.approx(by_blocks.objective, rel=1e-9, abs=1e-9)
        if "blocks" in again.timings:  # not for hhi_cap instances (their cut loop runs whole)
            assert again.timings["blocks_solved"] == 0


@SETTINGS
@given(doc=instances())
def test_a_chain_of_tightening_caps_gives_each_points_own_optimum(doc: dict[str, Any]) -> None:
    doc = copy.deepcopy(doc)
    doc["rules"] = [r for r in doc["rules"] if r["kind"] != "hhi_cap"]
    doc["rules"].append({"name": "swept", "kind": "country_cap", "max_share": 1.0})
    store = Reuse(chain=True)
    for cap in (1.0, 0.8, 0.7, 0.5, 0.4):  # loosest first, as sweep orders them
        doc["rules"][-1]["max_share"] = cap
        inst = trustsource.Instance.from_dict(doc)
        own = trustsource.solve(inst, mip_rel_gap=0, backend="pyomo")  # whole, on its own
        chained = trustsource.solve(inst, mip_rel_gap=0, reuse=store)
        assert chained.status == own.status, cap
        if own.status == "optimal":
            assert chained.objective == pytest.approx(own.objective, rel=1e-6, abs=1e-6), cap
            assert chained.violations == []


@SETTINGS
@given(doc=instances())
def test_decisions_are_verified_as_the_tables_are(doc: dict[str, Any]) -> None:
    inst = trustsource.Instance.from_dict(doc)
    solved = solve_detailed(inst, mip_rel_gap=0, max_hhi_iterations=500)
    if solved.columns is None or solved.model is None:
        return
    plan = solved.plan
    lean = decisions(solved.model, solved.columns).verify(solved.model, plan.objective)
    assert [v.check for v in lean] == [v.check for v in verify_plan(inst, plan)]
    # Break the plan: one more unit from every offer. Both routes find the same checks broken.
    broken = solved.columns.copy()
    x = solved.model.data.var_blocks["x"]
    broken[x.cols] = broken[x.cols] + 1.0
    bad = decisions(solved.model, broken).verify(solved.model, plan.objective)
    tabled = replace(plan, **plan_tables(solved.model, broken))
    assert sorted(v.check for v in bad) == sorted(v.check for v in verify_plan(inst, tabled))


def test_table_less_plans_carry_cost_and_checks_only() -> None:
    inst = _with_caps(0.6, 0.8)
    solved = solve_detailed(inst, mip_rel_gap=0)
    assert solved.model is not None
    assert solved.columns is not None
    broken = solved.columns.copy()
    broken[solved.model.data.var_blocks["x"].cols[0]] += 1.0  # a-cn: 61 units for 100 demand
    found = decisions(solved.model, broken).verify(solved.model, solved.plan.objective)
    assert {"balance", "objective"} <= {v.check for v in found}, [v.message for v in found]
    lean = trustsource.solve(inst, tables=False, mip_rel_gap=0)
    assert lean.objective == pytest.approx(310)
    assert lean.violations == []
    assert lean.allocations.empty
    assert lean.items.empty
    awards = trustsource.solve(inst, tables=("allocations", "sites"), mip_rel_gap=0)
    assert set(awards.allocations["supplier"]) == {"a-cn", "a-us", "b-cn", "b-de"}
    assert awards.items.empty
    assert awards.rules.empty


def test_time_limit_solves_whole_and_stop_gives_no_plan() -> None:
    inst = _with_caps(0.6, 0.8)
    limited = trustsource.solve(inst, reuse=Reuse(), time_limit=30)
    assert limited.status == "optimal"
    assert "blocks" not in limited.timings
    stopped = trustsource.solve(inst, reuse=Reuse(), stop=lambda: True)
    assert stopped.status == "no_solution"
    assert stopped.objective is None


def test_console_progress_counts_blocks_and_stdout_stays_json() -> None:
    """The installed console script, as a user's program runs it: the progress line on stderr
    counts the blocks, stdout stays one JSON object."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("trustsource")
    cm = Path(__file__).resolve().parent.parent / "instances" / "critical-minerals.yaml"
    proc = subprocess.run(
        [str(exe), "solve", str(cm), "--progress", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["status"] == "optimal"
    assert plan["timings"]["blocks"] == 8
    assert "block 8 of 8 done" in proc.stderr
