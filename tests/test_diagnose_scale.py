"""diagnose at large (and small) quantities never contradicts solve (issue 11, defect 1).

The case of the issue: item ``a`` with demand D; ``cn`` (CN, unit cost 1) and ``us`` (US, unit
cost 1.2, fixed cost 10); ``country_cap`` 0.6. The cheapest plan by hand: CN at its cap (0.6 D at
1) and the rest from US (0.4 D at 1.2, plus 10 for qualifying it): 1.08 D + 10, so 10,800,010 at
D = 1e7. diagnose used to call it infeasible from 1e7 to 1e9 ("must allow 100 %"): its elastic
weights, 1/D per unit, fell inside HiGHS's tolerances. Now it solves the instance first and its
elastic slacks are shares of the item, so the verdict and the amounts do not depend on D.

The infeasible twin: a 0.4 cap on two countries. One common limit for both must carry the whole
demand, so it is 50 % (slack 0.1 D); with it, the optimum is 0.5 D at 1 plus 0.5 D at 1.2 plus
10 = 1.1 D + 10.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import trustsource
from test_machine_contract import run_cli
from trustsource.analysis.diagnose import apply_changes, diagnose
from trustsource.analysis.diagnose.elastic import build_elastic, solve_elastic
from trustsource.model.build import build_model

BACKENDS = ("highspy", "pyomo")
LARGE = (1e7, 1e8, 1e9)


def document(demand: float, cap: float = 0.6) -> dict[str, Any]:
    return {
        "trustsource": 1,
        "items": [{"id": "a", "demand": demand}],
        "suppliers": [
            {"id": "cn", "item": "a", "country": "CN", "unit_cost": 1},
            {"id": "us", "item": "a", "country": "US", "unit_cost": 1.2, "fixed_cost": 10},
        ],
        "rules": [{"kind": "country_cap", "max_share": cap}],
    }


def optimum(demand: float) -> float:
    """By hand (module docstring): CN at 60 %, US the rest, plus its fixed cost."""
    return 0.6 * demand * 1 + 0.4 * demand * 1.2 + 10


def relaxed_optimum(demand: float) -> float:
    """The twin with the cap at 50 %: half from each, plus US's fixed cost."""
    return 0.5 * demand * 1 + 0.5 * demand * 1.2 + 10


def instance(demand: float, cap: float = 0.6) -> trustsource.Instance:
    return trustsource.Instance.from_dict(document(demand, cap))


def write(tmp_path: Path, demand: float, cap: float = 0.6) -> Path:
    path = tmp_path / f"case-{demand:g}-{cap:g}.json"
    path.write_text(json.dumps(document(demand, cap)), encoding="utf-8")
    return path


# --- the feasible case of the issue -------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("demand", LARGE)
def test_feasible_at_large_quantities_api(demand: float, backend: str) -> None:
    plan = trustsource.solve(instance(demand), mip_rel_gap=0, backend=backend)
    assert plan.status.value == "optimal"
    assert plan.objective == pytest.approx(optimum(demand), rel=1e-9)
    diag = diagnose(instance(demand), backend=backend)
    assert diag.status == "feasible"
    assert diag.feasible
    assert diag.relaxations.empty
    assert diag.changes == []
    assert diag.solve_status == "optimal"
    # diagnose's own solve (default gap) finds the same optimum on this small instance.
    assert diag.solve_objective == pytest.approx(optimum(demand), rel=1e-9)
    assert diag.messages[0].startswith("instance is feasible: every rule can be met together")
    assert "100 %" not in " ".join(diag.messages)
    # Given the mip-gap-0 plan, diagnose takes it instead of solving again.
    again = diagnose(instance(demand), backend=backend, plan=plan)
    assert again.status == "feasible"
    assert again.solve_objective == plan.objective


@pytest.mark.parametrize("backend", BACKENDS)
def test_feasible_at_large_quantities_cli(tmp_path: Path, backend: str) -> None:
    """1e7 as a table (the numbers in words), 1e8 and 1e9 as JSON."""
    proc = run_cli("diagnose", write(tmp_path, 1e7), "--backend", backend)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "instance: feasible"
    assert lines[1].startswith("instance is feasible: every rule can be met together")
    assert lines[2] == "solve: optimal, objective 10,800,010.00"
    assert "must allow" not in proc.stdout
    for demand in LARGE[1:]:
        proc = run_cli(
            "diagnose", write(tmp_path, demand), "--format", "json", "--backend", backend
        )
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert (out["status"], out["feasible"]) == ("feasible", True)
        assert out["relaxations"] == []
        assert out["solve"]["status"] == "optimal"
        assert out["solve"]["objective"] == pytest.approx(optimum(demand), rel=1e-9)


@pytest.mark.parametrize("demand", [1e-3, 1.0, *LARGE])
def test_elastic_model_finds_nothing_to_relax(demand: float) -> None:
    """The elastic re-solve alone (without the solve in front) relaxes nothing at any scale."""
    em = build_elastic(build_model(instance(demand)))
    ans = solve_elastic(em)
    assert ans.answer.status.value == "optimal"
    assert ans.answer.objective == pytest.approx(0.0, abs=1e-6)
    assert ans.col is not None
    assert all(ans.col[s.col] <= 1e-6 for s in em.slacks)
    # Columns and weights near 1 whatever the demand: shares, not quantities.
    assert all(s.weight in (1.0, 10.0) for s in em.slacks)
    assert all(s.unit == pytest.approx(demand) for s in em.slacks)


# --- the infeasible twin ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("demand", [1e-3, *LARGE])
def test_infeasible_twin_names_the_same_share_api(demand: float, backend: str) -> None:
    assert trustsource.solve(instance(demand, 0.4), backend=backend).status.value == "infeasible"
    diag = diagnose(instance(demand, 0.4), backend=backend)
    assert diag.status == "infeasible"
    assert diag.solve_status == "infeasible"
    assert len(diag.relaxations) == 1
    row = diag.relaxations.iloc[0]
    assert (row["rule"], row["kind"], row["item"]) == ("country_cap", "country_cap", "a")
    assert row["needed"] == pytest.approx(0.5, abs=1e-6)
    assert row["slack"] == pytest.approx(0.1 * demand, rel=1e-6)
    assert row["message"].startswith(
        "a: country_cap `country_cap` must allow 50 % instead of 40 % per country"
    )
    assert diag.elastic_objective == pytest.approx(0.1, abs=1e-6)
    assert diag.changes == [
        {"rule": "country_cap", "kind": "country_cap", "field": "max_share", "from": 0.4, "to": 0.5}
    ]
    assert (diag.check_status, diag.confirmed) == ("optimal", True)
    assert "Checked: with these changes (`country_cap` max_share 0.4 -> 0.5)" in diag.messages[-1]
    # Applied through the document, the relaxed instance solves to the hand optimum.
    relaxed = apply_changes(document(demand, 0.4), diag.changes)
    assert relaxed["rules"][0]["max_share"] == 0.5
    plan = trustsource.solve(
        trustsource.Instance.from_dict(relaxed), mip_rel_gap=0, backend=backend
    )
    assert plan.status.value == "optimal"
    assert plan.objective == pytest.approx(relaxed_optimum(demand), rel=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_infeasible_twin_cli(tmp_path: Path, backend: str) -> None:
    """1e9 as a table, 1e7 and 1e8 as JSON (the API test covers every scale on both routes)."""
    proc = run_cli("diagnose", write(tmp_path, 1e9, 0.4), "--backend", backend)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("instance: infeasible\n")
    assert "must allow 50 % instead of 40 % per country" in proc.stdout
    assert "suppliers can deliver at most 800,000,000 of the 1,000,000,000 unit" in proc.stdout
    assert "Checked: with these changes (`country_cap` max_share 0.4 -> 0.5)" in proc.stdout
    for demand in LARGE[:2] if backend == "highspy" else LARGE[:1]:
        proc = run_cli(
            "diagnose", write(tmp_path, demand, 0.4), "--format", "json", "--backend", backend
        )
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert out["status"] == "infeasible"
        assert [r["needed"] for r in out["relaxations"]] == [pytest.approx(0.5, abs=1e-6)]
        assert out["changes"][0]["to"] == 0.5
        assert out["check"] == {"status": "optimal", "confirmed": True}


# --- no proof either way ------------------------------------------------------------------------


def test_time_limited_solve_is_unknown_api() -> None:
    """No time for the solve: neither feasible nor infeasible is claimed."""
    diag = diagnose(instance(1e7), time_limit=0)
    assert diag.status == "unknown"
    assert not diag.feasible
    assert diag.solve_status == "no_solution"
    assert diag.relaxations.empty
    assert diag.messages[0].startswith(
        "instance: not diagnosed: solve ended no_solution without finding a plan or proving "
        "there is none."
    )


def test_time_limited_solve_is_unknown_cli(tmp_path: Path) -> None:
    path = write(tmp_path, 1e7)
    proc = run_cli("diagnose", path, "--format", "json", "--time-limit", "0")
    assert proc.returncode == 4
    out = json.loads(proc.stdout)  # still one JSON object
    assert (out["status"], out["feasible"]) == ("unknown", False)
    assert out["solve"]["status"] == "no_solution"
    assert "status: unknown" in proc.stderr
    assert "Traceback" not in proc.stderr
