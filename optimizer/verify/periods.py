"""Independent check of a periodic plan: every period, the links between them, the total.

Each period is checked by :func:`.verifier.verify` against that period's instance *as planned*:
its active rules, each build supplier's capacity as the plan's builds make it (what exists,
plus the build once the plan's decision year plus the lead time is reached), and each stocked
item's demand plus what the period puts into stock per year (the plan's own stock figures), so
the balance check proves the stock balance. Then the links: a qualification that is paid lasts,
at most one build per supplier, stock within its cover and size, and the objective recomputed
from the instance data: yearly costs weighted by the period's discounted years, qualifications,
onboardings and builds once, discounted to their year, holding cost on end-of-period stock.
Like the rest of :mod:`trustsource.verify`, nothing here is shared with the model builder.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from typing import Any

import pandas as pd

from ..instance.instance import Instance
from .plan_view import Violation
from .verifier import objective_violation, recompute_cost, verify
from .verifier import verify_plan as verify_one_period


def verify_plan(instance: Instance, plan: Any, tol: float = 1e-6) -> list[Violation]:
    """Verify any plan: a periodic instance's period by period and over time
    (:func:`verify_periods`), any other by :func:`.verifier.verify_plan`."""
    if instance.horizon is not None:
        return verify_periods(instance, plan, tol)
    return verify_one_period(instance, plan, tol)


def _discount(rate: float, year: int, first: int) -> float:
    return float((1.0 + rate) ** -(year - first))


def verify_periods(inst: Instance, plan: Any, tol: float = 1e-6) -> list[Violation]:
    """The violations of a periodic plan (empty if none)."""
    h = inst.horizon
    assert h is not None
    years = h.years
    rate = inst.discount_rate
    ends = [b for b in years[1:]] + [years[-1] + 1]
    out: list[Violation] = []
    builds = plan.builds
    built: dict[str, int] = {}
    if len(builds):
        for sid, year in zip(builds["supplier"], builds["decided"]):
            if sid in built:
                out.append(_link("build", str(sid), f"{sid} is built twice ({built[sid]}, {year})"))
            built[str(sid)] = int(year)
    stock = plan.stock
    end_of: dict[tuple[str, int], float] = {}
    if len(stock):
        for item, year, end in zip(stock["item"], stock["period"], stock["end"]):
            end_of[(str(item), int(year))] = float(end)
    total = 0.0
    paid_s: set[str] = set()
    paid_k: set[str] = set()
    for t, year in enumerate(years):
        length = ends[t] - year
        weight = sum(_discount(rate, y, years[0]) for y in range(year, ends[t]))
        once = _discount(rate, year, years[0])
        period = h.instances[t]
        view = h.views[t]
        alloc = _rows(plan.allocations, year)
        qty: dict[str, float] = defaultdict(float)
        for sid, v in zip(alloc["supplier"], alloc["quantity"]):
            qty[str(sid)] += float(v)
        qual = {str(s): bool(q) for s, q in zip(alloc["supplier"], alloc["qualified"])}
        sites = _rows(plan.sites, year)
        opened = {str(k): bool(o) for k, o in zip(sites["site"], sites["open"])}
        items = _rows(plan.items, year)
        short = {str(i): float(u) for i, u in zip(items["item"], items["shortfall"])}
        suppliers = []
        for s, v in zip(period.suppliers, view.suppliers):
            if s.build is not None:
                ready = s.id in built and built[s.id] + s.build.lead_time <= year
                cap = (s.capacity or 0.0) + (s.build.capacity if ready else 0.0)
                v = v.model_copy(update={"capacity": cap})
            suppliers.append(v)
        demand_items = []
        for it in view.items:
            pile = next((p for p in period.stockpiles if p.item == it.id), None)
            if pile is not None:
                before = (
                    next(p.initial for p in inst.stockpiles if p.item == it.id)
                    if t == 0
                    else end_of.get((it.id, years[t - 1]), math.nan)
                )
                end = end_of.get((it.id, year), math.nan)
                low = pile.min_cover_days / 365.0 * it.demand
                if not (low - tol * max(1.0, low) <= end <= pile.max + tol * max(1.0, pile.max)):
                    out.append(
                        _link(
                            "stock",
                            it.id,
                            f"{year}: {it.id} stock {end:,.6g} outside [{low:,.6g}, "
                            f"{pile.max:,.6g}]",
                        )
                    )
                it = it.model_copy(update={"demand": it.demand + (end - before) / length})
                total += pile.holding_cost * end * weight
            demand_items.append(it)
        fields = {name: getattr(view, name) for name in type(view).model_fields}
        planned = type(view).model_construct(
            **{**fields, "suppliers": tuple(suppliers), "items": tuple(demand_items)}
        )
        for v in verify(planned, qty, qualified=qual, site_open=opened, shortfall=short, tol=tol):
            out.append(replace(v, message=f"{year}: {v.message}"))
        # Yearly costs: prices, tiers, tariffs and penalties (no fixed costs: those are once).
        no_q = {s.id: False for s in planned.suppliers}
        no_o = {k.id: False for k in planned.sites}
        total += weight * recompute_cost(planned, qty, no_q, no_o, short, tol=tol)
        for s in period.suppliers:
            if s.fixed_cost > 0 and qual.get(s.id, qty.get(s.id, 0.0) > tol):
                if s.id not in paid_s:
                    total += s.fixed_cost * once
                    paid_s.add(s.id)
            elif s.id in paid_s and s.fixed_cost > 0:
                out.append(_link("qualification", s.id, f"{year}: {s.id}'s qualification lapsed"))
        for k in period.sites:
            if k.fixed_cost > 0 and opened.get(k.id) and k.id not in paid_k:
                total += k.fixed_cost * once
                paid_k.add(k.id)
        for s in period.suppliers:
            if s.build is not None and built.get(s.id) == year:
                total += s.build.capex * once
    objective = getattr(plan, "objective", None)
    if objective is not None:
        what = "recomputed cost over the periods"
        out.extend(objective_violation(objective, total, tol, inst.currency, what))
    return out


def _rows(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    if not len(frame) or "period" not in frame:
        return frame
    return frame[frame["period"] == year]


def _link(check: str, subject: str, message: str) -> Violation:
    return Violation(check, None, None, subject, message, 0.0)
