"""Policy packs: ``include:`` expands shipped, cited rule sets; ``trustsource packs`` lists them.

Hand case (docs/packs.md): 100 modules; China at 1, a Singapore plant 30 %-held by a Chinese state
fund at 1.5, Australia at 2, the US at 3. The FEOC pack bans China (located) and Singapore (25 %
influence); the CRMA pack caps Australia at 65 %, so the US gives 35: 65 x 2 + 35 x 3 = 235.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustsource
from pydantic import TypeAdapter
from trustsource.instance.schema import RuleSpec

CLI = [sys.executable, "-m", "trustsource"]


def doc(include: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "trustsource": 1,
        "name": "packed",
        "include": include,
        "items": [{"id": "modules", "demand": 100}, {"id": "other", "demand": 10}],
        "entities": [
            {"id": "state-fund", "country": "CN", "holders": {"CN": 1.0}},
            {"id": "holdco", "country": "SG", "holders": {"state-fund": 0.3}},
        ],
        "suppliers": [
            {"id": "cn", "item": "modules", "country": "CN", "unit_cost": 1, "capacity": 100},
            {"id": "sg", "item": "modules", "country": "SG", "owner": "holdco", "unit_cost": 1.5},
            {"id": "au", "item": "modules", "country": "AU", "unit_cost": 2, "capacity": 100},
            {"id": "us", "item": "modules", "country": "US", "unit_cost": 3, "capacity": 100},
            {"id": "o-cn", "item": "other", "country": "CN", "unit_cost": 1},
            {"id": "o-us", "item": "other", "country": "US", "unit_cost": 2},
        ],
        **extra,
    }


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, input=stdin, check=False)


@pytest.mark.parametrize("pack", [p.id for p in trustsource.packs()])
def test_every_shipped_pack_is_cited_and_valid(pack: str) -> None:
    p = trustsource.pack(pack)
    assert p.legal_source.citation
    assert p.legal_source.url.startswith("https://")
    for r in p.rules:
        assert r.source
        TypeAdapter(RuleSpec).validate_python(r.rule)  # a schema-1 rule


def test_the_hand_case() -> None:
    inst = trustsource.Instance.from_dict(
        doc(["eu-crma-2030", {"pack": "us-feoc", "items": ["modules"]}])
    )
    names = [r.name for r in inst.rules]
    assert names == ["eu-crma-2030.single-country-65", "us-feoc.owned-25", "us-feoc.located"]
    assert inst.rules[1].items == ("modules",)
    assert "[pack us-feoc]" in str(inst.rules[1].description)
    plan = trustsource.solve(inst, mip_rel_gap=0)
    # modules 65 x 2 + 35 x 3 = 235; other: CRMA caps CN at 65 % (FEOC is narrowed to
    # modules): 6.5 x 1 + 3.5 x 2 = 13.5.
    assert plan.objective == pytest.approx(235 + 13.5)


def test_year_selects_the_values_in_effect() -> None:
    # PFE cost share at most 55 % in 2027: sg (influenced) may take 0.55 of the cost of
    # modules; with CRMA off, sg at 1.5 vs au at 2: 1.5 s = 0.55 (1.5 s + 2 (100 - s)).
    inst = trustsource.Instance.from_dict(doc([{"pack": "us-pfe-macr", "year": 2027}]))
    (rule,) = [r for r in inst.rules if r.name == "us-pfe-macr.pfe-cost-2027"]
    assert rule.max_share == pytest.approx(0.55)
    assert getattr(rule, "from_", None) is None


def test_errors_are_located_and_all_at_once(tmp_path: Path) -> None:
    bad = doc(
        [
            "us-feco",
            "us-pfe-macr",
            {"pack": "eu-crma-2030", "year": 2027},
            {"pack": "us-feoc", "colour": "red"},
            {"pack": "us-feoc", "items": ["nope"]},
        ]
    )
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    done = run("validate", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for text in (
        "include[0] [pack] unknown policy pack 'us-feco'",
        "did you mean 'us-feoc'",
        "include[1] [year] us-pfe-macr's values change over",
        "include[2] [year] no rule of eu-crma-2030 is in effect in 2027",
        "include[3] [colour] unknown key",
        "unknown item 'nope'",
    ):
        assert text in done.stderr, (text, done.stderr)


def test_name_clash_is_refused() -> None:
    own = {"name": "us-feoc.located", "kind": "ban", "countries": ["RU"]}
    with pytest.raises(trustsource.InstanceError, match="already in the instance's rules"):
        trustsource.Instance.from_dict(doc(["us-feoc"], rules=[own]))


def test_hash_changes_and_dump_round_trips() -> None:
    a = trustsource.Instance.from_dict(doc(["eu-crma-2030"]))
    b = trustsource.Instance.from_dict(doc(["eu-crma-2030", "us-feoc"]))
    assert a.content_hash != b.content_hash
    dumped = b.to_dict()
    assert "include" not in dumped
    again = trustsource.Instance.from_dict(dumped)
    assert [r.name for r in again.rules] == [r.name for r in b.rules]
    assert again.content_hash == b.content_hash


def test_periodic_instance_gets_each_periods_value() -> None:
    # Periods 2026, 2028, 2030: the 2027 and 2029 values never apply; each kept rule runs
    # from the first to the last period inside its years.
    d = doc(["us-pfe-macr"], periods=[2026, 2028, 2030])
    inst = trustsource.Instance.from_dict(d)
    got = {r.name: (r.from_, r.until, r.max_share) for r in inst.rules}
    assert got == {
        "us-pfe-macr.pfe-cost-2026": (None, 2026, 0.6),  # from the first period
        "us-pfe-macr.pfe-cost-2028": (2028, 2028, 0.5),
        "us-pfe-macr.pfe-cost-2030": (2030, None, 0.4),
    }


def test_packs_command_json_and_unknown_id() -> None:
    listed = json.loads(run("packs", "--format", "json").stdout)
    assert {p["id"] for p in listed} == {"eu-crma-2030", "us-feoc", "us-pfe-macr"}
    one = json.loads(run("packs", "us-pfe-macr", "--format", "json").stdout)
    assert [r["rule"]["max_share"] for r in one["rules"]] == [0.6, 0.55, 0.5, 0.45, 0.4]
    assert all(r["interpretation"] for r in one["rules"])
    done = run("packs", "nope", "--format", "json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["status"] == "invalid"


def test_solve_through_the_console_script(tmp_path: Path) -> None:
    path = tmp_path / "i.json"
    include = ["eu-crma-2030", {"pack": "us-feoc", "items": ["modules"]}]
    path.write_text(json.dumps(doc(include)), encoding="utf-8")
    out = json.loads(run("solve", str(path), "--format", "json", "--mip-gap", "0").stdout)
    assert out["status"] == "optimal"
    assert out["objective"] == pytest.approx(235 + 13.5)  # as in the hand case
    # FEOC on every item: "other" then has only its US offer, which the CRMA caps at 65 %.
    path.write_text(json.dumps(doc(["eu-crma-2030", "us-feoc"])), encoding="utf-8")
    done = run("solve", str(path), "--format", "json")
    assert done.returncode == 3
    assert json.loads(done.stdout)["status"] == "infeasible"
