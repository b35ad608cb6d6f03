"""``explain``: the price of each rule, the cost of trust, and the marginal cost per point.

The reference numbers are computed by hand on the three-supplier example of ``catalogue.py``
(buy 2,000; S1 in XA: fixed 100, cap 600, 10/unit for the first 300 then 7; S2 in XB: fixed 500,
cap 800, 2/unit; S3 in XC: fixed 300, cap 1,200, 6/unit for the first 500 then 4), and every other
number is checked against independent :func:`trustsource.solve` runs on instances built here.

Every country <= 50 %: S2 800 (500 + 1,600 = 2,100), S3 1,000 (300 + 3,000 + 500 * 4 = 5,300), S1
the remaining 200 (100 + 2,000 = 2,100): 9,500. Without the rule S2 800 + S3 1,200 (300 + 3,000 +
700 * 4 = 6,100): 8,200. So the rule costs 1,300, which is also the cost of trust.

Every country <= 49 % (980 units): S3 980 (300 + 3,000 + 480 * 4 = 5,220), S1 220 (100 + 2,200 =
2,300), S2 2,100: 9,620, i.e. 120 per percentage point. The LP with the integers fixed agrees:
moving one unit from S3 (marginal 4) to S1 (marginal 10, still in its first tier) costs 6, the
cap row's dual, and 6 * 0.01 * 2,000 = 120.
"""

from __future__ import annotations

import copy
import inspect
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import trustsource
from catalogue import three
from click.testing import CliRunner
from trustsource.analysis.explain import Explanation, explain
from trustsource.cli.explain_cmd import explain_command
from trustsource.cli.main import cli

INSTANCES = Path(__file__).resolve().parents[1] / "instances"

HAND_COST = 9_500.0
HAND_BASELINE = 8_200.0
HAND_TIGHT = 9_620.0  # every country <= 49 %
HAND_PER_PP = HAND_TIGHT - HAND_COST


def _inst(document: dict[str, Any]) -> trustsource.Instance:
    return trustsource.Instance.from_dict(copy.deepcopy(document))


def _solve_cost(document: dict[str, Any]) -> float:
    plan = trustsource.solve(_inst(document), mip_rel_gap=0)
    assert plan.status is trustsource.Status.OPTIMAL, plan.message
    assert plan.objective is not None
    return plan.objective


def _tol(scale: float) -> float:
    return 1e-6 * max(1.0, abs(scale))


# --- the three-supplier example ---------------------------------------------------------------


CAP50 = three([{"kind": "country_cap", "max_share": 0.5}])


def test_price_and_cost_of_trust_by_hand() -> None:
    exp = explain(_inst(CAP50), mip_rel_gap=0)
    assert exp.base.status is trustsource.Status.OPTIMAL
    assert exp.cost == pytest.approx(HAND_COST)
    assert exp.baseline_cost == pytest.approx(HAND_BASELINE)
    assert exp.cost_of_trust == pytest.approx(HAND_COST - HAND_BASELINE)
    (row,) = exp.rules.to_dict("records")
    assert row["rule"] == "country_cap"
    assert row["cost_with"] == pytest.approx(HAND_COST)
    assert row["cost_without"] == pytest.approx(HAND_BASELINE)
    assert row["price"] == pytest.approx(1_300)
    assert row["status_without"] == "optimal"
    assert row["binding_items"] == "a"
    # Without the cap S3 supplies 1,200 of 2,000.
    assert row["effect_without"] == "XC's share of a rises to 60.0 %"
    (fam,) = exp.families.to_dict("records")
    assert fam["kind"] == "country_cap"
    assert fam["price"] == pytest.approx(1_300)


def test_independent_resolve_at_49_percent_matches_hand() -> None:
    assert _solve_cost(three([{"kind": "country_cap", "max_share": 0.49}])) == pytest.approx(
        HAND_TIGHT
    )
    plan = trustsource.solve(_inst(three([{"kind": "country_cap", "max_share": 0.49}])))
    q = dict(zip(plan.allocations["supplier"], plan.allocations["quantity"]))
    assert q == pytest.approx({"s1": 220, "s2": 800, "s3": 980})


def test_marginal_per_pp_lp_and_resolve_match_hand() -> None:
    exp = explain(_inst(CAP50), mip_rel_gap=0)
    m = exp.marginal[exp.marginal["binding"]]
    (row,) = m.to_dict("records")
    assert (row["rule"], row["item"], row["scope"], row["sense"]) == (
        "country_cap",
        "a",
        "XC",
        "max",
    )
    assert row["limit"] == 0.5
    assert row["tightened_limit"] == pytest.approx(0.49)
    assert row["lp_marginal_per_pp"] == pytest.approx(HAND_PER_PP)
    assert row["resolve_marginal_per_pp"] == pytest.approx(HAND_PER_PP)
    assert row["cost_tightened"] == pytest.approx(HAND_TIGHT)
    assert row["note"] == ""  # they agree
    # XA and XB are not at the cap: no row of theirs has a price.
    assert set(exp.marginal["rule"]) == {"country_cap"}


# The same 50 % limit written as each share rule: S3 is the only supplier in XC and the only
# one without an exit clause below, so every form has the same plan, price and marginal. A floor
# "XA >= 10 %" forces S1's 200 as well: the same 9,500; at 11 % S1 220, S3 980: 9,620.
SHARE_FORMS = {
    "country_cap": [{"kind": "country_cap", "max_share": 0.5}],
    "supplier_cap": [{"kind": "supplier_cap", "max_share": 0.5}],
    "bloc_share_max": [{"kind": "bloc_share", "bloc": "XC", "max_share": 0.5}],
    "bloc_share_min": [{"kind": "bloc_share", "bloc": "XA", "min_share": 0.1}],
    "exit_clause": [{"kind": "exit_clause", "max_share_without": 0.5}],
}


@pytest.mark.parametrize("form", list(SHARE_FORMS))
def test_every_share_rule_kind_prices_the_same_limit(form: str) -> None:
    document = three(SHARE_FORMS[form])
    if form == "exit_clause":
        document["suppliers"][2]["exit_clause"] = False
    exp = explain(_inst(document), mip_rel_gap=0)
    assert exp.cost == pytest.approx(HAND_COST)
    assert exp.rules["price"].tolist() == pytest.approx([1_300])
    bound = exp.marginal[exp.marginal["binding"]]
    assert len(bound) == 1
    row = bound.iloc[0]
    assert row["sense"] == ("min" if form == "bloc_share_min" else "max")
    assert row["lp_marginal_per_pp"] == pytest.approx(HAND_PER_PP)
    assert row["resolve_marginal_per_pp"] == pytest.approx(HAND_PER_PP)


def test_repr_is_in_domain_words() -> None:
    text = repr(explain(_inst(CAP50), mip_rel_gap=0))
    assert "plan cost 9,500 USD" in text
    assert "cost of trust 1,300 USD (13.7 % of the plan)" in text
    assert (
        "country_cap (country_cap) costs 1,300 USD (13.7 %); without it XC's share of a "
        "rises to 60.0 %" in text
    )
    assert (
        "country_cap on a (XC), 50.0 % -> 49.0 %: 120 USD per 1 pp by re-solve, 120 USD "
        "from the LP" in text
    )


def test_to_dict_is_json() -> None:
    exp = explain(_inst(CAP50), mip_rel_gap=0)
    out = json.loads(json.dumps(exp.to_dict()))
    assert out["cost"] == pytest.approx(HAND_COST)
    assert out["baseline_cost"] == pytest.approx(HAND_BASELINE)
    assert out["cost_of_trust"] == pytest.approx(1_300)
    assert out["rules"][0]["price"] == pytest.approx(1_300)
    assert out["marginal"][0]["rule"] == "country_cap"
    assert {"rules", "families", "marginal", "status", "currency"} <= set(out)


def test_no_rules_costs_nothing() -> None:
    exp = explain(_inst(three()), mip_rel_gap=0)
    assert exp.cost == pytest.approx(HAND_BASELINE)
    assert exp.cost_of_trust == 0
    assert exp.rules.empty
    assert exp.marginal.empty


def test_infeasible_instance_has_no_explanation() -> None:
    exp = explain(_inst(three([{"kind": "country_cap", "max_share": 0.3}])))
    assert exp.base.status is trustsource.Status.INFEASIBLE
    assert exp.rules.empty
    assert exp.cost_of_trust is None
    assert "trustsource diagnose" in exp.message
    assert "trustsource diagnose" in repr(exp)


def test_tightening_to_infeasible_is_inf() -> None:
    # Caps at 35 %: S1 600 + S2 700 + S3 700 = 2,000 exactly; at 34 % 600 + 680 + 680 < 2,000.
    exp = explain(_inst(three([{"kind": "country_cap", "max_share": 0.35}])), mip_rel_gap=0)
    tight = exp.marginal[exp.marginal["binding"]]
    assert len(tight) == 1
    assert math.isinf(tight["resolve_marginal_per_pp"].iloc[0])
    assert tight["note"].iloc[0] == "1 pp tighter is infeasible"
    assert json.loads(json.dumps(exp.to_dict()))["marginal"][0]["resolve_marginal_per_pp"] is None


def test_integer_effect_is_named() -> None:
    # Every country <= 60 %: the unconstrained plan (S2 800, S3 1,200) already complies, so the
    # rule is at its limit but costs nothing. At 59 % S3 may take 1,180 and S1 must be qualified
    # for the other 20: 100 + 20 * 10 - 20 * 4 = 220. The LP, with S1's qualification fixed at
    # 0, cannot see that.
    exp = explain(_inst(three([{"kind": "country_cap", "max_share": 0.6}])), mip_rel_gap=0)
    assert exp.rules["price"].tolist() == pytest.approx([0.0])
    assert (
        "costs nothing: the plan is at its limit on a, but the cheapest plan without it "
        "meets it too" in repr(exp)
    )
    row = exp.marginal.iloc[0]
    assert row["resolve_marginal_per_pp"] == pytest.approx(220)
    assert row["cost_tightened"] == pytest.approx(
        _solve_cost(three([{"kind": "country_cap", "max_share": 0.59}]))
    )
    assert row["lp_marginal_per_pp"] == pytest.approx(0)
    assert row["note"] == "integer effect: the tighter plan awards s1"


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers"):
        explain(_inst(CAP50), workers=0)


# --- the bundled instances --------------------------------------------------------------------


def _load(name: str) -> trustsource.Instance:
    return trustsource.load(INSTANCES / f"{name}.yaml")


def _check_consistent(exp: Explanation) -> None:
    cost = exp.cost
    assert cost is not None
    # Two optimal costs may each be off by the MIP gap (the default 1e-4 is not always closed).
    slack = _tol(cost) + 2 * (exp.base.mip_gap or 0.0) * abs(cost)
    assert exp.baseline_cost is not None
    assert exp.cost_of_trust == pytest.approx(cost - exp.baseline_cost)
    assert exp.cost_of_trust >= -slack
    r = exp.rules
    assert (r["status_without"] == "optimal").all()
    assert (r["cost_with"] == cost).all()
    assert r["price"].tolist() == pytest.approx((r["cost_with"] - r["cost_without"]).tolist())
    assert (r["price"] >= -slack).all()
    # No single rule or family can cost more than all rules together.
    assert (r["price"] <= exp.cost_of_trust + slack).all()
    assert (exp.families["price"] <= exp.cost_of_trust + slack).all()
    m = exp.marginal
    assert (m["lp_marginal_per_pp"].fillna(0) >= -slack).all()
    assert (m["resolve_marginal_per_pp"].fillna(0) >= -slack).all()
    agree = m[m["note"] == ""]
    assert agree["lp_marginal_per_pp"].tolist() == pytest.approx(
        agree["resolve_marginal_per_pp"].tolist(), rel=1e-6, abs=_tol(cost)
    )
    finite = m[np.isfinite(m["cost_tightened"].astype(float))]
    assert (finite["cost_tightened"] >= cost - slack).all()
    json.dumps(exp.to_dict())
    assert exp.instance_name in repr(exp)


@pytest.mark.parametrize("name", ["gallium-demo", "chips", "critical-minerals", "energy"])
def test_bundled_instances_are_consistent(name: str) -> None:
    _check_consistent(explain(_load(name)))


def test_gallium_demo_numbers() -> None:
    exp = explain(_load("gallium-demo"), mip_rel_gap=0)
    # docs/instances/gallium-demo.md: 124,220,000 with both rules, 106,575,000 without any,
    # 107,407,500 with the CRMA cap only.
    assert exp.cost == pytest.approx(124_220_000)
    assert exp.baseline_cost == pytest.approx(106_575_000)
    assert exp.cost_of_trust == pytest.approx(17_645_000)
    prices = dict(zip(exp.rules["rule"], exp.rules["price"]))
    assert prices == pytest.approx({"crma-65": 0.0, "no-concern-owners": 16_812_500})
    ban = exp.rules.set_index("rule").loc["no-concern-owners"]
    assert "11,000 kg of gallium come from suppliers owned from China" in ban["effect_without"]
    assert "crma-65 (country_cap) costs nothing: it does not bind" in repr(exp)


def test_chips_numbers_match_independent_solves() -> None:
    inst = _load("chips")
    exp = explain(inst, mip_rel_gap=0)
    doc = inst.to_dict()
    doc.pop("variants")
    for row in exp.rules.itertuples():
        without = {**doc, "rules": [r for r in doc["rules"] if r["name"] != row.rule]}
        assert row.cost_without == pytest.approx(_solve_cost(without))
    # The instance's own variant drops every rule: an independent route to the baseline.
    unconstrained = trustsource.solve(inst.variant("unconstrained"), mip_rel_gap=0)
    assert exp.baseline_cost == pytest.approx(unconstrained.objective)
    # The bloc floor on advanced packaging: the LP price holds for a small step only.
    floor = exp.marginal.set_index(["rule", "item"]).loc[("pax-silica-floor", "adv_packaging")]
    assert floor["lp_marginal_per_pp"] < floor["resolve_marginal_per_pp"]
    assert "within the 1-pp step" in floor["note"]
    small = copy.deepcopy(doc)
    for r in small["rules"]:
        if r["name"] == "pax-silica-floor":
            r["min_share"] = 0.301  # 0.1 pp, applied to every item (the others have slack)
    per_pp = (_solve_cost(small) - exp.cost) * 10
    assert per_pp == pytest.approx(floor["lp_marginal_per_pp"], rel=1e-6)


def test_per_item_marginal_matches_an_independent_split_rule() -> None:
    inst = _load("critical-minerals")
    exp = explain(inst, mip_rel_gap=0)
    row = exp.marginal.set_index(["rule", "item"]).loc[("crma-65", "gallium")]
    assert row["binding"]
    assert row["scope"] == "CN"
    doc = inst.to_dict()
    doc.pop("variants")
    (cap,) = doc["rules"]
    others = [it.id for it in inst.items if it.id != "gallium"]
    doc["rules"] = [
        {**cap, "items": others},
        {**cap, "name": "crma-64-gallium", "items": ["gallium"], "max_share": 0.64},
    ]
    expected = _solve_cost(doc) - exp.cost
    assert expected > 0
    assert row["resolve_marginal_per_pp"] == pytest.approx(expected)
    assert row["lp_marginal_per_pp"] == pytest.approx(expected)


def test_parallel_workers_give_the_serial_numbers() -> None:
    inst = _load("chips")
    serial = explain(inst, workers=1)
    parallel = explain(inst, workers=2)
    assert parallel.timings["workers"] == 2
    pd.testing.assert_frame_equal(serial.rules, parallel.rules)
    pd.testing.assert_frame_equal(serial.families, parallel.families)
    pd.testing.assert_frame_equal(serial.marginal, parallel.marginal, check_exact=False, rtol=1e-9)
    assert serial.cost_of_trust == pytest.approx(parallel.cost_of_trust)


def test_hhi_cap_marginal_per_100_points() -> None:
    document = {
        "trustsource": 1,
        "items": [{"id": "a", "demand": 1000}],
        "suppliers": [
            {"id": f"s{k}", "item": "a", "country": c, "unit_cost": k}
            for k, c in ((1, "XA"), (2, "XB"), (3, "XC"))
        ],
        "rules": [{"kind": "hhi_cap", "max_hhi": 5000}],
    }
    exp = explain(_inst(document), mip_rel_gap=0)
    _check_consistent(exp)
    row = exp.marginal.iloc[0]
    assert row["tightened_limit"] == 4900
    tighter = copy.deepcopy(document)
    tighter["rules"][0]["max_hhi"] = 4900
    assert row["resolve_marginal_per_pp"] == pytest.approx(
        _solve_cost(tighter) - exp.cost, rel=1e-3
    )
    # The LP's tangent price is a first-order estimate of the curved cap.
    assert row["lp_marginal_per_pp"] == pytest.approx(row["resolve_marginal_per_pp"], rel=0.05)


# --- the command ------------------------------------------------------------------------------


@pytest.fixture
def runner() -> CliRunner:
    cli.add_command(explain_command)  # until the command is registered in cli/main.py
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:  # click < 8.2
        return CliRunner(mix_stderr=False)
    return CliRunner()  # click >= 8.2 keeps stderr apart by default


def _write(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(document))
    return path


def test_cli_table(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["explain", str(_write(tmp_path, CAP50)), "--mip-gap", "0"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "plan cost: 9,500.00 USD" in out
    assert "cost of trust: 1,300.00 USD (13.7 % of the plan)" in out
    assert "country_cap: XC's share of a rises to 60.0 %" in out
    assert "50.0 % -> 49.0 %" in out
    assert "120.00" in out


def test_cli_json_and_csv(runner: CliRunner, tmp_path: Path) -> None:
    path = str(_write(tmp_path, CAP50))
    result = runner.invoke(cli, ["explain", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["cost_of_trust"] == pytest.approx(1_300)
    for table, key in (
        ("rules", "price"),
        ("families", "price"),
        ("marginal", "resolve_marginal_per_pp"),
    ):
        result = runner.invoke(cli, ["explain", path, "--format", "csv", "--table", table])
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(io.StringIO(result.stdout))
        assert key in frame.columns
        if table == "marginal":
            assert frame.loc[frame["binding"], key].tolist() == pytest.approx([HAND_PER_PP])


def test_cli_variant(runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "explain",
            str(INSTANCES / "chips.yaml"),
            "--variant",
            "no-exit",
            "--format",
            "json",
            "--no-marginals",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["instance"] == "chips [no-exit]"
    assert "exit-country" not in {r["rule"] for r in out["rules"]}
    assert out["marginal"] == []


def test_cli_infeasible_exits_3_and_points_to_diagnose(runner: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path, three([{"kind": "country_cap", "max_share": 0.3}]))
    result = runner.invoke(cli, ["explain", str(path)])
    assert result.exit_code == 3, result.output
    assert "trustsource diagnose" in result.stderr
    assert "Traceback" not in result.output


def test_cli_invalid_input_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    bad = copy.deepcopy(CAP50)
    bad["suppliers"][0]["capacity"] = -5
    result = runner.invoke(cli, ["explain", str(_write(tmp_path, bad))])
    assert result.exit_code == 2, result.output
    assert "capacity" in result.stderr
    result = runner.invoke(cli, ["explain", str(INSTANCES / "chips.yaml"), "--variant", "nope"])
    assert result.exit_code == 2
    assert "no variant named 'nope'" in result.stderr
