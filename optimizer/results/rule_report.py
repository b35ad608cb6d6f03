"""The rule report of a plan: per rule and item, the limit, what the plan achieves, the slack.

Computed from the plan's quantities and qualifications (not from model rows), so it reads the
same whatever the formulation. Shares are of the item's total supply; counts are numbers of
suppliers or countries; exit rules report the worst coverage left after losing one unit; HHI
caps report points.

A rule can also bind by forcing demand to go unmet: ``min_suppliers`` count 3 with only two
suppliers allows no supply at all, so the plan pays the shortfall penalty and every share of
nothing "meets" the rule. Where an item's supply falls short of what it could use, each rule is
checked against its *ceiling*, the most supply the rule allows given the capacities of the
item's available suppliers; a rule whose ceiling is below what the suppliers could deliver and
at which the plan sits binds, and its ``scope`` says so (:data:`SHORTFALL_SCOPE`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model.build import BuiltModel
from ..model.context import Context
from .coverage import exit_coverage, site_units, supplier_units

ZERO = 1e-9
BINDING_TOL = 1e-6
COLUMNS = ["rule", "kind", "item", "scope", "sense", "limit", "achieved", "slack", "binding"]
SHORTFALL_SCOPE = "forces shortfall"
"""Prefix of the ``scope`` of a row whose rule caps the item's supply below what its suppliers
could deliver while the plan leaves demand unmet: ``forces shortfall: only 2 suppliers can
deliver it``."""


def offers_by_item(ctx: Context) -> list[np.ndarray]:
    """The indices of each item's offers, ascending, grouped in one pass."""
    order = np.argsort(ctx.sup_item, kind="stable")
    bounds = np.searchsorted(ctx.sup_item[order], np.arange(len(ctx.item_ids) + 1))
    return [order[bounds[i] : bounds[i + 1]] for i in range(len(ctx.item_ids))]


def group_sums(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct labels, the sum of ``values`` per label): a groupby without pandas,
    whose per-call overhead dominated the rule table when run once per rule and item."""
    if not len(labels):
        return labels[:0], np.zeros(0)
    keys, inv = np.unique(labels, return_inverse=True)
    return keys, np.bincount(inv.ravel(), weights=values, minlength=len(keys))


def rules_table(
    model: BuiltModel,
    x: np.ndarray,
    supply: np.ndarray,
    qualified: np.ndarray,
    spend: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per rule, item and bound (``spend``: each offer's purchase cost, for rules
    measured in cost; shares of cost are then reported)."""
    ctx = model.ctx
    inst = ctx.inst
    rows = []
    bans = _ban_masks(ctx)
    offers = offers_by_item(ctx)
    lost_with: dict[str, np.ndarray] = {}
    if any(r.kind == "exit" for r in inst.rules):  # built once, not per rule and item
        lost_with = {"site": site_units(ctx), "supplier": supplier_units(ctx)}
    for k, rule in enumerate(inst.rules):
        items = rule.items if rule.items is not None else ctx.item_ids
        basis = ctx.rule_basis(rule)
        by_cost = getattr(rule, "measure", None) == "cost" and spend is not None
        for item in items:
            i = inst.item_index[item]
            t = float(supply[i])
            mine = offers[i]  # the item's offers, as indices (grouped once: linear in offers)
            most = float(ctx.most[i])
            # Supply below what the item could use: demand (or a downstream need) goes unmet.
            short = t < most - BINDING_TOL * max(1.0, most)
            # A cost-measured rule reads shares of the item's purchase cost, not quantity.
            weights, total = x, t
            if by_cost and spend is not None:
                weights, total = spend, float(spend[mine].sum())
            for sense, scope, limit, got, binding in _entries(
                ctx, rule, i, total, mine, basis, weights, qualified, lost_with
            ):
                slack = (limit - got) if sense == "max" else (got - limit)
                if t <= 0:
                    # No supply: every share of nothing meets the rule (as the verifier reads
                    # it), so nothing is achieved; it binds only if it forces the shortfall.
                    got, slack, binding = float("nan"), 0.0, False
                if binding is None:
                    binding = bool(abs(slack) <= BINDING_TOL * max(1.0, abs(limit)))
                if short:
                    reason = forced_shortfall(ctx, k, rule, i, sense, basis, t, bans)
                    if reason:
                        binding, scope = True, f"{SHORTFALL_SCOPE}: {reason}"
                rows.append(
                    {
                        "rule": rule.name,
                        "kind": rule.kind,
                        "item": item,
                        "scope": scope,
                        "sense": sense,
                        "limit": limit,
                        "achieved": got,
                        "slack": slack,
                        "binding": binding,
                    }
                )
    return pd.DataFrame(rows, columns=COLUMNS)


def _entries(
    ctx: Context,
    rule: Any,
    i: int,
    t: float,
    mine: np.ndarray,
    basis: np.ndarray,
    x: np.ndarray,
    qualified: np.ndarray,
    lost_with: dict[str, np.ndarray],
) -> list[tuple[str, Any, float, float, bool | None]]:
    """(sense, scope, limit, achieved, binding or None to derive it from the slack).

    ``mine``: the item's offers (indices); ``lost_with``: per supplier, the site and the
    supplier it is lost with (for ``exit`` rules; the country is the rule's basis)."""
    inst = ctx.inst
    xs = x[mine]

    def share_of(mask: np.ndarray) -> float:
        return float(xs[mask].sum() / t) if t > 0 else 0.0

    kind = rule.kind
    if kind == "country_cap":
        where = basis[mine]
        keep = np.ones(len(xs), dtype=bool)
        if rule.countries is not None:
            keep &= np.isin(where, list(inst.countries_of(rule.countries)))
        if rule.except_:
            keep &= ~np.isin(where, list(inst.countries_of(rule.except_)))
        labels, sums = group_sums(xs[keep], where[keep])
        if t <= 0 or not len(sums) or sums.max() / t <= 0:
            return [("max", None, rule.max_share, 0.0, None)]
        w = int(np.argmax(sums))
        return [("max", labels[w], rule.max_share, float(sums[w] / t), None)]
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
        sid = ctx.sup_ids[int(mine[k])] if got > 0 else None
        return [("max", sid, rule.max_share, got, None)]
    if kind == "exit_clause":
        return [
            (
                "max",
                "no_exit_clause",
                rule.max_share_without,
                share_of(~ctx.exit_clause[mine]),
                None,
            )
        ]
    if kind == "min_suppliers":
        n = (
            int(np.count_nonzero(xs >= rule.min_share_each * t - 1e-6 * max(1.0, t)))
            if t > 0
            else 0
        )
        return [
            ("min", f">= {rule.min_share_each * 100:g}% each", float(rule.count), float(n), None)
        ]
    if kind == "max_suppliers":
        n = int(np.count_nonzero(xs > ZERO))
        return [("max", "awarded", float(rule.count), float(n), None)]
    if kind == "min_countries":
        _, per = group_sums(xs, basis[mine])
        n = int((per >= rule.min_share_each * t - 1e-6 * max(1.0, t)).sum()) if t > 0 else 0
        return [
            ("min", f">= {rule.min_share_each * 100:g}% each", float(rule.count), float(n), None)
        ]
    if kind == "exit":
        units = basis if rule.lose == "country" else lost_with[rule.lose]
        got, worst = exit_coverage(ctx, qualified, units, i, t, mine)
        got = 0.0 if np.isnan(got) else got
        return [("min", f"lose {worst}" if worst is not None else None, rule.coverage, got, None)]
    if kind == "hhi_cap":
        labels, per = group_sums(xs, basis[mine])
        hhi = float(((per / t) ** 2).sum() * 10_000) if t > 0 else 0.0
        binding = bool(t > 0 and hhi >= rule.max_hhi - rule.tolerance)
        top = labels[int(np.argmax(per))] if t > 0 and len(per) else None
        return [("max", top, rule.max_hhi, hhi, binding)]
    raise ValueError(f"no report for rule kind {kind!r}")


# --- rules that force shortfall --------------------------------------------------------------


def _pc(x: float) -> str:
    """``65.0 %``, as every share in the reports."""
    return f"{100 * x:.1f} %"


def _ban_masks(ctx: Context) -> dict[int, np.ndarray]:
    """Rule index -> mask over suppliers that ban rule excludes (for its items)."""
    out = {}
    for k, rule in enumerate(ctx.inst.rules):
        if rule.kind == "ban":
            out[k] = ctx.item_mask(rule.items) & ctx.members(rule, rule.countries)
    return out


def forced_shortfall(
    ctx: Context,
    k: int,
    rule: Any,
    i: int,
    sense: str,
    basis: np.ndarray,
    t: float,
    bans: dict[int, np.ndarray],
) -> str:
    """Why rule ``k`` holds item ``i``'s supply at ``t`` below what its suppliers could deliver,
    in words; empty when it does not (its ceiling is not below that, or the plan is under it).

    Suppliers count as available unless a ban excludes them (for a ban rule itself: another
    ban); capacities are the effective ones (own, site, most the item can use).
    """
    other = np.zeros(len(ctx.sup_ids), dtype=bool)
    for j, mask in bans.items():
        if j != k:
            other |= mask
    avail = (ctx.sup_item == i) & ~other & (ctx.cap_eff > ZERO)
    most = float(ctx.most[i])
    free = min(most, _deliverable(ctx, avail))
    ceiling, reason = _ceiling(ctx, rule, sense, basis, avail, bans.get(k), free)
    tol = BINDING_TOL * max(1.0, most)
    if ceiling >= free - tol or t < ceiling - tol:
        return ""
    unit = ctx.inst.items[i].unit
    could = f"the {free:,.6g} {unit} its suppliers could deliver"
    if ceiling <= tol:
        return reason or f"it allows none of {could}"
    only = f"only {ceiling:,.6g} of {could} can be bought"
    return f"{reason}, so {only}" if reason else only


def _deliverable(ctx: Context, mask: np.ndarray) -> float:
    """Most the suppliers in ``mask`` can deliver together: a shared site counts once."""
    cap = ctx.cap_eff[mask]
    site = ctx.sup_site[mask]
    alone = float(cap[site < 0].sum())
    if not (site >= 0).any():
        return alone
    per_site = pd.Series(cap[site >= 0]).groupby(site[site >= 0]).sum()
    limit = ctx.site_cap[per_site.index.to_numpy()]
    return alone + float(np.minimum(per_site.to_numpy(), limit).sum())


def _largest_share_supply(caps: np.ndarray, other: float, share: float, free: float) -> float:
    """Largest ``t <= free`` with ``t <= other + sum(min(caps, share * t))`` (each group at most
    ``share`` of the total); the right side minus ``t`` is concave and >= 0 at 0."""
    if share >= 1.0:
        return free

    def ok(v: float) -> bool:
        return other + float(np.minimum(caps, share * v).sum()) >= v * (1 - 1e-12)

    if ok(free):
        return free
    lo, hi = 0.0, free
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def _min_hhi(caps: np.ndarray, t: float) -> float:
    """The lowest HHI (points) of supplying ``t`` from countries with these capacities."""
    if t <= 0:
        return 0.0
    lo, hi = 0.0, float(caps.max())
    for _ in range(100):  # water level: every country up to min(capacity, level)
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if np.minimum(caps, mid).sum() < t else (lo, mid)
    q = np.minimum(caps, hi)
    return float(((q / q.sum()) ** 2).sum() * 10_000)


def _per(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return pd.Series(values, dtype=float).groupby(labels).sum().to_numpy()


def _ceiling(
    ctx: Context,
    rule: Any,
    sense: str,
    basis: np.ndarray,
    avail: np.ndarray,
    own_ban: np.ndarray | None,
    free: float,
) -> tuple[float, str]:
    """(most supply the rule allows from the available suppliers, why in words)."""
    inst = ctx.inst
    caps = ctx.cap_eff[avail]
    where = basis[avail]
    kind = rule.kind
    if kind in ("min_suppliers", "min_countries"):
        groups = caps if kind == "min_suppliers" else _per(caps, where)
        what = "suppliers" if kind == "min_suppliers" else "countries"
        n, m = int(rule.count), float(rule.min_share_each)
        if len(groups) < n:
            one = what[:-1] if what == "suppliers" else "country"
            k = len(groups)
            return 0.0, f"only {k} {one if k == 1 else what} can deliver it"
        if n * m > 1 + 1e-12:
            return 0.0, f"{n} {what} with {_pc(m)} each would need more than all of it"
        nth = float(np.sort(groups)[::-1][n - 1])
        return min(free, nth / m), f"{n} {what} must each carry at least {_pc(m)}"
    if kind == "max_suppliers":
        top = float(np.sort(caps)[::-1][: int(rule.count)].sum())
        return min(free, top), f"at most {int(rule.count)} suppliers may be awarded"
    if kind in ("country_cap", "supplier_cap"):
        if kind == "supplier_cap":
            return _largest_share_supply(caps, 0.0, rule.max_share, free), (
                f"each supplier may carry at most {_pc(rule.max_share)}"
            )
        scoped = np.ones(len(caps), dtype=bool)
        if rule.countries is not None:
            scoped &= np.isin(where, list(inst.countries_of(rule.countries)))
        if rule.except_:
            scoped &= ~np.isin(where, list(inst.countries_of(rule.except_)))
        per = _per(caps[scoped], where[scoped])
        ceiling = _largest_share_supply(per, float(caps[~scoped].sum()), rule.max_share, free)
        lone = (
            f" and all of its supply is in {where[scoped][0]}"
            if len(per) == 1 and not (~scoped).any()
            else ""
        )
        return ceiling, f"each country may supply at most {_pc(rule.max_share)}{lone}"
    if kind in ("bloc_share", "exit_clause"):
        if kind == "bloc_share":
            inside = np.isin(where, list(inst.countries_of([rule.bloc])))
            name = f"{rule.bloc}"
        else:
            inside = ~ctx.exit_clause[avail]
            name = "suppliers without an exit clause"
        cap_in, cap_out = float(caps[inside].sum()), float(caps[~inside].sum())
        if sense == "min":
            if rule.min_share <= 0:
                return free, ""  # a floor of 0 allows any supply
            return min(free, cap_in / rule.min_share), (
                f"{name} must supply at least {_pc(rule.min_share)} and can deliver only "
                f"{cap_in:,.6g}"
            )
        share = rule.max_share if kind == "bloc_share" else rule.max_share_without
        return _largest_share_supply(np.array([cap_in]), cap_out, share, free), (
            f"{name} may supply at most {_pc(share)}"
        )
    if kind == "ban":
        left = avail & ~(own_ban if own_ban is not None else np.zeros_like(avail))
        return min(free, _deliverable(ctx, left)), (
            f"the ban excludes the suppliers in {', '.join(rule.countries)}"
        )
    if kind == "exit":
        units = {"country": basis, "site": site_units(ctx), "supplier": supplier_units(ctx)}[
            rule.lose
        ]
        # Coverage counted as everywhere else (a site at most its capacity per item); t = 1
        # makes the returned share the quantity kept.
        items = ctx.sup_item[avail]
        kept = exit_coverage(ctx, avail, units, int(items[0]), 1.0)[0] if len(items) else 0.0
        if rule.coverage <= 0:
            return free, ""
        return min(free, kept / rule.coverage), (
            f"after losing its largest {rule.lose} the rest must cover {_pc(rule.coverage)} of "
            f"supply and can deliver only {kept:,.6g}"
        )
    if kind == "hhi_cap":
        per = _per(caps, where)
        if not len(per):
            return 0.0, ""
        limit = rule.max_hhi + rule.tolerance
        if _min_hhi(per, free) <= limit:
            return free, ""
        lo, hi = 0.0, free
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if _min_hhi(per, mid) <= limit else (lo, mid)
        lone = f" and all of its supply is in {where[0]}" if len(per) == 1 else ""
        return lo, f"the HHI may be at most {rule.max_hhi:,.0f}{lone}"
    return free, ""
