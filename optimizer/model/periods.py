r"""The periodic model: one copy of the plan per period, linked over time.

Each period :math:`t` (years :math:`y_t`, lasting :math:`\ell_t` years) is the whole plan of that
period's view (:meth:`trustsource.Instance.at`), built with its own award binaries
(``separate_awards``) and stacked by :mod:`.copies`; its yearly costs (supply, tiers,
shortfall) weigh :math:`w_t` (its years, discounted). The copies are linked by:

.. math::

    q_{s,t} \le q_{s,t+1}, \quad o_{k,t} \le o_{k,t+1}
    \qquad (\texttt{qualified\_persists}, \texttt{site\_persists})

    \text{cost } \sum_t F_{s,t}\,\delta_t\,(q_{s,t} - q_{s,t-1})
    = \sum_t q_{s,t}\,(F_{s,t}\delta_t - F_{s,t+1}\delta_{t+1})

(qualification and onboarding are paid once, in the first period, and last);

.. math::

    x_{s,t} \le K^0_{s,t} + C_{s,t} \sum_{d:\, y_d + L_s \le y_t} b_{s,d}
    \quad (\texttt{build\_capacity}) \qquad
    \sum_d b_{s,d} \le 1 \quad (\texttt{build\_once})

(a build decided in period :math:`d` costs :math:`\text{capex}_{s,d}\,\delta_d` and adds
:math:`C` from :math:`L` years later; :math:`K^0` is what exists without it); and, for an item
with a stockpile, the balance of each period takes what the stock gives or receives:

.. math::

    T_{i,t} + u_{i,t} - \sum_j a_{j,i} T_{j,t} - \frac{S_{i,t} - S_{i,t-1}}{\ell_t} = d_{i,t},
    \qquad \tfrac{\text{days}_{i,t}}{365}\, d_{i,t} \le S_{i,t} \le \bar S_{i,t}

with :math:`S_{i,0}` the initial stock, at a holding cost :math:`h_{i,t} w_t` per unit of
end-of-period stock. Discounting: :func:`trustsource.instance.periods.year_weights` and
:func:`~trustsource.instance.periods.decision_factors`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..instance.instance import Instance
from ..instance.periods import build_ready, decision_factors, period_lengths, year_weights
from .build import BuiltModel, ExitForm, build_model, write_lp
from .copies import Copies, stack_copies
from .core import ModelData, RowBlock


@dataclass
class Linked:
    """The stacked periodic model and where its linking columns are."""

    copies: Copies
    years: tuple[int, ...]
    weights: list[float]  # per period: weight of a yearly cost
    factors: list[float]  # per period: discount factor of a one-off cost
    lengths: list[int]
    builds: dict[str, np.ndarray] = field(
        default_factory=dict
    )  # supplier -> column per period (-1)
    stock: dict[str, np.ndarray] = field(default_factory=dict)  # item -> column per period

    def write_lp(self, path: str | Path) -> None:
        """Write the linked model as an LP file (names prefixed by their period)."""
        write_lp(self.copies.data, path)


def build_periods(inst: Instance, *, exit_form: ExitForm = "auto") -> Linked:
    """Build and link the copies of a periodic instance."""
    h = inst.horizon
    if h is None:
        raise ValueError("not a periodic instance: it has no `periods`")
    years = h.years
    weights = year_weights(years, inst.discount_rate)
    factors = decision_factors(years, inst.discount_rate)
    lengths = period_lengths(years)
    stocks = [{sp.item: sp for sp in p.stockpiles} for p in h.instances]
    models: list[BuiltModel] = []
    for t, view in enumerate(h.views):
        room = {}
        for item, pile in stocks[t].items():
            held_before = stocks[0][item].initial if t == 0 else stocks[t - 1][item].max
            room[item] = (held_before / lengths[t], pile.max / lengths[t])
        models.append(build_model(view, exit_form=exit_form, separate_awards=True, room=room))
    copies = stack_copies(models, [str(y) for y in years], weights, ())
    linked = Linked(copies, years, weights, factors, lengths)
    _persist(linked, "qualified", lambda m: m.ctx.fixed, lambda m: m.ctx.qualified)
    _persist(linked, "site_open", lambda m: m.ctx.site_fixed, lambda m: m.ctx.site_open)
    _builds(linked, inst)
    _stock(linked, inst)
    return linked


def _persist(
    linked: Linked,
    block: str,
    fixed_of: Callable[[BuiltModel], np.ndarray],
    cols_of: Callable[[BuiltModel], np.ndarray],
) -> None:
    """One-off binaries that last: cost telescoped over periods, rows q_t <= q_{t+1}."""
    md = linked.copies.data
    models = linked.copies.models
    rows_a: list[int] = []
    rows_b: list[int] = []
    labels: list[str] = []
    for t, m in enumerate(models):
        blk = md.var_blocks.get(f"{linked.years[t]}/{block}")
        if blk is None:
            continue
        local = np.asarray(cols_of(m))
        fixed = np.asarray(fixed_of(m), dtype=float)
        has = np.flatnonzero(local >= 0)
        glob = linked.copies.cols[t][local[has]]
        cost = fixed[has] * linked.factors[t]
        if t + 1 < len(models):
            nxt = models[t + 1]
            nxt_local = np.asarray(cols_of(nxt))[has]
            nxt_fixed = np.asarray(fixed_of(nxt), dtype=float)[has]
            linked_next = nxt_local >= 0
            cost = cost - np.where(linked_next, nxt_fixed * linked.factors[t + 1], 0.0)
            nxt_glob = linked.copies.cols[t + 1][np.where(linked_next, nxt_local, 0)]
            rows_a.extend(glob[linked_next].tolist())
            rows_b.extend(nxt_glob[linked_next].tolist())
            ids = m.ctx.sup_ids if block == "qualified" else m.ctx.site_ids
            labels.extend(f"{ids[k]}@{linked.years[t]}" for k in has[linked_next])
        blk.cost[glob - blk.start] = cost
    if rows_a:
        n = len(rows_a)
        indices = np.empty(2 * n, dtype=np.int64)
        indices[0::2], indices[1::2] = rows_a, rows_b
        data = np.tile([1.0, -1.0], n)
        md.add_rows(
            RowBlock(
                f"{block}_persists",
                f"{block}_persists",
                labels,
                np.arange(0, 2 * n + 1, 2, dtype=np.int64),
                indices,
                data,
                np.full(n, -np.inf),
                np.zeros(n),
            )
        )


def _builds(linked: Linked, inst: Instance) -> None:
    """Build binaries per decision period (one block), the one-build and capacity rows."""
    h = inst.horizon
    assert h is not None
    md = linked.copies.data
    years = linked.years
    options = []  # (supplier index, ready per period, useful decision periods)
    labels: list[str] = []
    costs: list[float] = []
    for k, sup in enumerate(inst.suppliers):
        if sup.build is None:
            continue
        ready = build_ready(years, sup.build.lead_time)
        useful = sorted({d for r in ready for d in r})
        if useful:
            options.append((k, ready, useful))
            labels.extend(f"{sup.id}@{years[d]}" for d in useful)
            costs.extend(_capex(h.instances[d], k) * linked.factors[d] for d in useful)
    if not options:
        return
    cols = md.add_vars("build", labels, lb=0.0, ub=1.0, integer=True, cost=np.array(costs))
    once = _Rows()
    cap = _Rows()
    at = 0
    for k, ready, useful in options:
        sid = inst.suppliers[k].id
        mine = cols[at : at + len(useful)]
        at += len(useful)
        per_period = np.full(len(years), -1, dtype=np.int64)
        per_period[useful] = mine
        linked.builds[sid] = per_period
        once.add(sid, mine, np.ones(len(mine)), -np.inf, 1.0)
        for t in range(len(years)):
            if not ready[t]:
                continue
            own = h.instances[t].suppliers[k]
            assert own.build is not None
            x = linked.copies.cols[t][linked.copies.models[t].ctx.x[k]]
            b = per_period[ready[t]]
            cap.add(
                f"{sid}@{years[t]}",
                np.concatenate([[x], b]),
                np.concatenate([[1.0], np.full(len(b), -own.build.capacity)]),
                -np.inf,
                own.capacity or 0.0,
            )
    md.add_rows(once.block("build_once"))
    md.add_rows(cap.block("build_capacity"))


def _capex(period_inst: Instance, k: int) -> float:
    build = period_inst.suppliers[k].build
    return 0.0 if build is None else build.capex


class _Rows:
    """Rows collected one by one, appended as one block."""

    def __init__(self) -> None:
        self.labels: list[str] = []
        self.cols: list[np.ndarray] = []
        self.coefs: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, label: str, cols: np.ndarray, coefs: np.ndarray, lo: float, hi: float) -> None:
        self.labels.append(label)
        self.cols.append(np.asarray(cols, dtype=np.int64))
        self.coefs.append(np.asarray(coefs, dtype=float))
        self.lo.append(lo)
        self.hi.append(hi)

    def block(self, name: str) -> RowBlock:
        indptr = np.zeros(len(self.cols) + 1, dtype=np.int64)
        np.cumsum([len(c) for c in self.cols], out=indptr[1:])
        return RowBlock(
            name,
            name,
            self.labels,
            indptr,
            np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64),
            np.concatenate(self.coefs) if self.coefs else np.zeros(0),
            np.array(self.lo),
            np.array(self.hi),
        )


def _stock(linked: Linked, inst: Instance) -> None:
    """Stock columns per (item, period), one block, and their terms in each period's balance."""
    h = inst.horizon
    assert h is not None
    md = linked.copies.data
    years = linked.years
    n_t = len(years)
    piles = [p.item for p in inst.stockpiles]
    if not piles:
        return
    lo, hi, cost, labels = [], [], [], []
    for item in piles:
        for t, p in enumerate(h.instances):
            pile = next(s for s in p.stockpiles if s.item == item)
            demand = p.items[p.item_index[item]].demand
            lo.append(pile.min_cover_days / 365.0 * demand)
            hi.append(pile.max)
            cost.append(pile.holding_cost * linked.weights[t])
            labels.append(f"{item}@{years[t]}")
    cols = md.add_vars("stock", labels, lb=np.array(lo), ub=np.array(hi), cost=np.array(cost))
    for j, item in enumerate(piles):
        linked.stock[item] = cols[j * n_t : (j + 1) * n_t]
    for t in range(n_t):
        rows: list[int] = []
        terms_c: list[int] = []
        terms_v: list[float] = []
        for item in piles:
            i = h.instances[t].item_index[item]
            mine = linked.stock[item]
            rows.append(i)
            terms_c.append(int(mine[t]))
            terms_v.append(-1.0 / linked.lengths[t])
            if t > 0:
                rows.append(i)
                terms_c.append(int(mine[t - 1]))
                terms_v.append(1.0 / linked.lengths[t])
        name = f"{years[t]}/balance"
        _add_terms(md, name, np.array(rows), np.array(terms_c), np.array(terms_v))
        if t == 0:
            rb = _block(md, name)
            for pile0 in inst.stockpiles:
                i = h.instances[0].item_index[pile0.item]
                rb.lb[i] -= pile0.initial / linked.lengths[0]
                rb.ub[i] -= pile0.initial / linked.lengths[0]


def _block(md: ModelData, name: str) -> RowBlock:
    return next(rb for rb in md.row_blocks if rb.name == name)


def _add_terms(
    md: ModelData, name: str, rows: np.ndarray, cols: np.ndarray, coefs: np.ndarray
) -> None:
    """Add terms ``coefs`` at (``rows``, ``cols``) to a row block (its CSR rebuilt once)."""
    rb = _block(md, name)
    a = sp.csr_array((rb.data, rb.indices, rb.indptr), shape=(rb.size, md.n_cols))
    extra = sp.csr_array((coefs, (rows, cols)), shape=(rb.size, md.n_cols))
    b = (a + extra).tocsr()
    b.sort_indices()
    rb.indptr = b.indptr.astype(np.int64)
    rb.indices = b.indices.astype(np.int64)
    rb.data = b.data.astype(float)
