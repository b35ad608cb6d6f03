"""Rendering plans for people (terminal tables) and for files (CSV, JSON)."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

from trustsource.cli.plan_text import binding_lines, closing_line, money, share_parts

TABLES = ("allocations", "items", "rules", "sites", "costs")
TOP_PER_ITEM = 4  # awards listed per item in the terminal summary of a long plan


def render_table(plan: Any, inst: Any) -> str:
    """A summary a buyer can read: status, cost, awards, country shares, binding rules."""
    if getattr(plan, "periods", ()):
        from trustsource.cli.period_view import render_periods

        return render_periods(plan, _binding_text)
    lines = [f"{plan.instance_name}: {plan.status_text}"]
    if plan.objective is not None:
        gap = "" if plan.mip_gap is None else f"  (MIP gap {plan.mip_gap:.4%})"
        lines.append(f"total cost: {money(plan.objective, plan.currency)}{gap}")
        if plan.has_shortfall:
            # The objective mixes what is bought with what is charged for not buying: split it.
            lines.append(f"  purchase cost: {money(plan.purchase_cost, plan.currency)}")
            lines.append(
                f"  shortfall penalty: {money(plan.shortfall_penalty, plan.currency)}"
                " (for unmet demand)"
            )
            lines.extend(_shortfall_lines(plan))
    if plan.findings:
        lines.extend(f"  - {f.message}" for f in plan.findings)
    elif plan.message:
        lines.append(plan.message)
    if not plan.has_solution or "item" not in plan.items:
        return "\n".join(lines)
    alloc = plan.allocations
    lines.append("")
    shown = alloc[alloc["quantity"] > 0][
        ["item", "supplier", "country", "owner", "quantity", "unit_cost", "cost", "share"]
    ].copy()
    if len(shown):
        lines.append("awarded suppliers:")
    else:
        # An empty DataFrame's repr is not an answer; say what it means.
        lines.append("no supplier is awarded (all demand goes unmet)")
    # Long plans: the largest awards per item, so the summary stays readable.
    shown = shown.sort_values(["item", "share"], ascending=[True, False], kind="stable")
    shown["rank"] = shown.groupby("item", sort=False).cumcount()
    hidden = int((shown["rank"] >= TOP_PER_ITEM).sum()) if len(shown) > 3 * TOP_PER_ITEM else 0
    if hidden:
        shown = shown[shown["rank"] < TOP_PER_ITEM]
    order = {item: k for k, item in enumerate(plan.items["item"])}
    shown = shown.sort_values("item", key=lambda c: c.map(order), kind="stable").drop(
        columns="rank"
    )
    shown["share"] = (shown["share"] * 100).map("{:.1f} %".format)
    if len(shown):
        lines.append(_indent(shown.to_string(index=False, float_format=lambda v: f"{v:,.2f}")))
    if hidden:
        lines.append(
            f"  ... and {hidden} smaller awards (the {TOP_PER_ITEM} largest per item "
            "are shown; --format csv or --out DIR lists all)"
        )
    standby = alloc[(alloc["quantity"] <= 0) & alloc["qualified"]]
    if len(standby):
        lines.append(f"qualified without award: {', '.join(standby['supplier'])}")
    if len(plan.costs):
        parts = plan.costs.groupby("component", sort=False)["cost"].sum()
        lines.append(
            "cost breakdown: "
            + ", ".join(f"{name} {money(float(v), plan.currency)}" for name, v in parts.items())
        )
    lines.append("")
    lines.append("country shares per item:")
    for it in plan.items.itertuples():
        mine = alloc[(alloc["item"] == it.item) & (alloc["quantity"] > 0)]
        short = f"; shortfall {it.shortfall:,.6g}" if it.shortfall > 0 else ""
        lines.append(
            f"  {it.item}: {it.supply:,.6g} {it.unit} from {share_parts(mine, 6)} "
            f"(HHI {it.hhi:,.0f}){short}"
        )
    lines.extend(binding_lines(plan, _binding_text))
    lines.extend(closing_line(plan))
    return "\n".join(lines)


def _shortfall_lines(plan: Any) -> list[str]:
    """One line per item left short: quantity, share of demand, penalty."""
    return [
        f"  shortfall: {r.item} {r.shortfall:,.6g} of {r.demand:,.6g} {r.unit} "
        f"({r.shortfall_share:.1%} of demand), penalty {money(r.penalty, plan.currency)}"
        for r in plan.shortfalls.itertuples()
    ]


def _binding_text(r: Any) -> str:
    """A binding rule row in words (see :func:`trustsource.output.plan_words.binding_text`)."""
    # Imported here: this module is loaded by every command at start-up, the model is not.
    from trustsource.output.plan_words import binding_text

    return binding_text(r)


def _indent(text: str, pad: str = "  ") -> str:
    return "\n".join(pad + line for line in text.splitlines())


def render_csv(plan: Any) -> str:
    """The allocations as CSV (the table a buyer imports back into a spreadsheet).

    When the plan leaves demand unmet, a last column ``kind`` is added (``supplier`` for the
    allocation rows) and one ``shortfall`` row per item short follows them: empty supplier,
    ``quantity`` the quantity short, ``unit_cost`` the penalty per unit, ``cost`` the penalty,
    ``share`` the share of the item's demand left unmet. The ``cost`` column then sums to the
    objective. Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is
    neutralised.
    """
    import pandas as pd  # here, not at start-up: loaded once a result exists
    from trustsource.safe_writes import csv_text

    if not plan.has_solution:
        return csv_text(pd.DataFrame(columns=["supplier", "item", "quantity"]))
    sh = plan.shortfalls
    if not len(sh):
        return csv_text(plan.allocations)
    alloc = plan.allocations.assign(kind="supplier")
    short = pd.DataFrame(
        {
            "supplier": None,
            "item": sh["item"],
            "quantity": sh["shortfall"],
            "unit_cost": sh["penalty"] / sh["shortfall"],
            "variable_cost": sh["penalty"],
            "fixed_cost": 0.0,
            "cost": sh["penalty"],
            "share": sh["shortfall_share"],
            "kind": "shortfall",
        },
        columns=alloc.columns,
    )
    return csv_text(pd.concat([alloc, short], ignore_index=True))


# What an --out folder of ``solve`` holds: an earlier run's folder may be replaced whole.
OUT_FILES = (
    "plan.json",
    "summary.*",
    *(f"{t}.*" for t in (*TABLES, "builds", "stock")),
    "plan.xlsx",
)


def write_out_dir(plan: Any, out_dir: str, xlsx: bool = False, instance: Any | None = None) -> None:
    """Write plan.json, the plan tables and a KPI summary: the whole folder or nothing.

    CSV always; Parquet too where pyarrow is installed; ``plan.xlsx`` (the award workbook: a
    summary sheet first, then a formatted sheet per table, and the rules of ``instance`` when
    given) with ``xlsx``. A plan without a solution writes only plan.json (its status and
    message). The folder is built next to ``out_dir`` and renamed into place (see
    ``atomic_folder``).
    """
    from trustsource.output.exports import write_plan
    from trustsource.safe_writes import atomic_folder, atomic_write_text

    formats = ["csv"]
    if importlib.util.find_spec("pyarrow") is not None:
        formats.append("parquet")
    if xlsx:
        formats.append("xlsx")

    def fill(tmp: Path) -> list[Path]:
        paths = [atomic_write_text(tmp / "plan.json", json.dumps(plan.to_dict(), indent=2))]
        if plan.has_solution:
            paths += write_plan(plan, tmp, formats=formats, instance=instance)
        return paths

    atomic_folder(out_dir, fill, owned=OUT_FILES)


def _show_progress(flag: bool | None, solver_log: bool) -> bool:
    if solver_log:
        return False  # HiGHS's own log is already on screen
    return sys.stderr.isatty() if flag is None else flag


def progress_line(flag: bool | None, solver_log: bool) -> Any:
    """A progress callback that rewrites one status line on stderr, or None when off."""
    if not _show_progress(flag, solver_log):
        return None

    def show(event: dict[str, Any]) -> None:
        stage = event.get("stage")
        if stage == "solve" and "time" in event:
            obj, gap = event.get("objective"), event.get("gap")
            inc = f"best {obj:,.2f}" if obj is not None and math.isfinite(obj) else "no plan yet"
            gap_text = f", gap {gap:.3%}" if gap is not None and math.isfinite(gap) else ""
            text = f"solving {event['time']:6.1f} s: {inc}{gap_text}"
        elif stage == "blocks":
            reused = f", {event['reused']} reused" if event.get("reused") else ""
            text = (
                f"solving {event['time']:6.1f} s: block {event['done']} of {event['total']} "
                f"done{reused}"
            )
        elif stage == "hhi":
            text = (
                f"HHI cut {event['iteration']}: {event['item']} at {event['hhi']:,.0f}, re-solving"
            )
        else:
            text = f"{stage} ..."
        sys.stderr.write("\r" + text[:78].ljust(78))
        sys.stderr.flush()

    return show


def clear_progress(flag: bool | None, solver_log: bool) -> None:
    """Erase the progress line before the result is printed."""
    if _show_progress(flag, solver_log):
        sys.stderr.write("\r" + " " * 78 + "\r")
        sys.stderr.flush()
