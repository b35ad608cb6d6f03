"""The report's charts as inline SVG drawn here (no library, no script, nothing fetched).

:func:`shares_chart` draws one item's country shares before the rules (the plan with no rule)
and after them (the plan) as pairs of horizontal bars on ONE axis of countries sorted by the
larger of the two shares, with each country cap on the item drawn as a labelled vertical dashed
line; the shares are on the basis the cap uses (location or owner). :func:`cost_curve_chart`
draws the cost of the plan against the value of the main cap (a sweep), purchase cost and
penalty for unmet demand apart, with the instance's own value marked. :func:`country_label`
names a country for a chart (``China (CN)``; a user-assigned code such as ``ZZ`` says so).

Hand-built SVG rather than Plotly or Vega: a few kB per chart against ~3.5 MB of embedded
plotly.js, text that a headless browser and a DOM test can read (``<title>`` tooltips, ``data-``
attributes), and no dependency. All text is escaped.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..analysis.explain_common import display_country, money, pct
from ..countries import is_country, iso_codes
from ..results.tables import basis_column
from .html_parts import e as _e

__all__ = ["country_label", "cost_curve_chart", "shares_chart", "shares_on"]

BEFORE, AFTER, CAP = "#b9c4d0", "#2f6db3", "#b3261e"
MAX_ROWS = 10
LABEL_W, BAR_W, ROW_H, TOP, RIGHT = 190, 420, 30, 48, 70


def country_label(code: str) -> str:
    """``China (CN)``; a user-assigned code (``ZZ``, ``XA``: a region the instance defines,
    such as "other countries") is ``ZZ (custom region)``; anything else as given."""
    code = str(code)
    name = display_country(code)
    if name != code:
        return f"{name} ({code})"
    if is_country(code) and code not in iso_codes():
        return f"{code} (custom region)"
    return code


def shares_on(plan: Any, item: str, basis: str = "location") -> pd.Series:
    """Share of ``item``'s supplied quantity per country (``basis`` ``"owner"``: the owner's
    country), largest first; empty without a plan or supply."""
    if plan is None or not plan.has_solution or not len(plan.allocations):
        return pd.Series(dtype=float)
    a: pd.DataFrame = plan.allocations
    col = basis_column(a, basis)
    mine = a[(a["item"] == item) & (a["quantity"] > 0)]
    q = mine.groupby(col)["quantity"].sum().sort_values(ascending=False, kind="stable")
    total = float(q.sum())
    return q / total if total > 0 else q.iloc[:0]


def shares_chart(
    item: str,
    before: pd.Series,
    after: pd.Series,
    caps: list[tuple[str, float]],
    basis: str,
) -> str:
    """One item's shares before and after the rules on one sorted country axis, with the caps.

    ``caps`` is ``[(rule name, max share)]``; ``basis`` words the axis (location or owner).
    """
    both = pd.DataFrame({"before": before, "after": after}).fillna(0.0)
    both["key"] = both[["before", "after"]].max(axis=1)
    both = both.sort_values(["key", "after"], ascending=False, kind="stable")
    if len(both) > MAX_ROWS:
        rest = both.iloc[MAX_ROWS - 1 :]
        both = both.iloc[: MAX_ROWS - 1].copy()
        both.loc[f"{len(rest)} others"] = rest.sum()
    n = max(len(both), 1)
    width, height = LABEL_W + BAR_W + RIGHT, TOP + n * ROW_H + 30
    title = f"{item}: share of supply per country ({basis}), before and after the rules"

    def x(share: float) -> float:
        return LABEL_W + min(max(share, 0.0), 1.0) * BAR_W

    parts = [
        f'<svg class="shares" data-item="{_e(item)}" data-basis="{_e(basis)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
        f'<rect x="{LABEL_W}" y="8" width="12" height="10" fill="{BEFORE}"/>'
        f'<text x="{LABEL_W + 16}" y="17" font-size="13">before (no rules)</text>'
        f'<rect x="{LABEL_W + 150}" y="8" width="12" height="10" fill="{AFTER}"/>'
        f'<text x="{LABEL_W + 166}" y="17" font-size="13">after (with the rules)</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP - 4}" x2="{x(tick):.1f}" y2="{TOP + n * ROW_H}" '
            f'stroke="#e4e4e4"/><text x="{x(tick):.1f}" y="{TOP + n * ROW_H + 15}" '
            f'font-size="12" text-anchor="middle" fill="#555">{tick:.0%}</text>'
        )
    if not len(both):
        parts.append(
            f'<text x="{LABEL_W + 6}" y="{TOP + 18}" font-size="13" fill="#a11">'
            "no supply in either plan</text>"
        )
    for k, (code, row) in enumerate(both.iterrows()):
        y = TOP + k * ROW_H
        label = str(code) if str(code).endswith("others") else country_label(str(code))
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 19}" font-size="13" text-anchor="end">'
            f"{_e(label[:28])}</text>"
        )
        for j, (what, colour) in enumerate((("before", BEFORE), ("after", AFTER))):
            v = float(row[what])
            top = y + 3 + j * 12
            parts.append(
                f"<g><title>{_e(label)} {what}: {_e(pct(v))}</title>"
                f'<rect class="bar {what}" data-country="{_e(code)}" data-share="{v:.6f}" '
                f'x="{LABEL_W}" y="{top}" width="{x(v) - LABEL_W:.1f}" height="11" '
                f'fill="{colour}"/></g>'
                f'<text x="{x(v) + 4:.1f}" y="{top + 10}" font-size="11" fill="#333">'
                f"{_e(pct(v))}</text>"
            )
    for name, limit in caps:
        cx = x(limit)
        parts.append(
            f'<line class="cap" data-rule="{_e(name)}" data-limit="{limit:.6f}" x1="{cx:.1f}" '
            f'y1="{TOP - 16}" x2="{cx:.1f}" y2="{TOP + n * ROW_H}" stroke="{CAP}" '
            f'stroke-width="2" stroke-dasharray="6 4"><title>{_e(name)}: at most '
            f"{_e(pct(limit))} from one country</title></line>"
            f'<text x="{cx + 4:.1f}" y="{TOP - 6}" font-size="12" fill="{CAP}">'
            f"{_e(name)} cap {_e(pct(limit))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


PW, PH, PL, PT, PB = 560, 220, 90, 44, 40


def cost_curve_chart(table: pd.DataFrame, rule: str, param: str, current: float, cur: str) -> str:
    """Purchase cost and total cost (purchase plus penalty) against ``param`` of ``rule``
    (a sweep's table: ``value``, ``purchase_cost``, ``cost``); the instance's value marked."""
    t = table[table["cost"].map(lambda v: v is not None and math.isfinite(float(v)))]
    title = f"cost of the plan against {rule} {param}"
    width, height = PL + PW + 20, PT + PH + PB
    if not len(t):
        return f'<p class="warn">No point of the sweep of {_e(rule)} has a plan.</p>'
    xs = [float(v) for v in table["value"]]
    x0, x1 = min(xs), max(xs)
    ys = [float(v) for v in t["cost"]] + [float(v) for v in t["purchase_cost"]]
    y1 = max(ys) * 1.05 or 1.0

    def px(v: float) -> float:
        return PL + (v - x0) / ((x1 - x0) or 1.0) * PW

    def py(v: float) -> float:
        return PT + (1.0 - v / y1) * PH

    parts = [
        f'<svg class="cost-curve" data-rule="{_e(rule)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
    ]
    for k in range(5):
        v = y1 * k / 4
        parts.append(
            f'<line x1="{PL}" y1="{py(v):.1f}" x2="{PL + PW}" y2="{py(v):.1f}" stroke="#e4e4e4"/>'
            f'<text x="{PL - 6}" y="{py(v) + 4:.1f}" font-size="11" text-anchor="end">'
            f"{_e(money(v, cur))}</text>"
        )
    for v in xs:
        parts.append(
            f'<text x="{px(v):.1f}" y="{PT + PH + 16}" font-size="11" text-anchor="middle">'
            f"{_e(pct(v) if param.endswith('share') else f'{v:g}')}</text>"
        )
    parts.append(
        f'<text x="{PL + PW / 2}" y="{PT + PH + 34}" font-size="12" text-anchor="middle">'
        f"{_e(rule)} {_e(param)}</text>"
    )
    if x0 <= current <= x1:
        parts.append(
            f'<line class="current" x1="{px(current):.1f}" y1="{PT}" x2="{px(current):.1f}" '
            f'y2="{PT + PH}" stroke="{CAP}" stroke-dasharray="6 4"/>'
            f'<text x="{px(current) + 4:.1f}" y="{PT + 12}" font-size="12" fill="{CAP}">'
            f"the instance: {_e(pct(current) if param.endswith('share') else current)}</text>"
        )
    for col, colour, name in (
        ("cost", "#1c1c1c", "total cost"),
        ("purchase_cost", AFTER, "purchase cost"),
    ):
        pts = [(px(float(v)), py(float(c))) for v, c in zip(t["value"], t[col])]
        parts.append(
            f'<polyline class="{col}" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}" '
            f'fill="none" stroke="{colour}" stroke-width="2"/>'
        )
        for (a, b), v, c in zip(pts, t["value"], t[col]):
            parts.append(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="{colour}"><title>{_e(name)} '
                f"at {_e(f'{float(v):g}')}: {_e(money(float(c), cur))}</title></circle>"
            )
    parts.append(
        f'<text x="{PL}" y="14" font-size="12" fill="#1c1c1c">black: total cost (with the '
        "penalty for unmet demand)</text>"
        f'<text x="{PL}" y="30" font-size="12" fill="{AFTER}">blue: purchase cost</text></svg>'
    )
    return "".join(parts)
