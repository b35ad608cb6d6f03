"""Risk: which suppliers to qualify before a disruption, weighing the scenarios' costs.

:func:`risk` solves the two-stage model of :mod:`.extensive` over the instance's scenarios (the
base case, nothing happening, taking the probability they leave), then evaluates the chosen
first stage in every scenario (:mod:`.evaluate`: each scenario's cheapest recourse, verified) and
reports the measure (:mod:`.measures`), each scenario's cost and shortfall, and two standard
figures, both in the chosen measure:

* **VSS**, the value of the stochastic solution: the deterministic plan's first stage (the base
  case solved alone) evaluated over the scenarios, minus the risk optimum (>= 0);
* **EVPI**, the expected value of perfect information: the risk optimum minus the measure of
  the perfect-foresight costs, each scenario solved alone with its own first stage (>= 0).

Scenarios with probability 0 are left out of the model (they cannot happen) but still
evaluated with the chosen first stage, so the table shows what they would cost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ...errors import InstanceError, Issue
from ...instance.instance import Instance
from ...instance.overlays import RiskSpec
from ...instance.scenarios import BASE, risk_issues
from ...results.plan import Plan
from ...solve import solve
from ...solve.highs import Progress
from ...status import Status
from .evaluate import evaluate, probabilities, scenario_documents
from .extensive import FirstStage, solve_extensive
from .lshaped import solve_lshaped
from .measures import MEASURES, Measure, measure_value, var_cvar
from .result import COMPARISON_COLUMNS, SCENARIO_COLUMNS, RiskResult

__all__ = ["MEASURES", "RiskResult", "first_stage_of", "risk"]

_TOL = 1e-6


def risk(
    instance: Instance,
    *,
    measure: Measure | None = None,
    alpha: float | None = None,
    weight: float | None = None,
    rules: str | None = None,
    figures: bool = True,
    method: Literal["extensive", "lshaped"] = "extensive",
    workers: int | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> RiskResult:
    """Find the first stage (qualifications, site onboarding) that minimises the risk measure
    of the scenarios' costs (see the module docstring).

    Args:
        instance: an instance with ``scenarios`` (each with a ``probability``) and a
            ``shortfall_penalty`` on every item.
        measure, alpha, weight, rules: override the instance's ``risk`` section (defaults:
            ``expected``, 0.95, 0.5, ``keep``).
        figures: also compute VSS, EVPI and the comparison with the deterministic plan (three
            more solves per scenario).
        method: ``extensive`` (one model with a copy of the plan per scenario) or ``lshaped``
            (decomposition: a master over the first stage and one subproblem per scenario,
            :mod:`.lshaped`; exact where the recourse is continuous, else a proven bound).
        workers: processes for the per-scenario solves (None: automatic, 1: serial).
        time_limit: seconds for the extensive form, and for each per-scenario solve.
        mip_rel_gap: relative MIP gap of every solve (0: prove optimality).
        threads: HiGHS threads of the extensive form.
        progress, stop: as for :func:`trustsource.solve` (the extensive form's solve).

    Raises:
        InstanceError: for missing probabilities or penalties, bad measure settings, or a
            scenario that does not make a valid instance, each located.
    """
    if method not in ("extensive", "lshaped"):
        raise ValueError(f"method must be 'extensive' or 'lshaped', got {method!r}")
    if instance.periods:
        # Scenarios over a horizon (a tree of periods) are not modelled yet: say so, never
        # plan one period as if it were the whole.
        raise InstanceError(
            [
                Issue(
                    f"{instance.name}: periods",
                    None,
                    "risk plans one year; for a periodic instance run it on one period's "
                    "instance (Python: risk(instance.at(year))), or stress the path",
                )
            ]
        )
    spec = _spec(instance, measure=measure, alpha=alpha, weight=weight, rules=rules)
    t0 = time.perf_counter()
    docs = scenario_documents(instance, spec.rules == "keep")
    probs = probabilities(instance)
    insts = {
        n: Instance.from_dict(d, origin=str(d.get("name", n)))
        for n, d in docs.items()
        if probs[n] > 0
    }
    opts: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}
    # The deterministic plan (the base case alone): the extensive form's first incumbent, and
    # the plan VSS compares with.
    t_det = time.perf_counter()
    det = solve(Instance.from_dict(docs[BASE], origin=f"{instance.name} [deterministic]"), **opts)
    det_seconds = time.perf_counter() - t_det
    start = first_stage_of(det) if det.has_solution else None
    solver = solve_extensive if method == "extensive" else solve_lshaped
    ext = solver(
        list(insts.values()),
        list(insts),
        [probs[n] for n in insts],
        measure=spec.measure,
        alpha=spec.alpha,
        weight=spec.weight,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
        threads=threads,
        progress=progress,
        stop=stop,
        start=start,
    )
    result = RiskResult(
        instance.name,
        instance.currency,
        spec.measure,
        spec.alpha,
        spec.weight,
        spec.rules,
        ext.status,
        method=method,
        bound=ext.bound,
        extensive_objective=ext.objective,
        first_stage=ext.first,
        model_stats=ext.stats,
        timings={f"extensive_{k}": v for k, v in ext.timings.items()},
    )
    result.timings["deterministic"] = det_seconds
    if ext.first is None and ext.status is Status.NO_SOLUTION and start is not None:
        # No plan within the limits: the deterministic plan's qualifications are still a plan
        # for every scenario (evaluated below), unproven.
        ext.first, ext.status = start, Status.FEASIBLE
        result.first_stage, result.status = start, Status.FEASIBLE
        result.message = "The model found no plan within the limits; the deterministic plan's "
        result.message += "qualifications are reported. "
    if ext.first is None:
        result.message = ext.message or _no_first_stage(ext.status, docs, opts, workers)
        result.timings["total"] = time.perf_counter() - t0
        return result
    if progress is not None:
        progress({"stage": "evaluate"})
    t1 = time.perf_counter()
    # Each scenario's recourse is solved ten times tighter than the model, so that the plans
    # reported stay within the model's gap of its bound.
    tight = {**opts, "mip_rel_gap": mip_rel_gap / 10}
    plans = evaluate(docs, ext.first, tight, workers, None)
    first = ext.first
    if ext.status is not Status.OPTIMAL and start is not None and start != first:
        # Stopped short: the deterministic plan's first stage may still be the better one
        # (HiGHS had it as a start but may not have completed it within the limit).
        other = evaluate(docs, start, tight, workers, None)
        if _value(other, probs, start, spec) < _value(plans, probs, first, spec):
            plans, first = other, start
            result.first_stage = start
            result.message = (
                "The deterministic plan's qualifications cost less than the model's best plan "
                "when it stopped; they are reported. "
            )
    result.timings["evaluate"] = time.perf_counter() - t1
    result.plans = plans
    result.scenarios, result.shortfalls = _scenario_tables(plans, probs, first.fixed_cost)
    costs, p = _weighted(result.scenarios)
    failed = [
        n for n, pl in plans.items() if probs[n] > 0 and (not pl.has_solution or not pl.verified)
    ]
    if failed:
        result.status = Status.ERROR
        result.message = (
            f"the first stage found has no verified plan in {', '.join(failed)}; please report "
            "this instance"
        )
        result.timings["total"] = time.perf_counter() - t0
        return result
    result.objective = measure_value(costs, p, spec.measure, spec.alpha, spec.weight)
    result.expected_cost = float(p @ costs)
    result.var, result.cvar = var_cvar(costs, p, spec.alpha)
    unproven = [n for n, pl in plans.items() if probs[n] > 0 and pl.status is not Status.OPTIMAL]
    if ext.status is Status.OPTIMAL and unproven:
        result.status = Status.FEASIBLE
    if ext.bound is not None and result.objective:
        result.mip_gap = max(0.0, (result.objective - ext.bound) / abs(result.objective))
        if result.mip_gap > mip_rel_gap + 1e-9:
            # The L-shaped bound comes from the relaxed recourse: optimal only if it meets it.
            result.status = Status.FEASIBLE
    if result.status is Status.FEASIBLE:
        result.message += (
            "Optimality was not proven within the limits; the gap says how far from optimal the "
            "first stage may be."
        )
    if figures and not (stop is not None and stop()):
        t2 = time.perf_counter()
        _figures(result, instance, docs, probs, spec, opts, workers, det)
        result.timings["figures"] = time.perf_counter() - t2
    result.timings["total"] = time.perf_counter() - t0
    return result


def first_stage_of(plan: Plan) -> FirstStage:
    """The first stage a (deterministic) plan takes: the offers and sites it pays for."""
    a, s = plan.allocations, plan.sites
    paid = a[a["fixed_cost"] > 0] if len(a) else a
    opened = s[s["open"].astype(bool) & (s["fixed_cost"] > 0)] if len(s) else s
    fixed = float(paid["fixed_cost"].sum()) + (float(opened["fixed_cost"].sum()) if len(s) else 0.0)
    return FirstStage(
        tuple(paid["supplier"]) if len(paid) else (),
        tuple(opened["site"]) if len(s) and len(opened) else (),
        fixed,
    )


def _spec(instance: Instance, **given: Any) -> RiskSpec:
    """The instance's risk section with the given settings on top, and what risk needs."""
    where = f"{instance.name}: risk"
    base = (instance.risk or RiskSpec()).model_dump()
    base.update({k: v for k, v in given.items() if v is not None})
    issues: list[Issue] = []
    try:
        spec = RiskSpec.model_validate(base)
    except ValidationError as exc:
        issues += [Issue(where, ".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        spec = RiskSpec()
    issues += risk_issues(instance, where)
    if not instance.scenarios:
        issues.append(Issue(where, "scenarios", "no scenarios: the risk model needs at least one"))
    if issues:
        raise InstanceError(issues)
    return spec


def _scenario_tables(
    plans: Mapping[str, Plan], probs: Mapping[str, float], fixed: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, shorts = [], []
    for name, pl in plans.items():
        row: dict[str, Any] = {
            "scenario": name,
            "probability": probs[name],
            "status": pl.status.value,
            "cost": math.nan,
            "purchase": math.nan,
            "fixed": fixed,
            "penalty": math.nan,
            "items_short": math.nan,
            "worst_item": None,
            "worst_shortfall_share": math.nan,
        }
        if pl.has_solution and pl.objective is not None:
            sh = pl.shortfalls
            row.update(
                cost=float(pl.objective) + fixed,
                purchase=float(pl.purchase_cost or 0.0),
                penalty=float(pl.shortfall_penalty or 0.0),
                items_short=len(sh),
                worst_item=sh.at[0, "item"] if len(sh) else None,
                worst_shortfall_share=float(sh["shortfall_share"].iloc[0]) if len(sh) else 0.0,
            )
            if len(sh):
                shorts.append(sh.assign(scenario=name))
        rows.append(row)
    short = (
        pd.concat(shorts, ignore_index=True)[
            ["scenario", "item", "unit", "demand", "shortfall", "shortfall_share", "penalty"]
        ]
        if shorts
        else pd.DataFrame(
            columns=[
                "scenario",
                "item",
                "unit",
                "demand",
                "shortfall",
                "shortfall_share",
                "penalty",
            ]
        )
    )
    return pd.DataFrame(rows, columns=SCENARIO_COLUMNS), short


def _value(
    plans: Mapping[str, Plan], probs: Mapping[str, float], first: FirstStage, spec: RiskSpec
) -> float:
    """The measure of a first stage's evaluated plans (infinite if one has no plan)."""
    costs, p = _weighted(_scenario_tables(plans, probs, first.fixed_cost)[0])
    if np.isnan(costs).any():
        return math.inf
    return measure_value(costs, p, spec.measure, spec.alpha, spec.weight)


def _weighted(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Costs and probabilities of the scenarios that can happen (probability > 0)."""
    t = table[table["probability"] > 0]
    return t["cost"].to_numpy(dtype=float), t["probability"].to_numpy(dtype=float)


def _figures(
    result: RiskResult,
    instance: Instance,
    docs: Mapping[str, dict[str, Any]],
    probs: Mapping[str, float],
    spec: RiskSpec,
    opts: dict[str, Any],
    workers: int | None,
    det_plan: Plan,
) -> None:
    """VSS, EVPI and the comparison with the deterministic plan(s) (``det_plan``: the base
    case solved alone, already at hand)."""
    assert result.first_stage is not None
    assert result.objective is not None

    def value(costs_by: Mapping[str, float]) -> float:
        c = np.array([costs_by[n] for n in docs if probs[n] > 0], dtype=float)
        p = np.array([probs[n] for n in docs if probs[n] > 0], dtype=float)
        return measure_value(c, p, spec.measure, spec.alpha, spec.weight)

    proven = result.status is Status.OPTIMAL
    ws = evaluate(docs, None, opts, workers, None)
    ws_ok = all(ws[n].has_solution for n in docs if probs[n] > 0)
    proven &= all(ws[n].status is Status.OPTIMAL for n in docs if probs[n] > 0)
    if ws_ok:
        result.evpi = result.objective - value({n: float(ws[n].objective or 0.0) for n in docs})
    rows = [_row("risk", result.status.value, result.first_stage, result.scenarios, spec)]
    plans = [("deterministic", docs)]
    if any(r.kind == "exit" for r in instance.rules):
        plans.append(
            ("deterministic without exit rules", {n: _no_exit(d) for n, d in docs.items()})
        )
    for label, pdocs in plans:
        det = (
            det_plan
            if label == "deterministic"
            else solve(Instance.from_dict(pdocs[BASE], origin=f"{instance.name} [{label}]"), **opts)
        )
        if not det.has_solution:
            rows.append(
                {**dict.fromkeys(COMPARISON_COLUMNS), "plan": label, "status": det.status.value}
            )
            continue
        first = first_stage_of(det)
        evald = evaluate(pdocs, first, opts, workers, None)
        table, _ = _scenario_tables(evald, probs, first.fixed_cost)
        ok = all(evald[n].has_solution for n in docs if probs[n] > 0)
        proven &= det.status is Status.OPTIMAL and all(
            evald[n].status is Status.OPTIMAL for n in docs if probs[n] > 0
        )
        status = det.status.value if ok else "infeasible in a scenario"
        rows.append(_row(label, status, first, table, spec))
        if label == "deterministic" and ok:
            result.vss = rows[-1]["objective"] - result.objective
    result.comparison = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    result.figures_proven = bool(proven)
    if result.vss is None:
        result.message = (
            result.message
            + " VSS: the deterministic plan's qualifications leave a scenario with no plan."
        ).strip()


def _row(
    label: str, status: str, first: FirstStage, table: pd.DataFrame, spec: RiskSpec
) -> dict[str, Any]:
    costs, p = _weighted(table)
    row: dict[str, Any] = {
        "plan": label,
        "status": status,
        "fixed_cost": first.fixed_cost,
        "qualified": len(first.qualified),
        "objective": math.nan,
        "expected_cost": math.nan,
        "var": math.nan,
        "cvar": math.nan,
        "worst_cost": math.nan,
    }
    if len(costs) and not np.isnan(costs).any():
        var, cvar = var_cvar(costs, p, spec.alpha)
        row.update(
            objective=measure_value(costs, p, spec.measure, spec.alpha, spec.weight),
            expected_cost=float(p @ costs),
            var=var,
            cvar=cvar,
            worst_cost=float(costs.max()),
        )
    return row


def _no_exit(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {**doc, "rules": [r for r in doc.get("rules", []) if r.get("kind") != "exit"]}


def _no_first_stage(
    status: Status,
    docs: Mapping[str, dict[str, Any]],
    opts: dict[str, Any],
    workers: int | None,
) -> str:
    """Why there is no first stage, in scenario words where the model is infeasible."""
    if status is not Status.INFEASIBLE:
        return "No first stage was found within the limits; raise the time limit."
    alone = evaluate(docs, None, opts, workers, None)
    bad = [n for n, pl in alone.items() if pl.status is Status.INFEASIBLE]
    if bad:
        return (
            f"No plan meets every rule in {', '.join(bad)} even on its own; use `rules: drop` "
            "(the rules then hold in the base case only) or run `trustsource diagnose` on that "
            "scenario."
        )
    return (
        "Every scenario has a plan on its own, but no one set of qualifications serves them all "
        "with every rule; use `rules: drop` or relax a rule."
    )
