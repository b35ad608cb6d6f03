r"""Count rules: how many suppliers or countries an item's supply spreads over.

``min_suppliers`` (binary :math:`w_{r,s}`: supplier s counts towards rule r):

.. math::

    x_s \ge \mu\, T_i - \mu\, \overline{T}_i (1 - w_{r,s}) \qquad
    \sum_{s \in S_i} w_{r,s} \ge N \qquad \forall i \in I_r

``min_countries`` (binary :math:`v_{r,i,c}`: country c counts for item i):

.. math::

    \sum_{s \in S_i,\, c(s) = c} x_s \ge \mu\, T_i - \mu\, \overline{T}_i (1 - v_{r,i,c}) \qquad
    \sum_c v_{r,i,c} \ge N

``max_suppliers`` (the award decisions :math:`g_s` of :mod:`trustsource.model.capacity`, which
every supplier of a covered item has):

.. math::

    \sum_{s \in S_i} g_s \le N

:math:`\mu` is ``min_share_each`` (default 0.01: a token award does not count) and
:math:`\overline{T}_i` the most supply item i can need, which makes the big-M exact: with
:math:`w = 0` the row reads :math:`x_s \ge \mu (T_i - \overline{T}_i)`, never binding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...instance.schema import MaxSuppliersRule, MinCountriesRule, MinSuppliersRule
from ..context import Context
from ..core import ModelData, RowBlock, grouped_rows, single_term_rows
from .shares import selected_items


def _count_rows(
    md: ModelData,
    ctx: Context,
    name: str,
    kind: str,
    items: np.ndarray,
    group_item: np.ndarray,
    labels: list[str],
    group_of_member: np.ndarray,
    members: np.ndarray,
    share: float,
    count: int,
) -> None:
    """Floor rows per counted group, the count row per item, and zero-supply rows.

    ``group_item[g]`` is the item of group g, ``group_of_member[m]`` the group of supplier
    ``members[m]``. An item with fewer than ``count`` groups can satisfy the rule only with no
    supply at all (every share of nothing is met), so it gets ``T_i <= 0`` instead.
    """
    n_groups_of = np.bincount(group_item, minlength=len(ctx.item_ids))
    short = items[n_groups_of[items] < count]
    if len(short):
        indptr, indices, data = single_term_rows(ctx.supply[short], np.ones(len(short)))
        short_labels = [ctx.item_ids[i] for i in short]
        md.add_rows(
            RowBlock(
                f"{name}.too_few",
                kind,
                short_labels,
                indptr,
                indices,
                data,
                np.full(len(short), -np.inf),
                np.zeros(len(short)),
                pd.DataFrame({"item": short_labels}),
            )
        )
    keep_group = n_groups_of[group_item] >= count
    if not keep_group.any():
        return
    new_index = np.cumsum(keep_group) - 1
    keep_member = keep_group[group_of_member]
    group_of_member = new_index[group_of_member[keep_member]]
    members = members[keep_member]
    group_item = group_item[keep_group]
    labels = [lab for lab, k in zip(labels, keep_group) if k]
    n_g = len(group_item)
    ind = md.add_vars(f"{name}.counted", labels, lb=0.0, ub=1.0, integer=True)
    big_m = share * ctx.most[group_item]
    # Floor: sum x - mu T - mu Tbar w >= -mu Tbar
    keys = np.concatenate([group_of_member, np.arange(n_g), np.arange(n_g)])
    cols = np.concatenate([ctx.x[members], ctx.supply[group_item], ind])
    coefs = np.concatenate([np.ones(len(members)), np.full(n_g, -share), -big_m])
    _, indptr, indices, data = grouped_rows(keys, cols, coefs)
    meta = pd.DataFrame({"item": np.array(ctx.item_ids, dtype=object)[group_item], "scope": labels})
    md.add_rows(
        RowBlock(
            f"{name}.floor", kind, labels, indptr, indices, data, -big_m, np.full(n_g, np.inf), meta
        )
    )
    uniq, indptr, indices, data = grouped_rows(group_item, ind, 1.0)
    item_labels = [ctx.item_ids[i] for i in uniq]
    md.add_rows(
        RowBlock(
            f"{name}.count",
            kind,
            item_labels,
            indptr,
            indices,
            data,
            np.full(len(uniq), float(count)),
            np.full(len(uniq), np.inf),
            pd.DataFrame({"item": item_labels}),
        )
    )


def add_min_suppliers(md: ModelData, ctx: Context, rule: MinSuppliersRule) -> None:
    """Append ``<name>.floor`` and ``<name>.count`` rows and the counting binaries."""
    members = np.flatnonzero(ctx.item_mask(rule.items))
    labels = [ctx.sup_ids[s] for s in members]
    _count_rows(
        md,
        ctx,
        rule.name or rule.kind,
        rule.kind,
        selected_items(ctx, rule.items),
        ctx.sup_item[members],
        labels,
        np.arange(len(members)),
        members,
        rule.min_share_each,
        rule.count,
    )


def add_min_countries(md: ModelData, ctx: Context, rule: MinCountriesRule) -> None:
    """Append ``<name>.floor`` and ``<name>.count`` rows and the counting binaries."""
    members = np.flatnonzero(ctx.item_mask(rule.items))
    codes = np.zeros(0, dtype=np.int64)
    group_item = np.zeros(0, dtype=np.int64)
    countries: np.ndarray = np.zeros(0, dtype=object)
    if len(members):
        frame = pd.DataFrame(
            {"item": ctx.sup_item[members], "country": ctx.basis(rule.basis)[members]}
        )
        codes, uniq = pd.factorize(pd.MultiIndex.from_frame(frame), sort=True)
        group_item = np.asarray(uniq.get_level_values(0), dtype=np.int64)
        countries = np.asarray(uniq.get_level_values(1), dtype=object)
    labels = [f"{ctx.item_ids[i]}|{c}" for i, c in zip(group_item, countries)]
    _count_rows(
        md,
        ctx,
        rule.name or rule.kind,
        rule.kind,
        selected_items(ctx, rule.items),
        group_item,
        labels,
        np.asarray(codes, dtype=np.int64),
        members,
        rule.min_share_each,
        rule.count,
    )


def add_max_suppliers(md: ModelData, ctx: Context, rule: MaxSuppliersRule) -> None:
    """Append ``<name>`` rows: at most N award decisions per item."""
    members = np.flatnonzero(ctx.item_mask(rule.items))
    if not len(members):
        return
    # variables.py gives every supplier of a max_suppliers item an award decision.
    assert (ctx.gate[members] >= 0).all()
    uniq, indptr, indices, data = grouped_rows(ctx.sup_item[members], ctx.gate[members], 1.0)
    labels = [ctx.item_ids[i] for i in uniq]
    md.add_rows(
        RowBlock(
            rule.name or rule.kind,
            rule.kind,
            labels,
            indptr,
            indices,
            data,
            np.full(len(uniq), -np.inf),
            np.full(len(uniq), float(rule.count)),
            pd.DataFrame({"item": labels, "limit": rule.count}),
        )
    )
