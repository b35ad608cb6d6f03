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

from ..model.context import Context


def site_units(ctx: Context) -> np.ndarray:
    """Per supplier, the site it would be lost with (None when it has no site)."""
    ids = np.array(ctx.site_ids + [None], dtype=object)
    return ids[ctx.sup_site]


def supplier_units(ctx: Context) -> np.ndarray:
    """Per supplier, itself (losing a supplier loses only that offer)."""
    return np.array(ctx.sup_ids, dtype=object)


def exit_coverage(
    ctx: Context,
    qualified: np.ndarray,
    units: np.ndarray,
    i: int,
    t: float,
    offers: np.ndarray | None = None,
) -> tuple[float, Any]:
    """(share of supply still coverable after the worst single loss, that unit) for item i.

    ``units`` gives per supplier the unit it is lost with (None: it cannot be lost). Coverage
    counts the effective capacity of qualified suppliers, a site at most its capacity (see the
    module docstring). NaN without supply; the unit is None when nothing can be lost.
    ``offers``: the indices of item i's suppliers when the caller has them (grouped once for all
    items, so the results stay linear in the number of offers), else found here.
    """
    if t <= 0:
        return float("nan"), None
    if offers is None:
        offers = np.flatnonzero(ctx.sup_item == i)
    mine = offers[qualified[offers]]
    cap = ctx.cap_eff[mine]
    site = ctx.sup_site[mine]
    at = site >= 0
    # Per site of the item: raw qualified capacity and what it can deliver (at most C_k).
    sites, s_inv = np.unique(site[at], return_inverse=True)
    raw = np.bincount(s_inv, weights=cap[at], minlength=len(sites))
    covered = np.minimum(raw, ctx.site_cap[sites])
    total = float(cap[~at].sum() + covered.sum())
    lost = units[mine]
    valid = np.fromiter((u is not None for u in lost), dtype=bool, count=len(lost))
    if not valid.any():
        return total / t, None
    # numpy rather than pandas: this runs three times per item of every plan.
    keys, inv = np.unique(lost[valid], return_inverse=True)  # sorted: ties go to the first
    # Loss of u: its offers without a site, plus per (u, site) the site's coverage less what
    # the site's other offers still give.
    loss = np.bincount(inv, weights=np.where(at[valid], 0.0, cap[valid]), minlength=len(keys))
    pv = valid & at
    if pv.any():
        n_k = len(sites)
        pair = inv[at[valid]] * n_k + np.searchsorted(sites, site[pv])
        pairs, p_inv = np.unique(pair, return_inverse=True)
        taken = np.bincount(p_inv, weights=cap[pv])
        pu, pk = pairs // n_k, pairs % n_k
        rest = np.minimum(np.maximum(raw[pk] - taken, 0.0), ctx.site_cap[sites[pk]])
        loss += np.bincount(pu, weights=covered[pk] - rest, minlength=len(keys))
    w = int(np.argmax(loss))
    return (total - float(loss[w])) / t, keys[w]
