r"""Ranges: the least and the most share each group can take within the budget.

For a group :math:`G` of item :math:`i` the bound is a linear-fractional MIP,
:math:`\max / \min\; X_G / T_i` over the near-optimal plans (:mod:`.near`), with
:math:`X_G = \sum_{s \in G} x_s`. Where every plan buys the same total :math:`T_i` (fixed demand,
no shortfall, no bill of materials in between) it is the linear :math:`\max X_G` divided by
:math:`T_i`: one MIP. Otherwise Dinkelbach's method solves it as a short sequence of MIPs,

.. math::

    \lambda_{k+1} = X_G^{(k)} / T_i^{(k)}, \qquad
    (X^{(k)}, T^{(k)}) = \arg\max \; X_G - \lambda_k T_i ,

starting from the best share already known and stopping once the optimum of
:math:`X_G - \lambda_k T_i` is 0 (no plan has a larger share than :math:`\lambda_k`).

**Proven or an interval.** HiGHS stops at an absolute gap of ``share_tol`` times the item's
supply, so a proven bound is exact to ``share_tol`` (0.01 percentage points by default). A solve
stopped by its time limit gives the best share found and HiGHS's dual bound; the bound says the
true value lies between them, :math:`\lambda + U / T_{\min}` with :math:`U` the bound on
:math:`X_G - \lambda T_i` and :math:`T_{\min}` a lower bound on the item's supply in any plan
within the budget (:func:`.near.least_supply`: the LP relaxation of :math:`\min T_i`; where
that is 0 there is no finite limit, and the trivial 1 or 0 is kept). The range is then reported
as that interval.

**Fewer solves.** Every plan found is within the budget, so its shares bound every group of the
item at once: a group with share 0 in some plan has minimum 0, proven without a solve; one with
share 1 has maximum 1. All maxima of an item are solved first (each tends to push the others to
0), then only the minima still open; each solve starts from the known plan with the best share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ...instance.instance import Instance
from ...model.build import ExitForm
from .groups import SHARE_TOL, Group, group_shares, item_groups
from .near import NearModel, least_supply, near_model

MAX_DINKELBACH = 25
"""Most MIPs for one bound (Dinkelbach converges superlinearly: 2-4 were seen)."""


@dataclass
class Bound:
    """One end of a range: the best share a plan reached, and the proven limit."""

    value: float
    limit: float
    proven: bool
    solves: int = 0
    seconds: float = 0.0
    how: str = "solved"  # "solved", "known" (from a plan already found), "none" (no plan)


def item_ranges(payload: tuple[dict[str, Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """The ranges of one item's groups (the unit of work of :func:`alternatives`; a worker
    rebuilds the instance and the near-optimal model from the payload).

    Payload: the schema-1 document, and ``options`` with ``budget``, ``start`` (the optimum's
    columns), ``item``, ``by``, ``basis``, ``keys``, ``time_limit``, ``share_tol``,
    ``threads`` and ``exit_form``.
    """
    doc, options = payload
    inst = Instance.from_dict(doc, origin=str(doc.get("name", "<task>")))
    exit_form: ExitForm = options.get("exit_form", "auto")
    near = near_model(
        inst,
        options["budget"],
        exit_form=exit_form,
        threads=options.get("threads"),
        start=options["start"],
    )
    keys = set(options["keys"])
    groups = [
        g
        for g in item_groups(near.model.ctx, options["by"], options["basis"], [options["item"]])
        if g.key in keys
    ]
    return ranges_of(near, groups, options.get("time_limit"), options.get("share_tol", 1e-4))


def ranges_of(
    near: NearModel, groups: list[Group], time_limit: float | None, share_tol: float
) -> list[dict[str, Any]]:
    """Least and most share of every group (all of one item), as records."""
    if not groups:
        return []
    ctx = near.model.ctx
    seen = np.array([group_shares(ctx, c, groups) for c in near.pool])  # plans x groups
    at_optimum = seen[0].copy()
    highs: dict[int, Bound] = {}
    lows: dict[int, Bound] = {}
    for k in np.argsort(at_optimum, kind="stable"):  # the least used first: the widest moves
        known = float(seen[:, k].max())
        if known >= 1 - SHARE_TOL:
            highs[k] = Bound(1.0, 1.0, True, how="known")
            continue
        highs[k] = _bound(near, groups[k], True, seen, k, time_limit, share_tol)
        seen = np.vstack([seen, [group_shares(ctx, c, groups) for c in near.pool[len(seen) :]]])
    for k in range(len(groups)):
        known = float(seen[:, k].min())
        if known <= SHARE_TOL:
            lows[k] = Bound(0.0, 0.0, True, how="known")
            continue
        lows[k] = _bound(near, groups[k], False, seen, k, time_limit, share_tol)
        seen = np.vstack([seen, [group_shares(ctx, c, groups) for c in near.pool[len(seen) :]]])
    # A plan found later may beat an earlier bound's best (never its proven limit).
    for k in range(len(groups)):
        highs[k].value = max(highs[k].value, float(seen[:, k].max()))
        lows[k].value = min(lows[k].value, float(seen[:, k].min()))
    out = []
    for k, g in enumerate(groups):
        lo, hi = lows[k], highs[k]
        out.append(
            {
                "item": ctx.item_ids[g.item],
                "key": g.key,
                "optimum_share": float(at_optimum[k]),
                "min_share": lo.value,
                "min_share_low": min(lo.limit, lo.value),
                "max_share": hi.value,
                "max_share_high": max(hi.limit, hi.value),
                "min_proven": lo.proven,
                "max_proven": hi.proven,
                "min_solves": lo.solves,
                "max_solves": hi.solves,
                "solves": lo.solves + hi.solves,
                "seconds": lo.seconds + hi.seconds,
            }
        )
    return out


def _bound(
    near: NearModel,
    group: Group,
    maximise: bool,
    seen: np.ndarray,
    k: int,
    time_limit: float | None,
    share_tol: float,
) -> Bound:
    """The most (``maximise``) or least share of ``group`` over the near-optimal plans."""
    ctx = near.model.ctx
    i = group.item
    least, most = float(ctx.least[i]), float(ctx.most[i])
    fixed_total = least > 0 and most - least <= 1e-9 * max(1.0, most)
    scale = least if least > 0 else most
    best_at = int(np.argmax(seen[:, k]) if maximise else np.argmin(seen[:, k]))
    lam = float(seen[best_at, k])
    start = near.pool[best_at]
    bound = Bound(lam, 1.0 if maximise else 0.0, False)
    x_cols = ctx.x[group.members]
    t_col = int(ctx.supply[i])
    for _ in range(MAX_DINKELBACH):
        objective = np.zeros(len(near.cost))
        objective[x_cols] = 1.0
        if not fixed_total:
            objective[t_col] -= lam
        ans = near.optimise(
            objective,
            maximise=maximise,
            start=start,
            rel_gap=0.0,
            abs_gap=share_tol * scale,
            time_limit=time_limit,
        )
        bound.solves += 1
        bound.seconds += ans.seconds
        if ans.col is None:
            low = least if fixed_total else least_supply(near, i)
            bound.limit = _limit(ans.bound, lam, fixed_total, low, maximise, bound.limit)
            bound.how = "none"
            return bound
        share = float(group_shares(ctx, ans.col, [group])[0])
        if (share > bound.value) if maximise else (share < bound.value):
            bound.value, start = share, ans.col
        if fixed_total:
            bound.limit = _limit(ans.bound, 0.0, True, least, maximise, bound.limit)
            bound.proven = ans.proven
            return bound
        if not ans.proven:
            low = least_supply(near, i)
            bound.limit = _limit(ans.bound, lam, False, low, maximise, bound.limit)
            return bound
        value = float(ans.objective or 0.0)
        if (value <= share_tol * scale) if maximise else (value >= -share_tol * scale):
            bound.limit = _limit(ans.bound, lam, False, least, maximise, lam)
            bound.proven = True
            return bound
        lam = share
    return bound


def _limit(
    dual: float | None, lam: float, fixed_total: bool, least: float, maximise: bool, default: float
) -> float:
    """The proven end of a range from HiGHS's dual bound (see the module docstring)."""
    if dual is None or not np.isfinite(dual) or least <= 0:
        return default
    share = dual / least if fixed_total else lam + dual / least
    return min(1.0, share) if maximise else max(0.0, share)
