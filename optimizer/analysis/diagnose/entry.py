"""Diagnose an infeasible instance: which rules to relax, and by how much, in domain words.

:func:`diagnose` answers in four steps:

1. **A solve of the instance as given** (:func:`trustsource.solve`, or a plan passed in for the
   same instance). If it finds a plan, the instance is feasible and that is the answer; if it
   ends without proof either way (a time limit, an error), the answer is ``unknown``. Diagnose
   never contradicts solve: it calls an instance infeasible only when solve has proved it.
2. **Pre-solve arithmetic** (``instance.findings``: demand against the capacity left after the
   bans, count, single-sourcing and exit shortfalls) plus one check made here: a ``bloc_share``
   floor above what the bloc can supply (the bloc's capacity below ``min_share`` times the
   least supply the item needs).
3. **An elastic re-solve** (:mod:`.elastic`): every rule may give on every
   item, and every demand may go partly unmet, each at a price in shares of the item (so the
   answer does not depend on the size of the quantities); the total is minimised. The rules
   that give are *one* smallest set to relax, and the slack says by how much: the limit a share
   rule would need, the quantity a ban would have to let through, the coverage an exit right can
   reach, how many suppliers or countries a count rule can have, the demand that cannot be met
   at all. Another relaxation of the same total size may exist; this is one.
4. **A check**: the relaxation as changes to the document (:attr:`Diagnosis.changes`, rounded
   the way the messages show them, each loosening its rule as a whole) is applied and the
   instance solved again; :attr:`Diagnosis.confirmed` says whether that solve found a plan.

Units of :attr:`Diagnosis.relaxations` ``limit`` and ``needed``: shares (0-1) for
``country_cap``, ``bloc_share``, ``supplier_cap``, ``exit_clause`` and ``exit`` (coverage);
HHI points for ``hhi_cap``; counts for ``min_suppliers``, ``max_suppliers``, ``min_countries``;
item units for ``ban`` (limit 0, needed: the quantity from banned suppliers) and ``demand``
(limit: supply needed, needed: supply that can be had). ``slack`` is the relaxation in item
units, or a count for count rules.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import pandas as pd

from ...errors import InstanceError
from ...instance.instance import Instance
from ...model.build import build_model
from ...results.plan import Plan
from ...solve import solve
from ...status import Status
from .arithmetic import bloc_floor_findings
from .changes import _describe, _merge, _relaxed, apply_changes, relaxation_changes
from .elastic import ElasticAnswer, ElasticModel, build_elastic, solve_elastic
from .messages import Reader
from .periods import diagnose_periods
from .result import RELAXATION_COLUMNS, Diagnosis

__all__ = ["RELAXATION_COLUMNS", "Diagnosis", "apply_changes", "bloc_floor_findings", "diagnose"]

NOTE = (
    "This is one smallest relaxation: the elastic re-solve minimises the total relaxation "
    "(share points of each item's supply, suppliers or countries for count rules, unmet "
    "demand weighted ten times as heavily); other combinations may work as well."
)
_HAS_PLAN = (Status.OPTIMAL, Status.FEASIBLE)
CHECK_ROUNDS = 3  # further elastic rounds when the check finds the relaxation short


# --- entry point --------------------------------------------------------------------------------


def diagnose(
    instance: Instance,
    *,
    time_limit: float | None = None,
    threads: int | None = None,
    backend: Literal["highspy", "pyomo"] = "highspy",
    plan: Plan | None = None,
) -> Diagnosis:
    """Say whether ``instance`` is infeasible, and if so which rules to relax by how much.

    Args:
        instance: a validated instance (apply a variant first with ``instance.variant(name)``).
        time_limit: seconds for the whole diagnosis: the solve of the instance, the elastic
            re-solve and the check each get what is left (None: no limit).
        threads: HiGHS threads (None: HiGHS's default).
        backend: hand-off route of the solves of the instance (as given and relaxed).
        plan: a plan :func:`trustsource.solve` already returned for this very instance, to
            use instead of solving it again (ignored if it is of another instance).

    Returns:
        A :class:`Diagnosis`: ``feasible`` when solve finds a plan, ``infeasible`` with one
        smallest relaxation and its check, or ``unknown``.
    """
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit

    def left() -> float | None:
        return None if deadline is None else max(deadline - time.perf_counter(), 0.0)

    def run(inst: Instance) -> Plan:
        return solve(inst, time_limit=left(), threads=threads, backend=backend)

    if plan is None or plan.instance_hash != instance.content_hash:
        plan = run(instance)
    if instance.periods:
        return diagnose_periods(
            instance,
            plan,
            lambda view, limit: diagnose(view, time_limit=limit, threads=threads, backend=backend),
            left,
        )
    model = build_model(instance)
    findings = list(instance.findings) + bloc_floor_findings(instance, model.ctx)
    base: dict[str, Any] = {
        "instance_name": instance.name,
        "findings": findings,
        "solve_status": plan.status.value,
        "solve_objective": plan.objective,
        "solve_message": plan.message,
    }
    if plan.status in _HAS_PLAN:
        diag = _feasible(instance, plan, base)
    elif plan.status is not Status.INFEASIBLE:
        diag = _unknown(instance, plan, base)
    else:
        em = build_elastic(model)
        ans = solve_elastic(em, time_limit=left(), threads=threads)
        diag = _read(instance, em, ans, base)
        if len(diag.relaxations):
            diag.changes = relaxation_changes(instance, diag.relaxations)

            def elastic(relaxed: Instance) -> pd.DataFrame | None:
                more = build_elastic(build_model(relaxed))
                answer = solve_elastic(more, time_limit=left(), threads=threads)
                return None if answer.col is None else _rows(more, answer.col)

            _check(instance, diag, run, elastic)
    diag.seconds = time.perf_counter() - t0
    return diag


def _feasible(inst: Instance, plan: Plan, base: dict[str, Any]) -> Diagnosis:
    return Diagnosis(
        feasible=True,
        status="feasible",
        minimal=True,
        messages=[
            f"{inst.name} is feasible: every rule can be met together, nothing to relax; "
            "`trustsource solve` finds the cheapest plan"
        ],
        **base,
    )


def _unknown(inst: Instance, plan: Plan, base: dict[str, Any]) -> Diagnosis:
    # plan.message says why solve stopped and what to do (a time limit, an error).
    why = plan.message or "Raise the time limit."
    return Diagnosis(
        feasible=False,
        status="unknown",
        messages=[
            f"{inst.name}: not diagnosed: solve ended {plan.status.value} without finding a plan "
            f"or proving there is none. {why}",
            *(f.message for f in base["findings"]),
        ],
        **base,
    )


def _rows(em: ElasticModel, col: Any) -> pd.DataFrame:
    """The relaxation rows of an elastic plan, demand rows last (rules first: users act on them)."""
    reader = Reader(em, col)
    rows = [r for r in (reader.row(s) for s in em.slacks) if r is not None]
    frame = pd.DataFrame(rows, columns=RELAXATION_COLUMNS)
    return frame.sort_values("kind", key=lambda c: c.eq("demand"), kind="stable").reset_index(
        drop=True
    )


def _read(inst: Instance, em: ElasticModel, ans: ElasticAnswer, base: dict[str, Any]) -> Diagnosis:
    """The infeasible verdict (solve proved it) with the elastic plan's relaxation, if any."""
    a = ans.answer
    base = {
        **base,
        "elastic_status": a.status.value,
        "elastic_objective": a.objective,
        "hhi_rounds": ans.hhi_rounds,
    }
    fmessages = [f.message for f in base["findings"]]
    if ans.col is None:
        why = (
            "the HHI cut loop did not converge"
            if not ans.hhi_converged
            else f"the elastic re-solve ended {a.status.value}"
        )
        head = (
            f"{inst.name} is infeasible (solve proved it); {why}, so the amounts to relax are "
            "not known; raise the time limit"
        )
        return Diagnosis(feasible=False, status="infeasible", messages=[head, *fmessages], **base)
    frame = _rows(em, ans.col)
    if not len(frame):
        head = (
            f"{inst.name} is infeasible (solve proved it), but the elastic re-solve finds no "
            "rule that must give by more than one part per million: the conflict is within "
            "the solver's tolerances; look at the rules with the tightest limits"
        )
        return Diagnosis(feasible=False, status="infeasible", messages=[head, *fmessages], **base)
    diag = Diagnosis(
        feasible=False,
        status="infeasible",
        relaxations=frame,
        minimal=a.status is Status.OPTIMAL,
        **base,
    )
    diag.messages = _compose(inst, diag)
    return diag


def _compose(inst: Instance, diag: Diagnosis, verb: str = "makes it feasible") -> list[str]:
    """Verdict, findings, one sentence per relaxation row, and the note on minimality."""
    frame = diag.relaxations
    n = frame["rule"][frame["kind"] != "demand"].nunique()
    head = (
        f"{inst.name} is infeasible; relaxing {n} rule{'s' if n != 1 else ''} as below {verb}"
        if n
        else f"{inst.name} is infeasible; no rule relaxation helps: demand must go unmet"
    )
    if n and (frame["kind"] == "demand").any():
        head += ", with some demand unmet"
    note = NOTE if diag.minimal else NOTE.replace("one smallest", "one (not proven smallest)")
    return [head, *(f.message for f in diag.findings), *frame["message"], note]


# --- the relaxation as document changes, and its check ------------------------------------------


def _check(inst: Instance, diag: Diagnosis, run: Any, elastic: Any) -> None:
    """Solve the instance with ``diag.changes`` applied; say whether it is then feasible.

    The elastic relaxation can fall short of the rounded, rule-wide changes that express it
    (a count rule with fewer suppliers than it asks for is relaxed to "as many as there are",
    which minimum orders may still rule out). When the check solve proves the relaxed instance
    still infeasible, the elastic re-solve runs on it and its changes are added, up to
    ``CHECK_ROUNDS`` times; the relaxation is then no longer proven smallest, and says so.
    """
    rounds = 0
    while True:
        try:
            relaxed = _relaxed(inst, diag.changes)
        except InstanceError as exc:  # pragma: no cover - every change keeps it valid
            diag.check_status = "invalid"
            diag.messages.append(f"Not checked: the changes make an invalid instance: {exc}")
            return
        plan = run(relaxed)
        diag.check_status = plan.status.value
        diag.confirmed = plan.status in _HAS_PLAN
        if diag.confirmed or plan.status is not Status.INFEASIBLE or rounds >= CHECK_ROUNDS:
            break
        frame = elastic(relaxed)
        if frame is None or not len(frame):
            break
        rounds += 1
        same = frame[["rule", "item"]].apply(tuple, axis=1)
        earlier = diag.relaxations[["rule", "item"]].apply(tuple, axis=1)
        kept = diag.relaxations[~earlier.isin(set(same))]
        diag.relaxations = pd.concat([kept, frame], ignore_index=True)
        diag.changes = _merge(diag.changes, relaxation_changes(relaxed, frame))
        diag.minimal = False
    listed = "; ".join(_describe(c) for c in diag.changes)
    more = (
        f" (after {rounds} more elastic round{'s' if rounds > 1 else ''}: the first relaxation "
        "alone was not enough)"
        if rounds
        else ""
    )
    if diag.confirmed:
        diag.messages = _compose(inst, diag)
        diag.messages.append(
            f"Checked: with these changes ({listed}) `trustsource solve` finds a plan "
            f"({plan.status.value}){more}."
        )
    else:
        diag.messages = _compose(inst, diag, "is suggested")
        diag.messages.append(
            f"Not confirmed: with these changes ({listed}) solve ended {plan.status.value}"
            f"{'' if plan.status is Status.INFEASIBLE else ' (raise the time limit)'}{more}; "
            "treat the amounts as approximate."
        )
