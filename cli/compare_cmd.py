"""``trustsource compare`` and ``trustsource stress``.

``compare`` solves an instance's baseline and its named variants side by side
(:func:`trustsource.analysis.compare.compare`); ``stress`` loses each supplying country (or site)
of the optimal plan in turn and re-optimises with shortfall allowed
(:func:`trustsource.analysis.stress.stress`). Both write a readable table, one JSON object or CSV.
Exit codes: 0 ran, 1 internal error, 2 invalid input, 3 the baseline itself is infeasible
(``trustsource diagnose`` says why), 4 no baseline plan within the time limit.
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
from trustsource.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_NO_SOLUTION,
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
)
from trustsource.cli.common import (
    workers_option as _workers,
)
from trustsource.cli.output import _indent
from trustsource.cli.progress import progress_bar, progress_option


def _m(v: Any, signed: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:+,.2f}" if signed else f"{v:,.2f}"


def _p(v: Any, signed: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{100 * v:+.1f} %" if signed else f"{100 * v:.1f} %"


def _short(n: Any) -> bool:
    """Whether a summary's ``shortfall_items`` says items are short (NaN: no plan)."""
    return isinstance(n, (int, float)) and n == n and n > 0


def _check_baseline(plan: Any, file: str) -> None:
    """Raise the exit code of a baseline without a plan."""
    from trustsource.status import Status

    if plan.violations:
        raise Failure(
            "internal error: the plan failed independent verification:\n"
            + "\n".join(f"  - {v.message}" for v in plan.violations),
            EXIT_INTERNAL,
        )
    if plan.status in (Status.INFEASIBLE, Status.UNBOUNDED):
        raise Failure(
            f"baseline status: {plan.status.value}; run `trustsource diagnose {file}` "
            "to see which rules conflict",
            EXIT_INFEASIBLE,
        )
    if plan.status is Status.NO_SOLUTION:
        raise Failure("baseline status: no_solution (raise --time-limit)", EXIT_NO_SOLUTION)
    if not plan.has_solution:
        raise Failure(f"baseline status: {plan.status.value}", EXIT_INTERNAL)


@click.command("compare")
@click.argument("file", type=str)
@click.option(
    "--variants",
    default=None,
    help="Comma-separated variant names (default: every variant of the instance).",
)
@_format
@_workers
@time_limit_option("each solve")
@mip_gap_option("each solve")
@base_dir_option()
@out_dir_option("compare.json, compare_variants.csv, compare_items.csv and compare.xlsx")
@progress_option
@_debug
def compare_command(
    file: str,
    variants: str | None,
    fmt: str,
    workers: int | None,
    time_limit: float | None,
    mip_gap: float,
    base_dir: str | None,
    out_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """Solve instance FILE under its own rules and each named variant, side by side: cost split
    into purchase and shortfall penalty, unmet demand, the difference from the baseline,
    concentration, binding rules ('-' reads stdin)."""
    from trustsource.analysis.compare import compare

    with error_boundary(debug, fmt):
        inst = load_instance(file, base_dir)
        names = None if variants is None else [v.strip() for v in variants.split(",") if v.strip()]
        with progress_bar("compare: variants", show_progress) as progress:
            cmp = compare(
                inst,
                names,
                workers=workers,
                time_limit=time_limit,
                mip_rel_gap=mip_gap,
                progress=progress,
            )
        if out_dir is not None:
            cmp.write(out_dir)
        if fmt == "json":
            click.echo(json.dumps(cmp.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(cmp.summary), nl=False)
        else:
            click.echo(render_comparison(cmp))
        _check_baseline(cmp.baseline, file)


def render_comparison(cmp: Any) -> str:
    """The comparison for a terminal: one row per scenario (cost split into purchase and
    shortfall penalty), then the unmet demand per scenario and the binding rules."""
    import pandas as pd  # here, not at start-up: loaded once a result exists
    from trustsource.results.plan import compact_money

    s = cmp.summary
    n = len(s) - 1
    lines = [
        f"{cmp.instance_name}: baseline and {n} variant{'' if n == 1 else 's'} ({cmp.currency})"
    ]
    shown = pd.DataFrame(
        {
            "variant": s["variant"],
            # A plan that leaves demand unmet is never a bare "optimal".
            "status": [
                f"{st}, {compact_money(p)} penalty" if _short(n) else st
                for st, n, p in zip(s["status"], s["shortfall_items"], s["shortfall_penalty"])
            ],
            "cost": s["cost"].map(_m),
            "purchase": s["purchase_cost"].map(_m),
            "shortfall penalty": s["shortfall_penalty"].map(_m),
            "worst shortfall": [
                f"{i} {_p(v)}" if isinstance(i, str) else ("-" if v != v else "none")
                for i, v in zip(s["worst_shortfall_item"], s["worst_shortfall_share"])
            ],
            "vs baseline": s["diff"].map(lambda v: _m(v, True)),
            "%": s["diff_pct"].map(lambda v: _p(v, True)),
            "purchase vs baseline": s["purchase_diff"].map(lambda v: _m(v, True)),
        }
    )
    lines.append(_indent(shown.to_string(index=False)))
    concentration = pd.DataFrame(
        {
            "variant": s["variant"],
            "max HHI": s["max_hhi"].map(lambda v: "-" if math.isnan(v) else f"{v:,.0f}"),
            "top share": [
                f"{c} {_p(v)} ({i})" if isinstance(c, str) else "-"
                for c, v, i in zip(s["top_country"], s["max_top_share"], s["top_item"])
            ],
            "awarded": s["n_awarded"],
        }
    )
    lines += ["", "concentration:", _indent(concentration.to_string(index=False))]
    short = [r for r in s.itertuples() if _short(r.shortfall_items)]
    lines += [""]
    if not short:
        lines.append("unmet demand: none (every plan found meets all demand)")
    else:
        lines.append("unmet demand (shortfall; the penalty is part of the cost above):")
        for r in short:
            lines.append(f"  {r.variant}: {cmp.plans[r.variant].status_text}")
            its = cmp.items[(cmp.items["variant"] == r.variant) & (cmp.items["shortfall"] > 0)]
            its = its.sort_values("shortfall_share", ascending=False, kind="stable")
            lines += [
                f"    {i.item}: {i.shortfall:,.6g} of {i.demand:,.6g} {i.unit} short "
                f"({_p(i.shortfall_share)}), penalty {_m(i.shortfall_penalty)}"
                for i in its.itertuples()
            ]
    lines += ["", "binding rules:"]
    lines += [f"  {r.variant}: {r.binding_rules or '-'}" for r in s.itertuples()]
    return "\n".join(lines)


@click.command("stress")
@click.argument("file", type=str)
@click.option(
    "--lose",
    type=click.Choice(["country", "site"]),
    default="country",
    show_default=True,
    help="Lose each supplying country, or each site used, in turn.",
)
@click.option(
    "--scenarios",
    "use_scenarios",
    is_flag=True,
    help="Run the instance's named scenarios (capacity, demand, price and bloc changes) "
    "instead of losing each country or site in turn.",
)
@variant_option("Stress")
@_format
@_workers
@time_limit_option("each solve")
@mip_gap_option("each solve")
@base_dir_option()
@out_dir_option("stress.json, stress_scenarios.csv, stress_shortfalls.csv and stress.xlsx")
@progress_option
@_debug
def stress_command(
    file: str,
    lose: str,
    use_scenarios: bool,
    variant: str | None,
    fmt: str,
    workers: int | None,
    time_limit: float | None,
    mip_gap: float,
    base_dir: str | None,
    out_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """Lose each country (or site) that supplies in the optimal plan of FILE in turn and
    re-optimise with the rules kept and shortfall allowed at a penalty: what runs short, what
    it costs; any shortfall flags a single point of failure ('-' reads stdin)."""
    from trustsource.analysis.stress import stress

    with error_boundary(debug, fmt):
        inst = load_instance(file, base_dir, variant)
        if use_scenarios and not inst.scenarios:
            raise Failure(f"{file} defines no scenarios (add a 'scenarios' key)", EXIT_INVALID)
        with progress_bar("stress: scenarios", show_progress) as progress:
            res = stress(
                inst,
                lose="site" if lose == "site" else "country",  # click's Choice allows only these
                scenarios="instance" if use_scenarios else None,
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
            click.echo(csv_stdout(res.summary), nl=False)
        else:
            click.echo(render_stress(res))
        _check_baseline(res.plan, file)


def render_stress(res: Any) -> str:
    """The stress test for a terminal: one row per scenario, worst first, then the shortfalls."""
    import pandas as pd  # here, not at start-up: loaded once a result exists

    lines = [f"{res.instance_name}: plan {res.plan.status.value}"]
    if res.plan.objective is None:
        if res.message:
            lines.append(res.message)
        return "\n".join(lines)
    s = res.summary
    # Named scenarios (--scenarios) carry their own names; the automatic ones are named by
    # what they lose.
    named = bool((s["scenario"] != s["lost"]).any())
    how = f"under each of {len(s)} named scenarios" if named else f"losing each {res.lose} in turn"
    lines[0] += f", cost {_m(res.plan.objective)} {res.currency}; {how}"
    shown = pd.DataFrame(
        {
            **({"scenario": s["scenario"]} if named else {}),
            "lost": s["lost"],
            "status": s["status"],
            "rules": s["rules"],
            "purchase cost": s["purchase_cost"].map(_m),
            "vs plan": s["extra_cost"].map(lambda v: _m(v, True)),
            "worst shortfall": [
                f"{i} {_p(v)}" if isinstance(i, str) else "-"
                for i, v in zip(s["worst_item"], s["worst_shortfall_share"])
            ],
            "SPOF": s["single_point_of_failure"].map(lambda b: "yes" if b else "no"),
        }
    )
    lines.append(_indent(shown.to_string(index=False)))
    sh = res.shortfalls
    if len(sh):
        lines += ["", "shortfall per item (of external demand):"]
        lines += [
            f"  {r['scenario']}: {r['item']}{' in ' + str(r['period']) if 'period' in r else ''} "
            f"{r['shortfall']:,.6g} {r['unit']} ({_p(r['shortfall_share'])})"
            for r in sh.to_dict("records")
        ]
    spof = res.single_points_of_failure
    lines += ["", f"single points of failure: {', '.join(spof) if spof else 'none'}"]
    return "\n".join(lines)
