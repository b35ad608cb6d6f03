"""``trustsource alternatives`` as users run it: the console script as a subprocess, stdout parsed.

The JSON contract (docs/alternatives.md), the CSV header, ``--out DIR``, the issue's hand case
through the command line, and the exit codes: 2 for invalid input (located on stderr; with
``--format json`` one JSON object on stdout), 2 for a periodic instance, 3 for an infeasible one.
The ranges' values are checked by hand and against a brute force in
``tests/test_alternatives.py``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_machine_contract import run_cli

ROOT = Path(__file__).resolve().parents[1]
MINERALS = ROOT / "instances" / "critical-minerals.yaml"
PERIODIC = ROOT / "instances" / "critical-minerals-2030.yaml"
GALLIUM = ROOT / "instances" / "gallium-demo.yaml"

TOP_KEYS = {
    "instance",
    "currency",
    "slack",
    "by",
    "basis",
    "items",
    "optimum",
    "budget",
    "proven",
    "ranges",
    "plans",
    "plans_note",
    "workers",
    "timings",
    "message",
}
RANGE_KEYS = {
    "item",
    "by",
    "key",
    "optimum_share",
    "min_share",
    "max_share",
    "role",
    "proven",
    "min_share_low",
    "max_share_high",
    "min_proven",
    "max_proven",
    "min_solves",
    "max_solves",
    "solves",
}
PLAN_KEYS = {
    "objective",
    "extra_cost",
    "extra_share",
    "status",
    "verified",
    "violations",
    "allocations",
    "shares",
    "kpis",
}
CSV_HEADER = [*sorted(RANGE_KEYS | {"seconds"})]


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "hand.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def _two_sources(**extra: Any) -> dict[str, Any]:
    """The issue's case: demand 100; CN 1/unit and US 1.1/unit, 100 each."""
    return {
        "trustsource": 1,
        "name": "two-sources",
        "items": [{"id": "w", "demand": 100}],
        "suppliers": [
            {"id": "cn-1", "item": "w", "country": "CN", "unit_cost": 1, "capacity": 100},
            {"id": "us-1", "item": "w", "country": "US", "unit_cost": 1.1, "capacity": 100},
        ],
        **extra,
    }


@pytest.fixture(scope="module")
def minerals_json() -> dict[str, Any]:
    proc = run_cli(
        "alternatives",
        MINERALS,
        "--items",
        "gallium,germanium",
        "--count",
        "1",
        "--format",
        "json",
    )
    assert proc.returncode == 0, proc.stderr
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def test_json_contract(minerals_json: dict[str, Any]) -> None:
    d = minerals_json
    assert set(d) == TOP_KEYS
    assert d["instance"] == "critical-minerals"
    assert (d["slack"], d["by"], d["basis"]) == (0.02, "country", "location")
    assert d["items"] == ["gallium", "germanium"]
    assert d["optimum"]["status"] == "optimal"
    assert set(d["optimum"]) == {"status", "objective", "bound", "mip_gap"}
    assert d["budget"] == pytest.approx(d["optimum"]["objective"] * 1.02)
    assert d["ranges"]
    assert {r["item"] for r in d["ranges"]} == {"gallium", "germanium"}
    for r in d["ranges"]:
        assert set(r) == RANGE_KEYS
        assert r["by"] == "country"
        assert isinstance(r["proven"], bool)
        assert r["role"] in ("must-have", "swappable", "excluded", "open")
        assert r["min_share"] - 1e-6 <= r["optimum_share"] <= r["max_share"] + 1e-6
        assert r["min_share_low"] <= r["min_share"] + 1e-9
        assert r["max_share"] <= r["max_share_high"] + 1e-9
        assert r["max_share"] <= 0.65 + 1e-6  # crma-65 caps every third country
    assert d["proven"] == all(r["proven"] for r in d["ranges"])


def test_json_plans(minerals_json: dict[str, Any]) -> None:
    d = minerals_json
    assert len(d["plans"]) == 1
    plan = d["plans"][0]
    assert set(plan) == PLAN_KEYS
    assert plan["status"] == "feasible"
    assert plan["verified"] is True
    assert plan["violations"] == []
    assert plan["objective"] <= d["budget"] * (1 + 1e-9) + 1e-7
    assert 0 <= plan["extra_share"] <= d["slack"] + 1e-9
    assert plan["allocations"]
    assert {"item", "supplier", "country", "owner", "quantity", "share"} <= set(
        plan["allocations"][0]
    )
    assert {s["item"] for s in plan["shares"]} <= {"gallium", "germanium"}


def test_csv_header() -> None:
    proc = run_cli("alternatives", GALLIUM, "--count", "0", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows
    assert sorted(rows[0]) == CSV_HEADER
    assert {r["item"] for r in rows} == {"gallium", "gan_wafer"}


def test_out_dir_writes_five_files(tmp_path: Path) -> None:
    out = tmp_path / "alt"
    proc = run_cli("alternatives", GALLIUM, "--slack", "0.05", "--count", "1", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in out.iterdir()} == {
        "alternatives.json",
        "alternatives_ranges.csv",
        "alternatives_plans.csv",
        "alternatives.png",
        "alternatives.svg",
        "alternatives.xlsx",
    }
    doc = json.loads((out / "alternatives.json").read_text(encoding="utf-8"))
    assert set(doc) == TOP_KEYS
    assert doc["slack"] == 0.05
    ranges = list(csv.DictReader(io.StringIO((out / "alternatives_ranges.csv").read_text())))
    assert len(ranges) == len(doc["ranges"])
    plans = list(csv.DictReader(io.StringIO((out / "alternatives_plans.csv").read_text())))
    assert {r["plan"] for r in plans} == {"1"}


def test_the_issue_case_on_the_command_line(tmp_path: Path) -> None:
    # Budget 105: at most 50 units move to the US; CN [50 %, 100 %] must-have, US [0, 50 %].
    path = _write(tmp_path, _two_sources())
    proc = run_cli("alternatives", path, "--slack", "0.05", "--mip-gap", "0", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    got = {r["key"]: (r["min_share"], r["max_share"], r["role"]) for r in d["ranges"]}
    assert got["CN"][:2] == pytest.approx((0.5, 1.0), abs=1e-4)
    assert got["US"][:2] == pytest.approx((0.0, 0.5), abs=1e-4)
    assert (got["CN"][2], got["US"][2]) == ("must-have", "swappable")
    assert d["proven"] is True
    table = run_cli("alternatives", path, "--slack", "0.05", "--by", "supplier", "--count", "0")
    assert table.returncode == 0, table.stderr
    assert "cn-1" in table.stdout
    assert "must-have" in table.stdout
    assert "50.0%" in table.stdout


def test_no_ranges_gives_only_plans(tmp_path: Path) -> None:
    path = _write(tmp_path, _two_sources())
    proc = run_cli(
        "alternatives", path, "--slack", "0.05", "--no-ranges", "--count", "1", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    assert d["ranges"] == []
    assert d["proven"] is None
    assert len(d["plans"]) == 1
    assert d["plans"][0]["verified"] is True


def test_bad_slack_is_located() -> None:
    proc = run_cli("alternatives", GALLIUM, "--slack", "-1")
    assert proc.returncode == 2
    assert "gallium-demo: alternatives [slack]" in proc.stderr
    assert "must be within [0, 10]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_unknown_item_json() -> None:
    proc = run_cli("alternatives", GALLIUM, "--items", "gallium,nope", "--format", "json")
    assert proc.returncode == 2
    d = json.loads(proc.stdout)  # one JSON object
    assert d["status"] == "invalid"
    assert [(i["field"], i["message"]) for i in d["issues"]] == [("items", "unknown item 'nope'")]
    assert "unknown item 'nope'" in proc.stderr


def test_a_periodic_instance_is_refused() -> None:
    proc = run_cli("alternatives", PERIODIC)
    assert proc.returncode == 2
    assert "periods" in proc.stderr
    assert "Instance.at(year)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_infeasible_instance_exits_3(tmp_path: Path) -> None:
    # Two countries capped at 40 % each cannot supply 100 %: the solver finds it infeasible.
    rules = [{"kind": "country_cap", "max_share": 0.4}]
    path = _write(tmp_path, _two_sources(rules=rules))
    proc = run_cli("alternatives", path, "--format", "json")
    assert proc.returncode == 3
    d = json.loads(proc.stdout)
    assert d["optimum"]["status"] == "infeasible"
    assert d["budget"] is None
    assert d["ranges"] == []
    assert d["plans"] == []
    assert "infeasible" in d["message"]
    text = run_cli("alternatives", path)
    assert text.returncode == 3
    assert "infeasible" in text.stdout + text.stderr
