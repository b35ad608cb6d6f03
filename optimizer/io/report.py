"""A self-contained HTML report of a plan (issue 7, part 4).

:func:`build_report` renders one HTML page with inline CSS and inline SVG bar charts drawn
here (no scripts, fonts, images or anything fetched from the network): the status and total
cost, KPIs, the cost of trust, per-item country shares before the rules (the plan with no rule)
and after them (the plan), the rule table with each rule's price when an explanation is given,
the awarded suppliers and the instance's sources. All text is escaped. :func:`write_report`
solves, optionally prices the rules, builds the page and writes it atomically.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
from trustsource.analysis.explain_common import display_country, money, pct
from trustsource.io.exports import atomic_write_text

__all__ = ["build_report", "no_rules_plan", "write_report"]

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;
color:#1c1c1c;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.kpis{display:flex;flex-wrap:wrap;gap:1em}.kpi{border:1px solid #ddd;border-radius:6px;
padding:.5em 1em;min-width:10em}.kpi b{display:block;font-size:1.3em}
.status-optimal{color:#17713a}.status-bad{color:#a11}
.pair{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}.pair figure{margin:0}
figcaption{font-size:.85em;color:#555}.yes{font-weight:bold}ul.sources{font-size:.85em}
"""

BAR_W, LABEL_W, ROW_H, MAX_BARS = 260, 120, 20, 8
COUNT_KINDS = ("min_suppliers", "min_countries", "max_suppliers")


def _e(v: Any) -> str:
    """Escaped text of any value ('-' for None/NaN)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return html.escape(str(v), quote=True)


def no_rules_plan(instance: Any, *, time_limit: float | None = None,
                  mip_rel_gap: float = 1e-4) -> Any:
    """The optimal plan of ``instance`` with every rule (and variant) dropped."""
    import trustsource

    doc = {**instance.to_dict(), "rules": [], "variants": {}}
    bare = trustsource.Instance.from_dict(doc)
    return trustsource.solve(bare, time_limit=time_limit, mip_rel_gap=mip_rel_gap)


def country_shares(plan: Any, item: str) -> pd.Series:
    """Share of ``item``'s supplied quantity per country, largest first (empty if no plan)."""
    if plan is None or not plan.has_solution or not len(plan.allocations):
        return pd.Series(dtype=float)
    a = plan.allocations
    mine = a[(a["item"] == item) & (a["quantity"] > 0)]
    q = mine.groupby("country")["quantity"].sum().sort_values(ascending=False, kind="stable")
    total = float(q.sum())
    return q / total if total > 0 else q.iloc[:0]


def bar_chart(shares: pd.Series, title: str) -> str:
    """A horizontal bar chart of shares (0..1) as an inline SVG string."""
    rows = [(str(k), float(v)) for k, v in shares.items()]
    if len(rows) > MAX_BARS:
        rest = sum(v for _, v in rows[MAX_BARS - 1:])
        rows = rows[:MAX_BARS - 1] + [(f"{len(rows) - MAX_BARS + 1} others", rest)]
    width = LABEL_W + BAR_W + 60
    height = ROW_H * max(len(rows), 1) + 24
    parts = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{_e(title)}">',
             f"<title>{_e(title)}</title>",
             f'<text x="0" y="14" font-size="12" font-weight="bold">{_e(title)}</text>']
    if not rows:
        parts.append('<text x="0" y="36" font-size="12" fill="#a11">no supply / no plan</text>')
    for k, (label, share) in enumerate(rows):
        y = 22 + k * ROW_H
        w = max(share, 0.0) * BAR_W
        name = label if label.endswith("others") else f"{label} {display_country(label)}"
        parts.append(f'<text x="{LABEL_W - 6}" y="{y + 13}" font-size="11" '
                     f'text-anchor="end">{_e(name[:18])}</text>')
        parts.append(f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW_H - 5}" '
                     'fill="#3b6ea8"/>')
        parts.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 13}" font-size="11">'
                     f"{_e(pct(share))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _table(df: pd.DataFrame, numeric: set[str] | None = None) -> str:
    """An HTML table of ``df`` (values already formatted as strings or plain values)."""
    if not len(df):
        return "<p>none</p>"
    numeric = numeric or set()
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = "".join(f'<td{" class=n" if c in numeric else ""}>{_e(v)}</td>'
                        for c, v in zip(df.columns, row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _num(v: Any, fmt: str = "{:,.2f}") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return fmt.format(v)


def _pct(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return pct(float(v))


def _rule_value(kind: str, v: Any) -> str:
    """A rule's limit or achieved value in its own unit: count, HHI points or share."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if kind in COUNT_KINDS:
        return f"{v:.0f}"
    if kind == "hhi_cap":
        return f"{v:,.0f}"
    return pct(float(v))


def _kpis(plan: Any, cot: float | None, baseline_cost: float | None) -> str:
    cur = plan.currency
    cards = [("total cost", money(plan.objective, cur)),
             ("MIP gap", "-" if plan.mip_gap is None else f"{plan.mip_gap:.4%}"),
             ("cost without rules", money(baseline_cost, cur)),
             ("cost of trust", money(cot, cur) + (
                 f" ({pct(cot / plan.objective)})" if cot is not None and plan.objective else "")),
             ("verified", "yes" if plan.verified else "no"),
             ("solve time", f"{plan.timings.get('total', 0.0):.2f} s")]
    if len(plan.rules):
        cards.append(("binding rules", str(len(set(plan.rules[plan.rules["binding"]]["rule"])))))
    return '<div class="kpis">' + "".join(
        f'<div class="kpi">{_e(k)}<b>{_e(v)}</b></div>' for k, v in cards) + "</div>"


def _items_table(plan: Any) -> str:
    it = plan.items
    if not len(it):
        return "<p>none</p>"
    df = pd.DataFrame({
        "item": it["item"], "unit": it["unit"],
        "demand": it["demand"].map(lambda v: _num(v, "{:,.6g}")),
        "supply": it["supply"].map(lambda v: _num(v, "{:,.6g}")),
        "cost": it["cost"].map(_num),
        "HHI": it["hhi"].map(lambda v: _num(v, "{:,.0f}")),
        "top country": it["top_country"],
        "top share": it["top_share"].map(_pct),
        "suppliers": it["n_suppliers"], "countries": it["n_countries"]})
    return _table(df, {"demand", "supply", "cost", "HHI", "top share", "suppliers",
                       "countries"})


def _rules_table(plan: Any, explanation: Any) -> str:
    r = plan.rules
    if not len(r):
        return "<p>The instance has no rules.</p>"
    df = pd.DataFrame({
        "rule": r["rule"], "kind": r["kind"], "item": r["item"], "scope": r["scope"],
        "limit": [f"{s} {_rule_value(k, v)}" for s, k, v in zip(r["sense"], r["kind"],
                                                               r["limit"])],
        "achieved": [_rule_value(k, v) for k, v in zip(r["kind"], r["achieved"])],
        "binding": r["binding"].map(lambda b: "yes" if b else "no")})
    numeric = {"limit", "achieved"}
    if explanation is not None and len(explanation.rules):
        prices = dict(zip(explanation.rules["rule"], explanation.rules["price"]))
        df["price of rule"] = df["rule"].map(
            lambda name: money(prices.get(name), explanation.currency))
        numeric.add("price of rule")
    return _table(df, numeric)


def _awards_table(plan: Any) -> str:
    a = plan.allocations
    a = a[a["quantity"] > 0]
    df = pd.DataFrame({
        "item": a["item"], "supplier": a["supplier"], "country": a["country"],
        "owner": a["owner"], "site": a["site"],
        "quantity": a["quantity"].map(lambda v: _num(v, "{:,.6g}")),
        "unit cost": a["unit_cost"].map(_num), "cost": a["cost"].map(_num),
        "share": a["share"].map(_pct)})
    return _table(df, {"quantity", "unit cost", "cost", "share"})


def _sources(instance: Any) -> str:
    items = []
    for s in instance.sources:
        if isinstance(s, str):
            items.append(f"<li>{_e(s)}</li>")
        else:
            items.append("<li>" + "; ".join(f"{_e(k)}: {_e(v)}" for k, v in dict(s).items())
                         + "</li>")
    body = f'<ul class="sources">{"".join(items)}</ul>' if items else "<p>none given</p>"
    return f'<section id="sources"><h2>Sources</h2>{body}</section>'


def build_report(instance: Any, plan: Any, explanation: Any = None, *, baseline: Any = None,
                 time_limit: float | None = None, mip_rel_gap: float = 1e-4) -> str:
    """One self-contained HTML page describing ``plan`` for ``instance``.

    Args:
        instance: the instance that was solved.
        plan: its plan (any status; without a solution the page says so and lists the rules).
        explanation: from :func:`trustsource.explain`, for the cost of trust and each rule's
            price; optional.
        baseline: the plan with no rules (the "before" charts); solved here when omitted and
            the plan has a solution.
        time_limit, mip_rel_gap: for that baseline solve.
    """
    cur = plan.currency or instance.currency
    title = f"trustsource report: {instance.name}"
    if baseline is None and plan.has_solution:
        baseline = no_rules_plan(instance, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    baseline_cost = None
    if explanation is not None and explanation.baseline_cost is not None:
        baseline_cost = explanation.baseline_cost
    elif baseline is not None and baseline.has_solution:
        baseline_cost = baseline.objective
    cot = None
    if explanation is not None and explanation.cost_of_trust is not None:
        cot = explanation.cost_of_trust
    elif baseline_cost is not None and plan.objective is not None:
        cot = plan.objective - baseline_cost
    ok = plan.status.value == "optimal"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{_e(title)}</h1>"]
    if getattr(instance, "description", None):
        out.append(f"<p>{_e(instance.description)}</p>")
    out.append(f'<p>Status: <b class="{"status-optimal" if ok else "status-bad"}">'
               f"{_e(plan.status.value)}</b>. Total cost: <b>{_e(money(plan.objective, cur))}"
               f"</b> (currency {_e(cur)}).</p>")
    if plan.message:
        out.append(f"<p>{_e(plan.message)}</p>")
    if plan.has_solution:
        out.append("<h2>Key figures</h2>" + _kpis(plan, cot, baseline_cost))
        if cot is not None:
            out.append(f"<p>The cost of trust, what the rules add to the cheapest plan without "
                       f"any rule, is <b>{_e(money(cot, cur))}</b>.</p>")
        out.append("<h2>Items</h2>" + _items_table(plan))
        out.append("<h2>Country shares per item: before and after the rules</h2>")
        for item in plan.items["item"]:
            before = bar_chart(country_shares(baseline, item), f"{item}: before (no rules)")
            after = bar_chart(country_shares(plan, item), f"{item}: after (with rules)")
            out.append(f'<div class="pair" id="item-{_e(item)}"><figure>{before}<figcaption>'
                       f"{_e(item)} without rules</figcaption></figure><figure>{after}"
                       f"<figcaption>{_e(item)} in the plan</figcaption></figure></div>")
        out.append("<h2>Rules</h2>" + _rules_table(plan, explanation))
        out.append("<h2>Awarded suppliers</h2>" + _awards_table(plan))
    else:
        out.append("<p>There is no plan to report. For an infeasible instance, "
                   "<code>trustsource diagnose</code> shows which rules conflict.</p>")
        rules = [(r.name or r.kind, r.kind) for r in instance.rules]
        out.append("<h2>Rules</h2>" + _table(pd.DataFrame(rules, columns=["rule", "kind"])))
    out.append(_sources(instance))
    out.append(f"<footer><p>{_e(plan.solver)}; instance hash {_e(plan.instance_hash)}</p>"
               "</footer></body></html>")
    return "\n".join(out) + "\n"


def write_report(instance: Any, path: str | os.PathLike[str], *, time_limit: float | None = None,
                 mip_rel_gap: float = 1e-4, with_prices: bool = True) -> Path:
    """Solve ``instance``, price its rules (``with_prices``), write the HTML report to ``path``.

    The file is written to a temporary name and moved into place. Returns the path; the
    report of an instance without a plan says so (check the plan's status separately).
    """
    import trustsource

    explanation = None
    if with_prices and instance.rules:
        explanation = trustsource.explain(instance, time_limit=time_limit,
                                          mip_rel_gap=mip_rel_gap, marginals=False)
        plan = explanation.base
    else:
        plan = trustsource.solve(instance, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    text = build_report(instance, plan, explanation, time_limit=time_limit,
                        mip_rel_gap=mip_rel_gap)
    return atomic_write_text(path, text)
