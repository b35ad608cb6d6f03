"""Hand the model to HiGHS and read the answer back.

Two routes describe the same matrix (tests compare their objectives):

* ``highspy`` (default): the block matrix is stacked with scipy and passed in one
  ``Highs.passModel`` call. Measured build plus hand-off: 0.4-0.5 s per million nonzeros.
* ``pyomo``: the named Pyomo model is compiled by Pyomo's ``LinearStandardFormCompiler`` to
  scipy CSC and passed the same way. Pyomo's solver plugins (``appsi_highs``, contrib ``highs``)
  add columns one constraint at a time and were 5-6x slower still (shared/notes/
  performance-probe.md), so the library owns this small adapter. Pyomo costs about 20 us per
  row, which on sourcing models (3-4 nonzeros per row) is 6-10 s per million nonzeros: over the
  2 s budget, hence not the default. It remains the route for inspecting the algebraic model.
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
import scipy.sparse as sp

from ..model.core import ModelData
from ..status import Status, map_status

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


def round15(values: np.ndarray) -> np.ndarray:
    """Round to 15 significant digits, the precision HiGHS writes MPS files with.

    Then the model written to MPS (benchmarks, bug reports) is exactly the model solved: a
    coefficient like 0.01 * 9796 = 97.96000000000001 would otherwise come back as 97.96, and
    that alone can send HiGHS's branch and bound down a different path. The change is at most
    5e-16 relative, far below any solver tolerance.
    """
    a = np.asarray(values, dtype=np.float64)
    out = a.copy()
    idx = np.flatnonzero(np.isfinite(a) & (a != 0))
    if not len(idx):
        return out
    v = a[idx]
    # Subnormal values (1e-320) overflow the scale; they fall to the exact path below.
    with np.errstate(over="ignore", invalid="ignore"):
        scale = 10.0 ** (14 - np.floor(np.log10(np.abs(v))))
        fast = np.round(v * scale) / scale
    exact = fast == v  # already short (integers, prices with few decimals): nothing to do
    slow = idx[~exact]
    if len(slow):
        # Exact decimal rounding via text for the few values that need it.
        out[slow] = np.array([float(f"{x:.15g}") for x in a[slow]])
    return out


def _pass(
    h: highspy.Highs,
    a: sp.csc_array,
    cost: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    rlb: np.ndarray,
    rub: np.ndarray,
    integer: np.ndarray,
    offset: float = 0.0,
) -> None:
    n_rows, n_cols = a.shape
    cost, lb, ub, rlb, rub = (round15(v) for v in (cost, lb, ub, rlb, rub))
    status = h.passModel(
        int(n_cols),
        int(n_rows),
        int(a.nnz),
        1,
        1,
        float(offset),
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(lb, dtype=np.float64),
        np.ascontiguousarray(ub, dtype=np.float64),
        np.ascontiguousarray(rlb, dtype=np.float64),
        np.ascontiguousarray(rub, dtype=np.float64),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        round15(a.data),
        integer.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model (passModel returned an error)")


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance (the library never prints; HiGHS logs are opt-in)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def highs_from_data(md: ModelData) -> highspy.Highs:
    """Pass the block model to a new HiGHS instance directly."""
    h = new_highs()
    a, rlb, rub = md.matrix()
    cost, lb, ub, integer = md.column_arrays()
    _pass(h, sp.csc_array(a), cost, lb, ub, rlb, rub, integer)
    return h


def highs_from_pyomo(model: Any, columns: list[Any]) -> tuple[highspy.Highs, np.ndarray]:
    """Compile a Pyomo model to standard form and pass it to HiGHS.

    Returns the HiGHS instance and, for each compiled column, its global column index (the
    compiler drops variables that appear nowhere).
    """
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    info = LinearStandardFormCompiler().write(
        model, mixed_form=True, set_sense=None, column_order=columns
    )
    position = {id(v): j for j, v in enumerate(columns)}
    col_index = np.fromiter(
        (position[id(v)] for v in info.columns), dtype=np.int64, count=len(info.columns)
    )
    n_rows = len(info.rows)
    rhs = np.asarray(info.rhs, dtype=float)
    kind = np.fromiter((r[1] for r in info.rows), dtype=np.int64, count=n_rows)
    # mixed_form: 0 is "== rhs", +1 is "<= rhs", -1 is ">= rhs".
    rlb = np.where(kind <= 0, rhs, -np.inf)
    rub = np.where(kind >= 0, rhs, np.inf)
    lb = np.array([-np.inf if v.lb is None else v.lb for v in info.columns], dtype=float)
    ub = np.array([np.inf if v.ub is None else v.ub for v in info.columns], dtype=float)
    integer = np.array([v.is_integer() or v.is_binary() for v in info.columns], dtype=bool)
    cost = np.asarray(info.c.toarray()).ravel() if info.c.shape[0] else np.zeros(len(lb))
    offset = float(info.c_offset[0]) if len(info.c_offset) else 0.0
    h = new_highs()
    _pass(h, sp.csc_array(info.A), cost, lb, ub, rlb, rub, integer, offset)
    return h, col_index


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
) -> HighsAnswer:
    """Run HiGHS with our options and map its answer through the status table.

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
    _subscribe(h, watch, is_mip)
    t0 = time.perf_counter()
    worker = threading.Thread(target=h.run, name="highs", daemon=True)
    worker.start()
    reason = _wait(worker, watch, stop, deadline)
    seconds = time.perf_counter() - t0
    if worker.is_alive():
        return _abandoned(watch, reason or "interrupt", seconds)
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
