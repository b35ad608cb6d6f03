"""Benchmark of ``sweep``: 50 points of critical-minerals crma-65 max_share 0.99 -> 0.50.

Runs the sweep serially, with 2 local worker processes and on a Dask LocalCluster (2 worker
processes on loopback), and prints wall time, speed-up over serial and the per-point overhead
against one plain :func:`trustsource.solve`. Usage: ``python benchmarks/sweep.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import trustsource
from trustsource.analysis.sweep import sweep

INSTANCE = Path(__file__).resolve().parents[1] / "instances" / "critical-minerals.yaml"
RANGE = {"rule": "crma-65", "param": "max_share", "start": 0.99, "stop": 0.50, "step": 0.01}


def main() -> None:
    """Run the three modes and print the comparison."""
    inst = trustsource.load(INSTANCE)
    trustsource.solve(inst)  # warm-up
    t0 = time.perf_counter()
    plan = trustsource.solve(inst)
    one = time.perf_counter() - t0
    tm = plan.timings
    print(
        f"one plain solve: {one:.3f} s (build {tm.get('build', 0):.3f}, handoff "
        f"{tm.get('handoff', 0):.3f}, HiGHS {tm.get('solve', 0):.3f}, results "
        f"{tm.get('results', 0):.3f})"
    )
    rows = []
    for label, kw in (("serial", {"workers": 1}), ("2 workers", {"workers": 2})):
        t0 = time.perf_counter()
        res = sweep(inst, **RANGE, **kw)
        rows.append((label, time.perf_counter() - t0, res))
    try:
        import distributed
    except ImportError:
        print("distributed not installed: Dask skipped")
    else:
        t0 = time.perf_counter()
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            t_up = time.perf_counter() - t0
            t1 = time.perf_counter()
            res = sweep(inst, **RANGE, scheduler=cluster.scheduler_address)
            rows.append(
                (f"dask 2 procs (+{t_up:.1f} s cluster start)", time.perf_counter() - t1, res)
            )
    serial = rows[0][1]
    n = len(rows[0][2].table)
    print(f"{n} points")
    print(f"{'mode':42} {'wall s':>8} {'speed-up':>9} {'per point s':>12} {'overhead/pt':>12}")
    for label, wall, res in rows:
        assert res.table.drop(columns="solve_seconds").equals(
            rows[0][2].table.drop(columns="solve_seconds")
        ), label
        print(
            f"{label:42} {wall:8.2f} {serial / wall:9.2f} {wall / n:12.3f} {wall / n - one:12.3f}"
        )
    print(f"breaking point: {rows[0][2].breaking_point}")


if __name__ == "__main__":
    main()
