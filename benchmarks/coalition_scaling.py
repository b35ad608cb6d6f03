"""How the coalition game grows with the number of members.

A generated instance (``generate.py``, about ``--n`` offers, ``default`` rules: a 35 % country
cap and a 30 % allied floor) gets ``m`` buyers: each item's demand is split over the members at
random (Dirichlet shares), every offer keeps its fixed qualification cost and minimum order,
unmet demand costs five times the item's dearest offer, and the rules bind the coalition's total
(``coalition.rules``). For each ``m`` the script runs
``trustsource.coalition`` (2^m - 1 joint plans) serially and with ``--workers`` processes, and
prints the grand coalition's model size, the fragmentation found and the wall times::

    python benchmarks/coalition_scaling.py --n 300 --members 3,5,7 --workers 2
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
import trustsource
from generate import generate


def with_buyers(doc: dict[str, Any], members: int, seed: int) -> dict[str, Any]:
    """``doc`` with ``members`` buyers sharing every item's demand (see the docstring)."""
    rng = np.random.default_rng(seed)
    ids = [f"m{k}" for k in range(members)]
    demand: dict[str, dict[str, float]] = {m: {} for m in ids}
    for it in doc["items"]:
        shares = rng.dirichlet(np.ones(members))
        for m, s in zip(ids, shares):
            demand[m][it["id"]] = round(float(it["demand"]) * float(s), 3)
    # A member may be too small for the minimum orders on its own: a penalty (five times the
    # item's dearest offer) prices what it cannot buy, so every coalition has a plan.
    dearest: dict[str, float] = {}
    for s in doc["suppliers"]:
        dearest[s["item"]] = max(dearest.get(s["item"], 0.0), float(s["unit_cost"]))
    items = [
        {**it, "demand": 0, "shortfall_penalty": round(5 * dearest.get(it["id"], 1.0), 3)}
        for it in doc["items"]
    ]
    names = [r.get("name", r["kind"]) for r in doc.get("rules", [])]
    return {
        **doc,
        "name": f"{doc['name']} x {members} buyers",
        "items": items,
        "buyers": [{"id": m, "demand": demand[m]} for m in ids],
        "coalition": {"rules": names},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="offers of the generated instance")
    parser.add_argument("--members", default="3,5,7")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=120.0)
    ns = parser.parse_args(argv)
    base = generate(ns.n, seed=ns.seed)
    print(
        "members | solves | joint cost | fragmentation | in core | serial s | "
        f"{ns.workers} workers s | speed-up"
    )
    for m in (int(x) for x in ns.members.split(",")):
        inst = trustsource.Instance.from_dict(with_buyers(base, m, ns.seed))
        times = []
        res = None
        for workers in (1, ns.workers):
            t0 = time.perf_counter()
            res = trustsource.coalition(inst, workers=workers, time_limit=ns.time_limit)
            times.append(time.perf_counter() - t0)
        assert res is not None
        frag = res.fragmentation_cost
        print(
            f"{m} | {res.n_solves} | {res.joint_cost:,.0f} | "
            f"{'-' if frag is None else f'{frag:,.0f}'} | {res.in_core} | {times[0]:.2f} | "
            f"{times[1]:.2f} | {times[0] / times[1]:.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
