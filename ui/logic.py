"""The workbench's logic without Streamlit: rule edits as a variant document, cached solves,
and the tables and words the pages show (loading is in :mod:`.uploads`).

Everything here is a plain function or a small class, tested without a browser. Edited rules
are validated by :meth:`trustsource.Instance.from_dict`, as any document is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from trustsource import Instance, InstanceError, Plan
from trustsource import solve as solve_instance
from trustsource.analysis.sweep import NUMERIC_KEYS
from trustsource.output.exports import write_plan_xlsx
from trustsource.output.plan_words import binding_rows, shortfall_rows
from trustsource.output.report import build_report
from trustsource.results.plan import compact_money

SHARE_KEYS = ("max_share", "min_share", "coverage", "max_share_without", "min_share_each")
"""Rule keys that are shares (0-1): shown as percent sliders; the others as numbers."""


def issue_lines(exc: InstanceError) -> list[str]:
    """The located problems of an invalid input, worded as ``trustsource validate`` lists
    them (``finding:`` marks a finding)."""
    return [f"{'finding: ' if i.kind == 'finding' else ''}{i}" for i in exc.issues]


def summary(inst: Instance) -> dict[str, Any]:
    """The instance in a few numbers and names (the Instance page's summary)."""
    return {
        "name": inst.name,
        "items": len(inst.items),
        "suppliers": len(inst.suppliers),
        "countries": len({s.country for s in inst.suppliers}),
        "sites": len(inst.sites),
        "rules": [r.name or r.kind for r in inst.rules],
        "variants": list(inst.variants),
        "periods": list(inst.periods),
        "currency": inst.currency,
    }


@dataclass(frozen=True)
class RuleView:
    """One rule as the Rules page lists it: its editable numbers and what it says."""

    name: str
    kind: str
    description: str
    params: dict[str, float] = field(default_factory=dict)


def rule_views(inst: Instance) -> list[RuleView]:
    """Every rule with its numeric parameters (the keys ``trustsource sweep`` can vary); a
    value given per period (a mapping) is listed but not editable."""
    out = []
    # The document's rules, not ``inst.rules``: for a periodic instance those are the first
    # period's, and a value that changes over the periods is a mapping in the document.
    for r in inst.to_dict().get("rules", []):
        params = {
            k: float(v)
            for k, v in r.items()
            if k in NUMERIC_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        name = str(r.get("name") or r["kind"])
        out.append(RuleView(name, str(r["kind"]), str(r.get("description") or ""), params))
    return out


def edited_document(
    inst: Instance,
    *,
    variant: str | None = None,
    off: frozenset[str] = frozenset(),
    values: Mapping[tuple[str, str], float] | None = None,
) -> dict[str, Any]:
    """The document the edits describe: ``variant`` applied, rules in ``off`` dropped and
    ``values[(rule, key)]`` set. Unnamed rules are addressed by their kind."""
    base = inst.variant(variant) if variant else inst
    doc = base.to_dict()
    rules = []
    for r in doc.get("rules", []):
        name = r.get("name") or r.get("kind")
        if name in off:
            continue
        changed = dict(r)
        for (rule, key), value in (values or {}).items():
            if rule == name and isinstance(changed.get(key), (int, float)):
                changed[key] = int(value) if key == "count" else float(value)
        rules.append(changed)
    doc["rules"] = rules
    doc.pop("variants", None)
    return doc


def document_instance(doc: Mapping[str, Any]) -> Instance:
    """Validate an edited document (located errors as :class:`InstanceError`)."""
    return Instance.from_dict(doc, origin=str(doc.get("name", "<edited>")))


def without_rules(inst: Instance) -> Instance:
    """The instance with no rules: the "before" plan of the charts and the cost of trust."""
    doc = inst.to_dict()
    doc["rules"] = []
    doc.pop("variants", None)
    return Instance.from_dict(doc, origin=f"{inst.name} [no rules]")


class ResultCache:
    """Plans by (instance content hash, solve options), at most ``size`` of them; stopped or
    failed solves are not kept. Thread-safe (solves finish on worker threads)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._plans: OrderedDict[tuple[Any, ...], Plan] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Plan | None:
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
            return plan

    def put(self, key: tuple[Any, ...], plan: Plan) -> None:
        if plan.stopped_by is not None or plan.status.value == "error":
            return
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > self.size:
                self._plans.popitem(last=False)


def cached_solve(
    inst: Instance,
    cache: ResultCache,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    stop: Callable[[], bool] | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> Plan:
    """:func:`trustsource.solve`, answered from ``cache`` when this exact instance was solved
    with these options."""
    key = (inst.content_hash, time_limit, mip_rel_gap)
    plan = cache.get(key)
    if plan is None:
        plan = solve_instance(
            inst, time_limit=time_limit, mip_rel_gap=mip_rel_gap, stop=stop, progress=progress
        )
        cache.put(key, plan)
    return plan


@dataclass(frozen=True)
class Solved:
    """A solve as the Plan page shows it: the plan, the plan without rules and the instance."""

    instance: Instance
    plan: Plan
    baseline: Plan | None


def solve_with_baseline(
    inst: Instance,
    cache: ResultCache,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    stop: Callable[[], bool] | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> Solved:
    """The plan of ``inst`` and, for "before" and the cost of trust, its plan without rules."""
    opts: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "stop": stop}
    plan = cached_solve(inst, cache, progress=progress, **opts)
    baseline = None
    if inst.rules and not (stop is not None and stop()):
        baseline = cached_solve(without_rules(inst), cache, **opts)
    elif not inst.rules:
        baseline = plan
    return Solved(inst, plan, baseline)


def kpis(s: Solved) -> dict[str, Any]:
    """Cost, cost of trust, shortfall, status, gap and the largest country share."""
    p, b = s.plan, s.baseline
    top = top_share(p)
    trust = None
    if p.has_solution and b is not None and b.has_solution and b.objective is not None:
        trust = float(p.objective or 0.0) - float(b.objective)
    return {
        "status": p.status.value,
        "status_text": p.status_text,
        "proven": p.status.value == "optimal",
        "cost": p.objective,
        "bound": p.bound,
        "gap": p.mip_gap,
        "purchase_cost": p.purchase_cost,
        "shortfall_penalty": p.shortfall_penalty,
        "cost_of_trust": trust,
        "top_share": top[0] if top else None,
        "top_country": top[1] if top else None,
        "top_item": top[2] if top else None,
        "currency": p.currency,
        "message": p.message,
    }


def top_share(plan: Plan) -> tuple[float, str, str] | None:
    """The largest single-country share of any item: (share, country, item)."""
    items = plan.items
    if not plan.has_solution or not len(items) or "top_share" not in items:
        return None
    shares = items["top_share"].astype(float).to_numpy()
    at = int(shares.argmax())
    return float(shares[at]), str(items["top_country"].iloc[at]), str(items["item"].iloc[at])


def country_shares(plan: Plan | None, item: str) -> pd.DataFrame:
    """Country shares of one item's supply (location basis): country, share."""
    if plan is None or not plan.has_solution or not len(plan.allocations):
        return pd.DataFrame(columns=["country", "share"])
    a = plan.allocations
    a = a[(a["item"] == item) & (a["quantity"] > 0)]
    total = float(a["quantity"].sum())
    if total <= 0:
        return pd.DataFrame(columns=["country", "share"])
    by = a.groupby("country")["quantity"].sum() / total
    return by.rename("share").reset_index().sort_values("share", ascending=False)


def shares_before_after(s: Solved, item: str) -> pd.DataFrame:
    """Both plans' country shares of ``item`` in one long table: country, share, plan."""
    after = country_shares(s.plan, item).assign(plan="with the rules")
    before = country_shares(s.baseline, item).assign(plan="no rules")
    return pd.concat([before, after], ignore_index=True)


def item_caps(plan: Plan, item: str) -> list[tuple[str, float]]:
    """The country caps on ``item`` in the plan's rule report: (rule, max share)."""
    r = plan.rules
    if not len(r):
        return []
    mine = r[(r["item"] == item) & (r["kind"] == "country_cap")]
    return [
        (str(n), float(mine.loc[mine["rule"] == n, "limit"].astype(float).max()))
        for n in dict.fromkeys(mine["rule"])
    ]


def binding_words(plan: Plan) -> list[str]:
    """Each binding rule, and each item left short, in words."""
    out = [f"{who}: {what}" for who, what in binding_rows(plan)]
    out += [f"{item} short: {what}" for item, what in shortfall_rows(plan)]
    return out


def awards(plan: Plan) -> pd.DataFrame:
    """The awards (offers bought), item first."""
    a = plan.to_frame()
    if not len(a):
        return a
    a = a[a["quantity"] > 0]
    lead = [c for c in ("item", "supplier", "country", "owner", "quantity", "share", "cost")]
    return a[[c for c in lead if c in a] + [c for c in a.columns if c not in lead]]


def workbook_bytes(s: Solved, folder: Path) -> bytes:
    """The plan workbook (``trustsource solve --format xlsx``), as bytes."""
    trust = kpis(s)["cost_of_trust"]
    path = write_plan_xlsx(s.plan, folder / "plan.xlsx", cost_of_trust=trust, instance=s.instance)
    return path.read_bytes()


def report_html(s: Solved) -> str:
    """The HTML report (``trustsource report``) of the plan, with its "before" plan."""
    return build_report(s.instance, s.plan, baseline=s.baseline)


def short_money(v: float | None, currency: str = "") -> str:
    """An amount for a KPI tile: ``4.63 bn USD`` (the exact amount is in :func:`money`)."""
    return "-" if v is None else compact_money(v, currency)


def money(v: float | None, currency: str = "") -> str:
    """An amount for a KPI: ``4,408,901,611 USD``, or ``-`` for none."""
    if v is None:
        return "-"
    return f"{v:,.0f} {currency}".strip()
