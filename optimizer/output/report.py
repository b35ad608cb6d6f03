"""A self-contained HTML report of a plan (issue 7, part 4).

:func:`build_report` renders one HTML page with inline CSS and inline SVG bar charts drawn
here (no scripts, fonts, images or anything fetched from the network): the status and total
cost, KPIs, the cost of trust, per-item country shares before the rules (the plan with no rule)
and after them (the plan), the rule table with each rule's price when an explanation is given,
the awarded suppliers and the instance's sources. All text is escaped. :func:`write_report`
writes the page atomically. Nothing here solves: the caller passes the plan, the explanation and
the no-rule plan (:func:`trustsource.analysis.baseline.no_rules_plan`), as ``trustsource report``
does.

The page never overstates (issue 11): the total cost is split into what is bought (purchase
cost) and the penalty for demand left unmet, with the unmet quantity and its share of demand
per item; a plan that leaves demand unmet is never called just "optimal", and a cost of trust
that is mostly penalty says so. Prices and the cost of trust from solves that are not proven
optimal are shown as the interval their bounds allow, with the statuses and gaps, in words.

A periodic plan (issue 14) adds "The path, period by period" after the key figures
(:mod:`.report_periods`); its items table and "before and after" charts show the last period
only (shares summed over periods would mean nothing), the unmet demand, rules and awards carry
the period, and the cost split is in present value (the plan's ``costs``).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.explain_common import (
    difference,
    display_country,
    gap_of,
    gap_pct,
    is_plain,
    money,
    pct,
    price_cell,
    range_text,
    solve_label,
    unproven_text,
)
from ..instance.kinds import COUNT_KINDS
from ..safe_writes import atomic_write_text
from .figures import cost_split, country_shares, shortfall_table
from .html_parts import e as _e
from .html_parts import number as _num
from .html_parts import table as _table
from .report_periods import (
    is_periodic,
    last_period,
    path_section,
    shortfall_rows,
    status_text,
)

__all__ = ["build_report", "cost_split", "shortfall_table", "write_report"]

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;
color:#1c1c1c;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.kpis{display:flex;flex-wrap:wrap;gap:1em}.kpi{border:1px solid #ddd;border-radius:6px;
padding:.5em 1em;min-width:10em}.kpi b{display:block;font-size:1.3em}
.status-optimal{color:#17713a}.status-bad{color:#a11}.warn{border-left:4px solid #c60;
padding:.3em .8em;background:#fff6ec}
.pair{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}.pair figure{margin:0}
figcaption{font-size:.85em;color:#555}.yes{font-weight:bold}ul.sources{font-size:.85em}
"""

BAR_W, LABEL_W, ROW_H, MAX_BARS = 260, 120, 20, 8


def bar_chart(shares: pd.Series, title: str) -> str:
    """A horizontal bar chart of shares (0..1) as an inline SVG string."""
    rows = [(str(k), float(v)) for k, v in shares.items()]
    if len(rows) > MAX_BARS:
        rest = sum(v for _, v in rows[MAX_BARS - 1 :])
        rows = rows[: MAX_BARS - 1] + [(f"{len(rows) - MAX_BARS + 1} others", rest)]
    width = LABEL_W + BAR_W + 60
    height = ROW_H * max(len(rows), 1) + 24
    parts = [
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
        f'<text x="0" y="14" font-size="12" font-weight="bold">{_e(title)}</text>',
    ]
    if not rows:
        parts.append('<text x="0" y="36" font-size="12" fill="#a11">no supply / no plan</text>')
    for k, (label, share) in enumerate(rows):
        y = 22 + k * ROW_H
        w = max(share, 0.0) * BAR_W
        name = label if label.endswith("others") else f"{label} {display_country(label)}"
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 13}" font-size="11" '
            f'text-anchor="end">{_e(name[:18])}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW_H - 5}" fill="#3b6ea8"/>'
        )
        parts.append(
            f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 13}" font-size="11">{_e(pct(share))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


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


# --- shortfall: what the plan leaves unmet and what that costs ---------------------------------


def _trust_paragraphs(plan: Any, instance: Any, explanation: Any, baseline: Any) -> list[str]:
    """The cost of trust in words: proven or an interval; purchases versus penalty."""
    cur = plan.currency or instance.currency
    if explanation is not None and explanation.cost_of_trust_low is not None:
        low, high = explanation.cost_of_trust_low, explanation.cost_of_trust_high
        proven, point = explanation.cost_of_trust_proven, explanation.cost_of_trust
        base_status, base_gap = explanation.baseline_status, explanation.baseline_gap
    elif baseline is not None and plan.has_solution:
        d = difference(plan, baseline)
        low, high, proven, point = d["low"], d["high"], d["proven"], d["point"]
        base_status, base_gap = d["status_without"], d["gap_without"]
    else:
        return []
    if low is None or math.isnan(low):
        return []
    out = []
    if point is not None and is_plain(point, proven, plan.objective or 0.0):
        out.append(
            f"The cost of trust, what the rules add to the cheapest plan without any "
            f"rule, is <b>{_e(money(point, cur))}</b>"
            + (f" ({_e(pct(point / plan.objective))} of the plan)." if plan.objective else ".")
        )
    else:
        words = unproven_text(
            [
                ("the plan", plan.status.value, gap_of(plan)),
                ("without any rule", base_status, base_gap),
            ],
            low,
            high,
            cur,
            what="cost of trust",
        )
        out.append(f'<span class="warn">The cost of trust is {_e(words)}.</span>')
    p_buy, p_pen = cost_split(plan, instance)
    b_buy, b_pen = cost_split(baseline, instance)
    if p_buy is None or p_pen is None or b_buy is None or b_pen is None or not p_pen:
        return out
    d_pen, d_buy = p_pen - b_pen, p_buy - b_buy
    total = d_pen + d_buy
    out.append(
        f"Of the difference in cost, {_e(money(d_pen, cur))} is the penalty for demand "
        f"left unmet (the plan pays {_e(money(p_pen, cur))} of penalty, the plan without "
        f"rules {_e(money(b_pen, cur))}) and {_e(money(d_buy, cur))} is the change in "
        "what is bought."
    )
    if total > 0 and d_pen > 0.5 * total:
        most = (
            "All of the cost of trust, and more, is"
            if d_pen >= total
            else f"Most of the cost of trust ({_e(pct(d_pen / total))}) is"
        )
        out.append(
            f'<span class="warn">{most} penalty for unmet demand, not dearer purchases: '
            "under these rules the plan leaves demand unmet rather than buying it "
            "elsewhere. It is optimal only in the sense that, at the penalty set in the "
            "instance, going without is cheaper than any supplier the rules allow."
            "</span>"
        )
    return out


def _kpis(plan: Any, instance: Any, explanation: Any, baseline: Any) -> str:
    cur = plan.currency
    buy, penalty = cost_split(plan, instance)
    short = shortfall_rows(plan, instance)
    n_items = plan.items["item"].nunique() if len(plan.items) else 0
    cards = [
        ("total cost", money(plan.objective, cur)),
        ("purchase cost", money(buy, cur)),
        ("shortfall penalty", money(penalty, cur)),
        ("items short", f"{short['item'].nunique()} of {n_items}"),
        ("MIP gap", "-" if gap_of(plan) is None else gap_pct(gap_of(plan))),
        ("cost without rules", money(baseline.objective if baseline is not None else None, cur)),
    ]
    if explanation is not None and explanation.cost_of_trust_low is not None:
        trust = {
            "point": explanation.cost_of_trust,
            "low": explanation.cost_of_trust_low,
            "high": explanation.cost_of_trust_high,
            "proven": explanation.cost_of_trust_proven,
        }
    elif baseline is not None:
        trust = difference(plan, baseline)
    else:
        trust = None
    if trust is not None:
        point = math.nan if trust["point"] is None else float(trust["point"])
        text = price_cell(
            point,
            trust["low"],
            trust["high"],
            trust["proven"],
            plan.objective or 0.0,
            lambda v: money(v, cur),
        )
        if is_plain(point, trust["proven"], plan.objective or 0.0) and plan.objective:
            text += f" ({pct(point / plan.objective)})"
            if penalty and baseline is not None:
                extra = penalty - (cost_split(baseline, instance)[1] or 0.0)
                if extra > 0.5 * point:
                    text += f", mostly penalty ({money(extra, cur)})"
        elif not is_plain(point, trust["proven"], plan.objective or 0.0):
            text += " (not proven)"
        cards.append(("cost of trust", text))
    cards += [
        ("verified", "yes" if plan.verified else "no"),
        ("solve time", f"{plan.timings.get('total', 0.0):.2f} s"),
    ]
    if len(plan.rules):
        cards.append(("binding rules", str(len(set(plan.rules[plan.rules["binding"]]["rule"])))))
    return (
        '<div class="kpis">'
        + "".join(f'<div class="kpi">{_e(k)}<b>{_e(v)}</b></div>' for k, v in cards)
        + "</div>"
    )


def _shortfall_section(plan: Any, instance: Any) -> str:
    short = shortfall_rows(plan, instance)
    cur = plan.currency or instance.currency
    if not len(short):
        return "<p>Every item's demand is met.</p>"
    periodic = "period" in short
    df = pd.DataFrame(
        {
            **({"period": short["period"]} if periodic else {}),
            "item": short["item"],
            "unit": short["unit"],
            "demand": short["demand"].map(lambda v: _num(v, "{:,.6g}")),
            "unmet": short["shortfall"].map(lambda v: _num(v, "{:,.6g}")),
            "share of demand": short["shortfall_share"].map(_pct),
            "penalty per unit": short["penalty_per_unit"].map(_num),
            "penalty": short["penalty"].map(lambda v: money(v, cur)),
        }
    )
    _, penalty = cost_split(plan, instance)
    n_short = short["item"].nunique()
    head = (
        f'<p class="warn">The plan leaves demand unmet for {n_short} item'
        f"{'' if n_short == 1 else 's'}"
        + (f" (in {short['period'].nunique()} of {len(plan.periods)} periods)" if periodic else "")
        + f" and pays {_e(money(penalty, cur))} of penalty"
        + (" in present value (per period below: per year, undiscounted)" if periodic else "")
        + " "
        f"for it, {_e(pct((penalty or 0.0) / plan.objective) if plan.objective else '-')} "
        "of its total cost. The penalty is what the instance charges per unit short "
        "(<code>shortfall_penalty</code>), not money spent on supply.</p>"
    )
    return head + _table(df, {"demand", "unmet", "share of demand", "penalty per unit", "penalty"})


def _items_table(plan: Any) -> str:
    it = plan.items
    if not len(it):
        return "<p>none</p>"
    short = it["shortfall"] if "shortfall" in it else pd.Series(0.0, index=it.index)
    demand = it["demand"].astype(float)
    df = pd.DataFrame(
        {
            "item": it["item"],
            "unit": it["unit"],
            "demand": it["demand"].map(lambda v: _num(v, "{:,.6g}")),
            "supply": it["supply"].map(lambda v: _num(v, "{:,.6g}")),
            "unmet": short.map(lambda v: _num(v, "{:,.6g}")),
            "unmet share": (short / demand.where(demand > 0)).fillna(0.0).map(_pct),
            "purchase cost": it["cost"].map(_num),
            "HHI": it["hhi"].map(lambda v: _num(v, "{:,.0f}")),
            "top country": it["top_country"],
            "top share": it["top_share"].map(_pct),
            "suppliers": it["n_suppliers"],
            "countries": it["n_countries"],
        }
    )
    return _table(
        df,
        {
            "demand",
            "supply",
            "unmet",
            "unmet share",
            "purchase cost",
            "HHI",
            "top share",
            "suppliers",
            "countries",
        },
    )


def _rules_table(plan: Any, explanation: Any) -> str:
    r = plan.rules
    if not len(r):
        return "<p>The instance has no rules.</p>"
    df = pd.DataFrame(
        {
            **({"period": r["period"]} if "period" in r else {}),
            "rule": r["rule"],
            "kind": r["kind"],
            "item": r["item"],
            "scope": r["scope"],
            "limit": [
                f"{s} {_rule_value(k, v)}" for s, k, v in zip(r["sense"], r["kind"], r["limit"])
            ],
            "achieved": [_rule_value(k, v) for k, v in zip(r["kind"], r["achieved"])],
            "binding": r["binding"].map(lambda b: "yes" if b else "no"),
        }
    )
    numeric = {"limit", "achieved"}
    if explanation is not None and len(explanation.rules):
        cur = explanation.currency
        er = explanation.rules.set_index("rule")
        cells, solves = {}, {}
        for name, row in er.iterrows():
            cells[name] = price_cell(
                float(row["price"]),
                float(row["price_low"]),
                float(row["price_high"]),
                bool(row["proven"]),
                float(row["cost_with"]),
                lambda v: money(v, cur),
            )
            both = row["status_with"] == "optimal" and row["status_without"] == "optimal"
            solves[name] = (
                "optimal"
                if both
                else (
                    f"{solve_label(row['status_with'], row['gap_with'])} / "
                    f"{solve_label(row['status_without'], row['gap_without'])}"
                )
            )
        df["price of rule"] = df["rule"].map(lambda name: cells.get(name, "-"))
        df["solves (with / without)"] = df["rule"].map(lambda name: solves.get(name, "-"))
        numeric.add("price of rule")
    return _table(df, numeric)


def _rule_notes(explanation: Any) -> str:
    """Sentences under the rule table: unproven prices and rules that force shortfall."""
    if explanation is None or not len(explanation.rules):
        return ""
    cur = explanation.currency
    notes = []
    for r in explanation.rules.itertuples():
        if not is_plain(r.price, r.proven, r.cost_with) and not math.isnan(r.price_low):
            notes.append(
                f"{r.rule}: "
                + unproven_text(
                    [
                        ("with the rule", r.status_with, r.gap_with),
                        ("without it", r.status_without, r.gap_without),
                    ],
                    r.price_low,
                    r.price_high,
                    cur,
                )
                + "."
            )
        if r.binding_text:
            notes.append(f"{r.rule} {r.binding_text.removeprefix('it ')}.")
    if not notes:
        return ""
    return '<ul class="notes">' + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>"


def _awards_table(plan: Any) -> str:
    a = plan.allocations
    a = a[a["quantity"] > 0]
    df = pd.DataFrame(
        {
            **({"period": a["period"]} if "period" in a else {}),
            "item": a["item"],
            "supplier": a["supplier"],
            "country": a["country"],
            "owner": a["owner"],
            "site": a["site"],
            "quantity": a["quantity"].map(lambda v: _num(v, "{:,.6g}")),
            "unit cost": a["unit_cost"].map(_num),
            "cost": a["cost"].map(_num),
            "share": a["share"].map(_pct),
        }
    )
    return _table(df, {"quantity", "unit cost", "cost", "share"})


def _sources(instance: Any) -> str:
    items = []
    for s in instance.sources:
        if isinstance(s, str):
            items.append(f"<li>{_e(s)}</li>")
        else:
            items.append(
                "<li>" + "; ".join(f"{_e(k)}: {_e(v)}" for k, v in dict(s).items()) + "</li>"
            )
    body = f'<ul class="sources">{"".join(items)}</ul>' if items else "<p>none given</p>"
    return f'<section id="sources"><h2>Sources</h2>{body}</section>'


def build_report(
    instance: Any,
    plan: Any,
    explanation: Any = None,
    *,
    baseline: Any = None,
) -> str:
    """One self-contained HTML page describing ``plan`` for ``instance``.

    Args:
        instance: the instance that was solved.
        plan: its plan (any status; without a solution the page says so and lists the rules).
        explanation: from :func:`trustsource.explain`, for the cost of trust and each rule's
            price (with the statuses and gaps of their solves); optional.
        baseline: the plan with no rules (the "before" charts and the cost of trust without an
            explanation); default: the explanation's. This module renders only: the caller
            solves (see :func:`trustsource.analysis.baseline.no_rules_plan`).
    """
    cur = plan.currency or instance.currency
    title = f"trustsource report: {instance.name}"
    if baseline is None and explanation is not None:
        baseline = explanation.baseline_plan
    if baseline is not None and not baseline.has_solution:
        baseline = None
    ok = plan.status.value == "optimal" and not len(shortfall_rows(plan, instance))
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    if getattr(instance, "description", None):
        out.append(f"<p>{_e(instance.description)}</p>")
    buy, penalty = cost_split(plan, instance)
    split = ""
    if penalty:
        split = (
            f": {_e(money(buy, cur))} purchase cost and {_e(money(penalty, cur))} "
            "penalty for unmet demand"
        )
    out.append(
        f'<p>Status: <b class="{"status-optimal" if ok else "status-bad"}">'
        f"{_e(status_text(plan, instance))}</b>. Total cost: "
        f"<b>{_e(money(plan.objective, cur))}</b>{split} (currency {_e(cur)}).</p>"
    )
    if plan.has_solution and plan.status.value != "optimal":
        low = 0.0 if plan.bound is None else max(0.0, float(plan.bound))
        out.append(
            f'<p class="warn">The plan is not proven optimal: the solve stopped at a '
            f"{_e(gap_pct(gap_of(plan)))} gap, so the cheapest plan costs "
            f"{_e(range_text(low, plan.objective, cur))}.</p>"
        )
    if plan.message:
        out.append(f"<p>{_e(plan.message)}</p>")
    if plan.has_solution:
        out.append("<h2>Key figures</h2>" + _kpis(plan, instance, explanation, baseline))
        out.extend(f"<p>{t}</p>" for t in _trust_paragraphs(plan, instance, explanation, baseline))
        # A periodic plan: the path, then the last period alone where one year is described.
        when = ""
        if is_periodic(plan):
            out.append(path_section(plan, instance))
            when = f" in {plan.periods[-1]}, the last period"
        last, base_last = last_period(plan), last_period(baseline)
        out.append("<h2>Unmet demand</h2>" + _shortfall_section(plan, instance))
        out.append(f"<h2>Items{_e(when)}</h2>")
        if when:
            out.append("<p>Quantities and costs per year of that period, undiscounted.</p>")
        out.append(_items_table(last))
        out.append(f"<h2>Country shares per item{_e(when)}: before and after the rules</h2>")
        for item in last.items["item"]:
            before = bar_chart(country_shares(base_last, item), f"{item}: before (no rules)")
            after = bar_chart(country_shares(last, item), f"{item}: after (with rules)")
            out.append(
                f'<div class="pair" id="item-{_e(item)}"><figure>{before}<figcaption>'
                f"{_e(item)} without rules</figcaption></figure><figure>{after}"
                f"<figcaption>{_e(item)} in the plan</figcaption></figure></div>"
            )
        out.append("<h2>Rules</h2>" + _rules_table(plan, explanation) + _rule_notes(explanation))
        out.append("<h2>Awarded suppliers</h2>" + _awards_table(plan))
    else:
        out.append(
            "<p>There is no plan to report. For an infeasible instance, "
            "<code>trustsource diagnose</code> shows which rules conflict.</p>"
        )
        rules = [(r.name or r.kind, r.kind) for r in instance.rules]
        out.append("<h2>Rules</h2>" + _table(pd.DataFrame(rules, columns=["rule", "kind"])))
    out.append(_sources(instance))
    out.append(
        f"<footer><p>{_e(plan.solver)}; instance hash {_e(plan.instance_hash)}</p>"
        "</footer></body></html>"
    )
    return "\n".join(out) + "\n"


def write_report(
    instance: Any,
    plan: Any,
    path: str | os.PathLike[str],
    explanation: Any = None,
    *,
    baseline: Any = None,
) -> Path:
    """Write :func:`build_report`'s page for ``plan`` to ``path`` (a temporary name moved into
    place). Returns the path. Nothing is solved here: pass the plan, and the explanation or
    baseline for the cost of trust and the "before" charts."""
    text = build_report(instance, plan, explanation, baseline=baseline)
    return atomic_write_text(path, text)
