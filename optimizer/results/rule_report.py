"""The rule report of a plan: per rule and item, the limit, what the plan achieves, the slack.

Computed from the plan's quantities and qualifications (not from model rows), so it reads the
same whatever the formulation. Shares are of the item's total supply; counts are numbers of
suppliers or countries; exit rules report the worst coverage left after losing one unit; HHI
caps report points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from trustsource.model.build import BuiltModel
from trustsource.model.context import Context

ZERO = 1e-9
BINDING_TOL = 1e-6
COLUMNS = ["rule", "kind", "item", "scope", "sense", "limit", "achieved", "slack", "binding"]


def site_units(ctx: Context) -> np.ndarray:
    """Per supplier, the site it would be lost with (None when it has no site)."""
    ids = np.array(ctx.site_ids + [None], dtype=object)
    return ids[ctx.sup_site]


def supplier_units(ctx: Context) -> np.ndarray:
    """Per supplier, itself (losing a supplier loses only that offer)."""
    return np.array(ctx.sup_ids, dtype=object)


def exit_coverage(ctx: Context, qualified: np.ndarray, units: np.ndarray, i: int,
                  t: float) -> tuple[float, Any]:
    """(share of supply still coverable after the worst single loss, that unit) for item i.

    Coverage counts the effective capacity of qualified suppliers. NaN without supply.
    """
    if t <= 0:
        return float("nan"), None
    mine = (ctx.sup_item == i) & qualified
    total = float(ctx.cap_eff[mine].sum())
    lost = units[mine]
    valid = np.array([u is not None for u in lost], dtype=bool)
    if not valid.any():
        return total / t, None
    per_unit = pd.Series(ctx.cap_eff[mine][valid], index=lost[valid]).groupby(level=0).sum()
    worst = per_unit.idxmax()
    return (total - float(per_unit.max())) / t, worst


def rules_table(model: BuiltModel, x: np.ndarray, supply: np.ndarray,
                qualified: np.ndarray) -> pd.DataFrame:
    """One row per rule, item and bound."""
    ctx = model.ctx
    inst = ctx.inst
    rows = []
    for rule in inst.rules:
        items = rule.items if rule.items is not None else ctx.item_ids
        basis = ctx.basis(rule.basis)
        for item in items:
            i = inst.item_index[item]
            t = float(supply[i])
            mine = ctx.sup_item == i
            for sense, scope, limit, got, binding in _entries(ctx, rule, i, t, mine, basis, x,
                                                              qualified):
                slack = (limit - got) if sense == "max" else (got - limit)
                if t <= 0:
                    # No supply: every share of nothing meets the rule (as the verifier reads
                    # it), so nothing is achieved and nothing binds.
                    got, slack, binding = float("nan"), 0.0, False
                if binding is None:
                    binding = bool(abs(slack) <= BINDING_TOL * max(1.0, abs(limit)))
                rows.append({"rule": rule.name, "kind": rule.kind, "item": item, "scope": scope,
                             "sense": sense, "limit": limit, "achieved": got, "slack": slack,
                             "binding": binding})
    return pd.DataFrame(rows, columns=COLUMNS)


def _entries(ctx: Context, rule: Any, i: int, t: float, mine: np.ndarray, basis: np.ndarray,
             x: np.ndarray, qualified: np.ndarray
             ) -> list[tuple[str, Any, float, float, bool | None]]:
    """(sense, scope, limit, achieved, binding or None to derive it from the slack)."""
    inst = ctx.inst
    xs = x[mine]

    def share_of(mask: np.ndarray) -> float:
        return float(xs[mask].sum() / t) if t > 0 else 0.0

    kind = rule.kind
    if kind == "country_cap":
        q = pd.Series(xs, index=basis[mine], dtype=float)
        if rule.countries is not None:
            q = q[q.index.isin(inst.countries_of(rule.countries))]
        if rule.except_:
            q = q[~q.index.isin(inst.countries_of(rule.except_))]
        per = q.groupby(level=0).sum() / t if t > 0 else q.iloc[:0]
        top = per.idxmax() if len(per) and per.max() > 0 else None
        return [("max", top, rule.max_share, float(per.max()) if top else 0.0, None)]
    if kind == "bloc_share":
        got = share_of(np.isin(basis[mine], list(inst.countries_of([rule.bloc]))))
        out: list[tuple[str, Any, float, float, bool | None]] = []
        if rule.min_share is not None:
            out.append(("min", rule.bloc, rule.min_share, got, None))
        if rule.max_share is not None:
            out.append(("max", rule.bloc, rule.max_share, got, None))
        return out
    if kind == "ban":
        banned = np.isin(basis[mine], list(inst.countries_of(rule.countries)))
        # A ban binds where it excludes a supplier of the item at all.
        return [("max", ",".join(rule.countries), 0.0, share_of(banned), bool(banned.any()))]
    if kind == "supplier_cap":
        k = int(np.argmax(xs)) if len(xs) else -1
        got = float(xs[k] / t) if t > 0 and k >= 0 else 0.0
        sid = np.array(ctx.sup_ids, dtype=object)[mine][k] if got > 0 else None
        return [("max", sid, rule.max_share, got, None)]
    if kind == "exit_clause":
        return [("max", "no_exit_clause", rule.max_share_without,
                 share_of(~ctx.exit_clause[mine]), None)]
    if kind == "min_suppliers":
        n = int(np.count_nonzero(xs >= rule.min_share_each * t - 1e-6 * max(1.0, t))
                ) if t > 0 else 0
        return [("min", f">= {rule.min_share_each * 100:g}% each", float(rule.count), float(n),
                 None)]
    if kind == "max_suppliers":
        n = int(np.count_nonzero(xs > ZERO))
        return [("max", "awarded", float(rule.count), float(n), None)]
    if kind == "min_countries":
        per = pd.Series(xs, index=basis[mine], dtype=float).groupby(level=0).sum()
        n = int((per >= rule.min_share_each * t - 1e-6 * max(1.0, t)).sum()) if t > 0 else 0
        return [("min", f">= {rule.min_share_each * 100:g}% each", float(rule.count), float(n),
                 None)]
    if kind == "exit":
        units = {"country": basis, "site": site_units(ctx),
                 "supplier": supplier_units(ctx)}[rule.lose]
        got, worst = exit_coverage(ctx, qualified, units, i, t)
        got = 0.0 if np.isnan(got) else got
        return [("min", f"lose {worst}" if worst is not None else None, rule.coverage, got,
                 None)]
    if kind == "hhi_cap":
        per = pd.Series(xs, index=basis[mine], dtype=float).groupby(level=0).sum()
        hhi = float(((per / t) ** 2).sum() * 10_000) if t > 0 else 0.0
        binding = bool(t > 0 and hhi >= rule.max_hhi - rule.tolerance)
        top = per.idxmax() if t > 0 and len(per) else None
        return [("max", top, rule.max_hhi, hhi, binding)]
    raise ValueError(f"no report for rule kind {kind!r}")
