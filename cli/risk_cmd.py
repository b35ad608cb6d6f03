"""``trustsource risk``: the two-stage plan over the instance's scenarios (expected cost, CVaR).

Calls :func:`trustsource.analysis.risk.risk` and prints the summary (``table``), one JSON object
(``json``) or the per-scenario table as CSV (``csv``); ``--out DIR`` also writes risk.json,
risk_scenarios.csv and the cost distribution as risk.png and risk.svg. Exit codes: 0 with a
plan (optimal or feasible), 1 internal error, 2 invalid input (missing probabilities or
penalties), 3 infeasible, 4 no plan within the limits.
"""

from __future__ import annotations

import json

import click
from trustsource.cli.common import (
    EXIT_OK,
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
    stop_flag,
    time_limit_option,
    variant_option,
    workers_option,
)


@click.command("risk")
@click.argument("file", type=str)
@click.option(
    "--measure",
    type=click.Choice(["expected", "cvar", "mean_cvar"]),
    default=None,
    help="What to minimise: expected cost, CVaR, or (1 - weight) x expected + weight x CVaR "
    "(default: the instance's risk section, else expected).",
)
@click.option("--alpha", type=float, default=None, help="CVaR level in (0, 1) (default 0.95).")
@click.option(
    "--weight", type=float, default=None, help="Weight of CVaR in mean_cvar, in [0, 1] (0.5)."
)
@click.option(
    "--rules",
    type=click.Choice(["keep", "drop"]),
    default=None,
    help="keep: every rule holds in every scenario (default); drop: in the base case only.",
)
@click.option(
    "--method",
    type=click.Choice(["extensive", "lshaped"]),
    default="extensive",
    show_default=True,
    help="extensive: one model with a copy of the plan per scenario; lshaped: decomposition "
    "(a master over the qualifications, one subproblem per scenario) for many scenarios.",
)
@click.option(
    "--no-figures",
    is_flag=True,
    help="Skip VSS, EVPI and the deterministic comparison (three more solves per scenario).",
)
@out_dir_option("risk.json, risk_scenarios.csv, risk.png and risk.svg")
@variant_option("Plan")
@_format
@workers_option
@time_limit_option("the extensive form, and each per-scenario solve")
@mip_gap_option("every solve")
@base_dir_option()
@_debug
def risk_command(
    file: str,
    measure: str | None,
    alpha: float | None,
    weight: float | None,
    rules: str | None,
    method: str,
    no_figures: bool,
    out_dir: str | None,
    variant: str | None,
    fmt: str,
    workers: int | None,
    time_limit: float | None,
    mip_gap: float,
    base_dir: str | None,
    debug: bool,
) -> None:
    """Choose which offers to qualify (and sites to onboard) before a disruption so that the
    expected cost, or its bad tail (CVaR), over the scenarios of FILE is least; each scenario's
    probability is in the instance, the base case takes the rest ('-' reads stdin)."""
    from trustsource.analysis.risk import risk

    flag = stop_flag(polled=True)
    with error_boundary(debug, fmt):
        inst = load_instance(file, base_dir, variant)
        res = risk(
            inst,
            measure=measure,  # type: ignore[arg-type]
            alpha=alpha,
            weight=weight,
            rules=rules,
            figures=not no_figures,
            method="lshaped" if method == "lshaped" else "extensive",
            workers=workers,
            time_limit=time_limit,
            mip_rel_gap=mip_gap,
            stop=flag.is_set,
        )
        if out_dir is not None:
            res.write(out_dir)
        if fmt == "json":
            click.echo(json.dumps(res.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(res.scenarios), nl=False)
        else:
            click.echo(res.text())
        code = exit_code(res.status)
        if flag.is_set():
            raise Failure("interrupted", flag.exit_code)
        if code != EXIT_OK:
            raise Failure(f"status: {res.status.value}", code)
