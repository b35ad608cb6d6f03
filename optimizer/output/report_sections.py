"""Sections of the HTML report that answer an analyst's questions (issue 17).

* :func:`rule_words`: a rule in words (its description, else its kind and limit).
* :func:`binding_sentence`: which rules bind, named, and on how many items.
* :func:`rule_cost_items`: what each rule costs, in words, proven or as an interval.
* :func:`rules_table`: one row per rule (its price once), and where it binds.
* :func:`stress_section`: what breaks when a country drops out (a :class:`StressResult`).
* :func:`curve_section`: the cost curve of the main cap (a :class:`SweepResult`).
* :func:`main_cap`, :func:`curve_values`, :func:`stress_countries`: what the caller solves for
  the last two (the CLI runs :func:`trustsource.analysis.stress.stress` and
  :func:`trustsource.analysis.sweep.sweep` with them; nothing here solves).
* :func:`derived_demand`: the words for an item that is only an input to others.

All text is escaped.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..analysis.explain_common import is_plain, money, pct, price_cell, unproven_text
from ..instance.kinds import COUNT_KINDS
from .html_parts import e as _e
from .html_parts import table as _table
from .report_charts import cost_curve_chart, country_label

__all__ = [
    "binding_sentence",
    "curve_section",
    "curve_values",
    "derived_demand",
    "main_cap",
    "rule_cost_items",
    "rule_words",
    "rules_table",
    "stress_countries",
    "stress_section",
]

SHARE_PARAMS = {"country_cap": "max_share", "supplier_cap": "max_share", "bloc_share": "max_share"}


def _names(values: Any) -> str:
    return ", ".join(str(v) for v in values)


def rule_words(rule: Any) -> str:
    """``no single country above 65 % of an item's supply (by location), except eu``."""
    kind = rule.kind
    basis = getattr(rule, "basis", "location") or "location"
    text = ""
    if kind == "country_cap" and getattr(rule, "max_share", None) is not None:
        who = "no single country"
        if getattr(rule, "countries", None):
            who = f"none of {_names(rule.countries)}"
        text = f"{who} above {pct(rule.max_share)} of an item's supply (by {basis})"
        if getattr(rule, "except_", None):
            text += f", except {_names(rule.except_)}"
    elif kind == "ban" and getattr(rule, "countries", None):
        verb = "owned from" if basis == "owner" else "located in"
        text = f"no supplier {verb} {_names(rule.countries)}"
    elif kind == "supplier_cap" and getattr(rule, "max_share", None) is not None:
        text = f"no single supplier above {pct(rule.max_share)} of an item's supply"
    desc = getattr(rule, "description", None)
    if desc:
        return f"{text}: {desc}" if text else str(desc)
    return text or kind.replace("_", " ")


def _binding_items(plan: Any) -> dict[str, list[str]]:
    r = plan.rules
    if not len(r):
        return {}
    b = r[r["binding"].astype(bool)]
    out: dict[str, list[str]] = {}
    for name, item in zip(b["rule"], b["item"]):
        items = out.setdefault(str(name), [])
        label = "all items" if item is None or pd.isna(item) else str(item)
        if label not in items:
            items.append(label)
    return out


def binding_sentence(plan: Any, instance: Any, words: bool = True) -> str:
    """``crma-65 binds on 10 of 12 items (no single country above 65 % ...)`` (the rule's
    words only with ``words``); or that no rule binds. Plain text."""
    if not instance.rules:
        return "The instance has no rules."
    binding = _binding_items(plan)
    if not binding:
        return "No rule binds: the cheapest plan already keeps every rule."
    n_items = len(instance.items)
    described = {r.name or r.kind: rule_words(r) for r in instance.rules}
    parts = []
    for name, items in binding.items():
        where = "every item" if len(items) >= n_items else f"{len(items)} of {n_items} items"
        said = f" ({described.get(name, '')})" if words else ""
        parts.append(f"{name} binds on {where}{said}")
    return "; ".join(parts) + "."


def rule_cost_items(explanation: Any) -> list[str]:
    """One sentence per rule: what it costs (proven or an interval) and what it prevents."""
    if explanation is None or not len(explanation.rules):
        return []
    cur = explanation.currency
    out = []
    for r in explanation.rules.itertuples():
        if is_plain(r.price, r.proven, r.cost_with):
            cost = money(r.price, cur)
            if r.cost_with:
                cost += f" ({pct(r.price / r.cost_with)} of the plan)"
            what = (
                "costs nothing: the cheapest plan keeps it anyway"
                if r.price < 0.5
                else (f"costs {cost}")
            )
        elif math.isnan(r.price_low):
            what = "has no price: a solve found no plan"
        else:
            what = unproven_text(
                [
                    ("with the rule", r.status_with, r.gap_with),
                    ("without it", r.status_without, r.gap_without),
                ],
                r.price_low,
                r.price_high,
                cur,
            )
        text = f"{r.rule}: {what}." if what.startswith("not proven") else f"{r.rule} {what}."
        if r.effect_without:
            text += f" Without it, {r.effect_without}."
        if r.binding_text:
            text += f" {r.rule} {r.binding_text.removeprefix('it ')}."
        out.append(text)
    return out


def _value(kind: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if kind in COUNT_KINDS:
        return f"{v:.0f}"
    if kind == "hhi_cap":
        return f"{v:,.0f}"
    return pct(float(v))


def rules_table(plan: Any, instance: Any, explanation: Any) -> str:
    """One row per rule: its words, basis, price (once) and the items it binds on; then the
    per-item detail (limit, achieved, binding) without the price."""
    words = {r.name or r.kind: r for r in instance.rules}
    binding = _binding_items(plan)
    prices: dict[str, str] = {}
    if explanation is not None and len(explanation.rules):
        cur = explanation.currency
        for row in explanation.rules.itertuples():
            prices[str(row.rule)] = price_cell(
                float(row.price),
                float(row.price_low),
                float(row.price_high),
                bool(row.proven),
                float(row.cost_with),
                lambda v: money(v, cur),
            )
    r = plan.rules
    rows = []
    for name, rule in words.items():
        mine = r[r["rule"] == name] if len(r) else r
        items = [str(i) for i in dict.fromkeys(mine["item"]) if not pd.isna(i)] if len(mine) else []
        bound = binding.get(name, [])
        rows.append(
            {
                "rule": name,
                "in words": rule_words(rule),
                "basis": getattr(rule, "basis", "location") or "location",
                "price of rule": prices.get(name, "-"),
                "binds on": ", ".join(bound) if bound else "nowhere",
                "slack on": ", ".join(i for i in items if i not in bound) or "-",
            }
        )
    head = _table(pd.DataFrame(rows), {"price of rule"})
    if not len(r):
        return head
    detail = pd.DataFrame(
        {
            **({"period": r["period"]} if "period" in r else {}),
            "rule": r["rule"],
            "item": r["item"],
            "scope": r["scope"],
            "limit": [f"{s} {_value(k, v)}" for s, k, v in zip(r["sense"], r["kind"], r["limit"])],
            "achieved": [_value(k, v) for k, v in zip(r["kind"], r["achieved"])],
            "binding": r["binding"].map(lambda b: "yes" if b else "no"),
        }
    )
    return (
        head
        + "<details><summary>Each rule on each item: limit, achieved value, binding</summary>"
        + "<h3>Each rule on each item</h3>"
        + _table(detail, {"limit", "achieved"})
        + "</details>"
    )


def derived_demand(instance: Any, item: str) -> str:
    """``input to ree_oxide`` for an item with no demand of its own that others consume; ''
    otherwise."""
    users = [i.id for i in instance.items if item in (getattr(i, "inputs", None) or {})]
    own = next((float(i.demand or 0.0) for i in instance.items if i.id == item), 0.0)
    if not users or own > 0:
        return ""
    return f"input to {', '.join(users)}"


# --- what the caller solves for the stress summary and the cost curve --------------------------


def main_cap(instance: Any, explanation: Any) -> tuple[str, str, float] | None:
    """``(rule, param, value)`` of the share cap to sweep: the dearest rule with a share limit
    (by the explanation's price; else the first such rule), or None."""
    caps = [
        (r.name or r.kind, SHARE_PARAMS[r.kind], float(getattr(r, SHARE_PARAMS[r.kind])))
        for r in instance.rules
        if r.kind in SHARE_PARAMS and getattr(r, SHARE_PARAMS[r.kind], None) is not None
    ]
    if not caps:
        return None
    if explanation is not None and len(explanation.rules):
        price = dict(zip(explanation.rules["rule"], explanation.rules["price_high"]))
        caps.sort(key=lambda c: -float(price.get(c[0], 0.0) or 0.0))
    return caps[0]


def curve_values(current: float, points: int = 6) -> tuple[float, float, float]:
    """``(start, stop, step)``: about ``points`` values on a 0.1 grid around ``current``
    within [0.05, 1], the instance's value among them."""
    step = 0.1
    below = min(points // 2, int((current - 0.05) / step + 1e-9))
    start = round(current - below * step, 6)
    stop = round(min(1.0, start + (points - 1) * step), 6)
    return start, stop, step


def stress_countries(plan: Any, top: int = 6) -> list[str]:
    """The ``top`` countries the plan spends most on (the losses worth a look)."""
    if plan is None or not plan.has_solution or not len(plan.allocations):
        return []
    a = plan.allocations
    spend = a[a["quantity"] > 0].groupby("country")["cost"].sum()
    return [str(c) for c in spend.sort_values(ascending=False, kind="stable").index[:top]]


def stress_section(result: Any, cur: str) -> str:
    """What breaks if a country drops out: per lost country, items short, worst item, cost."""
    s = result.summary
    if not len(s):
        return "<p>No loss scenario has an answer.</p>"
    sentences, rows = [], []
    for r in s.itertuples():
        lost = country_label(str(r.lost))
        short = result.shortfalls[result.shortfalls["scenario"] == r.scenario]
        n = short["item"].nunique() if len(short) else 0
        if n:
            sentences.append(
                f"Losing {lost} leaves {n} item{'' if n == 1 else 's'} short (worst "
                f"{r.worst_item}: {pct(float(r.worst_shortfall_share))} of demand unmet)."
            )
        rows.append(
            {
                "country lost": lost,
                "items short": n,
                "worst item": "-" if not n else f"{r.worst_item} ({pct(r.worst_shortfall_share)})",
                "purchase cost change": money(float(r.extra_cost), cur),
                "penalty for unmet demand": money(float(r.shortfall_cost), cur),
                "rules": r.rules,
                "status": r.status,
            }
        )
    ok = [country_label(str(r.lost)) for r in s.itertuples() if not r.single_point_of_failure]
    if ok:
        sentences.append(f"Losing any one of {', '.join(ok)} is absorbed: no item runs short.")
    text = "".join(f"<li>{_e(t)}</li>" for t in sentences)
    note = (
        "<p>Each country the plan spends most on is lost in turn (its capacity set to 0) and "
        "the plan re-optimised with the rules kept; an item runs short when what is left "
        "cannot cover it. Run <code>trustsource stress</code> for every country and site.</p>"
    )
    return (
        note
        + f'<ul class="stress">{text}</ul>'
        + _table(
            pd.DataFrame(rows), {"items short", "purchase cost change", "penalty for unmet demand"}
        )
    )


def curve_section(result: Any, current: float, cur: str) -> str:
    """The cost curve of the main cap: the chart, a sentence and the table of points."""
    t = result.table
    rule, param = str(result.rule), str(result.param)
    chart = cost_curve_chart(t, rule, param, current, cur)
    rows = pd.DataFrame(
        {
            param: [pct(float(v)) for v in t["value"]],
            "status": t["status"],
            "total cost": [money(float(v), cur) for v in t["cost"]],
            "purchase cost": [money(float(v), cur) for v in t["purchase_cost"]],
            "penalty for unmet demand": [money(float(v), cur) for v in t["shortfall_penalty"]],
            "items short": t["shortfall_items"],
            "MIP gap": [
                "–" if pd.isna(g) else f"{100 * float(g):.2f} %"
                for g in t.get("mip_gap", pd.Series([float("nan")] * len(t)))
            ],
        }
    )
    caption = (
        f"Cost of the plan as {rule}'s {param} varies, every other input as in the instance "
        "(each point a full solve). A tighter cap costs more; where no supplier can take the "
        "volume the plan leaves demand unmet and pays the penalty."
    )
    gaps = pd.to_numeric(t.get("mip_gap", pd.Series(dtype=float)), errors="coerce").fillna(0.0)
    if len(gaps) and float(gaps.max()) > 0:
        # An unproven point's cost (and any penalty in it) is known only to within its gap.
        caption += (
            f" Points with a MIP gap are not proven optimal: their cost is within that gap of "
            f"the optimum (largest {100 * float(gaps.max()):.2f} %), so a difference between "
            "neighbouring points smaller than the gap, or a penalty inside it, is not significant."
        )
    return f'<figure class="curve">{chart}<figcaption>{_e(caption)}</figcaption></figure>' + _table(
        rows, {"total cost", "purchase cost", "penalty for unmet demand", "items short"}
    )
