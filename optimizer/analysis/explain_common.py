"""Shared pieces of the explain analysis: limits, table columns, number formatting."""

from __future__ import annotations

import math
from typing import Any

from trustsource.results.plan import json_records, json_value
from trustsource.status import Status

STEP = 0.01
"""One percentage point of a share limit."""
HHI_STEP = 100.0
"""One percentage point of the HHI scale (0-10,000), in HHI points."""

MARGINAL_KINDS = ("country_cap", "bloc_share", "supplier_cap", "exit_clause", "exit", "hhi_cap")
"""Rule kinds whose limit is a share (or an HHI): these get marginal costs per point."""

# (rule kind, bound) -> (key of the limit in the rule, direction that tightens, step, upper end)
_LIMITS: dict[tuple[str, str], tuple[str, int, float, float]] = {
    ("country_cap", "max"): ("max_share", -1, STEP, 1.0),
    ("supplier_cap", "max"): ("max_share", -1, STEP, 1.0),
    ("exit_clause", "max"): ("max_share_without", -1, STEP, 1.0),
    ("bloc_share", "max"): ("max_share", -1, STEP, 1.0),
    ("bloc_share", "min"): ("min_share", +1, STEP, 1.0),
    ("exit", "min"): ("coverage", +1, STEP, 1.0),
    ("hhi_cap", "max"): ("max_hhi", -1, HHI_STEP, 10_000.0),
}

_AUTO_PARALLEL_SECONDS = 4.0  # below this much estimated serial work, processes cost more
_MAX_HHI_ITERATIONS = 200

RULE_COLUMNS = ["rule", "kind", "cost_with", "cost_without", "price", "price_share",
                "status_without", "binding_items", "effect_without"]
FAMILY_COLUMNS = ["kind", "rules", "cost_without", "price", "price_share", "status_without"]
MARGINAL_COLUMNS = ["rule", "kind", "item", "scope", "sense", "limit", "tightened_limit",
                    "binding", "lp_marginal_per_pp", "resolve_marginal_per_pp", "cost_tightened",
                    "note"]



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


def _rule_sentence(r: Any, cur: str) -> str:
    kind = f"{r.rule} ({r.kind})"
    if r.status_without not in (Status.OPTIMAL.value, Status.FEASIBLE.value):
        return f"{kind}: the instance without it was not solved ({r.status_without})"
    if _is_zero(r.price, r.cost_with):
        if r.binding_items:
            return (f"{kind} costs nothing: the plan is at its limit on {r.binding_items}, "
                    "but the cheapest plan without it meets it too")
        return f"{kind} costs nothing: it does not bind"
    out = f"{kind} costs {money(r.price, cur)} ({pct(r.price_share)})"
    if r.effect_without:
        out += f"; without it {r.effect_without}"
    return out


def _marginal_sentence(m: Any, cur: str) -> str:
    unit = "100 HHI points" if m.kind == "hhi_cap" else "1 pp"
    where = f"{m.item}" + (f" ({m.scope})" if m.scope else "")
    limit = (f"{m.limit:,.0f} -> {m.tightened_limit:,.0f}" if m.kind == "hhi_cap"
             else f"{pct(m.limit)} -> {pct(m.tightened_limit)}")
    lp = money(m.lp_marginal_per_pp, cur)
    rs = money(m.resolve_marginal_per_pp, cur)
    text = f"{m.rule} on {where}, {limit}: {rs} per {unit} by re-solve, {lp} from the LP"
    return f"{text}; {m.note}" if m.note else text


def _is_zero(v: float, scale: float, rel: float = 1e-7) -> bool:
    return v is not None and math.isfinite(v) and abs(v) <= rel * max(1.0, abs(scale))


# --- the analysis ----------------------------------------------------------------------------


