"""Marginal cost of one percentage point for share rules: from the LP with integers fixed at the
plan (row duals), and checked by re-solving the MIP with the limit 1 pp tighter."""

from __future__ import annotations

import logging
import math
from typing import Any

import highspy
import numpy as np
import pandas as pd

from ..errors import InstanceError
from ..instance.instance import Instance
from ..model.build import ExitForm, build_model
from ..model.handoff import highs_from_data
from ..model.rules.shares import cost_terms
from ..results.plan import Plan
from ..solve import Solved
from ..solve.cuts import cut_loop, hhi_cuts
from ..solve.highs import run
from ..status import Status
from ..verify import verify_plan
from .explain_common import (
    _LIMITS,
    HHI_STEP,
    MARGINAL_COLUMNS,
    MARGINAL_KINDS,
    STEP,
    difference,
    gap_of,
    money,
)

logger = logging.getLogger(__name__)


def _marginal_rows(
    inst: Instance,
    base: Plan,
    doc: dict[str, Any],
    tasks: dict[tuple[Any, ...], dict[str, Any]],
    validated: dict[tuple[Any, ...], Instance] | None = None,
) -> list[dict[str, Any]]:
    """One row per (share rule, item, bound); adds a re-solve task where one is needed (and
    its instance, already validated here, to ``validated``)."""
    rows: list[dict[str, Any]] = []
    rep = base.rules
    if not len(rep):
        return rows
    rule_docs = {r.get("name", r.get("kind")): r for r in doc.get("rules", [])}
    all_items = [it.id for it in inst.items]
    seen: set[tuple[str, str, str]] = set()
    for r in rep.itertuples():
        if r.kind not in MARGINAL_KINDS or (r.kind, r.sense) not in _LIMITS:
            continue
        if "period" in rep:  # a periodic plan: one row per rule and item, over the horizon
            if (r.rule, r.item, r.sense) in seen:
                continue
            seen.add((r.rule, r.item, r.sense))
        key, sign, step, top = _LIMITS[(r.kind, r.sense)]
        rdoc = rule_docs[r.rule]
        path = rdoc[key]
        # A limit by period moves by the step in every period; the path's last value is shown.
        old = float(path[max(path)] if isinstance(path, dict) else path)
        new = min(top, max(0.0, old + sign * step))
        row: dict[str, Any] = {
            "rule": r.rule,
            "kind": r.kind,
            "item": r.item,
            "scope": ""
            if r.scope is None or (isinstance(r.scope, float) and math.isnan(r.scope))
            else str(r.scope),
            "sense": r.sense,
            "limit": old,
            "tightened_limit": new,
            "binding": bool(r.binding),
            "step_fraction": abs(new - old) / step,
            "resolve": float("nan"),
            "task": None,
            "note": "",
        }
        rows.append(row)
        if new == old:
            row["note"] = "the limit cannot be tightened further"
            continue
        moved: Any = new
        if isinstance(path, dict):
            # Only the periods where the limit restricts (a cap at its top, or a floor at 0,
            # holds nothing back; tightening it there is a different rule).
            moved = {
                y: min(top, max(0.0, float(v) + sign * step))
                if (sign < 0 and float(v) < top) or (sign > 0 and float(v) > 0)
                else v
                for y, v in path.items()
            }
        tdoc = _tightened_doc(doc, rdoc, r.item, key, moved, all_items)
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
        if validated is not None:
            validated[task_key] = tight
        row["task"] = task_key
    return rows


def _tightened_doc(
    doc: dict[str, Any], rdoc: dict[str, Any], item: str, key: str, new: Any, all_items: list[str]
) -> dict[str, Any]:
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
    solve_info: dict[str, Any] | None = None,
    solved: Solved | None = None,
) -> tuple[dict[tuple[str, str, str], tuple[float, list[str]]], str]:
    """Marginal cost per percentage point from the LP with integer decisions fixed at the plan.

    Solves the MIP on a ``highspy.Highs`` built from :func:`trustsource.build_model` (with the
    ``hhi_cap`` cut loop), fixes every integer column at its value, re-solves as an LP and reads
    the row duals. A share row ``X - alpha T <= 0`` (or ``>= 0``) with dual ``y`` gives
    ``d cost / d alpha = y T``, so tightening by one point costs ``|y| * 0.01 * T``. For
    ``hhi_cap`` every cut row ``a X - r T <= 0`` (``r = sqrt(H / 10^4)``) counts with the change
    of ``r`` for 100 points fewer.

    If ``solve_info`` is given, it receives the ``status`` and ``gap`` of the MIP whose
    integer decisions the LP fixes: duals at a plan that is not proven optimal are the prices of
    that plan, not of the optimum.

    ``solved``: the base plan's own solve (:func:`trustsource.solve.solve_detailed`); its model
    and columns are used as they are, so the duals price exactly the plan shown and no MIP is
    solved again (not for ``hhi_cap``, whose cut rows the LP needs).

    Returns:
        ``{(rule, item, sense): (marginal per point, scopes with a nonzero dual)}`` and a note
        (empty unless the LP could not be used).
    """
    cut_rows: list[tuple[str, str, float]] | None = None  # None: HiGHS has not run yet
    if (
        solved is not None
        and solved.model is not None
        and solved.columns is not None
        and base is not None
        and not solved.model.data.info.get("hhi")
    ):
        model, columns = solved.model, solved.columns
        md = model.data
        h = highs_from_data(md)
        if solve_info is not None:
            solve_info["status"] = base.status.value
            solve_info["gap"] = base.mip_gap if model.stats["integers"] else 0.0
    else:
        model = build_model(instance, exit_form=exit_form)
        h = model.to_highs()
        md = model.data
        is_mip = model.stats["integers"] > 0
        answer = run(
            h, is_mip=is_mip, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads
        )
        loop = cut_loop(
            h,
            answer,
            cuts_at=lambda v: hhi_cuts(model, v) if md.info.get("hhi") else [],
            resolve=lambda: run(
                h, is_mip=is_mip, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads
            ),
        )
        answer = loop.answer
        # (rule, item, scale) of each appended cut row, in row order; a row divided by its
        # scale (share units, see Cut.scale) has its dual multiplied by it, so the price
        # divides it back.
        cut_rows = [(cut.rule, cut.item, cut.scale) for cut in loop.added]
        if solve_info is not None:
            solve_info["status"] = answer.status.value
            solve_info["gap"] = answer.mip_gap if is_mip else 0.0
        if answer.col_value is None:
            return {}, f"the LP could not be set up ({answer.status.value})"
        columns = answer.col_value
    _, _, _, integer = md.column_arrays()
    idx = np.flatnonzero(integer).astype(np.int32)
    if len(idx):
        vals = np.round(columns[idx])
        h.changeColsIntegrality(len(idx), idx, np.full(len(idx), highspy.HighsVarType.kContinuous))
        h.changeColsBounds(len(idx), idx, vals, vals)
        if time_limit is not None:
            # HiGHS counts its time limit from the object's first run: give the LP its own.
            h.setOptionValue("time_limit", float(h.getRunTime()) + float(time_limit))
    if len(idx) or cut_rows is None:
        h.run()
    sol = h.getSolution()
    info = h.getInfo()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not sol.dual_valid:
        return {}, "the LP with integer decisions fixed has no duals"
    note = ""
    lp_cost = float(info.objective_function_value)
    if (
        base is not None
        and base.objective is not None
        and abs(lp_cost - base.objective)
        > max(1e-6 * max(1.0, abs(base.objective)), (base.mip_gap or 0.0) * abs(base.objective))
    ):
        note = (
            f"the LP is at a plan costing {lp_cost:,.2f}, not {base.objective:,.2f} "
            "(another optimum)"
        )
    col = np.asarray(sol.col_value, dtype=float)
    dual = np.asarray(sol.row_dual, dtype=float)
    ctx = model.ctx
    supply = {item: col[ctx.supply[i]] for i, item in enumerate(ctx.item_ids)}
    # A rule measured in cost has its limit on the item's purchase cost, not its supply.
    t_sup, t_col, t_coef = cost_terms(md, ctx)
    spent = np.bincount(ctx.sup_item[t_sup], weights=t_coef * col[t_col], minlength=len(supply))
    spend = {item: float(spent[i]) for i, item in enumerate(ctx.item_ids)}
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
            base = spend if "measure" in meta else supply  # cost-share rows carry "measure"
            scopes = meta["scope"].tolist() if "scope" in meta else [""] * b.size
            for k in range(b.size):
                item = items[k]
                if item is None:
                    continue
                value = abs(dual[offset + k]) * base[item] * step
                add((rule, str(item), sense), value, "" if scopes[k] is None else str(scopes[k]))
        offset += b.size
    for k, (rule, item, scale) in enumerate(cut_rows or []):
        value = abs(dual[offset + k]) * supply[item] * hhi_delta[rule] / scale
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


def _finish_marginals(
    rows: list[dict[str, Any]],
    results: dict[tuple[Any, ...], Plan],
    lp: dict[tuple[str, str, str], tuple[float, list[str]]],
    lp_note: str,
    base: Plan,
    cost: float,
    lp_solve: tuple[str, float | None] = ("", None),
) -> pd.DataFrame:
    """The marginal table: each re-solve's price (or, unproven, only its interval) and the LP's.

    ``lp_solve``: status and gap of the MIP whose integer decisions the LP fixed.
    """
    nan = float("nan")
    out = []
    for row in rows:
        frac = row.pop("step_fraction") or 1.0
        task = row.pop("task")
        resolve = row.pop("resolve")
        note = row.pop("note")
        tight_cost = nan
        changes = supply_moves = ""
        gap = 0.0  # what the MIP gaps allow the difference of two optimal costs to be off by
        low = high = nan
        proven = False
        tight_status, tight_gap = "", None
        if task is not None:
            plan = results[task]
            proof = difference(plan, base, frac)
            low, high, proven = proof["low"], proof["high"], bool(proof["proven"])
            tight_status, tight_gap = proof["status_with"], proof["gap_with"]
            resolve = proof["point"]  # NaN unless both solves are optimal; inf if infeasible
            if plan.has_solution and plan.objective is not None:
                tight_cost = float(plan.objective)
                gap = (
                    (base.mip_gap or 0.0) * abs(cost) + (plan.mip_gap or 0.0) * abs(tight_cost)
                ) / frac
                changes = _integer_changes(base, plan)
                supply_moves = _supply_change(base, plan, row["item"])
            elif plan.status is Status.INFEASIBLE:
                tight_cost = float("inf")
            else:
                note = f"the re-solve found no plan ({plan.status.value})"
        elif resolve == 0.0:
            # The plan meets the tighter limit, so the tighter optimum lies between the plan's
            # optimum and the plan's cost: the step costs 0 only if the plan is proven optimal.
            proof = difference(base, base, frac)
            low, high, proven = proof["low"], proof["high"], bool(proof["proven"])
            resolve = proof["point"]
            tight_cost = cost if proven else nan
        if not note and not proven and not math.isnan(low):
            who = "the plan" if base.status is not Status.OPTIMAL else "the re-solve"
            note = f"not proven: {who} stopped before proving optimality"
        key = (row["rule"], row["item"], row["sense"])
        lp_value, scopes = lp.get(key, (nan, []))
        if lp and key not in lp:
            lp_value = 0.0  # the rule has no row for this item: it cannot bind there
        if scopes and row["kind"] in ("country_cap", "supplier_cap"):
            row["scope"] = ", ".join(scopes)  # every country (supplier) at the limit
        if not note:
            exact = 1e-7 * max(1.0, abs(cost))
            note = _compare(
                row["kind"],
                lp_value,
                resolve,
                exact,
                gap,
                changes,
                supply_moves,
                lp_note,
                base.currency,
            )
        out.append(
            {
                **row,
                "lp_marginal_per_pp": lp_value,
                "lp_status": lp_solve[0] if lp else "",
                "lp_gap": lp_solve[1] if lp else None,
                "resolve_marginal_per_pp": resolve,
                "resolve_low": low,
                "resolve_high": high,
                "proven": proven,
                "status_plan": base.status.value,
                "gap_plan": gap_of(base),
                "status_tightened": tight_status,
                "gap_tightened": tight_gap,
                "cost_tightened": tight_cost,
                "note": note,
            }
        )
    return pd.DataFrame(out, columns=MARGINAL_COLUMNS)


def _compare(
    kind: str,
    lp: float,
    resolve: float,
    exact: float,
    gap: float,
    changes: str,
    supply_moves: str,
    lp_note: str,
    currency: str,
) -> str:
    """Why the LP and the re-solve marginal differ, in words (empty when they agree)."""
    if math.isinf(resolve):
        return "1 pp tighter is infeasible"
    if math.isnan(lp):
        return lp_note or "no LP dual"
    if math.isnan(resolve):
        return ""
    diff = abs(lp - resolve)
    if diff <= exact + 1e-6 * max(abs(lp), abs(resolve)):
        return lp_note
    if diff <= gap:
        return (
            f"the difference is within the MIP gaps of the two solves ({money(gap, currency)}"
            "); use mip_rel_gap=0 (--mip-gap 0) for exact marginals"
        )
    if changes:
        return f"integer effect: {changes}"
    if supply_moves:
        return (
            f"the item's supply changes with the limit ({supply_moves}), which the LP's "
            "first-order price does not capture"
        )
    if kind == "hhi_cap":
        return (
            "the HHI cap is curved (and met within its tolerance): the LP's tangent price is "
            "a first-order estimate"
        )
    if resolve > lp:
        return (
            "the LP price rises within the 1-pp step (a price tier, a capacity or another "
            "limit is reached)"
        )
    return "the re-solve finds a cheaper way than the LP's (degenerate dual or another optimum)"


def _supply_change(base: Plan, other: Plan, item: str) -> str:
    """``12,359 -> 12,016 t Li`` when the item's total supply differs between two plans."""

    def supply(plan: Plan) -> float:
        # From the allocations: a re-solve's plan carries only its allocations and sites.
        a = plan.allocations
        if not plan.has_solution:
            return float("nan")
        return float(a.loc[a["item"] == item, "quantity"].sum()) if len(a) else 0.0

    units = dict(zip(base.items["item"], base.items["unit"])) if len(base.items) else {}
    unit = str(units.get(item, ""))
    before, after = supply(base), supply(other)
    if math.isnan(before) or math.isnan(after) or abs(after - before) <= 1e-6 * max(1.0, before):
        return ""
    return f"{before:,.6g} -> {after:,.6g} {unit}"


def _integer_changes(base: Plan, other: Plan) -> str:
    """Which suppliers (awarded or qualified) and sites differ between two plans, in words."""

    def state(plan: Plan) -> tuple[set[str], set[str], set[str]]:
        # Plain arrays: pandas' row filters cost more than the comparison (one per re-solve).
        a = plan.allocations
        who = a["supplier"].to_numpy(dtype=object)
        awarded = {str(s) for s in who[a["quantity"].to_numpy(dtype=float) > 0]}
        qualified = {str(s) for s in who[a["qualified"].to_numpy().astype(bool)]}
        sites: set[str] = set()
        if len(plan.sites) and "open" in plan.sites:
            opened = plan.sites["open"].to_numpy().astype(bool)
            sites = {str(s) for s in plan.sites["site"].to_numpy(dtype=object)[opened]}
        return awarded, qualified, sites

    b_aw, b_q, b_s = state(base)
    o_aw, o_q, o_s = state(other)
    parts: list[str] = []
    for verb, names in (
        ("awards", o_aw - b_aw),
        ("drops", b_aw - o_aw),
        ("qualifies", (o_q - b_q) - (o_aw - b_aw)),
        ("stops qualifying", (b_q - o_q) - (b_aw - o_aw)),
        ("opens", o_s - b_s),
        ("closes", b_s - o_s),
    ):
        if names:
            parts.append(f"{verb} {', '.join(sorted(names))}")
    return ("the tighter plan " + "; ".join(parts)) if parts else ""


# --- running the re-solves -------------------------------------------------------------------
