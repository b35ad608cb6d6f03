"""The bundled coalition instances (critical-minerals-coalition: five EU members; chips-coalition:
a US-JP-KR-TW group): they load and validate, every item's demand is the members' total and
the descriptions quote the members' demands as the data hold them, and ``trustsource
coalition`` on each (the console script, every coalition proven optimal) says what planning
together is for: a joint cost no higher than planning apart, a split that sums to it and lies in
the core, and savings from both shared qualification and the volume tiers."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import pytest
import trustsource
import yaml
from test_machine_contract import run_cli
from trustsource.errors import InstanceError

NAMES = ("critical-minerals-coalition", "chips-coalition")
# name -> (member ids in order, rules that bind the coalition's total)
EXPECTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "critical-minerals-coalition": (("de", "fr", "it", "es", "pl"), ("allied-floor",)),
    "chips-coalition": (("us", "jp", "kr", "tw"), ("chip4-floor",)),
}
REL = 1e-9  # every solve runs at MIP gap 0: costs agree to rounding
TAG = re.compile(r"\[tag [VSR]\b|illustrative", re.IGNORECASE)


def _path(name: str) -> Path:
    ref = importlib.resources.files("trustsource.instances") / f"{name}.yaml"
    with importlib.resources.as_file(ref) as path:
        return Path(path)


def _doc(name: str) -> dict[str, Any]:
    doc = yaml.safe_load(_path(name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize("name", NAMES)
def test_loads_and_validates(name: str) -> None:
    inst = trustsource.load(_path(name))
    members, joint_rules = EXPECTED[name]
    assert inst.name == name
    assert tuple(b.id for b in inst.buyers) == members
    assert inst.coalition is not None
    assert tuple(inst.coalition.rules) == joint_rules
    assert set(inst.coalition.shared) == {"qualification", "sites", "tiers", "standby"}
    names = {str(r.name) for r in inst.rules}
    assert set(joint_rules) <= names
    for b in inst.buyers:
        assert b.rules, b.id  # each member names the rules on its own supply
        assert set(b.rules) <= names - set(joint_rules)
    # 2^n - 1 solves: the instance must stay small enough for seconds
    assert 4 <= len(members) <= 6
    assert 20 <= len(inst.suppliers) <= 40


@pytest.mark.parametrize("name", NAMES)
def test_item_demand_is_the_members_total(name: str) -> None:
    inst = trustsource.load(_path(name))
    total: dict[str, float] = {}
    for b in inst.buyers:
        for item, q in b.demand.items():
            total[item] = total.get(item, 0.0) + q
    for it in inst.items:
        assert it.demand > 0, it.id  # every item is demanded, and only through the buyers
        assert total.get(it.id) == pytest.approx(it.demand, rel=0, abs=0), it.id
        # the item's description quotes each member's demand as the data hold it
        for b in inst.buyers:
            q = b.demand.get(it.id, 0.0)
            assert f"{b.id.upper()} {q:,.0f}" in (it.description or ""), (it.id, b.id)


@pytest.mark.parametrize("name", NAMES)
def test_a_member_demand_off_the_total_is_refused(name: str) -> None:
    # The bundled numbers are consistent because the loader checks them: move one member's
    # demand and the item's total no longer matches.
    doc = _doc(name)
    first = doc["buyers"][0]
    item = next(iter(first["demand"]))
    first["demand"][item] += 1
    with pytest.raises(InstanceError) as err:
        trustsource.Instance.from_dict(doc)
    assert any(i.field == "demand" and "add up to" in i.message for i in err.value.issues)


@pytest.mark.parametrize("name", NAMES)
def test_sources_and_description(name: str) -> None:
    doc = _doc(name)
    desc = doc["description"]
    assert "joint" in desc.lower()
    assert "illustrative" in desc.lower()
    assert "sum of the members' demands" in " ".join(desc.split())
    assert len(doc["sources"]) >= 5
    for src in doc["sources"]:
        assert TAG.search(src), src  # every figure carries its confidence tag or is marked
    for s in doc["suppliers"]:
        assert s.get("description"), s["id"]
        assert not isinstance(s.get("fixed_cost", 0), str), s["id"]  # plain integers


@pytest.fixture(scope="module", params=NAMES)
def answer(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """``trustsource coalition FILE --format json`` at MIP gap 0 (every c(S) proven)."""
    name = request.param
    proc = run_cli("coalition", _path(name), "--format", "json", "--mip-gap", "0", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return name, json.loads(proc.stdout)


def test_cli_joint_cost_and_split(answer: tuple[str, dict[str, Any]]) -> None:
    name, data = answer
    members, _ = EXPECTED[name]
    assert data["method"] == "shapley"
    assert data["proven"] is True
    assert set(data["standalone"]) == set(members) == set(data["split"])
    apart = sum(data["standalone"].values())
    joint = data["joint_cost"]
    assert joint > 0
    assert joint <= apart * (1 + REL)
    assert data["fragmentation_cost"] == pytest.approx(apart - joint, rel=REL)
    assert sum(data["split"].values()) == pytest.approx(joint, rel=REL)
    # the bundled games have a core and the Shapley split lies in it: every member pays no
    # more than alone
    assert data["in_core"] is True
    for m in members:
        assert data["split"][m] <= data["standalone"][m] * (1 + REL), m


def test_cli_savings_come_from_qualification_and_tiers(
    answer: tuple[str, dict[str, Any]],
) -> None:
    # The descriptions' story: planning together saves duplicated qualification and buys at
    # the joint volume's tiers; nothing is left unmet apart or together.
    name, data = answer
    frag = {row["source"]: row for row in data["fragmentation"]}
    assert frag["qualification duplicated"]["fragmentation"] > 0, name
    purchases = next(v for k, v in frag.items() if k.startswith("purchases"))
    assert purchases["fragmentation"] > 0, name
    unmet = frag["unmet demand"]
    assert unmet["apart"] == pytest.approx(0.0, abs=1e-6)
    assert unmet["together"] == pytest.approx(0.0, abs=1e-6)
    assert sum(r["fragmentation"] for r in frag.values()) == pytest.approx(
        data["fragmentation_cost"], rel=1e-6
    )


def test_python_api_agrees_with_the_cli() -> None:
    # chips-coalition only (15 solves): the library route gives the console script's answer
    name = "chips-coalition"
    proc = run_cli("coalition", _path(name), "--format", "json", "--mip-gap", "0", timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    res = trustsource.coalition(trustsource.load(_path(name)), mip_rel_gap=0.0)
    assert res.joint_cost == pytest.approx(data["joint_cost"], rel=REL)
    assert res.standalone == pytest.approx(data["standalone"], rel=REL)
    assert res.to_dict()["split"] == pytest.approx(data["split"], rel=REL)
    assert res.in_core is True
