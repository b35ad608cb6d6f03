"""Run one picklable function over many payloads: serially, in local processes, or on Dask.

:func:`run_many` is the execution layer of the sweep (and anything else that runs many
independent solves). The three modes give identical results; only the wall time differs:

* ``workers=1``: in this process, one after the other;
* default: local worker processes (``ProcessPoolExecutor`` with the *spawn* context: forking a
  process that holds HiGHS threads is unsafe);
* ``scheduler="tcp://host:port"``: a Dask distributed cluster (``distributed.Client``).

Failures are results, not exceptions: a task that raises, a worker process that dies or a task
that runs longer than ``timeout`` gives an :class:`Outcome` with ``ok`` False and the error
text, and the other tasks complete. Outcomes come back in payload order.

Timeouts are measured from the moment a task is handed to a worker (local processes: when the
pool moves it to its call queue; Dask: when the scheduler reports it processing). A timed-out
local task is stopped by terminating its pool (the other unfinished tasks are resubmitted); a
timed-out Dask task is cancelled (its worker thread may run on until the call returns). In the
serial mode nothing can be interrupted: a task that exceeded ``timeout`` is reported as timed
out once it returns, so the outcomes still match the other modes.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Any

Progress = Callable[[int, int], None]
_POLL = 0.1


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
) -> list[Outcome]:
    """Run ``fn`` (a picklable top-level function) on every payload; outcomes in payload order.

    Args:
        fn: a module-level function of one argument (it is pickled for worker processes).
        payloads: picklable arguments, one per task.
        workers: processes (local) or ignored on Dask; 1 runs serially in this process;
            None uses ``min(cpu count, tasks)`` local processes.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``;
            when given, tasks run on that cluster.
        timeout: seconds a single task may run (None: no limit).
        progress: called with ``(done, total)`` each time a task finishes.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be > 0, got {timeout}")
    total = len(payloads)
    if total == 0:
        return []
    if scheduler is not None:
        return _run_dask(fn, payloads, scheduler, timeout, progress)
    n = workers if workers is not None else min(os.cpu_count() or 1, total)
    if n <= 1:
        out = []
        for k, p in enumerate(payloads):
            out.append(_outcome(k, _call(fn, p), timeout))
            if progress is not None:
                progress(k + 1, total)
        return out
    return _run_local(fn, payloads, min(n, total), timeout, progress)


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
        pool = ProcessPoolExecutor(max_workers=1 if isolate else workers, mp_context=ctx)
        futures: dict[Future[Any], int] = {pool.submit(_call, fn, payloads[k]): k for k in todo}
        started: dict[Future[Any], float] = {}
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
                    now = time.monotonic()
                    for fut in pending:
                        if fut.running():
                            started.setdefault(fut, now)
                    late = [f for f in pending if now - started.get(f, now) > timeout]
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
    client = distributed.Client(scheduler) if own else scheduler
    total = len(payloads)
    results: dict[int, Outcome] = {}
    try:
        futures = client.map(partial(_call, fn), list(payloads), pure=False)
        index = {f.key: k for k, f in enumerate(futures)}
        started: dict[str, float] = {}
        pending = set(futures)
        while pending:
            try:
                finished, still = distributed.wait(
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
