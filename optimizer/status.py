"""Solve statuses: the outcome of a solve as plans, JSON and exit codes report it.

Solver-free on purpose (status words are read everywhere); the one table from HiGHS model
statuses to these is ``STATUS_TABLE`` in :mod:`trustsource.solve.highs`.
"""

from __future__ import annotations

from enum import Enum


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
