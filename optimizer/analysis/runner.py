"""The one execution layer: run one picklable function over many payloads, serially, in warm
local processes, or on Dask. Sweep, explain, compare and stress all run their solves through it.

* ``workers=1``: in this process, one after the other;
* ``workers=N``: N local worker processes (``ProcessPoolExecutor`` with the *spawn* context:
  forking a process that holds HiGHS threads is unsafe), kept for every task of the call;
* default: serial unless the work repays the processes (:func:`plan_workers`): a spawned worker
  imports trustsource, pandas and HiGHS before its first task (about 2 s CPU), so small work, or
  any work on a machine without idle cores, runs faster in this process. Without an estimate of
  a task's time the first task runs here and is timed, and the decision is taken for the rest.
  The instance travels with each task as a plain document (each explain, compare or stress task
  is a different document, and pickling one is milliseconds even at 10k offers; a per-worker
  copy would not pay);
* ``scheduler="tcp://host:port"``: a Dask distributed cluster (``distributed.Client``).

The modes give identical results; only the wall time differs. Failures are results, not
exceptions: a task that raises, a worker process that dies or a task that runs longer than
``timeout`` gives an :class:`Outcome` with ``ok`` False and the error text, and the other tasks
complete. Outcomes come back in payload order.

A task's timeout counts from the start of its own work: local workers report when they begin a
task (after their start-up and the import of the task's code), Dask when the scheduler reports it
processing. A timed-out local task is stopped by terminating its pool (the other unfinished tasks
are resubmitted); a timed-out Dask task is cancelled (its worker thread may run on until the
call returns). In the serial mode nothing can be interrupted: a task that exceeded ``timeout`` is
reported as timed out once it returns, so the outcomes still match the other modes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..instance.instance import Instance
from ..results.plan import Plan
from ..solve import solve
from ..solve.blocks import Reuse

Progress = Callable[[int, int], None]
Key = tuple[Any, ...]
logger = logging.getLogger(__name__)
_POLL = 0.1

WORKER_START_SECONDS = 2.0
"""CPU seconds a spawned worker spends before its first task: importing trustsource's solve
path (pandas, scipy.sparse, pydantic, HiGHS). Measured 1.9-2.0 s CPU on the 2-core CI machine
(benchmarks/README.md, "Runner"); on a loaded machine the wall time is 2-4x that."""
AUTO_PARALLEL_SECONDS = 4 * WORKER_START_SECONDS
"""Below this much estimated serial work the default runs serially. With ``n`` workers on
``n`` idle cores the work ``W`` takes about ``START + W / n`` instead of ``W``: two workers
break even at ``W = 2 * START`` (4 s); the rule asks twice that, because the first solve in a
fresh worker also warms caches this process already has and a machine is rarely all idle.
Measured before this rule: a 20-point sweep of critical-minerals (0.1-0.3 s a point) took 2.7x
longer in 2 workers than here, explain 3.5x."""
MAX_AUTO_WORKERS = 4
"""Most processes the default starts (HiGHS also uses threads; more rarely pays)."""


def idle_cores() -> int:
    """Cores not busy with other work now: the core count less the 1-minute load average (this
    process counts in the load, so it is added back); the core count where no load average
    exists. Worker processes only pay on idle cores: on a loaded machine they share the same
    cores with each other and with the caller, and add only their start-up."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows: no load average
        return cores
    return max(1, min(cores, int(cores - load + 1.5)))


class Batch(list["Outcome"]):
    """The outcomes of :func:`run_many`, in payload order, with the processes used (1: this
    process)."""

    workers: int = 1


def plan_workers(
    workers: int | None, n_tasks: int, task_seconds: float | None, cores: int | None = None
) -> int:
    """Processes to use: ``workers`` when given, else more than one only when the estimated
    serial work (``n_tasks * task_seconds``) reaches :data:`AUTO_PARALLEL_SECONDS` and at least
    two cores are idle (``cores``; None: :func:`idle_cores` now)."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return min(workers, max(1, n_tasks))
    if task_seconds is None or task_seconds * n_tasks < AUTO_PARALLEL_SECONDS:
        return 1
    n = min(MAX_AUTO_WORKERS, idle_cores() if cores is None else cores, n_tasks)
    return max(1, n)


@dataclass
class Outcome:
    """The result of one task: ``value`` when ``ok``, else ``error`` says what went wrong."""

    index: int
    ok: bool
    value: Any = None
    error: str = ""
    seconds: float = 0.0  # wall time of the call in the worker (0 when it never returned)


def _call(fn: Callable[[Any], Any], payload: Any) -> tuple[bool, Any, float]:
    """Run ``fn(payload)`` in a worker; an exception becomes ``(False, text, seconds)``."""
    t0 = time.perf_counter()
    try:
        value = fn(payload)
    except Exception as exc:  # noqa: BLE001 - reported in the Outcome
        tb = traceback.format_exc(limit=-3)
        return False, f"{type(exc).__name__}: {exc}\n{tb}", time.perf_counter() - t0
    return True, value, time.perf_counter() - t0


# The queue a worker process reports task starts on: set once per worker process by the pool's
# initializer (process-local, never shared or mutated by the library in the caller's process).
_BEGUN: Any = None


def _worker_init(begun: Any) -> None:
    global _BEGUN
    _BEGUN = begun


def _call_reporting(fn: Callable[[Any], Any], payload: Any, index: int) -> tuple[bool, Any, float]:
    """:func:`_call` in a worker, first telling the parent the task's own work begins now."""
    if _BEGUN is not None:
        _BEGUN.put((index, time.time()))
    return _call(fn, payload)


def _outcome(index: int, result: tuple[bool, Any, float], timeout: float | None) -> Outcome:
    ok, value, secs = result
    if ok and timeout is not None and secs > timeout:
        return Outcome(index, False, None, f"timed out: took {secs:.3g} s > {timeout:g} s", secs)
    if ok:
        return Outcome(index, True, value, "", secs)
    return Outcome(index, False, None, str(value), secs)


def run_many(
    fn: Callable[[Any], Any],
    payloads: Sequence[Any],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float | None = None,
    progress: Progress | None = None,
    task_seconds: float | None = None,
) -> Batch:
    """Run ``fn`` (a picklable top-level function) on every payload; outcomes in payload order.

    Args:
        fn: a module-level function of one argument (it is pickled for worker processes).
        payloads: picklable arguments, one per task.
        workers: local processes; 1 runs serially in this process; None decides by
            :func:`plan_workers` (ignored on Dask).
        scheduler: a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
            when given, tasks run on that cluster.
        timeout: seconds a single task may run (None: no limit).
        progress: called with ``(done, total)`` each time a task finishes.
        task_seconds: the expected time of one task (e.g. the base solve's), for the default
            decision; None times the first task in this process.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be > 0, got {timeout}")
    total = len(payloads)
    out = Batch()
    if total == 0:
        return out
    if scheduler is not None:
        out.extend(_run_dask(fn, payloads, scheduler, timeout, progress))
        out.workers = 0  # not local processes
        return out
    first = 0
    if workers is None and task_seconds is None:
        # No estimate: the first task runs here and its time decides for the others.
        out.append(_outcome(0, _call(fn, payloads[0]), timeout))
        if progress is not None:
            progress(1, total)
        task_seconds, first = out[0].seconds, 1
    n = plan_workers(workers, total - first, task_seconds)
    rest = payloads[first:]

    def shifted(done: int, _total: int) -> None:
        if progress is not None:
            progress(done + first, total)

    if n <= 1:
        for k, p in enumerate(rest, start=first):
            out.append(_outcome(k, _call(fn, p), timeout))
            shifted(k + 1 - first, total)
    else:
        for o in _run_local(fn, rest, n, timeout, shifted):
            o.index += first
            out.append(o)
        out.workers = n
    return out


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now, killing workers that are still running a task."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    for proc in procs:
        proc.join(timeout=5)


def _run_local(
    fn: Callable[[Any], Any],
    payloads: Sequence[Any],
    workers: int,
    timeout: float | None,
    progress: Progress | None,
) -> list[Outcome]:
    total = len(payloads)
    results: dict[int, Outcome] = {}
    todo = list(range(total))
    isolate = False  # after a worker died: one process, so the culprit is identifiable
    ctx = multiprocessing.get_context("spawn")

    def done(o: Outcome) -> None:
        results[o.index] = o
        if progress is not None:
            progress(len(results), total)

    while todo:
        begun = ctx.Queue()  # (task, wall time) as each worker starts a task
        pool = ProcessPoolExecutor(
            max_workers=1 if isolate else workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(begun,),
        )
        futures: dict[Future[Any], int] = {
            pool.submit(_call_reporting, fn, payloads[k], k): k for k in todo
        }
        started: dict[int, float] = {}
        pending = set(futures)
        broken = restart = False
        try:
            while pending:
                finished, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=futures.__getitem__):
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken = True
                    elif exc is not None:
                        done(Outcome(futures[fut], False, None, f"{type(exc).__name__}: {exc}"))
                    else:
                        done(_outcome(futures[fut], fut.result(), timeout))
                if broken:
                    break
                if timeout is not None:
                    while True:
                        try:
                            k, at = begun.get_nowait()
                        except queue.Empty:
                            break
                        started[k] = at
                    now = time.time()
                    late = [f for f in pending if now - started.get(futures[f], now) > timeout]
                    for fut in late:
                        done(
                            Outcome(
                                futures[fut],
                                False,
                                None,
                                f"timed out: still running after {timeout:g} s",
                            )
                        )
                    if late:
                        restart = True
                        break
        finally:
            if broken or restart:
                _terminate(pool)
            else:
                pool.shutdown(wait=True)
        todo = [k for k in todo if k not in results]
        if broken:
            if isolate:
                # One worker runs the tasks in order: the first unfinished one killed it.
                culprit = todo.pop(0)
                done(
                    Outcome(
                        culprit,
                        False,
                        None,
                        "worker process died (BrokenProcessPool) while running this task",
                    )
                )
            isolate = True
    return [results[k] for k in range(total)]


def _run_dask(
    fn: Callable[[Any], Any],
    payloads: Sequence[Any],
    scheduler: Any,
    timeout: float | None,
    progress: Progress | None,
) -> list[Outcome]:
    import distributed

    own = not isinstance(scheduler, distributed.Client)
    client = distributed.Client(scheduler) if own else scheduler  # type: ignore[no-untyped-call]
    total = len(payloads)
    results: dict[int, Outcome] = {}
    try:
        futures = client.map(partial(_call, fn), list(payloads), pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        started: dict[str, float] = {}
        pending = set(futures)
        while pending:
            try:
                finished, still = distributed.wait(  # type: ignore[no-untyped-call]
                    list(pending), timeout=_POLL, return_when="FIRST_COMPLETED"
                )
                pending = set(still)
            except TimeoutError:
                finished = set()
            for fut in sorted(finished, key=lambda f: index[f.key]):
                k = index[fut.key]
                if fut.status == "finished":
                    results[k] = _outcome(k, fut.result(), timeout)
                else:
                    try:
                        exc = fut.exception()
                        text = f"{type(exc).__name__}: {exc}"
                    except Exception as err:  # noqa: BLE001 - lost/cancelled futures
                        text = f"{type(err).__name__}: {err}"
                    results[k] = Outcome(k, False, None, f"dask task failed ({fut.status}): {text}")
                if progress is not None:
                    progress(len(results), total)
            if timeout is not None and pending:
                now = time.monotonic()
                running = {key for keys in client.processing().values() for key in keys}
                for fut in pending:
                    if fut.key in running:
                        started.setdefault(fut.key, now)
                late = [f for f in pending if now - started.get(f.key, now) > timeout]
                if late:
                    client.cancel(late)
                    for fut in late:
                        k = index[fut.key]
                        results[k] = Outcome(
                            k, False, None, f"timed out: still running after {timeout:g} s"
                        )
                        if progress is not None:
                            progress(len(results), total)
                    pending -= set(late)
    finally:
        if own:
            client.close()
    return [results[k] for k in range(total)]


def solve_document(payload: tuple[dict[str, Any] | Instance, dict[str, Any]]) -> Plan:
    """Validate a schema-1 document and solve it (the unit of work of explain, compare and
    stress; a worker rebuilds the instance from the document it is sent). In this process the
    caller may pass the instance it already validated from that document instead."""
    doc, options = payload
    if isinstance(doc, Instance):
        return solve(doc, **options)
    inst = Instance.from_dict(doc, origin=str(doc.get("name", "<task>")))
    return solve(inst, **options)


def solve_all(
    tasks: dict[Key, dict[str, Any]],
    options: dict[str, Any],
    *,
    workers: int | None = None,
    task_seconds: float | None = None,
    progress: Progress | None = None,
    reuse: Reuse | None = None,
    validated: Mapping[Key, Instance] | None = None,
    task_options: Mapping[Key, dict[str, Any]] | None = None,
) -> tuple[dict[Key, Plan], int]:
    """Solve every task's document with ``options``: the plans by key, and the processes used
    (``progress``: called with ``(done, total)`` as solves finish).

    ``reuse``: the analysis's block store (:class:`trustsource.solve.blocks.Reuse`); when the
    solves run in this process each one answers the blocks it shares with an earlier solve from
    it. Worker processes solve whole documents, as without it.

    ``validated``: instances the caller already built from some tasks' documents, used instead
    of validating them again when the solves run here. ``task_options``: options of single
    tasks over ``options`` (e.g. ``tables`` for a re-solve whose cost alone is read).

    Tasks with the most rules go first (usually the slowest), for load balance. A task that
    fails raises :class:`RuntimeError` with the worker's message: these analyses need every
    plan (the sweep, which can show a failed point, uses :func:`run_many` directly).
    """
    keys = sorted(tasks, key=lambda k: -len(tasks[k].get("rules", [])))
    n = plan_workers(workers, len(keys), task_seconds)
    opts = dict(options)
    if n > 1 and opts.get("threads") is None:
        opts["threads"] = 1  # several processes already share the cores
    if n == 1 and reuse is not None:
        opts["reuse"] = reuse  # the same object: serial solves run in this process
    mine = validated if n == 1 and validated is not None else {}
    extra = task_options or {}
    payloads = [(mine.get(k, tasks[k]), {**opts, **extra.get(k, {})}) for k in keys]
    batch = run_many(solve_document, payloads, workers=n, progress=progress)
    failed = [o.error for o in batch if not o.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(keys)} solves failed: {failed[0]}")
    logger.debug("solved %d documents in %d process(es)", len(keys), batch.workers)
    return {k: o.value for k, o in zip(keys, batch)}, batch.workers
