"""Solve a periodic instance: build the linked periods -> HiGHS -> tables -> verify -> Plan.

:func:`trustsource.solve` calls this for an instance with ``periods``; the plan it returns is an
ordinary :class:`~trustsource.Plan` whose tables carry a ``period`` column, plus ``builds`` and
``stock`` (see :mod:`trustsource.results.periods`). The ``hhi_cap`` cut loop runs on every
period's copy (:func:`.cuts.copy_cuts`); the verifier checks every period and the links between
them (:mod:`trustsource.verify.periods`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..instance.instance import Instance
from ..model.build import ExitForm
from ..model.handoff import highs_from_data
from ..model.periods import build_periods
from ..results.periods import periodic_tables
from ..results.plan import Plan
from ..status import Status
from ..verify.periods import verify_periods
from .cuts import solve_copies
from .highs import Progress


def solve_periods(
    instance: Instance,
    base: dict[str, Any],
    *,
    deadline: float | None,
    mip_rel_gap: float,
    threads: int | None,
    verify: bool,
    log: bool,
    highs_options: dict[str, Any] | None,
    exit_form: ExitForm,
    max_hhi_iterations: int,
    progress: Progress | None,
    stop: Callable[[], bool] | None,
) -> Plan:
    """The cheapest plan over every period of ``instance`` (``base``: the Plan's common fields)."""
    t_start = time.perf_counter()
    if progress is not None:
        progress({"stage": "build"})
    linked = build_periods(instance, exit_form=exit_form)
    md = linked.copies.data
    timings = {"build": time.perf_counter() - t_start}
    t0 = time.perf_counter()
    h = highs_from_data(md)
    timings["handoff"] = time.perf_counter() - t0
    stats = {**md.stats, "periods": len(linked.years)}

    loop = solve_copies(
        h,
        linked.copies,
        mip_rel_gap=mip_rel_gap,
        threads=threads,
        deadline=deadline,
        log=log,
        options=highs_options,
        progress=progress,
        stop=stop,
        max_rounds=max_hhi_iterations,
    )
    answer = loop.answer
    timings["solve"] = loop.solve_seconds
    message = ""
    status = answer.status
    col = answer.col_value
    if loop.stopped is not None and loop.worst is not None:
        status, col = Status.NO_SOLUTION, None
        message = (
            f"the HHI cap was not reached ({loop.stopped}): {loop.worst.item} is at HHI "
            f"{loop.worst.hhi:,.0f} under `{loop.worst.rule}`"
        )
    plan = Plan(
        status=status,
        objective=answer.objective if col is not None else None,
        bound=answer.bound,
        mip_gap=answer.mip_gap if col is not None else None,
        highs_status=answer.highs_status,
        node_count=answer.node_count,
        model_stats=stats,
        hhi_iterations=loop.rounds,
        stopped_by=answer.stopped_by,
        abandoned=answer.abandoned,
        message=message,
        periods=linked.years,
        **base,
    )
    if col is not None:
        t2 = time.perf_counter()
        for name, frame in periodic_tables(linked, np.asarray(col), instance).items():
            setattr(plan, name, frame)
        timings["results"] = time.perf_counter() - t2
        if verify:
            t3 = time.perf_counter()
            plan.reject(verify_periods(instance, plan))
            timings["verify"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t_start
    plan.timings = timings
    return plan
