"""Coalitions of buyers: hand-computed games through the joint model, validation, the CLI, Dask.

Every reference solve sets the MIP gap to 0 and compares objectives, not flows.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import trustsource
import yaml
from test_machine_contract import run_cli
from trustsource.analysis.coalition.analysis import coalition
from trustsource.analysis.coalition.joint import solve_members
from trustsource.errors import InstanceError

EXACT: dict[str, Any] = {"mip_rel_gap": 0.0, "workers": 1}


def _doc(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"trustsource": 1, "name": "c"}
    doc.update(extra)
    return doc


def _three(**coalition_keys: Any) -> dict[str, Any]:
    """The issue's game: one supplier, fixed cost 300, unit cost 1; three members of 10."""
    doc = _doc(
        items=[{"id": "x"}],
        suppliers=[{"id": "s", "item": "x", "country": "DE", "unit_cost": 1, "fixed_cost": 300}],
        buyers=[{"id": m, "demand": {"x": 10}} for m in ("a", "b", "c")],
    )
    if coalition_keys:
        doc["coalition"] = coalition_keys
    return doc


def test_the_issue_game_by_hand() -> None:
    # c(S) = 300 + 10 |S|: alone 310 each, together 330, fragmentation 600, Shapley 110 each.
    res = coalition(trustsource.Instance.from_dict(_three()), **EXACT)
    assert res.joint_cost == pytest.approx(330.0)
    assert res.standalone == pytest.approx({"a": 310.0, "b": 310.0, "c": 310.0})
    assert res.fragmentation_cost == pytest.approx(600.0)
    assert res.split == pytest.approx([110.0, 110.0, 110.0])
    assert res.in_core is True
    assert res.proven is True
    frag = res.fragmentation().set_index("source")["fragmentation"]
    assert frag["qualification duplicated"] == pytest.approx(600.0)
    assert frag["purchases (prices, volume tiers lost apart)"] == pytest.approx(0.0)
    data = res.to_dict()
    assert {"joint_cost", "standalone", "fragmentation_cost", "split", "method", "in_core"} <= set(
        data
    )


def test_unshared_qualification_is_paid_by_every_member() -> None:
    res = coalition(trustsource.Instance.from_dict(_three(shared=["sites", "tiers"])), **EXACT)
    assert res.joint_cost == pytest.approx(930.0)
    assert res.fragmentation_cost == pytest.approx(0.0)


def test_a_member_without_demand_pays_nothing_and_twins_pay_alike() -> None:
    doc = _three()
    doc["buyers"].append({"id": "d", "demand": {"x": 0}})
    res = coalition(trustsource.Instance.from_dict(doc), **EXACT)
    assert res.split is not None
    assert res.split[3] == pytest.approx(0.0)
    assert res.split[:3] == pytest.approx([110.0] * 3)
    assert sum(res.split) == pytest.approx(res.joint_cost)


def test_joint_volume_reaches_the_cheaper_tier_only_when_tiers_are_shared() -> None:
    # Incremental tiers: the first 10 units at 2, every unit above at 1. Alone: 20 each;
    # together 30 units: 10 x 2 + 20 x 1 = 40, so the tiers save 20.
    tiers = {"mode": "incremental", "breaks": [{"from": 0, "price": 2}, {"from": 10, "price": 1}]}
    doc = _doc(
        items=[{"id": "x"}],
        suppliers=[{"id": "s", "item": "x", "country": "DE", "price_tiers": tiers}],
        buyers=[{"id": m, "demand": {"x": 10}} for m in ("a", "b", "c")],
    )
    shared = coalition(trustsource.Instance.from_dict(doc), **EXACT)
    assert shared.joint_cost == pytest.approx(40.0)
    assert shared.fragmentation_cost == pytest.approx(20.0)
    apart = coalition(
        trustsource.Instance.from_dict(
            {**doc, "coalition": {"shared": ["qualification", "standby"]}}
        ),
        **EXACT,
    )
    assert apart.joint_cost == pytest.approx(60.0)


def test_member_rules_bind_own_supply_and_coalition_rules_the_total() -> None:
    # CN at 1, DE at 2 (each unlimited). Member a caps CN at 50 % of its own 10; b does not.
    # Together: a buys 5 CN + 5 DE, b all CN: 5 + 10 + 10 = 25. With a coalition cap of 50 %
    # on the total instead, 10 CN + 10 DE in any mix: 10 + 20 = 30.
    base = _doc(
        items=[{"id": "x"}],
        suppliers=[
            {"id": "cn", "item": "x", "country": "CN", "unit_cost": 1},
            {"id": "de", "item": "x", "country": "DE", "unit_cost": 2},
        ],
        rules=[{"kind": "country_cap", "name": "cap", "max_share": 0.5}],
    )
    own = {
        **base,
        "buyers": [{"id": "a", "demand": {"x": 10}}, {"id": "b", "demand": {"x": 10}, "rules": []}],
    }
    plan = solve_members(trustsource.Instance.from_dict(own).to_dict(), ("a", "b"), mip_rel_gap=0)
    assert plan.cost == pytest.approx(25.0)
    assert not plan.violations
    joint = {
        **base,
        "buyers": [{"id": "a", "demand": {"x": 10}}, {"id": "b", "demand": {"x": 10}}],
        "coalition": {"rules": ["cap"]},
    }
    plan = solve_members(trustsource.Instance.from_dict(joint).to_dict(), ("a", "b"), mip_rel_gap=0)
    assert plan.cost == pytest.approx(30.0)


def test_validation_locates_buyer_problems_at_once() -> None:
    doc = _three(rules=["nope"], shared=["qualification"])
    doc["items"][0]["demand"] = 25
    doc["buyers"][1] = {"id": "a", "demand": {"y": 1}, "rules": ["missing"]}
    with pytest.raises(InstanceError) as exc:
        trustsource.Instance.from_dict(doc)
    text = "\n".join(str(i) for i in exc.value.issues)
    assert "coalition [rules] no rule named 'nope'" in text
    assert "duplicate buyer id 'a'" in text
    assert "[demand] unknown item 'y'" in text
    assert "[rules] no rule named 'missing'" in text
    assert "the buyers' demands add up to" in text
    assert "`standby` goes with `qualification`" in text


def test_no_buyers_is_refused() -> None:
    inst = trustsource.load(
        Path(__file__).resolve().parent.parent / "instances" / "gallium-demo.yaml"
    )
    with pytest.raises(InstanceError):
        coalition(inst)


def test_cli_json_contract(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(_three()))
    out = run_cli(
        "coalition",
        path,
        "--format",
        "json",
        "--mip-gap",
        "0",
        "--workers",
        "1",
        "--out",
        tmp_path / "o",
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["joint_cost"] == pytest.approx(330.0)
    assert data["split"] == pytest.approx({"a": 110.0, "b": 110.0, "c": 110.0})
    assert data["method"] == "shapley"
    assert data["in_core"] is True
    assert {p.name for p in (tmp_path / "o").iterdir()} >= {"coalition.json", "coalition.png"}
    text = run_cli("coalition", path, "--split", "nucleolus", "--mip-gap", "0")
    assert text.returncode == 0, text.stderr
    assert "in the core" in text.stdout


def test_the_solves_run_on_a_dask_cluster() -> None:
    distributed = pytest.importorskip("distributed")
    inst = trustsource.Instance.from_dict(_three())
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        res = coalition(inst, scheduler=client, mip_rel_gap=0.0)
    assert res.workers == 0
    assert res.split == pytest.approx([110.0, 110.0, 110.0])


def test_solve_refuses_buyers_rather_than_ignore_their_rules(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(_three()))
    out = run_cli("solve", path)
    assert out.returncode == 2
    assert "trustsource coalition" in out.stdout + out.stderr


@pytest.mark.parametrize("seed", range(8))
def test_without_own_rules_a_coalition_costs_what_one_buyer_of_its_total_pays(seed: int) -> None:
    # Everything shared and no member rules: the joint plan is the plain plan of the members'
    # total demand (solved by the one-buyer model, an independent route).
    rng = random.Random(seed)
    items = ["x", "y"]
    sups = [
        {
            "id": f"s{k}",
            "item": rng.choice(items),
            "country": rng.choice(["CN", "DE", "US", "JP"]),
            "unit_cost": rng.randint(1, 9),
            "fixed_cost": rng.choice([0, 20, 50]),
            "capacity": rng.choice([15, 40, 100]),
        }
        for k in range(6)
    ] + [{"id": f"z{i}", "item": i, "country": "AU", "unit_cost": 20} for i in items]
    buyers = [{"id": m, "demand": {i: rng.randint(0, 12) for i in items}} for m in ("a", "b", "c")]
    doc = _doc(
        items=[{"id": i} for i in items],
        suppliers=sups,
        buyers=buyers,
        rules=[{"kind": "country_cap", "name": "cap", "max_share": 0.7}],
        coalition={"rules": ["cap"]},
    )
    res = coalition(trustsource.Instance.from_dict(doc), **EXACT)
    for s, plan in res.plans.items():
        members = [buyers[i] for i in sorted(s)]
        total = {i: sum(b["demand"][i] for b in members) for i in items}
        plain = _doc(
            items=[{"id": i, "demand": total[i]} for i in items],
            suppliers=sups,
            rules=[{"kind": "country_cap", "name": "cap", "max_share": 0.7}],
        )
        alone = trustsource.solve(trustsource.Instance.from_dict(plain), mip_rel_gap=0.0)
        assert plan.cost == pytest.approx(alone.objective, rel=1e-9, abs=1e-9), sorted(s)
    assert res.split is not None
    assert sum(res.split) == pytest.approx(res.joint_cost)


@pytest.mark.parametrize("target", ["c.xlsx", "c.json", "folder/"])
def test_buyers_survive_every_format(tmp_path: Path, target: str) -> None:
    inst = trustsource.Instance.from_dict(_three(rules=[], shared=["qualification", "standby"]))
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(inst.to_dict()))
    out = run_cli("convert", path, str(tmp_path / target))
    assert out.returncode == 0, out.stderr
    again = trustsource.load(tmp_path / target.rstrip("/"))
    assert again.content_hash == inst.content_hash
    assert [b.id for b in again.buyers] == ["a", "b", "c"]
