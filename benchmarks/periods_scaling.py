"""How the periodic model grows with the number of periods.

A generated instance (``generate.py``, about ``--n`` offers, ``default`` rules: a 35 % country
cap and a 30 % allied floor) becomes periodic over ``T`` yearly periods from 2026: demand grows
3 % a year (a mapping by period), the country cap tightens from 100 % in the first year to its
generated value in the last (a glide path), every hub-country offer gets dearer 2 % a year, one
new offer per item in an allied country is a build option (capacity 30 % of the item's demand,
capex 50 times its unit cost per unit of capacity, lead time 2 years), and every fifth item has
a stockpile (up to 20 % of its demand, 30 days of cover, holding 10 % of the item's cheapest
price a year). For each ``T`` the script prints the model size and the time of each phase
(validation of every period, building and linking the copies, the hand-off to HiGHS, the
solve), beside the plain one-year instance::

    python benchmarks/periods_scaling.py --n 1000 --periods 1,5,10 --time-limit 600
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np
import trustsource
from generate import generate
from trustsource.model.handoff import highs_from_data
from trustsource.model.periods import build_periods


def periodic(doc: dict[str, Any], n_periods: int, seed: int) -> dict[str, Any]:
    """``doc`` over ``n_periods`` years (see the module docstring)."""
    rng = np.random.default_rng(seed)
    years = list(range(2026, 2026 + n_periods))
    last = years[-1]
    growth = {y: 1.03 ** (y - years[0]) for y in years}
    counts: dict[str, int] = {}
    for s in doc["suppliers"]:
        counts[s["country"]] = counts.get(s["country"], 0) + 1
    hubs = set(sorted(counts, key=lambda c: -counts[c])[: max(2, len(counts) // 10)])
    items = []
    for it in doc["items"]:
        d = float(it["demand"])
        items.append({**it, "demand": {y: round(d * growth[y], 3) for y in years}})
    sups = []
    cheapest: dict[str, float] = {}
    for s in doc["suppliers"]:
        cheapest[s["item"]] = min(cheapest.get(s["item"], np.inf), float(s["unit_cost"]))
        if s["country"] in hubs:
            c = float(s["unit_cost"])
            s = {**s, "unit_cost": {y: round(c * 1.02 ** (y - years[0]), 4) for y in years}}
        sups.append(s)
    for k, it in enumerate(doc["items"]):
        d = float(it["demand"])
        sups.append(
            {
                "id": f"new-{k}",
                "item": it["id"],
                "country": str(rng.choice(["US", "JP", "DE", "AU", "CA"])),
                "unit_cost": round(cheapest.get(it["id"], 1.0) * 1.3, 4),
                "capacity": 0,
                "build": {
                    "capacity": round(0.3 * d, 3),
                    "capex": round(50 * cheapest.get(it["id"], 1.0) * 0.3 * d, 2),
                    "lead_time": min(2, last - years[0]),
                },
            }
        )
    rules = []
    for r in doc.get("rules", []):
        if r["kind"] == "country_cap" and n_periods > 1:
            goal = float(r["max_share"])
            path = {
                y: round(1.0 - (1.0 - goal) * (y - years[0]) / (last - years[0]), 4) for y in years
            }
            r = {**r, "max_share": path}
        rules.append(r)
    stock = [
        {
            "item": it["id"],
            "max": round(0.2 * float(it["demand"]), 3),
            "min_cover_days": 30,
            "holding_cost": round(0.1 * cheapest.get(it["id"], 1.0), 4),
        }
        for k, it in enumerate(doc["items"])
        if k % 5 == 0
    ]
    return {
        **doc,
        "name": f"{doc['name']} x {n_periods} periods",
        "periods": years,
        "items": items,
        "suppliers": sups,
        "rules": rules,
        "stockpiles": stock,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="offers of the generated instance")
    parser.add_argument("--periods", default="1,5,10")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=600.0)
    ns = parser.parse_args(argv)
    base = generate(ns.n, seed=ns.seed)
    t0 = time.perf_counter()
    plain = trustsource.solve(trustsource.Instance.from_dict(base), time_limit=ns.time_limit)
    one = time.perf_counter() - t0
    print(
        f"plain one-year instance: {plain.status.value}, {one:.2f} s end to end, "
        f"{plain.model_stats}"
    )
    print(
        "periods | offers | status | gap | objective | rows | cols | integers | "
        "validate s | build+link s | hand-off s | solve s | total s | total / plain"
    )
    for n_periods in (int(x) for x in ns.periods.split(",")):
        doc = periodic(base, n_periods, ns.seed)
        t1 = time.perf_counter()
        inst = trustsource.Instance.from_dict(doc)
        t_val = time.perf_counter() - t1
        # The build and hand-off on their own (solve repeats them, timed in its plan).
        t2 = time.perf_counter()
        linked = build_periods(inst)
        t_build = time.perf_counter() - t2
        t3 = time.perf_counter()
        highs_from_data(linked.copies.data)
        t_hand = time.perf_counter() - t3
        t4 = time.perf_counter()
        plan = trustsource.solve(inst, time_limit=ns.time_limit)
        total = t_val + time.perf_counter() - t4
        m = plan.model_stats
        gap = "-" if plan.mip_gap is None else f"{plan.mip_gap:.2e}"
        obj = "-" if plan.objective is None else f"{plan.objective:,.0f}"
        print(
            f"{n_periods} | {len(doc['suppliers']):,} | {plan.status.value} | {gap} | {obj} | "
            f"{m.get('rows', 0):,} | {m.get('cols', 0):,} | {m.get('integers', 0):,} | "
            f"{t_val:.2f} | {t_build:.2f} | {t_hand:.2f} | {plan.timings.get('solve', 0):.2f} | "
            f"{total:.2f} | {total / one:.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
