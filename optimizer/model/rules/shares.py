"""Shared builder for share rows: a group's supply against a share of its item's supply.

Every share rule has the form ``sum_{s in G} x_s  (<= or >=)  alpha * T_i`` for groups G of
suppliers of item i (one country, one bloc, one supplier, the no-exit-clause contracts). This
module builds such rows for many groups at once with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..context import Context
from ..core import RowBlock, grouped_rows


def share_block(
    ctx: Context,
    name: str,
    family: str,
    members: np.ndarray,
    scope: np.ndarray,
    alpha: float,
    sense: str,
    forced_items: np.ndarray | None = None,
    forced_scope: str = "",
) -> RowBlock:
    """Rows ``sum_{s in members, same (item, scope)} x_s - alpha * T_item (sense) 0``.

    Args:
        ctx: build context.
        name: component name (the rule name).
        family: rule kind.
        members: supplier indices taking part.
        scope: per member, the group label within its item (a country, a bloc, a supplier id).
        alpha: the share limit.
        sense: ``"<="`` or ``">="``.
        forced_items: items that get a row even without members (a floor on an item that has
            no supplier in the bloc must still bind: it forces T_i = 0).
        forced_scope: scope label of the forced rows.
    """
    items = ctx.sup_item[members]
    g_item = np.asarray(items, dtype=np.int64)
    g_scope = np.asarray(scope, dtype=object)
    if forced_items is not None and len(forced_items):
        g_item = np.concatenate([g_item, forced_items.astype(np.int64)])
        g_scope = np.concatenate([g_scope, np.full(len(forced_items), forced_scope, dtype=object)])
    # One integer key per (item, scope) group.
    frame = pd.DataFrame({"item": g_item, "scope": g_scope})
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(frame), sort=True)
    n_groups = len(uniq)
    group_item = np.asarray(uniq.get_level_values(0), dtype=np.int64)
    group_scope = np.asarray(uniq.get_level_values(1), dtype=object)
    n_members = len(members)
    keys = np.concatenate([codes[:n_members], np.arange(n_groups)])
    cols = np.concatenate([ctx.x[members], ctx.supply[group_item]])
    coefs = np.concatenate([np.ones(n_members), np.full(n_groups, -alpha)])
    _, indptr, indices, data = grouped_rows(keys, cols, coefs)
    item_ids = np.array(ctx.item_ids, dtype=object)[group_item]
    labels = [f"{i}|{sc}" if sc else str(i) for i, sc in zip(item_ids, group_scope)]
    lb = np.zeros(n_groups) if sense == ">=" else np.full(n_groups, -np.inf)
    ub = np.zeros(n_groups) if sense == "<=" else np.full(n_groups, np.inf)
    meta = pd.DataFrame({"item": item_ids, "scope": group_scope, "limit": alpha, "sense": sense})
    return RowBlock(name, family, labels, indptr, indices, data, lb, ub, meta)


def selected_items(ctx: Context, items: Sequence[str] | None) -> np.ndarray:
    """Indices of the items a rule applies to."""
    if items is None:
        return np.arange(len(ctx.item_ids))
    return np.array([ctx.inst.item_index[i] for i in items], dtype=np.int64)
