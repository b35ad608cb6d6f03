"""The text summary of a periodic plan: the path period by period (``solve`` on an instance
with ``periods``). Imported by :mod:`cli.output` only when a plan has periods."""

from __future__ import annotations

from typing import Any

from trustsource.cli.plan_text import binding_lines, closing_line, money, share_parts

TOP_COUNTRIES = 5


def render_periods(plan: Any, binding_text: Any) -> str:
    """Status and cost, cost per period, builds, stock, shares per item and period, and the
    binding rules per period (``binding_text`` words a rule row as the single-year summary)."""
    cur = plan.currency
    years = list(plan.periods)
    lines = [f"{plan.instance_name}: {plan.status_text}"]
    if plan.objective is not None:
        gap = "" if plan.mip_gap is None else f"  (MIP gap {plan.mip_gap:.4%})"
        lines.append(
            f"total cost over {years[0]}-{years[-1]} (present value): "
            f"{money(plan.objective, cur)}{gap}"
        )
    for r in plan.shortfalls.to_dict("records"):
        lines.append(
            f"  shortfall: {r['period']} {r['item']} {r['shortfall']:,.6g} of "
            f"{r['demand']:,.6g} {r['unit']} ({r['shortfall_share']:.1%} of demand), penalty "
            f"{money(r['penalty'], cur)} (present value)"
        )
    if plan.message:
        lines.append(plan.message)
    if not plan.has_solution:
        return "\n".join(lines)
    costs = plan.costs
    if len(costs):
        per = costs.groupby("period")["cost"].sum()
        lines.append(
            "cost by period: " + ", ".join(f"{y} {money(float(v), cur)}" for y, v in per.items())
        )
        parts = costs.groupby("component", sort=False)["cost"].sum()
        lines.append(
            "cost breakdown: "
            + ", ".join(f"{name} {money(float(v), cur)}" for name, v in parts.items())
        )
    b = plan.builds
    lines.append("")
    if len(b):
        lines.append("builds:")
        for r in b.itertuples():
            lines.append(
                f"  {r.supplier} ({r.item}, {r.country}): decided {r.decided}, usable from "
                f"{r.usable_from}, +{r.capacity:,.6g} a year, capex {money(r.capex, cur)}"
            )
    else:
        lines.append("builds: none")
    s = plan.stock
    if len(s):
        lines.append("stock (end of period):")
        for item, rows in s.groupby("item", sort=False):
            path = ", ".join(f"{r.period} {r.end:,.6g}" for r in rows.itertuples())
            lines.append(f"  {item}: start {rows['start'].iloc[0]:,.6g}; {path}")
    alloc = plan.allocations
    lines.append("")
    lines.append("country shares per item and period:")
    for item in dict.fromkeys(plan.items["item"]):
        lines.append(f"  {item}:")
        for it in plan.items[plan.items["item"] == item].itertuples():
            mine = alloc[
                (alloc["item"] == item) & (alloc["period"] == it.period) & (alloc["quantity"] > 0)
            ]
            parts = share_parts(mine, TOP_COUNTRIES)
            short = f"; shortfall {it.shortfall:,.6g}" if it.shortfall > 0 else ""
            lines.append(
                f"    {it.period}: {it.supply:,.6g} {it.unit} from {parts} "
                f"(HHI {it.hhi:,.0f}){short}"
            )
    lines.extend(binding_lines(plan, binding_text))
    lines.extend(closing_line(plan))
    return "\n".join(lines)
