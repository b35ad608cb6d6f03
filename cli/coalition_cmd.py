"""``trustsource coalition``: plan jointly with allies: the cost of fragmentation and a fair
split of the joint cost.

Calls :func:`trustsource.analysis.coalition.analysis.coalition` (every coalition of the
instance's buyers, 2^n - 1 joint plans through the runner) and prints the answer and the member
and fragmentation tables (``table``), one JSON object (``json``) or the member table as CSV
(``csv``); ``--out DIR`` also writes coalition.json, the tables as CSV and a chart. Exit codes:
0 with a split, 1 internal error, 2 invalid input (no buyers), 3 when some coalition has no plan
(the game is not defined).
"""

from __future__ import annotations

import json

import click
from trustsource.cli.common import (
    EXIT_INFEASIBLE,
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
    workers_option,
)
from trustsource.cli.progress import progress_bar, progress_option


@click.command("coalition")
@click.argument("file", type=str)
@click.option(
    "--split",
    type=click.Choice(["shapley", "nucleolus", "proportional"]),
    default="shapley",
    show_default=True,
    help="How to split the joint cost: the Shapley value, the nucleolus, or in proportion to "
    "demand.",
)
@out_dir_option("coalition.json, coalition_*.csv, coalition.png and coalition.svg")
@variant_option("Plan")
@_format
@workers_option
@scheduler_option
@time_limit_option("each coalition's solve")
@mip_gap_option("every solve")
@base_dir_option()
@progress_option
@_debug
def coalition_command(
    file: str,
    split: str,
    out_dir: str | None,
    variant: str | None,
    fmt: str,
    workers: int | None,
    scheduler: str | None,
    time_limit: float | None,
    mip_gap: float,
    base_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """Solve every coalition of the buyers of FILE ('-' reads stdin): the joint plan, each
    member's cost alone, the cost of fragmentation by source, and a split of the joint cost
    with whether it is in the core."""
    from trustsource.analysis.coalition.analysis import coalition

    with error_boundary(debug, fmt):
        require_distributed(scheduler)
        inst = load_instance(file, base_dir, variant)
        with progress_bar("coalition: groups", show_progress) as progress:
            res = coalition(
                inst,
                split,  # type: ignore[arg-type]
                workers=workers,
                scheduler=scheduler,
                time_limit=time_limit,
                mip_rel_gap=mip_gap,
                progress=progress,
            )
        if out_dir is not None:
            res.write(out_dir)
        if fmt == "json":
            click.echo(json.dumps(res.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(res.member_table()), nl=False)
        else:
            click.echo("\n".join(res.summary_lines()))
        if res.split is None:
            raise Failure(f"no split: {res.message}", EXIT_INFEASIBLE)
