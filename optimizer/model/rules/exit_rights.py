r"""``exit``: the right to walk away from any one country, site or supplier.

For every unit u that could be lost (a basis country, a site, or a supplier) of item i, the
capacity of the *qualified* suppliers outside u covers ``coverage`` of the item's supply:

.. math::

    \sum_{s \in S_i,\; s \notin u} \bar K_s\, \theta_s \;\ge\; \gamma\, T_i
    \qquad \forall i \in I_r,\; u \in U_i

:math:`\theta_s` is s's qualification: its ``qualified`` binary if it has a fixed cost, else its
site's ``site_open`` binary, else the constant 1 (a supplier without onboarding cost is always
available). Qualification is separate from award, so a buyer may pay to keep a standby.
Suppliers excluded by a ``ban`` never count. An offer counts
:math:`\bar K_s = \min(\text{own}, \text{site})` capacity; two offers of the *same* item at one
site therefore each count up to the site's capacity (an optimistic reading when a site makes one
item under two contracts).

Two equivalent formulations (``exit_form``):

* ``dense``: the row above as written, one row per (item, unit) over all other suppliers.
  Pure-binary knapsack rows, from which HiGHS derives strong cover cuts, but
  :math:`|U_i| \cdot |S_i|` nonzeros per item.
* ``aux``: one variable per item for its total qualified capacity
  :math:`Q_i = \sum_s \bar K_s \theta_s` (variable ``<rule>.capacity``, row ``<rule>.total``), then
  :math:`Q_i - \sum_{s \in u} \bar K_s \theta_s \ge \gamma T_i`: :math:`|S_i|` nonzeros per
  item and unit set, but HiGHS sees no knapsack rows.
* ``auto`` (default): ``dense`` for countries and sites, ``aux`` for suppliers (where the dense
  form is quadratic in the number of suppliers). Measured in ``benchmarks/``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from trustsource.model.context import Context
from trustsource.model.core import ModelData, RowBlock
from trustsource.model.rules.shares import selected_items
from trustsource.schema import ExitRule


def add(md: ModelData, ctx: Context, rule: ExitRule) -> None:
    """Append the rule's rows in the chosen formulation."""
    form = ctx.options.get("exit_form", "auto")
    if form == "auto":
        form = "aux" if rule.lose == "supplier" else "dense"
    name = rule.name or rule.kind
    rows_ptr, rows_idx, rows_val, rows_lb, labels, meta = [0], [], [], [], [], []
    total_items: list[int] = []
    total_cols: list[np.ndarray] = []
    total_caps: list[np.ndarray] = []
    total_const: list[float] = []
    aux_cols: np.ndarray | None = None
    items = selected_items(ctx, rule.items)
    if form == "aux":
        aux_cols = md.add_vars(f"{name}.capacity", [ctx.item_ids[i] for i in items], lb=0.0)
    usable = ~ctx.banned()  # a banned supplier's capacity covers nothing
    for n, i in enumerate(items):  # one pass per item; rows are built with numpy inside
        members = np.flatnonzero((ctx.sup_item == i) & usable)
        cap = ctx.cap_eff[members]
        theta = ctx.qual_ind[members]
        var = theta >= 0
        if rule.lose == "country":
            unit = np.asarray(ctx.basis(rule.basis)[members], dtype=object)
        elif rule.lose == "site":
            unit = np.where(ctx.sup_site[members] >= 0, ctx.sup_site[members], -1).astype(object)
        else:
            unit = members.astype(object)
        lost = [u for u in dict.fromkeys(unit.tolist()) if not (rule.lose == "site" and u == -1)]
        if aux_cols is not None:
            total_items.append(int(i))
            total_cols.append(theta[var])
            total_caps.append(cap[var])
            total_const.append(float(cap[~var].sum()))
        for u in lost:
            inside = unit == u
            if aux_cols is None:
                keep = ~inside & var
                idx = np.concatenate([theta[keep], [ctx.supply[i]]])
                val = np.concatenate([cap[keep], [-rule.coverage]])
                lb = -float(cap[~inside & ~var].sum())
            else:
                keep = inside & var
                idx = np.concatenate([[aux_cols[n]], theta[keep], [ctx.supply[i]]])
                val = np.concatenate([[1.0], -cap[keep], [-rule.coverage]])
                lb = float(cap[inside & ~var].sum())
            rows_idx.append(idx)
            rows_val.append(val)
            rows_ptr.append(rows_ptr[-1] + len(idx))
            rows_lb.append(lb)
            shown = ctx.site_ids[u] if rule.lose == "site" else (
                ctx.sup_ids[u] if rule.lose == "supplier" else u)
            labels.append(f"{ctx.item_ids[i]}|{shown}")
            meta.append((ctx.item_ids[i], shown))
        if not lost:
            # Nothing can be lost (no site to lose): the rule asks nothing of this item.
            continue
    if aux_cols is not None and total_items:
        _add_totals(md, ctx, name, rule.kind, aux_cols, total_items, total_cols, total_caps,
                    total_const)
    if labels:
        md.add_rows(RowBlock(
            name, rule.kind, labels, np.array(rows_ptr, dtype=np.int64),
            np.concatenate(rows_idx).astype(np.int64), np.concatenate(rows_val),
            np.array(rows_lb), np.full(len(labels), np.inf),
            pd.DataFrame(meta, columns=["item", "scope"]).assign(limit=rule.coverage),
        ))


def _add_totals(md: ModelData, ctx: Context, name: str, kind: str, aux_cols: np.ndarray,
                items: list[int], cols: list[np.ndarray], caps: list[np.ndarray],
                const: list[float]) -> None:
    """``Q_i - sum_s Kbar_s theta_s = sum of always-qualified capacity``."""
    lengths = np.array([1 + len(c) for c in cols], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate([np.concatenate([[aux_cols[n]], c]) for n, c in enumerate(cols)])
    data = np.concatenate([np.concatenate([[1.0], -k]) for k in caps])
    rhs = np.array(const)
    labels = [ctx.item_ids[i] for i in items]
    md.add_rows(RowBlock(f"{name}.total", kind, labels, indptr, indices.astype(np.int64), data,
                         rhs, rhs.copy(), pd.DataFrame({"item": labels})))
