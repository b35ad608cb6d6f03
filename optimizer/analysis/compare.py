"""Side-by-side comparison of an instance's baseline rules and its named variants.

:func:`compare` solves the instance as given (the *baseline*) and each named variant (default:
every variant the instance defines) with the same solver options, serially or in spawned worker
processes (:mod:`trustsource.analysis.parallel`), and returns a :class:`Comparison`:

* ``summary``: one row per scenario (baseline first): status, the status in words
  (``status_text``: "optimal, 8.59 bn USD penalty for unmet demand (...)" when demand is left
  unmet), cost split into ``purchase_cost`` (what is bought) and ``shortfall_penalty`` (what unmet
  demand is charged), the items short and the worst of them (``shortfall_items``,
  ``worst_shortfall_item``, ``worst_shortfall``, ``worst_shortfall_share``), difference from the
  baseline (absolute and relative, and of the purchase cost alone), the largest HHI over items,
  the largest top-country share (and its item and country), the binding rules and the number of
  awarded suppliers;
* ``items``: one row per (scenario, item): demand, supply, shortfall (quantity, share of demand
  and penalty), HHI, top country and its share;
* ``plans``: every :class:`~trustsource.results.plan.Plan`, by scenario name.

A variant whose plan has no solution (for example infeasible) keeps its status and has no cost
and no difference.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..instance.instance import Instance
from ..notebook import card
from ..results.plan import Plan, json_records
from ..safe_writes import write_result_folder
from ..solve import solve
from .runner import Progress, solve_all

BASELINE = "baseline"

SUMMARY_COLUMNS = [
    "variant",
    "status",
    "status_text",
    "cost",
    "purchase_cost",
    "shortfall_penalty",
    "shortfall_items",
    "worst_shortfall_item",
    "worst_shortfall",
    "worst_shortfall_share",
    "diff",
    "diff_pct",
    "purchase_diff",
    "max_hhi",
    "max_hhi_item",
    "max_top_share",
    "top_item",
    "top_country",
    "binding_rules",
    "n_binding",
    "n_awarded",
    "n_rules",
    "description",
]
ITEM_COLUMNS = [
    "item",
    "unit",
    "demand",
    "supply",
    "shortfall",
    "shortfall_share",
    "shortfall_penalty",
    "hhi",
    "top_country",
    "top_share",
    "n_suppliers",
    "n_countries",
]


@dataclass
class Comparison:
    """The baseline and each variant solved side by side (see the module docstring)."""

    instance_name: str
    currency: str
    summary: pd.DataFrame
    items: pd.DataFrame
    plans: dict[str, Plan] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def baseline(self) -> Plan:
        """The plan under the instance's own rules."""
        return self.plans[BASELINE]

    def to_frame(self) -> pd.DataFrame:
        """One row per variant (``summary``)."""
        return self.summary.copy()

    def write(self, out_dir: str | Path) -> list[Path]:
        """compare.json, compare_variants.csv (the summary, a row per variant),
        compare_items.csv and compare.xlsx, whole or not at all."""
        return write_result_folder(
            out_dir, "compare", self.to_dict(), {"variants": self.summary, "items": self.items}
        )

    def _repr_html_(self) -> str:
        return card(
            f"Comparison of {self.instance_name}",
            [("variants", len(self.summary))],
            self.summary,
            "the baseline and each variant (to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: instance, currency, the two tables as records, timings."""
        return {
            "instance": self.instance_name,
            "currency": self.currency,
            "summary": _records(self.summary),
            "items": _records(self.items),
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
        }

    def __repr__(self) -> str:
        lines = [
            f"Comparison({self.instance_name!r}: baseline and "
            f"{len(self.summary) - 1} variants, {self.currency})"
        ]
        for r in self.summary.to_dict("records"):
            if r["cost"] is None or (isinstance(r["cost"], float) and math.isnan(r["cost"])):
                lines.append(f"  {r['variant']}: {r['status']}")
                continue
            diff = (
                ""
                if r["variant"] == BASELINE
                else f" ({_signed(r['diff'])}, {_pct(r['diff_pct'])})"
            )
            split = (
                f" = purchase {r['purchase_cost']:,.2f}"
                f" + shortfall penalty {r['shortfall_penalty']:,.2f}"
                if r["shortfall_items"] > 0
                else ""
            )
            lines.append(
                f"  {r['variant']}: {r['status_text']}, cost {r['cost']:,.2f}{split}{diff}, "
                f"max HHI {r['max_hhi']:,.0f}, top {r['top_country']} {r['max_top_share']:.0%} "
                f"({r['top_item']}), {r['n_awarded']} awarded, binding: "
                f"{r['binding_rules'] or '-'}"
            )
        return "\n".join(lines)

    __str__ = __repr__


def compare(
    instance: Instance,
    variants: list[str] | None = None,
    *,
    workers: int | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    progress: Progress | None = None,
) -> Comparison:
    """Solve the baseline and each named variant (default: all) and tabulate them.

    Args:
        instance: the instance; its own rules are the baseline.
        variants: names of variants to compare (default: every variant of the instance).
        workers: processes for the variant solves (None: automatic, 1: serial).
        time_limit: seconds per solve (None: no limit).
        mip_rel_gap: relative MIP gap of every solve.
        progress: called with ``(done, total)`` as the variant solves finish.

    Raises:
        InstanceError: when a name is not a variant of the instance.
    """
    t0 = time.perf_counter()
    names = list(instance.variants) if variants is None else list(variants)
    docs = {name: instance.variant(name).to_dict() for name in names}  # validates every name
    opts: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}
    base = solve(instance, **opts)
    t_base = time.perf_counter() - t0
    tasks = {(n,): d for n, d in docs.items()}
    results, n_workers = solve_all(
        tasks, opts, workers=workers, task_seconds=t_base, progress=progress
    )
    plans = {BASELINE: base, **{n: results[(n,)] for n in names}}
    descriptions = {n: instance.variants[n].description or "" for n in names}
    descriptions[BASELINE] = "the instance's own rules"
    summary = pd.DataFrame(
        [_summary_row(name, plan, base, descriptions[name]) for name, plan in plans.items()],
        columns=SUMMARY_COLUMNS,
    )
    items = pd.concat([_item_rows(name, plan) for name, plan in plans.items()], ignore_index=True)
    timings = {
        "total": time.perf_counter() - t0,
        "baseline": t_base,
        "n_solves": float(len(plans)),
        "workers": float(n_workers),
    }
    return Comparison(instance.name, instance.currency, summary, items, plans, timings)


def _summary_row(name: str, plan: Plan, base: Plan, description: str) -> dict[str, Any]:
    n_rules = int(plan.rules["rule"].nunique()) if len(plan.rules) else 0
    row: dict[str, Any] = {
        "variant": name,
        "status": plan.status.value,
        "status_text": plan.status_text,
        "cost": math.nan,
        **plan.shortfall_summary(),
        "diff": math.nan,
        "diff_pct": math.nan,
        "purchase_diff": math.nan,
        "max_hhi": math.nan,
        "max_hhi_item": None,
        "max_top_share": math.nan,
        "top_item": None,
        "top_country": None,
        "binding_rules": "",
        "n_binding": 0,
        "n_awarded": 0,
        "n_rules": n_rules,
        "description": description,
    }
    if not plan.has_solution or plan.objective is None:
        return row
    row["cost"] = plan.objective
    if base.has_solution and base.objective is not None:
        row["diff"] = plan.objective - base.objective
        row["diff_pct"] = row["diff"] / base.objective if base.objective else math.nan
        row["purchase_diff"] = float(plan.purchase_cost or 0.0) - float(base.purchase_cost or 0.0)
    items = plan.items
    if len(items):
        # A periodic plan has a row per item and period: name the period of the worst.
        label = (
            items["item"] + " (" + items["period"].astype(str) + ")"
            if "period" in items
            else items["item"]
        )
        k = items["hhi"].idxmax()
        # the value at idxmax is the column's max (both skip NaN)
        row["max_hhi"], row["max_hhi_item"] = float(items["hhi"].max()), label.at[k]
        k = items["top_share"].idxmax()
        row["max_top_share"] = float(items["top_share"].max())
        row["top_item"], row["top_country"] = label.at[k], items.at[k, "top_country"]
    rules = plan.rules
    binding = sorted(set(rules.loc[rules["binding"].astype(bool), "rule"])) if len(rules) else []
    row["binding_rules"], row["n_binding"] = ", ".join(binding), len(binding)
    alloc = plan.allocations
    # Offers awarded at all (in any period of a periodic plan).
    row["n_awarded"] = (
        int(alloc.loc[alloc["quantity"] > 0, "supplier"].nunique()) if len(alloc) else 0
    )
    return row


def _item_rows(name: str, plan: Plan) -> pd.DataFrame:
    if not plan.has_solution or not len(plan.items):
        return pd.DataFrame(columns=["variant", *ITEM_COLUMNS])
    items = plan.items
    sh = plan.shortfalls.set_index("item")
    demand = items["demand"].astype(float)
    out = items.assign(
        shortfall_share=(items["shortfall"] / demand.where(demand > 0)).fillna(0.0),
        shortfall_penalty=items["item"].map(sh["penalty"]).fillna(0.0).astype(float),
    )[ITEM_COLUMNS].copy()
    out.insert(0, "variant", name)
    return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json_records(df)


def _signed(v: float) -> str:
    return f"{v:+,.2f}"


def _pct(v: float) -> str:
    return "-" if v is None or math.isnan(v) else f"{100 * v:+.1f} %"
