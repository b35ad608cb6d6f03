"""The one execution layer (trustsource.analysis.runner): serial when work is small, the same
results in every mode, and a task's timeout counted from the start of its own work."""

from __future__ import annotations

import os
from importlib.resources import files

import pytest
import runner_tasks
import trustsource
from trustsource.analysis.runner import (
    AUTO_PARALLEL_SECONDS,
    idle_cores,
    plan_workers,
    run_many,
    solve_all,
)


def test_small_work_runs_in_this_process() -> None:
    assert plan_workers(None, 20, 0.1) == 1  # 2 s of work: processes would cost more
    assert plan_workers(None, 1, 100.0) == 1  # one task: nothing to share
    assert plan_workers(None, 20, None) == 1  # no estimate: never guess processes
    assert plan_workers(3, 20, 0.001) == 3  # an explicit choice is kept
    assert plan_workers(8, 2, 0.001) == 2  # but never more processes than tasks
    with pytest.raises(ValueError, match="workers must be >= 1"):
        plan_workers(0, 5, 1.0)


def test_large_work_uses_idle_cores_only() -> None:
    assert plan_workers(None, 10, AUTO_PARALLEL_SECONDS, cores=2) == 2
    assert plan_workers(None, 10, AUTO_PARALLEL_SECONDS, cores=16) == 4  # at most 4 by default
    assert plan_workers(None, 3, 100.0, cores=16) == 3  # no more processes than tasks
    # Every core busy: processes would share the caller's cores and add only their start-up.
    assert plan_workers(None, 10, 100.0, cores=1) == 1
    assert plan_workers(None, 10, AUTO_PARALLEL_SECONDS * 0.99 / 10, cores=8) == 1
    assert 1 <= idle_cores() <= (os.cpu_count() or 1)


def test_default_times_the_first_task_and_stays_serial_for_small_work() -> None:
    batch = run_many(runner_tasks.square, [1.0, 2.0, 3.0])
    assert batch.workers == 1
    assert [o.value for o in batch] == [1.0, 4.0, 9.0]
    assert [o.index for o in batch] == [0, 1, 2]


def test_processes_give_the_serial_results_in_order() -> None:
    serial = run_many(runner_tasks.square, [3.0, 1.0, 2.0, 5.0], workers=1)
    pooled = run_many(runner_tasks.square, [3.0, 1.0, 2.0, 5.0], workers=2)
    assert pooled.workers == 2
    assert [o.value for o in pooled] == [o.value for o in serial] == [9.0, 1.0, 4.0, 25.0]


def test_timeout_counts_the_task_not_the_worker_start_up() -> None:
    # Each new worker spends IMPORT_SECONDS (2 s) importing the task's module before the task
    # (0.2 s) begins; a 1.5 s timeout counted from the hand-over would time every task out.
    batch = run_many(runner_tasks.nap, [0.2, 0.2, 0.2], workers=2, timeout=1.5)
    assert all(o.ok for o in batch), [o.error for o in batch]
    # A task that really overruns is still stopped, and the others complete.
    batch = run_many(runner_tasks.nap, [0.1, 30.0, 0.1], workers=2, timeout=1.5)
    assert [o.ok for o in batch] == [True, False, True]
    assert "timed out" in batch[1].error


def test_dask_gives_the_serial_results() -> None:
    distributed = pytest.importorskip("distributed")
    # An in-process cluster (threads, no processes): the Dask path of run_many, end to end.
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        batch = run_many(runner_tasks.square, [3.0, 1.0, 2.0], scheduler=client)
        failing = run_many(runner_tasks.square, ["x"], scheduler=client)
    assert batch.workers == 0
    assert [o.value for o in batch] == [9.0, 1.0, 4.0]
    assert not failing[0].ok
    assert "TypeError" in failing[0].error


def test_solve_all_matches_serial_solves() -> None:
    inst = trustsource.load(str(files("trustsource.instances") / "gallium-demo.yaml"))
    doc = inst.to_dict()
    tasks = {("base",): doc, ("no rules",): {**doc, "rules": [], "variants": {}}}
    opts = {"mip_rel_gap": 0.0}
    serial, used = solve_all(tasks, opts, workers=1)
    pooled, used2 = solve_all(tasks, opts, workers=2)
    assert (used, used2) == (1, 2)
    for key in tasks:
        assert pooled[key].objective == pytest.approx(serial[key].objective, rel=1e-9)
    assert serial[("base",)].objective == pytest.approx(trustsource.solve(inst).objective)
