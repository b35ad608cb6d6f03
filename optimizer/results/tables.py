"""Turn a solution vector into the plan's DataFrames: allocations, items, rules, sites, costs.

Values below ``ZERO`` are reported as 0 (solver noise, as calliope's ``zero_threshold``).
Shares and KPIs are computed from the allocations, not read from model rows, so the rule report
shows what the plan achieves whatever the formulation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.build import BuiltModel, column_values
from ..verify.verifier import Violation, verify
from .coverage import exit_coverage, site_units, supplier_units
from .rule_report import ZERO, group_sums, rules_table

BASIS_COLUMNS = {"location": "country", "owner": "owner", "control": "control"}
"""The allocation column holding each offer's country on a label basis (``control`` is written
only for instances with ``entities``; without them it equals ``owner``)."""


def basis_column(frame: pd.DataFrame, basis: str) -> str:
    """The column of ``frame`` (allocations) with the country on ``basis``."""
    col = BASIS_COLUMNS.get(basis, "owner")
    return col if col in frame else ("country" if basis == "location" else "owner")


@dataclass
class Decisions:
    """The plan's decisions read from a solution vector, before any table is built: what
    :func:`plan_tables` tabulates and what the verifier checks (per supplier, site and item)."""

    col: np.ndarray  # the solution, noise below ZERO set to 0
    x: np.ndarray  # quantity per supplier
    var_cost: np.ndarray  # purchase cost per supplier (own column and tier columns)
    gate_on: np.ndarray  # the binary that must be 1 for x > 0 is 1
    paid: np.ndarray  # qualification paid for
    qualified: np.ndarray
    site_open: np.ndarray  # per site
    supply: np.ndarray  # per item
    shortfall: np.ndarray  # per item
    keep: np.ndarray  # suppliers the allocations list (awarded, paid or standing by)

    def verify(self, model: BuiltModel, objective: float | None) -> list[Violation]:
        """The independent verifier's findings on these decisions, as ``verify_plan`` would
        give on the plan's tables (the same suppliers, flags and shortfalls)."""
        ctx = model.ctx
        sup = np.array(ctx.sup_ids, dtype=object)[self.keep]
        return verify(
            ctx.inst,
            dict(zip(sup.tolist(), self.x[self.keep].tolist(), strict=True)),
            qualified=dict(zip(sup.tolist(), self.qualified[self.keep].tolist(), strict=True))
            or None,
            site_open=dict(zip(ctx.site_ids, self.site_open.tolist(), strict=True)) or None,
            shortfall=dict(zip(ctx.item_ids, self.shortfall.tolist(), strict=True)) or None,
            objective=objective,
        )


def decisions(model: BuiltModel, col: np.ndarray) -> Decisions:
    """The decisions of solution ``col`` of ``model``."""
    ctx, md = model.ctx, model.data
    col = np.where(np.abs(col) < ZERO, 0.0, col)
    x = column_values(model, col, "x").copy()
    x[x < ZERO] = 0.0
    n_s = len(x)
    has_g = ctx.gate >= 0
    gate_on = np.zeros(n_s, dtype=bool)
    gate_on[has_g] = col[ctx.gate[has_g]] > 0.5
    # Within HiGHS's integrality tolerance a closed gate may leave a few 1e-7 units: noise.
    x[has_g & ~gate_on] = 0.0
    cost_vec, _, _, _ = md.column_arrays()

    # Variable cost per supplier: own column cost plus its tier columns.
    var_cost = cost_vec[ctx.x] * x
    tier = md.var_blocks.get("tier_qty")
    if tier is not None:
        tier_cost = cost_vec[tier.cols] * col[tier.cols]
        var_cost = var_cost + np.bincount(
            md.info["tier_supplier"], weights=tier_cost, minlength=n_s
        )

    site_open = np.zeros(len(ctx.site_ids), dtype=bool)
    if n_s:
        used_sites = ctx.sup_site[(ctx.sup_site >= 0) & (x > ZERO)]
        site_open[used_sites] = True
    has_o = ctx.site_open >= 0
    site_open[has_o] = col[ctx.site_open[has_o]] > 0.5

    # Qualified: paid for (q_s), or free to qualify (no fixed cost, site open or free).
    has_q = ctx.qualified >= 0
    paid = np.zeros(n_s, dtype=bool)
    paid[has_q] = col[ctx.qualified[has_q]] > 0.5
    site_ok = np.ones(n_s, dtype=bool)
    at_site = ctx.sup_site >= 0
    site_ok[at_site] = site_open[ctx.sup_site[at_site]] | ~has_o[ctx.sup_site[at_site]]
    # A banned supplier is never available, so it never counts as qualified.
    qualified = (np.where(has_q, paid, site_ok) & ~ctx.banned()) | (x > ZERO)

    supply = np.bincount(ctx.sup_item, weights=x, minlength=len(ctx.item_ids))
    shortfall = np.zeros(len(ctx.item_ids))
    has_u = ctx.shortfall >= 0
    shortfall[has_u] = col[ctx.shortfall[has_u]]

    # The plan's decisions: awarded, paid for, or standing by at a site opened (and paid) for it.
    opened_for = np.zeros(n_s, dtype=bool)
    at_paid_site = at_site.copy()
    at_paid_site[at_site] = has_o[ctx.sup_site[at_site]] & site_open[ctx.sup_site[at_site]]
    opened_for[at_paid_site] = qualified[at_paid_site]
    keep = (x > ZERO) | paid | gate_on | opened_for
    return Decisions(col, x, var_cost, gate_on, paid, qualified, site_open, supply, shortfall, keep)


def plan_tables(
    model: BuiltModel, col: np.ndarray, only: Collection[str] | None = None
) -> dict[str, pd.DataFrame]:
    """The plan tables for solution ``col`` of ``model``: all of them, or the allocations and
    sites plus those named in ``only`` (``items``, ``rules``, ``costs``)."""
    ctx = model.ctx
    d = decisions(model, col)
    x, var_cost, qualified, site_open, paid = d.x, d.var_cost, d.qualified, d.site_open, d.paid
    supply, shortfall, keep, n_s = d.supply, d.shortfall, d.keep, len(d.x)
    has_o = ctx.site_open >= 0
    fixed_paid = np.where(paid, ctx.fixed, 0.0)
    item_ids = np.array(ctx.item_ids, dtype=object)
    share = np.divide(x, supply[ctx.sup_item], out=np.zeros(n_s), where=supply[ctx.sup_item] > 0)
    unit_cost = np.divide(var_cost, x, out=np.zeros(n_s), where=x > ZERO)
    no_qty = x <= ZERO
    unit_cost[no_qty] = np.nan_to_num(ctx.unit_price[no_qty], nan=np.nan)
    site_ids = np.array(ctx.site_ids + [""], dtype=object)
    alloc = pd.DataFrame(
        {
            "supplier": np.array(ctx.sup_ids, dtype=object)[keep],
            "item": item_ids[ctx.sup_item[keep]],
            "site": site_ids[ctx.sup_site[keep]],
            "country": ctx.country[keep],
            "owner": ctx.owner[keep],
            "qualified": qualified[keep],
            "quantity": x[keep],
            "unit_cost": unit_cost[keep],
            "variable_cost": var_cost[keep],
            "fixed_cost": fixed_paid[keep],
            "cost": (var_cost + fixed_paid)[keep],
            "share": share[keep],
            "exit_clause": ctx.exit_clause[keep],
        }
    )
    alloc["site"] = alloc["site"].replace("", None)
    if ctx.inst.entities:  # ownership chains: who owns each offer, and which country controls it
        alloc.insert(5, "owned_by", ctx.owned_by[keep])
        alloc.insert(6, "control", ctx.control[keep])

    sites = pd.DataFrame(
        {
            "site": ctx.site_ids,
            "open": site_open,
            "used": np.bincount(
                ctx.sup_site[ctx.sup_site >= 0],
                weights=x[ctx.sup_site >= 0],
                minlength=len(ctx.site_ids),
            )
            if n_s
            else np.zeros(len(ctx.site_ids)),
            "capacity": ctx.site_cap,
            "fixed_cost": np.where(site_open & has_o, ctx.site_fixed, 0.0),
        }
    )

    out = {"allocations": alloc, "sites": sites}
    if only is not None and "costs" not in only:
        # The item and rule reports are the dear tables; the decisions above are cheap.
        if "items" in only:
            out["items"] = _items_table(model, x, qualified, supply, shortfall, alloc)
        if "rules" in only:
            out["rules"] = rules_table(model, x, supply, qualified, var_cost)
        return out
    costs = pd.concat(
        [
            pd.DataFrame(
                {
                    "component": "supply",
                    "id": alloc["supplier"],
                    "item": alloc["item"],
                    "cost": alloc["variable_cost"],
                }
            ),
            pd.DataFrame(
                {
                    "component": "qualification",
                    "id": alloc["supplier"],
                    "item": alloc["item"],
                    "cost": alloc["fixed_cost"],
                }
            ),
            pd.DataFrame(
                {
                    "component": "site",
                    "id": sites["site"],
                    "item": None,
                    "cost": sites["fixed_cost"],
                }
            ),
            pd.DataFrame(
                {
                    "component": "shortfall",
                    "id": item_ids,
                    "item": item_ids,
                    "cost": shortfall * np.nan_to_num(ctx.penalty),
                }
            ),
        ],
        ignore_index=True,
    )
    costs = costs[costs["cost"] != 0].reset_index(drop=True)

    if only is None or "items" in only:
        out["items"] = _items_table(model, x, qualified, supply, shortfall, alloc)
    if only is None or "rules" in only:
        out["rules"] = rules_table(model, x, supply, qualified, var_cost)
    out["costs"] = costs
    return out


def _items_table(
    model: BuiltModel,
    x: np.ndarray,
    qualified: np.ndarray,
    supply: np.ndarray,
    shortfall: np.ndarray,
    alloc: pd.DataFrame,
) -> pd.DataFrame:
    ctx = model.ctx
    inst = ctx.inst
    n_i = len(ctx.item_ids)
    awarded = x > ZERO
    rows = []
    cost_by_item = alloc.groupby("item")["cost"].sum()
    blocs = {name: inst.countries_of([name]) for name in _report_blocs(inst)}
    no_exit = (
        np.bincount(ctx.sup_item[~ctx.exit_clause], weights=x[~ctx.exit_clause], minlength=n_i)
        if len(x)
        else np.zeros(n_i)
    )
    by_site, by_supplier = site_units(ctx), supplier_units(ctx)  # once, not per item
    # Each item's offers, grouped once: per-item work then touches only its own offers, so the
    # table is linear in the number of offers (a mask per item made it O(items x offers)).
    order = np.argsort(ctx.sup_item, kind="stable")
    bounds = np.searchsorted(ctx.sup_item[order], np.arange(n_i + 1))
    n_awarded = np.bincount(ctx.sup_item[awarded], minlength=n_i) if len(x) else np.zeros(n_i)
    for i, it in enumerate(inst.items):
        offers = order[bounds[i] : bounds[i + 1]]
        t = supply[i]
        mine = offers[awarded[offers]]
        countries, amounts = group_sums(x[mine], ctx.country[mine])
        shares = amounts / t if t > 0 and len(amounts) else np.zeros(0)
        if not len(shares):
            countries = countries[:0]
        row: dict[str, object] = {
            "item": it.id,
            "unit": it.unit,
            "demand": it.demand,
            "supply": t,
            "shortfall": shortfall[i],
            "cost": float(cost_by_item.get(it.id, 0.0)),
            "hhi": float((shares**2).sum() * 10_000),
            "top_country": countries[int(np.argmax(shares))] if len(shares) else None,
            "top_share": float(shares.max()) if len(shares) else 0.0,
            "n_suppliers": int(n_awarded[i]),
            "n_countries": len(shares),
            "exit_coverage_country": exit_coverage(ctx, qualified, ctx.country, i, t, offers)[0],
            "exit_coverage_site": exit_coverage(ctx, qualified, by_site, i, t, offers)[0],
            "exit_coverage_supplier": exit_coverage(ctx, qualified, by_supplier, i, t, offers)[0],
            "share_without_exit_clause": no_exit[i] / t if t > 0 else 0.0,
        }
        for name, members in blocs.items():
            row[f"share_{name}"] = float(shares[np.isin(countries, list(members))].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _report_blocs(inst: object) -> list[str]:
    """Blocs worth a column: the instance's own and those its rules mention."""
    names = list(getattr(inst, "blocs", {}))
    for r in getattr(inst, "rules", ()):
        for sel in (
            [getattr(r, "bloc", None)]
            + list(getattr(r, "countries", None) or [])
            + list(getattr(r, "except_", None) or [])
        ):
            if sel and sel in inst.all_blocs and sel not in names:  # type: ignore[attr-defined]
                names.append(sel)
    return names
