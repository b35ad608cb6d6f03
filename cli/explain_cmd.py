"""``trustsource explain``: what each rule costs, the cost of trust, marginal cost per point.

The command loads an instance, calls :func:`trustsource.analysis.explain.explain` and renders the
:class:`~trustsource.analysis.explain.Explanation` as a readable summary (``table``), one JSON
object (``json``) or one of its tables as CSV (``csv``, chosen with ``--table``). Exit codes as
``solve``: 0 ok, 1 internal error, 2 invalid input, 3 the instance itself is infeasible (then
``trustsource diagnose`` says why), 4 no plan within the time limit.
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
from trustsource.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_INTERNAL,
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
from trustsource.cli.output import _indent
from trustsource.cli.progress import progress_bar, progress_option

TABLES = ("rules", "families", "marginal")


@click.command("explain")
@click.argument("file", type=str)
@_format
@click.option(
    "--table",
    "table",
    type=click.Choice(TABLES),
    default="rules",
    show_default=True,
    help="Which table --format csv writes.",
)
@time_limit_option("each solve")
@mip_gap_option("each solve")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for the re-solves (default: up to 4 when the work repays "
    "starting them on idle cores; 1: serial).",
)
@variant_option("Explain")
@click.option(
    "--no-marginals",
    is_flag=True,
    help="Price whole rules only; skip the marginal cost per percentage point.",
)
@base_dir_option()
@out_dir_option(
    "explain.json, explain_rules.csv, explain_families.csv, explain_marginal.csv and explain.xlsx"
)
@progress_option
@_debug
def explain_command(
    file: str,
    fmt: str,
    table: str,
    time_limit: float | None,
    mip_gap: float,
    workers: int | None,
    variant: str | None,
    no_marginals: bool,
    base_dir: str | None,
    out_dir: str | None,
    show_progress: bool | None,
    debug: bool,
) -> None:
    """Price each rule of instance FILE: the cost with it versus without it, the cost of
    trust (plan cost minus the cost with no rules) and, for share rules, the cost of one
    percentage point tighter ('-' reads stdin)."""
    from trustsource.analysis.explain import explain
    from trustsource.status import Status

    with error_boundary(debug, fmt):
        inst = load_instance(file, base_dir, variant)
        with progress_bar("explain: solves", show_progress) as progress:
            exp = explain(
                inst,
                time_limit=time_limit,
                mip_rel_gap=mip_gap,
                workers=workers,
                marginals=not no_marginals,
                progress=progress,
            )
        if exp.base.violations:
            raise Failure(
                "internal error: the plan failed independent verification:\n"
                + "\n".join(f"  - {v.message}" for v in exp.base.violations),
                EXIT_INTERNAL,
            )
        if out_dir is not None:
            exp.write(out_dir)
        if fmt == "json":
            click.echo(json.dumps(exp.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(getattr(exp, table)), nl=False)
        else:
            click.echo(render_explanation(exp))
        status = exp.base.status
        if status is Status.INFEASIBLE or status is Status.UNBOUNDED:
            raise Failure(
                f"status: {status.value}; run `trustsource diagnose {file}` to see "
                "which rules conflict",
                EXIT_INFEASIBLE,
            )
        if status is Status.NO_SOLUTION:
            raise Failure("status: no_solution (raise --time-limit)", EXIT_NO_SOLUTION)
        if not exp.base.has_solution:
            raise Failure(f"status: {status.value}", EXIT_INTERNAL)


def _m(v: Any) -> str:
    """A cost for a table cell: thousands separators, ``-`` when missing, ``infeasible``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "infeasible"
    return f"{v:,.2f}"


def _p(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{100 * v:.1f} %"


def _solves(status_a: str, gap_a: Any, status_b: str, gap_b: Any) -> str:
    """The solves behind a difference, for a table cell: ``optimal`` when both are."""
    from trustsource.analysis.explain_common import solve_label

    if status_a == "optimal" and status_b in ("optimal", ""):
        return "optimal"
    a = solve_label(status_a, _gap(gap_a))
    return a if not status_b else f"{a} / {solve_label(status_b, _gap(gap_b))}"


def _gap(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _price(point: Any, low: Any, high: Any, proven: Any, scale: Any) -> str:
    from trustsource.analysis.explain_common import price_cell

    return price_cell(
        float(point),
        float(low),
        float(high),
        bool(proven),
        float(scale) if scale is not None else 0.0,
        _m,
    )


def _share(point: Any, proven: Any, share: Any) -> str:
    return _p(share) if bool(proven) and not math.isnan(float(point)) and point >= 0 else "-"


def _shortfall_items(plan: Any) -> set[tuple[str, str]]:
    """(rule, item) pairs where the rule report says the rule forces shortfall."""
    from trustsource.analysis.explain_common import shortfall_reason

    rep = plan.rules
    if not len(rep):
        return set()
    return {
        (str(r.rule), str(r.item))
        for r in rep.itertuples()
        if r.binding and shortfall_reason(r.scope)
    }


def render_explanation(exp: Any) -> str:
    """The explanation for a terminal: headline, prices, effects, families, marginals.

    Every price from solves that are not proven optimal is shown as the interval their bounds
    allow (``[low, high]``) with the solves' statuses and gaps, and said in words below.
    """
    import pandas as pd  # here, not at start-up: loaded once a result exists
    from trustsource.analysis.explain_common import (
        gap_of,
        gap_pct,
        is_plain,
        range_text,
        unproven_text,
    )

    cur = exp.currency
    base = exp.base
    lines = [f"{exp.instance_name}: {base.status.value}"]
    if base.objective is None:
        if exp.message:
            lines.append(exp.message)
        return "\n".join(lines)
    gap = "" if base.mip_gap is None else f"  (MIP gap {base.mip_gap:.4%})"
    lines.append(f"plan cost: {_m(base.objective)} {cur}{gap}")
    if base.status.value != "optimal":
        low = 0.0 if base.bound is None else max(0.0, base.bound)
        lines.append(
            f"not proven optimal: the solve stopped at a {gap_pct(gap_of(base))} gap; "
            f"the optimum lies {range_text(low, base.objective, cur)}"
        )
    if exp.cost_of_trust is not None and is_plain(
        exp.cost_of_trust, exp.cost_of_trust_proven, base.objective
    ):
        share = exp.cost_of_trust / base.objective if base.objective else float("nan")
        lines.append(
            f"cost of trust: {_m(exp.cost_of_trust)} {cur} ({_p(share)} of the plan); "
            f"the cheapest plan without any rule costs {_m(exp.baseline_cost)} {cur}"
        )
    elif exp.cost_of_trust_low is not None:
        words = unproven_text(
            [
                ("the plan", base.status.value, gap_of(base)),
                ("without any rule", exp.baseline_status, exp.baseline_gap),
            ],
            exp.cost_of_trust_low,
            exp.cost_of_trust_high,
            cur,
            what="cost of trust",
        )
        lines.append(f"cost of trust: {words}")
    rules = exp.rules
    if len(rules):
        lines += [
            "",
            "price of each rule (plan cost minus the cost with the rule dropped, "
            f"{cur}; [low, high] where the solves are not proven optimal):",
        ]
        short = _shortfall_items(base)
        binds = [
            ", ".join(i + (" (shortfall)" if (rule, i) in short else "") for i in items.split(", "))
            if items
            else "-"
            for rule, items in zip(rules["rule"], rules["binding_items"])
        ]
        shown = pd.DataFrame(
            {
                "rule": rules["rule"],
                "kind": rules["kind"],
                "cost without": rules["cost_without"].map(_m),
                "price": [
                    _price(*v)
                    for v in zip(
                        rules["price"],
                        rules["price_low"],
                        rules["price_high"],
                        rules["proven"],
                        rules["cost_with"],
                    )
                ],
                "share": [
                    _share(*v) for v in zip(rules["price"], rules["proven"], rules["price_share"])
                ],
                "solves": [
                    _solves(*v)
                    for v in zip(
                        rules["status_with"],
                        rules["gap_with"],
                        rules["status_without"],
                        rules["gap_without"],
                    )
                ],
                "binds on": binds,
            }
        )
        lines.append(_indent(shown.to_string(index=False)))
        unproven = [
            r
            for r in rules.itertuples()
            if not is_plain(r.price, r.proven, r.cost_with) and not math.isnan(r.price_low)
        ]
        if unproven:
            lines += ["", "prices that are not proven:"]
            lines += [
                f"  {r.rule}: "
                + unproven_text(
                    [
                        ("with the rule", r.status_with, r.gap_with),
                        ("without it", r.status_without, r.gap_without),
                    ],
                    r.price_low,
                    r.price_high,
                    cur,
                )
                for r in unproven
            ]
        how = rules[rules["binding_text"].astype(bool)]
        if len(how):
            lines += ["", "how each rule binds:"]
            lines += [
                f"  {r.rule} ({r.kind}) {r.binding_text.removeprefix('it ')}"
                for r in how.itertuples()
            ]
        effects = rules[rules["effect_without"].astype(bool)]
        if len(effects):
            lines += ["", "what each rule prevents (the cheapest plan without it):"]
            lines += [f"  {r.rule}: {r.effect_without}" for r in effects.itertuples()]
        fam = exp.families
        if len(fam) and len(fam) < len(rules):
            lines += [
                "",
                f"price of each rule family (every rule of a kind dropped together, {cur}):",
            ]
            shown = pd.DataFrame(
                {
                    "kind": fam["kind"],
                    "rules": fam["rules"],
                    "cost without": fam["cost_without"].map(_m),
                    "price": [
                        _price(*v, base.objective)
                        for v in zip(
                            fam["price"], fam["price_low"], fam["price_high"], fam["proven"]
                        )
                    ],
                    "share": [
                        _share(*v) for v in zip(fam["price"], fam["proven"], fam["price_share"])
                    ],
                    "solves": [
                        _solves(*v)
                        for v in zip(
                            fam["status_with"],
                            fam["gap_with"],
                            fam["status_without"],
                            fam["gap_without"],
                        )
                    ],
                }
            )
            lines.append(_indent(shown.to_string(index=False)))
    else:
        lines += ["", "the instance has no rules: nothing to price"]
    marg = exp.marginal
    if len(marg):
        moves = (
            marg["binding"].astype(bool)
            | (marg["lp_marginal_per_pp"].fillna(0) != 0)
            | (marg["resolve_marginal_per_pp"].fillna(0) != 0)
        )
        lines += [
            "",
            f"marginal cost of one percentage point tighter ({cur}; hhi_cap: 100 points):",
        ]
        if moves.any():
            m = marg[moves]
            limit = [
                f"{a:,.0f} -> {b:,.0f}" if k == "hhi_cap" else f"{_p(a)} -> {_p(b)}"
                for a, b, k in zip(m["limit"], m["tightened_limit"], m["kind"])
            ]
            lp = [
                _m(v) + ("*" if st not in ("", "optimal") and not math.isnan(v) else "")
                for v, st in zip(m["lp_marginal_per_pp"], m["lp_status"])
            ]
            shown = pd.DataFrame(
                {
                    "rule": m["rule"],
                    "item": m["item"],
                    "scope": m["scope"],
                    "limit": limit,
                    "LP (integers fixed)": lp,
                    "re-solve": [
                        _price(*v)
                        for v in zip(
                            m["resolve_marginal_per_pp"],
                            m["resolve_low"],
                            m["resolve_high"],
                            m["proven"],
                            m["cost_tightened"],
                        )
                    ],
                    "solves": [
                        _solves(*v)
                        for v in zip(
                            m["status_plan"],
                            m["gap_plan"],
                            m["status_tightened"],
                            m["gap_tightened"],
                        )
                    ],
                }
            )
            lines.append(_indent(shown.to_string(index=False)))
            if any(s.endswith("*") for s in lp):
                st = m["lp_status"].iloc[0]
                lines.append(
                    f"  * the LP fixes the integers of a plan that is {st}, not proven "
                    "optimal: its prices are that plan's, not the optimum's"
                )
            unproven = ~m["proven"].astype(bool) & m["resolve_low"].notna()
            if unproven.any():
                lines.append(
                    f"  {int(unproven.sum())} re-solve figures are not proven (solves "
                    "stopped at the gaps shown): the cost per point lies in [low, high]"
                )
            # "not proven" is in the solves column already; the other notes say why LP and
            # re-solve differ.
            notes = m[m["note"].astype(bool) & ~m["note"].str.startswith("not proven")]
            lines += [f"  note on {r.rule} / {r.item}: {r.note}" for r in notes.itertuples()]
        stuck = ~moves & (marg["limit"] == marg["tightened_limit"])
        rest = int((~moves & ~stuck).sum())
        if rest and base.status.value != "optimal":
            top = marg.loc[~moves & ~stuck, "resolve_high"].max()
            lines.append(
                f"  {rest} more (rule, item) pairs are not at their limit; the plan is "
                f"not proven optimal, so 1 pp tighter may cost up to {_m(top)} each"
            )
        elif rest:
            lines.append(
                f"  {rest} more (rule, item) pairs are not at their limit: 1 pp tighter "
                "costs nothing"
            )
        if stuck.any():
            lines.append(
                f"  {int(stuck.sum())} more (rule, item) pairs are at the strictest "
                "limit there is (a share of 0 or a coverage of 100 %)"
            )
        if rest or stuck.any():
            lines.append("  (--format csv --table marginal lists every pair)")
    t = exp.timings
    n_workers = int(t.get("workers", 1))
    where = "in this process" if n_workers == 1 else f"in {n_workers} worker processes"
    lines += ["", f"{int(t.get('n_solves', 0))} solves in {t.get('total', 0):.2f} s ({where})"]
    return "\n".join(lines)
