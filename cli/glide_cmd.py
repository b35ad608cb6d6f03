"""``trustsource glide``: from which period can a rule hold, what blocks it before, and what
bringing the deadline forward costs (periodic instances).

Calls :func:`trustsource.analysis.glide.glide` and prints the answer and one line per deadline
(``table``), one JSON object (``json``) or the deadlines as CSV (``csv``); ``--out DIR`` also
writes glide.json, glide_deadlines.csv, glide_path.csv and the path chart as glide.png and
glide.svg. Exit codes: 0 when the rule can hold from some period, 1 internal error, 2 invalid
input (no periods, no such rule), 3 when it cannot hold even in the last period.
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
    time_limit_option,
    variant_option,
    workers_option,
)
from trustsource.cli.progress import progress_bar, progress_option


@click.command("glide")
@click.argument("file", type=str)
@click.option("--rule", "rule", required=True, help="Name of the rule to glide on.")
@click.option(
    "--target",
    type=float,
    default=None,
    help="The limit from the deadline on (default: the rule's value in the last period).",
)
@out_dir_option("glide.json, glide_deadlines.csv, glide_path.csv, glide.png and glide.svg")
@variant_option("Plan")
@_format
@workers_option
@time_limit_option("each solve")
@mip_gap_option("every solve")
@base_dir_option()
@progress_option
@_debug
def glide_command(
    file: str,
    rule: str,
    target: float | None,
    out_dir: str | None,
    variant: str | None,
    fmt: str,
    workers: int | None,
    time_limit: float | None,
    mip_gap: float,
    base_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """Find the earliest period from which RULE can hold (at --target) in the periodic
    instance FILE, what blocks it in the period before, and what each period earlier costs
    ('-' reads stdin)."""
    from trustsource.analysis.glide import glide

    with error_boundary(debug, fmt):
        inst = load_instance(file, base_dir, variant)
        with progress_bar("glide: deadlines", show_progress) as progress:
            res = glide(
                inst,
                rule,
                target,
                workers=workers,
                time_limit=time_limit,
                mip_rel_gap=mip_gap,
                progress=progress,
            )
        if out_dir is not None:
            res.write(out_dir)
        if fmt == "json":
            click.echo(json.dumps(res.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(res.table), nl=False)
        else:
            click.echo("\n".join(res.summary_lines()))
        if res.earliest is None:
            raise Failure(
                f"`{rule}` cannot hold at {res.target:g} even in {res.years[-1]}", EXIT_INFEASIBLE
            )
