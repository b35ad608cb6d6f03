"""Shortfall is never hidden (issue 11, defect 4): solve, compare and sweep show unmet demand
(quantity, share of demand, penalty) next to cost, split the cost into purchase cost and shortfall
penalty, never print a bare "optimal" for a plan that leaves demand unmet, and the sweep's
breaking point is the first point with shortfall or infeasibility, saying which.

Hand-computed instance ``SMALL``: item ``a`` (demand 100 t, shortfall penalty 10 EUR/t); ``s1``
(DE) 60 t at 2 EUR/t plus a fixed cost of 30; ``s2`` (FR) 100 t at 15 EUR/t. A unit from ``s2``
costs more than leaving it short (15 > 10) and one from ``s1`` less (2 < 10, and its 60 units
save 600 of penalty for 150), so the optimum buys 60 from ``s1`` and leaves 40 short:
purchase 60 x 2 + 30 = 150, penalty 40 x 10 = 400, objective 550, 40 % of demand short.
Variant ``no-de`` bans DE: all 100 short (s2 still dearer), purchase 0, penalty 1,000.
At demand scale 0.5 (demand 50 <= 60): 50 x 2 + 30 = 130, no shortfall.

The critical-minerals cases are the issue's: the ``feoc`` variant costs 11.61 bn of which
8.59 bn is penalty; its sweep of ``crma-65.max_share`` down to 0.05 is every point "optimal"
but short. Their numbers are cross-checked against the plan's own cost table, not by hand.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import trustsource
import yaml
from test_hhi import BACKENDS
from test_machine_contract import run_cli
from trustsource.analysis.compare import compare
from trustsource.analysis.sweep import sweep

ROOT = Path(__file__).resolve().parents[1]
MINERALS = ROOT / "instances" / "critical-minerals.yaml"
EXACT = ["--mip-gap", "0", "--time-limit", "60"]

SMALL = """\
trustsource: 1
name: small
currency: EUR
items:
  - {id: a, unit: t, demand: 100, shortfall_penalty: 10}
suppliers:
  - {id: s1, item: a, country: DE, unit_cost: 2, capacity: 60, fixed_cost: 30}
  - {id: s2, item: a, country: FR, unit_cost: 15, capacity: 100}
variants:
  no-de:
    description: "no German supply"
    add:
      - {kind: ban, countries: [DE]}
"""
# The same without the penalty: capacity 160, so demand scale 2 (200 t) is infeasible, and so
# is a ban on both countries; without DE all 100 t come from s2 (1,500).
STRICT = (
    SMALL.replace(", shortfall_penalty: 10", "")
    + """\
  no-supply:
    add:
      - {kind: ban, countries: [DE, FR]}
"""
)


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    return path


def _small() -> trustsource.Instance:
    return trustsource.Instance.from_dict(yaml.safe_load(SMALL))


# ---------------------------------------------------------------------------- the Plan (API)


@pytest.mark.parametrize("backend", BACKENDS)
def test_plan_splits_purchase_and_penalty_by_hand(backend: str) -> None:
    plan = trustsource.solve(_small(), backend=backend, mip_rel_gap=0)
    assert plan.status.value == "optimal"
    assert plan.objective == pytest.approx(550)
    assert plan.purchase_cost == pytest.approx(150)
    assert plan.shortfall_penalty == pytest.approx(400)
    assert plan.has_shortfall
    sh = plan.shortfalls
    assert list(sh["item"]) == ["a"]
    assert sh.at[0, "shortfall"] == pytest.approx(40)
    assert sh.at[0, "shortfall_share"] == pytest.approx(0.4)
    assert sh.at[0, "penalty"] == pytest.approx(400)
    assert plan.status_text == "optimal, 400.00 EUR penalty for unmet demand (a 40.0% short)"
    doc = plan.to_dict()
    assert doc["status"] == "optimal"  # the key is unchanged; the words are added next to it
    assert doc["purchase_cost"] == pytest.approx(150)
    assert doc["shortfall_penalty"] == pytest.approx(400)
    assert doc["shortfalls"][0]["shortfall_share"] == pytest.approx(0.4)
    assert "penalty for unmet demand" in repr(plan)


def test_plan_without_shortfall_is_plain_optimal() -> None:
    doc = yaml.safe_load(SMALL)
    doc["items"][0]["demand"] = 50
    plan = trustsource.solve(trustsource.Instance.from_dict(doc), mip_rel_gap=0)
    assert plan.objective == pytest.approx(130)  # 50 x 2 + 30
    assert plan.purchase_cost == pytest.approx(130)
    assert plan.shortfall_penalty == 0
    assert not plan.has_shortfall
    assert plan.shortfalls.empty
    assert plan.status_text == "optimal"


# ---------------------------------------------------------------------------- solve (CLI)


def test_solve_table_shows_the_shortfall_line(small_file: Path) -> None:
    proc = run_cli("solve", small_file, *EXACT)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "small: optimal, 400.00 EUR penalty for unmet demand (a 40.0% short)"
    assert "  purchase cost: 150.00 EUR" in lines
    assert "  shortfall penalty: 400.00 EUR (for unmet demand)" in lines
    assert ("  shortfall: a 40 of 100 t (40.0% of demand), penalty 400.00 EUR") in lines
    assert not any(line.rstrip().endswith(": optimal") for line in lines)


def test_solve_json_and_csv_carry_the_split(small_file: Path) -> None:
    doc = json.loads(run_cli("solve", small_file, "--format", "json", *EXACT).stdout)
    assert doc["objective"] == pytest.approx(550)
    assert (doc["purchase_cost"], doc["shortfall_penalty"]) == pytest.approx((150, 400))
    assert doc["status_text"].startswith("optimal, 400.00 EUR penalty for unmet demand")
    assert [(s["item"], s["shortfall"]) for s in doc["shortfalls"]] == [("a", 40.0)]
    proc = run_cli("solve", small_file, "--format", "csv", *EXACT)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [r["kind"] for r in rows] == ["supplier", "shortfall"]
    short = rows[1]
    assert (short["supplier"], short["item"]) == ("", "a")
    assert float(short["quantity"]) == pytest.approx(40)
    assert float(short["cost"]) == pytest.approx(400)
    assert float(short["share"]) == pytest.approx(0.4)
    assert sum(float(r["cost"]) for r in rows) == pytest.approx(550)  # sums to the objective


# ---------------------------------------------------------------------------- compare


def test_compare_small_by_hand(small_file: Path) -> None:
    cmp = compare(trustsource.load(small_file), workers=1, mip_rel_gap=0)
    s = cmp.summary.set_index("variant")
    assert s.at["baseline", "purchase_cost"] == pytest.approx(150)
    assert s.at["baseline", "shortfall_penalty"] == pytest.approx(400)
    assert s.at["no-de", "cost"] == pytest.approx(1000)  # all 100 t short
    assert s.at["no-de", "purchase_cost"] == pytest.approx(0)
    assert s.at["no-de", "shortfall_penalty"] == pytest.approx(1000)
    assert s.at["no-de", "diff"] == pytest.approx(450)
    assert s.at["no-de", "purchase_diff"] == pytest.approx(-150)
    assert s.at["no-de", "worst_shortfall_share"] == pytest.approx(1.0)
    assert s.at["no-de", "status_text"].startswith("optimal, 1,000.00 EUR penalty")
    items = cmp.items.set_index("variant")
    assert items.at["baseline", "shortfall_share"] == pytest.approx(0.4)
    assert items.at["baseline", "shortfall_penalty"] == pytest.approx(400)


@pytest.fixture(scope="module")
def feoc_api() -> object:
    return compare(trustsource.load(MINERALS), ["feoc"], workers=1)


def test_compare_feoc_api(feoc_api: object) -> None:
    s = feoc_api.summary.set_index("variant")  # type: ignore[attr-defined]
    plan = feoc_api.plans["feoc"]  # type: ignore[attr-defined]
    costs = plan.costs.groupby("component")["cost"].sum()
    assert s.at["feoc", "status"] == "optimal"
    assert s.at["feoc", "cost"] == pytest.approx(11.61e9, rel=1e-3)
    assert s.at["feoc", "shortfall_penalty"] == pytest.approx(8.59e9, rel=1e-3)
    assert s.at["feoc", "shortfall_penalty"] == pytest.approx(costs["shortfall"])
    assert s.at["feoc", "purchase_cost"] + s.at["feoc", "shortfall_penalty"] == pytest.approx(
        s.at["feoc", "cost"]
    )
    assert s.at["feoc", "shortfall_items"] == len(plan.shortfalls) > 0
    assert s.at["feoc", "status_text"].startswith("optimal, 8.59 bn USD penalty for unmet demand")
    assert s.at["baseline", "shortfall_items"] == 0
    assert "penalty for unmet demand" in repr(feoc_api)


def test_compare_feoc_cli(feoc_api: object) -> None:
    args = ("compare", MINERALS, "--variants", "feoc", "--workers", "1")
    doc = json.loads(run_cli(*args, "--format", "json").stdout)
    feoc = next(r for r in doc["summary"] if r["variant"] == "feoc")
    assert feoc["status"] == "optimal"
    assert feoc["shortfall_penalty"] == pytest.approx(8.59e9, rel=1e-3)
    assert feoc["purchase_cost"] == pytest.approx(feoc["cost"] - feoc["shortfall_penalty"])
    assert feoc["status_text"].startswith("optimal, 8.59 bn USD penalty")
    short = [r for r in doc["items"] if r["variant"] == "feoc" and r["shortfall"] > 0]
    assert short
    assert all(0 < r["shortfall_share"] <= 1 for r in short)
    assert all(r["shortfall_penalty"] > 0 for r in short)
    assert sum(r["shortfall_penalty"] for r in short) == pytest.approx(feoc["shortfall_penalty"])
    rows = {
        r["variant"]: r
        for r in csv.DictReader(io.StringIO(run_cli(*args, "--format", "csv").stdout))
    }
    assert float(rows["feoc"]["shortfall_penalty"]) == pytest.approx(8.59e9, rel=1e-3)
    assert int(rows["feoc"]["shortfall_items"]) == feoc["shortfall_items"]
    text = run_cli(*args).stdout
    row = next(line for line in text.splitlines() if line.strip().startswith("feoc"))
    assert "optimal, 8.59 bn penalty" in row
    assert "unmet demand (shortfall" in text
    assert "  feoc: optimal, 8.59 bn USD penalty for unmet demand" in text


def test_compare_without_shortfall_or_plan_says_so(tmp_path: Path) -> None:
    path = tmp_path / "strict.yaml"
    path.write_text(STRICT, encoding="utf-8")
    proc = run_cli("compare", path, "--workers", "1", *EXACT)
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[2:5]}
    assert rows["baseline"][1:4] == ["optimal", "750.00", "750.00"]  # cost = purchase
    assert rows["no-de"][1:4] == ["optimal", "1,500.00", "1,500.00"]
    assert rows["no-supply"][1:3] == ["infeasible", "-"]  # no plan: no penalty, no cost
    assert "unmet demand: none (every plan found meets all demand)" in proc.stdout


# ---------------------------------------------------------------------------- sweep

SWEEP = {"rule": "crma-65", "param": "max_share", "start": 0.65, "stop": 0.05, "step": 0.3}


@pytest.fixture(scope="module")
def minerals_sweep() -> object:
    return sweep(trustsource.load(MINERALS), workers=1, **SWEEP)  # type: ignore[arg-type]


def test_sweep_minerals_api(minerals_sweep: object) -> None:
    res = minerals_sweep
    t = res.table.set_index("value")  # type: ignore[attr-defined]
    assert list(t.index) == [0.65, 0.35, 0.05]
    assert (t["status"] == "optimal").all()  # every point "optimal" ...
    assert t.at[0.65, "shortfall_items"] == 0
    assert (t.loc[[0.35, 0.05], "shortfall_items"] > 0).all()  # ... but short from 0.35 on
    assert t.at[0.05, "shortfall_penalty"] > 0.9 * t.at[0.05, "cost"]  # mostly penalty
    for v in t.index:
        assert t.at[v, "purchase_cost"] + t.at[v, "shortfall_penalty"] == pytest.approx(
            t.at[v, "cost"]
        )
    assert res.breaking_point == pytest.approx(0.35)  # type: ignore[attr-defined]
    assert res.breaking_reason == "shortfall"  # type: ignore[attr-defined]
    assert res.first_infeasible is None  # type: ignore[attr-defined]
    # The point equals a plain solve of the instance with the cap at 0.35.
    doc = trustsource.load(MINERALS).to_dict()
    doc.pop("variants", None)
    for r in doc["rules"]:
        if r["name"] == "crma-65":
            r["max_share"] = 0.35
    plan = trustsource.solve(trustsource.Instance.from_dict(doc))
    worst = plan.shortfalls.iloc[0]
    assert t.at[0.35, "worst_shortfall_item"] == worst["item"]
    assert t.at[0.35, "worst_shortfall_share"] == pytest.approx(worst["shortfall_share"])
    assert res.breaking_detail.startswith(  # type: ignore[attr-defined]
        f"first shortfall ({worst['item']} {worst['shortfall_share']:.1%} short"
    )


def test_sweep_minerals_cli(minerals_sweep: object, tmp_path: Path) -> None:
    args = (
        "sweep",
        MINERALS,
        "--rule",
        "crma-65",
        "--param",
        "max_share",
        "--from",
        "0.65",
        "--to",
        "0.05",
        "--step",
        "0.3",
        "--workers",
        "1",
    )
    doc = json.loads(run_cli(*args, "--format", "json", "--out", tmp_path).stdout)
    assert doc["breaking_point"] == pytest.approx(0.35)
    assert doc["breaking_reason"] == "shortfall"
    assert doc["first_shortfall"] == pytest.approx(0.35)
    assert doc["first_infeasible"] is None
    assert doc["breaking_detail"] == minerals_sweep.breaking_detail  # type: ignore[attr-defined]
    assert [p["shortfall_items"] > 0 for p in doc["points"]] == [False, True, True]
    assert all(p["status_text"].startswith("optimal, ") for p in doc["points"][1:])
    # sweep.csv of --out is the table --format csv prints (one run instead of two).
    with open(tmp_path / "sweep.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    for r in rows:
        assert float(r["purchase_cost"]) + float(r["shortfall_penalty"]) == pytest.approx(
            float(r["cost"])
        )
    assert (tmp_path / "sweep.png").stat().st_size > 0
    text = run_cli(*args).stdout
    assert (
        f"breaking point: crma-65.max_share 0.35 \u2014 {minerals_sweep.breaking_detail}"
    ) in text  # type: ignore[attr-defined]
    assert "first infeasible value: none" in text
    short_rows = [line for line in text.splitlines() if line.strip().startswith(("0.35", "0.05"))]
    assert len(short_rows) == 2
    assert all(" optimal, " in line for line in short_rows)  # never a bare "optimal"
    assert all(" penalty " in line for line in short_rows)


def test_sweep_small_by_hand(tmp_path: Path) -> None:
    """Demand scale 0.5 meets demand (130); 1.0 leaves a 40 % short (150 + 400)."""
    res = sweep(
        _small(), param="demand_scale", start=0.5, stop=1.0, step=0.5, workers=1, mip_rel_gap=0
    )
    t = res.table
    assert list(t["cost"]) == pytest.approx([130, 550])
    assert list(t["purchase_cost"]) == pytest.approx([130, 150])
    assert list(t["shortfall_penalty"]) == pytest.approx([0, 400])
    assert list(t["worst_shortfall"]) == pytest.approx([0, 40])
    assert (res.breaking_point, res.breaking_reason) == (1.0, "shortfall")
    assert res.breaking_detail == "first shortfall (a 40.0% short)"
    path = tmp_path / "small.yaml"
    path.write_text(SMALL, encoding="utf-8")
    text = run_cli(
        "sweep",
        path,
        "--param",
        "demand_scale",
        "--from",
        "0.5",
        "--to",
        "1",
        "--step",
        "0.5",
        "--workers",
        "1",
        *EXACT,
    ).stdout
    assert "breaking point: demand_scale 1 \u2014 first shortfall (a 40.0% short)" in text


def test_sweep_infeasible_is_named(tmp_path: Path) -> None:
    """Without a penalty, demand scale 2 (200 t > 160 t of capacity) is infeasible."""
    path = tmp_path / "strict.yaml"
    path.write_text(STRICT, encoding="utf-8")
    res = sweep(
        trustsource.load(path),
        param="demand_scale",
        start=1.0,
        stop=2.0,
        step=1.0,
        workers=1,
        mip_rel_gap=0,
    )
    assert list(res.table["status"]) == ["optimal", "infeasible"]
    assert res.table["cost"].iloc[0] == pytest.approx(750)  # 60 x 2 + 30 + 40 x 15
    assert (res.breaking_point, res.breaking_reason) == (2.0, "infeasible")
    assert res.first_shortfall is None
    text = run_cli(
        "sweep",
        path,
        "--param",
        "demand_scale",
        "--from",
        "1",
        "--to",
        "2",
        "--step",
        "1",
        "--workers",
        "1",
        *EXACT,
    ).stdout
    assert "breaking point: demand_scale 2 \u2014 infeasible" in text
