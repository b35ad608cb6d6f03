"""Running many independent solves: serially, or in worker processes when that pays."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..instance.instance import Instance
from ..results.plan import Plan
from ..solve import solve
from .explain_common import _AUTO_PARALLEL_SECONDS

logger = logging.getLogger(__name__)


def _pick_workers(workers: int | None, n_tasks: int, base_seconds: float) -> int:
    """Processes to use: explicit, or automatic when the estimated work repays the start-up."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return min(workers, max(1, n_tasks))
    cpus = os.cpu_count() or 1
    n = min(4, cpus, n_tasks)
    if n <= 1 or base_seconds * n_tasks < _AUTO_PARALLEL_SECONDS:
        return 1
    return n


def solve_document(doc: dict[str, Any], options: dict[str, Any]) -> Plan:
    """Validate a schema-1 document and solve it (the unit of work of a worker process)."""
    inst = Instance.from_dict(doc, origin=str(doc.get("name", "<explain>")))
    return solve(inst, **options)


def _run_all(
    tasks: dict[tuple[Any, ...], dict[str, Any]], opts: dict[str, Any], workers: int
) -> dict[tuple[Any, ...], Plan]:
    if workers <= 1 or len(tasks) <= 1:
        return {key: solve_document(d, opts) for key, d in tasks.items()}
    worker_opts = dict(opts)
    if worker_opts.get("threads") is None:
        worker_opts["threads"] = 1  # several processes already share the cores
    # Spawned (not forked) workers: HiGHS keeps a thread pool that must not be forked.
    ctx = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {
                key: pool.submit(solve_document, d, worker_opts) for key, d in _largest_first(tasks)
            }
            return {key: fut.result() for key, fut in futures.items()}
    except (BrokenProcessPool, OSError) as exc:
        logger.warning("worker processes failed (%s); re-solving serially", exc)
        return {key: solve_document(d, opts) for key, d in tasks.items()}


def _largest_first(
    tasks: dict[tuple[Any, ...], dict[str, Any]],
) -> Iterable[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Tasks with the most rules first (usually the slowest), for better load balance."""
    return sorted(tasks.items(), key=lambda kv: -len(kv[1].get("rules", [])))
