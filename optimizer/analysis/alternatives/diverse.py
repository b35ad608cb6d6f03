r"""Diverse plans: near-optimal plans as different as possible from those found before.

Hop-Skip-Jump modelling to generate alternatives (Brill et al., 1982), in share units: plan
:math:`k+1` minimises the use of what plans :math:`0..k` used, weighted by how much they used it,

.. math::

    \min \sum_{i} \frac{1}{\bar T_i} \Big( \sum_{g} w_{i,g} \sum_{s \in S_i \cap G_g} x_s
    \;-\; \lambda_i T_i \Big),
    \qquad w_{i,g} = \sum_{p \le k} \sigma^{(p)}_{i,g},
    \qquad \lambda_i = \sum_g w_{i,g}\, \sigma^{(0)}_{i,g},

over the near-optimal plans (:mod:`.near`), with plan 0 the optimum, :math:`\sigma^{(p)}_{i,g}`
group :math:`g`'s share of item :math:`i` in plan :math:`p` and :math:`\bar T_i` the most supply
item :math:`i` can need (so every item weighs alike whatever its unit). Weighting by share,
not by a yes/no "used", keeps a trace purchase from counting like a main source. The
:math:`-\lambda_i T_i` term is the weighted use *as a share*, linearised at the optimum
(Dinkelbach's form): without it, where an item may be left short, buying less of everything
would pass for buying elsewhere. Where every plan buys the same total it is a constant. The
search stops early when the next plan repeats an earlier one's shares: no other plan within the
slack was found that moves the groups measured.
"""

from __future__ import annotations

import numpy as np

from .groups import Group, group_shares
from .near import NearModel

SAME_PLAN = 1e-4
"""Two plans whose group shares all differ by less than this are the same plan."""


def diverse_plans(
    near: NearModel,
    groups: list[Group],
    count: int,
    *,
    time_limit: float | None,
    rel_gap: float,
) -> tuple[list[np.ndarray], str]:
    """Up to ``count`` plans (column vectors) after the optimum ``near.pool[0]``, and why the
    search stopped early ('' when it found them all)."""
    if count <= 0 or not groups or not near.pool:
        return [], ""
    ctx = near.model.ctx
    optimum = near.pool[0]
    found = [group_shares(ctx, optimum, groups)]
    weights = found[0].copy()
    scale = np.maximum(ctx.most, 1e-12)
    plans: list[np.ndarray] = []
    while len(plans) < count:
        objective = np.zeros(len(near.cost))
        lam = np.zeros(len(ctx.item_ids))
        for g, w, first in zip(groups, weights, found[0]):
            if w > 0:
                objective[ctx.x[g.members]] += w / scale[g.item]
                lam[g.item] += w * first
        for i in np.flatnonzero(lam):
            objective[ctx.supply[i]] -= lam[i] / scale[i]
        ans = near.optimise(
            objective,
            maximise=False,
            start=optimum,
            rel_gap=rel_gap,
            abs_gap=1e-6,
            time_limit=time_limit,
        )
        if ans.col is None:
            return (
                plans,
                f"the search for plan {len(plans) + 1} ended without a plan ({ans.status})",
            )
        shares = group_shares(ctx, ans.col, groups)
        if any(np.abs(shares - f).max() < SAME_PLAN for f in found):
            return plans, (
                f"no plan within the slack was found that differs from the {len(found)} before "
                "in the shares measured"
            )
        plans.append(ans.col)
        found.append(shares)
        weights += shares
    return plans, ""
