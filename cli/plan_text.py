"""Pieces of a plan's terminal summary shared by the one-year and the periodic layouts:
money, one item's country shares, the binding rules and the closing line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def money(v: float | None, currency: str) -> str:
    """``1,234.50 USD``, or ``-`` without a value."""
    return "-" if v is None else f"{v:,.2f} {currency}"


def share_parts(mine: Any, top_n: int) -> str:
    """``CN 65.0%, AU 20.0%, 3 others 15.0%``: the countries of awards ``mine`` (allocation
    rows of one item, and period), largest first."""
    shares = mine.groupby("country")["quantity"].sum().sort_values(ascending=False)
    total = shares.sum()
    top = shares.iloc[:top_n]
    parts = ", ".join(f"{c} {q / total:.1%}" for c, q in top.items()) if total else "-"
    if len(shares) > len(top):
        parts += f", {len(shares) - len(top)} others {shares.iloc[top_n:].sum() / total:.1%}"
    return parts


def binding_lines(plan: Any, words: Callable[[Any], str]) -> list[str]:
    """The binding rules, one line each (a periodic plan's led by their period), in
    ``words``; or that none binds. Empty when the plan has no rule rows."""
    rules = plan.rules
    if not len(rules):
        return []
    binding = rules[rules["binding"]]
    if not len(binding):
        return ["", "no rule is binding"]
    lines = ["", "binding rules:"]
    for r in binding.itertuples():
        when = f"{r.period} " if "period" in binding else ""
        lines.append(f"  {when}{r.rule} ({r.kind}) on {r.item}: {words(r)}")
    return lines


def closing_line(plan: Any) -> list[str]:
    """Who solved it, how long it took, and that the verifier checked it."""
    t = plan.timings
    return [
        "",
        f"solved by {plan.solver} in {t.get('total', 0):.2f} s "
        f"(solver {t.get('solve', 0):.2f} s); plan verified independently",
    ]
