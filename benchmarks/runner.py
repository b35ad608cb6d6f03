"""Serial against parallel: does the default of the runner ever lose to running in this process?

Times whole commands (``trustsource sweep``/``explain``/``compare``/``stress`` as a user runs them)
with ``--workers 1``, the default, and ``--workers 2``; prints the minimum of ``--repeat`` runs
each and the ratios. The default should never be slower than serial beyond noise: it runs
serially unless the estimated work repays starting worker processes
(:func:`trustsource.analysis.runner.plan_workers`).

    python benchmarks/runner.py                      # the bundled instances
    python benchmarks/runner.py --repeat 5 --extra /tmp/gen10k/instance.yaml
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MINERALS = str(REPO / "instances" / "critical-minerals.yaml")
CHIPS = str(REPO / "instances" / "chips.yaml")

CASES = {
    "sweep critical-minerals, 20 points": [
        "sweep", MINERALS, "--rule", "crma-65", "--param", "max_share",
        "--from", "0.95", "--to", "0.36", "--step", "0.03",
    ],
    "explain critical-minerals": ["explain", MINERALS],
    "explain chips": ["explain", CHIPS],
    "stress critical-minerals": ["stress", MINERALS],
}  # fmt: skip


def _time(args: list[str], repeat: int) -> float:
    exe = shutil.which("trustsource") or "trustsource"
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([exe, *args, "--format", "json"], capture_output=True, check=False)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--extra", action="append", default=[], help="more instances to explain")
    ns = parser.parse_args(argv)
    cases = dict(CASES)
    for path in ns.extra:
        cases[f"explain {Path(path).name}"] = ["explain", path]
    print("case | workers 1 (s) | default (s) | workers 2 (s) | default/serial | 2/serial")
    for name, args in cases.items():
        serial = _time([*args, "--workers", "1"], ns.repeat)
        default = _time(args, ns.repeat)
        two = _time([*args, "--workers", "2"], ns.repeat)
        print(
            f"{name} | {serial:.2f} | {default:.2f} | {two:.2f} | "
            f"{default / serial:.2f} | {two / serial:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
