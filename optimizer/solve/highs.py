"""Run HiGHS on a handed-off model and read the answer back.

Time limits, stop requests (signals, a caller's event), progress callbacks, and the one explicit
table from HiGHS model statuses to ours (``STATUS_TABLE``). Building the HiGHS object from the
model is :mod:`trustsource.model.handoff`'s work.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from ..status import Status

logger = logging.getLogger(__name__)

_FEASIBLE_SOLUTION = 2  # HiGHS primal_solution_status "feasible"


@dataclass
class HighsAnswer:
    """What came back from one HiGHS run."""

    status: Status
    highs_status: str
    col_value: np.ndarray | None
    objective: float | None
    bound: float | None
    mip_gap: float | None
    run_seconds: float
    node_count: int
    stopped_by: str | None = None  # "interrupt" or "time limit" when we stopped HiGHS
    abandoned: bool = False  # HiGHS ignored the stop: its thread still runs (see run())


_MS = highspy.HighsModelStatus

# HiGHS model status -> (our status when a primal solution exists, when none exists).
# Limits keep an incumbent as "feasible" (never "optimal"); without one they are "no_solution".
STATUS_TABLE: dict[object, tuple[Status, Status]] = {
    _MS.kOptimal: (Status.OPTIMAL, Status.ERROR),
    _MS.kInfeasible: (Status.INFEASIBLE, Status.INFEASIBLE),
    # Every trustsource model is bounded (costs >= 0, all columns bounded), so "unbounded or
    # infeasible" can only mean infeasible.
    _MS.kUnboundedOrInfeasible: (Status.INFEASIBLE, Status.INFEASIBLE),
    _MS.kUnbounded: (Status.UNBOUNDED, Status.UNBOUNDED),
    _MS.kTimeLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kIterationLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kSolutionLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kInterrupt: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kMemoryLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kObjectiveBound: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kObjectiveTarget: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kModelEmpty: (Status.OPTIMAL, Status.OPTIMAL),
    _MS.kNotset: (Status.ERROR, Status.ERROR),
    _MS.kLoadError: (Status.ERROR, Status.ERROR),
    _MS.kModelError: (Status.ERROR, Status.ERROR),
    _MS.kPresolveError: (Status.ERROR, Status.ERROR),
    _MS.kSolveError: (Status.ERROR, Status.ERROR),
    _MS.kPostsolveError: (Status.ERROR, Status.ERROR),
    _MS.kUnknown: (Status.FEASIBLE, Status.ERROR),
}


def map_status(model_status: object, has_solution: bool) -> Status:
    """Our status for a HiGHS model status, given whether a feasible primal solution exists."""
    with_sol, without = STATUS_TABLE.get(model_status, (Status.ERROR, Status.ERROR))
    return with_sol if has_solution else without


Progress = Callable[[dict[str, Any]], None]


def _watch(h: highspy.Highs, progress: Progress) -> None:
    """Report incumbents and bounds while HiGHS runs (MIP callbacks), for long solves."""

    def report(event: Any) -> None:
        out = event.data_out
        progress(
            {
                "stage": "solve",
                "time": float(out.running_time),
                "objective": float(out.mip_primal_bound),
                "bound": float(out.mip_dual_bound),
                "gap": float(out.mip_gap),
            }
        )

    h.cbMipImprovingSolution.subscribe(report)
    h.cbMipLogging.subscribe(report)


# After asking HiGHS to stop, how long to wait for it before answering without it. HiGHS polls
# its interrupt callbacks in every simplex and IPM iteration and MIP node, but not everywhere
# (long root separation rounds were seen to overrun a 60 s limit by 90-130 s).
STOP_GRACE = 1.0
_POLL = 0.05  # seconds between checks of the stop flag and the deadline


@dataclass
class _Watch:
    """What the callbacks of one run share with the waiting thread."""

    requested: threading.Event = field(default_factory=threading.Event)
    solution: np.ndarray | None = None
    objective: float | None = None
    bound: float | None = None
    nodes: int = 0


def _subscribe(h: highspy.Highs, watch: _Watch, is_mip: bool) -> None:
    """Interrupt HiGHS when asked; keep the latest incumbent in case HiGHS must be abandoned."""

    def interrupt(event: Any) -> None:
        if watch.requested.is_set():
            event.interrupt()

    h.cbSimplexInterrupt.subscribe(interrupt)
    h.cbIpmInterrupt.subscribe(interrupt)
    if not is_mip:
        return
    h.cbMipInterrupt.subscribe(interrupt)

    def record(event: Any) -> None:
        out = event.data_out
        watch.solution = np.array(out.mip_solution, dtype=float)
        watch.objective = float(out.mip_primal_bound)
        watch.bound = float(out.mip_dual_bound)
        watch.nodes = int(out.mip_node_count)

    h.cbMipImprovingSolution.subscribe(record)


def _wait(
    thread: threading.Thread, watch: _Watch, stop: Callable[[], bool] | None, deadline: float | None
) -> str | None:
    """Wait for the HiGHS thread; on a stop request or the deadline, interrupt it.

    Returns why HiGHS was stopped (None if it finished by itself). A KeyboardInterrupt or any
    other exception raised in this (main) thread interrupts HiGHS and propagates.
    """
    reason: str | None = None
    try:
        while thread.is_alive():
            thread.join(_POLL)
            if reason is None and stop is not None and stop():
                reason = "interrupt"
            elif reason is None and deadline is not None and time.perf_counter() >= deadline:
                reason = "time limit"
            if reason is not None:
                watch.requested.set()
                thread.join(STOP_GRACE)
                break
    except BaseException:
        watch.requested.set()
        thread.join(STOP_GRACE)
        raise
    return reason


def run(
    h: highspy.Highs,
    *,
    is_mip: bool,
    time_limit: float | None,
    mip_rel_gap: float,
    threads: int | None,
    log: bool = False,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    deadline: float | None = None,
    direct: bool = False,
) -> HighsAnswer:
    """Run HiGHS with our options and map its answer through the status table.

    ``direct``: run HiGHS in this thread, for models solved in milliseconds (the blocks of
    :mod:`trustsource.solve.blocks`): the deadline still reaches HiGHS as its time limit, but a
    ``stop`` request is seen only before the run (a thread's start and join cost more than such
    a solve).

    HiGHS runs in a worker thread (it releases the GIL) while this thread waits, so a stop
    request is seen within ``_POLL`` seconds even when HiGHS is deep in its own code:

    * ``stop``: polled; when it returns True HiGHS is interrupted (its interrupt callbacks)
      and the best plan so far is returned as ``feasible`` (or ``no_solution``).
    * ``deadline``: a ``time.perf_counter()`` instant; HiGHS's own ``time_limit`` is set to
      the time left, and the deadline is enforced through the interrupt callbacks when HiGHS
      overruns its limit.
    * If HiGHS does not honour the interrupt within ``STOP_GRACE`` seconds, the answer is built
      from the last incumbent its callbacks reported and ``abandoned`` is set: the HiGHS thread
      is left to finish on its own (a daemon; a command-line process should exit promptly).

    ``progress``, if given, is called with a dict (stage, time, objective, bound, gap) on each
    improving MIP solution and each MIP log line.
    """
    if deadline is not None:
        left = max(deadline - time.perf_counter(), 0.0)
        time_limit = left if time_limit is None else min(time_limit, left)
    h.setOptionValue("output_flag", bool(log))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    if progress is not None and is_mip:
        _watch(h, progress)
    watch = _Watch()
    t0 = time.perf_counter()
    reason: str | None = None
    if direct:
        if stop is not None and stop():
            watch.requested.set()
            reason = "interrupt"
            _subscribe(h, watch, is_mip)
        h.run()
        if reason is None and h.getModelStatus() == _MS.kTimeLimit and deadline is not None:
            reason = "time limit"
    else:
        _subscribe(h, watch, is_mip)
        worker = threading.Thread(target=h.run, name="highs", daemon=True)
        worker.start()
        reason = _wait(worker, watch, stop, deadline)
        if worker.is_alive():
            return _abandoned(watch, reason or "interrupt", time.perf_counter() - t0)
    seconds = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    has_sol = info.primal_solution_status == _FEASIBLE_SOLUTION
    status = map_status(ms, has_sol)
    col_value = np.asarray(h.getSolution().col_value, dtype=float) if has_sol else None
    objective = float(info.objective_function_value) if has_sol else None
    if is_mip:
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        gap = float(info.mip_gap) if has_sol and np.isfinite(info.mip_gap) else None
        nodes = int(info.mip_node_count)
    else:
        bound = objective if status is Status.OPTIMAL else None
        gap = 0.0 if status is Status.OPTIMAL else None
        nodes = 0
    logger.info(
        "HiGHS %s -> %s in %.3fs (objective %s, gap %s)",
        h.modelStatusToString(ms),
        status.value,
        seconds,
        objective,
        gap,
    )
    return HighsAnswer(
        status,
        h.modelStatusToString(ms),
        col_value,
        objective,
        bound,
        gap,
        seconds,
        nodes,
        stopped_by=reason,
    )


def _abandoned(watch: _Watch, reason: str, seconds: float) -> HighsAnswer:
    """The answer when HiGHS did not stop in time: its last reported incumbent, if any."""
    logger.warning(
        "HiGHS did not stop within %.1f s of the %s; using its last incumbent", STOP_GRACE, reason
    )
    text = f"stopped ({reason}); HiGHS did not stop within {STOP_GRACE:.0f} s"
    if watch.solution is None or watch.objective is None:
        return HighsAnswer(
            Status.NO_SOLUTION,
            text,
            None,
            None,
            None,
            None,
            seconds,
            watch.nodes,
            stopped_by=reason,
            abandoned=True,
        )
    bound = watch.bound if watch.bound is not None and np.isfinite(watch.bound) else None
    gap = None
    if bound is not None:
        gap = abs(watch.objective - bound) / max(abs(watch.objective), 1e-9)
    return HighsAnswer(
        Status.FEASIBLE,
        text,
        watch.solution,
        watch.objective,
        bound,
        gap,
        seconds,
        watch.nodes,
        stopped_by=reason,
        abandoned=True,
    )
