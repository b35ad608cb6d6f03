"""How the phases of one solve grow with the instance: load, build, hand-off, HiGHS, results,
verify, for generated instances of 1k to 300k offers (see ``generate.py``).

The target of the results phase is linear growth: results + verify at most 1.5x the build at
every size. Prints one row per size (minimum of ``--repeat`` solves of the same loaded instance).

    python benchmarks/generate.py --n 100000 --seed 0 --write /tmp/gen100000
    python benchmarks/results_scaling.py --sizes 1000,10000,100000 --folder /tmp/gen{n}
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import trustsource

PHASES = ("build", "handoff", "solve", "results", "verify")


def measure(path: Path, repeat: int, time_limit: float) -> dict[str, float]:
    t0 = time.perf_counter()
    inst = trustsource.load(path)
    best: dict[str, float] = {"load": time.perf_counter() - t0}
    for _ in range(repeat):
        plan = trustsource.solve(inst, time_limit=time_limit)
        for phase in PHASES:
            value = float(plan.timings.get(phase, float("nan")))
            best[phase] = min(best.get(phase, float("inf")), value)
        best["status"] = plan.status.value  # type: ignore[assignment]
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--folder", default="/tmp/gen{n}", help="instance folder per size")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=600.0)
    ns = parser.parse_args(argv)
    print("offers | status | load | " + " | ".join(PHASES) + " | (results+verify)/build")
    for n in (int(x) for x in ns.sizes.split(",")):
        row = measure(Path(ns.folder.format(n=n)) / "instance.yaml", ns.repeat, ns.time_limit)
        ratio = (row["results"] + row["verify"]) / row["build"]
        cells = " | ".join(f"{row[p]:.3f}" for p in ("load", *PHASES))
        print(f"{n:,} | {row['status']} | {cells} | {ratio:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
