r"""A first incumbent: an LP-guided restricted MIP whose plan becomes HiGHS's MIP start.

The heuristic (RENS-like, "relaxation enforced neighbourhood search"):

1. solve the LP relaxation of the block model;
2. fix to 0 every integer column whose LP value is 0 (an offer, site or counted group the
   relaxation does not use at all) and solve that restricted MIP to a loose gap within a small
   time limit;
3. check the plan against the *full* model (column bounds, integrality, every row, with the
   tolerances of :data:`FEAS_TOL`) and return it, or None.

Only bounds are tightened, so any plan of the restricted MIP satisfies every rule of the full
model; the check in step 3 guards against numerical slips. Use::

    model.data.start = first_incumbent(model.data)

before :func:`trustsource.model.handoff.highs_from_data`, which passes ``ModelData.start`` to
HiGHS with ``setSolution``. Whether it pays is measured in ``benchmarks/formulation.py`` and
written up in ``docs/formulation.md``.
"""

from __future__ import annotations

import numpy as np

from ..model.core import ModelData
from ..model.handoff import highs_from_data

FEAS_TOL = 1e-6
"""Absolute-plus-relative tolerance of the feasibility check (row activity and bounds)."""

_ZERO = 1e-9


def is_feasible(md: ModelData, x: np.ndarray, tol: float = FEAS_TOL) -> bool:
    """Whether ``x`` (all columns) meets the bounds, integrality and every row of ``md``."""
    if len(x) != md.n_cols or not np.all(np.isfinite(x)):
        return False
    _, lb, ub, integer = md.column_arrays()
    if np.any(x < lb - tol * (1 + np.abs(lb))) or np.any(x > ub + tol * (1 + np.abs(ub))):
        return False
    if np.any(np.abs(x[integer] - np.round(x[integer])) > tol):
        return False
    a, rlb, rub = md.matrix()
    act = a @ x
    slack = tol * (1 + np.abs(act))
    return bool(np.all(act >= rlb - slack) and np.all(act <= rub + slack))


def first_incumbent(
    md: ModelData,
    *,
    time_limit: float = 10.0,
    mip_rel_gap: float = 0.01,
    threads: int | None = None,
) -> np.ndarray | None:
    """A feasible plan of ``md`` from the LP-restricted MIP, or None (none found in time).

    Args:
        md: the block model (integer columns are binaries or general integers).
        time_limit: seconds for the LP and the restricted MIP together (HiGHS's clock).
        mip_rel_gap: gap at which the restricted MIP stops.
        threads: HiGHS threads (None: HiGHS's default).
    """
    _, _, ub, integer = md.column_arrays()
    if not integer.any():
        return None
    lp = highs_from_data(md, relax=True)
    lp.setOptionValue("output_flag", False)
    lp.setOptionValue("time_limit", float(time_limit))
    if threads is not None:
        lp.setOptionValue("threads", int(threads))
    lp.run()
    info = lp.getInfo()
    if info.primal_solution_status != 2:  # no feasible LP point: nothing to restrict to
        return None
    used = lp.getRunTime()
    relaxed = np.asarray(lp.getSolution().col_value, dtype=float)
    h = highs_from_data(md)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("time_limit", max(float(time_limit) - used, 0.5))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    unused = np.flatnonzero(integer & (relaxed <= _ZERO))
    if len(unused):
        h.changeColsBounds(
            len(unused), unused.astype(np.int32), np.zeros(len(unused)), np.zeros(len(unused))
        )
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    plan = np.asarray(h.getSolution().col_value, dtype=float)
    plan[integer] = np.round(plan[integer])
    plan = np.clip(plan, -np.inf, ub)
    return plan if is_feasible(md, plan) else None
