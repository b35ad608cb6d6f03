"""The :class:`Plan`: what a solve returns.

Status, objective, gap and bound, timings and solver version, and pandas DataFrames: the
allocations (who supplies how much at what cost), per-item KPIs, the rule report, sites, and a
cost table whose sum is the objective.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from trustsource.errors import Issue, TrustsourceError
from trustsource.status import Status


class NoOptimalPlanError(TrustsourceError):
    """Raised by :meth:`Plan.raise_for_status` when no proven-optimal plan exists."""


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


def _empty_allocations() -> pd.DataFrame:
    return pd.DataFrame(columns=["supplier", "item", "site", "country", "owner", "qualified",
                                 "quantity", "unit_cost", "variable_cost", "fixed_cost", "cost",
                                 "share", "exit_clause"])


def _empty_rules() -> pd.DataFrame:
    return pd.DataFrame(columns=["rule", "kind", "item", "scope", "sense", "limit", "achieved",
                                 "slack", "binding"])


@dataclass
class Plan:
    """The result of a solve."""

    status: Status
    objective: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    allocations: pd.DataFrame = field(default_factory=_empty_allocations)
    items: pd.DataFrame = field(default_factory=_empty)
    rules: pd.DataFrame = field(default_factory=_empty_rules)
    sites: pd.DataFrame = field(default_factory=_empty)
    costs: pd.DataFrame = field(default_factory=_empty)
    timings: dict[str, float] = field(default_factory=dict)
    solver: str = ""
    backend: str = ""
    highs_status: str = ""
    node_count: int = 0
    hhi_iterations: int = 0  # re-solves taken by the hhi_cap outer approximation
    model_stats: dict[str, int] = field(default_factory=dict)
    instance_name: str = ""
    instance_hash: str = ""
    currency: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    findings: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)  # valid input that may hurt the solve
    violations: list[Any] = field(default_factory=list)
    message: str = ""
    stopped_by: str | None = None  # "interrupt" or "time limit" when the solve was stopped
    abandoned: bool = False  # HiGHS ignored the stop and still runs in a background thread

    @property
    def has_solution(self) -> bool:
        """Whether the plan carries allocations (optimal or feasible)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def verified(self) -> bool:
        """True when a plan exists and the independent verifier found no violation."""
        return self.has_solution and not self.violations

    def raise_for_status(self) -> Plan:
        """Return self if optimal; raise :class:`NoOptimalPlanError` with next steps otherwise."""
        if self.status is not Status.OPTIMAL:
            raise NoOptimalPlanError(f"no optimal plan: {self.status.value}. {self.message}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the machine contract: docs/cli.md)."""
        return {
            "status": self.status.value,
            "objective": json_value(self.objective),
            "mip_gap": json_value(self.mip_gap),
            "bound": json_value(self.bound),
            "currency": self.currency,
            "instance": self.instance_name,
            "instance_hash": self.instance_hash,
            "solver": self.solver,
            "backend": self.backend,
            "highs_status": self.highs_status,
            "hhi_iterations": self.hhi_iterations,
            "stopped_by": self.stopped_by,
            "message": self.message,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "model": self.model_stats,
            "options": self.options,
            "findings": [str(f) for f in self.findings],
            "warnings": [str(w) for w in self.warnings],
            "violations": [v.message for v in self.violations],
            "allocations": json_records(self.allocations),
            "items": json_records(self.items),
            "rules": json_records(self.rules),
            "sites": json_records(self.sites),
            "costs": json_records(self.costs),
        }

    def __repr__(self) -> str:
        lines = [f"Plan({self.instance_name!r}: {self.status.value}"]
        if self.objective is not None:
            gap = "" if self.mip_gap is None else f", gap {self.mip_gap:.2%}"
            lines[0] += f", cost {self.objective:,.2f} {self.currency}{gap}"
        lines[0] += ")"
        if self.has_solution and len(self.allocations):
            awarded = self.allocations[self.allocations["quantity"] > 0]
            lines.append(f"  {len(awarded)} suppliers awarded across {len(self.items)} items")
            for r in self.items.itertuples():
                top = f"top {r.top_country} {r.top_share:.0%}" if r.top_country else "no supply"
                lines.append(f"  {r.item}: {r.supply:,.6g} {r.unit}, {top}, HHI {r.hhi:,.0f}")
            binding = self.rules[self.rules["binding"]] if len(self.rules) else self.rules
            if len(binding):
                lines.append("  binding: " + ", ".join(sorted(set(binding["rule"]))))
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records (see :func:`json_value`)."""
    return [{k: json_value(v) for k, v in r.items()} for r in df.to_dict("records")]


def json_value(v: Any) -> Any:
    """NaN and infinities are not JSON: map them to null; numpy scalars to Python."""
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
