"""Pre-solve findings (what no plan can satisfy) and warnings (what may hurt the solve).

Each finding is a necessary condition checked with arithmetic before any solve: demand above
the capacity left after bans, a count rule asking for more suppliers or countries than offer the
item, a single-sourcing rule no single supplier can meet, an exit right that the capacity
outside one country cannot cover. A solve of an instance with findings returns ``infeasible``
without calling the solver, and ``trustsource validate`` exits 2 listing them.

*Warnings* (:func:`range_warnings`, ``kind="warning"``) are informational: values HiGHS can take
but not comfortably (costs spread over more than nine orders of magnitude). They never block a
solve.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import Issue
from ..limits import WIDE_RANGE
from .checks import required_supply

if TYPE_CHECKING:
    from .instance import Instance
    from .locate import Locator


def banned_suppliers(inst: Instance) -> dict[str, list[str]]:
    """Supplier id -> names of the ban rules that exclude it."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in inst.rules:
        if r.kind != "ban":
            continue
        banned = inst.countries_of(r.countries)
        scope = set(r.items) if r.items is not None else None
        for s in inst.suppliers:
            if (scope is None or s.item in scope) and inst.counts_for(s, r, banned):
                out[s.id].append(r.name)
    return out


def capacity_findings(inst: Instance, loc: Locator) -> list[Issue]:
    """Items whose least required supply exceeds the capacity left after bans."""
    need = required_supply(inst)
    banned = banned_suppliers(inst)
    site_cap = {s.id: s.capacity for s in inst.sites}
    cap_all: dict[str, float] = defaultdict(float)
    cap_left: dict[str, float] = defaultdict(float)
    site_left: dict[tuple[str, str], float] = defaultdict(float)
    for s in inst.suppliers:
        caps = [c for c in (s.capacity, site_cap.get(s.site) if s.site else None) if c is not None]
        c = min(caps) if caps else float("inf")
        cap_all[s.item] += c
        if s.id not in banned:
            if s.site is not None and site_cap.get(s.site) is not None:
                # Offers of one site share its capacity: count it once per item.
                key = (s.item, s.site)
                add = min(c, site_cap[s.site] - site_left[key])  # type: ignore[operator]
                site_left[key] += add
                cap_left[s.item] += add
            else:
                cap_left[s.item] += c
    rules_by_item: dict[str, set[str]] = defaultdict(set)
    for s in inst.suppliers:
        for r in banned.get(s.id, ()):
            rules_by_item[s.item].add(r)
    out = []
    for k, it in enumerate(inst.items):
        least = need[it.id][0]
        left = cap_left[it.id]
        if least > left * (1 + 1e-9) + 1e-9:
            why = ""
            if rules_by_item[it.id]:
                before = cap_all[it.id]
                was = (
                    f" (of {before:,.6g} before)"
                    if math.isfinite(before)
                    else (" (unlimited before)")
                )
                why = f" after {', '.join(f'ban `{r}`' for r in sorted(rules_by_item[it.id]))}{was}"
            what = "demand" if least == it.demand else "required supply (demand plus inputs)"
            out.append(
                Issue(
                    loc.where("items", k),
                    None,
                    f"{it.id}: {what} of {least:,.6g} {it.unit} exceeds the "
                    f"{left:,.6g} {it.unit} of "
                    f"supplier capacity left{why}; relax the rule, add suppliers or set a "
                    "shortfall_penalty",
                    kind="finding",
                )
            )
    return out


def _capacity(inst: Instance) -> dict[str, float]:
    """Supplier id -> min(own capacity, site capacity) (infinite when neither is set)."""
    site_cap = {s.id: s.capacity for s in inst.sites}
    out = {}
    for s in inst.suppliers:
        caps = [c for c in (s.capacity, site_cap.get(s.site) if s.site else None) if c is not None]
        out[s.id] = min(caps) if caps else float("inf")
    return out


def rule_findings(inst: Instance, loc: Locator) -> list[Issue]:
    """Count, single-sourcing and exit rules that the offers cannot satisfy."""
    need = required_supply(inst)
    banned = banned_suppliers(inst)
    cap = _capacity(inst)
    site_cap = {k.id: k.capacity for k in inst.sites}
    offers: dict[str, list[object]] = defaultdict(list)
    for s in inst.suppliers:
        if s.id not in banned:
            offers[s.item].append(s)
    out: list[Issue] = []
    for k, rule in enumerate(inst.rules):
        if rule.kind not in ("min_suppliers", "min_countries", "max_suppliers", "exit"):
            continue
        for item in rule.items if rule.items is not None else [it.id for it in inst.items]:
            least = need[item][0]
            if least <= 0:
                continue
            mine = offers[item]
            unit = next(it.unit for it in inst.items if it.id == item)
            basis = [inst.basis_country(s, rule.basis) for s in mine]
            msg = None
            if rule.kind == "min_suppliers" and len(mine) < rule.count:
                msg = f"needs {rule.count} suppliers, only {len(mine)} offer it"
            elif rule.kind == "min_countries" and len(set(basis)) < rule.count:
                msg = f"needs {rule.count} countries, offers come from {len(set(basis))}"
            elif rule.kind == "max_suppliers":
                best = sum(sorted((cap[s.id] for s in mine), reverse=True)[: rule.count])
                if best < least * (1 - 1e-9):
                    msg = (
                        f"allows {rule.count} supplier(s), whose capacity is at most "
                        f"{best:,.6g} {unit} for {least:,.6g} {unit} needed"
                    )
            elif rule.kind == "exit":
                msg = _exit_shortfall(rule, mine, basis, cap, site_cap, least, unit)
            if msg:
                out.append(
                    Issue(
                        loc.where("rules", k),
                        None,
                        f"{item}: {rule.kind} `{rule.name}` {msg}",
                        kind="finding",
                    )
                )
    return out


def _exit_shortfall(
    rule: object,
    mine: list[object],
    basis: list[str],
    cap: dict[str, float],
    site_cap: dict[str, float | None],
    least: float,
    unit: str,
) -> str | None:
    """Whether the exit right fails with every offer qualified: what any one loss leaves.

    Counted as the model and the verifier count it: a site delivers at most its capacity per
    item, however many offers of the item it carries. Offer capacities are cut to the coverage
    needed (unlimited ones become finite), which changes no amount that falls short of it."""
    needed = rule.coverage * least  # type: ignore[attr-defined]
    lose = rule.lose  # type: ignore[attr-defined]
    if lose == "country":
        units: list[object] = list(basis)
    elif lose == "site":
        units = [s.site for s in mine]  # type: ignore[attr-defined]
    else:
        units = [s.id for s in mine]  # type: ignore[attr-defined]

    def limit(k: str) -> float:
        c = site_cap.get(k)
        return math.inf if c is None else c

    inside: dict[object, float] = defaultdict(float)  # a unit's capacity without a site
    at: dict[tuple[object, str], float] = defaultdict(float)  # (unit, site) capacity
    raw: dict[str, float] = defaultdict(float)  # site: capacity of the item there
    free = 0.0
    for s, u in zip(mine, units):
        c = min(cap[s.id], needed)  # type: ignore[attr-defined]
        k = s.site  # type: ignore[attr-defined]
        if u is not None:
            inside[u] += 0.0
        if k is None:
            free += c
            if u is not None:
                inside[u] += c
        else:
            raw[k] += c
            if u is not None:
                at[(u, k)] += c
    if not inside:
        return None
    cover = {k: min(limit(k), v) for k, v in raw.items()}
    loss = dict(inside)
    for (u, k), c in at.items():
        loss[u] += cover[k] - min(limit(k), max(raw[k] - c, 0.0))
    worst = max(loss, key=lambda u: loss[u])
    left = max(free + sum(cover.values()) - loss[worst], 0.0)
    if left < needed * (1 - 1e-9):
        return (
            f"needs {needed:,.6g} {unit} of capacity outside any one {lose}, but "
            f"losing {worst} leaves {left:,.6g} {unit}"
        )
    return None


def all_findings(inst: Instance, loc: Locator) -> list[Issue]:
    """Every pre-solve finding of ``inst``."""
    return capacity_findings(inst, loc) + rule_findings(inst, loc)


# --- warnings ---------------------------------------------------------------------------------

_Extreme = tuple[float, str, int, str]  # value, section, row, field


def _extremes(values: list[float | None], section: str, fld: str) -> list[_Extreme]:
    """The smallest and largest non-zero value of one field of one table, located."""
    arr = np.array([v or 0.0 for v in values], dtype=float)  # None (unset) counts as 0
    if not arr.size or arr.max() <= 0:
        return []
    khi = int(arr.argmax())
    klo = int(np.where(arr > 0, arr, np.inf).argmin())
    return [(float(arr[klo]), section, klo, fld), (float(arr[khi]), section, khi, fld)]


def _tier_extremes(tiered: list[tuple[int, Any]], key: str) -> list[_Extreme]:
    """Extremes of the price breaks' ``price`` or ``from_`` over (row, breaks) of tiered offers."""
    values = [(getattr(b, key), k) for k, breaks in tiered for b in breaks if getattr(b, key)]
    if not values:
        return []
    (lo, klo), (hi, khi) = min(values), max(values)
    return [(lo, "suppliers", klo, "price_tiers"), (hi, "suppliers", khi, "price_tiers")]


def _range_warning(what: str, found: list[_Extreme], loc: Locator, advice: str) -> list[Issue]:
    if not found:
        return []
    lo, hi = min(found), max(found)
    if hi[0] <= lo[0] * WIDE_RANGE:
        return []

    def at(e: _Extreme) -> str:
        return f"{e[0]:g} at {loc.where(e[1], e[2])} [{e[3]}]"

    return [
        Issue(
            loc.document,
            None,
            f"{what} range from {at(lo)} to {at(hi)}, a ratio of {hi[0] / lo[0]:.1e} "
            f"(above {WIDE_RANGE:g}): HiGHS's tolerances are absolute, so it may not "
            f"honour the smallest values exactly; {advice}. This is a warning: the "
            "instance can still be solved",
            kind="warning",
        )
    ]


def range_warnings(inst: Instance, loc: Locator) -> list[Issue]:
    """Warnings when non-zero costs, or quantities, span more than :data:`WIDE_RANGE`."""
    items, sites, sups = inst.items, inst.sites, inst.suppliers
    tiered = [(k, s.price_tiers.breaks) for k, s in enumerate(sups) if s.price_tiers is not None]
    costs = (
        _extremes([s.unit_cost for s in sups], "suppliers", "unit_cost")
        + _extremes([s.fixed_cost for s in sups], "suppliers", "fixed_cost")
        + _extremes([s.fixed_cost for s in sites], "sites", "fixed_cost")
        + _extremes([it.shortfall_penalty for it in items], "items", "shortfall_penalty")
        + _tier_extremes(tiered, "price")
    )
    quantities = (
        _extremes([it.demand for it in items], "items", "demand")
        + _extremes([s.capacity for s in sups], "suppliers", "capacity")
        + _extremes([s.min_order for s in sups], "suppliers", "min_order")
        + _extremes([s.capacity for s in sites], "sites", "capacity")
        + _tier_extremes(tiered, "from_")
    )
    return _range_warning(
        "non-zero costs",
        costs,
        loc,
        "check for a typo or a unit mismatch (a price per kg next to one per t); "
        "a cost far below the others barely changes the plan and may be set to 0",
    ) + _range_warning(
        "non-zero quantities",
        quantities,
        loc,
        "measure items in units that bring their quantities closer (t for a "
        "bulk item, g for a trace one) or check for a typo",
    )
