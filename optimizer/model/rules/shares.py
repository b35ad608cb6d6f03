r"""Shared builder for share rows: a group's supply against a share of its item's supply.

Every share rule has the form ``sum_{s in G} x_s  (<= or >=)  alpha * T_i`` for groups G of
suppliers of item i (one country, one bloc, one supplier, the no-exit-clause contracts). This
module builds such rows for many groups at once with numpy.

With ``measure: cost`` the shares are of purchase cost instead of quantity:

.. math::

    \sum_{s \in G} c_s(x) \;(\le, \ge)\; \alpha \sum_{s \in S_i} c_s(x),
    \qquad c_s(x) = (1+\tau_s)\, p_s\, x_s \;\text{or}\; \sum_t (1+\tau_s)\, p_{s,t}\, y_{s,t}

:math:`c_s` is the supplier's purchase cost after price tiers and tariffs, linear in the model's
``x`` or tier columns (:mod:`trustsource.model.tiers`); fixed costs are not material cost and
stay out. An item bought at zero cost has no cost shares: its rows read ``0 <= 0``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..context import Context
from ..core import ModelData, RowBlock, grouped_rows


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
    codes, group_item, group_scope = _groups(ctx, members, scope, forced_items, forced_scope)
    n_groups, n_members = len(group_item), len(members)
    keys = np.concatenate([codes[:n_members], np.arange(n_groups)])
    cols = np.concatenate([ctx.x[members], ctx.supply[group_item]])
    coefs = np.concatenate([np.ones(n_members), np.full(n_groups, -alpha)])
    _, indptr, indices, data = grouped_rows(keys, cols, coefs)
    return _block(ctx, name, family, (indptr, indices, data), group_item, group_scope, alpha, sense)


def _groups(
    ctx: Context,
    members: np.ndarray,
    scope: np.ndarray,
    forced_items: np.ndarray | None,
    forced_scope: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One integer key per (item, scope) group: (each member's and forced row's group, each
    group's item, each group's scope), groups sorted."""
    g_item = np.asarray(ctx.sup_item[members], dtype=np.int64)
    g_scope = np.asarray(scope, dtype=object)
    if forced_items is not None and len(forced_items):
        g_item = np.concatenate([g_item, forced_items.astype(np.int64)])
        g_scope = np.concatenate([g_scope, np.full(len(forced_items), forced_scope, dtype=object)])
    if not len(g_item):
        return np.zeros(0, dtype=np.int64), g_item, g_scope
    # Sorted by item, then scope: scope codes in sorted order, then one key per pair.
    scopes, scope_code = np.unique(g_scope, return_inverse=True)
    pair = g_item * len(scopes) + scope_code.ravel()
    uniq, codes = np.unique(pair, return_inverse=True)
    group_item = uniq // len(scopes)
    group_scope = np.asarray(scopes, dtype=object)[uniq % len(scopes)]
    return codes.ravel(), group_item, group_scope


def _block(
    ctx: Context,
    name: str,
    family: str,
    csr: tuple[np.ndarray, np.ndarray, np.ndarray],
    group_item: np.ndarray,
    group_scope: np.ndarray,
    alpha: float,
    sense: str,
    **meta_extra: str,
) -> RowBlock:
    """The row block of share rows ``(sense) 0``, one per group, labelled ``item|scope``."""
    n_groups = len(group_item)
    item_ids = np.array(ctx.item_ids, dtype=object)[group_item]
    labels = [f"{i}|{sc}" if sc else str(i) for i, sc in zip(item_ids, group_scope)]
    lb = np.zeros(n_groups) if sense == ">=" else np.full(n_groups, -np.inf)
    ub = np.zeros(n_groups) if sense == "<=" else np.full(n_groups, np.inf)
    meta = pd.DataFrame(
        {"item": item_ids, "scope": group_scope, "limit": alpha, "sense": sense, **meta_extra}
    )
    return RowBlock(name, family, labels, *csr, lb, ub, meta)


def cost_terms(md: ModelData, ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The purchase cost as ``(supplier, column, coefficient)`` terms: ``x`` at its unit price
    (after tariff) and each tier column at its tier price."""
    price = md.var_blocks["x"].cost
    plain = np.flatnonzero(price != 0)
    sup, col, coef = [plain], [ctx.x[plain]], [price[plain]]
    tiers = md.var_blocks.get("tier_qty")
    if tiers is not None and tiers.size:
        sup.append(np.asarray(md.info["tier_supplier"], dtype=np.int64))
        col.append(tiers.cols)
        coef.append(tiers.cost)
    return np.concatenate(sup), np.concatenate(col), np.concatenate(coef)


def _expand(starts: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """Positions ``starts[o] .. starts[o + 1] - 1`` for each ``o`` in ``owners``, concatenated
    (the CSR rows of the owners, in bulk)."""
    counts = starts[owners + 1] - starts[owners]
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    out: np.ndarray = np.repeat(starts[owners], counts) + offset
    return out


def cost_share_block(
    md: ModelData,
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
    """:func:`share_block` on purchase cost: ``sum_{s in G} c_s - alpha * sum_{s of i} c_s``."""
    codes, group_item, group_scope = _groups(ctx, members, scope, forced_items, forced_scope)
    n_groups = len(group_item)
    t_sup, t_col, t_coef = cost_terms(md, ctx)
    # Cost terms by supplier and suppliers by item, as CSR, to expand groups in bulk.
    by_sup = np.argsort(t_sup, kind="stable")
    sup_starts = np.searchsorted(t_sup[by_sup], np.arange(len(ctx.sup_ids) + 1))
    by_item = np.argsort(ctx.sup_item, kind="stable")
    item_starts = np.searchsorted(ctx.sup_item[by_item], np.arange(len(ctx.item_ids) + 1))
    members = np.asarray(members, dtype=np.int64)
    own = by_sup[_expand(sup_starts, members)]  # the members' own terms
    own_rows = np.repeat(codes[: len(members)], sup_starts[members + 1] - sup_starts[members])
    item_sups = by_item[_expand(item_starts, group_item)]  # every supplier of each group's item
    item_rows = np.repeat(
        np.arange(n_groups), item_starts[group_item + 1] - item_starts[group_item]
    )
    all_terms = by_sup[_expand(sup_starts, item_sups)]
    all_rows = np.repeat(item_rows, sup_starts[item_sups + 1] - sup_starts[item_sups])
    # A member's terms appear twice (its own and its item's): sum them into one coefficient.
    a = sp.csr_array(
        (
            np.concatenate([t_coef[own], -alpha * t_coef[all_terms]]),
            (np.concatenate([own_rows, all_rows]), np.concatenate([t_col[own], t_col[all_terms]])),
        ),
        shape=(n_groups, max(md.n_cols, 1)),
    )
    a.sum_duplicates()
    a.eliminate_zeros()
    csr = (a.indptr.astype(np.int64), a.indices.astype(np.int64), a.data)
    return _block(ctx, name, family, csr, group_item, group_scope, alpha, sense, measure="cost")


def share_rows(md: ModelData, ctx: Context, rule: object, *args: object, **kw: object) -> RowBlock:
    """:func:`share_block` or :func:`cost_share_block`, as the rule's ``measure`` says."""
    if getattr(rule, "measure", None) == "cost":
        return cost_share_block(md, ctx, *args, **kw)  # type: ignore[arg-type]
    return share_block(ctx, *args, **kw)  # type: ignore[arg-type]


def selected_items(ctx: Context, items: Sequence[str] | None) -> np.ndarray:
    """Indices of the items a rule applies to."""
    if items is None:
        return np.arange(len(ctx.item_ids))
    return np.array([ctx.inst.item_index[i] for i in items], dtype=np.int64)
