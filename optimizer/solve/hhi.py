"""The outer-approximation loop for ``hhi_cap`` rules (see :mod:`trustsource.model.rules.hhi`).

After each solve, compute every capped item's true HHI from the plan; where it exceeds the cap by
more than the rule's tolerance, add the tangent cut at that plan and solve again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from trustsource.model.build import BuiltModel


@dataclass
class Cut:
    """One tangent cut ``sum coef * x - root * T_i <= 0`` in global column indices."""

    rule: str
    item: str
    hhi: float
    cols: np.ndarray
    vals: np.ndarray


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
        share = np.divide(supply_g, total[group_item], out=np.zeros(len(uniq)),
                          where=total[group_item] > 0)
        hhi = np.bincount(group_item, weights=share**2, minlength=len(ctx.item_ids)) * 10_000
        norm = np.sqrt(np.bincount(group_item, weights=supply_g**2,
                                   minlength=len(ctx.item_ids)))
        for i in np.flatnonzero(hhi > spec["max_hhi"] + spec["tolerance"]):
            mine = items == i
            coef = supply_g[group[mine]] / norm[i]
            cuts.append(Cut(spec["rule"], ctx.item_ids[i], float(hhi[i]),
                            np.concatenate([ctx.x[members[mine]], [ctx.supply[i]]]),
                            np.concatenate([coef, [-spec["root"]]])))
    return cuts
