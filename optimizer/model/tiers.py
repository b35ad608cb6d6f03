r"""Volume-discount price tiers as piecewise-linear costs.

A schedule has breaks :math:`0 = b_0 < b_1 < \dots < b_{n-1}` with prices :math:`p_t`; tier t
spans :math:`[b_t, b_{t+1})` with :math:`b_n = \bar K_s` (tiers starting at or beyond the
effective capacity are dropped). Prices are multiplied by the tariff factor :math:`1+\tau`.

**Incremental** (each tier's price applies to the units inside it), segment variables
:math:`y_{s,t} \in [0, \ell_t]`, :math:`\ell_t = b_{t+1} - b_t`:

.. math::

    x_s = \sum_t y_{s,t} \quad (\texttt{tier\_sum}), \qquad
    \text{cost} = \sum_t (1+\tau) p_t\, y_{s,t}

If prices never fall the cost is convex and the LP fills cheaper tiers first by itself. If a
price falls (a discount), segment t+1 may only be used once segment t is full, with a binary
:math:`z_{s,t+1}` per later tier:

.. math::

    y_{s,t} \ge \ell_t\, z_{s,t+1}, \qquad y_{s,t+1} \le \ell_{t+1}\, z_{s,t+1}
    \qquad (\texttt{tier\_order})

**All-units** (the price of the tier the total falls in applies to every unit), tier quantity
:math:`w_{s,t}` and binary :math:`z_{s,t}`:

.. math::

    b_t z_{s,t} \le w_{s,t} \le b_{t+1} z_{s,t}, \qquad \sum_t z_{s,t} \le 1, \qquad
    x_s = \sum_t w_{s,t}, \qquad \text{cost} = \sum_t (1+\tau) p_t\, w_{s,t}

At a break point both neighbouring tiers are admissible; the optimiser takes the cheaper, which
is the closure of the right-open tiers (and what a buyer would negotiate).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .context import Context
from .core import ModelData, RowBlock, grouped_rows


def add_tiers(md: ModelData, ctx: Context) -> None:
    """Append tier variables and rows for every supplier with ``price_tiers``."""
    seg_lab: list[str] = []
    seg_sup: list[int] = []
    seg_len: list[float] = []
    seg_lo: list[float] = []
    seg_price: list[float] = []
    seg_mode: list[int] = []  # 0 incremental convex, 1 incremental with order binaries, 2 all-units
    seg_rank: list[int] = []
    for s, sup in enumerate(ctx.inst.suppliers):
        tiers = sup.price_tiers
        if tiers is None:
            continue
        cap = ctx.cap_eff[s]
        # A tier starting beyond the effective capacity can never apply. One starting exactly at
        # it still prices that exact quantity under all-units, so it stays.
        all_units = tiers.mode == "all_units"
        breaks = [
            (b.from_, b.price)
            for b in tiers.breaks
            if b.from_ < cap or b.from_ == 0 or (all_units and b.from_ <= cap)
        ]
        prices = [p for _, p in breaks]
        if tiers.mode == "incremental":
            mode = 0 if all(a <= b for a, b in zip(prices, prices[1:])) else 1
        else:
            mode = 2
        factor = 1.0 + ctx.tariff[s]
        for t, (lo, price) in enumerate(breaks):
            hi = breaks[t + 1][0] if t + 1 < len(breaks) else cap
            seg_lab.append(f"{sup.id}#{t}")
            seg_sup.append(s)
            seg_lo.append(lo)
            seg_len.append(hi - lo)
            seg_price.append(price * factor)
            seg_mode.append(mode)
            seg_rank.append(t)
    if not seg_lab:
        return
    sup_arr = np.array(seg_sup, dtype=np.int64)
    length = np.array(seg_len)
    lo = np.array(seg_lo)
    mode = np.array(seg_mode)
    rank = np.array(seg_rank)
    incremental = mode < 2
    # Incremental segments are bounded by their length; all-units tiers by their upper end.
    ub = np.where(incremental, length, lo + length)
    y = md.add_vars("tier_qty", seg_lab, lb=0.0, ub=ub, cost=np.array(seg_price))
    md.info["tier_supplier"] = sup_arr  # tier column -> supplier, for the cost table

    # tier_sum: x_s - sum_t y_st = 0
    tiered = np.unique(sup_arr)
    keys = np.concatenate([tiered, sup_arr])
    cols = np.concatenate([ctx.x[tiered], y])
    coefs = np.concatenate([np.ones(len(tiered)), -np.ones(len(y))])
    uniq, indptr, indices, data = grouped_rows(keys, cols, coefs)
    labels = [ctx.sup_ids[s] for s in uniq]
    md.add_rows(
        RowBlock(
            "tier_sum",
            "tiers",
            labels,
            indptr,
            indices,
            data,
            np.zeros(len(uniq)),
            np.zeros(len(uniq)),
            pd.DataFrame({"supplier": labels}),
        )
    )

    # Binaries: later tiers of non-convex incremental schedules, every all-units tier.
    needs_z = ((mode == 1) & (rank > 0)) | (mode == 2)
    if not needs_z.any():
        return
    zi = np.flatnonzero(needs_z)
    z = md.add_vars("tier_on", [seg_lab[j] for j in zi], lb=0.0, ub=1.0, integer=True)
    z_of = np.full(len(seg_lab), -1, dtype=np.int64)
    z_of[zi] = z

    rows_ptr: list[int] = [0]
    rows_idx: list[int] = []
    rows_val: list[float] = []
    rows_lb: list[float] = []
    rows_ub: list[float] = []
    rows_lab: list[str] = []

    def row(idx: list[int], val: list[float], lo_: float, hi_: float, lab: str) -> None:
        rows_idx.extend(idx)
        rows_val.extend(val)
        rows_ptr.append(len(rows_idx))
        rows_lb.append(lo_)
        rows_ub.append(hi_)
        rows_lab.append(lab)

    # One pass over tier segments (not over constraint terms): each row has two terms.
    for j in zi:
        if mode[j] == 1:
            prev = j - 1
            row(
                [int(y[prev]), int(z_of[j])],
                [1.0, -length[prev]],
                0.0,
                np.inf,
                f"{seg_lab[j]}.fill_previous",
            )
            row([int(y[j]), int(z_of[j])], [1.0, -length[j]], -np.inf, 0.0, f"{seg_lab[j]}.use")
        else:
            row(
                [int(y[j]), int(z_of[j])],
                [1.0, -(lo[j] + length[j])],
                -np.inf,
                0.0,
                f"{seg_lab[j]}.upper",
            )
            if lo[j] > 0:
                row([int(y[j]), int(z_of[j])], [1.0, -lo[j]], 0.0, np.inf, f"{seg_lab[j]}.lower")
    md.add_rows(
        RowBlock(
            "tier_order",
            "tiers",
            rows_lab,
            np.array(rows_ptr, dtype=np.int64),
            np.array(rows_idx, dtype=np.int64),
            np.array(rows_val),
            np.array(rows_lb),
            np.array(rows_ub),
        )
    )
    # All-units: at most one tier active per supplier.
    au = zi[mode[zi] == 2]
    if len(au):
        uniq, indptr, indices, data = grouped_rows(sup_arr[au], z_of[au], 1.0)
        labels = [ctx.sup_ids[s] for s in uniq]
        md.add_rows(
            RowBlock(
                "tier_one",
                "tiers",
                labels,
                indptr,
                indices,
                data,
                np.full(len(uniq), -np.inf),
                np.ones(len(uniq)),
                pd.DataFrame({"supplier": labels}),
            )
        )
