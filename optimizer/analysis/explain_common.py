"""Shared pieces of the explain analysis: limits, table columns, number formatting."""

from __future__ import annotations

import math
from typing import Any

from ..instance.kinds import KINDS, PRICED_KINDS
from ..results.plan import Plan, json_records, json_value
from ..results.rule_report import SHORTFALL_SCOPE
from ..status import Status

STEP = 0.01
"""One percentage point of a share limit."""
HHI_STEP = 100.0
"""One percentage point of the HHI scale (0-10,000), in HHI points."""

MARGINAL_KINDS = PRICED_KINDS
"""Rule kinds whose limit is a share (or an HHI): these get marginal costs per point."""

# (rule kind, bound) -> (key of the limit in the rule, direction that tightens, step, upper end),
# from the registry: a ceiling tightens downwards, a floor upwards; one step is a percentage
# point of the limit's scale.
_LIMITS: dict[tuple[str, str], tuple[str, int, float, float]] = {
    (kind, lim.sense): (
        lim.key,
        -1 if lim.sense == "max" else +1,
        HHI_STEP if lim.unit == "hhi" else STEP,
        lim.bounds[1],
    )
    for kind in PRICED_KINDS
    for lim in KINDS[kind].limits
}


# Every price carries the solves behind it: their statuses and gaps, whether the difference is
# proven (both solves optimal) and the interval the bounds of the two solves allow.
PROOF_COLUMNS = [
    "price_low",
    "price_high",
    "proven",
    "status_with",
    "gap_with",
    "status_without",
    "gap_without",
]
RULE_COLUMNS = [
    "rule",
    "kind",
    "cost_with",
    "cost_without",
    "price",
    "price_share",
    *PROOF_COLUMNS,
    "binding_items",
    "binding_text",
    "effect_without",
]
FAMILY_COLUMNS = ["kind", "rules", "cost_without", "price", "price_share", *PROOF_COLUMNS]
MARGINAL_COLUMNS = [
    "rule",
    "kind",
    "item",
    "scope",
    "sense",
    "limit",
    "tightened_limit",
    "binding",
    "lp_marginal_per_pp",
    "lp_status",
    "lp_gap",
    "resolve_marginal_per_pp",
    "resolve_low",
    "resolve_high",
    "proven",
    "status_plan",
    "gap_plan",
    "status_tightened",
    "gap_tightened",
    "cost_tightened",
    "note",
]


def money(v: float | None, currency: str = "") -> str:
    """``167.6 M USD``, ``2.41 bn USD``, ``1,300 USD``; ``-`` for None, ``infeasible`` for inf."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if math.isinf(v):
        return "infeasible"
    unit = f" {currency}" if currency else ""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.2f} bn{unit}"
    if a >= 1e6:
        return f"{v / 1e6:,.1f} M{unit}"
    if abs(v - round(v)) < 5e-3:
        return f"{round(v):,.0f}{unit}"
    return f"{v:,.2f}{unit}"


def pct(x: float | None) -> str:
    """``3.9 %``; ``-`` for None."""
    if x is None or math.isnan(x):
        return "-"
    return f"{100 * x:.1f} %"


_SHORT_NAMES = {"RU": "Russia", "CD": "DR Congo", "CG": "Congo", "SY": "Syria"}


def display_country(code: str) -> str:
    """A short country name for sentences: ``China``, ``Taiwan``, ``Russia``; else the code."""
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    import pycountry

    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b) or b == 0:
        return None
    return a / b


_json = json_value


_records = json_records


# --- proof: the interval a difference of two solves is known to lie in -----------------------


def cost_bounds(plan: Plan) -> tuple[float, float]:
    """``(lower, upper)`` around the optimum of the instance that ``plan`` solved.

    Upper: the incumbent's cost (``inf`` without one). Lower: the solver's dual bound, else the
    incumbent less its gap, else 0 (every cost and penalty is >= 0, so no optimum is below 0).
    An infeasible instance gives ``(inf, inf)``; a proven optimum ``(bound, objective)``.
    """
    if plan.status is Status.INFEASIBLE:
        return math.inf, math.inf
    upper = math.inf
    if plan.has_solution and plan.objective is not None and math.isfinite(plan.objective):
        upper = float(plan.objective)
    lower = 0.0
    if plan.bound is not None and math.isfinite(plan.bound):
        lower = float(plan.bound)
    elif math.isfinite(upper) and plan.mip_gap is not None and math.isfinite(plan.mip_gap):
        lower = upper - plan.mip_gap * abs(upper)
    elif plan.status is Status.OPTIMAL:
        lower = upper
    return max(0.0, min(lower, upper)), upper


def gap_of(plan: Plan) -> float | None:
    """The relative gap of a solve: its ``mip_gap``, else from its bounds; None if unknown."""
    if plan.mip_gap is not None and math.isfinite(plan.mip_gap):
        return float(plan.mip_gap)
    lower, upper = cost_bounds(plan)
    if math.isfinite(upper) and math.isfinite(lower) and plan.has_solution:
        return (upper - lower) / max(abs(upper), 1e-9)
    return None


def difference(tighter: Plan, looser: Plan, scale: float = 1.0) -> dict[str, Any]:
    """``tighter``'s optimum minus ``looser``'s (``looser`` drops or relaxes a rule), / ``scale``.

    Returns ``point`` (the difference of the two incumbents; NaN unless ``proven``), ``low`` and
    ``high`` (what the bounds of both solves allow: the true difference lies in between),
    ``proven`` (both solves optimal, or the tighter one proven infeasible) and, per solve,
    ``status_*`` and ``gap_*``. Two facts narrow the interval: the tighter instance's plan is
    also a plan of the looser one, and the looser optimum is a lower bound of the tighter one;
    so the difference is never below 0.
    """
    lw, uw = cost_bounds(tighter)
    lo, uo = cost_bounds(looser)
    out: dict[str, Any] = {
        "status_with": tighter.status.value,
        "gap_with": gap_of(tighter),
        "status_without": looser.status.value,
        "gap_without": gap_of(looser),
    }
    if tighter.status is Status.INFEASIBLE:
        inf = math.inf if looser.has_solution else math.nan
        return {**out, "point": inf, "low": inf, "high": inf, "proven": looser.has_solution}
    if not math.isfinite(lo) or not (tighter.has_solution or looser.has_solution):
        nan = math.nan
        return {**out, "point": nan, "low": nan, "high": nan, "proven": False}
    uo = min(uo, uw)
    lw = max(lw, lo)
    low = max(0.0, lw - uo) / scale
    high = (uw - lo) / scale
    proven = tighter.status is Status.OPTIMAL and looser.status is Status.OPTIMAL
    point = math.nan
    if proven and tighter.objective is not None and looser.objective is not None:
        point = (float(tighter.objective) - float(looser.objective)) / scale
    return {**out, "point": point, "low": low, "high": max(low, high), "proven": proven}


def gap_pct(g: float | None) -> str:
    """A gap in percent with enough digits to tell 0.01 % from 0: ``19.7 %``, ``0.012 %``."""
    if g is None or not math.isfinite(g):
        return "unknown"
    return f"{100 * g:.3g} %"


def solve_label(status: str, gap: float | None) -> str:
    """``optimal``, ``feasible at 19.7 % gap``, ``no_solution``: one solve, for a table cell."""
    if status == Status.FEASIBLE.value:
        return f"feasible at {gap_pct(gap)} gap"
    return status


def range_text(low: float, high: float, cur: str) -> str:
    """``between 0 USD and 1.13 M USD``, or ``at least 2.1 M USD`` when unbounded above."""
    if math.isnan(low):
        return "unknown"
    if math.isinf(high):
        return f"at least {money(low, cur)}"
    return f"between {money(low, cur)} and {money(high, cur)}"


def unproven_text(
    solves: list[tuple[str, str, float | None]],
    low: float,
    high: float,
    cur: str,
    what: str = "price",
) -> str:
    """Why a difference is not a plain number, in words.

    ``solves``: ``(role, status, gap)`` of each solve behind it (role like ``with the rule``).
    Gives ``not proven: solves stopped at a 19.7 % gap (with the rule) and a 3.2 % gap (without
    it); the price lies between 0 USD and 1.13 M USD``.
    """
    parts = []
    for role, status, gap in solves:
        if status == Status.FEASIBLE.value:
            parts.append(f"a {gap_pct(gap)} gap ({role})")
        elif status and status != Status.OPTIMAL.value:
            parts.append(f"{status} ({role})")
    why = (
        ("solves stopped at " + " and ".join(parts)) if parts else "the solves' gaps allow a range"
    )
    return f"not proven: {why}; the {what} lies {range_text(low, high, cur)}"


def price_cell(point: float, low: float, high: float, proven: bool, scale: float, fmt: Any) -> str:
    """A price for a table: the number when proven and not negative, else ``[low, high]``.

    A negative difference of two optima is solver tolerance, never a price: it is shown as the
    interval the bounds allow (which starts at 0).
    """
    if isinstance(point, float) and math.isinf(point):
        return str(fmt(point))
    if proven and not math.isnan(point) and point >= -1e-7 * max(1.0, abs(scale)):
        return str(fmt(max(point, 0.0)))
    if low is None or math.isnan(low):
        return "-"
    top = "inf" if math.isinf(high) else fmt(high)
    return f"[{fmt(low)}, {top}]"


def is_plain(point: float, proven: bool, scale: float) -> bool:
    """Whether a price may be shown as a plain number (proven and not negative)."""
    return bool(proven) and not math.isnan(point) and point >= -1e-7 * max(1.0, abs(scale))


def shortfall_reason(scope: Any) -> str:
    """The reason in a rule report ``scope`` that says the rule forces shortfall, else ``""``."""
    text = scope if isinstance(scope, str) else ""
    prefix = f"{SHORTFALL_SCOPE}: "
    return text[len(prefix) :] if text.startswith(prefix) else ""


def unmet_shares(plan: Plan) -> dict[str, float]:
    """Item -> share of its demand the plan leaves unmet (from the items table)."""
    it = plan.items
    if not len(it) or "shortfall" not in it or "demand" not in it:
        return {}
    out = {}
    for item, short, demand in zip(it["item"], it["shortfall"], it["demand"]):
        if demand and demand > 0 and short > 1e-9 * demand:
            out[str(item)] = float(short) / float(demand)
    return out


def binding_texts(plan: Plan) -> dict[str, str]:
    """Rule name -> how it binds where that needs words: the demand it forces to go unmet.

    ``it forces 100.0 % of gallium to go unmet: only 2 suppliers can deliver it``; rules that
    bind only by sitting at their limit get no entry (``binding_items`` names those items).
    """
    rep = plan.rules
    if not len(rep):
        return {}
    unmet = unmet_shares(plan)
    out: dict[str, list[str]] = {}
    for r in rep[rep["binding"].astype(bool)].itertuples():
        reason = shortfall_reason(r.scope)
        if not reason:
            continue
        share = unmet.get(str(r.item))
        how = (
            f"{pct(share)} of {r.item} to go unmet"
            if share is not None
            else f"{r.item}'s supply below what its suppliers could deliver"
        )
        text = f"{how}: {reason}"
        if text not in out.setdefault(str(r.rule), []):
            out[str(r.rule)].append(text)
    return {rule: "it forces " + "; and ".join(texts) for rule, texts in out.items()}


def _rule_sentence(r: Any, cur: str) -> str:
    kind = f"{r.rule} ({r.kind})"
    if math.isnan(r.price_low):
        return f"{kind}: the instance without it was not solved ({r.status_without})"
    if not is_plain(r.price, r.proven, r.cost_with):
        out = f"{kind}: " + unproven_text(
            [
                ("with the rule", r.status_with, r.gap_with),
                ("without it", r.status_without, r.gap_without),
            ],
            r.price_low,
            r.price_high,
            cur,
        )
        return out + (f"; {r.binding_text}" if r.binding_text else "")
    if _is_zero(r.price, r.cost_with):
        if r.binding_items:
            return (
                f"{kind} costs nothing: the plan is at its limit on {r.binding_items}, "
                "but the cheapest plan without it meets it too"
            )
        return f"{kind} costs nothing: it does not bind"
    out = f"{kind} costs {money(r.price, cur)} ({pct(r.price_share)})"
    if r.binding_text:
        out += f"; {r.binding_text}"
    if r.effect_without:
        out += f"; without it {r.effect_without}"
    return out


def _marginal_sentence(m: Any, cur: str) -> str:
    unit = "100 HHI points" if m.kind == "hhi_cap" else "1 pp"
    where = f"{m.item}" + (f" ({m.scope})" if m.scope else "")
    limit = (
        f"{m.limit:,.0f} -> {m.tightened_limit:,.0f}"
        if m.kind == "hhi_cap"
        else f"{pct(m.limit)} -> {pct(m.tightened_limit)}"
    )
    lp = money(m.lp_marginal_per_pp, cur)
    if m.lp_status not in ("", Status.OPTIMAL.value) and not math.isnan(m.lp_marginal_per_pp):
        lp += f" (at a plan {solve_label(m.lp_status, m.lp_gap)}, not proven optimal)"
    if is_plain(m.resolve_marginal_per_pp, m.proven, m.cost_tightened):
        text = (
            f"{m.rule} on {where}, {limit}: {money(m.resolve_marginal_per_pp, cur)} per "
            f"{unit} by re-solve, {lp} from the LP"
        )
    else:
        words = unproven_text(
            [
                ("the plan", m.status_plan, m.gap_plan),
                ("1 pp tighter", m.status_tightened, m.gap_tightened),
            ],
            m.resolve_low,
            m.resolve_high,
            cur,
            what=f"cost per {unit}",
        )
        text = f"{m.rule} on {where}, {limit}: {words}; {lp} from the LP"
    return f"{text}; {m.note}" if m.note else text


def _is_zero(v: float, scale: float, rel: float = 1e-7) -> bool:
    return v is not None and math.isfinite(v) and abs(v) <= rel * max(1.0, abs(scale))


# --- the analysis ----------------------------------------------------------------------------
