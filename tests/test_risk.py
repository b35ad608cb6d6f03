"""The two-stage risk model: published and closed-form optima, brute force, validation, the CLI.

Every reference solve sets the MIP gap to 0 and compares objectives, not flows.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
import trustsource
import yaml
from test_machine_contract import run_cli
from trustsource.analysis.risk import first_stage_of, risk
from trustsource.analysis.risk.evaluate import evaluate, probabilities, scenario_documents
from trustsource.analysis.risk.measures import measure_value, var_cvar
from trustsource.errors import InstanceError
from trustsource.status import Status

EXACT = {"mip_rel_gap": 0.0, "workers": 1}


def _doc(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"trustsource": 1, "name": "t"}
    doc.update(extra)
    return doc


# --- measures -----------------------------------------------------------------------------------


def test_var_and_cvar_of_a_discrete_distribution() -> None:
    # Costs 10/20/30/40 equally likely, alpha 0.6: P(C <= 30) = 0.75 is the first to reach 0.6,
    # so VaR = 30; CVaR = 30 + 0.25 * (40 - 30) / 0.4 = 36.25.
    assert var_cvar([40, 10, 30, 20], [0.25] * 4, 0.6) == pytest.approx((30.0, 36.25))
    # alpha exactly at a step: P(C <= 20) = 0.5 reaches 0.5, VaR 20,
    # CVaR = 20 + (0.25 x 10 + 0.25 x 20) / 0.5 = 35 (the mean of the worst half, 30 and 40).
    assert var_cvar([10, 20, 30, 40], [0.25] * 4, 0.5) == pytest.approx((20.0, 35.0))
    assert measure_value([10, 20, 30, 40], [0.25] * 4, "mean_cvar", 0.6, 0.5) == pytest.approx(
        0.5 * 25 + 0.5 * 36.25
    )


def _price_ladder(measure: str, alpha: float = 0.6, weight: float = 0.5) -> dict[str, Any]:
    """One supplier at 10 per unit, demand 1; scenarios raise the price to 20, 30 and 40."""
    return _doc(
        items=[{"id": "x", "demand": 1, "shortfall_penalty": 1000}],
        suppliers=[{"id": "s", "item": "x", "country": "DE", "unit_cost": 10}],
        scenarios={f"p{k}": {"probability": 0.25, "price": {"DE": k}} for k in (2, 3, 4)},
        risk={"measure": measure, "alpha": alpha, "weight": weight},
    )


@pytest.mark.parametrize(
    ("measure", "objective"), [("expected", 25.0), ("cvar", 36.25), ("mean_cvar", 30.625)]
)
def test_cvar_closed_form_through_the_model(measure: str, objective: float) -> None:
    res = risk(trustsource.Instance.from_dict(_price_ladder(measure)), **EXACT)
    assert res.status is Status.OPTIMAL
    assert res.objective == pytest.approx(objective)
    assert res.extensive_objective == pytest.approx(objective)
    assert (res.expected_cost, res.var, res.cvar) == pytest.approx((25.0, 30.0, 36.25))


# --- Berger, Gerstenfeld and Zeng: how many suppliers ------------------------------------------


def _bgz(n: int, s: float, u: float, c: float, loss: float) -> dict[str, Any]:
    """n identical candidates (fixed cost c, unit cost 0, capacity 1), demand 1 at penalty
    ``loss``; a super-event (probability s) removes all, else each fails independently with
    probability u: every failure pattern is a scenario, the base case is "none fails"."""
    ids = [f"s{k}" for k in range(n)]
    scen: dict[str, Any] = {"super": {"probability": s, "capacity": dict.fromkeys(ids, 0)}}
    for pattern in itertools.product((0, 1), repeat=n):
        k = sum(pattern)
        if k:
            scen["f" + "".join(map(str, pattern))] = {
                "probability": (1 - s) * u**k * (1 - u) ** (n - k),
                "capacity": {i: 0 for i, f in zip(ids, pattern) if f},
            }
    return _doc(
        items=[{"id": "x", "demand": 1, "shortfall_penalty": loss}],
        suppliers=[
            {"id": i, "item": "x", "country": "DE", "unit_cost": 0, "capacity": 1, "fixed_cost": c}
            for i in ids
        ],
        scenarios=scen,
    )


def test_berger_gerstenfeld_zeng_geng_case() -> None:
    # Expected cost of qualifying n: nC + L [S + (1 - S) U^n]; Geng's case: n = 3, 80,637.
    s, u, c, loss = 0.005, 0.04, 10_000.0, 10_000_000.0
    formula = [k * c + loss * (s + (1 - s) * u**k) for k in range(6)]
    best = min(range(6), key=lambda k: formula[k])
    assert best == 3
    res = risk(trustsource.Instance.from_dict(_bgz(5, s, u, c, loss)), **EXACT)
    assert res.status is Status.OPTIMAL
    assert len(res.qualified) == 3
    assert res.objective == pytest.approx(formula[3], rel=1e-9)
    assert round(res.objective) == 80_637
    # The deterministic plan qualifies one supplier: its expected cost is formula[1]; VSS is
    # the difference. Perfect foresight pays C when any supplier survives, else L.
    assert res.vss == pytest.approx(formula[1] - formula[3], rel=1e-9)
    p_all_lost = s + (1 - s) * u**5
    assert res.evpi == pytest.approx(formula[3] - (c * (1 - p_all_lost) + loss * p_all_lost))
    assert res.figures_proven


@pytest.mark.parametrize(("s", "u", "c", "loss"), [(0.0, 0.5, 10.0, 100.0), (0.1, 0.2, 5.0, 1e4)])
def test_bgz_other_cases_choose_the_formula_minimum(
    s: float, u: float, c: float, loss: float
) -> None:
    formula = [k * c + loss * (s + (1 - s) * u**k) for k in range(5)]
    res = risk(trustsource.Instance.from_dict(_bgz(4, s, u, c, loss)), figures=False, **EXACT)
    assert res.objective == pytest.approx(min(formula), rel=1e-9)
    assert formula[len(res.qualified)] == pytest.approx(min(formula), rel=1e-9)


# --- consistency with solve ---------------------------------------------------------------------


def _ruled(scenarios: dict[str, Any]) -> dict[str, Any]:
    return _doc(
        items=[{"id": "ga", "demand": 100, "shortfall_penalty": 50}],
        suppliers=[
            {"id": "cn", "item": "ga", "country": "CN", "unit_cost": 1, "capacity": 80},
            {
                "id": "au",
                "item": "ga",
                "country": "AU",
                "unit_cost": 2,
                "capacity": 60,
                "fixed_cost": 30,
                "min_order": 10,
            },
            {
                "id": "us",
                "item": "ga",
                "country": "US",
                "unit_cost": 3,
                "capacity": 60,
                "fixed_cost": 10,
            },
        ],
        rules=[{"kind": "country_cap", "name": "cap-60", "max_share": 0.6}],
        scenarios=scenarios,
    )


def test_base_only_equals_solve() -> None:
    doc = _ruled({"cn-ban": {"probability": 0.0, "capacity": {"CN": 0}}})
    inst = trustsource.Instance.from_dict(doc)
    plan = trustsource.solve(inst, mip_rel_gap=0)
    res = risk(inst, figures=False, **EXACT)
    assert res.objective == pytest.approx(plan.objective)
    # The zero-probability scenario is left out of the model but still evaluated.
    row = res.scenarios.set_index("scenario").loc["cn-ban"]
    assert row["probability"] == 0
    assert row["cost"] > res.objective


def test_a_scenario_identical_to_the_base_changes_nothing() -> None:
    inst = trustsource.Instance.from_dict(
        _ruled({"same": {"probability": 0.4, "capacity": {"CN": 1.0}}})
    )
    plan = trustsource.solve(inst, mip_rel_gap=0)
    res = risk(inst, **EXACT)
    assert res.objective == pytest.approx(plan.objective)
    assert res.vss == pytest.approx(0.0, abs=1e-6)


def test_rules_keep_or_drop_by_hand() -> None:
    # Demand 100; CN 1/unit, US 2/unit (100 each); CN at most 60 %; US lost with p 0.5.
    # Base: 60 CN + 40 US = 140. Without US, keep: any CN supply is 100 % of what is supplied,
    # so all 100 go short at 10 = 1000; drop: 100 CN = 100.
    doc = _doc(
        items=[{"id": "x", "demand": 100, "shortfall_penalty": 10}],
        suppliers=[
            {"id": "cn", "item": "x", "country": "CN", "unit_cost": 1, "capacity": 100},
            {"id": "us", "item": "x", "country": "US", "unit_cost": 2, "capacity": 100},
        ],
        rules=[{"kind": "country_cap", "name": "cap", "max_share": 0.6}],
        scenarios={"us-lost": {"probability": 0.5, "capacity": {"US": 0}}},
    )
    inst = trustsource.Instance.from_dict(doc)
    keep = risk(inst, rules="keep", figures=False, **EXACT)
    drop = risk(inst, rules="drop", figures=False, **EXACT)
    assert keep.objective == pytest.approx(0.5 * 140 + 0.5 * 1000)
    assert drop.objective == pytest.approx(0.5 * 140 + 0.5 * 100)


def test_bloc_membership_demand_and_price_per_scenario() -> None:
    # allies {US, JP} must supply half; JP leaves the bloc in one scenario (US then takes the
    # allied half at 2), demand doubles in another, CN's price rises 50 % in a third.
    doc = _doc(
        blocs={"allies": ["US", "JP"]},
        items=[{"id": "x", "demand": 100, "shortfall_penalty": 100}],
        suppliers=[
            {"id": "cn", "item": "x", "country": "CN", "unit_cost": 1, "capacity": 200},
            {"id": "us", "item": "x", "country": "US", "unit_cost": 2, "capacity": 200},
            {"id": "jp", "item": "x", "country": "JP", "unit_cost": 1.5, "capacity": 200},
        ],
        rules=[{"kind": "bloc_share", "name": "floor", "bloc": "allies", "min_share": 0.5}],
        scenarios={
            "jp-leaves": {"probability": 0.2, "blocs": {"allies": {"remove": ["JP"]}}},
            "boom": {"probability": 0.2, "demand": {"all": 2}},
            "cn-price": {"probability": 0.2, "price": {"CN": 1.5}},
        },
    )
    res = risk(trustsource.Instance.from_dict(doc), figures=False, **EXACT)
    cost = res.scenarios.set_index("scenario")["cost"]
    assert cost["base"] == pytest.approx(125.0)  # 50 JP x 1.5 + 50 CN x 1
    assert cost["jp-leaves"] == pytest.approx(150.0)  # 50 US x 2 + 50 CN x 1
    assert cost["boom"] == pytest.approx(250.0)
    assert cost["cn-price"] == pytest.approx(150.0)  # JP 1.5 is as cheap as CN x 1.5
    assert res.objective == pytest.approx(0.4 * 125 + 0.2 * (150 + 250 + 150))
    assert all(p.verified for p in res.plans.values())


def test_hhi_cap_holds_in_every_scenario() -> None:
    # No first stage: the risk optimum is the probability-weighted sum of each scenario solved
    # alone, each with the HHI cap through the cut loop.
    doc = _doc(
        items=[{"id": "x", "demand": 100, "shortfall_penalty": 100}],
        suppliers=[
            {"id": c.lower(), "item": "x", "country": c, "unit_cost": p, "capacity": 100}
            for c, p in (("CN", 1.0), ("US", 2.0), ("JP", 2.5), ("AU", 3.0))
        ],
        rules=[{"kind": "hhi_cap", "name": "hhi", "max_hhi": 3500}],
        scenarios={"us-lost": {"probability": 0.3, "capacity": {"US": 0}}},
    )
    inst = trustsource.Instance.from_dict(doc)
    res = risk(inst, figures=False, **EXACT)
    docs = scenario_documents(inst, True)
    alone = {
        n: trustsource.solve(trustsource.Instance.from_dict(d), mip_rel_gap=0)
        for n, d in docs.items()
    }
    want = 0.7 * alone["base"].objective + 0.3 * alone["us-lost"].objective
    assert res.objective == pytest.approx(want, rel=1e-6)
    assert res.extensive_objective == pytest.approx(want, rel=1e-6)


# --- decomposition -----------------------------------------------------------------------------


@pytest.mark.parametrize("measure", ["expected", "cvar"])
def test_lshaped_agrees_with_the_extensive_form(measure: str) -> None:
    # Continuous recourse (no minimum orders, tiers or counts): the L-shaped method is exact.
    cases = [_bgz(4, 0.01, 0.1, 100.0, 1e5)] + [_random_case(s) for s in range(4)]
    for doc in cases:
        inst = trustsource.Instance.from_dict(doc)
        kw: dict[str, Any] = {"measure": measure, "alpha": 0.8, "figures": False, **EXACT}
        ext = risk(inst, **kw)
        dec = risk(inst, method="lshaped", **kw)
        assert dec.status is Status.OPTIMAL
        assert dec.method == "lshaped"
        assert dec.objective == pytest.approx(ext.objective, rel=1e-7)
        assert dec.bound == pytest.approx(ext.objective, rel=1e-7)


def test_lshaped_with_integer_recourse_gives_an_honest_interval() -> None:
    # Minimum orders make the recourse integer: the relaxed subproblems give a lower bound;
    # the chosen first stage is evaluated exactly, so the optimum lies between the two.
    inst = trustsource.Instance.from_dict(
        _ruled({"cn-ban": {"probability": 0.3, "capacity": {"CN": 0}}})
    )
    ext = risk(inst, figures=False, **EXACT)
    dec = risk(inst, method="lshaped", figures=False, **EXACT)
    assert dec.bound is not None
    assert ext.objective is not None
    assert dec.objective is not None
    assert dec.bound <= ext.objective + 1e-7
    assert ext.objective <= dec.objective + 1e-7
    if dec.objective - dec.bound > 1e-7 * dec.objective:
        assert dec.status is Status.FEASIBLE
        assert dec.mip_gap is not None
        assert dec.mip_gap > 0


# --- brute force over first stages --------------------------------------------------------------


def _random_case(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    countries = ["CN", "US", "AU", "DE"]
    sups = []
    for k in range(4):
        sups.append(
            {
                "id": f"s{k}",
                "item": "x",
                "country": countries[k],
                "unit_cost": rng.randint(1, 9),
                "capacity": rng.choice([40, 60, 100]),
                "fixed_cost": rng.choice([0, 20, 50, 120]),
            }
        )
    scen = {
        "lose-cn": {"probability": rng.choice([0.05, 0.2]), "capacity": {"CN": 0}},
        "squeeze": {
            "probability": rng.choice([0.1, 0.3]),
            "capacity": {"US": 0.5},
            "price": {"AU": 1.5},
            "demand": {"x": rng.choice([0.8, 1.3])},
        },
    }
    rules = [{"kind": "country_cap", "name": "cap", "max_share": 0.7}] if seed % 2 else []
    return _doc(
        items=[{"id": "x", "demand": 100, "shortfall_penalty": rng.choice([15, 40])}],
        suppliers=sups,
        rules=rules,
        scenarios=scen,
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("measure", ["expected", "cvar"])
def test_risk_optimum_equals_brute_force_and_figures_are_non_negative(
    seed: int, measure: str
) -> None:
    inst = trustsource.Instance.from_dict(_random_case(seed))
    res = risk(inst, measure=measure, alpha=0.8, **EXACT)  # type: ignore[arg-type]
    assert res.status is Status.OPTIMAL
    docs = scenario_documents(inst, True)
    probs = probabilities(inst)
    paid = [s.id for s in inst.suppliers if s.fixed_cost > 0]
    fixed = {s.id: s.fixed_cost for s in inst.suppliers}
    best = math.inf
    for r in range(len(paid) + 1):
        for chosen in itertools.combinations(paid, r):
            first = first_stage_of_ids(chosen, fixed)
            plans = evaluate(docs, first, {"mip_rel_gap": 0.0}, 1, None)
            if not all(p.has_solution for p in plans.values()):
                continue
            costs = [float(plans[n].objective or 0) + first.fixed_cost for n in docs]
            best = min(best, measure_value(costs, [probs[n] for n in docs], measure, 0.8, 0.5))  # type: ignore[arg-type]
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-7)
    assert res.vss is not None
    assert res.vss >= -1e-7
    assert res.evpi is not None
    assert res.evpi >= -1e-7


def first_stage_of_ids(chosen: tuple[str, ...], fixed: dict[str, float]) -> Any:
    from trustsource.analysis.risk.extensive import FirstStage

    return FirstStage(tuple(chosen), (), sum(fixed[i] for i in chosen))


def test_first_stage_of_a_deterministic_plan() -> None:
    inst = trustsource.Instance.from_dict(
        _ruled({"x": {"probability": 0.1, "capacity": {"CN": 0}}})
    )
    plan = trustsource.solve(inst, mip_rel_gap=0)
    first = first_stage_of(plan)
    paid = plan.allocations[plan.allocations["fixed_cost"] > 0]
    assert set(first.qualified) == set(paid["supplier"])
    assert first.fixed_cost == pytest.approx(float(paid["fixed_cost"].sum()))


# --- validation ---------------------------------------------------------------------------------


def test_what_risk_needs_is_named_all_at_once() -> None:
    doc = _doc(
        items=[{"id": "x", "demand": 1}, {"id": "y", "demand": 0}],
        suppliers=[{"id": "s", "item": "x", "country": "DE", "unit_cost": 1}],
        scenarios={"a": {"capacity": {"DE": 0}}},
    )
    with pytest.raises(InstanceError) as err:
        risk(trustsource.Instance.from_dict(doc))
    text = str(err.value)
    assert "scenarios.a.probability" in text
    assert "missing on x" in text
    assert "y" not in text.split("missing on")[1]


def test_bad_scenarios_are_refused_located_at_load() -> None:
    doc = _doc(
        items=[{"id": "x", "demand": 1, "shortfall_penalty": 5}],
        suppliers=[{"id": "s", "item": "x", "country": "DE", "unit_cost": 1}],
        scenarios={
            "a": {"probability": 0.7, "demand": {"xx": 2}, "price": {"Mars": 2}},
            "base": {"probability": 0.4, "blocs": {"nope": {"add": ["US"]}}},
            "c": {"probability": 0.1, "blocs": {"eu": {"add": ["ZZZ"]}}},
            "d": {"description": "nothing"},
        },
        risk={"measure": "cvar"},
    )
    with pytest.raises(InstanceError) as err:
        trustsource.Instance.from_dict(doc)
    fields = {i.field for i in err.value.issues}
    assert "scenarios.d" in fields  # changes nothing
    # The cross-entry problems are reported once the entries themselves are well-formed.
    del doc["scenarios"]["d"]
    with pytest.raises(InstanceError) as err:
        trustsource.Instance.from_dict(doc)
    by_field = {i.field: i.message for i in err.value.issues}
    assert "unknown item" in by_field["scenarios.a.demand.xx"]
    assert "no bloc, country code" in by_field["scenarios.a.price.Mars"]
    assert "unknown bloc" in by_field["scenarios.base.blocs.nope"]
    assert "no country code" in by_field["scenarios.c.blocs.eu.add"]
    assert "sum to 1.2" in by_field["scenarios"]
    assert "nothing happens" in by_field["scenarios.base"]


def test_risk_settings_out_of_range_are_refused() -> None:
    inst = trustsource.Instance.from_dict(_price_ladder("expected"))
    with pytest.raises(InstanceError) as err:
        risk(inst, alpha=1.5, weight=-1)
    fields = {i.field for i in err.value.issues}
    assert {"alpha", "weight"} <= fields


# --- the command line ---------------------------------------------------------------------------


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "risk.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_cli_json_contract_and_out_folder(tmp_path: Path) -> None:
    path = _write(tmp_path, _price_ladder("cvar"))
    out = tmp_path / "out"
    proc = run_cli(
        "risk", path, "--format", "json", "--mip-gap", "0", "--workers", "1", "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    for key in ("status", "objective", "expected_cost", "var", "cvar", "qualified", "scenarios"):
        assert key in doc
    assert doc["objective"] == pytest.approx(36.25)
    base = doc["scenarios"][0]
    assert base["scenario"] == "base"
    assert base["probability"] == pytest.approx(0.25)
    assert set(base["cost"]) == {"total", "purchase", "fixed", "penalty"}
    assert doc["vss"] == pytest.approx(0.0, abs=1e-9)
    assert doc["evpi"] == pytest.approx(0.0, abs=1e-9)
    assert sorted(p.name for p in out.iterdir()) == [
        "risk.json",
        "risk.png",
        "risk.svg",
        "risk.xlsx",
        "risk_scenarios.csv",
    ]


def test_cli_table_and_csv_and_overrides(tmp_path: Path) -> None:
    path = _write(tmp_path, _price_ladder("cvar"))
    proc = run_cli("risk", path, "--measure", "expected", "--mip-gap", "0", "--no-figures")
    assert proc.returncode == 0, proc.stderr
    assert "objective: 25.00 USD" in proc.stdout
    assert "VSS" not in proc.stdout
    proc = run_cli("risk", path, "--format", "csv", "--no-figures")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("scenario,probability,status,cost")
    assert len(proc.stdout.splitlines()) == 5


def test_cli_invalid_input_exit_2_no_traceback(tmp_path: Path) -> None:
    doc = _price_ladder("cvar")
    del doc["scenarios"]["p2"]["probability"]
    doc["items"][0].pop("shortfall_penalty")
    path = _write(tmp_path, doc)
    proc = run_cli("risk", path, "--format", "json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    out = json.loads(proc.stdout)
    assert out["status"] == "invalid"
    fields = {i["field"] for i in out["issues"]}
    assert "scenarios.p2.probability" in fields
    assert "items.shortfall_penalty" in fields
    proc = run_cli("risk", _write(tmp_path, _price_ladder("cvar")), "--alpha", "2")
    assert proc.returncode == 2
    assert "alpha" in proc.stderr


def test_cli_rules_drop_relieves_a_scenario(tmp_path: Path) -> None:
    # Keep: without FR, any DE supply is 100 % of what is supplied, above the 60 % cap, so the
    # whole demand goes short at 5 (cost 50); drop: DE supplies it at 1 (cost 10).
    doc = _doc(
        items=[{"id": "x", "demand": 10, "shortfall_penalty": 5}],
        suppliers=[
            {"id": "a", "item": "x", "country": "DE", "unit_cost": 1, "capacity": 10},
            {"id": "b", "item": "x", "country": "FR", "unit_cost": 1, "capacity": 10},
        ],
        rules=[{"kind": "country_cap", "name": "cap", "max_share": 0.6}],
        scenarios={"fr-lost": {"probability": 0.1, "capacity": {"FR": 0}}},
    )
    path = _write(tmp_path, doc)
    costs = {}
    for rules in ("keep", "drop"):
        proc = run_cli("risk", path, "--rules", rules, "--no-figures", "--format", "json")
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        costs[rules] = {s["scenario"]: s["cost"]["total"] for s in out["scenarios"]}
    assert costs["keep"] == pytest.approx({"base": 10.0, "fr-lost": 50.0})
    assert costs["drop"] == pytest.approx({"base": 10.0, "fr-lost": 10.0})


def test_a_model_stopped_without_a_plan_falls_back_to_the_deterministic_first_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The extensive form stopped by its limit before any incumbent: the deterministic plan's
    # qualifications are evaluated and reported, never as optimal.
    import trustsource.analysis.risk as risk_module
    from trustsource.analysis.risk.extensive import Extensive

    def stopped(*args: Any, **kwargs: Any) -> Extensive:
        return Extensive(Status.NO_SOLUTION, None, None, 1.0, None, stopped_by="time limit")

    monkeypatch.setattr(risk_module, "solve_extensive", stopped)
    inst = trustsource.Instance.from_dict(_random_case(3))
    res = risk(inst, figures=False, **EXACT)
    det = first_stage_of(trustsource.solve(inst, mip_rel_gap=0))
    assert res.status is Status.FEASIBLE
    assert res.first_stage == det
    assert res.objective is not None
    assert "deterministic plan" in res.message
