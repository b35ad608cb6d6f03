"""Solve statuses and the one explicit table from HiGHS model statuses to ours."""

from __future__ import annotations

from enum import Enum

import highspy


class Status(str, Enum):
    """Outcome of a solve, as reported in plans, JSON and exit codes."""

    OPTIMAL = "optimal"  # proven optimal within the requested MIP gap
    FEASIBLE = "feasible"  # a plan exists but optimality was not proven (time or other limit)
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"  # a limit was hit before any plan was found
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


_MS = highspy.HighsModelStatus

# HiGHS model status -> (our status when a primal solution exists, when none exists).
# Limits keep an incumbent as "feasible" (never "optimal"); without one they are "no_solution".
STATUS_TABLE: dict[object, tuple[Status, Status]] = {
    _MS.kOptimal: (Status.OPTIMAL, Status.ERROR),
    _MS.kInfeasible: (Status.INFEASIBLE, Status.INFEASIBLE),
    # Every trustsource model is bounded (costs >= 0, all columns bounded), so "unbounded or
    # infeasible" can only mean infeasible.
    _MS.kUnboundedOrInfeasible: (Status.INFEASIBLE, Status.INFEASIBLE),
    _MS.kUnbounded: (Status.UNBOUNDED, Status.UNBOUNDED),
    _MS.kTimeLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kIterationLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kSolutionLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kInterrupt: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kMemoryLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kObjectiveBound: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kObjectiveTarget: (Status.FEASIBLE, Status.NO_SOLUTION),
    _MS.kModelEmpty: (Status.OPTIMAL, Status.OPTIMAL),
    _MS.kNotset: (Status.ERROR, Status.ERROR),
    _MS.kLoadError: (Status.ERROR, Status.ERROR),
    _MS.kModelError: (Status.ERROR, Status.ERROR),
    _MS.kPresolveError: (Status.ERROR, Status.ERROR),
    _MS.kSolveError: (Status.ERROR, Status.ERROR),
    _MS.kPostsolveError: (Status.ERROR, Status.ERROR),
    _MS.kUnknown: (Status.FEASIBLE, Status.ERROR),
}


def map_status(model_status: object, has_solution: bool) -> Status:
    """Our status for a HiGHS model status, given whether a feasible primal solution exists."""
    with_sol, without = STATUS_TABLE.get(model_status, (Status.ERROR, Status.ERROR))
    return with_sol if has_solution else without
