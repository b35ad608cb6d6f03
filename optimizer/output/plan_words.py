"""A plan's binding rules and shortfalls in words, shared by the terminal summary and the
award workbook's summary sheet."""

from __future__ import annotations

from typing import Any

from ..results.rule_report import SHORTFALL_SCOPE

__all__ = ["binding_rows", "binding_text", "shortfall_rows"]


def binding_text(r: Any) -> str:
    """A binding rule row in words, in the rule's own unit (share, count, points)."""
    if str(r.scope).startswith(SHORTFALL_SCOPE):
        # The rule caps supply below demand: its scope already says how, in words.
        return str(r.scope)
    if r.kind == "ban":
        return f"excludes the suppliers from {r.scope}"
    if r.kind in ("min_suppliers", "min_countries"):
        what = "suppliers" if r.kind == "min_suppliers" else "countries"
        return f"{r.achieved:.0f} {what} {r.scope} (limit {r.sense} {r.limit:.0f})"
    if r.kind == "max_suppliers":
        return f"{r.achieved:.0f} suppliers awarded (limit {r.sense} {r.limit:.0f})"
    if r.kind == "hhi_cap":
        return f"HHI {r.achieved:,.0f} (limit {r.sense} {r.limit:,.0f}; top {r.scope})"
    if r.kind == "exit":
        return (
            f"{r.achieved:.1%} of supply still covered after the worst loss ({r.scope}) "
            f"(limit {r.sense} {r.limit:.1%})"
        )
    scope = f"{r.scope} " if r.scope else ""
    return f"{scope}{r.achieved:.1%} (limit {r.sense} {r.limit:.1%})"


def binding_rows(plan: Any) -> list[tuple[str, str]]:
    """``(rule (kind) on item, what it does in words)`` for each binding rule row."""
    rules = plan.rules
    if not len(rules) or "binding" not in rules:
        return []
    out = []
    for r in rules[rules["binding"].astype(bool)].itertuples():
        when = f"{r.period} " if hasattr(r, "period") else ""
        out.append((f"{when}{r.rule} ({r.kind}) on {r.item}", binding_text(r)))
    return out


def shortfall_rows(plan: Any) -> list[tuple[str, str]]:
    """``(item, quantity short of demand and its penalty in words)`` per item left short."""
    cur = f" {plan.currency}" if plan.currency else ""
    return [
        (
            str(r.item),
            f"{r.shortfall:,.6g} of {r.demand:,.6g} {r.unit} unmet ({r.shortfall_share:.1%} of "
            f"demand), penalty {r.penalty:,.2f}{cur}",
        )
        for r in plan.shortfalls.itertuples()
    ]
