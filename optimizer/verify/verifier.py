"""Independent verifier: check any plan against an instance and every rule.

This module deliberately shares no code with the model builder (:mod:`trustsource.model`), the
solver driver or the result tables. It reads the validated :class:`~trustsource.Instance` and a
plan's numbers (quantities, qualified suppliers, open sites, shortfalls, objective) and re-derives
every constraint of the instance format and the model straight from their definitions: bounds,
capacities, minimum orders, the bill-of-materials balance, each trust rule, and the objective
recomputed from prices, tiers, tariffs, fixed costs and penalties. A bug in the model builder
therefore cannot hide itself by being repeated here; the verifier is the second opinion every
solve and every test relies on.

A check fails when ``lhs > rhs + tol * max(1, |rhs|, scale)``, ``scale`` being the item's total
supply (or the natural size of the quantity compared), so solver round-off never reports a
violation while a real one, however small relative to the plan, does. Rule kinds this module does
not know are reported as ``unsupported_rule`` rather than passed silently. The rule checks
themselves live in :mod:`trustsource.verify.rules`.

Qualification: a qualified supplier pays its fixed cost and counts towards
exit coverage even with no award (a standby); a minimum order binds only an awarded quantity. A
supplier whose qualification the plan does not state is qualified if it is awarded, or if
qualifying it is free: no fixed cost, and no site or a site that is open or has no fixed cost.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from ..instance.instance import Instance
from .plan_view import PlanView, purchase_cost
from .rules import RULE_CHECKS, Violation, _n

__all__ = ["Violation", "recompute_cost", "verify", "verify_plan"]


def _check_suppliers(p: PlanView) -> list[Violation]:
    """Bounds, capacity, qualification and minimum orders, in one pass over the suppliers."""
    neg: list[Violation] = []
    cap: list[Violation] = []
    gate: list[Violation] = []
    low: list[Violation] = []
    site_sum: dict[str, float] = defaultdict(float)
    tol = p.tol
    for s, v, qualified in zip(p.inst.suppliers, p.qty, p.qual, strict=True):
        eps = p.eps[s.item]
        if s.site is not None:
            site_sum[s.site] += v
        if v < -eps:
            neg.append(
                Violation(
                    "bounds",
                    None,
                    s.item,
                    s.id,
                    f"{s.item}: {s.id} gets a negative quantity {_n(v)}",
                    -v,
                )
            )
        if s.capacity is not None and v - s.capacity > max(eps, tol * s.capacity):
            cap.append(
                Violation(
                    "capacity",
                    None,
                    s.item,
                    s.id,
                    f"{s.item}: {s.id} supplies {_n(v)} > capacity {_n(s.capacity)}",
                    v - s.capacity,
                )
            )
        if v > tol and not qualified:
            gate.append(
                Violation(
                    "qualification",
                    None,
                    s.item,
                    s.id,
                    f"{s.item}: {s.id} supplies {_n(v)} but is not qualified",
                    v,
                )
            )
        if s.min_order > 0 and v > tol and s.min_order - v > max(eps, tol * s.min_order):
            low.append(
                Violation(
                    "min_order",
                    None,
                    s.item,
                    s.id,
                    f"{s.item}: {s.id} is awarded {_n(v)} < minimum order {_n(s.min_order)}",
                    s.min_order - v,
                )
            )
    for k in p.inst.sites:
        used = site_sum.get(k.id, 0.0)
        if used > tol and not p.open[k.id]:
            gate.append(
                Violation(
                    "qualification",
                    None,
                    None,
                    k.id,
                    f"site {k.id} is not open but its offers supply {_n(used)}",
                    used,
                )
            )
        if k.capacity is not None and used > k.capacity + p.slack(k.capacity, used):
            cap.append(
                Violation(
                    "site_capacity",
                    None,
                    None,
                    k.id,
                    f"site {k.id}: offers supply {_n(used)} > site capacity {_n(k.capacity)}",
                    used - k.capacity,
                )
            )
    return neg + _check_shortfall(p) + cap + gate + low


def _check_shortfall(p: PlanView) -> list[Violation]:
    out: list[Violation] = []
    for it in p.inst.items:
        u, tol = p.short[it.id], p.slack(it.demand, p.total[it.id])
        if it.shortfall_penalty is None and abs(u) > tol:
            why, excess = "but the item allows none (no shortfall_penalty)", abs(u)
        elif u < -tol:
            why, excess = "is negative", -u
        elif u > it.demand + tol:
            why, excess = f"exceeds demand {_n(it.demand)}", u - it.demand
        else:
            continue
        out.append(
            Violation(
                "bounds", None, it.id, it.id, f"{it.id}: shortfall {_n(u)} {it.unit} {why}", excess
            )
        )
    return out


def _check_balance(p: PlanView) -> list[Violation]:
    consumed: dict[str, float] = defaultdict(float)
    users: dict[str, list[str]] = defaultdict(list)
    for it in p.inst.items:
        for up, per_unit in it.inputs.items():
            consumed[up] += per_unit * p.total[it.id]
            users[up].append(it.id)
    out: list[Violation] = []
    for it in p.inst.items:
        t, u, need = p.total[it.id], p.short[it.id], it.demand + consumed[it.id]
        gap = t + u - need
        if abs(gap) > p.slack(need, t):
            used = (
                f" + {_n(consumed[it.id])} consumed by {', '.join(users[it.id])}"
                if users[it.id]
                else ""
            )
            out.append(
                Violation(
                    "balance",
                    None,
                    it.id,
                    it.id,
                    f"{it.id}: supply {_n(t)} + shortfall {_n(u)} != demand "
                    f"{_n(it.demand)}{used} (off by {_n(gap)} {it.unit})",
                    abs(gap),
                )
            )
    return out


# --- rules -----------------------------------------------------------------------------------


def _check_rules(p: PlanView) -> list[Violation]:
    out: list[Violation] = []
    items = {it.id: it for it in p.inst.items}
    for rule in p.inst.rules:
        kind = str(getattr(rule, "kind", type(rule).__name__))
        name = getattr(rule, "name", None) or kind
        check = RULE_CHECKS.get(kind)
        if check is None:
            out.append(
                Violation(
                    "unsupported_rule",
                    name,
                    None,
                    kind,
                    f"rule {name}: kind '{kind}' is not checked by the verifier",
                    0.0,
                )
            )
            continue
        selected = rule.items if rule.items is not None else list(items)
        for iid in selected:
            out.extend(check(p, rule, name, items[iid]))
    return out


# --- cost --------------------------------------------------------------------------------------


def _cost(p: PlanView) -> float:
    inst = p.inst
    total = 0.0
    tariffs = inst.tariffs
    for s, v, qualified in zip(inst.suppliers, p.qty, p.qual, strict=True):
        if v != 0.0:
            total += purchase_cost(s, v, p.tol) * (1.0 + tariffs.get(s.country or "", 0.0))
        if qualified:
            total += s.fixed_cost
    total += sum(k.fixed_cost for k in inst.sites if p.open[k.id])
    total += sum((it.shortfall_penalty or 0.0) * p.short[it.id] for it in inst.items)
    return total


def recompute_cost(
    instance: Instance,
    quantities: Mapping[str, float],
    qualified: Mapping[str, bool] | None = None,
    site_open: Mapping[str, bool] | None = None,
    shortfall: Mapping[str, float] | None = None,
    *,
    tol: float = 1e-6,
) -> float:
    """Total cost of a plan computed from the instance data alone (same defaults as verify)."""
    return _cost(PlanView(instance, quantities, qualified, site_open, shortfall, tol))


# --- entry points ------------------------------------------------------------------------------


def verify(
    instance: Instance,
    quantities: Mapping[str, float],
    *,
    qualified: Mapping[str, bool] | None = None,
    site_open: Mapping[str, bool] | None = None,
    shortfall: Mapping[str, float] | None = None,
    objective: float | None = None,
    tol: float = 1e-6,
) -> list[Violation]:
    """Check a plan against the instance and every rule; return the violations (empty if none).

    Args:
        instance: the validated instance.
        quantities: supplier id -> awarded quantity (missing = 0).
        qualified: supplier id -> qualified (missing: qualified iff its quantity > ``tol``, or
            it has no fixed cost and no site, or a site that is open or has no fixed cost).
        site_open: site id -> open (missing: open iff any offer at it has quantity > ``tol`` or
            is given as qualified).
        shortfall: item id -> unmet external demand (missing = 0).
        objective: the plan's reported objective; checked against the recomputed cost if given.
        tol: relative-and-absolute tolerance of every comparison.
    """
    p = PlanView(instance, quantities, qualified, site_open, shortfall, tol)
    out = list(p.found)
    for check in (_check_suppliers, _check_balance, _check_rules):
        out.extend(check(p))
    if objective is not None:
        out.extend(objective_violation(objective, _cost(p), tol, instance.currency))
    return out


def objective_violation(
    objective: float, cost: float, tol: float, currency: str, what: str = "recomputed cost"
) -> list[Violation]:
    """The reported objective against the cost recomputed from the instance data."""
    if abs(cost - objective) <= tol * max(1.0, abs(objective)):
        return []
    message = f"reported objective {_n(objective)} differs from the {what} {_n(cost)} {currency}"
    return [Violation("objective", None, None, None, message, abs(cost - objective))]


def _column(frame: Any, key: str, value: str) -> dict[str, Any]:
    """``{key: value}`` from two columns of a DataFrame, skipping missing values."""
    if frame is None or not {key, value} <= set(getattr(frame, "columns", ())):
        return {}
    import pandas as pd

    return {str(k): v for k, v in zip(frame[key], frame[value], strict=True) if not pd.isna(v)}


def verify_plan(instance: Instance, plan: Any, tol: float = 1e-6) -> list[Violation]:
    """Verify a Plan-like object, read by duck typing: ``allocations`` (supplier, quantity,
    qualified), ``sites`` (site, open), ``items`` (item, shortfall) and ``objective``.

    The allocations list awarded and qualified suppliers; one it omits gets verify's default
    (qualified iff free to qualify, see :func:`verify`)."""
    alloc = plan.allocations
    quantities: dict[str, float] = defaultdict(float)
    for sid, v in zip(alloc["supplier"], alloc["quantity"], strict=True):
        quantities[str(sid)] += float(v)
    qualified = _column(alloc, "supplier", "qualified")
    site_open = _column(getattr(plan, "sites", None), "site", "open")
    shortfall = _column(getattr(plan, "items", None), "item", "shortfall")
    objective = getattr(plan, "objective", None)
    if objective is not None and not math.isfinite(float(objective)):
        objective = None
    return verify(
        instance,
        quantities,
        qualified={k: bool(v) for k, v in qualified.items()} or None,
        site_open={k: bool(v) for k, v in site_open.items()} or None,
        shortfall={k: float(v) for k, v in shortfall.items()} or None,
        objective=None if objective is None else float(objective),
        tol=tol,
    )
