r"""Decision variables and their objective coefficients.

.. math::

    \min \sum_s p_s (1+\tau_{c(s)})\, x_s \;+\; \sum_s F_s q_s \;+\; \sum_k F_k o_k
    \;+\; \sum_i \pi_i u_i \;+\; \text{tier costs}

* ``x[s]`` >= 0, quantity awarded to supplier s, bounded by its effective capacity
  (own, site, and the most supply its item can use, which keeps every big-M finite);
* ``supply[i]`` = T_i, total supply of item i;
* ``shortfall[i]`` = u_i in [0, demand_i], only where ``shortfall_penalty`` is set;
* ``qualified[s]`` = q_s binary, only where s has a fixed cost or a minimum order;
* ``site_open[k]`` = o_k binary, only where site k has a fixed cost.

Tiered suppliers carry their cost on tier variables (:mod:`trustsource.model.tiers`).
"""

from __future__ import annotations

import numpy as np
from trustsource.model.context import Context
from trustsource.model.core import ModelData


def add_variables(md: ModelData, ctx: Context) -> None:
    """Create x, supply, shortfall, qualified and site_open; record their columns in ``ctx``."""
    n_s, n_i, n_k = len(ctx.sup_ids), len(ctx.item_ids), len(ctx.site_ids)
    price = np.where(np.isnan(ctx.unit_price), 0.0, ctx.unit_price)
    ctx.x = md.add_vars("x", ctx.sup_ids, lb=0.0, ub=ctx.cap_eff, cost=price)
    ctx.supply = md.add_vars("supply", ctx.item_ids, lb=0.0, ub=ctx.most)

    has_pen = ~np.isnan(ctx.penalty)
    ctx.shortfall = np.full(n_i, -1, dtype=np.int64)
    if has_pen.any():
        idx = np.flatnonzero(has_pen)
        ctx.shortfall[idx] = md.add_vars(
            "shortfall", [ctx.item_ids[i] for i in idx], lb=0.0, ub=ctx.demand[idx],
            cost=ctx.penalty[idx],
        )

    needs_q = (ctx.fixed > 0) | (ctx.min_order > 0)
    ctx.qualified = np.full(n_s, -1, dtype=np.int64)
    if needs_q.any():
        idx = np.flatnonzero(needs_q)
        ctx.qualified[idx] = md.add_vars(
            "qualified", [ctx.sup_ids[s] for s in idx], lb=0.0, ub=1.0, integer=True,
            cost=ctx.fixed[idx],
        )

    ctx.site_open = np.full(n_k, -1, dtype=np.int64)
    needs_o = ctx.site_fixed > 0
    if needs_o.any():
        idx = np.flatnonzero(needs_o)
        ctx.site_open[idx] = md.add_vars(
            "site_open", [ctx.site_ids[k] for k in idx], lb=0.0, ub=1.0, integer=True,
            cost=ctx.site_fixed[idx],
        )
