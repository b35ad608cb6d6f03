"""Stress test: lose one country (or site, or a named scenario) and re-optimise what is left.

:func:`stress` solves the instance for its optimal *plan*, then builds one scenario per country
that supplies in the plan (``lose="country"``), per site used (``lose="site"``; an offer without
a site is its own site and is named by its supplier id), or per named scenario, and re-solves.

How a scenario modifies the instance (on the document from :meth:`Instance.to_dict`):

* A scenario maps keys to *capacity factors* (``{"CN": 0.0}`` an export ban, ``{"AU": 0.5}`` a
  capacity cut). A key resolves like every country selector of the instance
  (:func:`trustsource.instance.scenarios.scenario_key_kind`): a bloc name first (the instance's
  own, else a built-in one; expanded to its countries, so ``{eu: 0}`` cuts every EU member),
  then a country code (upper-case; matched on a supplier's resolved *location* country), then a
  site id, then a supplier id. A key that names nothing is a located validation error, for the
  instance's ``scenarios`` when it is loaded and for the ``scenarios`` argument of :func:`stress`
  before any solve.
* Each affected supplier's capacity becomes ``factor x capacity``; each affected site's too. An
  unlimited capacity scaled by ``0 < factor < 1`` becomes ``factor x`` the item's supply in the
  plan. When the new capacity is below the offer's ``min_order`` the offer cannot be honoured and
  its capacity is 0 (``min_order`` is then cleared so the document stays valid).
* Shortfall is allowed on every item so that every scenario has an answer. An item's own
  ``shortfall_penalty`` is kept; otherwise the penalty per unit is
  ``10 x (highest landed unit price + largest fixed cost of one offer and its site)`` plus, per
  unit, the penalties of its bill-of-materials inputs (see :func:`default_penalties`). That is
  more than buying any still-available unit costs, so a shortfall means the capacity is gone.
* The instance's rules stay on (``keep_rules=True``): the re-optimised plan is still compliant.
  If a scenario is infeasible with the rules it is re-solved without them and its ``rules``
  column says ``dropped (infeasible with rules)``. With ``keep_rules=False`` rules are dropped.

The result lists, per scenario, status, total cost (with penalties), purchase cost (without
them), extra cost versus the plan, shortfall per item (quantity and share of demand), and flags a
*single point of failure* when any item runs short; rows are sorted worst shortfall first.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..errors import InstanceError, Issue
from ..instance.instance import Instance
from ..instance.overlays import ScenarioSpec
from ..instance.readers.safe_yaml import cut
from ..instance.scenarios import (
    ScenarioKey,
    apply_capacity,
    apply_scenario,
    scenario_key_issues,
)
from ..limits import MAX_COST, clip
from ..notebook import amount, card
from ..results.plan import Plan, json_records, json_value
from ..safe_writes import write_result_folder
from ..solve import solve
from ..status import Status
from .runner import Progress, solve_all

TOL = 1e-6
PENALTY_FACTOR = 10.0

SUMMARY_COLUMNS = [
    "scenario",
    "lost",
    "status",
    "rules",
    "cost",
    "purchase_cost",
    "extra_cost",
    "shortfall_cost",
    "total_shortfall",
    "worst_item",
    "worst_shortfall_share",
    "single_point_of_failure",
]


@dataclass
class StressResult:
    """Every scenario's re-optimised outcome (see the module docstring)."""

    instance_name: str
    currency: str
    lose: str
    plan: Plan
    summary: pd.DataFrame
    shortfalls: pd.DataFrame
    penalties: dict[str, float] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""

    @property
    def single_points_of_failure(self) -> list[str]:
        """Scenarios that leave some item short."""
        s = self.summary
        return list(s.loc[s["single_point_of_failure"].astype(bool), "scenario"])

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario (``summary``), worst shortfall first."""
        return self.summary.copy()

    def write(self, out_dir: str | Path) -> list[Path]:
        """stress.json, stress_scenarios.csv (the summary, a row per scenario),
        stress_shortfalls.csv and stress.xlsx, whole or not at all."""
        return write_result_folder(
            out_dir,
            "stress",
            self.to_dict(),
            {"scenarios": self.summary, "shortfalls": self.shortfalls},
        )

    def _repr_html_(self) -> str:
        return card(
            f"Stress test of {self.instance_name}",
            [
                ("plan", self.plan.status_text),
                ("cost", amount(self.plan.objective, self.currency)),
                ("scenarios", len(self.summary)),
                ("single points of failure", ", ".join(self.single_points_of_failure) or "none"),
            ],
            self.summary,
            f"lose each {self.lose} in turn (to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: plan status and cost, penalties, both tables, timings."""
        return {
            "instance": self.instance_name,
            "currency": self.currency,
            "lose": self.lose,
            "plan": {
                "status": self.plan.status.value,
                "objective": json_value(self.plan.objective),
            },
            "penalties": {k: json_value(v) for k, v in self.penalties.items()},
            "summary": _records(self.summary),
            "shortfalls": _records(self.shortfalls),
            "single_points_of_failure": self.single_points_of_failure,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "message": self.message,
        }

    def __repr__(self) -> str:
        head = f"StressResult({self.instance_name!r}: plan {self.plan.status.value}"
        if self.plan.objective is not None:
            head += f", cost {self.plan.objective:,.2f} {self.currency}"
        lines = [head + f", {len(self.summary)} scenarios, lose {self.lose})"]
        if self.message:
            lines.append(f"  {self.message}")
        for r in self.summary.to_dict("records"):
            if r["purchase_cost"] is None or math.isnan(r["purchase_cost"]):
                lines.append(f"  {r['scenario']}: {r['status']}")
                continue
            spof = "SINGLE POINT OF FAILURE, " if r["single_point_of_failure"] else ""
            short = "no shortfall"
            if r["total_shortfall"] > TOL:
                short = (
                    f"short {r['total_shortfall']:,.6g} (worst {r['worst_item']} "
                    f"{r['worst_shortfall_share']:.0%})"
                )
            lines.append(
                f"  {r['scenario']}: {spof}{short}, extra cost {r['extra_cost']:+,.2f}, "
                f"rules {r['rules']}"
            )
        return "\n".join(lines)

    __str__ = __repr__


def stress(
    instance: Instance,
    *,
    lose: Literal["country", "site"] = "country",
    scenarios: Mapping[str, Mapping[str, float]] | Literal["instance"] | None = None,
    keep_rules: bool = True,
    workers: int | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    progress: Progress | None = None,
) -> StressResult:
    """Solve the plan, then re-optimise under each loss scenario (see the module docstring).

    Args:
        instance: the instance (apply a variant first to stress it).
        lose: ``"country"`` (each country supplying in the plan) or ``"site"`` (each site used).
        scenarios: named scenarios ``{name: {country_site_supplier_or_bloc: factor}}``, or
            ``"instance"`` for the instance's own ``scenarios`` with every change they make
            (capacity, demand, price, blocs); when given they replace the automatic one-loss
            scenarios.
        keep_rules: keep the instance's rules in the re-solves (default) or drop them.
        workers: processes for the scenario solves (None: automatic, 1: serial).
        time_limit: seconds per solve.
        mip_rel_gap: relative MIP gap of every solve.
        progress: called with ``(done, total)`` as the scenario solves finish.

    Raises:
        ValueError: for an unknown ``lose``.
        InstanceError: for scenario keys that name nothing and factors outside [0, 1], all at
            once, each located (``scenarios.<name>.<key>``).
    """
    if lose not in ("country", "site"):
        raise ValueError(f"lose must be 'country' or 'site', got {lose!r}")
    specs: dict[str, ScenarioSpec] = {}
    if scenarios == "instance":
        specs = dict(instance.scenarios)  # validated with the instance
        scenarios = {name: dict(sc.capacity) for name, sc in specs.items()}
    elif scenarios is not None:
        check_scenarios(instance, scenarios)
    t0 = time.perf_counter()
    opts: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}
    plan = solve(instance, **opts)
    t_plan = time.perf_counter() - t0
    penalties = default_penalties(instance)
    empty = pd.DataFrame(columns=SUMMARY_COLUMNS)
    if not plan.has_solution or plan.objective is None:
        return StressResult(
            instance.name,
            instance.currency,
            lose,
            plan,
            empty,
            _empty_shortfalls(),
            penalties,
            {},
            {"total": t_plan},
            f"the plan is {plan.status.value}: nothing to stress (run `trustsource diagnose`)",
        )
    kinds: dict[str, ScenarioKey] = {}
    if scenarios is None:
        scenarios = {k: {k: 0.0} for k in used_units(plan, lose)}
        # The automatic keys are known units: resolved as what they are, not by name.
        site_ids = {s.id for s in instance.sites}
        kinds = {
            k: "country" if lose == "country" else ("site" if k in site_ids else "supplier")
            for k in scenarios
        }
    tasks = {
        (name,): scenario_document(
            instance,
            plan,
            factors,
            penalties,
            keep_rules,
            {k: kinds[k] for k in factors if k in kinds},
            specs.get(name),
        )
        for name, factors in scenarios.items()
    }
    results, n_workers = solve_all(
        tasks, opts, workers=workers, task_seconds=t_plan, progress=progress
    )
    rules_note = {
        name: "kept" if keep_rules and instance.rules else "dropped" for name in scenarios
    }
    if keep_rules and instance.rules:
        retry = {
            k: _without_rules(tasks[k])
            for k, p in results.items()
            if p.status in (Status.INFEASIBLE, Status.UNBOUNDED)
        }
        if retry:
            results.update(solve_all(retry, opts, workers=workers, task_seconds=t_plan)[0])
            for (name,) in retry:
                rules_note[name] = "dropped (infeasible with rules)"
    plans = {name: results[(name,)] for name in scenarios}
    rows, shorts = [], []
    for name, factors in scenarios.items():
        row, short = _scenario_rows(
            name, _changes(factors, specs.get(name)), plans[name], plan, rules_note[name]
        )
        rows.append(row)
        shorts.append(short)
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    summary = summary.sort_values(
        ["worst_shortfall_share", "total_shortfall", "extra_cost"],
        ascending=False,
        na_position="first",
        kind="stable",
    )
    order = {n: k for k, n in enumerate(summary["scenario"])}
    shortfalls = pd.concat(shorts, ignore_index=True) if shorts else _empty_shortfalls()
    if len(shortfalls):
        shortfalls = shortfalls.sort_values(
            ["scenario", "shortfall_share"],
            key=lambda c: c.map(order) if c.name == "scenario" else -c,
            kind="stable",
        ).reset_index(drop=True)
    timings = {
        "total": time.perf_counter() - t0,
        "plan": t_plan,
        "n_solves": float(1 + len(results)),
        "workers": float(n_workers),
    }
    return StressResult(
        instance.name,
        instance.currency,
        lose,
        plan,
        summary.reset_index(drop=True),
        shortfalls,
        penalties,
        plans,
        timings,
    )


def check_scenarios(instance: Instance, scenarios: Mapping[str, Mapping[str, float]]) -> None:
    """Refuse scenarios whose keys name nothing or whose factors are not in [0, 1].

    Raises:
        InstanceError: every problem at once, each located as ``scenarios.<name>.<key>``.
    """
    where = "stress(scenarios=...)"
    issues = scenario_key_issues(instance, scenarios, where, "scenarios.{scenario}.{key}")
    for name, factors in scenarios.items():
        for key, f in factors.items():
            if not isinstance(f, (int, float)) or isinstance(f, bool) or not 0 <= f <= 1:
                issues.append(
                    Issue(
                        where,
                        f"scenarios.{cut(str(name), 40)}.{cut(str(key), 40)}",
                        f"capacity factor must be a number in [0, 1] (0 = lost, "
                        f"0.5 = halved), got {clip(f)}",
                    )
                )
    if issues:
        raise InstanceError(issues)


def used_units(plan: Plan, lose: str) -> list[str]:
    """Countries (``lose="country"``) or sites (``"site"``) with supply in the plan, sorted."""
    a = plan.allocations
    a = a[a["quantity"] > TOL]
    if lose == "country":
        return sorted(set(a["country"]))
    sites = [s if isinstance(s, str) and s else sup for s, sup in zip(a["site"], a["supplier"])]
    return sorted(set(sites))


def default_penalties(instance: Instance) -> dict[str, float]:
    """Shortfall penalty per unit of each item (its own ``shortfall_penalty`` when set).

    ``10 x (highest unit price x (1 + largest tariff) + largest fixed cost of an offer plus its
    site)``, plus the penalties of the item's inputs per unit; at least 1 and at most
    ``limits.MAX_COST``.
    """
    tariff = 1.0 + max(instance.tariffs.values(), default=0.0)
    site_fixed = {s.id: s.fixed_cost for s in instance.sites}
    price: dict[str, float] = {it.id: 0.0 for it in instance.items}
    fixed: dict[str, float] = {it.id: 0.0 for it in instance.items}
    for s in instance.suppliers:
        p = (
            s.unit_cost
            if s.unit_cost is not None
            else max(b.price for b in s.price_tiers.breaks)
            if s.price_tiers
            else 0.0
        )
        price[s.item] = max(price[s.item], p * tariff)
        fixed[s.item] = max(fixed[s.item], s.fixed_cost + site_fixed.get(s.site or "", 0.0))
    items = {it.id: it for it in instance.items}
    out: dict[str, float] = {}

    def pen(i: str) -> float:
        if i not in out:
            own = items[i].shortfall_penalty
            base = PENALTY_FACTOR * (price[i] + fixed[i]) + sum(
                q * pen(j) for j, q in items[i].inputs.items()
            )
            # Capped at the largest cost validation accepts: the scenario is itself an instance.
            out[i] = own if own is not None else min(max(base, 1.0), MAX_COST)
        return out[i]

    for i in items:
        pen(i)
    return out


def scenario_document(
    instance: Instance,
    plan: Plan,
    factors: Mapping[str, float],
    penalties: Mapping[str, float],
    keep_rules: bool = True,
    kinds: Mapping[str, ScenarioKey] | None = None,
    spec: ScenarioSpec | None = None,
) -> dict[str, Any]:
    """The schema-1 document of one scenario: capacities scaled, shortfall allowed.

    A key resolves as :func:`trustsource.instance.scenarios.scenario_key_kind` says (bloc, country
    code, site, supplier), unless ``kinds`` names what it is (the automatic one-loss scenarios,
    whose keys are known sites or suppliers even where a bloc has the same name)."""
    doc = copy.deepcopy(instance.to_dict())
    doc.pop("variants", None)
    supply = dict(zip(plan.items["item"], plan.items["supply"])) if len(plan.items) else {}
    # An offer without a capacity of its own is cut from what the plan bought of its item.
    if spec is not None:
        apply_scenario(doc, instance, spec, supply)  # the instance's own: every change
    else:
        apply_capacity(doc, instance, factors, supply, kinds)
    for it in doc["items"]:
        it["shortfall_penalty"] = penalties[it["id"]]
    if not keep_rules:
        doc["rules"] = []
    doc["name"] = f"{instance.name} [stress: {', '.join(f'{k}x{v:g}' for k, v in factors.items())}]"
    return doc


def _purchase_cost(p: Plan) -> float:
    """Objective minus the shortfall penalties paid."""
    c = p.costs
    pen = float(c.loc[c["component"] == "shortfall", "cost"].sum()) if len(c) else 0.0
    return float(p.objective or 0.0) - pen


def _without_rules(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "rules": []}


def _changes(factors: Mapping[str, float], spec: ScenarioSpec | None) -> str:
    """What a scenario changes, in short: ``CN, AU x0.5, demand all x1.2, price JP x1.3``."""
    parts = [k if v == 0 else f"{k} x{v:g}" for k, v in factors.items()]
    if spec is not None:
        parts += _factors("demand", spec.demand) + _factors("price", spec.price)
        for bloc, ch in spec.blocs.items():
            moves = [f"-{c}" for c in ch.remove] + [f"+{c}" for c in ch.add]
            parts.append(f"{bloc} {' '.join(moves)}")
    return ", ".join(parts)


def _factors(label: str, factors: Mapping[str, float]) -> list[str]:
    """``price JP x1.3``, or for many keys one summary (``price x1.3 on 12 keys``)."""
    if len(factors) <= 3:
        return [f"{label} {k} x{v:g}" for k, v in factors.items()]
    lo, hi = min(factors.values()), max(factors.values())
    span = f"x{lo:g}" if lo == hi else f"x{lo:g}-{hi:g}"
    return [f"{label} {span} on {len(factors)} keys"]


def _scenario_rows(
    name: str, lost: str, p: Plan, plan: Plan, rules: str
) -> tuple[dict[str, Any], pd.DataFrame]:
    row: dict[str, Any] = {
        "scenario": name,
        "lost": lost,
        "status": p.status.value,
        "rules": rules,
        "cost": math.nan,
        "purchase_cost": math.nan,
        "extra_cost": math.nan,
        "shortfall_cost": math.nan,
        "total_shortfall": math.nan,
        "worst_item": None,
        "worst_shortfall_share": math.nan,
        "single_point_of_failure": False,
    }
    if not p.has_solution or p.objective is None:
        return row, _empty_shortfalls()
    purchase = _purchase_cost(p)
    penalty = float(p.objective) - purchase
    # A periodic plan has a row per item and period: compare each with the same period's.
    keys = ["period", "item"] if "period" in p.items else ["item"]
    base_short = plan.items.set_index(keys)["shortfall"]
    items = p.items
    before = base_short.reindex(
        pd.MultiIndex.from_frame(items[keys]) if len(keys) > 1 else items["item"]
    )
    extra = items["shortfall"] - before.fillna(0.0).to_numpy()
    share = [e / d if d > 0 else 0.0 for e, d in zip(extra, items["demand"])]
    short = pd.DataFrame(
        {
            "scenario": name,
            **({"period": items["period"]} if len(keys) > 1 else {}),
            "item": items["item"],
            "unit": items["unit"],
            "demand": items["demand"],
            "shortfall": extra,
            "shortfall_share": share,
        }
    )
    short = short[short["shortfall"] > TOL].reset_index(drop=True)
    row.update(
        cost=p.objective,
        purchase_cost=purchase,
        extra_cost=purchase - _purchase_cost(plan),
        shortfall_cost=penalty,
        total_shortfall=float(short["shortfall"].sum()),
        worst_shortfall_share=float(short["shortfall_share"].max()) if len(short) else 0.0,
        single_point_of_failure=bool(len(short)),
    )
    if len(short):
        row["worst_item"] = short.at[short["shortfall_share"].idxmax(), "item"]
    return row, short


def _empty_shortfalls() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["scenario", "item", "unit", "demand", "shortfall", "shortfall_share"]
    )


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json_records(df)
