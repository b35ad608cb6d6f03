"""The ``trustsource`` command line: exit codes, located messages, formats and the JSON contract.

docs/cli.md: ``validate`` exits 0 for a valid instance and 2 with located messages otherwise;
``solve`` exits 0 with a plan, 2 on invalid input, 3 when infeasible, 4 without a solution in the
time limit (not provoked here: it cannot be triggered reliably), and 1 on internal errors. Errors
are one-line messages without a traceback unless ``--debug``. ``solve --format json`` writes one
JSON object with ``status``, ``objective``, ``mip_gap`` and ``allocations``.
"""

from __future__ import annotations

import csv
import importlib.util
import inspect
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import trustsource
from click.testing import CliRunner, Result
from trustsource.cli.main import cli

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"
VALID = DATA / "valid"
BASIC = VALID / "basic.yaml"

FINDING = INVALID / "demand_exceeds_capacity_after_ban.yaml"
INVALID_FILES = sorted(p for p in INVALID.iterdir() if p.is_file() and p != FINDING)

# Hand-derived optimum of basic.yaml. gallium needs 100 + 0.02 * 1000 = 120 kg: CN is capped at
# 70 % (84 kg at 600 * 1.25 tariff = 63,000) and JP supplies 36 kg (50,400 + 2,000 fixed = 52,400;
# DE's first tier would cost 54,000). gan_wafer: allies need >= 50 %, so 500 from US (100 * 5 +
# 400 * 4 = 2,100) and 500 from CN (500 * 3.75 = 1,875). Total 119,375.
BASIC_OPTIMUM = 119_375.0
BASIC_SUPPLY = {"gallium": 120.0, "gan_wafer": 1000.0}

SOLVE_OPTS = ["--mip-gap", "0", "--time-limit", "30"]

INLINE_YAML = """\
trustsource: 1
name: stdin-demo
items:
  - {id: gallium, unit: kg, demand: 1000}
suppliers:
  - {id: ga-cn-1, item: gallium, country: CN, unit_cost: 600, capacity: 5000}
  - {id: ga-jp-1, item: gallium, country: JP, unit_cost: 1400, capacity: 3000, fixed_cost: 5000}
  - {id: ga-de-1, item: gallium, country: DE, unit_cost: 1500, capacity: 3000}
rules:
  - {kind: country_cap, name: crma-65, max_share: 0.65}
"""
# CN 650 * 600 + JP 350 * 1400 + 5,000 qualification (DE would cost 350 * 1500 = 525,000).
INLINE_OPTIMUM = 650 * 600 + 350 * 1400 + 5000

# The same without fixed costs: a pure LP, no integer variable at all.
LP_YAML = INLINE_YAML.replace(", fixed_cost: 5000", "")
LP_OPTIMUM = 650 * 600 + 350 * 1400

# Three suppliers in three countries, each country capped at 30 %: at most 90 % of any supply.
INFEASIBLE_YAML = """\
trustsource: 1
name: caps-too-tight
items:
  - {id: gallium, unit: kg, demand: 2000}
suppliers:
  - {id: ga-jp-1, item: gallium, country: JP, unit_cost: 1400, capacity: 600}
  - {id: ga-de-1, item: gallium, country: DE, unit_cost: 1500, capacity: 800}
  - {id: ga-us-1, item: gallium, country: US, unit_cost: 1600, capacity: 1200}
rules:
  - {kind: country_cap, name: cap-30, max_share: 0.3}
"""


@pytest.fixture
def runner() -> CliRunner:
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:  # click < 8.2
        return CliRunner(mix_stderr=False)
    return CliRunner()  # click >= 8.2 keeps stderr apart by default


def _invoke(runner: CliRunner, args: list[str], input: str | None = None) -> Result:
    return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=True)


def _all_text(result: Result) -> str:
    return result.stdout + result.stderr


def _expected_issues(path: Path) -> list[trustsource.Issue]:
    """The issues the library reports for ``path`` (their quality is tested in test_validation)."""
    try:
        inst = trustsource.load(path)
    except trustsource.InstanceError as exc:
        return exc.issues
    return inst.findings


def _assert_clean_failure(result: Result, code: int) -> None:
    text = _all_text(result)
    assert result.exit_code == code, f"exit {result.exit_code}, expected {code}:\n{text}"
    assert "Traceback" not in text
    # An exit code from sys.exit, not an escaped exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), text


def _check_plan_json(plan: dict, optimum: float, supply: dict[str, float]) -> None:
    assert plan["status"] == "optimal"
    assert plan["objective"] == pytest.approx(optimum, rel=1e-6)
    assert isinstance(plan["mip_gap"], (int, float))
    assert 0 <= plan["mip_gap"] <= 1e-6
    allocations = plan["allocations"]
    assert isinstance(allocations, list)
    assert allocations
    totals: dict[str, float] = {}
    for row in allocations:
        assert {"supplier", "item", "quantity"} <= set(row)
        assert isinstance(row["quantity"], (int, float))
        assert row["quantity"] >= -1e-9
        totals[row["item"]] = totals.get(row["item"], 0.0) + row["quantity"]
    assert totals == pytest.approx(supply)


# --- validate -----------------------------------------------------------------------------------


def test_validate_valid_instance(runner: CliRunner) -> None:
    for path in (BASIC, VALID / "basic.json"):
        result = _invoke(runner, ["validate", path])
        assert result.exit_code == 0, _all_text(result)
        assert "ok" in result.stdout
        assert result.stderr == ""


@pytest.mark.parametrize("path", [*INVALID_FILES, FINDING], ids=lambda p: p.name)
def test_validate_invalid_exits_2_with_located_messages(runner: CliRunner, path: Path) -> None:
    result = _invoke(runner, ["validate", path])
    _assert_clean_failure(result, 2)
    issues = _expected_issues(path)
    assert issues
    for issue in issues:
        assert issue.location in result.stderr
        assert str(issue) in result.stderr


@pytest.mark.parametrize("path", [INVALID / "several_errors.yaml", FINDING], ids=lambda p: p.name)
def test_validate_json_lists_every_issue(runner: CliRunner, path: Path) -> None:
    result = _invoke(runner, ["validate", path, "--format", "json"])
    _assert_clean_failure(result, 2)
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["status"] == "invalid"
    expected = _expected_issues(path)
    assert [(i["location"], i["field"], i["message"], i["kind"]) for i in report["issues"]] == [
        (i.location, i.field, i.message, i.kind) for i in expected
    ]


def test_validate_json_valid(runner: CliRunner) -> None:
    result = _invoke(runner, ["validate", BASIC, "--format", "json"])
    assert result.exit_code == 0, _all_text(result)
    assert json.loads(result.stdout) == {"status": "valid", "valid": True, "issues": []}


def test_validate_reads_stdin(runner: CliRunner) -> None:
    assert _invoke(runner, ["validate", "-"], input=INLINE_YAML).exit_code == 0
    bad = INLINE_YAML.replace("capacity: 5000", "capacity: -5")
    result = _invoke(runner, ["validate", "-"], input=bad)
    _assert_clean_failure(result, 2)
    assert "<stdin>: suppliers[0] (ga-cn-1) [capacity]" in result.stderr


def test_several_errors_reported_in_one_run(runner: CliRunner) -> None:
    result = _invoke(runner, ["validate", INVALID / "several_errors.yaml"])
    _assert_clean_failure(result, 2)
    for fragment in (
        "unknown key 'colour'",
        "items[0] (gallium) [demand]",
        "did you mean 'capacity'",
        "suppliers[1] (ga-cn-1) [unit_cost]",
        "rules[0] (spread) [max_share]",
    ):
        assert fragment in result.stderr


# --- solve on invalid input ---------------------------------------------------------------------


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.name)
def test_solve_invalid_exits_2_and_writes_nothing(
    runner: CliRunner, path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = _invoke(runner, ["solve", path, "--out", out, "--format", "json", *SOLVE_OPTS])
    _assert_clean_failure(result, 2)
    assert not out.exists() or not any(out.iterdir())
    # The machine contract holds on invalid input too: one JSON object naming every issue.
    report = json.loads(result.stdout)
    assert report["status"] == "invalid"
    expected = _expected_issues(path)
    assert [(i["location"], i["field"], i["message"]) for i in report["issues"]] == [
        (i.location, i.field, i.message) for i in expected
    ]
    for issue in expected:
        assert str(issue) in result.stderr


def test_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = _invoke(runner, ["validate", tmp_path / "nowhere.yaml"])
    _assert_clean_failure(result, 2)
    assert "nowhere.yaml" in result.stderr
    assert "not found" in result.stderr


@pytest.mark.parametrize("command", ["solve", "validate"])
def test_debug_shows_the_traceback_of_the_error(runner: CliRunner, command: str) -> None:
    path = INVALID / "unknown_site.yaml"
    result = _invoke(runner, [command, path, "--debug"])
    text = _all_text(result)
    assert result.exit_code == 2, text
    assert "Traceback" in text
    # The traceback is the one of the input error, pointing into the loader.
    assert "InstanceError" in text
    assert "unknown site 'dowa-akta'" in text


# --- solve on valid input -----------------------------------------------------------------------


def test_solve_json_machine_contract(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", BASIC, "--format", "json", *SOLVE_OPTS])
    assert result.exit_code == 0, _all_text(result)
    plan = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert isinstance(plan, dict)
    _check_plan_json(plan, BASIC_OPTIMUM, BASIC_SUPPLY)
    awarded = {r["supplier"]: r["quantity"] for r in plan["allocations"] if r["quantity"] > 1e-9}
    assert awarded == pytest.approx({"ga-cn-1": 84, "ga-jp-1": 36, "wf-us-1": 500, "wf-cn-1": 500})


def test_solve_json_form_of_the_instance(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", VALID / "basic.json", "--format", "json", *SOLVE_OPTS])
    assert result.exit_code == 0, _all_text(result)
    _check_plan_json(json.loads(result.stdout), BASIC_OPTIMUM, BASIC_SUPPLY)


def test_solve_table(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", BASIC, *SOLVE_OPTS])
    assert result.exit_code == 0, _all_text(result)
    assert "optimal" in result.stdout
    assert "ga-cn-1" in result.stdout
    assert "cap-70" in result.stdout


def test_solve_csv_allocations(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", BASIC, "--format", "csv", *SOLVE_OPTS])
    assert result.exit_code == 0, _all_text(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    assert {"supplier", "item", "quantity"} <= set(rows[0])
    assert {r["supplier"] for r in rows} <= {
        "ga-cn-1",
        "ga-jp-1",
        "ga-de-1",
        "wf-us-1",
        "wf-tw-1",
        "wf-cn-1",
    }
    awarded = {r["supplier"] for r in rows if float(r["quantity"]) > 1e-9}
    assert awarded == {"ga-cn-1", "ga-jp-1", "wf-us-1", "wf-cn-1"}
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["item"]] = totals.get(r["item"], 0.0) + float(r["quantity"])
    assert totals == pytest.approx(BASIC_SUPPLY)


def test_solve_out_dir(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = _invoke(runner, ["solve", BASIC, "--out", out, "--format", "json", *SOLVE_OPTS])
    assert result.exit_code == 0, _all_text(result)
    names = {p.name for p in out.iterdir()}
    tables = ("allocations", "items", "rules", "sites", "costs", "summary")
    expected = {"plan.json"} | {f"{t}.csv" for t in tables}
    if importlib.util.find_spec("pyarrow") is not None:  # Parquet where pyarrow is installed
        expected |= {f"{t}.parquet" for t in tables}
    assert names == expected
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    _check_plan_json(plan, BASIC_OPTIMUM, BASIC_SUPPLY)
    assert plan == json.loads(result.stdout)
    with open(out / "allocations.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {"supplier", "item", "quantity"} <= set(rows[0])
    assert [r["supplier"] for r in rows] == [r["supplier"] for r in plan["allocations"]]
    with open(out / "items.csv", newline="", encoding="utf-8") as fh:
        assert {r["item"] for r in csv.DictReader(fh)} == set(BASIC_SUPPLY)


def test_solve_reads_stdin(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", "-", "--format", "json", *SOLVE_OPTS], input=INLINE_YAML)
    assert result.exit_code == 0, _all_text(result)
    _check_plan_json(json.loads(result.stdout), INLINE_OPTIMUM, {"gallium": 1000.0})


def test_solve_lp_reports_zero_gap_and_its_bound(runner: CliRunner) -> None:
    """An instance without integer variables is an LP: optimal means gap 0, bound = objective."""
    result = _invoke(runner, ["solve", "-", "--format", "json", *SOLVE_OPTS], input=LP_YAML)
    assert result.exit_code == 0, _all_text(result)
    plan = json.loads(result.stdout)
    _check_plan_json(plan, LP_OPTIMUM, {"gallium": 1000.0})
    assert plan["bound"] == pytest.approx(plan["objective"], rel=1e-9)


# --- infeasible ---------------------------------------------------------------------------------


def test_solve_infeasible_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "caps.yaml"
    path.write_text(INFEASIBLE_YAML, encoding="utf-8")
    assert _invoke(runner, ["validate", path]).exit_code == 0  # well formed, no finding
    result = _invoke(runner, ["solve", path, "--format", "json", *SOLVE_OPTS])
    _assert_clean_failure(result, 3)
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible"
    assert plan["objective"] is None
    assert plan["allocations"] == []
    assert "infeasible" in result.stderr


def test_infeasible_plan_claims_no_bound(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", "-", "--format", "json", *SOLVE_OPTS], input=INFEASIBLE_YAML)
    assert result.exit_code == 3, _all_text(result)
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible"
    assert plan["mip_gap"] is None
    assert plan["bound"] is None  # an infeasible model has no objective bound to report


def test_solve_finding_exits_3_without_solving(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", FINDING, "--format", "json", *SOLVE_OPTS])
    _assert_clean_failure(result, 3)
    plan = json.loads(result.stdout)
    assert plan["status"] == "infeasible"
    assert plan["objective"] is None
    assert plan["allocations"] == []
    assert any("no-concern" in f for f in plan["findings"])


def test_solve_finding_table_names_the_rule(runner: CliRunner) -> None:
    result = _invoke(runner, ["solve", FINDING])
    _assert_clean_failure(result, 3)
    assert "no-concern" in result.stdout
    assert "gallium" in result.stdout


# --- the installed console script and python -m -------------------------------------------------


def _script() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("trustsource", path=path)
    assert found, "the console script `trustsource` is not installed"
    return found


def _run(args: list[str], input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_console_script_validate_invalid() -> None:
    proc = _run([_script(), "validate", INVALID / "negative_capacity_csv.yaml"])
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "negative_capacity_csv/suppliers.csv:3 (ga-cn-1) [capacity]" in proc.stderr


def test_console_script_solve_json() -> None:
    proc = _run([_script(), "solve", BASIC, "--format", "json", *SOLVE_OPTS])
    assert proc.returncode == 0, proc.stderr
    _check_plan_json(json.loads(proc.stdout), BASIC_OPTIMUM, BASIC_SUPPLY)


def test_console_script_solve_invalid_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _run([_script(), "solve", INVALID / "several_errors.yaml", "--out", out])
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "did you mean 'capacity'" in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_python_m_solve_from_stdin() -> None:
    proc = _run(
        [sys.executable, "-m", "trustsource", "solve", "-", "--format", "json", *SOLVE_OPTS],
        input=INLINE_YAML,
    )
    assert proc.returncode == 0, proc.stderr
    _check_plan_json(json.loads(proc.stdout), INLINE_OPTIMUM, {"gallium": 1000.0})


def test_python_m_infeasible_from_stdin() -> None:
    proc = _run(
        [sys.executable, "-m", "trustsource", "solve", "-", "--format", "json", *SOLVE_OPTS],
        input=INFEASIBLE_YAML,
    )
    assert proc.returncode == 3, proc.stderr
    assert json.loads(proc.stdout)["status"] == "infeasible"
    assert "Traceback" not in proc.stdout + proc.stderr
