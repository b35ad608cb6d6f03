"""Diagnose a periodic instance: which period breaks, why, and what time cannot fix yet.

Each period's view (:meth:`trustsource.Instance.at`) is a relaxation of that period of the
linked plan: its rules, and every build at the capacity it could have by then if decided in the
first period. So a period whose view is infeasible on its own is infeasible in any plan, and the
plain diagnosis of that view (its arithmetic and smallest relaxation) says why, in the same
words; the builds that cannot be ready by then are named with their lead times, because waiting
for them is the other way out. When every period can hold alone, what breaks is a link between
periods (a stock that cannot be built up for its cover, or a build needed in two periods' copies
at once), and the diagnosis says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from ...errors import Issue
from ...instance.instance import Instance
from ...instance.periods import drawn_view
from ...results.plan import Plan
from ...status import Status
from .result import RELAXATION_COLUMNS, Diagnosis


def build_waits(inst: Instance, year: int, items: set[str] | None = None) -> list[str]:
    """The builds (of ``items``, or all) that cannot be usable in ``year``, in words."""
    h = inst.horizon
    assert h is not None
    first = h.years[0]
    out = []
    for s in inst.suppliers:
        b = s.build
        if b is None or first + b.lead_time <= year or (items and s.item not in items):
            continue
        out.append(
            f"the build of {s.id} ({s.item}, {s.country}, +{b.capacity:,.6g} a year) cannot be "
            f"usable in {year}: its lead time is {b.lead_time} years, so a build decided in "
            f"{first} is usable from {first + b.lead_time} at the earliest"
        )
    return out


def diagnose_periods(
    inst: Instance,
    plan: Plan,
    plain: Callable[[Instance, float | None], Diagnosis],
    left: Callable[[], float | None],
) -> Diagnosis:
    """The diagnosis of a periodic instance whose ``plan`` (its solve) is given.

    ``plain`` diagnoses one period's view (with a time limit); ``left`` says the time left.
    """
    t0 = time.perf_counter()
    base = Diagnosis(
        instance_name=inst.name,
        feasible=False,
        status="",
        solve_status=plan.status.value,
        solve_objective=plan.objective,
        solve_message=plan.message,
    )
    h = inst.horizon
    assert h is not None
    if plan.status in (Status.OPTIMAL, Status.FEASIBLE):
        return replace(
            base,
            feasible=True,
            status="feasible",
            minimal=True,
            messages=[
                f"{inst.name} is feasible in every period ({h.years[0]}-{h.years[-1]}): "
                "nothing to relax; `trustsource solve` finds the cheapest path"
            ],
        )
    if plan.status is not Status.INFEASIBLE:
        return replace(
            base,
            status="unknown",
            messages=[
                f"{inst.name}: not diagnosed: solve ended {plan.status.value} without finding a "
                f"plan or proving there is none. {plan.message or 'Raise the time limit.'}"
            ],
        )
    findings: list[Issue] = []
    frames: list[pd.DataFrame] = []
    tail: list[str] = []
    bad: list[int] = []
    minimal = True
    for year in h.years:
        d = plain(drawn_view(inst, year), left())
        if d.feasible:
            continue
        bad.append(year)
        findings.extend(
            Issue(f.location, f.field, f"{year}: {f.message}", f.kind) for f in d.findings
        )
        minimal = minimal and d.minimal
        rel = d.relaxations.copy()
        rel.insert(0, "period", year)
        rel["message"] = [f"{year}: {m}" for m in rel["message"]]
        frames.append(rel)
        items = set(rel["item"].dropna().astype(str)) or None
        tail.extend(f"{year}: {w}" for w in build_waits(inst, year, items))
        tail.extend(f"{year}: {m}" for m in d.messages[1 + len(d.findings) + len(d.relaxations) :])
    relaxations = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["period", *RELAXATION_COLUMNS])
    )
    if bad:
        verdict = (
            f"{inst.name} is infeasible: the rules of {', '.join(map(str, bad))} cannot hold "
            "in that period whatever is built (by its lead time) or stocked"
        )
    else:
        verdict = (
            f"{inst.name} is infeasible, though every period can hold on its own: what breaks "
            "is a link between periods (a stock's minimum cover that purchases cannot build "
            "up in time, or a build needed before its lead time allows)"
        )
    messages = [verdict, *(f.message for f in findings), *relaxations["message"], *tail]
    diag = replace(
        base,
        status="infeasible",
        findings=findings,
        relaxations=relaxations,
        messages=messages,
        minimal=minimal and bool(frames),
    )
    diag.seconds = time.perf_counter() - t0
    return diag
