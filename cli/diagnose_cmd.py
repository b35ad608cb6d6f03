"""``trustsource diagnose FILE``: whether an instance is infeasible and which rules to relax.

Exit codes: 0 when diagnosed (feasible: solve finds a plan; or infeasible: solve proved it, with
its relaxation: the diagnosis is the product), 2 on invalid input, 4 when solve ended without
finding a plan or proving there is none (``--time-limit``, an error): status ``unknown``,
1 on internal errors.
"""

from __future__ import annotations

import json
import math
from typing import Any

import click
from trustsource.cli.common import (
    EXIT_NO_SOLUTION,
    Failure,
    _debug,
    backend_option,
    base_dir_option,
    csv_stdout,
    error_boundary,
    format_option,
    load_instance,
    time_left,
    time_limit_option,
    variant_option,
)


def _value(kind: str, v: float) -> str:
    """``limit`` / ``needed`` in the rule's own unit: a share, a count, HHI points, a quantity."""
    from trustsource.instance.kinds import COUNT_KINDS, SHARE_KINDS  # pydantic: load on use

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if kind in SHARE_KINDS:
        return f"{v:.2%}"
    if kind in COUNT_KINDS:
        return f"{v:.0f}"
    return f"{v:,.6g}"


def render_diagnosis(diag: Any) -> str:
    """The diagnosis for a terminal: verdict, findings, rules to relax, the numbers, the check."""
    lines = [f"{diag.instance_name}: {diag.status}", diag.messages[0] if diag.messages else ""]
    if diag.feasible and diag.solve_objective is not None:
        lines.append(f"solve: {diag.solve_status}, objective {diag.solve_objective:,.2f}")
    if diag.findings:
        lines += ["", "pre-solve findings:"]
        lines += [f"  - {f.message}" for f in diag.findings]
    frame = diag.relaxations
    if len(frame):
        lines += ["", "to relax (elastic re-solve):"]
        lines += [f"  - {m}" for m in frame["message"]]
        shown = frame[[c for c in ("period", "rule", "kind", "item", "scope") if c in frame]].copy()
        shown["limit"] = [_value(k, v) for k, v in zip(frame["kind"], frame["limit"])]
        shown["needed"] = [_value(k, v) for k, v in zip(frame["kind"], frame["needed"])]
        shown["slack"] = [f"{v:,.6g}" for v in frame["slack"]]
        shown["scope"] = [s if len(s) <= 30 else s[:27] + "..." for s in shown["scope"]]
        lines += [""] + ["  " + row for row in shown.to_string(index=False).splitlines()]
    # After the verdict, the findings and the relaxation rows: the note and the check.
    tail = diag.messages[1 + len(diag.findings) + len(frame) :]
    for message in tail:
        lines += ["", message]
    lines += ["", f"diagnosed in {diag.seconds:.2f} s"]
    return "\n".join(lines)


@click.command("diagnose")
@click.argument("file", type=str)
@format_option(" (csv: the relaxations table)")
@time_limit_option("the whole diagnosis (the solves and the elastic re-solve)")
@backend_option("of the solves of the instance (as given and relaxed)")
@variant_option("Diagnose")
@base_dir_option()
@_debug
def diagnose_command(
    file: str,
    fmt: str,
    time_limit: float | None,
    backend: str,
    variant: str | None,
    base_dir: str | None,
    debug: bool,
) -> None:
    """Say whether instance FILE ('-' for stdin) is infeasible and which rules to relax.

    First a solve of the instance: if it finds a plan, the instance is feasible and that is the
    answer. If solve proves it infeasible: the pre-solve arithmetic (capacity left after bans,
    count and exit shortfalls, bloc floors above what the bloc can supply), then an elastic
    re-solve in which every rule may give, minimising the total relaxation: one smallest set of
    rules to relax, in the rules' own terms (the share a cap must allow, the coverage an exit
    right can reach, ...), checked by solving the instance with those changes applied.
    """
    from trustsource.analysis.diagnose import diagnose

    with error_boundary(debug, fmt):
        inst = load_instance(file, base_dir, variant)
        diag = diagnose(inst, time_limit=time_left(time_limit), backend=backend)  # type: ignore[arg-type]
        if fmt == "json":
            click.echo(json.dumps(diag.to_dict(), indent=2))
        elif fmt == "csv":
            click.echo(csv_stdout(diag.relaxations), nl=False)
        else:
            click.echo(render_diagnosis(diag))
        if diag.status == "unknown":
            raise Failure(
                f"status: unknown (solve ended {diag.solve_status} without finding a plan or "
                "proving there is none; raise --time-limit)",
                EXIT_NO_SOLUTION,
            )
