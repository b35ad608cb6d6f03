"""The words of a diagnosis: the elastic plan's slack columns read as relaxations of rules.

:class:`Reader` turns each slack column that gives into a row of
:attr:`trustsource.analysis.diagnose.entry.Diagnosis.relaxations`: the rule, the item, the limit as
written, the value it would need, and one sentence saying so in the rule's own terms, with the
capacity arithmetic that explains it when that arithmetic alone does. The helpers format shares
(``35 %``), quantities and lists of names, and :func:`bloc_floor_findings` adds the one
pre-solve check made only by diagnose.

Split from :mod:`.entry`, which runs the solves and assembles the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .arithmetic import _capacity, _pct, _qty
from .elastic import ElasticModel, Slack, row_activity

# A slack below one part per million of the item's scale (or of one count) is solver noise;
# the slack columns are in those units already (shares of the item, or counts).
NOISE = 1e-6

# --- formatting ---------------------------------------------------------------------------------


def _names(values: list[str], most: int = 4) -> str:
    vals = list(dict.fromkeys(values))
    if len(vals) <= most:
        return ", ".join(vals)
    return f"{', '.join(vals[:most])} and {len(vals) - most} more"


# --- capacities ---------------------------------------------------------------------------------


class Reader:
    """Turns the elastic plan's slack columns into relaxation rows."""

    def __init__(self, em: ElasticModel, col: np.ndarray) -> None:
        self.em = em
        self.ctx = em.model.ctx
        self.inst = self.ctx.inst
        self.col = col
        self.x = col[self.ctx.x]
        self.supply = col[self.ctx.supply]
        self.usable = ~self.ctx.banned()
        self.units = {it.id: it.unit for it in self.inst.items}
        self.rules = {r.name or r.kind: r for r in self.inst.rules}
        self._cap_left: np.ndarray | None = None
        # Per item, the rules (and "demand") that give in the elastic plan.
        self.relaxed: dict[str, set[str]] = {}
        for sl in em.slacks:
            if self.value(sl) is not None:
                self.relaxed.setdefault(sl.item, set()).add(sl.rule or "demand")

    @property
    def cap_left(self) -> np.ndarray:
        """Per item, the capacity left after every ban."""
        if self._cap_left is None:
            self._cap_left = _capacity(self.ctx, self.usable)
        return self._cap_left

    def scale(self, i: int) -> float:
        """Item i's scale: the most supply it can need (1 if none), as in the elastic model."""
        most = float(self.ctx.most[i])
        return most if most > 0 else 1.0

    def value(self, s: Slack) -> float | None:
        """The slack in item units (or a count), or None when it is solver noise.

        The column is a share of the item's scale (or a count), so the noise test is the same
        at every scale: below one part per million it is noise.
        """
        value = float(self.col[s.col])
        return s.quantity(value) if value > NOISE else None

    def row(self, s: Slack) -> dict[str, Any] | None:
        """The relaxation row of a slack column, or None when it does not give."""
        value = self.value(s)
        if value is None:
            return None
        reader: Callable[[Slack, float], dict[str, Any]] = getattr(self, f"_{s.kind}", self._share)
        out = reader(s, value)
        return {"rule": s.rule or "demand", "kind": s.kind, "item": s.item, "slack": value, **out}

    def _alone(self, s: Slack) -> bool:
        """True when no ban and no demand gives on the slack's item besides ``s`` itself.

        Capacity arithmetic (after the bans, for the full demand) then describes the relaxed
        plan; when a ban lets supply through or demand goes unmet, it would not.
        """
        others = self.relaxed.get(s.item, set()) - {s.rule or "demand"}
        return not any(o == "demand" or self.rules[o].kind == "ban" for o in others)

    def _together(self, s: Slack) -> str:
        """Why a rule gives when the arithmetic alone does not say: the others on its item."""
        others = sorted(self.relaxed.get(s.item, set()) - {s.rule or "demand"})
        if others:
            named = [f"`{o}`" if o != "demand" else "unmet demand" for o in others]
            return f" (together with relaxing {_names(named, 3)} on {s.item})"
        return self._other_rules(s)

    def _other_rules(self, s: Slack) -> str:
        """`` to meet `a`, `b` on the item``: the other rules that apply to the slack's item."""
        names = [
            r.name
            for r in self.inst.rules
            if r.name != s.rule and r.kind != "ban" and (r.items is None or s.item in r.items)
        ]
        if not names:
            return " to meet the other rules"
        return f" to meet {_names([f'`{n}`' for n in names], 3)} on {s.item}"

    # shares ------------------------------------------------------------------------------------

    def _group_shares(self, s: Slack) -> tuple[np.ndarray, list[str], float]:
        """Per row of the slack: the group's share of supply in the elastic plan."""
        block = self.em.blocks[s.block]
        meta = block.meta
        assert meta is not None
        alpha = float(meta["limit"].iloc[s.rows[0]])
        total = self.supply[s.item_index]
        act = row_activity(block, self.col)[s.rows]
        shares = (act + alpha * total) / total if total > 0 else np.zeros(len(s.rows))
        return shares, [str(v) for v in meta["scope"].iloc[s.rows]], alpha

    def _needed(self, s: Slack, value: float, alpha: float) -> float:
        total = self.supply[s.item_index]
        if total <= 0:
            return math.nan
        return alpha - s.sign * value / total

    def _cap_under(
        self, s: Slack, groups: dict[str, np.ndarray], alpha: float, uncapped: np.ndarray
    ) -> tuple[float, float]:
        """(capacity deliverable with each group held to alpha of the least supply, least)."""
        i = s.item_index
        least = float(self.ctx.least[i])
        total = float(_capacity(self.ctx, uncapped)[i])
        for mask in groups.values():
            total += min(float(_capacity(self.ctx, mask)[i]), alpha * least)
        return total, least

    def _share(self, s: Slack, value: float) -> dict[str, Any]:
        """country_cap, supplier_cap, exit_clause: an upper share that must rise."""
        rule = self.rules[str(s.rule)]
        shares, scopes, alpha = self._group_shares(s)
        needed = self._needed(s, value, alpha)
        over = [sc for sc, sh in zip(scopes, shares) if sh > alpha + 1e-9]
        top = [sc for sc, sh in zip(scopes, shares) if sh >= needed - 1e-6] or over
        item = s.item
        u = self.units[item]
        i = s.item_index
        mine = (self.ctx.sup_item == i) & self.usable
        why = ""
        if s.kind in ("country_cap", "supplier_cap"):
            if s.kind == "country_cap":
                key = self.ctx.basis(rule.basis)
            else:
                key = np.array(self.ctx.sup_ids, dtype=object)
            groups = {sc: mine & (key == sc) for sc in scopes}
            capped = np.zeros(len(mine), dtype=bool)
            for m in groups.values():
                capped |= m
            cap, least = self._cap_under(s, groups, alpha, mine & ~capped)
            if self._alone(s) and cap < least * (1 - 1e-9):
                per = "country" if s.kind == "country_cap" else "supplier"
                why = (
                    f": with each {per} at {_pct(alpha)}, suppliers can deliver at most "
                    f"{_qty(cap)} of the {_qty(least)} {u} needed"
                )
            else:
                why = self._together(s)
            per = "per country" if s.kind == "country_cap" else "per supplier"
            msg = (
                f"{item}: {s.kind} `{s.rule}` must allow {_pct(needed, 'up')} instead of "
                f"{_pct(alpha)} {per} ({_names(top)} reach{'es' if len(top) == 1 else ''} "
                f"{_pct(needed)} in the relaxed plan){why}"
            )
            scope = ", ".join(dict.fromkeys(top))
        elif s.kind == "exit_clause":
            with_clause = mine & self.ctx.exit_clause
            cap = float(_capacity(self.ctx, with_clause)[i])
            least = float(self.ctx.least[i])
            if self._alone(s) and cap < (1 - alpha) * least * (1 - 1e-9):
                why = (
                    f": suppliers with an exit clause can deliver at most {_qty(cap)} of the "
                    f"{_qty(least)} {u} needed"
                )
            else:
                why = self._together(s)
            msg = (
                f"{item}: exit_clause `{s.rule}` must allow {_pct(needed, 'up')} of supply "
                f"without an exit clause instead of {_pct(alpha)}{why}"
            )
            scope = "no_exit_clause"
        else:  # pragma: no cover - every share kind has a branch
            msg = f"{item}: {s.kind} `{s.rule}` must allow {_pct(needed, 'up')}"
            scope = ""
        return {"scope": scope, "limit": alpha, "needed": needed, "message": msg}

    _country_cap = _share
    _supplier_cap = _share
    _exit_clause = _share

    def _bloc_share(self, s: Slack, value: float) -> dict[str, Any]:
        rule = self.rules[str(s.rule)]
        _, _, alpha = self._group_shares(s)
        needed = self._needed(s, value, alpha)
        i = s.item_index
        item, u = s.item, self.units[s.item]
        least = float(self.ctx.least[i])
        in_bloc = self.ctx.members(rule, [rule.bloc]) & (self.ctx.sup_item == i) & self.usable
        if s.part == "min":
            cap = float(_capacity(self.ctx, in_bloc)[i])
            if self._alone(s) and cap < alpha * least * (1 - 1e-9):
                why = (
                    f": suppliers in {rule.bloc} can deliver at most {_qty(cap)} of the "
                    f"{_qty(least)} {u} needed"
                )
            else:
                why = self._together(s)
            msg = (
                f"{item}: bloc_share `{s.rule}` floor on {rule.bloc} must come down from "
                f"{_pct(alpha)} to {_pct(max(needed, 0.0), 'down')}{why}"
            )
        else:
            outside = (self.ctx.sup_item == i) & self.usable & ~in_bloc
            cap = float(_capacity(self.ctx, outside)[i])
            if self._alone(s) and cap < (1 - alpha) * least * (1 - 1e-9):
                why = (
                    f": suppliers outside {rule.bloc} can deliver at most {_qty(cap)} of the "
                    f"{_qty(least)} {u} needed"
                )
            else:
                why = self._together(s)
            msg = (
                f"{item}: bloc_share `{s.rule}` cap on {rule.bloc} must rise from "
                f"{_pct(alpha)} to {_pct(needed, 'up')}{why}"
            )
        return {
            "scope": f"{rule.bloc} ({s.part})",
            "limit": alpha,
            "needed": needed,
            "message": msg,
        }

    def _hhi_cap(self, s: Slack, value: float) -> dict[str, Any]:
        rule = self.rules[str(s.rule)]
        i = s.item_index
        mine = np.flatnonzero((self.ctx.sup_item == i) & self.ctx.item_mask(rule.items))
        by = pd.Series(self.x[mine]).groupby(self.ctx.basis(rule.basis)[mine]).sum()
        total = float(by.sum())
        hhi = float(((by / total) ** 2).sum() * 10_000) if total > 0 else math.nan
        top = by.sort_values(ascending=False)
        shares = (
            ", ".join(f"{c} {_pct(q / total)}" for c, q in top.iloc[:4].items() if q > 0)
            if total > 0
            else ""
        )
        needed = math.ceil(hhi - 1e-6) if math.isfinite(hhi) else math.nan
        msg = (
            f"{s.item}: hhi_cap `{s.rule}` must allow HHI {needed:,.0f} instead of "
            f"{rule.max_hhi:,.0f} ({shares} in the relaxed plan)"
        )
        return {
            "scope": ", ".join(str(c) for c in top.index[:4]),
            "limit": float(rule.max_hhi),
            "needed": float(needed),
            "message": msg,
        }

    # bans, exit, counts, demand -----------------------------------------------------------------

    def _ban(self, s: Slack, value: float) -> dict[str, Any]:
        rule = self.rules[str(s.rule)]
        i = s.item_index
        item, u = s.item, self.units[s.item]
        banned_here = (
            self.ctx.item_mask(rule.items)
            & self.ctx.members(rule, rule.countries)
            & (self.ctx.sup_item == i)
        )
        used = np.flatnonzero(banned_here & (self.x > NOISE * self.scale(i)))
        who = _names([self.ctx.sup_ids[k] for k in used])
        others = sorted(
            {
                r.name
                for r in self.inst.rules
                if r.kind == "ban" and r.name != s.rule and (r.items is None or item in r.items)
            }
        )
        least = float(self.ctx.least[i])
        left = float(self.cap_left[i])
        what = "ban" if not others else "bans"
        also = f" (with {', '.join(f'`{o}`' for o in others)})" if others else ""
        if left < least * (1 - 1e-9):
            gap = least - left
            more = (
                f" ({_qty(gap)} for capacity, the rest{self._other_rules(s)})"
                if value > gap * (1 + 1e-6) + NOISE * self.scale(i)
                else ""
            )
            msg = (
                f"{item}: ban `{s.rule}`{also} leaves {_qty(left)} {u} of capacity for "
                f"{_qty(least)} {u} needed; {_qty(value)} {u} would have to come from "
                f"suppliers it bans ({who}){more}; relax the {what} or add suppliers"
            )
        else:
            msg = (
                f"{item}: ban `{s.rule}` must let {_qty(value)} {u} through from the "
                f"suppliers it bans ({who}){self._other_rules(s)}; relax the ban or add "
                "suppliers"
            )
        return {"scope": who, "limit": 0.0, "needed": value, "message": msg}

    def _exit(self, s: Slack, value: float) -> dict[str, Any]:
        rule = self.rules[str(s.rule)]
        block = self.em.blocks[s.block]
        meta = block.meta
        assert meta is not None
        i = s.item_index
        total = float(self.supply[i])
        gamma = float(rule.coverage)
        act = row_activity(block, self.col)[s.rows]
        outside = act + gamma * total - block.lb[s.rows]
        worst = int(np.argmin(outside))
        scope = str(meta["scope"].iloc[s.rows[worst]])
        needed = self._needed(s, value, gamma)
        u = self.units[s.item]
        banned = np.flatnonzero((self.ctx.sup_item == i) & ~self.usable)
        names = _names([self.ctx.sup_ids[k] for k in banned])
        hint = f" (banned suppliers count for nothing: {names})" if len(banned) else ""
        msg = (
            f"{s.item}: exit `{s.rule}` can keep only {_pct(max(needed, 0.0), 'down')} of "
            f"supply covered after losing {scope} (asks {_pct(gamma)}): "
            f"{_qty(max(outside[worst], 0.0))} {u} of capacity outside {scope} for "
            f"{_qty(total)} {u} of supply{hint}; lower the coverage or qualify capacity "
            f"outside {scope}"
        )
        return {"scope": scope, "limit": gamma, "needed": needed, "message": msg}

    def _groups(self, rule: Any, i: int) -> int:
        mine = (self.ctx.sup_item == i) & self.ctx.item_mask(rule.items)
        if rule.kind == "min_countries":
            return len(set(self.ctx.basis(rule.basis)[mine]))
        return int(mine.sum())

    def _min_suppliers(self, s: Slack, value: float) -> dict[str, Any]:
        rule = self.rules[str(s.rule)]
        what = "suppliers" if rule.kind == "min_suppliers" else "countries"
        item = s.item
        if s.part == "too_few":
            n = self._groups(rule, s.item_index)
            msg = (
                f"{item}: {rule.kind} `{s.rule}` asks for {rule.count} {what}, but only {n} "
                f"offer{'s' if n == 1 else ''} the item, so any supply breaks it; ask for at "
                f"most {n} or add {what}"
            )
            return {
                "scope": "count",
                "limit": float(rule.count),
                "needed": float(n),
                "message": msg,
            }
        needed = rule.count - round(value)
        what = what if needed != 1 else what.replace("ies", "y").rstrip("s")
        msg = (
            f"{item}: {rule.kind} `{s.rule}` can be met by only {needed} {what} with at "
            f"least {_pct(rule.min_share_each)} each; ask for {needed} instead of "
            f"{rule.count}, or lower min_share_each"
        )
        return {
            "scope": "count",
            "limit": float(rule.count),
            "needed": float(needed),
            "message": msg,
        }

    _min_countries = _min_suppliers

    def _max_suppliers(self, s: Slack, value: float) -> dict[str, Any]:
        rule = self.rules[str(s.rule)]
        i = s.item_index
        needed = rule.count + round(value)
        mine = np.flatnonzero((self.ctx.sup_item == i) & self.usable)
        best = float(np.sort(self.ctx.cap_eff[mine])[::-1][: rule.count].sum())
        least = float(self.ctx.least[i])
        u = self.units[s.item]
        largest = "the largest supplier" if rule.count == 1 else f"the {rule.count} largest"
        why = (
            f": {largest} can deliver at most {_qty(best)} of the {_qty(least)} {u} needed"
            if self._alone(s) and best < least * (1 - 1e-9)
            else self._together(s)
        )
        msg = (
            f"{s.item}: max_suppliers `{s.rule}` must allow {needed} suppliers instead of "
            f"{rule.count}{why}"
        )
        return {
            "scope": "count",
            "limit": float(rule.count),
            "needed": float(needed),
            "message": msg,
        }

    def _demand(self, s: Slack, value: float) -> dict[str, Any]:
        i = s.item_index
        item, u = s.item, self.units[s.item]
        got = float(self.supply[i])
        short = self.ctx.shortfall[i]
        if short >= 0:
            got += float(self.col[short])
        need = got + value
        has_inputs = any(item in it.inputs for it in self.inst.items)
        what = "needed (demand plus inputs)" if has_inputs else "of demand"
        left = float(self.cap_left[i])
        if left < need * (1 - 1e-9):
            banned = bool((~self.usable & (self.ctx.sup_item == i)).any())
            why = (
                f"; its suppliers{' left after the bans' if banned else ''} offer {_qty(left)} {u}"
            )
        else:
            why = " under the rules in force"
            short_inputs = [
                j
                for j in self.inst.items[i].inputs
                if self.supply[self.inst.item_index[j]]
                >= self.cap_left[self.inst.item_index[j]] * (1 - 1e-6)
            ]
            if short_inputs:
                why = (
                    f": its input{'s' if len(short_inputs) > 1 else ''} "
                    f"{', '.join(short_inputs)} run{'s' if len(short_inputs) == 1 else ''} "
                    "out of capacity"
                )
        msg = (
            f"{item}: {_qty(value)} of the {_qty(need)} {u} {what} cannot be supplied{why}; "
            "add suppliers or capacity, or set a shortfall_penalty"
        )
        return {"scope": "unmet", "limit": need, "needed": got, "message": msg}
