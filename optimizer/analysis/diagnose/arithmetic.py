"""Pre-solve arithmetic made only by diagnose: a ``bloc_share`` floor above what the bloc can
supply (the bloc's capacity below ``min_share`` times the least supply the item needs). The
other pre-solve findings are the instance's own (:mod:`trustsource.instance.findings`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ...errors import Issue
from ...instance.instance import Instance
from ...model.build import build_model
from ...model.context import Context

# --- numbers in words (also used by the messages) ---


def _pct(share: float, rounding: str = "near") -> str:
    """``35 %``, ``33.4 %``: one decimal, rounded up for caps and down for floors if asked."""
    v = share * 1000
    v = (
        math.ceil(v - 1e-6)
        if rounding == "up"
        else (math.floor(v + 1e-6) if rounding == "down" else round(v))
    )
    text = f"{v / 10:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + " %"


def _qty(v: float) -> str:
    """``1,800``, ``10,000,000``, ``0.0004``: six significant digits, no exponent.

    Quantities run from thousandths to billions; ``4e+06`` reads badly next to ``1e+07``.
    """
    if not math.isfinite(v) or v == 0 or not 1e-9 <= abs(v) < 1e15:
        return f"{v:,.6g}"
    decimals = max(0, 5 - math.floor(math.log10(abs(v))))
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _capacity(ctx: Context, mask: np.ndarray) -> np.ndarray:
    """Per item, the capacity of the suppliers in ``mask``; a site's capacity counted once."""
    n_i = len(ctx.item_ids)
    at_site = (ctx.sup_site >= 0) & mask
    shared = at_site.copy()
    shared[at_site] = np.isfinite(ctx.site_cap[ctx.sup_site[at_site]])
    free = mask & ~shared
    out = np.bincount(ctx.sup_item[free], weights=ctx.cap_eff[free], minlength=n_i)
    if shared.any():
        frame = pd.DataFrame(
            {"item": ctx.sup_item[shared], "site": ctx.sup_site[shared], "cap": ctx.cap_eff[shared]}
        )
        per = frame.groupby(["item", "site"])["cap"].sum().reset_index()
        per["cap"] = np.minimum(per["cap"], ctx.site_cap[per["site"].to_numpy()])
        out += np.bincount(per["item"].to_numpy(), weights=per["cap"].to_numpy(), minlength=n_i)
    return np.asarray(out, dtype=float)


def bloc_floor_findings(inst: Instance, ctx: Context | None = None) -> list[Issue]:
    """``bloc_share`` floors above what the bloc can supply after the bans.

    For a floor ``min_share`` on item i, the bloc must deliver at least ``min_share`` times the
    least supply the item needs; its suppliers' capacity (bans removed) below that makes every
    plan infeasible.
    """
    if ctx is None:
        ctx = build_model(inst).ctx
    usable = ~ctx.banned()
    locator = getattr(inst, "_locator", None)
    units = {it.id: it.unit for it in inst.items}
    out = []
    for k, rule in enumerate(inst.rules):
        if rule.kind != "bloc_share" or rule.min_share is None or rule.measure == "cost":
            continue  # a floor on cost shares is no capacity arithmetic: the solver decides
        in_bloc = ctx.members(rule, [rule.bloc]) & usable & ctx.item_mask(rule.items)
        cap = _capacity(ctx, in_bloc)
        items = rule.items if rule.items is not None else ctx.item_ids
        where = locator.where("rules", k) if locator is not None else f"rules[{k}]"
        for item in items:
            i = inst.item_index[item]
            need = rule.min_share * ctx.least[i]
            if need > 0 and cap[i] < need * (1 - 1e-9):
                u = units[item]
                text = (
                    f"{item}: bloc_share `{rule.name}` asks {_pct(rule.min_share)} of at least "
                    f"{_qty(ctx.least[i])} {u} from {rule.bloc} ({_qty(need)} {u}), but "
                    f"suppliers in {rule.bloc} can deliver at most {_qty(cap[i])} {u}"
                    f"{' after the bans' if (~usable).any() else ''}; lower the floor to "
                    f"{_pct(cap[i] / ctx.least[i], 'down')} or add suppliers in {rule.bloc}"
                )
                out.append(Issue(where, None, text, kind="finding"))
    return out


# --- reading the elastic plan -------------------------------------------------------------------
