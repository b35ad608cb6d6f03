"""Trust-rule checks of the independent verifier (:mod:`trustsource.verify.verifier`).

One function per rule kind (docs/instance-format.md), each re-deriving the rule from its definition
for one selected item of a plan. Like :mod:`.verifier`, this module shares no code with the
model builder, the solver driver or the result tables. A rule whose shares are undefined (the
item's total supply T_i is zero) holds trivially.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ..instance.schema import ItemSpec, SupplierSpec
from .plan_view import PlanView, Violation

__all__ = ["RULE_CHECKS", "Violation"]


def _n(x: float) -> str:
    return f"{x:.6g}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %" if abs(100 * x - round(100 * x, 1)) < 1e-9 else f"{100 * x:.4g} %"


def _num(x: float) -> str:
    """A quantity with thousands separators: ``3,100``, ``12,345.7``, ``unlimited``."""
    if not math.isfinite(x):
        return "unlimited" if x > 0 else _n(x)
    r = round(x)
    if abs(x - r) <= 1e-9 * max(1.0, abs(x)) and abs(x) < 1e15:
        return f"{int(r):,}"
    return f"{x:,.6g}"


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def _few(names: list[str], limit: int = 5) -> str:
    more = f", ... (+{len(names) - limit})" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


# --- share caps and floors -------------------------------------------------------------------


def _cap(
    p: PlanView,
    check: str,
    name: str,
    it: ItemSpec,
    subject: str | None,
    what: str,
    amount: float,
    share: float,
    total: float | None = None,
) -> Violation | None:
    """A violation if ``amount`` exceeds ``share`` of the item's total supply (or of
    ``total``, its purchase cost, for rules measured in cost)."""
    t = p.total[it.id] if total is None else total
    limit = share * t
    if amount <= limit + p.slack(limit, t):
        return None
    unit = it.unit if total is None else p.inst.currency
    return Violation(
        check,
        name,
        it.id,
        subject,
        f"{it.id}: {what} {_pct(amount / t) if t > 0 else _n(amount)} > "
        f"{_pct(share)} ({name}), {_n(amount - limit)} {unit} over",
        amount - limit,
    )


def _country_cap(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    capped = p.inst.countries_of(rule.countries) if rule.countries is not None else None
    exempt = p.inst.countries_of(rule.except_)
    out: list[Violation] = []
    by_cost = rule.measure == "cost"
    total = sum(p.amounts(it.id, rule.measure)) if by_cost else None
    for c, amount in sorted(p.by_country(it.id, rule.basis, rule.measure).items()):
        if (capped is None or c in capped) and c not in exempt:
            what = f"{c}'s cost share" if by_cost else f"{c} supplies"
            v = _cap(p, "country_cap", name, it, c, what, amount, rule.max_share, total)
            out += [v] if v else []
    return out


def _bloc_share(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    members = p.inst.countries_of([rule.bloc])
    values = p.amounts(it.id, rule.measure)
    amount = sum(
        v for s, v in zip(p.sups[it.id], values, strict=True) if p.counts_for(s, rule, members)
    )
    by_cost = rule.measure == "cost"
    t = sum(values) if by_cost else p.total[it.id]
    unit = p.inst.currency if by_cost else it.unit
    what = f"{rule.bloc}'s cost share" if by_cost else f"{rule.bloc} supplies"
    out: list[Violation] = []
    if rule.min_share is not None:
        floor = rule.min_share * t
        if amount < floor - p.slack(floor, t):
            got = _pct(amount / t) if t > 0 else _n(amount)
            out.append(
                Violation(
                    "bloc_share",
                    name,
                    it.id,
                    rule.bloc,
                    f"{it.id}: {what} {got} < {_pct(rule.min_share)} "
                    f"({name}), {_n(floor - amount)} {unit} short",
                    floor - amount,
                )
            )
    if rule.max_share is not None:
        v = _cap(p, "bloc_share", name, it, rule.bloc, what, amount, rule.max_share, t)
        out += [v] if v else []
    return out


def _ban(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    banned = p.inst.countries_of(rule.countries)
    t = p.total[it.id]
    out: list[Violation] = []
    if rule.basis == "influence":
        # Each banned supplier named, with the holdings that make it count.
        for s, v in zip(p.sups[it.id], p.qtys[it.id], strict=True):
            if abs(v) > p.slack(0.0, t) and p.counts_for(s, rule, banned):
                held = sum(p.holdings.shares(s.owner or "").get(c, 0.0) for c in banned)
                out.append(
                    Violation(
                        "ban",
                        name,
                        it.id,
                        s.id,
                        f"{it.id}: {_n(v)} {it.unit} from {s.id}, whose owner {s.owner} is "
                        f"{_pct(held)} held from {', '.join(sorted(banned))} (threshold "
                        f"{_pct(rule.threshold)}: {p.inst.ownership.chain(s.owner or '', banned)})"
                        f", banned ({name})",
                        abs(v),
                    )
                )
        return out
    for c, amount in sorted(p.by_country(it.id, rule.basis).items()):
        if c in banned and abs(amount) > p.slack(0.0, t):
            role = {"location": "located in", "control": "controlled from"}.get(
                rule.basis, "owned from"
            )
            out.append(
                Violation(
                    "ban",
                    name,
                    it.id,
                    c,
                    f"{it.id}: {_n(amount)} {it.unit} from suppliers {role} {c}, banned ({name})",
                    abs(amount),
                )
            )
    return out


def _supplier_cap(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    qtys = p.qtys[it.id]
    limit = rule.max_share * p.total[it.id]
    if not qtys or max(qtys) <= limit:  # the common case: nobody near the cap
        return []
    found = (
        _cap(p, "supplier_cap", name, it, s.id, f"{s.id} supplies", v, rule.max_share)
        for s, v in zip(p.sups[it.id], qtys, strict=True)
        if v > limit
    )
    return [v for v in found if v]


def _exit_clause(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    amount = sum(v for s, v in zip(p.sups[it.id], p.qtys[it.id], strict=True) if not s.exit_clause)
    v = _cap(
        p,
        "exit_clause",
        name,
        it,
        None,
        "contracts without exit clause supply",
        amount,
        rule.max_share_without,
    )
    return [v] if v else []


# --- counts ----------------------------------------------------------------------------------


def _counted(p: PlanView, it: ItemSpec, amounts: dict[str, float], share: float) -> list[str]:
    """Keys whose amount is a real award (> tolerance) of at least ``share`` of the supply."""
    t = p.total[it.id]
    floor = share * t
    low, eps = floor - p.slack(floor, t), p.eps[it.id]
    return sorted(k for k, v in amounts.items() if v > eps and v >= low)


def _min_suppliers(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    if p.total[it.id] <= p.tol:
        return []
    amounts = {s.id: v for s, v in zip(p.sups[it.id], p.qtys[it.id], strict=True)}
    got = _counted(p, it, amounts, rule.min_share_each)
    if len(got) >= rule.count:
        return []
    who = f" ({_few(got)})" if got else ""
    floor = rule.min_share_each * p.total[it.id]
    return [
        Violation(
            "min_suppliers",
            name,
            it.id,
            None,
            f"{it.id}: {_plural(len(got), 'supplier')}{who} each supply at least "
            f"{_pct(rule.min_share_each)} ({_num(floor)} {it.unit}), fewer than "
            f"{rule.count} ({name})",
            float(rule.count - len(got)),
        )
    ]


def _max_suppliers(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    eps = p.eps[it.id]
    got = sorted(s.id for s, v in zip(p.sups[it.id], p.qtys[it.id], strict=True) if v > eps)
    if len(got) <= rule.count:
        return []
    return [
        Violation(
            "max_suppliers",
            name,
            it.id,
            None,
            f"{it.id}: {len(got)} suppliers ({_few(got)}) receive supply, more than "
            f"{rule.count} ({name})",
            float(len(got) - rule.count),
        )
    ]


def _min_countries(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    if p.total[it.id] <= p.tol:
        return []
    got = _counted(p, it, p.by_country(it.id, rule.basis), rule.min_share_each)
    if len(got) >= rule.count:
        return []
    who = f" ({_few(got)})" if got else ""
    return [
        Violation(
            "min_countries",
            name,
            it.id,
            None,
            f"{it.id}: {_plural(len(got), 'country', 'countries')}{who} each supply at "
            f"least {_pct(rule.min_share_each)}, fewer than {rule.count} ({name})",
            float(rule.count - len(got)),
        )
    ]


# --- exit and concentration ------------------------------------------------------------------


def _cover_cap(p: PlanView, s: SupplierSpec) -> float:
    """Capacity an offer brings to exit coverage: min(own, site), infinite if neither is set."""
    own = math.inf if s.capacity is None else s.capacity
    site = p.sites[s.site] if s.site is not None else None
    return min(own, math.inf if site is None or site.capacity is None else site.capacity)


def _site_cap(p: PlanView, site: str) -> float:
    cap = p.sites[site].capacity
    return math.inf if cap is None else cap


def _lost_key(p: PlanView, rule: Any) -> Callable[[SupplierSpec], str | None]:
    if rule.lose == "site":
        return lambda s: s.site
    if rule.lose == "supplier":
        return lambda s: s.id
    return lambda s: p.label(s, rule.basis)


def _exit(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    """For each country (site, supplier) that could be lost, what the qualified offers outside it
    can still deliver covers ``coverage`` of the supply.

    A site delivers at most its capacity, however many qualified offers of the item it carries:
    losing e leaves ``sum over sites k of min(C_k, capacity of k's qualified offers outside e)``
    plus the qualified offers without a site outside e. Each offer's capacity is first cut to
    the coverage needed (an unlimited offer becomes finite): that changes no sum that falls
    short of the need, so the failures and the capacity they report are exact. Computed for all
    entities at once: what e takes from a site is the site's coverage less what its other
    offers still give."""
    t = p.total[it.id]
    if t <= p.tol:
        return []
    key = _lost_key(p, rule)
    need = rule.coverage * t
    inside: dict[str, float] = defaultdict(float)  # qualified capacity of e without a site
    at: dict[tuple[str, str], float] = defaultdict(float)  # (e, site): qualified capacity
    raw: dict[str, float] = defaultdict(float)  # site: qualified capacity of the item there
    has: dict[str, bool] = {}  # e -> holds qualified capacity
    free = 0.0
    for s, usable in zip(p.sups[it.id], p.covers[it.id], strict=True):
        e = key(s)
        if e is not None:
            has.setdefault(e, False)  # every entity present can be lost, qualified or not
        if not usable:
            continue
        c = min(_cover_cap(p, s), need)
        if e is not None and c > 0:
            has[e] = True
        if s.site is None:
            free += c
            if e is not None:
                inside[e] += c
        else:
            raw[s.site] += c
            if e is not None:
                at[(e, s.site)] += c
    cover = {k: min(_site_cap(p, k), v) for k, v in raw.items()}
    total = free + sum(cover.values())
    loss = dict(inside)
    for (e, k), c in at.items():
        rest = min(_site_cap(p, k), max(raw[k] - c, 0.0))
        loss[e] = loss.get(e, 0.0) + cover[k] - rest
    floor = need - p.slack(need, t)
    failing: list[tuple[str, float, bool]] = []
    for e in sorted(has):
        left = max(total - loss.get(e, 0.0), 0.0)
        if left < floor:
            failing.append((e, left, has[e]))
    # Losing an entity without qualified capacity fails only if every loss fails: say it once.
    shown = [f for f in failing if f[2]] or failing[:1]
    what = {"country": "", "site": "site ", "supplier": "supplier "}[rule.lose]
    return [
        Violation(
            "exit",
            name,
            it.id,
            e,
            f"{it.id}: losing {what}{e} leaves {_num(left)} {it.unit} of qualified "
            f"capacity for {_num(t)} {it.unit} (coverage {rule.coverage:.2f}) ({name})",
            need - left,
        )
        for e, left, _ in shown
    ]


def _hhi_cap(p: PlanView, rule: Any, name: str, it: ItemSpec) -> list[Violation]:
    t = p.total[it.id]
    if t <= p.tol:
        return []
    shares = p.by_country(it.id, rule.basis)
    hhi = 10_000.0 * sum((v / t) ** 2 for v in shares.values())
    if hhi <= rule.max_hhi + rule.tolerance:
        return []
    top = max(sorted(shares), key=lambda c: shares[c])
    return [
        Violation(
            "hhi_cap",
            name,
            it.id,
            top,
            f"{it.id}: HHI {_num(hhi)} > {_num(rule.max_hhi)} + {_num(rule.tolerance)} "
            f"({name}); {top} supplies {_pct(shares[top] / t)}",
            hhi - rule.max_hhi,
        )
    ]


RuleCheck = Callable[["PlanView", Any, str, ItemSpec], list[Violation]]

RULE_CHECKS: dict[str, RuleCheck] = {
    "country_cap": _country_cap,
    "bloc_share": _bloc_share,
    "ban": _ban,
    "supplier_cap": _supplier_cap,
    "exit_clause": _exit_clause,
    "min_suppliers": _min_suppliers,
    "max_suppliers": _max_suppliers,
    "min_countries": _min_countries,
    "exit": _exit,
    "hhi_cap": _hhi_cap,
}
