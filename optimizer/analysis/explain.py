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
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from trustsource.countries import country_name
from trustsource.errors import InstanceError
from trustsource.instance import Instance
from trustsource.model.build import ExitForm, build_model
from trustsource.results.plan import Plan
from trustsource.solve import solve
from trustsource.status import Status

logger = logging.getLogger(__name__)

__all__ = ["MARGINAL_KINDS", "Explanation", "explain"]

STEP = 0.01
"""One percentage point of a share limit."""
HHI_STEP = 100.0
"""One percentage point of the HHI scale (0-10,000), in HHI points."""

MARGINAL_KINDS = ("country_cap", "bloc_share", "supplier_cap", "exit_clause", "exit", "hhi_cap")
"""Rule kinds whose limit is a share (or an HHI): these get marginal costs per point."""

# (rule kind, bound) -> (key of the limit in the rule, direction that tightens, step, upper end)
_LIMITS: dict[tuple[str, str], tuple[str, int, float, float]] = {
    ("country_cap", "max"): ("max_share", -1, STEP, 1.0),
    ("supplier_cap", "max"): ("max_share", -1, STEP, 1.0),
    ("exit_clause", "max"): ("max_share_without", -1, STEP, 1.0),
    ("bloc_share", "max"): ("max_share", -1, STEP, 1.0),
    ("bloc_share", "min"): ("min_share", +1, STEP, 1.0),
    ("exit", "min"): ("coverage", +1, STEP, 1.0),
    ("hhi_cap", "max"): ("max_hhi", -1, HHI_STEP, 10_000.0),
}

_AUTO_PARALLEL_SECONDS = 4.0  # below this much estimated serial work, processes cost more
_MAX_HHI_ITERATIONS = 200

RULE_COLUMNS = ["rule", "kind", "cost_with", "cost_without", "price", "price_share",
                "status_without", "binding_items", "effect_without"]
FAMILY_COLUMNS = ["kind", "rules", "cost_without", "price", "price_share", "status_without"]
MARGINAL_COLUMNS = ["rule", "kind", "item", "scope", "sense", "limit", "tightened_limit",
                    "binding", "lp_marginal_per_pp", "resolve_marginal_per_pp", "cost_tightened",
                    "note"]


@dataclass
class Explanation:
    """What each rule of an instance costs; returned by :func:`explain`.

    Attributes:
        base: the plan with every rule (what :func:`trustsource.solve` returns).
        baseline_cost: the optimal cost with no rule at all (None if not solved).
        cost_of_trust: ``base.objective - baseline_cost``.
        rules: one row per rule: ``rule``, ``kind``, ``cost_with`` (the plan's cost),
            ``cost_without`` (the optimum with that rule dropped), ``price`` (their difference),
            ``price_share`` (price / cost_with), ``status_without``, ``binding_items`` (items
            where the plan meets the rule's limit exactly, comma-separated) and
            ``effect_without`` (what the plan without the rule does that the rule forbids).
        families: one row per rule kind: ``kind``, ``rules``, ``cost_without`` (all rules of
            the kind dropped together), ``price``, ``price_share``, ``status_without``.
        marginal: one row per share rule, item and bound: ``rule``, ``kind``, ``item``,
            ``scope`` (the country, supplier or bloc at the limit), ``sense`` (``max``/``min``),
            ``limit``, ``tightened_limit``, ``binding``, ``lp_marginal_per_pp`` (from the duals
            of the LP with integer decisions fixed), ``resolve_marginal_per_pp`` (from a MIP
            re-solve, ``inf`` if infeasible), ``cost_tightened``, ``note``.
        currency: currency of every cost.
        instance_name: the instance explained.
        options: the options of the analysis.
        timings: seconds: ``total``, ``base``, ``lp``, ``resolves``; ``n_solves``.
        message: why the tables are empty (no plan), or empty.
    """

    base: Plan
    baseline_cost: float | None = None
    cost_of_trust: float | None = None
    rules: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RULE_COLUMNS))
    families: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FAMILY_COLUMNS))
    marginal: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=MARGINAL_COLUMNS))
    currency: str = ""
    instance_name: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""

    @property
    def cost(self) -> float | None:
        """The plan's cost (``base.objective``)."""
        return self.base.objective

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the headline numbers and the three tables as lists of records."""
        return {
            "instance": self.instance_name,
            "instance_hash": self.base.instance_hash,
            "currency": self.currency,
            "status": self.base.status.value,
            "cost": _json(self.base.objective),
            "mip_gap": _json(self.base.mip_gap),
            "baseline_cost": _json(self.baseline_cost),
            "cost_of_trust": _json(self.cost_of_trust),
            "cost_of_trust_share": _json(_ratio(self.cost_of_trust, self.base.objective)),
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
        if self.baseline_cost is not None and self.cost_of_trust is not None:
            lines.append(f"  cost of trust {money(self.cost_of_trust, cur)} "
                         f"({pct(_ratio(self.cost_of_trust, self.base.objective))} of the plan): "
                         f"without any rule the cheapest plan costs "
                         f"{money(self.baseline_cost, cur)}")
        for r in self.rules.itertuples():
            lines.append("  " + _rule_sentence(r, cur))
        shown = self.marginal[self.marginal["binding"].astype(bool)] if len(self.marginal) else []
        if len(shown):
            lines.append("  one percentage point tighter costs:")
            for m in shown.itertuples():
                lines.append("    " + _marginal_sentence(m, cur))
        if self.message:
            lines.append(f"  {self.message}")
        return lines

    def __repr__(self) -> str:
        return "\n".join(self.summary_lines())


# --- formatting ------------------------------------------------------------------------------


def money(v: float | None, currency: str = "") -> str:
    """``167.6 M USD``, ``2.41 bn USD``, ``1,300 USD``; ``-`` for None, ``infeasible`` for inf."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if math.isinf(v):
        return "infeasible"
    unit = f" {currency}" if currency else ""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.2f} bn{unit}"
    if a >= 1e6:
        return f"{v / 1e6:,.1f} M{unit}"
    if abs(v - round(v)) < 5e-3:
        return f"{round(v):,.0f}{unit}"
    return f"{v:,.2f}{unit}"


def pct(x: float | None) -> str:
    """``3.9 %``; ``-`` for None."""
    if x is None or math.isnan(x):
        return "-"
    return f"{100 * x:.1f} %"


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not math.isfinite(a) or not math.isfinite(b) or b == 0:
        return None
    return a / b


def _json(v: Any) -> Any:
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _json(v) for k, v in r.items()} for r in df.to_dict("records")]


def _rule_sentence(r: Any, cur: str) -> str:
    kind = f"{r.rule} ({r.kind})"
    if r.status_without not in (Status.OPTIMAL.value, Status.FEASIBLE.value):
        return f"{kind}: the instance without it was not solved ({r.status_without})"
    if _is_zero(r.price, r.cost_with):
        if r.binding_items:
            return f"{kind} costs nothing: it binds on {r.binding_items}, but an equally " \
                   "cheap plan meets it"
        return f"{kind} costs nothing: it does not bind"
    out = f"{kind} costs {money(r.price, cur)} ({pct(r.price_share)})"
    if r.effect_without:
        out += f"; without it {r.effect_without}"
    return out


def _marginal_sentence(m: Any, cur: str) -> str:
    unit = "100 HHI points" if m.kind == "hhi_cap" else "1 pp"
    where = f"{m.item}" + (f" ({m.scope})" if m.scope else "")
    limit = (f"{m.limit:,.0f} -> {m.tightened_limit:,.0f}" if m.kind == "hhi_cap"
             else f"{pct(m.limit)} -> {pct(m.tightened_limit)}")
    lp = money(m.lp_marginal_per_pp, cur)
    rs = money(m.resolve_marginal_per_pp, cur)
    text = f"{m.rule} on {where}, {limit}: {rs} per {unit} by re-solve, {lp} from the LP"
    return f"{text}; {m.note}" if m.note else text


def _is_zero(v: float, scale: float, rel: float = 1e-7) -> bool:
    return v is not None and math.isfinite(v) and abs(v) <= rel * max(1.0, abs(scale))


# --- the analysis ----------------------------------------------------------------------------


def explain(
    instance: Instance,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    workers: int | None = None,
    threads: int | None = None,
    exit_form: ExitForm = "auto",
    marginals: bool = True,
) -> Explanation:
    """Price every rule and rule family of ``instance``, and the marginal cost of share limits.

    Args:
        instance: a validated instance.
        time_limit: seconds for *each* solve (None: no limit).
        mip_rel_gap: relative MIP gap of each solve. Prices and marginals are differences of
            optimal costs, so a difference below the gap times the cost is solver tolerance;
            use 0 to prove every optimum.
        workers: processes for the re-solves; None picks ``min(4, cpu_count)`` when the work
            is large enough to repay starting processes, else runs them in this process; 1
            always runs serially. A script that passes ``workers > 1`` must guard its entry
            point with ``if __name__ == "__main__":`` (processes are spawned).
        threads: HiGHS threads per solve (None: HiGHS's default in this process, 1 in workers).
        exit_form: formulation of ``exit`` rules, as in :func:`trustsource.solve`.
        marginals: also compute the marginal cost per percentage point (the LP duals and a
            re-solve per share rule and item); False prices whole rules only.

    Returns:
        An :class:`Explanation`. If the instance itself has no plan (infeasible, or no solution
        within the time limit), the tables are empty and ``base.status`` says why; run
        ``trustsource.diagnose`` on an infeasible instance.
    """
    t0 = time.perf_counter()
    opts = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "threads": threads,
            "exit_form": exit_form}
    options = {**opts, "workers": workers, "marginals": marginals}
    base = solve(instance, **opts)  # type: ignore[arg-type]
    t_base = time.perf_counter() - t0
    out = Explanation(base=base, currency=instance.currency, instance_name=instance.name,
                      options=options)
    if not base.has_solution or base.objective is None:
        out.message = (f"no plan to explain ({base.status.value}): "
                       + ("run `trustsource diagnose` to see which rules conflict"
                          if base.status is Status.INFEASIBLE else base.message))
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
    tasks: dict[tuple[Any, ...], dict[str, Any]] = {
        ("drop", key): d for key, d in drops.items()}

    # Tightened copies for the marginals, unless the plan already meets the tighter limit.
    marg_rows: list[dict[str, Any]] = []
    if marginals:
        marg_rows = _marginal_rows(instance, base, doc, tasks)

    t1 = time.perf_counter()
    n_workers = _pick_workers(workers, len(tasks), t_base)
    results = _run_all(tasks, opts, n_workers)
    t_resolves = time.perf_counter() - t1

    t2 = time.perf_counter()
    lp: dict[tuple[str, str, str], tuple[float, list[str]]] = {}
    lp_note = ""
    if marginals and marg_rows:
        lp, lp_note = lp_marginals(instance, base, time_limit=time_limit,
                                   mip_rel_gap=mip_rel_gap, threads=threads, exit_form=exit_form)
    t_lp = time.perf_counter() - t2

    cost = float(base.objective)
    tol_abs = _tolerance(base, cost)
    rule_rows = []
    binding = _binding_items(base)
    for rule, name in zip(rules, names):
        without = results[("drop", frozenset([name]))]
        rule_rows.append(_price_row(name, rule.kind, cost, without, binding.get(name, ""),
                                    _effect_without(instance, rule, name, without)))
    fam_rows = []
    for k in kinds:
        without = results[("drop", frozenset(family_names[k]))]
        row = _price_row(k, k, cost, without, "", "")
        fam_rows.append({"kind": k, "rules": ", ".join(family_names[k]),
                         **{c: row[c] for c in FAMILY_COLUMNS if c in row and c != "kind"}})
    if names:
        baseline = results[("drop", frozenset(names))]
        baseline_cost = baseline.objective
    else:
        baseline_cost = cost
    out.baseline_cost = baseline_cost
    out.cost_of_trust = None if baseline_cost is None else cost - baseline_cost
    out.rules = pd.DataFrame(rule_rows, columns=RULE_COLUMNS)
    out.families = pd.DataFrame(fam_rows, columns=FAMILY_COLUMNS)
    out.marginal = _finish_marginals(marg_rows, results, lp, lp_note, base, cost, tol_abs)
    out.timings = {"total": time.perf_counter() - t0, "base": t_base, "resolves": t_resolves,
                   "lp": t_lp, "n_solves": 1 + len(tasks), "workers": n_workers}
    return out


def _without(doc: dict[str, Any], drop: set[str]) -> dict[str, Any]:
    """The document with the named rules removed."""
    out = dict(doc)
    out["rules"] = [r for r in doc.get("rules", []) if r.get("name", r.get("kind")) not in drop]
    return out


def _tolerance(base: Plan, cost: float) -> float:
    """Absolute tolerance of a cost difference: the MIP gap achieved, and float noise."""
    gap = base.mip_gap or 0.0
    return max(1e-7 * max(1.0, abs(cost)), gap * abs(cost))


def _price_row(name: str, kind: str, cost: float, without: Plan, binding: str,
               effect: str) -> dict[str, Any]:
    cw = without.objective if without.has_solution else None
    price = None if cw is None else cost - cw
    return {"rule": name, "kind": kind, "cost_with": cost,
            "cost_without": float("nan") if cw is None else cw,
            "price": float("nan") if price is None else price,
            "price_share": float("nan") if price is None else (_ratio(price, cost) or 0.0),
            "status_without": without.status.value, "binding_items": binding,
            "effect_without": effect}


def _binding_items(plan: Plan) -> dict[str, str]:
    """Rule name -> comma-separated items where the plan meets the rule's limit exactly."""
    rep = plan.rules
    if not len(rep):
        return {}
    hit = rep[rep["binding"].astype(bool)]
    return {str(rule): ", ".join(dict.fromkeys(str(i) for i in grp["item"]))
            for rule, grp in hit.groupby("rule", sort=False)}


def _effect_without(inst: Instance, rule: Any, name: str, without: Plan,
                    limit: int = 3) -> str:
    """What the plan without ``rule`` does that the rule forbids, in words (from the verifier)."""
    if not without.has_solution:
        return ""
    from trustsource.verify import verify_plan

    found = [v for v in verify_plan(inst, without) if v.rule == name]
    if not found:
        return ""
    alloc = without.allocations
    basis = "country" if getattr(rule, "basis", "location") == "location" else "owner"
    units = {it.id: it.unit for it in inst.items}
    supply = alloc.groupby("item")["quantity"].sum()
    parts: list[str] = []
    for v in found:
        t = float(supply.get(v.item, 0.0))
        if rule.kind in ("country_cap", "bloc_share") and v.subject and t > 0:
            members = (inst.countries_of([v.subject]) if rule.kind == "bloc_share"
                       else {v.subject})
            share = float(alloc.loc[(alloc["item"] == v.item)
                                    & alloc[basis].isin(members), "quantity"].sum()) / t
            who = country_name(v.subject) if rule.kind == "country_cap" else v.subject
            verb = "falls" if rule.kind == "bloc_share" and share < (rule.min_share or 0) \
                else "rises"
            parts.append(f"{who}'s share of {v.item} {verb} to {pct(share)}")
        elif rule.kind == "ban" and v.subject:
            role = "located in" if basis == "country" else "owned from"
            parts.append(f"{v.item} buys {v.excess:,.6g} {units.get(v.item, '')} from "
                         f"suppliers {role} {country_name(v.subject)}")
        else:
            parts.append(v.message.replace(f" ({name})", ""))
    more = f" (and {len(parts) - limit} more)" if len(parts) > limit else ""
    return "; ".join(parts[:limit]) + more


# --- marginal costs --------------------------------------------------------------------------


def _marginal_rows(inst: Instance, base: Plan, doc: dict[str, Any],
                   tasks: dict[tuple[Any, ...], dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (share rule, item, bound); adds a re-solve task where one is needed."""
    from trustsource.verify import verify_plan

    rows: list[dict[str, Any]] = []
    rep = base.rules
    if not len(rep):
        return rows
    rule_docs = {r.get("name", r.get("kind")): r for r in doc.get("rules", [])}
    all_items = [it.id for it in inst.items]
    for r in rep.itertuples():
        if r.kind not in MARGINAL_KINDS or (r.kind, r.sense) not in _LIMITS:
            continue
        key, sign, step, top = _LIMITS[(r.kind, r.sense)]
        rdoc = rule_docs[r.rule]
        old = float(rdoc[key])
        new = min(top, max(0.0, old + sign * step))
        row: dict[str, Any] = {
            "rule": r.rule, "kind": r.kind, "item": r.item,
            "scope": "" if r.scope is None or (isinstance(r.scope, float) and
                                               math.isnan(r.scope)) else str(r.scope),
            "sense": r.sense, "limit": old, "tightened_limit": new,
            "binding": bool(r.binding), "step_fraction": abs(new - old) / step,
            "resolve": float("nan"), "task": None, "note": "",
        }
        rows.append(row)
        if new == old:
            row["note"] = "the limit cannot be tightened further"
            continue
        tdoc = _tightened_doc(doc, rdoc, r.item, key, new, all_items)
        try:
            tight = Instance.from_dict(tdoc, origin=f"{inst.name} [{r.rule} on {r.item} tighter]")
        except InstanceError as exc:
            row["note"] = f"1 pp tighter is not a valid rule: {exc.issues[0].message}"
            continue
        if not verify_plan(tight, base):
            # The plan already meets the tighter limit, so it stays optimal: no re-solve needed.
            row["resolve"] = 0.0
            row["note"] = "the plan already meets the tighter limit"
            continue
        task_key = ("tighten", r.rule, r.item, r.sense)
        tasks[task_key] = tdoc
        row["task"] = task_key
    return rows


def _tightened_doc(doc: dict[str, Any], rdoc: dict[str, Any], item: str, key: str,
                   new: float, all_items: list[str]) -> dict[str, Any]:
    """The document with ``rdoc``'s limit set to ``new`` for ``item`` only."""
    name = rdoc.get("name", rdoc.get("kind"))
    covered = list(rdoc.get("items") or all_items)
    out = dict(doc)
    rules = []
    taken = {r.get("name") for r in doc.get("rules", [])}
    for r in doc.get("rules", []):
        if r is not rdoc:
            rules.append(r)
            continue
        if covered == [item]:
            rules.append({**r, key: new})
            continue
        rules.append({**r, "items": [i for i in covered if i != item]})
        split = f"{name}--{item}"
        while split in taken:
            split += "-"
        rules.append({**r, "name": split, "items": [item], key: new})
    out["rules"] = rules
    return out


def lp_marginals(
    instance: Instance,
    base: Plan | None = None,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
    exit_form: ExitForm = "auto",
) -> tuple[dict[tuple[str, str, str], tuple[float, list[str]]], str]:
    """Marginal cost per percentage point from the LP with integer decisions fixed at the plan.

    Solves the MIP on a ``highspy.Highs`` built from :func:`trustsource.build_model` (with the
    ``hhi_cap`` cut loop), fixes every integer column at its value, re-solves as an LP and reads
    the row duals. A share row ``X - alpha T <= 0`` (or ``>= 0``) with dual ``y`` gives
    ``d cost / d alpha = y T``, so tightening by one point costs ``|y| * 0.01 * T``. For
    ``hhi_cap`` every cut row ``a X - r T <= 0`` (``r = sqrt(H / 10^4)``) counts with the change
    of ``r`` for 100 points fewer.

    Returns:
        ``{(rule, item, sense): (marginal per point, scopes with a nonzero dual)}`` and a note
        (empty unless the LP could not be used).
    """
    import highspy
    from trustsource.solve.highs import run
    from trustsource.solve.hhi import hhi_cuts

    model = build_model(instance, exit_form=exit_form)
    h = model.to_highs()
    md = model.data
    is_mip = model.stats["integers"] > 0
    answer = run(h, is_mip=is_mip, time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                 threads=threads)
    cut_rows: list[tuple[str, str]] = []  # (rule, item) of each appended cut row
    iterations = 0
    while answer.col_value is not None and md.info.get("hhi"):
        cuts = hhi_cuts(model, answer.col_value)
        if not cuts or iterations >= _MAX_HHI_ITERATIONS:
            break
        for cut in cuts:
            h.addRow(-highspy.kHighsInf, 0.0, len(cut.cols), cut.cols.astype(np.int32),
                     cut.vals.astype(np.float64))
            cut_rows.append((cut.rule, cut.item))
        iterations += 1
        answer = run(h, is_mip=is_mip, time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                     threads=threads)
    if answer.col_value is None:
        return {}, f"the LP could not be set up ({answer.status.value})"
    _, _, _, integer = md.column_arrays()
    idx = np.flatnonzero(integer).astype(np.int32)
    if len(idx):
        vals = np.round(answer.col_value[idx])
        h.changeColsIntegrality(len(idx), idx,
                                np.full(len(idx), highspy.HighsVarType.kContinuous))
        h.changeColsBounds(len(idx), idx, vals, vals)
        h.run()
    sol = h.getSolution()
    info = h.getInfo()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not sol.dual_valid:
        return {}, "the LP with integer decisions fixed has no duals"
    note = ""
    lp_cost = float(info.objective_function_value)
    if base is not None and base.objective is not None and abs(lp_cost - base.objective) > \
            max(1e-6 * max(1.0, abs(base.objective)), (base.mip_gap or 0.0) * abs(base.objective)):
        note = (f"the LP is at a plan costing {lp_cost:,.2f}, not {base.objective:,.2f} "
                "(another optimum)")
    col = np.asarray(sol.col_value, dtype=float)
    dual = np.asarray(sol.row_dual, dtype=float)
    ctx = model.ctx
    supply = {item: col[ctx.supply[i]] for i, item in enumerate(ctx.item_ids)}
    blocks = _share_blocks(instance)
    out: dict[tuple[str, str, str], tuple[float, list[str]]] = {}

    def add(key: tuple[str, str, str], value: float, scope: str) -> None:
        total, scopes = out.get(key, (0.0, []))
        if value > 1e-9 * max(1.0, abs(total)) and scope and scope not in scopes:
            scopes = [*scopes, scope]
        out[key] = (total + value, scopes)

    hhi_delta = {r.name: _hhi_delta(r.max_hhi) for r in instance.rules if r.kind == "hhi_cap"}
    offset = 0
    for b in md.row_blocks:
        target = blocks.get(b.name)
        if target is not None and target[1] == b.family:
            rule, kind, sense = target[0], target[1], target[2]
            step = hhi_delta[rule] if kind == "hhi_cap" else STEP
            meta = b.meta if b.meta is not None else pd.DataFrame(index=range(b.size))
            items = meta["item"].tolist() if "item" in meta else [None] * b.size
            scopes = meta["scope"].tolist() if "scope" in meta else [""] * b.size
            for k in range(b.size):
                item = items[k]
                if item is None:
                    continue
                value = abs(dual[offset + k]) * supply[item] * step
                add((rule, str(item), sense), value, "" if scopes[k] is None else str(scopes[k]))
        offset += b.size
    for k, (rule, item) in enumerate(cut_rows):
        value = abs(dual[offset + k]) * supply[item] * hhi_delta[rule]
        add((rule, item, "max"), value, "")
    return out, note


def _hhi_delta(max_hhi: float) -> float:
    """Change of ``r = sqrt(H / 10^4)`` when the cap falls by 100 points."""
    lower = max(0.0, max_hhi - HHI_STEP)
    return math.sqrt(max_hhi / 10_000) - math.sqrt(lower / 10_000)


def _share_blocks(instance: Instance) -> dict[str, tuple[str, str, str]]:
    """Row-block name -> (rule, kind, sense) for the rows carrying a share limit."""
    out: dict[str, tuple[str, str, str]] = {}
    for r in instance.rules:
        name = r.name or r.kind
        if r.kind == "bloc_share":
            out[f"{name}.min"] = (name, r.kind, "min")
            out[f"{name}.max"] = (name, r.kind, "max")
        elif r.kind == "exit":
            out[name] = (name, r.kind, "min")
        elif r.kind in MARGINAL_KINDS:
            out[name] = (name, r.kind, "max")
    return out


def _finish_marginals(rows: list[dict[str, Any]], results: dict[tuple[Any, ...], Plan],
                      lp: dict[tuple[str, str, str], tuple[float, list[str]]], lp_note: str,
                      base: Plan, cost: float, tol: float) -> pd.DataFrame:
    out = []
    for row in rows:
        frac = row.pop("step_fraction") or 1.0
        task = row.pop("task")
        resolve = row.pop("resolve")
        note = row.pop("note")
        tight_cost = cost if resolve == 0.0 else float("nan")
        changes = ""
        if task is not None:
            plan = results[task]
            if plan.has_solution and plan.objective is not None:
                tight_cost = float(plan.objective)
                resolve = (tight_cost - cost) / frac
                changes = _integer_changes(base, plan)
            elif plan.status is Status.INFEASIBLE:
                tight_cost = resolve = float("inf")
            else:
                note = f"the re-solve found no plan ({plan.status.value})"
        key = (row["rule"], row["item"], row["sense"])
        lp_value, scopes = lp.get(key, (float("nan"), []))
        if lp and key not in lp:
            lp_value = 0.0  # the rule has no row for this item: it cannot bind there
        if scopes:
            row["scope"] = ", ".join(scopes)
        if not note:
            note = _compare(lp_value, resolve, tol, changes, lp_note)
        out.append({**row, "lp_marginal_per_pp": lp_value,
                    "resolve_marginal_per_pp": resolve, "cost_tightened": tight_cost,
                    "note": note})
    return pd.DataFrame(out, columns=MARGINAL_COLUMNS)


def _compare(lp: float, resolve: float, tol: float, changes: str, lp_note: str) -> str:
    """Why the LP and the re-solve marginal differ, in words (empty when they agree)."""
    if math.isinf(resolve):
        return "1 pp tighter is infeasible"
    if math.isnan(lp):
        return lp_note or "no LP dual"
    if math.isnan(resolve):
        return ""
    if abs(lp - resolve) <= tol + 1e-6 * max(abs(lp), abs(resolve)):
        return lp_note
    if changes:
        return f"integer effect: {changes}"
    if resolve > lp:
        return ("the LP price rises within the 1-pp step (a price tier, a capacity or another "
                "limit is reached)")
    return "the re-solve finds a cheaper way than the LP's (degenerate dual or another optimum)"


def _integer_changes(base: Plan, other: Plan) -> str:
    """Which suppliers (awarded or qualified) and sites differ between two plans, in words."""

    def state(plan: Plan) -> tuple[set[str], set[str], set[str]]:
        a = plan.allocations
        awarded = set(a.loc[a["quantity"] > 0, "supplier"].astype(str))
        qualified = set(a.loc[a["qualified"].astype(bool), "supplier"].astype(str))
        sites = set()
        if len(plan.sites) and "open" in plan.sites:
            sites = set(plan.sites.loc[plan.sites["open"].astype(bool), "site"].astype(str))
        return awarded, qualified, sites

    b_aw, b_q, b_s = state(base)
    o_aw, o_q, o_s = state(other)
    parts: list[str] = []
    for verb, names in (("awards", o_aw - b_aw), ("drops", b_aw - o_aw),
                        ("qualifies", (o_q - b_q) - (o_aw - b_aw)),
                        ("stops qualifying", (b_q - o_q) - (b_aw - o_aw)),
                        ("opens", o_s - b_s), ("closes", b_s - o_s)):
        if names:
            parts.append(f"{verb} {', '.join(sorted(names))}")
    return ("the tighter plan " + "; ".join(parts)) if parts else ""


# --- running the re-solves -------------------------------------------------------------------


def _pick_workers(workers: int | None, n_tasks: int, base_seconds: float) -> int:
    """Processes to use: explicit, or automatic when the estimated work repays the start-up."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        return min(workers, max(1, n_tasks))
    cpus = os.cpu_count() or 1
    n = min(4, cpus, n_tasks)
    if n <= 1 or base_seconds * n_tasks < _AUTO_PARALLEL_SECONDS:
        return 1
    return n


def solve_document(doc: dict[str, Any], options: dict[str, Any]) -> Plan:
    """Validate a schema-1 document and solve it (the unit of work of a worker process)."""
    inst = Instance.from_dict(doc, origin=str(doc.get("name", "<explain>")))
    return solve(inst, **options)


def _run_all(tasks: dict[tuple[Any, ...], dict[str, Any]], opts: dict[str, Any],
             workers: int) -> dict[tuple[Any, ...], Plan]:
    if workers <= 1 or len(tasks) <= 1:
        return {key: solve_document(d, opts) for key, d in tasks.items()}
    worker_opts = dict(opts)
    if worker_opts.get("threads") is None:
        worker_opts["threads"] = 1  # several processes already share the cores
    # Spawned (not forked) workers: HiGHS keeps a thread pool that must not be forked.
    ctx = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = {key: pool.submit(solve_document, d, worker_opts)
                       for key, d in _largest_first(tasks)}
            return {key: fut.result() for key, fut in futures.items()}
    except (BrokenProcessPool, OSError) as exc:
        logger.warning("worker processes failed (%s); re-solving serially", exc)
        return {key: solve_document(d, opts) for key, d in tasks.items()}


def _largest_first(tasks: dict[tuple[Any, ...], dict[str, Any]]
                   ) -> Iterable[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Tasks with the most rules first (usually the slowest), for better load balance."""
    return sorted(tasks.items(), key=lambda kv: -len(kv[1].get("rules", [])))
