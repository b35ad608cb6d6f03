"""``trustsource alternatives``: the room to move near the optimum.

Calls :func:`trustsource.analysis.alternatives.alternatives`: per item, the least and most share
each country (supplier, bloc) can take in a plan within ``--slack`` of the optimum, with its role
(must-have, swappable, excluded), and ``--count`` diverse near-optimal plans, each verified.
Prints the ranges and plans (``table``), one JSON object (``json``) or the ranges as CSV
(``csv``); ``--out DIR`` also writes alternatives.json, the ranges and plans as CSV and a chart.
Exit codes: 0 with ranges, 1 internal error (a plan failed verification), 2 invalid input,
3 infeasible, 4 no optimum within the time limit.
"""

from __future__ import annotations

import json

import click
from trustsource.cli.common import (
    EXIT_INTERNAL,
    Failure,
    _debug,
    _format,
    base_dir_option,
    csv_stdout,
    error_boundary,
    exit_code,
    load_instance,
    mip_gap_option,
    out_dir_option,
    require_distributed,
    scheduler_option,
    time_limit_option,
    variant_option,
    workers_option,
)
from trustsource.cli.progress import progress_bar, progress_option


def _items(value: str | None) -> list[str] | None:
    """``--items a,b`` as a list (None: every item)."""
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


@click.command("alternatives")
@click.argument("file", type=str)
@click.option(
    "--slack",
    type=float,
    default=0.02,
    show_default=True,
    help="Cost allowed above the optimum, as a share of it (0.02: plans up to 2 % dearer).",
)
@click.option(
    "--count",
    type=int,
    default=3,
    show_default=True,
    help="Diverse near-optimal plans to find (0: none).",
)
@click.option(
    "--by",
    type=click.Choice(["country", "supplier", "bloc"]),
    default="country",
    show_default=True,
    help="Measure shares by country, supplier or bloc.",
)
@click.option(
    "--basis",
    type=click.Choice(["location", "owner", "control"]),
    default="location",
    show_default=True,
    help="An offer's country for --by country and bloc: where it is, its owner's country, or "
    "the country controlling its owner through the instance's entities.",
)
@click.option("--items", default=None, help="Comma-separated items to measure (default: all).")
@click.option("--no-ranges", is_flag=True, help="Skip the ranges; only find diverse plans.")
@click.option(
    "--share-tol",
    type=click.FloatRange(min=0, max=0.1),
    default=1e-4,
    show_default=True,
    help="Precision of a proven range end, as a share (1e-4: 0.01 percentage points).",
)
@out_dir_option(
    "alternatives.json, alternatives_ranges.csv, alternatives_plans.csv, alternatives.png "
    "and alternatives.svg"
)
@_format
@variant_option("Analyse")
@workers_option
@scheduler_option
@time_limit_option("each solve")
@mip_gap_option("the optimum and each diverse plan")
@base_dir_option()
@progress_option
@_debug
def alternatives_command(
    file: str,
    slack: float,
    count: int,
    by: str,
    basis: str,
    items: str | None,
    no_ranges: bool,
    share_tol: float,
    out_dir: str | None,
    fmt: str,
    variant: str | None,
    workers: int | None,
    scheduler: str | None,
    time_limit: float | None,
    mip_gap: float,
    base_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """How much room to move near the optimum of instance FILE ('-' reads stdin): per item,
    the least and most share each country (supplier, bloc) can take in any plan that meets
    every rule and costs at most (1 + --slack) times the optimum, and --count plans as
    different from the optimum and each other as the slack allows."""
    from trustsource.analysis.alternatives import alternatives

    with error_boundary(debug, fmt):
        require_distributed(scheduler)
        inst = load_instance(file, base_dir, variant)
        with progress_bar("alternatives: items", show_progress) as progress:
            res = alternatives(
                inst,
                slack=slack,
                count=count,
                by=by,
                basis=basis,
                items=_items(items),
                ranges=not no_ranges,
                workers=workers,
                scheduler=scheduler,
                time_limit=time_limit,
                mip_rel_gap=mip_gap,
                share_tol=share_tol,
                progress=progress,
            )
        rejected = [p for p in res.plans if p.plan.violations]
        if res.optimum.violations or rejected:
            raise Failure(
                "internal error: a plan failed independent verification; please report this "
                "instance",
                EXIT_INTERNAL,
            )
        if out_dir is not None and res.budget is not None:
            res.write(out_dir)
        if fmt == "json":
            click.echo(json.dumps(res.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(res.ranges), nl=False)
        else:
            click.echo("\n".join(res.summary_lines()))
        if res.budget is None:
            raise Failure(f"status: {res.optimum.status.value}", exit_code(res.optimum.status))
