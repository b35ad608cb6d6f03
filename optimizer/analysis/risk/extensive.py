r"""The two-stage risk model in extensive form: one copy of the plan per scenario, linked.

First stage (decided before the scenario is known): qualification :math:`q_s` (pays
``fixed_cost``) and site onboarding :math:`o_k`. Second stage, per scenario :math:`\omega`
(the base case included): the whole plan of that scenario's instance (capacities, demand,
prices and blocs as the scenario sets them; awards, minimum orders, tiers, tariffs, shortfall
at its penalty, and the rules) with its own awards :math:`a_{s\omega} \le q_s`
(:func:`trustsource.model.build.build_model` with ``separate_awards``). The copies share the
:math:`q` and :math:`o` columns (:mod:`trustsource.model.copies`). With :math:`V_\omega` the
second-stage cost of scenario :math:`\omega` and :math:`\lambda` the CVaR weight (0 for
``expected``, 1 for ``cvar``, ``weight`` for ``mean_cvar``):

.. math::

    \min \sum_s F_s q_s + \sum_k F_k o_k
    + (1-\lambda) \sum_\omega p_\omega V_\omega
    + \lambda \Big(\eta + \frac{1}{1-\alpha} \sum_\omega p_\omega z_\omega\Big)

    z_\omega \ge V_\omega - \eta, \quad z_\omega \ge 0 \qquad (\texttt{cvar\_excess})

(the Rockafellar-Uryasev linearisation: one VaR variable :math:`\eta`, one excess variable per
scenario). The fixed costs are the same in every scenario, so adding them outside the measure
is the same as measuring the total cost. ``hhi_cap`` rules hold per scenario through the one cut
loop of :mod:`trustsource.solve.cuts`, each copy's cuts computed on its own columns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...instance.instance import Instance
from ...model.build import build_model
from ...model.copies import Copies, own_costs, stack_copies
from ...model.core import RowBlock
from ...model.handoff import highs_from_data
from ...solve.cuts import solve_copies
from ...solve.highs import Progress
from ...status import Status
from .measures import Measure, cvar_weight

FIRST_STAGE = ("qualified", "site_open")
"""The blocks every scenario shares: what is decided before the scenario is known."""


@dataclass(frozen=True)
class FirstStage:
    """The decisions taken before the scenario is known."""

    qualified: tuple[str, ...]  # supplier ids with a fixed cost, qualified
    opened: tuple[str, ...]  # site ids with a fixed cost, onboarded
    fixed_cost: float  # what they cost together


@dataclass
class Extensive:
    """What solving the extensive form gave."""

    status: Status
    first: FirstStage | None
    objective: float | None
    bound: float | None
    mip_gap: float | None
    stats: dict[str, int] = field(default_factory=dict)
    hhi_iterations: int = 0
    message: str = ""
    stopped_by: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


def solve_extensive(
    instances: Sequence[Instance],
    names: Sequence[str],
    probs: Sequence[float],
    *,
    measure: Measure,
    alpha: float,
    weight: float,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
    highs_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    start: FirstStage | None = None,
) -> Extensive:
    """Build the copies of ``instances`` (one per scenario, probability ``probs``) and solve.

    ``start``, a first stage (the deterministic plan's), is handed to HiGHS as a partial MIP
    start: HiGHS completes it into a first incumbent by solving the rest with it fixed, so a
    large model starts from a plan rather than from nothing.
    """
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    proven = infeasible_by_findings(instances, names)
    if proven is not None:
        return proven
    if progress is not None:
        progress({"stage": "build"})
    models = [build_model(inst, separate_awards=True) for inst in instances]
    copies = stack_copies(models, list(names), [1.0] * len(models), FIRST_STAGE)
    _set_objective(copies, probs, measure, alpha, weight)
    t_build = time.perf_counter() - t0
    h = highs_from_data(copies.data)
    if start is not None:
        _mip_start(h, copies, start)
    stats = {**copies.data.stats, "scenarios": len(models)}

    loop = solve_copies(
        h,
        copies,
        mip_rel_gap=mip_rel_gap,
        threads=threads,
        deadline=deadline,
        options=highs_options,
        progress=progress,
        stop=stop,
    )
    answer = loop.answer
    timings = {"build": t_build, "solve": loop.solve_seconds, "total": time.perf_counter() - t0}
    if loop.stopped is not None and loop.worst is not None:
        return Extensive(
            Status.NO_SOLUTION,
            None,
            None,
            answer.bound,
            None,
            stats,
            loop.rounds,
            f"the HHI cap was not reached ({loop.stopped}): {loop.worst.item} is at HHI "
            f"{loop.worst.hhi:,.0f} under `{loop.worst.rule}`",
            answer.stopped_by,
            timings,
        )
    first = None if answer.col_value is None else _first_stage(copies, answer.col_value)
    return Extensive(
        answer.status,
        first,
        answer.objective,
        answer.bound,
        answer.mip_gap,
        stats,
        loop.rounds,
        "",
        answer.stopped_by,
        timings,
    )


def infeasible_by_findings(instances: Sequence[Instance], names: Sequence[str]) -> Extensive | None:
    """``infeasible`` with the reasons when a scenario's arithmetic already proves it (the
    pre-solve findings of its instance), else None."""
    findings = [f"{n}: {f.message}" for n, inst in zip(names, instances) for f in inst.findings]
    if findings:
        return Extensive(Status.INFEASIBLE, None, None, None, None, message="; ".join(findings))
    return None


def _set_objective(
    copies: Copies, probs: Sequence[float], measure: Measure, alpha: float, weight: float
) -> None:
    """Weigh each copy's second-stage cost; add the CVaR variables and rows where needed."""
    lam = cvar_weight(measure, weight)
    md = copies.data
    second = [own_costs(m, FIRST_STAGE) for m in copies.models]
    for name, p in zip(copies.names, probs):
        for bname, blk in md.var_blocks.items():
            if bname.startswith(f"{name}/"):
                blk.cost *= (1.0 - lam) * p
    if lam <= 0:
        return
    n = len(copies.names)
    eta = md.add_vars("var", ["VaR"], lb=0.0, cost=lam)
    z = md.add_vars(
        "excess", list(copies.names), lb=0.0, cost=lam * np.asarray(probs) / (1.0 - alpha)
    )
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for k in range(n):
        nz = np.flatnonzero(second[k])
        indices.append(np.concatenate([[z[k], eta[0]], copies.cols[k][nz]]))
        data.append(np.concatenate([[1.0, 1.0], -second[k][nz]]))
        indptr.append(indptr[-1] + 2 + len(nz))
    md.add_rows(
        RowBlock(
            "cvar_excess",
            "cvar_excess",
            list(copies.names),
            np.asarray(indptr, dtype=np.int64),
            np.concatenate(indices).astype(np.int64),
            np.concatenate(data),
            np.zeros(n),
            np.full(n, np.inf),
        )
    )


def _mip_start(h: Any, copies: Copies, start: FirstStage) -> None:
    """The first-stage columns of ``start`` as a partial solution (HiGHS completes the rest)."""
    chosen = {"qualified": set(start.qualified), "site_open": set(start.opened)}
    idx: list[np.ndarray] = []
    val: list[np.ndarray] = []
    for name in FIRST_STAGE:
        blk = copies.data.var_blocks.get(name)
        if blk is not None:
            idx.append(blk.cols)
            val.append(np.array([1.0 if lbl in chosen[name] else 0.0 for lbl in blk.labels]))
    if idx:
        cols = np.concatenate(idx).astype(np.int32)
        h.setSolution(len(cols), cols, np.concatenate(val))


def _first_stage(copies: Copies, col: np.ndarray) -> FirstStage:
    md = copies.data
    fixed = 0.0
    chosen: dict[str, tuple[str, ...]] = {}
    for name in FIRST_STAGE:
        blk = md.var_blocks.get(name)
        if blk is None:
            chosen[name] = ()
            continue
        on = col[blk.cols] > 0.5
        chosen[name] = tuple(lbl for lbl, o in zip(blk.labels, on) if o)
        fixed += float(blk.cost[on].sum())
    return FirstStage(chosen["qualified"], chosen["site_open"], fixed)
