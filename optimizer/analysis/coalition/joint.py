"""Solve the joint plan of one coalition of buyers: build -> HiGHS -> tables -> verify.

:func:`solve_members` takes the instance's document and the members of one coalition ``S``
(every buyer for the grand coalition, one for a stand-alone plan) and returns a
:class:`JointPlan`: status and cost c(S), the cost by component (purchases, qualification,
standby qualification, onboarding, shortfall: they sum to c(S)), the coalition's tables and
each member's (allocations, items with exit coverage), checked by the independent verifier
against the coalition's instance and each member's. It is the unit of work of the game: a
top-level function of plain data, so the runner can send it to other processes or to Dask.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ...instance.buyers import SHARED, member_documents
from ...instance.instance import Instance
from ...model.handoff import highs_from_data
from ...model.joint import WHOLE, Joint, build_joint
from ...results.tables import plan_tables
from ...solve.cuts import solve_copies
from ...status import Status
from ...verify import verify_plan

COMPONENTS = ("purchase", "qualification", "standby", "sites", "shortfall")
"""What c(S) is made of (``standby``: qualifications of offers that supply nothing)."""


@dataclass
class JointPlan:
    """The joint plan of one coalition (see the module docstring)."""

    members: tuple[str, ...]
    status: Status
    cost: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    components: dict[str, float] = field(default_factory=dict)
    allocations: pd.DataFrame = field(default_factory=pd.DataFrame)  # the coalition's purchases
    shares: pd.DataFrame = field(default_factory=pd.DataFrame)  # member, supplier, quantity
    items: pd.DataFrame = field(default_factory=pd.DataFrame)  # member (or coalition), item KPIs
    violations: list[str] = field(default_factory=list)
    exit_items: dict[str, list[str] | None] = field(default_factory=dict)  # member -> items
    message: str = ""
    seconds: float = 0.0

    @property
    def has_plan(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE) and not self.violations

    @property
    def proven(self) -> bool:
        return self.status is Status.OPTIMAL and not self.violations

    def worst_exit_coverage(self, member: str) -> float | None:
        """The member's lowest exit coverage (losing a country) over the items it buys that its
        exit rules cover (all it buys when it has none)."""
        it = self.items
        if not len(it):
            return None
        mine = it[(it["member"] == member) & (it["demand"] > 0)]
        covered = self.exit_items.get(member)
        if covered is not None and mine["item"].isin(covered).any():
            mine = mine[mine["item"].isin(covered)]
        return float(mine["exit_coverage_country"].min()) if len(mine) else None


def solve_members(
    doc: dict[str, Any],
    members: tuple[str, ...],
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
) -> JointPlan:
    """The joint plan of ``members`` (buyer ids of ``doc``, a schema-1 document with buyers)."""
    t0 = time.perf_counter()
    deadline = None if time_limit is None else t0 + time_limit
    whole_doc, own_docs = member_documents(doc, members)
    shared = tuple((doc.get("coalition") or {}).get("shared", SHARED))
    whole = Instance.from_dict(whole_doc, origin=str(whole_doc["name"]))
    own = {m: Instance.from_dict(d, origin=str(d["name"])) for m, d in own_docs.items()}
    joint = build_joint(whole, own, shared)
    md = joint.copies.data
    h = highs_from_data(md)
    loop = solve_copies(
        h, joint.copies, mip_rel_gap=mip_rel_gap, threads=threads, deadline=deadline
    )
    answer = loop.answer
    out = JointPlan(members, answer.status, bound=answer.bound, message=answer.highs_status)
    if loop.stopped is not None or answer.col_value is None:
        if loop.stopped is not None:
            out.status, out.message = Status.NO_SOLUTION, f"HHI cuts stopped ({loop.stopped})"
        out.seconds = time.perf_counter() - t0
        return out
    col = np.asarray(answer.col_value, dtype=float)
    out.cost, out.mip_gap = answer.objective, answer.mip_gap
    out.components = _components(joint, col)
    _tables(out, joint, col, whole, own)
    out.seconds = time.perf_counter() - t0
    return out


def _components(joint: Joint, col: np.ndarray) -> dict[str, float]:
    """c(S) by component, from the objective's own terms (they sum to the objective)."""
    md = joint.copies.data
    out = dict.fromkeys(COMPONENTS, 0.0)
    whole = joint.whole
    x_whole = col[joint.copies.cols[0][whole.ctx.x]]
    idle = {s for s, v in zip(whole.ctx.sup_ids, x_whole) if v <= 1e-9}
    for bname, blk in md.var_blocks.items():
        local = bname.partition("/")[2] or bname
        paid = blk.cost * col[blk.cols]
        if local in ("x", "tier_qty"):
            out["purchase"] += float(paid.sum())
        elif local == "qualified":
            standby = np.array([lbl in idle for lbl in blk.labels], dtype=bool)
            out["standby"] += float(paid[standby].sum())
            out["qualification"] += float(paid[~standby].sum())
        elif local == "site_open":
            out["sites"] += float(paid.sum())
        elif local == "shortfall":
            out["shortfall"] += float(paid.sum())
        else:
            out["purchase"] += float(paid.sum())  # any other priced block (none today)
    # A binary at -1e-10 is solver round-off, not money: components that small are zero.
    scale = max(1.0, abs(sum(out.values())))
    return {k: 0.0 if abs(v) <= 1e-9 * scale else v for k, v in out.items()}


def _tables(
    out: JointPlan, joint: Joint, col: np.ndarray, whole: Instance, own: dict[str, Instance]
) -> None:
    """The coalition's and the members' tables, each checked by the verifier."""
    copies = joint.copies
    frames = plan_tables(copies.models[0], copies.local(0, col))
    out.allocations = frames["allocations"]
    items = [frames["items"].assign(member=WHOLE)]
    shares = []
    problems = _verify(whole, frames, WHOLE)
    for k, m in enumerate(joint.members, start=1):
        mine = plan_tables(copies.models[k], copies.local(k, col))
        items.append(mine["items"].assign(member=m))
        a = mine["allocations"]
        shares.append(
            a.loc[a["quantity"] > 0, ["supplier", "item", "country", "quantity"]].assign(member=m)
        )
        problems += _verify(own[m], mine, m)
    out.items = pd.concat(items, ignore_index=True)
    for m, inst in own.items():
        exits = [r for r in inst.rules if r.kind == "exit"]
        if exits and all(r.items is not None for r in exits):
            out.exit_items[m] = sorted({i for r in exits for i in r.items or ()})
        else:
            out.exit_items[m] = None  # every item (an exit rule on all, or none at all)
    out.shares = (
        pd.concat(shares, ignore_index=True)
        if shares
        else pd.DataFrame(columns=["supplier", "item", "country", "quantity", "member"])
    )
    out.violations = problems
    if problems:
        out.status = Status.ERROR
        out.message = "the joint plan failed independent verification: " + "; ".join(problems[:3])


def _verify(inst: Instance, frames: dict[str, pd.DataFrame], who: str) -> list[str]:
    view = SimpleNamespace(
        allocations=frames["allocations"],
        sites=frames["sites"],
        items=frames["items"],
        objective=None,
    )
    return [f"{who}: {v.message}" for v in verify_plan(inst, view)]
