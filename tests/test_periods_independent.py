"""Periodic instances against an independent model of the periodic equations (scipy MILP).

Every reference solve sets the MIP gap to 0 and compares objectives, not flows.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
import trustsource
from periods_cases import EXACT
from periods_cases import doc as _doc
from trustsource.status import Status

# --- agreement with an independent model of the periodic equations ----------------------------


def _independent(doc: dict[str, Any]) -> float | None:
    """The optimum of ``doc`` (one item, one supplier per country, one build option, a
    country cap per period, a stockpile) from a model written here with scipy's MILP."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    years = doc["periods"]
    n_t = len(years)
    rate = doc.get("discount_rate", 0.0)
    lengths = [b - a for a, b in zip(years, years[1:])] + [1]
    w = [
        sum((1 + rate) ** -(y - years[0]) for y in range(y0, y0 + n))
        for y0, n in zip(years, lengths)
    ]
    delta = [(1 + rate) ** -(y - years[0]) for y in years]
    sups = doc["suppliers"]
    n_s = len(sups)
    pile = doc["stockpiles"][0]
    demand = doc["items"][0]["demand"]
    cap_rule = doc["rules"][0]["max_share"]

    def at(v: Any, t: int) -> float:
        if isinstance(v, dict):
            return float(v[max(k for k in v if k <= years[t])])
        return float(v)

    # Columns: x[s,t], q[s,t], b[t], S[t]
    nx, nq = n_s * n_t, n_s * n_t
    X = lambda s, t: s * n_t + t  # noqa: E731
    Q = lambda s, t: nx + s * n_t + t  # noqa: E731
    B = lambda t: nx + nq + t  # noqa: E731
    S = lambda t: nx + nq + n_t + t  # noqa: E731
    n = nx + nq + 2 * n_t
    c = np.zeros(n)
    lb, ub = np.zeros(n), np.full(n, np.inf)
    integ = np.zeros(n)
    rows: list[tuple[dict[int, float], float, float]] = []
    for t in range(n_t):
        for s, sup in enumerate(sups):
            c[X(s, t)] = w[t] * at(sup["unit_cost"], t)
            f_now = sup.get("fixed_cost", 0.0) * delta[t]
            f_next = sup.get("fixed_cost", 0.0) * delta[t + 1] if t + 1 < n_t else 0.0
            c[Q(s, t)] = f_now - f_next
            integ[Q(s, t)], ub[Q(s, t)] = 1, 1
            if t + 1 < n_t:
                rows.append(({Q(s, t): 1.0, Q(s, t + 1): -1.0}, -np.inf, 0.0))
            big = 10 * at(demand, t) + pile["max"]
            cap = at(sup["capacity"], t) if "capacity" in sup else big
            if "build" in sup:
                bld = sup["build"]
                ready = [d for d in range(n_t) if years[d] + bld["lead_time"] <= years[t]]
                terms = {X(s, t): 1.0, **{B(d): -bld["capacity"] for d in ready}}
                rows.append((terms, -np.inf, cap))
                cap = cap + bld["capacity"]
            rows.append(({X(s, t): 1.0, Q(s, t): -min(cap, big)}, -np.inf, 0.0))
            share = at(cap_rule, t)
            rows.append(
                ({**{X(r, t): -share for r in range(n_s)}, X(s, t): 1.0 - share}, -np.inf, 0.0)
            )
        build_sup = next(s for s in sups if "build" in s)
        c[B(t)] = build_sup["build"]["capex"] * delta[t]
        integ[B(t)], ub[B(t)] = 1, 1
        c[S(t)] = pile["holding_cost"] * w[t]
        lb[S(t)] = pile.get("min_cover_days", 0) / 365 * at(demand, t)
        ub[S(t)] = pile["max"]
        terms = {X(s, t): 1.0 for s in range(n_s)}
        terms[S(t)] = -1.0 / lengths[t]
        rhs = at(demand, t)
        if t:
            terms[S(t - 1)] = 1.0 / lengths[t]
        else:
            rhs -= pile.get("initial", 0.0) / lengths[0]
        rows.append((terms, rhs, rhs))
    rows.append(({B(t): 1.0 for t in range(n_t)}, -np.inf, 1.0))
    a = np.zeros((len(rows), n))
    lo, hi = np.zeros(len(rows)), np.zeros(len(rows))
    for k, (terms, l_, u_) in enumerate(rows):
        for j, v in terms.items():
            a[k, j] += v
        lo[k], hi[k] = l_, u_
    res = milp(
        c,
        constraints=LinearConstraint(a, lo, hi),
        integrality=integ,
        bounds=Bounds(lb, ub),
        options={"mip_rel_gap": 0.0},
    )
    return float(res.fun) if res.status == 0 else None


def _random_doc(rng: random.Random) -> dict[str, Any]:
    years = sorted(rng.sample(range(2026, 2034), rng.randint(2, 4)))
    countries = ["CN", "AU", "US", "DE"]
    sups: list[dict[str, Any]] = []
    for k, cc in enumerate(countries[: rng.randint(2, 3)]):
        sup: dict[str, Any] = {
            "id": f"s{k}",
            "item": "x",
            "country": cc,
            "unit_cost": {years[0]: rng.randint(1, 5), years[-1]: rng.randint(1, 5)},
            "capacity": {years[0]: rng.choice([20, 60, 200]), years[-1]: rng.choice([40, 200])},
        }
        if rng.random() < 0.5:
            sup["fixed_cost"] = rng.randint(0, 40)
        sups.append(sup)
    sups.append(
        {
            "id": "new",
            "item": "x",
            "country": "JP",
            "unit_cost": rng.randint(2, 6),
            "capacity": 0,
            "build": {
                "capacity": rng.choice([30, 80]),
                "capex": rng.randint(0, 200),
                "lead_time": rng.randint(0, years[-1] - years[0]),
            },
        }
    )
    return _doc(
        periods=years,
        discount_rate=rng.choice([0.0, 0.05]),
        items=[
            {"id": "x", "demand": {years[0]: rng.randint(20, 60), years[-1]: rng.randint(20, 90)}}
        ],
        suppliers=sups,
        rules=[
            {
                "kind": "country_cap",
                "name": "cap",
                "max_share": {years[0]: 1.0, years[-1]: rng.choice([0.5, 0.6, 0.8])},
            }
        ],
        stockpiles=[
            {
                "item": "x",
                "initial": rng.randint(0, 20),
                "max": rng.choice([20, 50]),
                "holding_cost": rng.choice([0.1, 0.5, 2.0]),
                "min_cover_days": rng.choice([0, 30]),
            }
        ],
    )


@pytest.mark.parametrize("seed", range(30))
def test_random_periodic_instances_agree_with_an_independent_model(seed: int) -> None:
    doc = _random_doc(random.Random(seed))
    expected = _independent(doc)
    plan = trustsource.solve(trustsource.Instance.from_dict(doc), **EXACT)
    if expected is None:
        assert plan.status is Status.INFEASIBLE
        return
    assert plan.status is Status.OPTIMAL, plan.message
    assert not plan.violations
    assert plan.objective == pytest.approx(expected, rel=1e-6, abs=1e-6)
