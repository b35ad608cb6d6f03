"""Serial against parallel: does the default of the runner ever lose to running in this process?

Times whole commands (``trustsource sweep``/``explain``/``compare``/``stress`` as a user runs them)
with ``--workers 1``, the default, and ``--workers 2``; prints the minimum of ``--repeat`` runs
each, the ratios, and whether every cost in the three JSON outputs is the same (``same``: every
``cost``/``objective`` field equal to 1e-9 relative). The default should never be slower than
serial beyond noise: it runs serially unless the estimated work repays starting worker processes
on idle cores (:func:`trustsource.analysis.runner.plan_workers`).

    python benchmarks/runner.py                      # the bundled instances
    python benchmarks/runner.py --repeat 5 --extra /tmp/gen10k/instance.yaml
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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
    "compare critical-minerals": ["compare", MINERALS],
}  # fmt: skip


def _costs(node: Any) -> list[float]:
    """Every ``cost``/``objective`` number in a JSON document, in document order."""
    if isinstance(node, dict):
        out = []
        for k, v in node.items():
            if k in ("cost", "objective") and isinstance(v, (int, float)):
                out.append(float(v))
            else:
                out.extend(_costs(v))
        return out
    if isinstance(node, list):
        return [c for v in node for c in _costs(v)]
    return []


def _time(args: list[str], repeat: int) -> tuple[float, list[float]]:
    exe = shutil.which("trustsource") or "trustsource"
    best, costs = float("inf"), []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run = subprocess.run([exe, *args, "--format", "json"], capture_output=True, check=False)
        best = min(best, time.perf_counter() - t0)
        try:
            costs = _costs(json.loads(run.stdout))
        except ValueError:
            costs = []
    return best, costs


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) > 0 and all(math.isclose(x, y, rel_tol=1e-9) for x, y in zip(a, b))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--extra", action="append", default=[], help="more instances to explain")
    parser.add_argument("--only", default="", help="run only the cases whose name has this text")
    ns = parser.parse_args(argv)
    cases = dict(CASES)
    for path in ns.extra:
        name = Path(path).parent.name or Path(path).name
        cases[f"explain {name}"] = ["explain", path]
    print("case | workers 1 (s) | default (s) | workers 2 (s) | default/serial | 2/serial | costs")
    for name, args in cases.items():
        if ns.only not in name:
            continue
        serial, c1 = _time([*args, "--workers", "1"], ns.repeat)
        default, c0 = _time(args, ns.repeat)
        two, c2 = _time([*args, "--workers", "2"], ns.repeat)
        same = "same" if _same(c1, c0) and _same(c1, c2) else "DIFFER"
        print(
            f"{name} | {serial:.2f} | {default:.2f} | {two:.2f} | "
            f"{default / serial:.2f} | {two / serial:.2f} | {same}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
