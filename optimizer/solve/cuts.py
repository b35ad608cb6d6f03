"""The outer-approximation loop for ``hhi_cap`` rules (see :mod:`trustsource.model.rules.hhi`).

After each solve, compute every capped item's true HHI from the plan; where it exceeds the cap by
more than the rule's tolerance, add the tangent cut at that plan and solve again.

Cut rows are written in share units wherever quantity units would be looser. HiGHS accepts a
row within an absolute feasibility tolerance (1e-7); in quantity units that is a share error of
1e-7 / T, which on an item of demand 0.001 is 1e-4, an HHI error near a point: more than a
``tolerance: 0.01`` allows, so the loop kept cutting at the same plan until it gave up. Divided
by the item's supply scale (the most supply it can need) when that scale is below 1, the row's
violation is a share, and HiGHS's tolerance is 1e-7 of a share whatever the unit. Above 1 the
quantity row is already at least as tight, and dividing would push coefficients of a 1e9-unit
item below HiGHS's ``small_matrix_value`` (1e-9), where they are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.build import BuiltModel


@dataclass
class Cut:
    """One tangent cut ``(sum coef * x - root * T_i) / scale <= 0`` in global column indices.

    ``vals`` already carry the division by ``scale``: a caller adding a column of its own to the
    row (the elastic model's slack, in quantity units q) gives it the coefficient ``-q / scale``,
    and a row dual ``y`` is worth ``y / scale`` per unit of the unscaled row.
    """

    rule: str
    item: str
    hhi: float
    cols: np.ndarray
    vals: np.ndarray
    scale: float = 1.0


def row_scale(most: float) -> float:
    """The divisor of an item's cut rows: its supply scale when below 1, else 1 (see above)."""
    return most if 0 < most < 1 else 1.0


def hhi_cuts(model: BuiltModel, col: np.ndarray) -> list[Cut]:
    """Cuts for every (rule, item) whose plan HHI exceeds ``max_hhi + tolerance``."""
    ctx = model.ctx
    cuts: list[Cut] = []
    x = col[ctx.x]
    for spec in model.data.info.get("hhi", []):
        members = spec["members"]
        items = ctx.sup_item[members]
        frame = pd.DataFrame({"item": items, "country": spec["countries"]})
        group, uniq = pd.factorize(pd.MultiIndex.from_frame(frame), sort=True)
        group_item = np.asarray(uniq.get_level_values(0), dtype=np.int64)
        supply_g = np.bincount(group, weights=x[members], minlength=len(uniq))
        total = np.bincount(group_item, weights=supply_g, minlength=len(ctx.item_ids))
        share = np.divide(
            supply_g, total[group_item], out=np.zeros(len(uniq)), where=total[group_item] > 0
        )
        hhi = np.bincount(group_item, weights=share**2, minlength=len(ctx.item_ids)) * 10_000
        for i in np.flatnonzero(hhi > spec["max_hhi"] + spec["tolerance"]):
            mine = items == i
            cols = np.concatenate([ctx.x[members[mine]], [ctx.supply[i]]])
            in_item = group_item == i
            scale = row_scale(float(ctx.most[i]))
            for point in _cut_points(supply_g[in_item], total[i], spec["root"]):
                # Coefficient of x_s: the cut direction's component for s's country.
                direction = np.zeros(len(uniq))
                direction[in_item] = point / np.linalg.norm(point)
                coef = direction[group[mine]]
                vals = np.concatenate([coef, [-spec["root"]]]) / scale
                cuts.append(Cut(spec["rule"], ctx.item_ids[i], float(hhi[i]), cols, vals, scale))
    return cuts


def _cut_points(x_hat: np.ndarray, total: float, root: float) -> list[np.ndarray]:
    """Points whose tangent cuts are added: the plan, and its projection onto the cap.

    Kelley's cut at the plan alone converges slowly when the objective is flat (the solver
    keeps landing on far vertices of the polyhedral approximation). Also cutting at the point
    where the segment from an interior point (equal shares over the item's countries) to the
    plan crosses the cap gives a supporting hyperplane at the boundary itself (the extended
    supporting hyperplane method), which converges in far fewer re-solves.
    """
    points = [x_hat]
    n = len(x_hat)
    if n < 2 or total <= 0:
        return points
    centre = np.full(n, total / n)
    limit = (root * total) ** 2
    if centre @ centre >= limit:  # equal shares already at the cap: no interior point
        return points
    # ||centre + lam (x_hat - centre)||^2 = limit, for lam in (0, 1).
    d = x_hat - centre
    a, b, c = d @ d, 2 * centre @ d, centre @ centre - limit
    disc = b * b - 4 * a * c
    if a <= 0 or disc < 0:
        return points
    lam = (-b + np.sqrt(disc)) / (2 * a)
    if 0 < lam < 1:
        points.append(centre + lam * d)
    return points
