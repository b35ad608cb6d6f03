"""Solve an instance: build -> hand off to HiGHS -> read back -> verify -> Plan."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import numpy as np

from .._version import solver_version
from ..errors import InstanceError, Issue
from ..instance.instance import Instance
from ..model.build import BuiltModel, ExitForm, build_model
from ..model.handoff import highs_from_data, highs_from_pyomo
from ..results.plan import Plan
from ..results.tables import decisions, plan_tables
from ..status import Status
from ..verify.verifier import verify_plan
from .blocks import Reuse, solve_blocks
from .cuts import MAX_CUT_ROUNDS, Cut, add_cut_rows, cut_loop, hhi_cuts
from .highs import HighsAnswer, Progress, run
from .periods import solve_periods

logger = logging.getLogger(__name__)

Backend = Literal["pyomo", "highspy"]

_NEXT_STEPS = {
    Status.INFEASIBLE: "No plan satisfies every rule; relax a rule, add capacity or allow "
    "shortfall (a shortfall_penalty on the item).",
    Status.NO_SOLUTION: "The time limit ended before any plan was found; raise --time-limit.",
    Status.FEASIBLE: "Optimality was not proven within the limits; the gap says how far from "
    "optimal the plan may be.",
    Status.UNBOUNDED: "The model is unbounded; please report this instance.",
    Status.ERROR: "HiGHS reported an error; run with log=True (--solver-log) for details.",
}


_STOPPED = {
    True: "Interrupted: this is the best plan found so far; the gap says how far from optimal "
    "it may be.",
    False: "Interrupted before any plan was found.",
}


def _message(answer: HighsAnswer) -> str:
    """Next steps for a status, or what an interrupt left."""
    if answer.stopped_by == "interrupt":
        return _STOPPED[answer.col_value is not None]
    return _NEXT_STEPS.get(answer.status, "")


@dataclass
class Solved:
    """A plan with the model it came from and its column values in that model's order."""

    plan: Plan
    model: BuiltModel | None = None
    columns: np.ndarray | None = None


def solve(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
    backend: Backend = "highspy",
    verify: bool = True,
    log: bool = False,
    highs_options: dict[str, Any] | None = None,
    exit_form: ExitForm = "auto",
    max_hhi_iterations: int = MAX_CUT_ROUNDS,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    reuse: Reuse | None = None,
    tables: bool | Collection[str] = True,
) -> Plan:
    """Find the cheapest plan that meets demand and every rule of ``instance``.

    Args:
        instance: a validated instance.
        time_limit: seconds of wall-clock time for the whole solve, building and re-solves
            included (None: no limit). HiGHS gets what is left; when it overruns (it does not
            check its clock everywhere) it is interrupted, and the best plan so far is returned
            as ``feasible`` with its gap, or ``no_solution``.
        mip_rel_gap: relative MIP gap at which HiGHS may stop and report optimal (0: prove it).
        threads: HiGHS threads (None: HiGHS default).
        backend: ``highspy`` (default: pass the block matrix directly) or ``pyomo`` (build the
            named Pyomo model and compile it); both hand HiGHS the same model.
        verify: run the independent verifier on the plan (recommended; cheap).
        log: let HiGHS write its log (to stdout).
        highs_options: further HiGHS options, passed through unchanged.
        exit_form: formulation of ``exit`` rules: ``auto``, ``dense`` or ``aux``.
        max_hhi_iterations: most re-solves the ``hhi_cap`` cut loop may take.
        progress: called with a dict (``stage``: build, solve, hhi, verify; and for solve the
            time, incumbent ``objective``, ``bound`` and ``gap``) as the solve advances; the CLI
            uses it for its progress line. HiGHS calls it from inside its run: keep it quick.
        stop: polled about 20 times a second while HiGHS runs; once it returns True the solve
            stops like at a time limit (``plan.stopped_by == "interrupt"``). The CLI passes
            its SIGINT/SIGTERM flag; a thread or a UI's cancel button can do the same.
        reuse: a :class:`trustsource.solve.blocks.Reuse` store kept across related solves
            (an analysis's re-solves): blocks solved before are answered from it. Without a
            store a model of several independent blocks (items that share no site, budget, bill
            of materials or rule row) is still solved block by block. Either way only one-year
            instances on the ``highspy`` backend without ``hhi_cap`` rules, and, under a
            ``time_limit``, only when the store answers every block; others solve whole.
        tables: build the plan's tables (True); False leaves them empty (status, cost, bound
            and gap only, for analyses that need just the cost); a collection of names builds
            ``allocations`` and ``sites`` and those named of ``items``, ``rules`` and
            ``costs``. Every plan is verified all the same. (A periodic plan always has all.)

    Returns:
        A :class:`Plan`. Infeasibility is a status, not an exception.
    """
    return solve_detailed(
        instance,
        time_limit=time_limit,
        mip_rel_gap=mip_rel_gap,
        threads=threads,
        backend=backend,
        verify=verify,
        log=log,
        highs_options=highs_options,
        exit_form=exit_form,
        max_hhi_iterations=max_hhi_iterations,
        progress=progress,
        stop=stop,
        reuse=reuse,
        tables=tables,
    ).plan


def solve_detailed(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
    backend: Backend = "highspy",
    verify: bool = True,
    log: bool = False,
    highs_options: dict[str, Any] | None = None,
    exit_form: ExitForm = "auto",
    max_hhi_iterations: int = MAX_CUT_ROUNDS,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    reuse: Reuse | None = None,
    tables: bool | Collection[str] = True,
) -> Solved:
    """:func:`solve`, also returning the model and the plan's column values (one-year
    instances solved on the ``highspy`` backend; None otherwise), for analyses that go on from
    the optimum (alternatives start their near-optimal solves from it)."""
    if instance.buyers:
        # One plan for the whole demand would ignore each member's rules: never that, silently.
        raise InstanceError(
            [
                Issue(
                    f"{instance.name}: buyers",
                    None,
                    "this instance lists buyers planning together: `trustsource coalition` "
                    "(Python: trustsource.coalition) plans them jointly, with each member's "
                    "rules and share",
                )
            ]
        )
    t_start = time.perf_counter()
    deadline = None if time_limit is None else t_start + time_limit
    options = {
        "time_limit": time_limit,
        "mip_rel_gap": mip_rel_gap,
        "threads": threads,
        "backend": backend,
        "exit_form": exit_form,
        "max_hhi_iterations": max_hhi_iterations,
    }
    base = {
        "instance_name": instance.name,
        "instance_hash": instance.content_hash,
        "currency": instance.currency,
        "solver": solver_version(),
        "backend": backend,
        "options": options,
        "warnings": instance.warnings,
    }
    if instance.periods:
        # A stock can serve demand, so a period's arithmetic alone proves nothing: solve. The
        # linked model goes to HiGHS directly (the Pyomo route builds one-year models).
        base["backend"] = "highspy"
        plan = solve_periods(
            instance,
            base,
            deadline=deadline,
            mip_rel_gap=mip_rel_gap,
            threads=threads,
            verify=verify,
            log=log,
            highs_options=highs_options,
            exit_form=exit_form,
            max_hhi_iterations=max_hhi_iterations,
            progress=progress,
            stop=stop,
        )
        if not plan.message:
            if plan.stopped_by == "interrupt":
                plan.message = _STOPPED[plan.has_solution]
            else:
                plan.message = _NEXT_STEPS.get(plan.status, "")
        plan.timings["total"] = time.perf_counter() - t_start
        return Solved(plan)
    findings = instance.findings
    t_checked = time.perf_counter()
    if findings:
        # The arithmetic already proves infeasibility; say why in item and rule words.
        return Solved(
            Plan(
                status=Status.INFEASIBLE,
                findings=findings,
                message="; ".join(f.message for f in findings),
                timings={"total": time.perf_counter() - t_start},
                **base,
            )
        )

    if stop is not None and stop():
        return Solved(
            Plan(
                status=Status.NO_SOLUTION,
                stopped_by="interrupt",
                message=_STOPPED[False],
                timings={"total": time.perf_counter() - t_start},
                **base,
            )
        )
    if progress is not None:
        progress({"stage": "build"})
    model = build_model(instance, exit_form=exit_form)
    timings = {"check": t_checked - t_start, **model.timings}
    by_blocks = None
    if backend == "highspy" and not model.data.info.get("hhi") and model.data.start is None:
        # Independent blocks are solved one at a time (blocks.py): much quicker on instances
        # of many unlinked items, and the unit of reuse across related solves. A model of one
        # block, without a store to fill, goes to HiGHS whole, exactly as before.
        by_blocks = solve_blocks(
            model.data,
            Reuse() if reuse is None else reuse,
            mip_rel_gap=mip_rel_gap,
            threads=threads,
            log=log,
            options=highs_options,
            stop=stop,
            deadline=deadline,
            progress=progress,
            at_least=2 if reuse is None else 1,
        )
    if by_blocks is not None:
        answer, counts = by_blocks
        timings.update(counts)
        timings["solve"] = answer.run_seconds
        return _finish(
            instance, model, answer, base, timings, t_start, verify=verify, tables=tables
        )
    t0 = time.perf_counter()
    if backend == "pyomo":
        pyomo_model, columns = model.to_pyomo()
        timings["pyomo_build"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        h, col_index = highs_from_pyomo(pyomo_model, columns)
        timings["compile"] = time.perf_counter() - t1
    elif backend == "highspy":
        h, col_index = highs_from_data(model.data), None
    else:
        raise ValueError(f"unknown backend {backend!r}; use 'pyomo' or 'highspy'")
    timings["handoff"] = time.perf_counter() - t0
    is_mip = model.stats["integers"] > 0

    # The first solve, and each re-solve of the cut loop, with the same settings.
    resolve: Callable[[], HighsAnswer] = partial(
        run,
        h,
        is_mip=is_mip,
        time_limit=None,
        mip_rel_gap=mip_rel_gap,
        threads=threads,
        log=log,
        options=highs_options,
        progress=progress,
        stop=stop,
        deadline=deadline,
    )

    answer = resolve()
    # hhi_cap: add tangent cuts at plans above the cap and solve again (outer approximation).
    position = None
    if col_index is not None:
        position = np.full(model.data.n_cols, -1, dtype=np.int64)
        position[col_index] = np.arange(len(col_index))

    def report_round(iteration: int, worst: Cut) -> None:
        if progress is not None:
            progress({"stage": "hhi", "iteration": iteration, "hhi": worst.hhi, "item": worst.item})

    loop = cut_loop(
        h,
        answer,
        cuts_at=lambda v: (
            hhi_cuts(model, _global_solution(model, v, col_index))
            if model.data.info.get("hhi")
            else []
        ),
        resolve=resolve,
        add=lambda hh, cuts: add_cut_rows(hh, cuts, position),
        max_rounds=max_hhi_iterations,
        deadline=deadline,
        on_round=report_round,
    )
    answer, iterations, solve_seconds = loop.answer, loop.rounds, loop.solve_seconds
    unconverged = ""
    if loop.stopped is not None and loop.worst is not None:
        why = (
            f"{max_hhi_iterations} re-solves (max_hhi_iterations)"
            if loop.stopped == "rounds"
            else loop.stopped
        )
        unconverged = (
            f"the HHI cap was not reached within the {why}: {loop.worst.item} is at "
            f"HHI {loop.worst.hhi:,.0f} under `{loop.worst.rule}`"
        )
    timings["solve"] = solve_seconds
    if unconverged:
        # Never report a plan above the cap: no plan, and say why.
        status = Status.ERROR if "max_hhi_iterations" in unconverged else Status.NO_SOLUTION
        answer = HighsAnswer(
            status,
            answer.highs_status,
            None,
            None,
            answer.bound,
            None,
            answer.run_seconds,
            answer.node_count,
            answer.stopped_by,
            answer.abandoned,
        )
    return _finish(
        instance,
        model,
        answer,
        base,
        timings,
        t_start,
        verify=verify,
        tables=tables,
        col_index=col_index,
        iterations=iterations,
        message=unconverged,
    )


def _finish(
    instance: Instance,
    model: BuiltModel,
    answer: HighsAnswer,
    base: dict[str, Any],
    timings: dict[str, float],
    t_start: float,
    *,
    verify: bool,
    tables: bool,
    col_index: Any = None,
    iterations: int = 0,
    message: str = "",
) -> Solved:
    """The plan of an answer: its tables (unless ``tables`` is False) and the verifier's
    findings (unless ``verify`` is False)."""
    col = None
    plan = Plan(
        status=answer.status,
        objective=answer.objective,
        bound=answer.bound,
        mip_gap=answer.mip_gap,
        highs_status=answer.highs_status,
        node_count=answer.node_count,
        model_stats=model.stats,
        hhi_iterations=iterations,
        stopped_by=answer.stopped_by,
        abandoned=answer.abandoned,
        message=message or _message(answer),
        **base,
    )
    if answer.col_value is not None:
        t2 = time.perf_counter()
        col = _global_solution(model, answer.col_value, col_index)
        if tables is not False:
            only = None if tables is True else tables
            for name, frame in plan_tables(model, col, only).items():
                setattr(plan, name, frame)
        timings["results"] = time.perf_counter() - t2
        if verify:
            t3 = time.perf_counter()
            if tables is True:
                violations = verify_plan(instance, plan)
            else:  # the same check on the decisions themselves, without building the tables
                violations = decisions(model, col).verify(model, plan.objective)
            timings["verify"] = time.perf_counter() - t3
            if violations:
                logger.error(
                    "plan failed verification: %s", "; ".join(v.message for v in violations)
                )
            plan.reject(violations)
    timings["total"] = time.perf_counter() - t_start
    plan.timings = timings
    return Solved(plan, model, col)


def _global_solution(model: BuiltModel, values: Any, col_index: Any) -> Any:
    if col_index is None:
        return np.asarray(values, dtype=float)
    full = np.zeros(model.data.n_cols)
    full[col_index] = values
    return full
