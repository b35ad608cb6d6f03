r"""Exit coverage of a plan: what the qualified suppliers can still deliver after one loss.

For item i with supply :math:`T_i`, the qualified offers Q (a banned offer is never qualified)
and a lost unit u (a country, a site, or a supplier), the coverage left is

.. math::

    \text{left}(u) = \sum_{k} \min\Big(C_k,\ \sum_{s \in Q_{i,k} \setminus u} \bar K_s\Big)
    + \sum_{s \in Q_i^0 \setminus u} \bar K_s

with :math:`\bar K_s` the offer's effective capacity (``ctx.cap_eff``), :math:`Q_{i,k}` the
qualified offers of i at site k (capacity :math:`C_k`) and :math:`Q_i^0` those without a site. A
site counts at most its capacity per item, however many offers of the item it carries; a site
offering several items counts up to its capacity towards each (as in the model,
:mod:`trustsource.model.rules.exit_rights`, and the verifier). The KPI is
:math:`\min_u \text{left}(u) / T_i` and the unit reaching it.

Computed in one grouping per item: ``left(u) = total - loss(u)`` where u's loss is its offers
without a site plus, per site it touches, the site's coverage minus what the rest of the site
still gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from trustsource.model.context import Context


def site_units(ctx: Context) -> np.ndarray:
    """Per supplier, the site it would be lost with (None when it has no site)."""
    ids = np.array(ctx.site_ids + [None], dtype=object)
    return ids[ctx.sup_site]


def supplier_units(ctx: Context) -> np.ndarray:
    """Per supplier, itself (losing a supplier loses only that offer)."""
    return np.array(ctx.sup_ids, dtype=object)


def exit_coverage(
    ctx: Context, qualified: np.ndarray, units: np.ndarray, i: int, t: float
) -> tuple[float, Any]:
    """(share of supply still coverable after the worst single loss, that unit) for item i.

    ``units`` gives per supplier the unit it is lost with (None: it cannot be lost). Coverage
    counts the effective capacity of qualified suppliers, a site at most its capacity (see the
    module docstring). NaN without supply; the unit is None when nothing can be lost.
    """
    if t <= 0:
        return float("nan"), None
    mine = np.flatnonzero((ctx.sup_item == i) & qualified)
    cap = ctx.cap_eff[mine]
    site = ctx.sup_site[mine]
    at = site >= 0
    # Per site of the item: raw qualified capacity and what it can deliver (at most C_k).
    raw = pd.Series(cap[at], index=site[at]).groupby(level=0).sum()
    covered = np.minimum(raw.to_numpy(), ctx.site_cap[raw.index.to_numpy(dtype=np.int64)])
    cover_of = pd.Series(covered, index=raw.index)
    total = float(cap[~at].sum() + covered.sum())
    lost = units[mine]
    valid = np.array([u is not None for u in lost], dtype=bool)
    if not valid.any():
        return total / t, None
    # Loss of u: its offers without a site, plus per (u, site) the site's coverage less what
    # the site's other offers still give.
    free = pd.Series(np.where(at, 0.0, cap)[valid], index=lost[valid]).groupby(level=0).sum()
    keep = valid & at
    loss = free
    if keep.any():
        part = (
            pd.DataFrame({"u": lost[keep], "k": site[keep], "c": cap[keep]})
            .groupby(["u", "k"], sort=False)["c"]
            .sum()
        )
        ks = part.index.get_level_values("k").to_numpy(dtype=np.int64)
        rest = np.maximum(raw.loc[ks].to_numpy() - part.to_numpy(), 0.0)
        drop = cover_of.loc[ks].to_numpy() - np.minimum(rest, ctx.site_cap[ks])
        by_unit = pd.Series(drop, index=part.index.get_level_values("u")).groupby(level=0).sum()
        loss = free.add(by_unit, fill_value=0.0)
    worst = loss.idxmax()  # units in sorted order: the first of equal losses
    return (total - float(loss.max())) / t, worst
