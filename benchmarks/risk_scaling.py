"""How the two-stage risk model grows with the number of scenarios.

A generated instance (``generate.py``, about ``--n`` offers, ``default`` rules: a 35 % country
cap and a 30 % allied floor) gets a shortfall penalty on every item (five times its dearest
offer) and ``S`` seeded scenarios: each loses one or two hub countries (capacity 0 or halved),
and some raise a country's prices or the demand of some items. The probabilities sum to 0.5
(the base case takes the other half). For each ``S`` the script runs ``trustsource.risk``
(``figures=False``: the extensive form, then each scenario's recourse given the first stage) and
prints the model size and the time of each phase, beside one deterministic solve of the base::

    python benchmarks/risk_scaling.py --n 1000 --scenarios 10,50,200 --time-limit 600

Both methods run by default (``--methods extensive,lshaped``); for the L-shaped method the
model size columns are the master's rounds, the scenarios and the first-stage columns.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
import trustsource
from generate import generate


def with_scenarios(doc: dict[str, Any], n_scen: int, seed: int) -> dict[str, Any]:
    """``doc`` with penalties on every item and ``n_scen`` seeded scenarios."""
    rng = np.random.default_rng(seed)
    dearest: dict[str, float] = {}
    for s in doc["suppliers"]:
        dearest[s["item"]] = max(dearest.get(s["item"], 0.0), float(s["unit_cost"]))
    for it in doc["items"]:
        it["shortfall_penalty"] = round(5 * dearest.get(it["id"], 1.0), 3)
    countries = sorted({s["country"] for s in doc["suppliers"]})
    counts = {c: sum(s["country"] == c for s in doc["suppliers"]) for c in countries}
    hubs = sorted(countries, key=lambda c: -counts[c])[: max(2, len(countries) // 10)]
    items = [it["id"] for it in doc["items"]]
    weights = rng.dirichlet(np.ones(n_scen)) * 0.5
    scen: dict[str, Any] = {}
    for k in range(n_scen):
        lost = rng.choice(hubs, size=int(rng.integers(1, 3)), replace=False)
        sc: dict[str, Any] = {
            "probability": float(round(weights[k], 12)),
            "capacity": {str(c): float(rng.choice([0.0, 0.5])) for c in lost},
        }
        if rng.random() < 0.4:
            sc["price"] = {str(rng.choice(countries)): float(round(rng.uniform(1.1, 1.6), 3))}
        if rng.random() < 0.3:
            picked = rng.choice(items, size=max(1, len(items) // 5), replace=False)
            sc["demand"] = {str(i): float(round(rng.uniform(1.05, 1.3), 3)) for i in picked}
        scen[f"sc{k:03d}"] = sc
    # Rounding may push the sum a hair above 0.5; it stays far below 1.
    return {**doc, "name": f"{doc['name']} x {n_scen} scenarios", "scenarios": scen}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="offers of the generated instance")
    parser.add_argument("--scenarios", default="10,50,200")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--methods", default="extensive,lshaped")
    ns = parser.parse_args(argv)
    base = generate(ns.n, seed=ns.seed)
    inst0 = trustsource.Instance.from_dict(with_scenarios(base, 1, ns.seed))
    t0 = time.perf_counter()
    plan = trustsource.solve(inst0, time_limit=ns.time_limit)
    det = time.perf_counter() - t0
    print(f"deterministic base solve: {plan.status.value}, {det:.2f} s, {plan.model_stats}")
    print(
        "scenarios | method | status | gap | objective | bound | rows | cols | integers | "
        "build s | solve s | evaluate s | total s | total / deterministic"
    )
    for n_scen, method in (
        (int(x), m) for x in ns.scenarios.split(",") for m in ns.methods.split(",")
    ):
        inst = trustsource.Instance.from_dict(with_scenarios(base, n_scen, ns.seed))
        t1 = time.perf_counter()
        res = trustsource.risk(
            inst,
            figures=False,
            time_limit=ns.time_limit,
            workers=ns.workers,
            method=method,  # type: ignore[arg-type]
        )
        total = time.perf_counter() - t1
        m, t = res.model_stats, res.timings
        gap = "-" if res.mip_gap is None else f"{res.mip_gap:.2e}"
        keys = ("rows", "cols", "integers")
        if method == "lshaped":
            keys = ("master_rounds", "scenarios", "first_stage")
        size = " | ".join(f"{m.get(k, 0):,}" for k in keys)
        phases = " | ".join(
            f"{t.get(k, float('nan')):.2f}"
            for k in ("extensive_build", "extensive_solve", "evaluate")
        )
        obj = "-" if res.objective is None else f"{res.objective:,.0f}"
        bound = "-" if res.bound is None else f"{res.bound:,.0f}"
        print(
            f"{n_scen} | {method} | {res.status.value} | {gap} | {obj} | {bound} | {size} | "
            f"{phases} | "
            f"{total:.2f} | {total / det:.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
