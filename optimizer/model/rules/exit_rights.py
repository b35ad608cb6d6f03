r"""``exit``: the right to walk away from any one country, site or supplier.

For every unit u that could be lost (a basis country, a site, or a supplier) of item i, the
capacity the *qualified* suppliers outside u can still deliver covers ``coverage`` of the
item's supply:

.. math::

    \sum_{k \in K_i} \min\Big(C_k,\ \sum_{s \in S_{i,k} \setminus u} \bar K_s\, \theta_s\Big)
    \;+\; \sum_{s \in S_i^0 \setminus u} \bar K_s\, \theta_s \;\ge\; \gamma\, T_i
    \qquad \forall i \in I_r,\; u \in U_i

:math:`\theta_s` is s's qualification: its ``qualified`` binary if it has a fixed cost, else its
site's ``site_open`` binary, else the constant 1 (a supplier without onboarding cost is always
available). Qualification is separate from award, so a buyer may pay to keep a standby.
Suppliers excluded by a ``ban`` never count. An offer counts
:math:`\bar K_s = \min(\text{own}, \text{site})` capacity (``ctx.cap_eff``).

**A site counts at most its capacity per item.** :math:`K_i` are the sites whose usable offers
of item i together exceed the site's capacity :math:`C_k` (two contracts with one plant), with
:math:`S_{i,k}` those offers; :math:`S_i^0` are all other usable offers of i (no site, or a
site whose offers of i cannot exceed its capacity, where the minimum is the sum itself). Two
offers of capacity 60 at a site of capacity 60 count 60, not 120. A site that offers *several
items* counts up to its capacity towards each item's right: an exit rule is a promise per item
(one row per item and loss), and the site's capacity could serve any one item in full; it is
not a promise to replace several items at once from the same capacity. The KPI
(:mod:`trustsource.results.coverage`), the verifier (:mod:`trustsource.verify.rules`) and the
pre-solve findings count the same way.

The minimum is concave and sits on the large side of a ``>=`` row, so auxiliary variables
bounded by both of its arguments make it exact (at any qualification the auxiliaries can take
the minimum, and no row can count more than it):

.. math::

    0 \le c_{k,i} \le C_k, \qquad
    c_{k,i} \le \sum_{s \in S_{i,k}} \bar K_s\, \theta_s \qquad \forall k \in K_i

(variable ``<rule>.site_capacity[i|k]``, row ``<rule>.site[i|k]``) stands for site k in every
row whose unit leaves k whole. A unit that takes some but not all of k's offers (losing one
supplier of a shared site) leaves :math:`\min(C_k, \sum_{s \in S_{i,k} \setminus u} \bar K_s
\theta_s)`: its own :math:`0 \le d_{k,u,i} \le C_k`, :math:`d_{k,u,i} \le \sum_{s \in S_{i,k}
\setminus u} \bar K_s \theta_s` (``<rule>.site_capacity[i|k|u]``), or the remaining sum itself
when the remaining offers cannot exceed :math:`C_k`. Instances where no site carries more of an
item than it can make get no auxiliary at all and the rows below are unchanged.

Two equivalent formulations of the coverage rows (``exit_form``), both with the same
auxiliaries above:

* ``dense``: the row above as written, one row per (item, unit) over all terms outside u.
  Pure-binary knapsack rows where no site is shared, from which HiGHS derives strong cover
  cuts, but :math:`|U_i| \cdot |S_i|` nonzeros per item.
* ``aux``: one variable per item for its total qualified coverage
  :math:`Q_i = \sum_{k \in K_i} c_{k,i} + \sum_{s \in S_i^0} \bar K_s \theta_s` (variable
  ``<rule>.capacity``, row ``<rule>.total``), then :math:`Q_i` minus the terms u takes
  (:math:`\bar K_s\theta_s` of its offers in :math:`S_i^0`, :math:`c_{k,i}` of every site of
  :math:`K_i` it touches) plus what u leaves of a site it touches only in part
  (:math:`d_{k,u,i}`) :math:`\ge \gamma T_i`: about :math:`|u|` nonzeros per row, but HiGHS sees
  no knapsack rows.
* ``auto`` (default): ``dense`` for countries and sites, ``aux`` for suppliers (where the dense
  form is quadratic in the number of suppliers). Measured in ``benchmarks/``.

In both forms the row reads ``outside(u) - gamma T_i >= 0`` once its constant terms (offers
qualified for free) are moved to the bound, so a row's activity plus :math:`\gamma T_i` minus
its lower bound is the coverage left after losing u (as :mod:`trustsource.analysis.diagnose.entry`
reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ...instance.schema import ExitRule
from ..context import Context
from ..core import ModelData, RowBlock
from .shares import selected_items


@dataclass
class _Aux:
    """Auxiliary coverage variables of one rule: c (whole site) and d (site less a unit)."""

    labels: list[str] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    terms: list[_Terms] = field(default_factory=list)  # what each may not exceed
    meta: list[tuple[str, str, str]] = field(default_factory=list)  # item, site, scope

    def add(self, label: str, ub: float, bound: _Terms, meta: tuple[str, str, str]) -> int:
        """Register ``0 <= v <= ub, v <= bound``; return its position."""
        self.labels.append(label)
        self.ub.append(ub)
        self.terms.append(bound)
        self.meta.append(meta)
        return len(self.labels) - 1


@dataclass
class _Terms:
    """A linear expression being built: offer terms, auxiliaries (by position), a constant."""

    idx: list[np.ndarray] = field(default_factory=list)
    val: list[np.ndarray] = field(default_factory=list)
    aux: list[int] = field(default_factory=list)
    aux_val: list[float] = field(default_factory=list)
    const: float = 0.0

    def offers(self, theta: np.ndarray, cap: np.ndarray, var: np.ndarray, sign: float) -> None:
        """Add ``sign * cap * theta`` of these offers (a constant for those always qualified)."""
        self.idx.append(theta[var])
        self.val.append(sign * cap[var])
        self.const += sign * float(cap[~var].sum())

    def site(self, pos: int, sign: float) -> None:
        """Add ``sign`` times the auxiliary at ``pos``."""
        self.aux.append(pos)
        self.aux_val.append(sign)

    def row(
        self, aux_cols: np.ndarray, extra: list[tuple[int, float]], sign: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """(columns, coefficients) of ``sign * terms + extra`` (the constant left out)."""
        idx = self.idx + [
            aux_cols[np.array(self.aux, dtype=np.int64)],
            np.array([c for c, _ in extra], dtype=np.int64),
        ]
        val = [sign * v for v in self.val] + [
            sign * np.array(self.aux_val, dtype=float),
            np.array([v for _, v in extra], dtype=float),
        ]
        return np.concatenate(idx).astype(np.int64), np.concatenate(val)


Rows = list[tuple[int, str, _Terms]]  # (item index, lost unit as shown, terms of the row)


def add(md: ModelData, ctx: Context, rule: ExitRule) -> None:
    """Append the rule's rows in the chosen formulation."""
    form = ctx.options.get("exit_form", "auto")
    if form == "auto":
        form = "aux" if rule.lose == "supplier" else "dense"
    name = rule.name or rule.kind
    aux = _Aux()
    rows: Rows = []
    totals: list[tuple[int, _Terms]] = []  # aux form: (item index, the terms of Q_i)
    usable = ~ctx.banned()  # a banned supplier's capacity covers nothing
    for i in selected_items(ctx, rule.items):  # one pass per item, numpy inside
        _item_rows(ctx, rule, int(i), usable, form == "aux", aux, rows, totals)
    # Rows name auxiliaries by position: their columns exist only once every item is seen.
    aux_cols = np.zeros(0, dtype=np.int64)
    if aux.labels:
        aux_cols = md.add_vars(f"{name}.site_capacity", aux.labels, lb=0.0, ub=np.array(aux.ub))
        built = [
            t.row(aux_cols, [(int(c), 1.0)], sign=-1.0)
            for t, c in zip(aux.terms, aux_cols, strict=True)
        ]
        ub = np.array([t.const for t in aux.terms])
        _add_block(
            md,
            f"{name}.site",
            rule.kind,
            aux.labels,
            built,
            np.full(len(built), -np.inf),
            ub,
            pd.DataFrame(aux.meta, columns=["item", "site", "scope"]),
        )
    q_col: dict[int, int] = {}
    if totals:
        labels = [ctx.item_ids[i] for i, _ in totals]
        cols = md.add_vars(f"{name}.capacity", labels, lb=0.0)
        q_col = {i: int(c) for (i, _), c in zip(totals, cols, strict=True)}
        built = [t.row(aux_cols, [(q_col[i], 1.0)], sign=-1.0) for i, t in totals]
        rhs = np.array([t.const for _, t in totals])
        _add_block(
            md,
            f"{name}.total",
            rule.kind,
            labels,
            built,
            rhs,
            rhs.copy(),
            pd.DataFrame({"item": labels}),
        )
    if rows:
        built = []
        for i, _, t in rows:
            extra = [(int(ctx.supply[i]), -rule.coverage)]
            if i in q_col:
                extra.append((q_col[i], 1.0))
            built.append(t.row(aux_cols, extra))
        labels = [f"{ctx.item_ids[i]}|{shown}" for i, shown, _ in rows]
        meta = pd.DataFrame(
            [(ctx.item_ids[i], shown) for i, shown, _ in rows], columns=["item", "scope"]
        )
        _add_block(
            md,
            name,
            rule.kind,
            labels,
            built,
            np.array([-t.const for *_, t in rows]),
            np.full(len(rows), np.inf),
            meta.assign(limit=rule.coverage),
        )


def _item_rows(
    ctx: Context,
    rule: ExitRule,
    i: int,
    usable: np.ndarray,
    aux_form: bool,
    aux: _Aux,
    rows: Rows,
    totals: list[tuple[int, _Terms]],
) -> None:
    """Append item i's auxiliaries, coverage rows and (aux form) the terms of Q_i."""
    members = np.flatnonzero((ctx.sup_item == i) & usable)
    cap = ctx.cap_eff[members]
    theta = ctx.qual_ind[members]
    var = theta >= 0
    site = ctx.sup_site[members]
    capped = _capped(ctx, site, cap)
    item = ctx.item_ids[i]
    at_site: dict[int, np.ndarray] = {}  # capped site -> positions of its offers
    c_pos: dict[int, int] = {}  # capped site -> position of c_{k,i}
    for k in dict.fromkeys(site[capped].tolist()):
        at_site[k] = np.flatnonzero(site == k)
        bound = _Terms()
        bound.offers(theta[at_site[k]], cap[at_site[k]], var[at_site[k]], 1.0)
        c_pos[k] = aux.add(
            f"{item}|{ctx.site_ids[k]}", float(ctx.site_cap[k]), bound, (item, ctx.site_ids[k], "")
        )
    raw = ~capped
    if aux_form:
        q = _Terms()
        q.offers(theta[raw], cap[raw], var[raw], 1.0)
        for p in c_pos.values():
            q.site(p, 1.0)
        totals.append((i, q))
    for u, pos in _units(ctx, rule, members, site).items():
        shown = str(
            ctx.site_ids[u]
            if rule.lose == "site"
            else (ctx.sup_ids[u] if rule.lose == "supplier" else u)
        )
        touched = dict.fromkeys(site[pos[capped[pos]]].tolist())
        t = _Terms()
        if aux_form:  # Q_i less what u takes
            took = pos[raw[pos]]
            t.offers(theta[took], cap[took], var[took], -1.0)
            for k in touched:
                t.site(c_pos[k], -1.0)
        else:  # everything outside u
            keep = raw.copy()
            keep[pos] = False
            t.offers(theta[keep], cap[keep], var[keep], 1.0)
            for k, p in c_pos.items():
                if k not in touched:
                    t.site(p, 1.0)
        for k in touched:  # what u leaves of a capped site it takes only in part
            rest = np.setdiff1d(at_site[k], pos, assume_unique=True)
            if not len(rest):
                continue
            if cap[rest].sum() <= ctx.site_cap[k]:
                t.offers(theta[rest], cap[rest], var[rest], 1.0)
            else:
                bound = _Terms()
                bound.offers(theta[rest], cap[rest], var[rest], 1.0)
                t.site(
                    aux.add(
                        f"{item}|{ctx.site_ids[k]}|{shown}",
                        float(ctx.site_cap[k]),
                        bound,
                        (item, ctx.site_ids[k], shown),
                    ),
                    1.0,
                )
        rows.append((i, shown, t))


def _capped(ctx: Context, site: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Per offer: at a site whose offers (of this item) together exceed its capacity."""
    out = np.zeros(len(site), dtype=bool)
    at = site >= 0
    if at.any():
        raw = np.bincount(site[at], weights=cap[at], minlength=len(ctx.site_ids))
        out[at] = (raw > ctx.site_cap)[site[at]]
    return out


def _units(
    ctx: Context, rule: ExitRule, members: np.ndarray, site: np.ndarray
) -> dict[object, np.ndarray]:
    """Lost unit -> positions of its offers among ``members``, in order of appearance.

    Units are basis countries, sites (offers without a site cannot be lost as one) or
    suppliers (by global index)."""
    if rule.lose == "country":
        keys = np.asarray(ctx.basis(rule.basis)[members], dtype=object).tolist()
    elif rule.lose == "site":
        keys = site.tolist()
    else:
        keys = members.tolist()
    groups: dict[object, list[int]] = {}
    for p, u in enumerate(keys):
        if not (rule.lose == "site" and u == -1):
            groups.setdefault(u, []).append(p)
    return {u: np.array(p, dtype=np.int64) for u, p in groups.items()}


def _add_block(
    md: ModelData,
    name: str,
    kind: str,
    labels: list[str],
    built: list[tuple[np.ndarray, np.ndarray]],
    lb: np.ndarray,
    ub: np.ndarray,
    meta: pd.DataFrame,
) -> None:
    """One row block from per-row (columns, coefficients)."""
    lengths = np.array([len(idx) for idx, _ in built], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    md.add_rows(
        RowBlock(
            name,
            kind,
            labels,
            indptr,
            np.concatenate([idx for idx, _ in built]).astype(np.int64),
            np.concatenate([val for _, val in built]),
            lb,
            ub,
            meta,
        )
    )
