r"""Capacity, qualification, minimum orders, shared sites, and capacity-cover cuts.

.. math::

    x_s \le \bar K_s\, g_s \qquad (\texttt{award\_link}) \qquad
    x_s \ge m_s\, g_s \qquad (\texttt{min\_order}) \qquad
    a_s \le q_s \qquad (\texttt{award\_qualified})

    x_s \le \bar K_s\, o_{k(s)} \;\text{ or }\; a_s, q_s \le o_{k(s)} \qquad (\texttt{site\_link})

    \sum_{s \in k} x_s \le K_k\, o_k \qquad (\texttt{site\_capacity})

    \sum_{s \in S_i} \bar K_s\, g_s \ge L_i - \sum_{s \in S_i \text{ ungated}} \bar K_s
    \qquad (\texttt{cover}) \qquad
    \sum_k K_k\, o_k \ge \sum_{i \in I_\text{site}} L_i \qquad (\texttt{site\_cover})

:math:`\bar K_s` is the effective capacity (own, site, and the most supply the item can use),
:math:`g_s` the binary gating s's award (a_s, else q_s; in the cover rows, else o_k),
:math:`L_i` the least supply item i needs and :math:`I_\text{site}` the items supplied only
through sites with an opening decision. The two cover families are valid inequalities (implied
for integer points): pure-binary knapsack rows from which HiGHS derives cover cuts. On the
OR-Library sets the aggregate cut turned 600-second runs stopped at a 2 % gap into proven optima
in minutes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .context import Context
from .core import ModelData, RowBlock, grouped_rows, single_term_rows

_TOL = 1e-9


def add_capacity(md: ModelData, ctx: Context) -> None:
    """Append award_link, min_order, award_qualified, site_link, site_capacity, cover rows."""
    ids = np.array(ctx.sup_ids, dtype=object)
    has_g = ctx.gate >= 0
    s_g = np.flatnonzero(has_g)
    if len(s_g):
        indptr, indices, data = single_term_rows(
            ctx.x[s_g], np.ones(len(s_g)), ctx.gate[s_g], -ctx.cap_eff[s_g]
        )
        md.add_rows(
            RowBlock(
                "award_link",
                "award_link",
                list(ids[s_g]),
                indptr,
                indices,
                data,
                np.full(len(s_g), -np.inf),
                np.zeros(len(s_g)),
                _sup_meta(ctx, s_g),
            )
        )
    s_m = np.flatnonzero(has_g & (ctx.min_order > 0))
    if len(s_m):
        indptr, indices, data = single_term_rows(
            ctx.x[s_m], np.ones(len(s_m)), ctx.gate[s_m], -ctx.min_order[s_m]
        )
        md.add_rows(
            RowBlock(
                "min_order",
                "min_order",
                list(ids[s_m]),
                indptr,
                indices,
                data,
                np.zeros(len(s_m)),
                np.full(len(s_m), np.inf),
                _sup_meta(ctx, s_m),
            )
        )
    # An award needs qualification where the two are separate decisions (exit rules).
    s_aq = np.flatnonzero((ctx.awarded >= 0) & (ctx.qualified >= 0))
    if len(s_aq):
        indptr, indices, data = single_term_rows(
            ctx.awarded[s_aq], np.ones(len(s_aq)), ctx.qualified[s_aq], -np.ones(len(s_aq))
        )
        md.add_rows(
            RowBlock(
                "award_qualified",
                "award_qualified",
                list(ids[s_aq]),
                indptr,
                indices,
                data,
                np.full(len(s_aq), -np.inf),
                np.zeros(len(s_aq)),
                _sup_meta(ctx, s_aq),
            )
        )

    # Offers at a site with an opening decision: their binaries (or quantity) need it open.
    at_open_site = ctx.sup_site >= 0
    at_open_site[at_open_site] = ctx.site_open[ctx.sup_site[at_open_site]] >= 0
    labels: list[np.ndarray] = []
    firsts: list[np.ndarray] = []
    coefs: list[np.ndarray] = []
    sites: list[np.ndarray] = []
    for binary in (ctx.awarded, ctx.qualified):
        s_b = np.flatnonzero(at_open_site & (binary >= 0))
        labels.append(
            np.char.add(ids[s_b].astype(str), ".award" if binary is ctx.awarded else ".qualified")
        )
        firsts.append(binary[s_b])
        coefs.append(np.ones(len(s_b)))
        sites.append(s_b)
    s_x = np.flatnonzero(at_open_site & ~has_g)  # no binary of its own: gate the quantity
    labels.append(ids[s_x].astype(str))
    firsts.append(ctx.x[s_x])
    coefs.append(np.ones(len(s_x)))
    sites.append(s_x)
    s_l = np.concatenate(sites)
    if len(s_l):
        o_coefs = np.concatenate(
            [-np.ones(len(sites[0])), -np.ones(len(sites[1])), -ctx.cap_eff[s_x]]
        )
        indptr, indices, data = single_term_rows(
            np.concatenate(firsts), np.concatenate(coefs), ctx.site_open[ctx.sup_site[s_l]], o_coefs
        )
        md.add_rows(
            RowBlock(
                "site_link",
                "site_link",
                np.concatenate(labels).tolist(),
                indptr,
                indices,
                data,
                np.full(len(s_l), -np.inf),
                np.zeros(len(s_l)),
                _sup_meta(ctx, s_l),
            )
        )

    _add_site_capacity(md, ctx)
    _add_cover(md, ctx, has_g, at_open_site)


def _sup_meta(ctx: Context, s: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "supplier": np.array(ctx.sup_ids, dtype=object)[s],
            "item": np.array(ctx.item_ids, dtype=object)[ctx.sup_item[s]],
        }
    )


def _add_site_capacity(md: ModelData, ctx: Context) -> None:
    at_site = np.flatnonzero(ctx.sup_site >= 0)
    if not len(at_site):
        return
    site_of = ctx.sup_site[at_site]
    finite = np.isfinite(ctx.site_cap)
    keep = finite[site_of]
    at_site, site_of = at_site[keep], site_of[keep]
    if not len(at_site):
        return
    sites = np.unique(site_of)
    o_cols = ctx.site_open[sites]
    with_o = o_cols >= 0
    # Sites with an opening binary get it as an extra term; others a constant right-hand side.
    keys = np.concatenate([site_of, sites[with_o]])
    cols = np.concatenate([ctx.x[at_site], o_cols[with_o]])
    coefs = np.concatenate([np.ones(len(at_site)), -ctx.site_cap[sites[with_o]]])
    uniq, indptr, indices, data = grouped_rows(keys, cols, coefs)
    ub = np.where(ctx.site_open[uniq] >= 0, 0.0, ctx.site_cap[uniq])
    labels = [ctx.site_ids[k] for k in uniq]
    md.add_rows(
        RowBlock(
            "site_capacity",
            "site_capacity",
            labels,
            indptr,
            indices,
            data,
            np.full(len(uniq), -np.inf),
            ub,
            pd.DataFrame({"site": labels}),
        )
    )


def _add_cover(md: ModelData, ctx: Context, has_g: np.ndarray, at_open_site: np.ndarray) -> None:
    gate = np.where(has_g, ctx.gate, -1)
    site_gate = np.full(len(gate), -1, dtype=np.int64)
    site_gate[at_open_site] = ctx.site_open[ctx.sup_site[at_open_site]]
    gate = np.where(gate >= 0, gate, site_gate)
    gated = gate >= 0
    if not gated.any():
        return
    n_i = len(ctx.item_ids)
    ungated_cap = np.bincount(ctx.sup_item[~gated], weights=ctx.cap_eff[~gated], minlength=n_i)
    rhs = ctx.least - ungated_cap
    items_with_gate = np.zeros(n_i, dtype=bool)
    items_with_gate[ctx.sup_item[gated]] = True
    useful = (rhs > _TOL) & items_with_gate
    if useful.any():
        sel = gated & useful[ctx.sup_item]
        uniq, indptr, indices, data = grouped_rows(ctx.sup_item[sel], gate[sel], ctx.cap_eff[sel])
        labels = [ctx.item_ids[i] for i in uniq]
        md.add_rows(
            RowBlock(
                "cover",
                "cover",
                labels,
                indptr,
                indices,
                data,
                rhs[uniq],
                np.full(len(uniq), np.inf),
                pd.DataFrame({"item": labels}),
            )
        )

    # Aggregate: items whose every offer sits at a capacitated site with an opening binary.
    site_gated = at_open_site.copy()
    site_gated[site_gated] = np.isfinite(ctx.site_cap[ctx.sup_site[site_gated]])
    only_sites = np.ones(n_i, dtype=bool)
    only_sites[ctx.sup_item[~site_gated]] = False
    only_sites &= np.isnan(ctx.penalty) & (ctx.least > _TOL)
    if not only_sites.any():
        return
    sites = np.unique(ctx.sup_site[site_gated & only_sites[ctx.sup_item]])
    total = float(ctx.least[only_sites].sum())
    indptr = np.array([0, len(sites)], dtype=np.int64)
    md.add_rows(
        RowBlock(
            "site_cover",
            "site_cover",
            ["all"],
            indptr,
            ctx.site_open[sites].astype(np.int64),
            ctx.site_cap[sites].copy(),
            np.array([total]),
            np.array([np.inf]),
            None,
        )
    )
