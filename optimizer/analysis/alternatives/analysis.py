"""``alternatives``: solve for the optimum, then measure the room to move within a slack.

1. Solve the instance (:func:`trustsource.solve.solve_detailed`): the optimum :math:`C^*` and
   its columns.
2. Ranges (:mod:`.ranges`): per item, one task through the runner (serial, local processes or
   Dask); a worker rebuilds the near-optimal model once and solves every bound of the item on
   it, each from the nearest plan already found.
3. Diverse plans (:mod:`.diverse`), in this process: each depends on those before.
4. Each diverse plan is read back into a :class:`~trustsource.results.plan.Plan` and checked by
   the independent verifier, like every solve's plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InstanceError, Issue
from ...instance.instance import Instance
from ...model.build import ExitForm
from ...results.plan import Plan
from ...results.tables import plan_tables
from ...solve import solve_detailed
from ...status import Status
from ...verify.verifier import verify_plan
from ..runner import plan_workers, run_many
from .diverse import diverse_plans
from .groups import SHARE_TOL, check_choices, group_shares, item_groups
from .near import near_model
from .ranges import item_ranges
from .result import RANGE_COLUMNS, Alternative, AlternativesResult, role_of

Progress = Callable[[int, int], None]


def alternatives(
    instance: Instance,
    *,
    slack: float = 0.02,
    count: int = 3,
    by: str = "country",
    basis: str = "location",
    items: Sequence[str] | None = None,
    ranges: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    share_tol: float = 1e-4,
    threads: int | None = None,
    exit_form: ExitForm = "auto",
    progress: Progress | None = None,
) -> AlternativesResult:
    """The room to move near the optimum of ``instance``.

    Args:
        instance: a validated one-year instance.
        slack: the cost allowed above the optimum, as a share of it (0.02: 2 % more).
        count: diverse plans to look for (0: none).
        by: the groups measured: ``country``, ``supplier`` or ``bloc``.
        basis: the country of an offer for ``country`` and ``bloc``: ``location`` or
            ``owner``.
        items: the items measured (None: all).
        ranges: compute the ranges (False: only the diverse plans).
        workers: local processes for the ranges (None: the runner decides; 1: serial).
        scheduler: a Dask scheduler address for the ranges.
        time_limit: seconds for each solve (the optimum, each MIP of a bound, each plan).
        mip_rel_gap: relative gap of the optimum's and the diverse plans' solves.
        share_tol: precision of a proven range end, as a share (1e-4: 0.01 points); HiGHS
            stops a bound's solve at this absolute gap. 0 asks for HiGHS's own precision.
        threads: HiGHS threads per solve.
        exit_form: formulation of ``exit`` rules (see :func:`trustsource.solve`).
        progress: called with ``(items done, items)`` as the ranges complete.

    Returns:
        An :class:`AlternativesResult`; without an optimum (infeasible, no plan in the time
        limit) it carries the optimum's plan and no ranges.
    """
    check_choices(instance, by, basis, items, slack, count)
    if share_tol < 0 or share_tol > 0.1:
        raise InstanceError(
            [Issue(f"{instance.name}: alternatives", "share_tol", "must be within [0, 0.1]")]
        )
    t0 = time.perf_counter()
    solved = solve_detailed(
        instance,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
        threads=threads,
        exit_form=exit_form,
    )
    base = solved.plan
    result = AlternativesResult(
        instance_name=instance.name,
        currency=instance.currency,
        slack=slack,
        by=by,
        basis=basis,
        optimum=base,
        budget=None,
        ranges=pd.DataFrame(columns=RANGE_COLUMNS),
    )
    result.timings["optimum"] = time.perf_counter() - t0
    if not base.has_solution or base.violations or solved.columns is None:
        result.message = f"no optimum to move from: {base.status_text}"
        return result
    optimum_cost = float(base.objective or 0.0)
    budget = optimum_cost + slack * abs(optimum_cost)
    result.budget = budget
    if base.status is not Status.OPTIMAL:
        result.message = (
            f"the optimum was not proven (gap {base.mip_gap or 0:.2%}): the slack is measured "
            "from the best plan found"
        )
    near = near_model(instance, budget, exit_form=exit_form, threads=threads, start=solved.columns)
    groups = item_groups(near.model.ctx, by, basis, items)
    result.items = list(dict.fromkeys(near.model.ctx.item_ids[g.item] for g in groups))
    if ranges and groups:
        t1 = time.perf_counter()
        result.ranges, result.workers = _ranges(
            instance,
            groups,
            {
                "budget": budget,
                "start": solved.columns,
                "by": by,
                "basis": basis,
                "time_limit": time_limit,
                "share_tol": share_tol,
                "threads": threads,
                "exit_form": exit_form,
            },
            workers=workers,
            scheduler=scheduler,
            progress=progress,
            task_seconds=base.timings.get("total"),
        )
        result.timings["ranges"] = time.perf_counter() - t1
    if count:
        t2 = time.perf_counter()
        cols, why = diverse_plans(near, groups, count, time_limit=time_limit, rel_gap=mip_rel_gap)
        result.plans = [_alternative(near, col, base, groups, by) for col in cols]
        result.plans_note = why
        result.timings["plans"] = time.perf_counter() - t2
    result.timings["total"] = time.perf_counter() - t0
    return result


def _ranges(
    instance: Instance,
    groups: list[Any],
    options: dict[str, Any],
    *,
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    task_seconds: float | None,
) -> tuple[pd.DataFrame, int]:
    """Every item's ranges through the runner, as the ranges table, and the processes used."""
    doc = instance.to_dict()
    by_item: dict[int, list[str]] = {}
    for g in groups:
        by_item.setdefault(g.item, []).append(g.key)
    item_ids = [it.id for it in instance.items]
    # The items with the most groups first: usually the longest tasks, for load balance.
    order = sorted(by_item, key=lambda i: -len(by_item[i]))
    payloads = [(doc, {**options, "item": item_ids[i], "keys": by_item[i]}) for i in order]
    # Each bound is a solve or two: estimate an item's task from the optimum's time.
    estimate = (
        None if task_seconds is None else task_seconds * 2 * max(len(k) for k in by_item.values())
    )
    n = plan_workers(workers, len(payloads), estimate)
    if n > 1 and options.get("threads") is None:
        payloads = [(d, {**o, "threads": 1}) for d, o in payloads]  # processes share the cores
    batch = run_many(
        item_ranges,
        payloads,
        workers=None if scheduler is not None else n,
        scheduler=scheduler,
        progress=progress,
    )
    failed = [o.error for o in batch if not o.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(payloads)} range tasks failed: {failed[0]}")
    records = [r for o in batch for r in o.value]
    table = pd.DataFrame(records)
    table.insert(1, "by", options["by"])
    table["proven"] = table["min_proven"] & table["max_proven"]
    table["role"] = [role_of(r) for r in table.to_dict("records")]
    rank = {i: k for k, i in enumerate(item_ids)}
    table = table.sort_values(
        ["item", "optimum_share", "max_share", "key"],
        key=lambda s: s.map(rank) if s.name == "item" else s,
        ascending=[True, False, False, True],
        kind="stable",
    ).reset_index(drop=True)
    return table[RANGE_COLUMNS], batch.workers


def _alternative(near: Any, col: np.ndarray, base: Plan, groups: list[Any], by: str) -> Alternative:
    """A diverse plan read back as a verified :class:`Plan` with its group shares."""
    inst = near.instance
    cost = near.spend(col)
    plan = Plan(
        status=Status.FEASIBLE,
        objective=cost,
        bound=base.bound,
        mip_gap=None if base.bound is None or cost <= 0 else max(0.0, (cost - base.bound) / cost),
        model_stats=near.model.stats,
        instance_name=inst.name,
        instance_hash=inst.content_hash,
        currency=inst.currency,
        solver=base.solver,
        backend="highspy",
        message="a near-optimal alternative: feasible, within the slack of the optimum",
    )
    for name, frame in plan_tables(near.model, col).items():
        setattr(plan, name, frame)
    plan.reject(verify_plan(inst, plan))
    ctx = near.model.ctx
    shares = group_shares(ctx, col, groups)
    frame = pd.DataFrame(
        {
            "item": [ctx.item_ids[g.item] for g in groups],
            "by": by,
            "key": [g.key for g in groups],
            "share": shares,
        }
    )
    frame = frame[frame["share"] > SHARE_TOL].reset_index(drop=True)
    base_cost = float(base.objective or 0.0)
    return Alternative(
        plan=plan,
        extra_cost=cost - base_cost,
        extra_share=(cost - base_cost) / abs(base_cost) if base_cost else 0.0,
        shares=frame,
    )
