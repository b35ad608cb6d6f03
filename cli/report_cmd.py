"""``trustsource report``: one self-contained HTML page describing the plan of an instance.

The command loads an instance, solves it, prices each rule (unless ``--no-prices``) and writes
:func:`trustsource.output.report.build_report`'s page to ``--out`` atomically. Exit codes as
``solve``: 0 ok, 1 internal error, 2 invalid input, 3 the instance is infeasible or unbounded,
4 no plan within the time limit. Without a plan (exit 3 or 4) a short report saying so, with
the rules and sources, is still written, so a shared link never points at a stale page.
"""

from __future__ import annotations

import click
from trustsource.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_INTERNAL,
    EXIT_NO_SOLUTION,
    Failure,
    _debug,
    base_dir_option,
    error_boundary,
    load_instance,
    mip_gap_option,
    time_limit_option,
    variant_option,
)
from trustsource.cli.progress import progress_bar, progress_option


@click.command("report")
@click.argument("file", type=str)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    required=True,
    help="The HTML file to write (e.g. report.html).",
)
@variant_option("Report on")
@time_limit_option("each solve")
@mip_gap_option("each solve")
@click.option(
    "--no-prices",
    is_flag=True,
    help="Skip pricing each rule (one re-solve per rule); the cost of trust is still shown.",
)
@click.option(
    "--no-stress",
    is_flag=True,
    help="Skip 'What breaks if a country drops out' (one re-solve per country of the six the "
    "plan spends most on).",
)
@click.option(
    "--no-sweep",
    is_flag=True,
    help="Skip the cost curve of the main cap (about six re-solves, serial).",
)
@base_dir_option()
@progress_option
@_debug
def report_command(
    file: str,
    out: str,
    variant: str | None,
    time_limit: float | None,
    mip_gap: float,
    no_prices: bool,
    no_stress: bool,
    no_sweep: bool,
    base_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """Write a self-contained HTML report of the plan for instance FILE ('-' reads stdin):
    status, cost (purchase cost and penalty for unmet demand apart), unmet demand per item,
    cost of trust, country shares before and after the rules, the rules and their prices
    (an interval where the solves are not proven optimal), what breaks if a country drops out
    (stress), the cost curve of the main cap (a small sweep), the awarded suppliers and the
    sources."""
    from trustsource import explain, solve
    from trustsource.analysis.baseline import no_rules_plan
    from trustsource.analysis.explain_common import range_text
    from trustsource.analysis.stress import stress
    from trustsource.analysis.sweep import sweep
    from trustsource.output.figures import cost_split, status_words
    from trustsource.output.report import build_report
    from trustsource.output.report_periods import is_periodic
    from trustsource.output.report_sections import curve_values, main_cap, stress_countries
    from trustsource.safe_writes import atomic_write_text
    from trustsource.status import Status

    with error_boundary(debug):
        inst = load_instance(file, base_dir, variant)
        explanation = None
        if not no_prices and inst.rules:
            with progress_bar("report: rule prices", show_progress) as progress:
                explanation = explain(
                    inst,
                    time_limit=time_limit,
                    mip_rel_gap=mip_gap,
                    marginals=False,
                    progress=progress,
                )
            plan = explanation.base
        else:
            plan = solve(inst, time_limit=time_limit, mip_rel_gap=mip_gap)
        if plan.violations:
            raise Failure(
                "internal error: the plan failed independent verification:\n"
                + "\n".join(f"  - {v.message}" for v in plan.violations),
                EXIT_INTERNAL,
            )
        baseline = None
        if explanation is None and plan.has_solution:  # the "before" charts
            baseline = no_rules_plan(inst, time_limit=time_limit, mip_rel_gap=mip_gap)
        opts = {"time_limit": time_limit, "mip_rel_gap": mip_gap}
        # Stress and sweep describe one year: a periodic plan has its own commands for them.
        more = plan.has_solution and not is_periodic(plan)
        stressed = None
        if more and not no_stress:
            lost = stress_countries(plan)
            if lost:
                with progress_bar("report: stress", show_progress) as progress:
                    scenarios = {c: {c: 0.0} for c in lost}
                    stressed = stress(inst, scenarios=scenarios, progress=progress, **opts)
        curve, current = None, None
        cap = main_cap(inst, explanation) if more and not no_sweep else None
        if cap is not None:
            rule, param, current = cap
            start, stop, step = curve_values(current)
            with progress_bar("report: cost curve", show_progress) as progress:
                curve = sweep(
                    inst,
                    rule=rule,
                    param=param,
                    start=start,
                    stop=stop,
                    step=step,
                    workers=1,
                    progress=progress,
                    **opts,
                )
        text = build_report(
            inst,
            plan,
            explanation,
            baseline=baseline,
            stress=stressed,
            sweep=curve,
            sweep_current=current,
        )
        path = atomic_write_text(out, text)
        status = plan.status
        if status is Status.INFEASIBLE or status is Status.UNBOUNDED:
            raise Failure(
                f"status: {status.value}; wrote a short report to {path}; run "
                f"`trustsource diagnose {file}` to see which rules conflict",
                EXIT_INFEASIBLE,
            )
        if status is Status.NO_SOLUTION:
            raise Failure(
                f"status: no_solution (raise --time-limit); wrote a short report to {path}",
                EXIT_NO_SOLUTION,
            )
        # The same words as the page: never a bare "optimal" for a plan that leaves demand
        # unmet or was not proven optimal; the penalty apart from what is bought.
        buy, penalty = cost_split(plan, inst)
        cost = "-" if plan.objective is None else f"{plan.objective:,.2f} {plan.currency}"
        if penalty:
            cost += f" = {buy:,.2f} purchase cost + {penalty:,.2f} penalty for unmet demand"
        click.echo(f"wrote {path} ({status_words(plan, inst)}; total cost {cost})")
        if (
            explanation is not None
            and not explanation.cost_of_trust_proven
            and explanation.cost_of_trust_low is not None
        ):
            span = range_text(
                explanation.cost_of_trust_low,
                explanation.cost_of_trust_high or float("inf"),
                plan.currency,
            )
            click.echo(
                "cost of trust not proven: the solves stopped before proving optimality "
                f"(see the report); it lies {span}"
            )
