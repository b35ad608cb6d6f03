r"""The near-optimal model: the instance's MIP with its cost turned into a constraint.

.. math::

    \min / \max \; d^\top v \quad \text{s.t.} \quad v \in P, \qquad
    c^\top v \le B = (1 + \varepsilon)\, C^*

with :math:`P` every constraint of the sourcing model (:func:`trustsource.model.build.build_model`),
:math:`c` its cost vector, :math:`C^*` the optimum's cost and :math:`\varepsilon` the slack. Only
the objective :math:`d` changes between the solves of one model (a share bound, a distance from
earlier plans), so one HiGHS object serves them all: its rows, and the ``hhi_cap`` cuts added by
earlier solves (valid for every plan, so they stay), are kept. Each solve starts from a plan
already known to meet the budget (HiGHS's MIP start): the optimum is one, every plan found is
another.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from ...instance.instance import Instance
from ...model.build import BuiltModel, ExitForm, build_model
from ...model.handoff import highs_from_data
from ...solve.cuts import cut_loop, hhi_cuts
from ...solve.highs import HighsAnswer, run

BUDGET_ROOM = (1e-7, 1e-12)
"""Absolute and relative room added to the budget so that the optimum itself stays feasible
after round-off: HiGHS accepts a row within 1e-7, and the cost of a 4e9 plan carries a round-off
of about 1e-6 (a relative 1e-12 covers it while moving no share by more than that)."""


@dataclass
class NearAnswer:
    """One solve of the near-optimal model: the plan (None without one) and what is proven."""

    col: np.ndarray | None
    objective: float | None
    bound: float | None
    proven: bool
    status: str
    seconds: float


@dataclass
class NearModel:
    """The model of ``instance`` with ``cost <= budget``, ready for objective after objective."""

    instance: Instance
    model: BuiltModel
    h: highspy.Highs
    cost: np.ndarray
    budget: float
    threads: int | None = None
    solves: int = 0
    seconds: float = 0.0
    pool: list[np.ndarray] = field(default_factory=list)
    limit: float = 0.0  # the budget row's bound (the budget plus round-off room)
    _least: dict[int, float] = field(default_factory=dict)

    def spend(self, col: np.ndarray) -> float:
        """The cost of plan ``col``."""
        return float(self.cost @ col)

    def optimise(
        self,
        objective: np.ndarray,
        *,
        maximise: bool,
        start: np.ndarray | None,
        rel_gap: float,
        abs_gap: float,
        time_limit: float | None,
    ) -> NearAnswer:
        """Optimise ``objective`` (a dense vector over the columns) within the budget, starting
        from ``start`` (a plan within the budget), with the ``hhi_cap`` cut loop."""
        h, n = self.h, len(objective)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), objective.astype(np.float64))
        h.changeObjectiveSense(
            highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        )
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = [float(v) for v in start]
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        deadline = None if time_limit is None else t0 + time_limit
        is_mip = self.model.stats["integers"] > 0

        def resolve() -> HighsAnswer:
            return run(
                h,
                is_mip=is_mip,
                time_limit=None,
                mip_rel_gap=rel_gap,
                threads=self.threads,
                options={"mip_abs_gap": float(abs_gap)} if is_mip else None,
                deadline=deadline,
            )

        has_hhi = bool(self.model.data.info.get("hhi"))
        loop = cut_loop(
            h,
            resolve(),
            cuts_at=lambda v: hhi_cuts(self.model, v) if has_hhi else [],
            resolve=resolve,
            deadline=deadline,
        )
        answer = loop.answer
        seconds = time.perf_counter() - t0
        self.solves += 1 + loop.rounds
        self.seconds += seconds
        if loop.stopped is not None or answer.col_value is None:
            # A plan above an HHI cap is no plan: the bound alone is kept when HiGHS gave one.
            return NearAnswer(None, None, answer.bound, False, answer.status.value, seconds)
        col = np.asarray(answer.col_value, dtype=float)
        self.pool.append(col)
        proven = answer.status.value == "optimal"
        return NearAnswer(col, answer.objective, answer.bound, proven, answer.status.value, seconds)


def least_supply(near: NearModel, item: int) -> float:
    """A lower bound on item ``item``'s supply in every plan within the budget: the LP
    relaxation of ``min T_i`` (no ``hhi_cap`` cuts: fewer rows only lower the bound), at least
    the item's least supply of any plan. It turns a stopped share bound into an interval where
    an item may be left short (its least supply 0); computed once per item, only then."""
    if item not in near._least:
        ctx = near.model.ctx
        h = highs_from_data(near.model.data, relax=True)
        nz = np.flatnonzero(near.cost)
        h.addRow(-highspy.kHighsInf, near.limit, len(nz), nz.astype(np.int32), near.cost[nz])
        objective = np.zeros(len(near.cost))
        objective[int(ctx.supply[item])] = 1.0
        h.changeColsCost(len(objective), np.arange(len(objective), dtype=np.int32), objective)
        answer = run(h, is_mip=False, time_limit=None, mip_rel_gap=0.0, threads=near.threads)
        lp = float(answer.objective) if answer.status.value == "optimal" and answer.objective else 0
        # The LP optimum is within HiGHS's tolerances of the true bound: keep a margin.
        near._least[item] = max(float(ctx.least[item]), lp * (1 - 1e-7) - 1e-7, 0.0)
    return near._least[item]


def near_model(
    instance: Instance,
    budget: float,
    *,
    exit_form: ExitForm = "auto",
    threads: int | None = None,
    start: np.ndarray | None = None,
) -> NearModel:
    """Build ``instance``'s model with the budget row ``cost <= budget`` (plus round-off room).

    ``start``: the optimum's columns in this model's order (the same document builds the same
    columns), the first plan of the pool.
    """
    model = build_model(instance, exit_form=exit_form)
    h = highs_from_data(model.data)
    cost = np.asarray(model.data.column_arrays()[0], dtype=float)
    if start is not None and len(start) != len(cost):
        raise ValueError(f"the start plan has {len(start)} columns, the model {len(cost)}")
    nz = np.flatnonzero(cost)
    limit = budget + BUDGET_ROOM[0] + BUDGET_ROOM[1] * abs(budget)
    h.addRow(-highspy.kHighsInf, limit, len(nz), nz.astype(np.int32), cost[nz])
    near = NearModel(instance, model, h, cost, budget, threads=threads, limit=limit)
    if start is not None:
        near.pool.append(np.asarray(start, dtype=float))
    return near
