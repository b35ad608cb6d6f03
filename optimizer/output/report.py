"""A self-contained HTML report of a plan, built around the analyst's questions (issues 7, 17).

:func:`build_report` renders one HTML page with inline CSS and inline SVG charts drawn here
(:mod:`.report_charts`; no script, font, image or anything fetched from the network):

1. the headline, visible at a glance: status, total cost, the cost of trust, the binding rules
   named with their words, and the shortfall;
2. what compliance costs: the cost of trust in words and each rule's price with what it
   prevents (:mod:`.report_sections`);
3. which rules bind where: one row per rule (its price once), the items it binds on;
4. how country shares move: one chart per item, before and after the rules side by side on one
   sorted country axis, the country cap drawn, on the basis the cap uses (location or owner);
   an item with no demand of its own is an "input to" the items that use it;
5. what breaks if a country drops out (a stress result) and the cost curve of the main cap (a
   sweep), when the caller passes them;
6. unmet demand, items, awards and sources.

All text is escaped. :func:`write_report` writes the page atomically. Nothing here solves: the
caller passes the plan, the explanation, the no-rule plan
(:func:`trustsource.analysis.baseline.no_rules_plan`), the stress and the sweep, as
``trustsource report`` does.

The page never overstates (issue 11): the total cost is split into what is bought (purchase
cost) and the penalty for demand left unmet; a plan that leaves demand unmet is never called
just "optimal", and a cost of trust that is mostly penalty says so. Prices and the cost of
trust from solves that are not proven optimal are shown as the interval their bounds allow,
with the statuses and gaps, in words.

A periodic plan (issue 14) adds "The path, period by period" (:mod:`.report_periods`); its
items table and share charts show the last period only, and the cost split is in present value.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.explain_common import (
    difference,
    gap_of,
    gap_pct,
    is_plain,
    money,
    pct,
    price_cell,
    range_text,
    unproven_text,
)
from ..safe_writes import atomic_write_text
from .figures import cost_split, shortfall_table
from .html_parts import e as _e
from .html_parts import number as _num
from .html_parts import table as _table
from .report_charts import shares_chart, shares_on
from .report_periods import (
    is_periodic,
    last_period,
    path_section,
    shortfall_rows,
    status_text,
)
from .report_sections import (
    binding_sentence,
    curve_section,
    derived_demand,
    rule_cost_items,
    rules_table,
    stress_section,
)

__all__ = ["build_report", "cost_split", "shortfall_table", "write_report"]

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1100px;
color:#1c1c1c;padding:0 1em;font-size:16px;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
#headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:1em;
margin:1em 0}.card{border:1px solid #ccd;border-radius:8px;padding:.7em 1em;background:#f8f9fb}
.card .label{font-size:.85em;color:#555;text-transform:uppercase;letter-spacing:.03em}
.card .value{display:block;font-size:1.6em;font-weight:600;margin:.15em 0}
.card .words{font-size:.9em}
.status-optimal{color:#17713a}.status-bad{color:#a11}.warn{border-left:4px solid #c60;
padding:.3em .8em;background:#fff6ec;display:block}
figure{margin:1.2em 0;padding:.6em;border:1px solid #eee;border-radius:6px}
figcaption{font-size:.95em;color:#333;margin:.2em 0 .4em}ul.sources{font-size:.85em}
svg text{font-family:inherit}details{margin:.5em 0}
"""


def _pct(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
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


def _trust(plan: Any, explanation: Any, baseline: Any) -> dict[str, Any] | None:
    """The cost of trust as ``difference`` gives it (point, low, high, proven)."""
    if explanation is not None and explanation.cost_of_trust_low is not None:
        return {
            "point": explanation.cost_of_trust,
            "low": explanation.cost_of_trust_low,
            "high": explanation.cost_of_trust_high,
            "proven": explanation.cost_of_trust_proven,
        }
    if baseline is not None and plan.has_solution:
        return difference(plan, baseline)
    return None


def _card(cls: str, label: str, value: str, words: str) -> str:
    return (
        f'<div class="card {cls}"><span class="label">{_e(label)}</span>'
        f'<span class="value">{_e(value)}</span><span class="words">{_e(words)}</span></div>'
    )


def _headline(plan: Any, instance: Any, explanation: Any, baseline: Any) -> str:
    """The figures visible at a glance: total cost, cost of trust, binding rules, shortfall."""
    cur = plan.currency or instance.currency
    buy, penalty = cost_split(plan, instance)
    total_words = f"{money(buy, cur)} purchase cost"
    if penalty:
        total_words += f" and {money(penalty, cur)} penalty for unmet demand"
    cards = [_card("total", "total cost", money(plan.objective, cur), total_words)]
    trust = _trust(plan, explanation, baseline)
    if trust is not None and trust["low"] is not None and not math.isnan(trust["low"]):
        point = math.nan if trust["point"] is None else float(trust["point"])
        scale = plan.objective or 0.0
        value = price_cell(
            point, trust["low"], trust["high"], trust["proven"], scale, lambda v: money(v, cur)
        )
        if is_plain(point, trust["proven"], scale):
            words = "what the rules add to the cheapest plan without any rule"
            if plan.objective:
                words = f"{pct(point / plan.objective)} of the plan: " + words
            extra = (penalty or 0.0) - (cost_split(baseline, instance)[1] or 0.0)
            if penalty and baseline is not None and extra > 0.5 * point:
                words += f"; mostly penalty for unmet demand ({money(extra, cur)})"
        else:
            words = "not proven: the interval the solves' bounds allow"
        cards.append(_card("trust", "cost of trust", value, words))
    binding = plan.rules[plan.rules["binding"].astype(bool)] if len(plan.rules) else plan.rules
    names = list(dict.fromkeys(str(r) for r in binding["rule"])) if len(binding) else []
    cards.append(
        _card(
            "binding",
            "binding rules",
            ", ".join(names) if names else "none",
            binding_sentence(plan, instance, words=False),
        )
    )
    short = shortfall_rows(plan, instance)
    n_items = plan.items["item"].nunique() if len(plan.items) else 0
    if len(short):
        worst = short.iloc[0]
        cards.append(
            _card(
                "short",
                "shortfall",
                f"{short['item'].nunique()} of {n_items} items short",
                f"worst {worst['item']}: {pct(worst['shortfall_share'])} of demand unmet",
            )
        )
    else:
        cards.append(_card("short", "shortfall", "none", "every item's demand is met"))
    return '<section id="headline">' + "".join(cards) + "</section>"


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


def _items_table(plan: Any, instance: Any) -> str:
    it = plan.items
    if not len(it):
        return "<p>none</p>"
    short = it["shortfall"] if "shortfall" in it else pd.Series(0.0, index=it.index)
    demand = it["demand"].astype(float)
    words = [derived_demand(instance, str(i)) for i in it["item"]]
    df = pd.DataFrame(
        {
            "item": it["item"],
            "unit": it["unit"],
            "demand": [
                f"{w} ({_num(s, '{:,.6g}')})" if w else _num(d, "{:,.6g}")
                for w, d, s in zip(words, it["demand"], it["supply"])
            ],
            "supply": it["supply"].map(lambda v: _num(v, "{:,.6g}")),
            "unmet": short.map(lambda v: _num(v, "{:,.6g}")),
            "unmet share": (short / demand.where(demand > 0)).fillna(0.0).map(_pct),
            "purchase cost": it["cost"].map(_num),
            "HHI": it["hhi"].map(lambda v: _num(v, "{:,.0f}")),
            "top country": it["top_country"],
            "top share": it["top_share"].map(_pct),
            "suppliers": it["n_suppliers"],
        }
    )
    note = (
        "<p>An item with no demand of its own is an input to the items that use it: its "
        "demand is derived from theirs (the quantity in brackets).</p>"
        if any(words)
        else ""
    )
    return note + _table(
        df, {"supply", "unmet", "unmet share", "purchase cost", "HHI", "top share", "suppliers"}
    )


def _caps(plan: Any, instance: Any, item: str) -> tuple[list[tuple[str, float]], str]:
    """The country caps on ``item`` (name, max share) and the basis their shares use."""
    rules = {r.name or r.kind: r for r in instance.rules}
    r = plan.rules
    mine = r[(r["item"] == item) & (r["kind"] == "country_cap")] if len(r) else r
    caps: list[tuple[str, float]] = []
    basis = "location"
    for name in dict.fromkeys(mine["rule"]) if len(mine) else []:
        rule = rules.get(str(name))
        limit = mine.loc[mine["rule"] == name, "limit"].astype(float).max()
        if rule is None or not math.isfinite(limit) or getattr(rule, "measure", None) == "cost":
            continue  # the chart shows quantity shares: a cap on cost shares is not drawn on it
        if not caps:
            basis = getattr(rule, "basis", "location") or "location"
        caps.append((str(name), float(limit)))
    return caps, basis


def _share_figures(plan: Any, baseline: Any, instance: Any) -> str:
    """One figure per item: before/after on one sorted axis, the cap drawn, its caption."""
    out = []
    for item in dict.fromkeys(str(i) for i in plan.items["item"]):
        caps, basis = _caps(plan, instance, item)
        chart = shares_chart(
            item, shares_on(baseline, item, basis), shares_on(plan, item, basis), caps, basis
        )
        caption = f"{item}: share of supply per country by {basis}"
        if basis == "owner":
            caption += " (the owner's country, as the cap counts it)"
        elif basis == "control":
            caption += (
                " (the country controlling the owner through its holders, as the cap counts it)"
            )
        if caps:
            caption += "; red dashed line: " + ", ".join(f"{n} cap {pct(v)}" for n, v in caps)
        used = derived_demand(instance, item)
        if used:
            caption += f"; {used} (derived demand, none of its own)"
        out.append(
            f'<figure class="item-shares" id="item-{_e(item)}"><figcaption><b>{_e(item)}</b>'
            f"{_e(caption.removeprefix(item))}.</figcaption>{chart}</figure>"
        )
    return "".join(out)


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


def _owners_section(instance: Any) -> str:
    """Who owns the offers held through entities, and the chain that makes each count."""
    frame = instance.owners_frame()
    return (
        '<section id="owners"><h2>Who owns the suppliers</h2><p>Offers owned through the '
        "instance's entities: the owner's country, the country controlling it (the largest "
        "effective share if at least 50 %), the effective shares through every chain of "
        "holdings, and for each rule on basis control or influence, the chain that makes the "
        "offer count for it.</p>" + _table(frame, set()) + "</section>"
    )


def build_report(
    instance: Any,
    plan: Any,
    explanation: Any = None,
    *,
    baseline: Any = None,
    stress: Any = None,
    sweep: Any = None,
    sweep_current: float | None = None,
) -> str:
    """One self-contained HTML page describing ``plan`` for ``instance``.

    Args:
        instance: the instance that was solved.
        plan: its plan (any status; without a solution the page says so and lists the rules).
        explanation: from :func:`trustsource.explain`, for the cost of trust and each rule's
            price (with the statuses and gaps of their solves); optional.
        baseline: the plan with no rules (the "before" bars and the cost of trust without an
            explanation); default: the explanation's.
        stress: a :class:`trustsource.analysis.stress.StressResult` for "What breaks if a
            country drops out"; optional.
        sweep: a :class:`trustsource.analysis.sweep.SweepResult` of the main cap for "The cost
            curve"; optional. ``sweep_current`` is the instance's own value, marked on it.
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
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
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
    if not plan.has_solution:
        out.append(
            "<p>There is no plan to report. For an infeasible instance, "
            "<code>trustsource diagnose</code> shows which rules conflict.</p>"
        )
        rules = [(r.name or r.kind, r.kind) for r in instance.rules]
        out.append("<h2>Rules</h2>" + _table(pd.DataFrame(rules, columns=["rule", "kind"])))
        return _end(out, plan, instance)
    out.append(_headline(plan, instance, explanation, baseline))
    if getattr(instance, "description", None):
        out.append(f'<p class="description">{_e(instance.description)}</p>')
    out.append('<section id="compliance"><h2>What compliance costs</h2>')
    out.extend(f"<p>{t}</p>" for t in _trust_paragraphs(plan, instance, explanation, baseline))
    per_rule = rule_cost_items(explanation)
    if per_rule:
        out.append('<ul class="rule-costs">' + "".join(f"<li>{_e(t)}</li>" for t in per_rule))
        out.append("</ul>")
    elif instance.rules:
        out.append("<p>Each rule's price was not computed (<code>--no-prices</code>).</p>")
    out.append("</section>")
    out.append('<section id="rules"><h2>Which rules bind where</h2>')
    out.append(f"<p>{_e(binding_sentence(plan, instance))}</p>")
    out.append(rules_table(plan, instance, explanation) + "</section>")
    if instance.entities:
        out.append(_owners_section(instance))
    when = ""
    if is_periodic(plan):
        out.append(path_section(plan, instance))
        when = f" in {plan.periods[-1]}, the last period"
    last, base_last = last_period(plan), last_period(baseline)
    out.append(
        f'<section id="shares"><h2>How country shares move{_e(when)}</h2><p>One chart per '
        "item: grey bars are the cheapest plan without any rule, blue bars the plan with the "
        "rules, on one axis of countries sorted by the larger of the two shares. A red dashed "
        "line is a country cap on the item; an exempt country (e.g. the EU's own under "
        "<code>except</code>) may stay above it.</p>"
    )
    if base_last is None:
        out.append("<p>Without the plan with no rules only the blue bars are shown.</p>")
    out.append(_share_figures(last, base_last, instance) + "</section>")
    if stress is not None:
        out.append('<section id="stress"><h2>What breaks if a country drops out</h2>')
        out.append(stress_section(stress, cur) + "</section>")
    if sweep is not None:
        out.append(f'<section id="cost-curve"><h2>The cost curve of {_e(sweep.rule)}</h2>')
        current = math.nan if sweep_current is None else sweep_current
        out.append(curve_section(sweep, current, cur) + "</section>")
    out.append('<section id="unmet"><h2>Unmet demand</h2>' + _shortfall_section(plan, instance))
    out.append("</section>")
    out.append(f'<section id="items"><h2>Items{_e(when)}</h2>')
    if when:
        out.append("<p>Quantities and costs per year of that period, undiscounted.</p>")
    out.append(_items_table(last, instance) + "</section>")
    n_awards = int((plan.allocations["quantity"] > 0).sum()) if len(plan.allocations) else 0
    out.append(
        f'<section id="awards"><h2>Awarded suppliers</h2><details><summary>{n_awards} awards '
        "(supplier, country, owner, quantity, cost, share)</summary>"
        + _awards_table(plan)
        + "</details></section>"
    )
    return _end(out, plan, instance)


def _end(out: list[str], plan: Any, instance: Any) -> str:
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
    stress: Any = None,
    sweep: Any = None,
) -> Path:
    """Write :func:`build_report`'s page for ``plan`` to ``path`` (a temporary name moved into
    place). Returns the path. Nothing is solved here: pass the plan, and the explanation or
    baseline for the cost of trust and the "before" charts."""
    text = build_report(instance, plan, explanation, baseline=baseline, stress=stress, sweep=sweep)
    return atomic_write_text(path, text)
