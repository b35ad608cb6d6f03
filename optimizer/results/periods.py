"""The tables of a periodic plan: each period's plan tables with a ``period`` column, the
one-off costs in the period they are paid, builds, stock, and costs in present value.

Per period the allocations, items (the KPIs: shares, HHI, exit coverage), rules and sites are
those of :func:`~.tables.plan_tables` on that period's copy, money per year undiscounted. A
qualification or onboarding is charged once, in the first period it holds (``fixed_cost``
elsewhere 0). The ``costs`` table has a ``period`` and, per component, ``cost`` in present value
(yearly costs times the period's discounted years, one-off costs times the discount factor of
their year: the rows sum to the objective) and ``nominal`` (undiscounted money over the period).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..instance.instance import Instance
from ..model.periods import Linked
from .tables import plan_tables

_FRAMES = ("allocations", "items", "rules", "sites", "costs")


def periodic_tables(linked: Linked, col: np.ndarray, inst: Instance) -> dict[str, pd.DataFrame]:
    """The plan tables of a solved periodic model (``col``: the stack's solution vector)."""
    years = linked.years
    per: dict[str, list[pd.DataFrame]] = {name: [] for name in _FRAMES}
    for t, model in enumerate(linked.copies.models):
        tables = plan_tables(model, linked.copies.local(t, col))
        for name in _FRAMES:
            frame = tables[name].copy()
            frame.insert(0, "period", years[t])
            per[name].append(frame)
    out = {name: pd.concat(frames, ignore_index=True) for name, frames in per.items()}
    _once(out["allocations"], "supplier")
    out["allocations"]["cost"] = (
        out["allocations"]["variable_cost"] + out["allocations"]["fixed_cost"]
    )
    _once(out["sites"], "site")
    out["builds"] = _builds(linked, col, inst)
    out["stock"] = _stock(linked, col, inst)
    out["costs"] = _costs(linked, out)
    return out


def _once(frame: pd.DataFrame, key: str) -> None:
    """Keep each fixed cost only in the first period it is paid (it lasts afterwards)."""
    if not len(frame):
        return
    paid = frame["fixed_cost"] > 0
    first = ~frame[key].where(paid).duplicated() | ~paid
    frame.loc[paid & ~first, "fixed_cost"] = 0.0


def _builds(linked: Linked, col: np.ndarray, inst: Instance) -> pd.DataFrame:
    rows = []
    by_id = {s.id: s for s in inst.suppliers}
    h = inst.horizon
    assert h is not None
    for sid, cols in linked.builds.items():
        for d, c in enumerate(cols):
            if c >= 0 and col[c] > 0.5:
                sup = by_id[sid]
                assert sup.build is not None
                ready = [y for y in linked.years if y >= linked.years[d] + sup.build.lead_time]
                k = inst.suppliers.index(sup)
                build = h.instances[d].suppliers[k].build
                assert build is not None
                rows.append(
                    {
                        "supplier": sid,
                        "item": sup.item,
                        "country": sup.country,
                        "decided": linked.years[d],
                        "usable_from": ready[0] if ready else None,
                        "capacity": build.capacity,
                        "capex": build.capex,
                    }
                )
    names = ["supplier", "item", "country", "decided", "usable_from", "capacity", "capex"]
    return pd.DataFrame(rows, columns=names)


def _stock(linked: Linked, col: np.ndarray, inst: Instance) -> pd.DataFrame:
    rows = []
    h = inst.horizon
    assert h is not None
    for item, cols in linked.stock.items():
        start = next(s.initial for s in inst.stockpiles if s.item == item)
        blk = linked.copies.data.var_blocks["stock"]
        for t, c in enumerate(cols):
            end = float(col[c])
            pile = next(s for s in h.instances[t].stockpiles if s.item == item)
            rows.append(
                {
                    "period": linked.years[t],
                    "item": item,
                    "start": start,
                    "end": end,
                    "minimum": float(blk.lb[c - blk.start]),
                    "max": pile.max,
                    "holding_cost": pile.holding_cost * end * linked.lengths[t],
                }
            )
            start = end
    names = ["period", "item", "start", "end", "minimum", "max", "holding_cost"]
    return pd.DataFrame(rows, columns=names)


def _costs(linked: Linked, out: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Costs per period and component: present value (``cost``) and undiscounted (``nominal``)."""
    years = linked.years
    w = dict(zip(years, linked.weights))
    delta = dict(zip(years, linked.factors))
    length = dict(zip(years, linked.lengths))
    c = out["costs"]
    yearly = c[c["component"].isin(["supply", "shortfall"])].copy()
    yearly["nominal"] = yearly["cost"] * yearly["period"].map(length)
    yearly["cost"] = yearly["cost"] * yearly["period"].map(w)
    alloc = out["allocations"]
    qual = alloc[alloc["fixed_cost"] > 0]
    sites = out["sites"]
    sites = sites[sites["fixed_cost"] > 0]
    frames = [
        yearly,
        pd.DataFrame(
            {
                "period": qual["period"],
                "component": "qualification",
                "id": qual["supplier"],
                "item": qual["item"],
                "cost": qual["fixed_cost"] * qual["period"].map(delta),
                "nominal": qual["fixed_cost"],
            }
        ),
        pd.DataFrame(
            {
                "period": sites["period"],
                "component": "site",
                "id": sites["site"],
                "item": None,
                "cost": sites["fixed_cost"] * sites["period"].map(delta),
                "nominal": sites["fixed_cost"],
            }
        ),
    ]
    b = out["builds"]
    if len(b):
        frames.append(
            pd.DataFrame(
                {
                    "period": b["decided"],
                    "component": "build",
                    "id": b["supplier"],
                    "item": b["item"],
                    "cost": b["capex"] * b["decided"].map(delta),
                    "nominal": b["capex"],
                }
            )
        )
    s = out["stock"]
    if len(s):
        frames.append(
            pd.DataFrame(
                {
                    "period": s["period"],
                    "component": "holding",
                    "id": s["item"],
                    "item": s["item"],
                    "cost": s["holding_cost"] / s["period"].map(length) * s["period"].map(w),
                    "nominal": s["holding_cost"],
                }
            )
        )
    costs = pd.concat([f for f in frames if len(f)], ignore_index=True)
    costs = costs[costs["cost"] != 0]
    return costs.sort_values(["period"], kind="stable").reset_index(drop=True)
