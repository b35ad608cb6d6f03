"""``compare`` (baseline versus variants) and ``stress`` (lose a country or site, re-optimise).

Stress numbers by hand on the three-supplier example of ``catalogue.py`` (buy 2,000; S1 in XA
cap 600, S2 in XB cap 800, S3 in XC cap 1,200). The plan buys S2 800 + S3 1,200 (cost 8,200), so
the supplying countries are XB and XC. Losing XC leaves S1 600 + S2 800 = 1,400: shortfall 600
(30 % of demand), bought at 100 + 3,000 + 300 * 7 + 500 + 1,600 = 7,300 (900 less than the plan).
Losing XB leaves S1 600 + S3 1,200 = 1,800: shortfall 200 (10 %), bought at 5,200 + 6,100 =
11,300 (3,100 more). Both are single points of failure; XC is the worse and is listed first.
"""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
import trustsource
from catalogue import three
from click.testing import CliRunner
from trustsource.analysis.compare import BASELINE, compare
from trustsource.analysis.stress import default_penalties, scenario_document, stress
from trustsource.cli.compare_cmd import compare_command, stress_command

CHIPS = str(files("trustsource.instances") / "chips.yaml")
GALLIUM = str(files("trustsource.instances") / "gallium-demo.yaml")


@pytest.fixture(scope="module")
def chips() -> trustsource.Instance:
    return trustsource.load(CHIPS)


@pytest.fixture(scope="module")
def chips_cmp(chips: trustsource.Instance):  # noqa: ANN201
    return compare(chips, workers=1)


def test_compare_costs_match_plain_solves(chips: trustsource.Instance, chips_cmp) -> None:  # noqa: ANN001
    s = chips_cmp.summary.set_index("variant")
    assert list(s.index) == [BASELINE, *chips.variants]
    base = trustsource.solve(chips)
    assert s.at[BASELINE, "cost"] == pytest.approx(base.objective, rel=1e-6)
    for name in chips.variants:
        plan = trustsource.solve(chips.variant(name))
        assert s.at[name, "status"] == plan.status.value
        if plan.objective is None:
            assert s.isna().at[name, "cost"]
            continue
        assert s.at[name, "cost"] == pytest.approx(plan.objective, rel=1e-6)
        assert s.at[name, "diff"] == pytest.approx(plan.objective - base.objective, rel=1e-6)
        assert s.at[name, "diff_pct"] == pytest.approx(s.at[name, "diff"] / base.objective)
        assert s.at[name, "max_hhi"] == pytest.approx(plan.items["hhi"].max())
        assert s.at[name, "max_top_share"] == pytest.approx(plan.items["top_share"].max())
        assert s.at[name, "n_awarded"] == int((plan.allocations["quantity"] > 0).sum())
    assert s.at[BASELINE, "diff"] == 0
    assert s.at["unconstrained", "diff"] < 0
    assert s.at["unconstrained", "binding_rules"] == ""
    assert s.at["strict", "diff"] >= 0
    assert s.at["no-china-fabs", "status"] == "infeasible"
    assert "taiwan-cap" in s.at["taiwan-cap-only", "binding_rules"]
    json.dumps(chips_cmp.to_dict())
    assert "unconstrained" in repr(chips_cmp)


def test_compare_named_and_unknown(chips: trustsource.Instance) -> None:
    cmp = compare(chips, ["no-exit"], workers=1)
    assert list(cmp.summary["variant"]) == [BASELINE, "no-exit"]
    assert set(cmp.items["variant"]) == {BASELINE, "no-exit"}
    with pytest.raises(trustsource.InstanceError, match="no variant"):
        compare(chips, ["nope"])


def test_stress_three_by_hand() -> None:
    res = stress(trustsource.Instance.from_dict(three()), workers=1)
    s = res.summary
    assert list(s["scenario"]) == ["XC", "XB"]  # worst first; XA supplies nothing in the plan
    assert list(s["total_shortfall"]) == pytest.approx([600, 200])
    assert list(s["worst_shortfall_share"]) == pytest.approx([0.3, 0.1])
    assert list(s["purchase_cost"]) == pytest.approx([7_300, 11_300])
    assert list(s["extra_cost"]) == pytest.approx([-900, 3_100])
    assert res.single_points_of_failure == ["XC", "XB"]
    assert list(res.shortfalls["shortfall"]) == pytest.approx([600, 200])
    site = stress(trustsource.Instance.from_dict(three()), lose="site", workers=1)
    assert list(site.summary["scenario"]) == ["s3", "s2"]  # offers without a site


def test_stress_named_scenarios_and_penalty() -> None:
    inst = trustsource.Instance.from_dict(three())
    # highest price 10 (S1's first tier), largest fixed cost 500 (S2): 10 x (10 + 500)
    assert default_penalties(inst) == {"a": 5_100.0}
    res = stress(inst, scenarios={"cut": {"XC": 0.5}, "none": {"XA": 0.0}}, workers=1)
    s = res.summary.set_index("scenario")
    assert s.at["cut", "total_shortfall"] == pytest.approx(0.0)  # 600 + 800 + 600 = 2,000
    assert not s.at["none", "single_point_of_failure"]
    assert s.at["none", "extra_cost"] == pytest.approx(0.0)
    doc = scenario_document(inst, res.plan, {"XC": 0.0}, default_penalties(inst))
    assert [x.get("capacity") for x in doc["suppliers"]] == [600, 800, 0.0]
    with pytest.raises(ValueError, match="not a site"):
        scenario_document(inst, res.plan, {"nowhere": 0.0}, {"a": 1.0})


def test_stress_gallium_lists_used_countries() -> None:
    inst = trustsource.load(GALLIUM)
    res = stress(inst, workers=1)
    plan = trustsource.solve(inst)
    used = set(plan.allocations.loc[plan.allocations["quantity"] > 0, "country"])
    assert set(res.summary["scenario"]) == used
    assert (res.summary["status"] == "optimal").all()
    shares = res.summary["worst_shortfall_share"]
    assert list(shares) == sorted(shares, reverse=True)
    json.dumps(res.to_dict())


def test_cli_compare() -> None:
    runner = CliRunner()
    out = runner.invoke(compare_command, [CHIPS, "--variants", "unconstrained,no-exit"])
    assert out.exit_code == 0, out.output
    assert "unconstrained" in out.output
    assert "binding rules" in out.output
    out = runner.invoke(compare_command, [CHIPS, "--variants", "no-exit", "--format", "json"])
    assert out.exit_code == 0
    assert [r["variant"] for r in json.loads(out.output)["summary"]] == [BASELINE, "no-exit"]
    out = runner.invoke(compare_command, [CHIPS, "--variants", "bogus"])
    assert out.exit_code == 2


def test_cli_stress(tmp_path) -> None:  # noqa: ANN001
    runner = CliRunner()
    path = tmp_path / "three.json"
    path.write_text(json.dumps(three()))
    out = runner.invoke(stress_command, [str(path)])
    assert out.exit_code == 0, out.output
    assert "single points of failure: XC, XB" in out.output
    out = runner.invoke(stress_command, [str(path), "--format", "json", "--lose", "site"])
    assert out.exit_code == 0
    data = json.loads(out.output)
    assert data["single_points_of_failure"] == ["s3", "s2"]
    bad = three([{"kind": "country_cap", "max_share": 0.1}])
    path.write_text(json.dumps(bad))
    out = runner.invoke(stress_command, [str(path)])
    assert out.exit_code == 3
    assert "diagnose" in out.output


def test_stress_runs_the_instance_scenarios_with_every_change() -> None:
    # `--scenarios` applies demand, price and bloc changes too, not only capacity factors.
    # XC's price doubled: keeping the plan costs 5,800 more (its XC purchase), so the
    # re-optimised extra cost is positive and at most that. Demand x1.5 = 3,000 against
    # 600 + 800 + 1,200 = 2,600 of capacity: 400 short.
    doc = three()
    doc["scenarios"] = {
        "xc-dear": {"price": {"XC": 2.0}},
        "boom": {"demand": {"all": 1.5}, "capacity": {"XC": 1.0}},
    }
    inst = trustsource.Instance.from_dict(doc)
    res = stress(inst, scenarios="instance", workers=1, mip_rel_gap=0)
    rows = res.summary.set_index("scenario")
    assert rows.loc["xc-dear", "lost"] == "price XC x2"
    assert rows.loc["boom", "lost"] == "XC x1, demand all x1.5"
    assert 0 < rows.loc["xc-dear", "extra_cost"] <= 5_800 + 1e-6
    assert rows.loc["boom", "total_shortfall"] == pytest.approx(400.0)
