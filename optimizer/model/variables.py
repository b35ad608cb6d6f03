r"""Decision variables and their objective coefficients.

.. math::

    \min \sum_s p_s (1+\tau_{c(s)})\, x_s \;+\; \sum_s F_s q_s \;+\; \sum_k F_k o_k
    \;+\; \sum_i \pi_i u_i \;+\; \text{tier costs}

* ``x[s]`` >= 0, quantity awarded to supplier s, bounded by its effective capacity
  (own, site, and the most supply its item can use, which keeps every big-M finite);
* ``supply[i]`` = T_i, total supply of item i;
* ``shortfall[i]`` = u_i in [0, demand_i], only where ``shortfall_penalty`` is set;
* ``qualified[s]`` = q_s binary, only where s has a fixed cost (the cost of qualifying it);
* ``awarded[s]`` = a_s binary, only where s has a minimum order or its item a ``max_suppliers``
  rule, and only where it cannot share q_s: when an ``exit`` rule covers the item, a supplier may
  be qualified (standing by, counted for exit coverage) without an award, so a_s <= q_s is a
  separate decision; otherwise paying the fixed cost without an award is never useful and q_s
  doubles as the award decision (except in the two-stage model of ``risk``, built with
  ``separate_awards``: there q_s is decided before the scenario is known and a_s in it);
* ``site_open[k]`` = o_k binary, only where site k has a fixed cost.

A supplier without a fixed cost needs no qualification: it counts as qualified whenever its site
(if it has one with a fixed cost) is open.

Tiered suppliers carry their cost on tier variables (:mod:`trustsource.model.tiers`).
"""

from __future__ import annotations

import numpy as np

from .context import Context
from .core import ModelData


def add_variables(md: ModelData, ctx: Context) -> None:
    """Create x, supply, shortfall, qualified, awarded and site_open; record their columns."""
    n_s, n_i, n_k = len(ctx.sup_ids), len(ctx.item_ids), len(ctx.site_ids)
    price = np.where(np.isnan(ctx.unit_price), 0.0, ctx.unit_price)
    ctx.x = md.add_vars("x", ctx.sup_ids, lb=0.0, ub=ctx.cap_eff, cost=price)
    ctx.supply = md.add_vars("supply", ctx.item_ids, lb=0.0, ub=ctx.most)

    has_pen = ~np.isnan(ctx.penalty)
    ctx.shortfall = np.full(n_i, -1, dtype=np.int64)
    if has_pen.any():
        idx = np.flatnonzero(has_pen)
        ctx.shortfall[idx] = md.add_vars(
            "shortfall",
            [ctx.item_ids[i] for i in idx],
            lb=0.0,
            ub=ctx.demand[idx],
            cost=ctx.penalty[idx],
        )

    exit_item = ctx.rule_items(("exit",))[ctx.sup_item] if n_s else np.zeros(0, dtype=bool)
    needs_a = (ctx.min_order > 0) | (
        ctx.rule_items(("max_suppliers",))[ctx.sup_item] if n_s else np.zeros(0, dtype=bool)
    )
    needs_q = ctx.fixed > 0
    # Without an exit rule on the item, q_s also serves as the award decision; a two-stage
    # model keeps them apart: qualifying is decided before the scenario, awarding in it.
    separate_a = needs_a & ~(needs_q & ~exit_item & ~bool(ctx.options.get("separate_awards")))
    ctx.qualified = np.full(n_s, -1, dtype=np.int64)
    if needs_q.any():
        idx = np.flatnonzero(needs_q)
        ctx.qualified[idx] = md.add_vars(
            "qualified",
            [ctx.sup_ids[s] for s in idx],
            lb=0.0,
            ub=1.0,
            integer=True,
            cost=ctx.fixed[idx],
        )
    ctx.awarded = np.full(n_s, -1, dtype=np.int64)
    if separate_a.any():
        idx = np.flatnonzero(separate_a)
        ctx.awarded[idx] = md.add_vars(
            "awarded", [ctx.sup_ids[s] for s in idx], lb=0.0, ub=1.0, integer=True
        )
    ctx.gate = np.where(ctx.awarded >= 0, ctx.awarded, ctx.qualified)

    ctx.site_open = np.full(n_k, -1, dtype=np.int64)
    needs_o = ctx.site_fixed > 0
    if needs_o.any():
        idx = np.flatnonzero(needs_o)
        ctx.site_open[idx] = md.add_vars(
            "site_open",
            [ctx.site_ids[k] for k in idx],
            lb=0.0,
            ub=1.0,
            integer=True,
            cost=ctx.site_fixed[idx],
        )
    site_bin = np.full(n_s, -1, dtype=np.int64)
    at_site = ctx.sup_site >= 0
    site_bin[at_site] = ctx.site_open[ctx.sup_site[at_site]]
    ctx.qual_ind = np.where(ctx.qualified >= 0, ctx.qualified, site_bin)
