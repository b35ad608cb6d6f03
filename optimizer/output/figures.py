"""The figures a report states about a plan: country shares, unmet demand per item, the purchase
cost apart from the penalty, and the status in words. Computed here, rendered by :mod:`.report`;
the CLI prints the same words.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..analysis.explain_common import (
    gap_of,
    gap_pct,
    money,
    pct,
)


def country_shares(plan: Any, item: str) -> pd.Series:
    """Share of ``item``'s supplied quantity per country, largest first (empty if no plan)."""
    if plan is None or not plan.has_solution or not len(plan.allocations):
        return pd.Series(dtype=float)
    a: pd.DataFrame = plan.allocations
    mine = a[(a["item"] == item) & (a["quantity"] > 0)]
    q = mine.groupby("country")["quantity"].sum().sort_values(ascending=False, kind="stable")
    total = float(q.sum())
    return q / total if total > 0 else q.iloc[:0]


SHORTFALL_COLUMNS = [
    "item",
    "unit",
    "demand",
    "shortfall",
    "shortfall_share",
    "penalty_per_unit",
    "penalty",
]


SHORT_TOL = 1e-9
"""A shortfall below this share of the item's demand is solver noise, not unmet demand."""


def shortfall_table(plan: Any, instance: Any) -> pd.DataFrame:
    """One row per item the plan leaves short: quantity, share of demand, penalty paid.

    Computed from the plan's items table (``shortfall``, ``demand``) and the instance's
    ``shortfall_penalty`` per unit; largest share first. Empty without a plan or shortfall.
    """
    it = getattr(plan, "items", None)
    if plan is None or not plan.has_solution or it is None or not len(it) or "shortfall" not in it:
        return pd.DataFrame(columns=SHORTFALL_COLUMNS)
    per_unit = {i.id: float(i.shortfall_penalty or 0.0) for i in instance.items}
    rows = []
    for item, unit, demand, short in zip(it["item"], it["unit"], it["demand"], it["shortfall"]):
        demand, short = float(demand), float(short)
        share = short / demand if demand > 0 else 0.0
        if short > 0 and share > SHORT_TOL:
            rate = per_unit.get(str(item), 0.0)
            rows.append(
                {
                    "item": item,
                    "unit": unit,
                    "demand": demand,
                    "shortfall": short,
                    "shortfall_share": share,
                    "penalty_per_unit": rate,
                    "penalty": short * rate,
                }
            )
    out = pd.DataFrame(rows, columns=SHORTFALL_COLUMNS)
    return out.sort_values("shortfall_share", ascending=False, kind="stable").reset_index(drop=True)


def cost_split(plan: Any, instance: Any) -> tuple[float | None, float | None]:
    """``(purchase cost, shortfall penalty)`` of a plan; they add up to its objective.

    The penalty is each item's shortfall times its ``shortfall_penalty``; the purchase cost
    (supply, tiers, tariffs, qualification, sites) is the rest. ``(None, None)`` without a plan.
    """
    if plan is None or not plan.has_solution or plan.objective is None:
        return None, None
    if getattr(plan, "periods", ()):  # in present value, as the objective (its costs table)
        return plan.purchase_cost, plan.shortfall_penalty
    it = plan.items
    penalty = 0.0
    if len(it) and "shortfall" in it:
        per_unit = {i.id: float(i.shortfall_penalty or 0.0) for i in instance.items}
        penalty = float(
            sum(float(u) * per_unit.get(str(i), 0.0) for i, u in zip(it["item"], it["shortfall"]))
        )
    return float(plan.objective) - penalty, penalty


def status_words(plan: Any, instance: Any) -> str:
    """The plan's status, never a bare "optimal" for a plan that leaves demand unmet or is not
    proven: ``optimal, but 2 items are short (worst gallium 100.0 % unmet) and 100,000 USD of
    the 100,000 USD total is the penalty for it``."""
    cur = plan.currency or instance.currency
    text: str = plan.status.value
    if plan.has_solution and plan.status.value != "optimal":
        text += f" (not proven optimal: the solve stopped at a {gap_pct(gap_of(plan))} gap)"
    short = shortfall_table(plan, instance)
    if not len(short):
        return text
    worst = short.iloc[0]
    n = int(short["item"].nunique())  # a periodic plan has a row per item and period
    items = "1 item is" if n == 1 else f"{n} items are"
    _, penalty = cost_split(plan, instance)
    return (
        f"{text}, but {items} short (worst {worst['item']}: {pct(worst['shortfall_share'])} "
        f"of demand unmet) and {money(penalty, cur)} of the {money(plan.objective, cur)} "
        "total is the penalty for unmet demand"
    )
