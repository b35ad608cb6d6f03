"""Related solves against one solve (issue 20, part 3): explain and a 20-point sweep.

For each bundled instance: the best of ``--repeat`` plain ``trustsource.solve`` runs, the best
of ``--repeat`` ``trustsource.explain(workers=1)`` runs and one 20-point
``trustsource.sweep(workers=1)`` of the instance's first share rule (``max_share`` from 0.40
to 0.99, or ``min_share`` from 0.01 to 0.60), all in this process, serially. It prints and
appends to ``--out`` the seconds and the ratios explain / solve and sweep / solve, with the
answers the analyses give (cost of trust, the sweep's costs summed), so runs of two checkouts
can be compared number for number. Run it against the release by putting a folder holding a
``trustsource`` symlink to that checkout's ``optimizer/`` first on ``PYTHONPATH``::

    python benchmarks/resolve.py --tag new
    PYTHONPATH=/work/basepath python benchmarks/resolve.py --tag release
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trustsource as ts
from trustsource.analysis.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ["critical-minerals", "ai-stack", "chips", "energy"]
COLUMNS = [
    "tag",
    "instance",
    "solve_s",
    "explain_s",
    "explain_ratio",
    "sweep_s",
    "sweep_ratio",
    "cost_of_trust",
    "sweep_cost_sum",
    "load",
]


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The shortest of ``repeat`` runs and the last result."""
    out, shortest = None, float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        shortest = min(shortest, time.perf_counter() - t0)
    return shortest, out


def sweep_args(inst: Any) -> dict[str, Any] | None:
    """The first share rule of the instance and a 20-point range of its limit."""
    for r in inst.rules:
        if getattr(r, "max_share", None) is not None and r.kind in ("country_cap", "supplier_cap"):
            return {"rule": r.name, "param": "max_share", "start": 0.40, "stop": 0.99}
        if getattr(r, "min_share", None) is not None and r.kind == "bloc_share":
            return {"rule": r.name, "param": "min_share", "start": 0.01, "stop": 0.60}
    return None


def measure(name: str, repeat: int) -> dict[str, Any]:
    inst = ts.load(str(ROOT / "instances" / f"{name}.yaml"))
    ts.solve(inst)  # warm: imports and HiGHS's thread pool
    one, _ = best(lambda: ts.solve(inst), repeat)
    ex_s, ex = best(lambda: ts.explain(inst, workers=1), repeat)
    row: dict[str, Any] = {
        "instance": name,
        "solve_s": round(one, 4),
        "explain_s": round(ex_s, 4),
        "explain_ratio": round(ex_s / one, 2),
        "cost_of_trust": ex.cost_of_trust,
    }
    args = sweep_args(inst)
    if args is not None:
        step = (args["stop"] - args["start"]) / 19
        sw_s, sw = best(lambda: sweep(inst, **args, step=step, workers=1), 1)
        row["sweep_s"] = round(sw_s, 4)
        row["sweep_ratio"] = round(sw_s / one, 2)
        row["sweep_cost_sum"] = float(sw.table["cost"].fillna(0).sum())
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", default=",".join(INSTANCES))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tag", default="")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "resolve.csv"))
    args = ap.parse_args()
    out = Path(args.out)
    new = not out.exists()
    with out.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        if new:
            writer.writeheader()
        for name in args.instances.split(","):
            row = measure(name, args.repeat)
            row["tag"] = args.tag
            row["load"] = round(os.getloadavg()[0], 2)
            writer.writerow(row)
            fh.flush()
            print(
                f"{args.tag:8} {name:18} solve {row['solve_s']:.3f}s  "
                f"explain {row['explain_s']:.3f}s ({row['explain_ratio']:.1f}x)  "
                f"sweep20 {row.get('sweep_s', float('nan')):.3f}s "
                f"({row.get('sweep_ratio', float('nan')):.1f}x)  load {row['load']}"
            )


if __name__ == "__main__":
    main()
