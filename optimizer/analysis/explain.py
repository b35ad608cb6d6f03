"""Explain a plan: what each trust rule costs, the cost of trust, and marginal prices of shares.

:func:`explain` answers a policy analyst's first question, "what does this rule cost?", in rule
names and in the instance's currency:

* **price of a rule**: the plan's cost minus the cost of the same instance with that rule dropped
  (and likewise for each rule *family*, every rule of one ``kind`` dropped together);
* **cost of trust**: the plan's cost minus the cost with no rule at all (the baseline);
* **marginal cost of one percentage point** for share rules (``country_cap``, ``bloc_share``,
  ``supplier_cap``, ``exit_clause``, ``exit`` coverage, ``hhi_cap``), per rule and item, in two
  ways: (a) from the LP with every integer decision fixed at the plan (HiGHS gives no duals for a
  MIP), and (b) by re-solving the MIP with that rule's limit 1 pp tighter on that item. They
  differ when tightening changes an integer decision (a supplier qualified or dropped, a site
  opened) or when the LP price itself changes within the 1-pp step (a price tier or another limit
  is reached); the ``note`` column says which.

Every number comes from ordinary :func:`trustsource.solve` runs on modified copies of the
instance (built with :meth:`trustsource.Instance.from_dict` from ``instance.to_dict()``), so each
can be reproduced independently. Re-solves run in parallel worker processes when that helps
(``workers``); each worker receives the instance as a plain dict.

Sign conventions: a price is ``cost_with - cost_without`` (>= 0 up to the MIP gap: dropping a
rule never makes the optimum dearer); a marginal cost is the extra cost of tightening by 1 pp
(>= 0; ``inf`` when 1 pp tighter is infeasible). For ``hhi_cap`` "1 pp" is 100 HHI points, one
percentage point of the 0-10,000 scale.

Proof: every price, the cost of trust and every re-solve marginal carries the statuses and gaps
of the two solves behind it, and the interval ``[low, high]`` their bounds (incumbent and dual
bound of each) allow. A difference is *proven* when both solves are optimal (within the
requested gap); otherwise its point value is NaN (JSON null) and only the interval is reported,
so a solve stopped by a time limit never shows up as a plain (possibly negative) price.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..instance.instance import Instance
from ..model.build import ExitForm
from ..notebook import amount, card
from ..results.plan import Plan
from ..results.tables import basis_column
from ..safe_writes import write_result_folder
from ..solve import Backend, solve_detailed
from ..solve.blocks import Reuse
from ..status import Status
from ..verify import verify_plan
from .explain_common import (
    FAMILY_COLUMNS,
    MARGINAL_COLUMNS,
    MARGINAL_KINDS,
    RULE_COLUMNS,
    _json,
    _marginal_sentence,
    _ratio,
    _records,
    _rule_sentence,
    binding_texts,
    difference,
    display_country,
    gap_of,
    gap_pct,
    is_plain,
    money,
    pct,
    range_text,
    unproven_text,
)
from .marginals import _finish_marginals, _marginal_rows, lp_marginals
from .runner import Progress, solve_all

logger = logging.getLogger(__name__)

__all__ = ["MARGINAL_KINDS", "Explanation", "explain"]


@dataclass
class Explanation:
    """What each rule of an instance costs; returned by :func:`explain`.

    Attributes:
        base: the plan with every rule (what :func:`trustsource.solve` returns).
        baseline_cost: the cost of the plan with no rule at all (None if not solved).
        cost_of_trust: ``base.objective - baseline_cost`` when both solves are optimal; None
            when either is not proven (then read ``cost_of_trust_low``/``_high``).
        cost_of_trust_low, cost_of_trust_high: the interval the bounds of the two solves allow.
        cost_of_trust_proven: both solves optimal.
        baseline_status, baseline_gap: the status and gap of the solve with no rule.
        baseline_plan: that solve's plan (the "before" of a report), None without a plan.
        rules: one row per rule: ``rule``, ``kind``, ``cost_with`` (the plan's cost),
            ``cost_without`` (the cost with that rule dropped), ``price`` (their difference;
            NaN unless proven), ``price_share`` (price / cost_with), ``price_low`` and
            ``price_high`` (the interval the bounds allow), ``proven``, ``status_with``,
            ``gap_with``, ``status_without``, ``gap_without`` (the two solves),
            ``binding_items`` (items where the plan meets the rule's limit, comma-separated),
            ``binding_text`` (how it binds, in words, e.g. that it forces demand to go unmet)
            and ``effect_without`` (what the plan without the rule does that the rule forbids).
        families: one row per rule kind: ``kind``, ``rules``, ``cost_without`` (all rules of
            the kind dropped together), ``price``, ``price_share`` and the proof columns.
        marginal: one row per share rule, item and bound: ``rule``, ``kind``, ``item``,
            ``scope`` (the country, supplier or bloc at the limit), ``sense`` (``max``/``min``),
            ``limit``, ``tightened_limit``, ``binding``, ``lp_marginal_per_pp`` (from the duals
            of the LP with integer decisions fixed), ``lp_status``/``lp_gap`` (of the MIP whose
            integers were fixed), ``resolve_marginal_per_pp`` (from a MIP re-solve, ``inf`` if
            infeasible, NaN unless proven), ``resolve_low``/``resolve_high``, ``proven``,
            ``status_plan``/``gap_plan``, ``status_tightened``/``gap_tightened``,
            ``cost_tightened``, ``note``.
        currency: currency of every cost.
        instance_name: the instance explained.
        options: the options of the analysis.
        timings: seconds: ``total``, ``base``, ``lp``, ``resolves``; ``n_solves``.
        message: why the tables are empty (no plan), or empty.
    """

    base: Plan
    baseline_cost: float | None = None
    cost_of_trust: float | None = None
    cost_of_trust_low: float | None = None
    cost_of_trust_high: float | None = None
    cost_of_trust_proven: bool = False
    baseline_status: str = ""
    baseline_gap: float | None = None
    baseline_plan: Plan | None = None
    rules: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RULE_COLUMNS))
    families: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FAMILY_COLUMNS))
    marginal: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MARGINAL_COLUMNS))
    currency: str = ""
    instance_name: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""

    @property
    def cost(self) -> float | None:
        """The plan's cost (``base.objective``)."""
        return self.base.objective

    def to_frame(self) -> pd.DataFrame:
        """The price of each rule (``rules``)."""
        return self.rules.copy()

    def write(self, out_dir: str | Path) -> list[Path]:
        """explain.json, explain_rules.csv, explain_families.csv, explain_marginal.csv and
        explain.xlsx (a summary sheet, then the three tables formatted), whole or not at all."""
        return write_result_folder(
            out_dir,
            "explain",
            self.to_dict(),
            {"rules": self.rules, "families": self.families, "marginal": self.marginal},
        )

    def _repr_html_(self) -> str:
        return card(
            f"Explanation of {self.instance_name}",
            [
                ("plan", self.base.status_text),
                ("cost", amount(self.base.objective, self.currency)),
                ("cost without rules", amount(self.baseline_cost, self.currency)),
                ("cost of trust", amount(self.cost_of_trust, self.currency)),
                ("proven", self.cost_of_trust_proven),
            ],
            self.rules,
            "the price of each rule (to_frame()); marginal costs: .marginal",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the headline numbers and the three tables as lists of records."""
        return {
            "instance": self.instance_name,
            "instance_hash": self.base.instance_hash,
            "currency": self.currency,
            "status": self.base.status.value,
            "cost": _json(self.base.objective),
            "mip_gap": _json(gap_of(self.base)),
            "bound": _json(self.base.bound),
            "baseline_cost": _json(self.baseline_cost),
            "baseline_status": self.baseline_status,
            "baseline_gap": _json(self.baseline_gap),
            "cost_of_trust": _json(self.cost_of_trust),
            "cost_of_trust_share": _json(_ratio(self.cost_of_trust, self.base.objective)),
            "cost_of_trust_low": _json(self.cost_of_trust_low),
            "cost_of_trust_high": _json(self.cost_of_trust_high),
            "cost_of_trust_proven": self.cost_of_trust_proven,
            "message": self.message,
            "options": self.options,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "rules": _records(self.rules),
            "families": _records(self.families),
            "marginal": _records(self.marginal),
        }

    def summary_lines(self) -> list[str]:
        """The explanation in sentences (what ``repr`` shows), one per line."""
        cur = self.currency
        head = f"Explanation of {self.instance_name!r}: {self.base.status.value}"
        if self.base.objective is None:
            return [head, f"  {self.message}"] if self.message else [head]
        lines = [f"{head}, plan cost {money(self.base.objective, cur)}"]
        if self.base.status is not Status.OPTIMAL:
            lo, hi = self.base.bound, self.base.objective
            lines.append(
                f"  the plan is not proven optimal: the solve stopped at a "
                f"{gap_pct(gap_of(self.base))} gap; the optimum lies "
                f"{range_text(0.0 if lo is None else lo, hi, cur)}"
            )
        lines.extend("  " + t for t in self.cost_of_trust_lines())
        for r in self.rules.itertuples():
            lines.append("  " + _rule_sentence(r, cur))
        shown = (
            self.marginal[self.marginal["binding"].astype(bool)]
            if len(self.marginal)
            else self.marginal
        )
        if len(shown):
            lines.append("  one percentage point tighter costs:")
            for m in shown.itertuples():
                lines.append("    " + _marginal_sentence(m, cur))
        if self.message:
            lines.append(f"  {self.message}")
        return lines

    def cost_of_trust_lines(self) -> list[str]:
        """The cost of trust in words: the number when proven, else the interval and why."""
        cur = self.currency
        if self.baseline_cost is None and self.cost_of_trust_low is None:
            return []
        if self.cost_of_trust is not None and is_plain(
            self.cost_of_trust, self.cost_of_trust_proven, self.base.objective or 0.0
        ):
            return [
                f"cost of trust {money(self.cost_of_trust, cur)} "
                f"({pct(_ratio(self.cost_of_trust, self.base.objective))} of the plan): "
                f"without any rule the cheapest plan costs {money(self.baseline_cost, cur)}"
            ]
        if self.cost_of_trust_low is None:
            return [
                f"cost of trust unknown: the solve without any rule ended {self.baseline_status}"
            ]
        words = unproven_text(
            [
                ("the plan", self.base.status.value, gap_of(self.base)),
                ("without any rule", self.baseline_status, self.baseline_gap),
            ],
            self.cost_of_trust_low,
            self.cost_of_trust_high or math.inf,
            cur,
            what="cost of trust",
        )
        return [f"cost of trust {words}"]

    def __repr__(self) -> str:
        return "\n".join(self.summary_lines())


# --- formatting ------------------------------------------------------------------------------


def explain(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    workers: int | None = None,
    threads: int | None = None,
    exit_form: ExitForm = "auto",
    marginals: bool = True,
    backend: Backend = "highspy",
    highs_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> Explanation:
    """Price every rule and rule family of ``instance``, and the marginal cost of share limits.

    Args:
        instance: a validated instance.
        time_limit: seconds for *each* solve (None: no limit).
        mip_rel_gap: relative MIP gap of each solve. Prices and marginals are differences of
            optimal costs, so a difference below the gap times the cost is solver tolerance;
            use 0 to prove every optimum.
        workers: processes for the re-solves; None starts up to 4 when the work is large
            enough to repay starting them on idle cores
            (:func:`trustsource.analysis.runner.plan_workers`), else runs them in this process;
            1 always runs serially. A script that passes ``workers > 1`` must guard its entry
            point with ``if __name__ == "__main__":`` (processes are spawned).
        threads: HiGHS threads per solve (None: HiGHS's default in this process, 1 in workers).
        exit_form: formulation of ``exit`` rules, as in :func:`trustsource.solve`.
        marginals: also compute the marginal cost per percentage point (the LP duals and a
            re-solve per share rule and item); False prices whole rules only.
        backend: how each solve hands the model to HiGHS, as in :func:`trustsource.solve`
            (the LP duals always use highspy).
        progress: called with ``(done, total)`` as the re-solves finish (a progress bar).
        highs_options: further HiGHS options for each solve (e.g. a node limit), passed
            through to :func:`trustsource.solve`.

    Returns:
        An :class:`Explanation`. If the instance itself has no plan (infeasible, or no solution
        within the time limit), the tables are empty and ``base.status`` says why; run
        ``trustsource.diagnose`` on an infeasible instance.
    """
    t0 = time.perf_counter()
    opts: dict[str, Any] = {
        "time_limit": time_limit,
        "mip_rel_gap": mip_rel_gap,
        "threads": threads,
        "exit_form": exit_form,
    }
    # Only what differs from solve's defaults, so the recorded options stay as they were.
    if backend != "highspy":
        opts["backend"] = backend
    if highs_options:
        opts["highs_options"] = dict(highs_options)
    options = {**opts, "workers": workers, "marginals": marginals}
    # One block store for the base and every re-solve run here: a re-solve answers the blocks
    # (independent items) its change does not touch from the solves before it.
    reuse = Reuse()
    solved = solve_detailed(instance, **opts, reuse=reuse)
    base = solved.plan
    t_base = time.perf_counter() - t0
    out = Explanation(
        base=base, currency=instance.currency, instance_name=instance.name, options=options
    )
    if not base.has_solution or base.objective is None:
        out.message = f"no plan to explain ({base.status.value}): " + (
            "run `trustsource diagnose` to see which rules conflict"
            if base.status is Status.INFEASIBLE
            else base.message
        )
        out.timings = {"total": time.perf_counter() - t0, "base": t_base, "n_solves": 1}
        return out

    doc = instance.to_dict()
    doc.pop("variants", None)
    rules = list(instance.rules)
    names = [r.name or r.kind for r in rules]

    # Drop sets: each rule, each family, all rules; identical sets are solved once.
    drops: dict[frozenset[str], dict[str, Any]] = {}
    for name in names:
        drops.setdefault(frozenset([name]), _without(doc, {name}))
    kinds = list(dict.fromkeys(r.kind for r in rules))
    family_names = {k: [n for n, r in zip(names, rules) if r.kind == k] for k in kinds}
    for k in kinds:
        drops.setdefault(frozenset(family_names[k]), _without(doc, set(family_names[k])))
    if names:
        drops.setdefault(frozenset(names), _without(doc, set(names)))
    tasks: dict[tuple[Any, ...], dict[str, Any]] = {("drop", key): d for key, d in drops.items()}

    # Tightened copies for the marginals, unless the plan already meets the tighter limit.
    marg_rows: list[dict[str, Any]] = []
    validated: dict[tuple[Any, ...], Instance] = {}
    if marginals:
        marg_rows = _marginal_rows(instance, base, doc, tasks, validated)
    # A tightened re-solve is read for its cost and what it changes: awards and sites suffice.
    lean = {key: {"tables": ("allocations", "sites")} for key in validated}

    t1 = time.perf_counter()
    results, n_workers = solve_all(
        tasks,
        opts,
        workers=workers,
        task_seconds=t_base,
        progress=progress,
        reuse=reuse,
        validated=validated,
        task_options=lean,
    )
    t_resolves = time.perf_counter() - t1

    t2 = time.perf_counter()
    lp: dict[tuple[str, str, str], tuple[float, list[str]]] = {}
    lp_note = ""
    lp_info: dict[str, Any] = {}
    if marginals and marg_rows and instance.periods:
        # The LP duals price one period's row; over the horizon the re-solves price the path.
        lp_note = "periodic instance: each marginal re-solves with the limit moved in every period"
    elif marginals and marg_rows:
        lp, lp_note = lp_marginals(
            instance,
            base,
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            threads=threads,
            exit_form=exit_form,
            solve_info=lp_info,
            solved=solved,
        )
    t_lp = time.perf_counter() - t2

    cost = float(base.objective)
    rule_rows = []
    binding = _binding_items(base)
    how = binding_texts(base)
    for rule, name in zip(rules, names):
        without = results[("drop", frozenset([name]))]
        rule_rows.append(
            _price_row(
                name,
                rule.kind,
                base,
                without,
                binding.get(name, ""),
                how.get(name, ""),
                _effect_without(instance, rule, name, without),
            )
        )
    fam_rows = []
    for k in kinds:
        without = results[("drop", frozenset(family_names[k]))]
        row = _price_row(k, k, base, without, "", "", "")
        fam_rows.append(
            {
                "kind": k,
                "rules": ", ".join(family_names[k]),
                **{c: row[c] for c in FAMILY_COLUMNS if c in row and c != "kind"},
            }
        )
    baseline = results[("drop", frozenset(names))] if names else base
    out.baseline_cost = baseline.objective if baseline.has_solution else None
    out.baseline_status = baseline.status.value
    out.baseline_gap = gap_of(baseline)
    out.baseline_plan = baseline if baseline.has_solution else None
    # Without rules the baseline is the plan itself: the cost of trust is 0, proven or not.
    trust = difference(base, baseline) if names else {"low": 0.0, "high": 0.0, "proven": True}
    out.cost_of_trust_proven = bool(trust["proven"])
    if not math.isnan(trust["low"]):
        out.cost_of_trust_low, out.cost_of_trust_high = trust["low"], trust["high"]
    if trust["proven"] and out.baseline_cost is not None:
        out.cost_of_trust = cost - out.baseline_cost
    out.rules = pd.DataFrame(rule_rows, columns=RULE_COLUMNS)
    out.families = pd.DataFrame(fam_rows, columns=FAMILY_COLUMNS)
    out.marginal = _finish_marginals(
        marg_rows, results, lp, lp_note, base, cost, (lp_info.get("status", ""), lp_info.get("gap"))
    )
    out.timings = {
        "total": time.perf_counter() - t0,
        "base": t_base,
        "resolves": t_resolves,
        "lp": t_lp,
        "n_solves": 1 + len(tasks) + (1 if lp or lp_note else 0),
        "workers": n_workers,
    }
    return out


def _without(doc: dict[str, Any], drop: set[str]) -> dict[str, Any]:
    """The document with the named rules removed."""
    out = dict(doc)
    out["rules"] = [r for r in doc.get("rules", []) if r.get("name", r.get("kind")) not in drop]
    return out


def _price_row(
    name: str, kind: str, base: Plan, without: Plan, binding: str, how: str, effect: str
) -> dict[str, Any]:
    """One priced rule (or family): the two costs, the proven price or only its interval."""
    cost = float(base.objective) if base.objective is not None else math.nan
    cw = without.objective if without.has_solution and without.objective is not None else None
    d = difference(base, without)
    # A price from unproven solves is not a number anyone should quote: NaN, with its interval.
    price = cost - cw if d["proven"] and cw is not None else math.nan
    return {
        "rule": name,
        "kind": kind,
        "cost_with": cost,
        "cost_without": math.nan if cw is None else cw,
        "price": price,
        "price_share": math.nan if math.isnan(price) else (_ratio(price, cost) or 0.0),
        "price_low": d["low"],
        "price_high": d["high"],
        "proven": bool(d["proven"]),
        "status_with": d["status_with"],
        "gap_with": d["gap_with"],
        "status_without": d["status_without"],
        "gap_without": d["gap_without"],
        "binding_items": binding,
        "binding_text": how,
        "effect_without": effect,
    }


def _binding_items(plan: Plan) -> dict[str, str]:
    """Rule name -> comma-separated items where the plan meets the rule's limit exactly."""
    rep = plan.rules
    if not len(rep):
        return {}
    hit = rep[rep["binding"].astype(bool)]
    return {
        str(rule): ", ".join(dict.fromkeys(str(i) for i in grp["item"]))
        for rule, grp in hit.groupby("rule", sort=False)
    }


def _effect_without(inst: Instance, rule: Any, name: str, without: Plan, limit: int = 3) -> str:
    """What the plan without ``rule`` does that the rule forbids, in words (from the verifier)."""
    if not without.has_solution:
        return ""
    found = [v for v in verify_plan(inst, without) if v.rule == name]
    if not found:
        return ""
    alloc = without.allocations
    influence = getattr(rule, "basis", "location") == "influence"
    basis = "country" if influence else basis_column(alloc, getattr(rule, "basis", "location"))
    units = {it.id: it.unit for it in inst.items}
    by_cost = getattr(rule, "measure", None) == "cost"
    amount = "variable_cost" if by_cost else "quantity"  # a rule on cost shares reads cost
    supply = alloc.groupby("item")[amount].sum()
    parts: list[str] = []
    if inst.periods:  # the verifier's own words, each naming its period
        parts = list(dict.fromkeys(v.message.replace(f" ({name})", "") for v in found))
        found = []
    for v in found:
        t = float(supply.get(v.item, 0.0))
        if influence:  # the verifier names the supplier and how much the countries hold
            parts.append(v.message.replace(f" ({name})", ""))
        elif rule.kind in ("country_cap", "bloc_share") and v.subject and t > 0:
            members = inst.countries_of([v.subject]) if rule.kind == "bloc_share" else {v.subject}
            share = (
                float(
                    alloc.loc[(alloc["item"] == v.item) & alloc[basis].isin(members), amount].sum()
                )
                / t
            )
            who = display_country(v.subject) if rule.kind == "country_cap" else v.subject
            verb = (
                "falls" if rule.kind == "bloc_share" and share < (rule.min_share or 0) else "rises"
            )
            what = "cost share" if by_cost else "share"
            parts.append(f"{who}'s {what} of {v.item} {verb} to {pct(share)}")
        elif rule.kind == "ban" and v.subject:
            role = {"country": "located in", "control": "controlled from"}.get(basis, "owned from")
            parts.append(
                f"{v.excess:,.6g} {units.get(v.item or '', '')} of {v.item} come from "
                f"suppliers {role} {display_country(v.subject)}"
            )
        else:
            parts.append(v.message.replace(f" ({name})", ""))
    more = f" (and {len(parts) - limit} more)" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


# --- marginal costs --------------------------------------------------------------------------
