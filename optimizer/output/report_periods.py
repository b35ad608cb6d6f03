"""The path of a periodic plan in the HTML report (issue 14): "The path, period by period".

:func:`path_section` renders, for a plan whose ``periods`` is non-empty: the cost of each period
(present value per component, the total in present value and undiscounted), per item an inline
SVG line chart of its country shares period by period (the item's four largest countries over
the horizon and the rest as "others") with the limit of each binding share rule on the item
(``country_cap``, ``bloc_share``, ``supplier_cap``) drawn as a dashed step line labelled with
the rule's name, the builds decided and the stock per item and period. :func:`last_period`
narrows a periodic plan to its last period, for the report's tables and charts that describe a
single year. :func:`cost_split`, :func:`shortfall_rows` and :func:`status_text` are the
figures of :mod:`.figures` made right for a periodic plan: the penalty in present value (the
plan's ``costs``), unmet demand per period, and the status in those words; for any other plan
they are the figures' own. Render only: nothing is solved here; all text is escaped.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pandas as pd

from ..analysis.explain_common import display_country, money, pct
from . import figures
from .html_parts import e as _e
from .html_parts import number as _num
from .html_parts import table as _table

__all__ = [
    "SHARE_KINDS",
    "binding_limits",
    "is_periodic",
    "item_shares",
    "last_period",
    "period_plan",
    "path_section",
    "share_chart",
    "shortfall_rows",
    "status_text",
]

SHARE_KINDS = ("country_cap", "bloc_share", "supplier_cap")
"""The rule kinds whose limit is a share of an item's supply, drawn on the share charts."""

TOP = 4
"""Countries drawn per item; the rest are summed as "others"."""

COLOURS = ("#3b6ea8", "#d9822b", "#4c9a4c", "#8e5ea2", "#8c8c8c")
"""Line colours of the top countries, then "others" (grey)."""

RULE_STYLES = (("#a11", "6 4"), ("#222", "2 3"), ("#b5179e", "10 3 2 3"))
"""Colour and dash pattern of the first, second, third... rule's limit line (then repeated)."""
LABEL_GAP = 12
PLOT_W, PLOT_H, LEFT, TOP_M, RIGHT, BOTTOM = 420, 180, 44, 30, 150, 28


def is_periodic(plan: Any) -> bool:
    """Whether ``plan`` is the plan of a periodic instance (its tables carry a period column)."""
    return plan is not None and bool(getattr(plan, "periods", ()))


def period_plan(plan: Any, year: int) -> Any:
    """``plan`` with its allocations, items and rules narrowed to the period ``year`` (``plan``
    itself when it is not periodic or has no solution)."""
    if not is_periodic(plan) or not plan.has_solution:
        return plan
    narrowed = {}
    for name in ("allocations", "items", "rules"):
        frame = getattr(plan, name)
        if "period" in frame:
            narrowed[name] = frame[frame["period"] == year].reset_index(drop=True)
    return dataclasses.replace(plan, **narrowed)


def last_period(plan: Any) -> Any:
    """``plan`` narrowed to its last period (see :func:`period_plan`)."""
    if not is_periodic(plan) or not plan.has_solution:
        return plan
    return period_plan(plan, plan.periods[-1])


def shortfall_rows(plan: Any, instance: Any) -> pd.DataFrame:
    """:func:`.figures.shortfall_table`, per period with a ``period`` column for a periodic
    plan (quantities and penalty per year)."""
    if not is_periodic(plan) or not plan.has_solution:
        return figures.shortfall_table(plan, instance)
    frames = []
    for year in plan.periods:
        rows = figures.shortfall_table(period_plan(plan, year), instance)
        if len(rows):
            rows.insert(0, "period", year)
            frames.append(rows)
    if not frames:
        return figures.shortfall_table(None, instance)
    return pd.concat(frames, ignore_index=True)


def status_text(plan: Any, instance: Any) -> str:
    """:func:`.figures.status_words`; for a periodic plan that leaves demand unmet, in its own
    words: the items and periods short, the worst period, the penalty in present value."""
    short = shortfall_rows(plan, instance)
    if not is_periodic(plan) or not len(short):
        return figures.status_words(plan, instance)
    cur = plan.currency or instance.currency
    # The status (and gap) alone: the words of a plan with no items to be short.
    text = figures.status_words(dataclasses.replace(plan, items=plan.items.iloc[:0]), instance)
    worst = short.sort_values("shortfall_share", ascending=False, kind="stable").iloc[0]
    n = short["item"].nunique()
    items = "1 item is" if n == 1 else f"{n} items are"
    _, penalty = figures.cost_split(plan, instance)
    return (
        f"{text}, but {items} short in {short['period'].nunique()} of {len(plan.periods)} "
        f"periods (worst {worst['item']} in {worst['period']}: "
        f"{pct(worst['shortfall_share'])} of demand unmet) and {money(penalty, cur)} of the "
        f"{money(plan.objective, cur)} total (present value) is the penalty for unmet demand"
    )


# --- (a) cost per period ----------------------------------------------------------------------


def _cost_table(plan: Any, currency: str) -> str:
    c = plan.costs
    if not len(c) or "period" not in c:
        return "<p>No cost is recorded per period.</p>"
    pv = c.pivot_table(index="period", columns="component", values="cost", aggfunc="sum")
    pv = pv.reindex(list(plan.periods)).fillna(0.0)
    nominal = (
        c.groupby("period")["nominal"].sum().reindex(list(plan.periods)).fillna(0.0)
        if "nominal" in c
        else pd.Series(math.nan, index=list(plan.periods))
    )
    df = pd.DataFrame({"period": [str(y) for y in pv.index]})
    for comp in pv.columns:
        df[f"{comp} (PV)"] = [_num(v) for v in pv[comp]]
    df["total (PV)"] = [_num(v) for v in pv.sum(axis=1)]
    df["total (nominal)"] = [_num(v) for v in nominal]
    total = {col: "" for col in df.columns}
    total["period"] = "all periods"
    for comp in pv.columns:
        total[f"{comp} (PV)"] = _num(pv[comp].sum())
    total["total (PV)"] = _num(pv.to_numpy().sum())
    total["total (nominal)"] = _num(nominal.sum())
    df = pd.concat([df, pd.DataFrame([total])], ignore_index=True)
    note = (
        f"<p>Money in {_e(currency)}. Present value (PV): each year's cost discounted to "
        f"{_e(plan.periods[0])}, one-off costs (qualification, sites, builds) in the year "
        "they are paid; the present values add up to the plan's total cost. Nominal: the "
        "money paid over the period, undiscounted.</p>"
    )
    return note + _table(df, set(df.columns) - {"period"})


# --- (b) country shares per item and period ----------------------------------------------------


def item_shares(plan: Any, item: str) -> pd.DataFrame:
    """Share of ``item``'s supply per period (rows) and country (columns): the item's ``TOP``
    largest countries over the horizon, largest first, then "others" when there are more."""
    years = list(plan.periods)
    a = plan.allocations
    mine = a[(a["item"] == item) & (a["quantity"] > 0)]
    if not len(mine):
        return pd.DataFrame(index=years)
    q = mine.pivot_table(index="period", columns="country", values="quantity", aggfunc="sum")
    q = q.reindex(years).fillna(0.0)
    order = list(q.sum().sort_values(ascending=False, kind="stable").index)
    total = q.sum(axis=1)
    shares = q.div(total.where(total > 0), axis=0)
    out: pd.DataFrame = shares[order[:TOP]].copy()
    if len(order) > TOP:
        out[f"{len(order) - TOP} others"] = shares[order[TOP:]].sum(axis=1)
    return out


def binding_limits(plan: Any, item: str) -> dict[str, tuple[str, dict[int, float]]]:
    """The share rules on ``item`` binding in some period: name -> (scope words, limit per
    period the rule holds)."""
    r = plan.rules
    if not len(r) or "period" not in r:
        return {}
    mine = r[(r["item"] == item) & r["kind"].isin(SHARE_KINDS)]
    out: dict[str, tuple[str, dict[int, float]]] = {}
    for name in dict.fromkeys(mine.loc[mine["binding"].astype(bool), "rule"]):
        rows = mine[mine["rule"] == name].drop_duplicates("period")
        scope = "; ".join(dict.fromkeys(f"{s} {k}" for s, k in zip(rows["sense"], rows["scope"])))
        limits = {
            int(p): float(v) for p, v in zip(rows["period"], rows["limit"]) if math.isfinite(v)
        }
        out[str(name)] = (scope, limits)
    return out


def share_chart(
    years: list[int],
    shares: pd.DataFrame,
    limits: dict[str, tuple[str, dict[int, float]]],
    title: str,
) -> str:
    """An inline SVG line chart: one line per column of ``shares`` (0..1, a row per year), and
    one dashed step line per rule of ``limits`` over the periods it holds.

    A period spans from its year to the next period's (the last one year), so the x axis runs
    from the first year to one after the last; shares are drawn at the middle of each period.
    """
    x0, x1 = years[0], years[-1] + 1
    ends = [*years[1:], x1]
    width, height = LEFT + PLOT_W + RIGHT, TOP_M + PLOT_H + BOTTOM

    def x(year: float) -> float:
        return LEFT + (year - x0) / (x1 - x0) * PLOT_W

    def y(share: float) -> float:
        return TOP_M + (1.0 - min(max(share, 0.0), 1.0)) * PLOT_H

    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}" class="path-chart">',
        f"<title>{_e(title)}</title>",
        f'<text x="0" y="14" font-size="12" font-weight="bold">{_e(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{LEFT}" y1="{y(tick):.1f}" x2="{LEFT + PLOT_W}" y2="{y(tick):.1f}" '
            'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{LEFT - 4}" y="{y(tick) + 4:.1f}" font-size="10" '
            f'text-anchor="end">{tick:.0%}</text>'
        )
    for year in years:
        parts.append(
            f'<line x1="{x(year):.1f}" y1="{TOP_M}" x2="{x(year):.1f}" y2="{TOP_M + PLOT_H}" '
            'stroke="#eee" stroke-width="1"/>'
            f'<text x="{x(year):.1f}" y="{TOP_M + PLOT_H + 14}" font-size="10" '
            f'text-anchor="middle">{_e(year)}</text>'
        )
    if not shares.shape[1]:
        parts.append(
            f'<text x="{LEFT + 8}" y="{TOP_M + 20}" font-size="12" fill="#a11">no supply</text>'
        )
    mids = [(a + b) / 2 for a, b in zip(years, ends)]
    labels: list[tuple[float, str, str]] = []
    for k, col in enumerate(shares.columns):
        colour = COLOURS[k] if k < TOP else COLOURS[-1]
        points = [
            (mx, float(v))
            for mx, v in zip(mids, shares[col])
            if not pd.isna(v) and math.isfinite(v)
        ]
        name = str(col) if str(col).endswith("others") else f"{col} {display_country(str(col))}"
        if len(points) > 1:
            path = " ".join(f"{x(px):.1f},{y(py):.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2">'
                f"<title>{_e(name)}</title></polyline>"
            )
        for px, py in points:
            parts.append(
                f'<circle cx="{x(px):.1f}" cy="{y(py):.1f}" r="3" fill="{colour}">'
                f"<title>{_e(name)}: {_e(pct(py))}</title></circle>"
            )
        if points:
            labels.append((y(points[-1][1]), colour, name[:22]))
    for r, (name, (scope, by_year)) in enumerate(limits.items()):
        colour, dash = RULE_STYLES[r % len(RULE_STYLES)]
        segs = [(a, b, by_year[a]) for a, b in zip(years, ends) if a in by_year]
        if not segs:
            continue
        d = []
        for j, (a, b, v) in enumerate(segs):
            joined = j and segs[j - 1][1] == a
            d.append(f"{'L' if joined else 'M'}{x(a):.1f},{y(v):.1f} L{x(b):.1f},{y(v):.1f}")
        steps = ", ".join(f"{a}: {pct(v)}" for a, _, v in segs)
        parts.append(
            f'<path d="{" ".join(d)}" fill="none" stroke="{colour}" stroke-width="1.5" '
            f'stroke-dasharray="{dash}" class="rule-limit" data-rule="{_e(name)}">'
            f"<title>{_e(name)} ({_e(scope)}): {_e(steps)}</title></path>"
        )
        sense = "min" if scope.startswith("min") else "max"
        labels.append((y(segs[-1][2]), colour, f"{name[:16]} ({sense})"))
    for ly, colour, text in _spread(labels, height - 4):
        parts.append(
            f'<text x="{LEFT + PLOT_W + 6}" y="{ly:.1f}" font-size="11" '
            f'fill="{colour}">{_e(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _spread(labels: list[tuple[float, str, str]], bottom: float) -> list[tuple[float, str, str]]:
    """Labels (y of their line's end, colour, text) placed top to bottom at least
    ``LABEL_GAP`` apart, near their line and above ``bottom`` (baselines)."""
    labels = sorted(labels, key=lambda t: t[0])
    ys: list[float] = []
    for ly, _, _ in labels:
        ys.append(max(ly + 4, ys[-1] + LABEL_GAP) if ys else ly + 4)
    for k in range(len(ys) - 1, -1, -1):  # then up again from the bottom where they overflow
        limit = bottom if k == len(ys) - 1 else ys[k + 1] - LABEL_GAP
        ys[k] = min(ys[k], limit)
    return [(ly, colour, text) for ly, (_, colour, text) in zip(ys, labels)]


# --- (c) builds and (d) stock -------------------------------------------------------------------


def _builds_table(plan: Any, instance: Any, currency: str) -> str:
    b = plan.builds
    if not len(b):
        offered = [s.id for s in instance.suppliers if getattr(s, "build", None) is not None]
        if not offered:
            return "<p>The instance offers no build.</p>"
        return f"<p>No build is decided (offered: {_e(', '.join(offered))}).</p>"
    df = pd.DataFrame(
        {
            "supplier": b["supplier"],
            "item": b["item"],
            "country": b["country"],
            "decided": b["decided"],
            "usable from": b["usable_from"].map(
                lambda v: "after the horizon" if v is None or pd.isna(v) else str(int(v))
            ),
            "capacity per year": b["capacity"].map(lambda v: _num(v, "{:,.6g}")),
            f"capex ({currency})": b["capex"].map(_num),
        }
    )
    return _table(df, {"capacity per year", f"capex ({currency})"})


def _stock_table(plan: Any, currency: str) -> str:
    s = plan.stock
    if not len(s):
        return "<p>The instance has no stockpile.</p>"
    df = pd.DataFrame(
        {
            "period": s["period"],
            "item": s["item"],
            "start": s["start"].map(lambda v: _num(v, "{:,.6g}")),
            "end": s["end"].map(lambda v: _num(v, "{:,.6g}")),
            "minimum at end": s["minimum"].map(lambda v: _num(v, "{:,.6g}")),
            "max": s["max"].map(lambda v: _num(v, "{:,.6g}")),
            f"holding cost ({currency}, nominal)": s["holding_cost"].map(_num),
        }
    )
    return _table(df, set(df.columns) - {"period", "item"})


def path_section(plan: Any, instance: Any) -> str:
    """The HTML section "The path, period by period" of a periodic plan ('' otherwise)."""
    if not is_periodic(plan) or not plan.has_solution:
        return ""
    cur = plan.currency or instance.currency
    years = [int(y) for y in plan.periods]
    out = [
        '<section id="path"><h2>The path, period by period</h2>',
        f"<p>Periods: {_e(', '.join(map(str, years)))}; a period lasts until the next, the "
        "last one year. Quantities are per year.</p>",
        "<h3>Cost per period</h3>",
        _cost_table(plan, cur),
        "<h3>Country shares per item and period</h3>",
        "<p>Each item's share of supply per country and period (its four largest countries "
        "over the horizon, the rest as others); a dashed step line is the limit of a share "
        "rule on the item that binds in some period, marked max for a ceiling and min for a "
        "floor: a country cap limits each country's share, a supplier cap each supplier's "
        "(a part of its country's) and a bloc rule the share of the bloc's countries together "
        "(a sum of several lines).</p>",
    ]
    for item in dict.fromkeys(plan.items["item"]):
        limits = binding_limits(plan, str(item))
        chart = share_chart(
            years, item_shares(plan, str(item)), limits, f"{item}: country shares per period"
        )
        caption = f"{item}: shares of supply per period"
        if limits:
            caption += "; dashed: " + ", ".join(limits)
        out.append(
            f'<figure class="path-item" id="path-{_e(item)}">{chart}'
            f"<figcaption>{_e(caption)}</figcaption></figure>"
        )
    out.append("<h3>Builds</h3>" + _builds_table(plan, instance, cur))
    out.append("<h3>Stock</h3>" + _stock_table(plan, cur))
    out.append("</section>")
    return "\n".join(out)
