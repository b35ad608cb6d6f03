r"""``ban``: no supply from suppliers whose basis country is banned.

.. math::

    \sum_{s \in S_i,\; c(s) \in B_r} x_s \le 0 \qquad \forall i \in I_r

with :math:`c(s)` the supplier's basis country (location, owner or control). With
``basis: influence`` the condition is :math:`\sum_{c \in B_r} E_{o(s),c} \ge \theta_r`: the banned
countries together hold at least the threshold of the supplier's owner :math:`o(s)`, through
the ``entities`` holdings (:mod:`trustsource.instance.ownership`).

One row per (rule, item) rather than variable bounds, so the ban keeps its name in the model,
in LP files and in explanations; HiGHS presolve turns the rows into fixings at no cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...instance.schema import BanRule
from ..context import Context
from ..core import ModelData, RowBlock, grouped_rows


def add(md: ModelData, ctx: Context, rule: BanRule) -> None:
    """Append the rule's rows."""
    sel = ctx.item_mask(rule.items) & ctx.members(rule, rule.countries)
    members = np.flatnonzero(sel)
    if not len(members):
        return
    uniq, indptr, indices, data = grouped_rows(ctx.sup_item[members], ctx.x[members], 1.0)
    labels = [ctx.item_ids[i] for i in uniq]
    meta = pd.DataFrame({"item": labels, "scope": "banned", "limit": 0.0, "sense": "<="})
    md.add_rows(
        RowBlock(
            rule.name or rule.kind,
            rule.kind,
            labels,
            indptr,
            indices,
            data,
            np.full(len(uniq), -np.inf),
            np.zeros(len(uniq)),
            meta,
        )
    )
