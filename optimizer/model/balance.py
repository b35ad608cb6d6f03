r"""Supply definition and material balance (multi-tier chains).

.. math::

    T_i = \sum_{s \in S_i} x_s \qquad \forall i \qquad (\texttt{supply\_def})

    T_i + u_i - \sum_j a_{j,i}\, T_j = d_i \qquad \forall i \qquad (\texttt{balance})

where :math:`a_{j,i}` is the quantity of item i consumed per unit of item j (its ``inputs``) and
:math:`u_i` the shortfall (zero unless a penalty allows it). Demand is met exactly: no
over-buying to reach a price break.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .context import Context
from .core import ModelData, RowBlock, grouped_rows


def add_balance(md: ModelData, ctx: Context) -> None:
    """Append the ``supply_def`` and ``balance`` row blocks."""
    n_i = len(ctx.item_ids)
    # supply_def: every item gets a row, even one without suppliers (then T_i = 0).
    keys = np.concatenate([ctx.sup_item, np.arange(n_i)])
    cols = np.concatenate([ctx.x, ctx.supply])
    coefs = np.concatenate([np.ones(len(ctx.x)), -np.ones(n_i)])
    _, indptr, indices, data = grouped_rows(keys, cols, coefs)
    meta = pd.DataFrame({"item": ctx.item_ids})
    md.add_rows(
        RowBlock(
            "supply_def",
            "supply_def",
            ctx.item_ids,
            indptr,
            indices,
            data,
            np.zeros(n_i),
            np.zeros(n_i),
            meta,
        )
    )

    # balance: T_i + u_i - sum_j a_ji T_j = d_i
    rows, cols_l, coef_l = [], [], []
    index = ctx.inst.item_index
    for j, it in enumerate(ctx.inst.items):  # one entry per bill-of-materials line
        for i_id, per_unit in it.inputs.items():
            rows.append(index[i_id])
            cols_l.append(ctx.supply[j])
            coef_l.append(-per_unit)
    has_u = ctx.shortfall >= 0
    keys = np.concatenate([np.arange(n_i), np.flatnonzero(has_u), np.array(rows, dtype=np.int64)])
    cols = np.concatenate([ctx.supply, ctx.shortfall[has_u], np.array(cols_l, dtype=np.int64)])
    coefs = np.concatenate([np.ones(n_i), np.ones(int(has_u.sum())), np.array(coef_l)])
    _, indptr, indices, data = grouped_rows(keys, cols, coefs)
    md.add_rows(
        RowBlock(
            "balance",
            "balance",
            ctx.item_ids,
            indptr,
            indices,
            data,
            ctx.demand.copy(),
            ctx.demand.copy(),
            meta,
        )
    )
