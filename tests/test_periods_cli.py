"""Periodic instances through the console script: stdout parsed as the machine contract.

Every reference solve sets the MIP gap to 0 and compares objectives, not flows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from periods_cases import build_case as _build_case
from test_machine_contract import run_cli

# --- the CLI (the console script; stdout is the machine contract) ---------------------------


def test_cli_solve_json_carries_periods(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})))
    out = run_cli("solve", path, "--format", "json", "--mip-gap", "0")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["objective"] == pytest.approx(350.0)
    assert data["periods"] == [2026, 2027]
    assert {a["period"] for a in data["allocations"]} == {2026, 2027}
    assert data["builds"][0]["supplier"] == "us"
    text = run_cli("solve", path)
    assert text.returncode == 0
    assert "us (ga, US): decided 2026, usable from 2027" in text.stdout


def test_cli_infeasible_path_diagnose_and_glide(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_build_case(2, [2026, 2027, 2028], {2026: 1.0, 2027: 0.5})))
    assert run_cli("solve", path).returncode == 3
    diag = run_cli("diagnose", path)
    assert diag.returncode == 0
    assert "lead time is 2 years" in diag.stdout
    glide = run_cli("glide", path, "--rule", "cap", "--format", "json", "--out", tmp_path / "g")
    assert glide.returncode == 0, glide.stderr
    data = json.loads(glide.stdout)
    assert data["earliest"] == 2028
    assert [d["status"] for d in data["deadlines"]] == ["infeasible", "infeasible", "optimal"]
    assert {p.name for p in (tmp_path / "g").iterdir()} >= {"glide.json", "glide.png"}
    never = run_cli("glide", path, "--rule", "cap", "--target", "0.3")
    assert never.returncode == 3
    bad = run_cli("glide", path, "--rule", "nope")
    assert bad.returncode == 2
    assert "no rule named 'nope'" in bad.stdout + bad.stderr


def test_analyses_run_on_a_periodic_instance_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})))
    gap = ("--mip-gap", "0")
    # explain: the cap costs 350 - 200 (all from CN, nothing built) over the horizon.
    exp = run_cli("explain", path, "--format", "json", *gap)
    assert exp.returncode == 0, exp.stderr
    rule = json.loads(exp.stdout)["rules"][0]
    assert (rule["rule"], rule["cost_without"], rule["price"]) == ("cap", 200.0, 150.0)
    assert "2027" in rule["effect_without"]
    # sweep: the cap at 50 % and at 100 % in every period.
    sw = run_cli(
        "sweep",
        path,
        "--rule",
        "cap",
        "--param",
        "max_share",
        "--from",
        "0.5",
        "--to",
        "1",
        "--step",
        "0.5",
        "--format",
        "json",
        *gap,
    )
    assert sw.returncode == 0, sw.stderr
    points = {p["value"]: (p["status"], p["cost"]) for p in json.loads(sw.stdout)["points"]}
    assert points[0.5][0] == "infeasible"
    assert points[1.0] == ("optimal", pytest.approx(200.0))
    # stress: losing CN leaves 2026 short (nothing can be built in time); the period is named.
    st = run_cli("stress", path, "--format", "json")
    assert st.returncode == 0, st.stderr
    short = [s for s in json.loads(st.stdout)["shortfalls"] if s["scenario"] == "CN"]
    assert {s["period"] for s in short} >= {2026}
    # compare and report run and name the path.
    assert run_cli("compare", path).returncode == 0
    rep = run_cli("report", path, "--out", tmp_path / "r.html")
    assert rep.returncode == 0, rep.stderr
    assert "period by period" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_cli_writes_the_linked_model_and_glides_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(_build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})))
    lp = tmp_path / "p.lp"
    assert run_cli("solve", path, "--write-lp", lp).returncode == 0
    text = lp.read_text(encoding="utf-8")
    assert "build(us_2026)" in text
    assert "joint" not in text
    out = run_cli("glide", path, "--rule", "cap", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()
    assert rows[0].startswith("deadline,status,objective")
    assert rows[1].startswith("2026,infeasible")
    assert rows[2].startswith("2027,optimal")
