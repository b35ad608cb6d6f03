"""``trustsource`` commands: ``validate`` and ``solve``.

The CLI parses options, calls the library and writes output; all printing happens here. Exit
codes (docs/cli.md): 0 ok, 1 internal error, 2 invalid input, 3 infeasible or unbounded, 4 no
solution within the time limit.
"""

from __future__ import annotations

import json
import traceback
from typing import Any

import click
from trustsource.cli.alternatives_cmd import alternatives_command
from trustsource.cli.coalition_cmd import coalition_command
from trustsource.cli.common import (
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    Failure,
    _debug,
    backend_option,
    base_dir_option,
    configure_logging,
    error_boundary,
    exit_after,
    exit_code,
    issue_records,
    load_instance,
    mip_gap_option,
    stop_flag,
    time_left,
    time_limit_option,
    variant_option,
)
from trustsource.cli.compare_cmd import compare_command, stress_command
from trustsource.cli.diagnose_cmd import diagnose_command
from trustsource.cli.explain_cmd import explain_command
from trustsource.cli.glide_cmd import glide_command
from trustsource.cli.io_cmd import convert_command, template_command
from trustsource.cli.packs_cmd import packs_command
from trustsource.cli.report_cmd import report_command
from trustsource.cli.risk_cmd import risk_command
from trustsource.cli.schema_cmd import schema_command
from trustsource.cli.sweep_cmd import sweep_command
from trustsource.cli.ui_cmd import ui_command


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: trustsource's version, the solver's and Python's (bug reports need all
    three), without importing the solver."""
    if not value or ctx.resilient_parsing:
        return
    import platform

    from trustsource._version import __version__, solver_version

    click.echo(
        f"trustsource {__version__} ({solver_version()}, Python {platform.python_version()})"
    )
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version of trustsource, HiGHS and Python, and exit.",
)
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Log more to stderr: -v what each step does (info), -vv everything (debug).",
)
@click.option("-q", "--quiet", is_flag=True, help="Log errors only (no warnings) to stderr.")
def cli(verbose: int, quiet: bool) -> None:
    """Diversified sourcing under trust constraints: cheapest compliant supplier portfolios."""
    configure_logging(verbose, quiet)


@cli.command()
@click.argument("file", type=str)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@base_dir_option()
@_debug
def validate(file: str, fmt: str, base_dir: str | None, debug: bool) -> None:
    """Check an instance FILE (YAML, JSON, .xlsx, a folder holding one instance document, or
    '-' for stdin); exit 2 with located messages if bad."""
    from trustsource.errors import InstanceError

    with error_boundary(debug, fmt):
        try:
            inst = load_instance(file, base_dir)
            issues = inst.findings
            warnings = inst.warnings
        except InstanceError as exc:
            if debug:
                traceback.print_exc()
            issues = exc.issues
            warnings = []
            inst = None
        if fmt == "json":
            click.echo(
                json.dumps(
                    {
                        "status": "invalid" if issues else "valid",
                        "valid": not issues,
                        "issues": issue_records(issues + warnings),
                    },
                    indent=2,
                )
            )
        elif issues:
            n = len(issues)
            click.echo(f"{file}: {n} problem{'s' if n != 1 else ''}", err=True)
            for i in issues:
                tag = "finding: " if i.kind == "finding" else ""
                click.echo(f"  - {tag}{i}", err=True)
        else:
            assert inst is not None
            click.echo(f"ok: {inst!r}")
            if inst.variants:
                click.echo(f"variants: {', '.join(inst.variants)}")
        if fmt != "json":
            for w in warnings:  # valid, but the solve may suffer: say so, do not fail
                click.echo(f"warning: {w}", err=True)
        if issues:
            raise Failure("", EXIT_INVALID)


@cli.command()
@click.argument("file", type=str)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "xlsx"]),
    default="table",
    show_default=True,
    help="Output format on stdout; xlsx writes plan.xlsx into --out instead.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Write plan.json, the plan tables (CSV; Parquet too where pyarrow is "
    "installed) and a KPI summary into this folder.",
)
@time_limit_option("the whole command, wall clock: reading, solving and writing")
@mip_gap_option()
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Solver threads (default: HiGHS's choice).",
)
@backend_option()
@variant_option("Solve")
@click.option(
    "--exit-form",
    type=click.Choice(["auto", "dense", "aux"]),
    default="auto",
    show_default=True,
    help="Formulation of exit rules: dense rows per lost unit, or an auxiliary total "
    "(auto: dense for countries and sites, aux for suppliers).",
)
@click.option(
    "--solver-log",
    is_flag=True,
    help="Show the HiGHS log (on stderr; stdout keeps the result only).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress line on stderr (default: when stderr is a terminal).",
)
@click.option(
    "--write-lp",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the model as an LP file with rule names (via Pyomo).",
)
@base_dir_option()
@_debug
def solve(
    file: str,
    fmt: str,
    out_dir: str | None,
    time_limit: float | None,
    mip_gap: float,
    threads: int | None,
    backend: str,
    variant: str | None,
    exit_form: str,
    solver_log: bool,
    progress: bool | None,
    write_lp: str | None,
    base_dir: str | None,
    debug: bool,
) -> None:
    """Find the cheapest compliant plan for instance FILE (a document, a folder holding one,
    or '-' for stdin)."""
    from trustsource import solve as solve_instance
    from trustsource.cli.output import (
        clear_progress,
        progress_line,
        render_csv,
        render_table,
        write_out_dir,
    )
    from trustsource.status import Status

    flag = stop_flag(polled=True)
    with error_boundary(debug, fmt):
        if fmt == "xlsx" and out_dir is None:
            raise click.UsageError("--format xlsx writes plan.xlsx into a folder: add --out DIR")
        inst = load_instance(file, base_dir, variant)
        if write_lp is not None and inst.periods:
            from trustsource.model.periods import build_periods

            build_periods(inst, exit_form=exit_form).write_lp(write_lp)  # type: ignore[arg-type]
        elif write_lp is not None:
            from trustsource import build_model

            build_model(inst, exit_form=exit_form).write_lp(write_lp)  # type: ignore[arg-type]
        plan = solve_instance(
            inst,
            time_limit=time_left(time_limit),
            mip_rel_gap=mip_gap,
            threads=threads,
            backend=backend,  # type: ignore[arg-type]
            log=solver_log,
            exit_form=exit_form,  # type: ignore[arg-type]
            progress=progress_line(progress, solver_log),
            stop=flag.is_set,
        )
        clear_progress(progress, solver_log)
        for w in plan.warnings:
            click.echo(f"warning: {w}", err=True)
        if out_dir is not None:
            write_out_dir(plan, out_dir, xlsx=fmt == "xlsx", instance=inst)
        if fmt == "xlsx":
            click.echo(render_table(plan, inst))
        elif fmt == "json":
            click.echo(json.dumps(plan.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(render_csv(plan), nl=False)
        else:
            click.echo(render_table(plan, inst))
        code = exit_code(plan.status)
        if flag.is_set():
            # A stop signal: the best plan so far was reported (or no_solution); the exit code
            # says the command was stopped, as shells expect.
            exit_after(plan, Failure(f"interrupted: {plan.message}", flag.exit_code))
        if plan.violations:
            exit_after(
                plan,
                Failure(
                    "internal error: the plan failed independent verification (status error):\n"
                    + "\n".join(f"  - {v.message}" for v in plan.violations),
                    EXIT_INTERNAL,
                ),
            )
        if code != EXIT_OK:
            hint = ""
            if plan.status is Status.INFEASIBLE:
                command = (
                    f"trustsource diagnose {file}"
                    + (f" --variant {variant}" if variant else "")
                    + (f" --base-dir {base_dir}" if base_dir else "")
                )
                hint = (
                    f" (the rules conflict or capacity is short); run `{command}` to see "
                    "which rules to relax and by how much"
                )
            exit_after(plan, Failure(f"status: {plan.status.value}{hint}", code))
        exit_after(plan, None)


# The analysis commands live in their own modules.
cli.add_command(explain_command)
cli.add_command(diagnose_command)
cli.add_command(report_command)
cli.add_command(schema_command)
cli.add_command(convert_command)
cli.add_command(template_command)
cli.add_command(compare_command)
cli.add_command(stress_command)
cli.add_command(sweep_command)
cli.add_command(risk_command)
cli.add_command(glide_command)
cli.add_command(coalition_command)
cli.add_command(alternatives_command)
cli.add_command(ui_command)
cli.add_command(packs_command)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: the command runs with stdout guarded (see cli/guard.py)."""
    import sys
    import time

    from trustsource.cli.guard import (
        Interrupted,
        StopFlag,
        guarded_stdout,
        process_age,
        stop_on_signals,
    )

    started = time.perf_counter() - process_age()
    args = sys.argv[1:] if argv is None else argv
    flag = StopFlag()
    try:
        with guarded_stdout(args), stop_on_signals(flag):
            return cli.main(
                args=args, prog_name="trustsource", obj={"started": started, "stop": flag}
            )
    except Interrupted as exc:  # a signal outside any command's error boundary (start-up)
        sys.stderr.write(f"interrupted: stopped by {exc}\n")
        sys.exit(exc.code)


if __name__ == "__main__":  # pragma: no cover
    main()
