"""Issue 11, defect 3: stress-scenario keys resolve like every country selector of an instance.

``capacity: {eu: 0}`` on the gallium demo used to change nothing (the two-letter key was read as
the country code ``EU``), while ``{DE: 0, HU: 0}`` leaves 63 % of gallium short. A key now names
a bloc first (the instance's own, else a built-in one), then a country code, then a site, then a
supplier; a key naming nothing is a located validation error (all at once, exit 2 from the
CLI), for the instance's ``scenarios`` and for the ``scenarios`` argument of ``stress``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustsource
import yaml
from trustsource.analysis.stress import stress

ROOT = Path(__file__).resolve().parents[1]
GALLIUM = ROOT / "instances" / "gallium-demo.yaml"
FAST = ["--workers", "1", "--mip-gap", "0"]


def gallium_members() -> list[str]:
    """The EU members that offer gallium in the demo, from the data (DE and HU)."""
    inst = trustsource.load(GALLIUM)
    eu = inst.countries_of(["eu"])
    return sorted({s.country for s in inst.suppliers if s.item == "gallium" and s.country in eu})


def gallium_doc(scenarios: dict[str, Any]) -> dict[str, Any]:
    doc = trustsource.load(GALLIUM).to_dict()  # tables inline: a self-contained document
    doc["scenarios"] = scenarios
    return doc


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("trustsource")
    return subprocess.run(
        [str(exe), *map(str, args)], capture_output=True, text=True, timeout=300, check=False
    )


# Hand count: gallium needs 15,000 kg of its own demand plus 50,000 wafers x 0.05 = 2,500 kg.
# The ban on concern owners removes CN and RU; losing DE (site 10,000) and HU (5,000) leaves
# JP 3,000 + KR 5,000 = 8,000, so 17,500 - 8,000 = 9,500 kg are short: 63.3 % of 15,000.
SHORT = 9_500.0


def test_members_are_de_and_hu() -> None:
    assert gallium_members() == ["DE", "HU"]


def test_bloc_key_cuts_its_members_api() -> None:
    inst = trustsource.load(GALLIUM)
    members = {c: 0.0 for c in gallium_members()}
    res = stress(inst, scenarios={"eu": {"eu": 0.0}, "members": members}, workers=1, mip_rel_gap=0)
    s = res.summary.set_index("scenario")
    for name in ("eu", "members"):
        assert s.at[name, "status"] == "optimal"
        assert s.at[name, "total_shortfall"] == pytest.approx(SHORT)
        assert s.at[name, "worst_shortfall_share"] == pytest.approx(SHORT / 15_000)
    assert s.at["eu", "cost"] == pytest.approx(s.at["members", "cost"])


def test_bloc_key_in_the_instance_cli(tmp_path: Path) -> None:
    members = {c: 0 for c in gallium_members()}
    path = tmp_path / "gallium-eu.yaml"
    doc = gallium_doc({"eu": {"capacity": {"eu": 0}}, "members": {"capacity": members}})
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    # Through the library from the file, then the console script.
    inst = trustsource.load(path)
    res = stress(
        inst,
        scenarios={n: dict(sc.capacity) for n, sc in inst.scenarios.items()},
        workers=1,
        mip_rel_gap=0,
    )
    assert list(res.summary["total_shortfall"]) == pytest.approx([SHORT, SHORT])
    out = run_cli("stress", path, "--scenarios", "--format", "json", *FAST)
    assert out.returncode == 0, out.stderr
    rows = {r["scenario"]: r for r in json.loads(out.stdout)["summary"]}
    assert rows["eu"]["total_shortfall"] == pytest.approx(SHORT)
    assert rows["members"]["total_shortfall"] == pytest.approx(SHORT)
    assert rows["eu"]["single_point_of_failure"] is True


BAD = {"cut": {"capacity": {"EU": 0, "nowhere": 0.5, "de": 0, "CN": 0.5}}}
BAD_FIELDS = [
    "scenarios.cut.capacity.EU",
    "scenarios.cut.capacity.nowhere",
    "scenarios.cut.capacity.de",
]
BAD_MESSAGES = [
    "'EU' is no bloc, country code, site or supplier (bloc names are lower-case: eu)",
    "'nowhere' is no bloc, country code, site or supplier",
    "'de' is no bloc, country code, site or supplier (country codes are upper-case: DE)",
]


def test_unknown_keys_are_located_errors_api() -> None:
    with pytest.raises(trustsource.InstanceError) as err:
        trustsource.Instance.from_dict(gallium_doc(BAD), origin="g.yaml")
    issues = err.value.issues
    assert [i.location for i in issues] == ["g.yaml"] * 3
    assert [i.field for i in issues] == BAD_FIELDS
    assert [i.message for i in issues] == BAD_MESSAGES


@pytest.mark.parametrize("command", [["validate"], ["stress", "--scenarios", *FAST]])
def test_unknown_keys_exit_2_cli(tmp_path: Path, command: list[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(gallium_doc(BAD), sort_keys=False), encoding="utf-8")
    out = run_cli(command[0], path, *command[1:], "--format", "json")
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    issues = json.loads(out.stdout)["issues"]
    assert [i["location"] for i in issues] == ["bad.yaml"] * 3
    assert [i["field"] for i in issues] == BAD_FIELDS
    assert [i["message"] for i in issues] == BAD_MESSAGES


def test_stress_argument_checked_before_solving() -> None:
    """Keys and factors of the ``scenarios`` argument: every problem at once, located."""
    inst = trustsource.load(GALLIUM)
    with pytest.raises(trustsource.InstanceError) as err:
        stress(inst, scenarios={"x": {"nowhere": 0.0, "DE": 2.0, "eu": 0.0}, "y": {"eu27": 0}})
    got = [(i.location, i.field, i.message) for i in err.value.issues]
    assert got == [
        (
            "stress(scenarios=...)",
            "scenarios.x.nowhere",
            "'nowhere' is no bloc, country code, site or supplier",
        ),
        (
            "stress(scenarios=...)",
            "scenarios.y.eu27",
            "'eu27' is no bloc, country code, site or supplier; did you mean 'eu'?",
        ),
        (
            "stress(scenarios=...)",
            "scenarios.x.DE",
            "capacity factor must be a number in [0, 1] (0 = lost, 0.5 = halved), got 2.0",
        ),
    ]


def test_instance_bloc_and_site_keys() -> None:
    """The instance's own bloc resolves like a built-in one; a site key cuts that site only;
    the automatic site scenarios cut the site even when a bloc has its name.

    Item a, demand 100: s1 at site ``eu`` (US, 100 at 1), s2 in DE (100 at 2), s3 in FR (100 at
    3). The plan buys s1 (100). Losing site ``eu`` moves the supply to s2: extra cost 100.
    The instance's bloc ``west`` = {DE, FR}: losing it changes nothing (s1 supplies).
    The built-in bloc ``eu`` (DE, FR, ...) as a key of a named scenario also changes nothing.
    """
    doc = {
        "trustsource": 1,
        "items": [{"id": "a", "demand": 100}],
        "blocs": {"west": ["DE", "FR"]},
        "sites": [{"id": "eu", "country": "US", "capacity": 100}],
        "suppliers": [
            {"id": "s1", "item": "a", "site": "eu", "unit_cost": 1},
            {"id": "s2", "item": "a", "country": "DE", "unit_cost": 2, "capacity": 100},
            {"id": "s3", "item": "a", "country": "FR", "unit_cost": 3, "capacity": 100},
        ],
    }
    inst = trustsource.Instance.from_dict(doc)
    auto = stress(inst, lose="site", workers=1, mip_rel_gap=0).summary.set_index("scenario")
    assert auto.at["eu", "extra_cost"] == pytest.approx(100.0)  # the site, not the bloc
    named = stress(
        inst,
        scenarios={
            "west": {"west": 0.0},
            "bloc": {"eu": 0.0},
            "us-s1": {"US": 0.0},
            "s1": {"s1": 0.0},
        },
        workers=1,
        mip_rel_gap=0,
    ).summary.set_index("scenario")
    assert named.at["west", "extra_cost"] == pytest.approx(0.0)
    assert named.at["bloc", "extra_cost"] == pytest.approx(0.0)  # bloc eu: DE and FR
    assert named.at["us-s1", "extra_cost"] == pytest.approx(100.0)
    assert named.at["s1", "extra_cost"] == pytest.approx(100.0)
