"""What a full range run of ``trustsource.alternatives`` costs, serial and in parallel.

For each case (the bundled ``instances/critical-minerals.yaml`` and a generated instance from
``generate.py``: ``--items`` items x ``--per-item`` offers, ``default`` rules, a 35 % country cap
and a 30 % allied floor) the script runs ``trustsource.alternatives`` over all items, by country,
with ``--slack`` (0.02), for every ``count`` of ``--counts`` (diverse plans; 0: ranges only) and
with ``workers=1`` and ``workers=--workers``. Per run it prints the wall time, the range tasks
(one per item), the MIP solves of the ranges (the sum of ``ranges["solves"]``), the share of
range ends proven, the optimum's own time (``timings["optimum"]``), the run over the optimum,
and the speed-up of the parallel run over the serial one with the same ``count``. It also counts
the range ends settled without a solve, from the plans already found (the plan pool): the rows
with ``solves == 0`` (both ends known) and every end with no solve of its own
(``min_solves``/``max_solves`` of the ranges table are 0)::

    python benchmarks/alternatives_scaling.py --items 10 --per-item 100 --counts 0,3 --workers 2

The rows go to stdout as a markdown table and, with every run's timings, to
``benchmarks/results/alternatives.json`` (``--out``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import trustsource
from generate import generate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HEADER = (
    "| case | offers | count | workers | wall (s) | ranges (s) | plans (s) | range tasks | "
    "ranges | MIP solves | ends proven | rows with 0 solves | ends known | "
    "optimum (s) | run / optimum | speed-up |"
)


def measure(
    name: str,
    inst: trustsource.Instance,
    *,
    slack: float,
    count: int,
    workers: int,
    time_limit: float | None,
) -> dict[str, Any]:
    """One full run of ``alternatives`` on ``inst``, as a record of its figures."""
    t0 = time.perf_counter()
    res = trustsource.alternatives(
        inst, slack=slack, count=count, by="country", workers=workers, time_limit=time_limit
    )
    wall = time.perf_counter() - t0
    r = res.ranges
    n = len(r)
    solves = [int(s) for s in r["solves"]]
    ends_proven = int(r["min_proven"].sum()) + int(r["max_proven"].sum())
    zero = sum(1 for s in solves if s == 0)
    optimum = float(res.timings.get("optimum", float("nan")))
    return {
        "case": name,
        "offers": len(inst.suppliers),
        "count": count,
        "workers_asked": workers,
        "workers_used": res.workers,
        "wall_s": wall,
        "timings": dict(res.timings),
        "range_tasks": len(set(r["item"])) if n else 0,
        "ranges": n,
        "mip_solves": sum(solves),
        "ends_proven": ends_proven,
        "ends_proven_share": ends_proven / (2 * n) if n else float("nan"),
        "rows_zero_solves": zero,
        "ends_known": int((r["min_solves"] == 0).sum() + (r["max_solves"] == 0).sum()),
        # HiGHS time of the bounds, in all and of the item that took longest (a range task):
        # two workers cannot finish before that item, nor in less than half the sum.
        "bound_solve_s": float(r["seconds"].sum()) if n else 0.0,
        "longest_item_s": float(r.groupby("item")["seconds"].sum().max()) if n else 0.0,
        "roles": {str(k): int(v) for k, v in r["role"].value_counts().items()},
        "optimum_s": optimum,
        "run_over_optimum": wall / optimum if optimum > 0 else float("nan"),
        "optimum_status": res.optimum.status.value,
        "objective": res.optimum.objective,
        "plans": len(res.plans),
        "plans_verified": sum(1 for a in res.plans if a.plan.verified),
        "plans_note": res.plans_note,
        "message": res.message,
    }


def row(rec: dict[str, Any], speed_up: float | None) -> str:
    """A markdown row of ``rec``."""
    tm = rec["timings"]
    plans = f"{tm['plans']:.2f}" if "plans" in tm else "-"
    known = f"{rec['ends_known']} of {2 * rec['ranges']}"
    return (
        f"| {rec['case']} | {rec['offers']:,} | {rec['count']} | {rec['workers_used']} | "
        f"{rec['wall_s']:.2f} | {tm.get('ranges', 0.0):.2f} | {plans} | {rec['range_tasks']} | "
        f"{rec['ranges']} | {rec['mip_solves']} | {rec['ends_proven_share']:.1%} | "
        f"{rec['rows_zero_solves']} | {known} | {rec['optimum_s']:.2f} | "
        f"{rec['run_over_optimum']:.0f} | {'-' if speed_up is None else f'{speed_up:.2f}'} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="critical-minerals,generated")
    parser.add_argument("--items", type=int, default=10, help="items of the generated instance")
    parser.add_argument("--per-item", type=int, default=100, help="offers per generated item")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slack", type=float, default=0.02)
    parser.add_argument("--counts", default="0,3", help="diverse plans per run (0: none)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per solve")
    parser.add_argument("--out", default=str(HERE / "results" / "alternatives.json"))
    ns = parser.parse_args(argv)
    cases: dict[str, trustsource.Instance] = {}
    for case in ns.cases.split(","):
        if case == "generated":
            doc = generate(
                ns.items * ns.per_item, seed=ns.seed, items=ns.items, per_item=ns.per_item
            )
            cases[f"generated {ns.items}x{ns.per_item}"] = trustsource.Instance.from_dict(doc)
        else:
            cases[case] = trustsource.load(ROOT / "instances" / f"{case}.yaml")
    trustsource.solve(next(iter(cases.values())))  # warm-up: imports out of the timings
    print(HEADER)
    print("|" + "---|" * HEADER.count(" | ") + "---|")
    records: list[dict[str, Any]] = []
    for name, inst in cases.items():
        for count in (int(c) for c in ns.counts.split(",")):
            serial = None
            for workers in dict.fromkeys((1, ns.workers)):
                rec = measure(
                    name,
                    inst,
                    slack=ns.slack,
                    count=count,
                    workers=workers,
                    time_limit=ns.time_limit,
                )
                speed = None
                if serial is None:
                    serial = rec
                else:
                    speed = serial["wall_s"] / rec["wall_s"]
                    rec["speed_up"] = speed
                records.append(rec)
                print(row(rec, speed), flush=True)
    out = Path(ns.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "command": "python benchmarks/alternatives_scaling.py "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "date": time.strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "slack": ns.slack,
        "by": "country",
        "time_limit": ns.time_limit,
    }
    out.write_text(json.dumps({**meta, "runs": records}, indent=2, default=str), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
