"""Issue 11, defect 6: a rule that forces shortfall binds, and the texts say how.

The issue's case: gallium, demand 100 kg, ``shortfall_penalty`` 10,000 per kg, two suppliers (CN
at 10 per kg, DE at 12 per kg, no capacity limits) and ``min_suppliers`` count 3. No plan can
award three suppliers, so nothing is bought: 100 kg x 10,000 = 1,000,000. Without the rule CN
supplies all 100 kg: 1,000. The rule costs 999,000 (99.9 % of the plan), and explain used to
say it "binds on -" (the rule report made every rule on an item without supply non-binding).

Other rules that force shortfall, by hand (same item and penalty):

* ``country_cap`` 50 %, DE capped at 30 kg: supply t <= 30 + 0.5 t, so t <= 60 (CN 30, DE 30):
  30 x 10 + 30 x 12 + 40 x 10,000 = 400,660;
* ``ban`` on CN, DE capped at 40 kg: 40 x 12 + 60 x 10,000 = 600,480;
* control: penalty 5 (below every price) and a 50 % cap with both countries unlimited: the plan
  buys nothing because going without is cheaper (100 x 5 = 500), and the cap does not bind.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustsource
from trustsource.analysis.explain import explain
from trustsource.output.report import build_report

BACKENDS = ("highspy", "pyomo")
REASON = "only 2 suppliers can deliver it"
FORCES = f"forces 100.0 % of gallium to go unmet: {REASON}"


def document(
    rules: list[dict[str, Any]], de_capacity: float | None = None, penalty: float = 10_000
) -> dict[str, Any]:
    de: dict[str, Any] = {"id": "de", "item": "gallium", "country": "DE", "unit_cost": 12}
    if de_capacity is not None:
        de["capacity"] = de_capacity
    return {
        "trustsource": 1,
        "name": "two-gallium",
        "currency": "USD",
        "items": [{"id": "gallium", "demand": 100, "unit": "kg", "shortfall_penalty": penalty}],
        "suppliers": [{"id": "cn", "item": "gallium", "country": "CN", "unit_cost": 10}, de],
        "rules": rules,
    }


MIN3 = document([{"name": "min-3", "kind": "min_suppliers", "count": 3}])


def _inst(doc: dict[str, Any]) -> trustsource.Instance:
    return trustsource.Instance.from_dict(copy.deepcopy(doc))


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("trustsource")
    return subprocess.run(
        [str(exe), *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def min3_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("min3") / "instance.json"
    path.write_text(json.dumps(MIN3), encoding="utf-8")
    return path


# --- the rule report ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_rule_report_says_the_rule_forces_shortfall(backend: str) -> None:
    plan = trustsource.solve(_inst(MIN3), backend=backend, mip_rel_gap=0)  # type: ignore[arg-type]
    assert plan.status is trustsource.Status.OPTIMAL
    assert plan.objective == pytest.approx(1_000_000)
    (row,) = plan.rules.to_dict("records")
    assert row["binding"] is True
    assert row["scope"] == f"forces shortfall: {REASON}"
    assert float(plan.items["shortfall"].iloc[0]) == pytest.approx(100)


CASES = {
    "country_cap": (
        document([{"name": "cap-50", "kind": "country_cap", "max_share": 0.5}], de_capacity=30),
        400_660,
        "forces shortfall: each country may supply at most 50.0 %, so only 60 of the "
        "100 kg its suppliers could deliver can be bought",
    ),
    "ban": (
        document([{"name": "no-cn", "kind": "ban", "countries": ["CN"]}], de_capacity=40),
        600_480,
        "forces shortfall: the ban excludes the suppliers in CN, so only 40 of the 100 kg its "
        "suppliers could deliver can be bought",
    ),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", list(CASES))
def test_partial_shortfall_binds_with_its_ceiling(case: str, backend: str) -> None:
    doc, cost, scope = CASES[case]
    plan = trustsource.solve(_inst(doc), backend=backend, mip_rel_gap=0)  # type: ignore[arg-type]
    assert plan.objective == pytest.approx(cost)
    (row,) = plan.rules.to_dict("records")
    assert row["binding"] is True
    assert row["scope"] == scope


@pytest.mark.parametrize("backend", BACKENDS)
def test_voluntary_shortfall_is_not_forced(backend: str) -> None:
    doc = document([{"name": "cap-50", "kind": "country_cap", "max_share": 0.5}], penalty=5)
    plan = trustsource.solve(_inst(doc), backend=backend, mip_rel_gap=0)  # type: ignore[arg-type]
    assert plan.objective == pytest.approx(500)
    (row,) = plan.rules.to_dict("records")
    assert row["binding"] is False
    assert not str(row["scope"] or "").startswith("forces shortfall")


# --- explain ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_explain_says_how_the_rule_binds(backend: str) -> None:
    exp = explain(_inst(MIN3), mip_rel_gap=0, workers=1, backend=backend)  # type: ignore[arg-type]
    assert exp.cost == pytest.approx(1_000_000)
    assert exp.baseline_cost == pytest.approx(1_000)
    (row,) = exp.rules.to_dict("records")
    assert row["price"] == pytest.approx(999_000)
    assert row["price_share"] == pytest.approx(0.999)
    assert row["binding_items"] == "gallium"
    assert row["binding_text"] == f"it {FORCES}"
    text = repr(exp)
    assert f"min-3 (min_suppliers) costs 999,000 USD (99.9 %); it {FORCES}" in text
    assert "does not bind" not in text
    assert "Empty DataFrame" not in text


def test_cli_explain_table(min3_file: Path) -> None:
    proc = run_cli("explain", min3_file, "--mip-gap", "0", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    row = next(line for line in out.splitlines() if line.strip().startswith("min-3"))
    assert row.split()[-2:] == ["gallium", "(shortfall)"]  # the "binds on" column
    assert "999,000.00" in row
    assert f"min-3 (min_suppliers) {FORCES}" in out
    assert "Empty DataFrame" not in out
    assert " -\n" not in out


def test_cli_explain_json(min3_file: Path) -> None:
    proc = run_cli("explain", min3_file, "--mip-gap", "0", "--workers", "1", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(proc.stdout)["rules"]
    assert row["binding_items"] == "gallium"
    assert row["binding_text"] == f"it {FORCES}"
    assert row["price"] == pytest.approx(999_000)


def test_cli_solve_no_longer_says_no_rule_is_binding(min3_file: Path) -> None:
    proc = run_cli("solve", min3_file, "--mip-gap", "0")
    assert proc.returncode == 0, proc.stderr
    assert "no rule is binding" not in proc.stdout
    assert "min-3" in proc.stdout
    # Said in words: no DataFrame repr, no count of "nan suppliers".
    assert f"min-3 (min_suppliers) on gallium: forces shortfall: {REASON}" in proc.stdout
    assert "no supplier is awarded (all demand goes unmet)" in proc.stdout
    assert "Empty DataFrame" not in proc.stdout
    assert "nan" not in proc.stdout
    proc = run_cli("solve", min3_file, "--mip-gap", "0", "--format", "json")
    (row,) = json.loads(proc.stdout)["rules"]
    assert row["binding"] is True
    assert row["scope"] == f"forces shortfall: {REASON}"


# --- the report ------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_report_says_the_rule_forces_shortfall(backend: str) -> None:
    inst = _inst(MIN3)
    exp = explain(inst, mip_rel_gap=0, workers=1, marginals=False, backend=backend)  # type: ignore[arg-type]
    text = build_report(inst, exp.base, exp)
    assert f"min-3 {FORCES}." in text
    assert (
        'Status: <b class="status-bad">optimal, but 1 item is short (worst gallium: '
        "100.0 % of demand unmet)" in text
    )
    assert "0 USD purchase cost and 1.0 M USD penalty for unmet demand" in text
    assert "Empty DataFrame" not in text


def test_cli_report(min3_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    proc = run_cli("report", min3_file, "--out", out, "--mip-gap", "0")
    assert proc.returncode == 0, proc.stderr
    assert "optimal, but 1 item is short" in proc.stdout
    assert "0.00 purchase cost + 1,000,000.00 penalty for unmet demand" in proc.stdout
    assert FORCES in out.read_text(encoding="utf-8")


def test_floor_of_zero_never_forces_shortfall() -> None:
    # A bloc floor of 0 % allows any supply: with penalty 5 (below every price) the plan buys
    # nothing (100 x 5 = 500) and the floor neither binds nor divides by zero.
    doc = document(
        [{"name": "eu-0", "kind": "bloc_share", "bloc": "eu", "min_share": 0.0}], penalty=5
    )
    plan = trustsource.solve(_inst(doc), mip_rel_gap=0)
    assert plan.objective == pytest.approx(500)
    (row,) = plan.rules.to_dict("records")
    assert row["binding"] is False
