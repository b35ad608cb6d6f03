"""``trustsource sweep``: solve an instance over a range of one rule parameter or demand scale.

Calls :func:`trustsource.analysis.sweep.sweep` and prints the table (``table``), one JSON object
(``json``) or CSV (``csv``); ``--out DIR`` also writes sweep.csv, sweep.json, sweep.png and
sweep.svg. Exit codes: 0 when the sweep ran (infeasible points are results, not failures),
1 internal error, 2 invalid input (unknown rule, non-numeric key, bad range or value).
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
from trustsource.cli.common import (
    EXIT_INVALID,
    Failure,
    _debug,
    _format,
    base_dir_option,
    csv_stdout,
    error_boundary,
    load_instance,
    mip_gap_option,
    out_dir_option,
    require_distributed,
    scheduler_option,
    time_limit_option,
    variant_option,
)
from trustsource.cli.progress import progress_bar, progress_option


@click.command("sweep")
@click.argument("file", type=str)
@click.option(
    "--rule",
    default=None,
    help="Rule whose numeric key is varied (omit with --param demand_scale).",
)
@click.option(
    "--param",
    required=True,
    help="Key to vary: max_share, min_share, coverage, max_hhi, count, "
    "max_share_without, min_share_each; or demand_scale (no --rule).",
)
@click.option("--from", "start", type=float, required=True, help="First value.")
@click.option("--to", "stop", type=float, required=True, help="Last value (inclusive).")
@click.option("--step", type=float, required=True, help="Spacing of the values (> 0).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Local processes (default: up to 4 when the points repay starting them on idle "
    "cores; 1: serial).",
)
@scheduler_option
@out_dir_option("sweep.csv, sweep.json, sweep.png and sweep.svg")
@_format
@variant_option("Sweep")
@time_limit_option("each solve")
@mip_gap_option("each solve")
@base_dir_option()
@progress_option
@_debug
def sweep_command(
    file: str,
    rule: str | None,
    param: str,
    start: float,
    stop: float,
    step: float,
    workers: int | None,
    scheduler: str | None,
    out_dir: str | None,
    fmt: str,
    variant: str | None,
    time_limit: float | None,
    mip_gap: float,
    base_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """Solve instance FILE at each value of one parameter from --from to --to by --step and
    report cost (purchase and shortfall penalty), unmet demand, concentration and binding rules
    per value, and the breaking point (the first value with shortfall or no feasible plan,
    and which) ('-' reads stdin)."""
    from trustsource.analysis.sweep import sweep, sweep_values

    with error_boundary(debug, fmt):
        inst = load_instance(file, base_dir, variant)
        try:
            sweep_values(start, stop, step)  # a bad range is exit 2 before any solve
        except ValueError as exc:
            raise Failure(f"error: {exc}", EXIT_INVALID) from None
        require_distributed(scheduler)
        with progress_bar("sweep", show_progress) as progress:
            result = sweep(
                inst,
                rule=rule,
                param=param,
                start=start,
                stop=stop,
                step=step,
                workers=workers,
                scheduler=scheduler,
                time_limit=time_limit,
                mip_rel_gap=mip_gap,
                progress=progress,
            )
        if out_dir is not None:
            result.write(out_dir)
        if fmt == "json":
            click.echo(json.dumps(result.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(result.table), nl=False)
        else:
            click.echo(render_sweep(result))


def render_sweep(result: Any) -> str:
    """The readable summary: one line per value (cost split into purchase and shortfall
    penalty, the worst item short), then the breaking point and what broke."""
    import pandas as pd  # here, not at start-up: loaded once a result exists
    from trustsource.results.plan import compact_money

    t = result.table
    view = pd.DataFrame({"value": t["value"]})
    # A plan that leaves demand unmet is never a bare "optimal": the penalty goes with it.
    short = (
        pd.to_numeric(t["shortfall_items"], errors="coerce").fillna(0) > 0
        if "shortfall_items" in t
        else pd.Series(False, index=t.index)
    )
    pen = t["shortfall_penalty"] if "shortfall_penalty" in t else pd.Series(math.nan, t.index)
    view["status"] = [
        f"{st}, {compact_money(p)} penalty" if sh else st
        for st, sh, p in zip(t["status"], short, pen)
    ]
    for col, name in (
        ("cost", "cost"),
        ("purchase_cost", "purchase"),
        ("shortfall_penalty", "shortfall penalty"),
    ):
        if col in t:
            view[name] = t[col].map(_money)
    if "worst_shortfall_item" in t:
        view["worst shortfall"] = [
            f"{i} {v:.1%}" if isinstance(i, str) else ("-" if v != v else "none")
            for i, v in zip(t["worst_shortfall_item"], t["worst_shortfall_share"])
        ]
    if "max_hhi" in t:
        view["max_hhi"] = t["max_hhi"].map(lambda v: "-" if v != v else f"{v:,.0f}")
    if "top_share" in t:
        view["top_share"] = t["top_share"].map(lambda v: "-" if v != v else f"{v:.1%}")
    for col in ("top_country", "binding"):
        if col in t:
            view[col] = t[col]
    if "solve_seconds" in t:
        view["solve_seconds"] = t["solve_seconds"].map(lambda v: f"{v:.2f}")
    view = view.fillna("-")
    lines = [
        f"{result.instance_name}: sweep of {result.label} ({len(t)} points, "
        f"{result.wall_seconds:.2f} s; {result.currency})",
        "",
        view.to_string(index=False),
        "",
    ]
    bp = result.breaking_point
    if bp is None:
        lines.append("breaking point: none (every point has a plan that meets all demand)")
    else:
        lines.append(f"breaking point: {result.label} {bp:g} \u2014 {result.breaking_detail}")
        later = result.first_infeasible
        if result.breaking_reason == "shortfall":
            lines.append(f"first infeasible value: {'none' if later is None else f'{later:g}'}")
    for value, err in result.errors.items():
        lines.append(f"  error at {value:g}: {err.splitlines()[0] if err else ''}")
    return "\n".join(lines)


def _money(v: Any) -> str:
    return "-" if v is None or v != v else f"{v:,.2f}"
