"""What :func:`~.entry.diagnose` returns: the :class:`Diagnosis` and its relaxation columns."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...errors import Issue
from ...notebook import card

RELAXATION_COLUMNS = ["rule", "kind", "item", "scope", "limit", "needed", "slack", "message"]


@dataclass
class Diagnosis:
    """What :func:`diagnose` found.

    Attributes:
        instance_name: the instance diagnosed.
        feasible: True when solve finds a plan meeting every rule (nothing to relax).
        status: ``feasible``, ``infeasible`` (solve proved it), or ``unknown`` (solve ended
            without proof either way: a time limit or an error; see ``solve_message``).
        findings: pre-solve findings, plus bloc floors above what the bloc can supply.
        relaxations: one row per rule and item that must give: rule, kind, item, scope,
            limit, needed, slack, message (units in the module docstring).
        messages: the diagnosis in domain words, one sentence per line.
        minimal: True when the elastic re-solve proved its relaxation smallest (to 1e-6).
        elastic_status: status of the elastic re-solve ("" when none was needed).
        elastic_objective: total weighted relaxation, in shares of the items (and counts).
        hhi_rounds: HHI cut rounds the elastic re-solve took.
        seconds: wall time of the diagnosis.
        solve_status: status of the solve of the instance as given.
        solve_objective: its objective, when it found a plan.
        solve_message: what solve said (why it stopped, when it proved nothing).
        changes: the relaxation as document changes: ``{"rule", "kind", "field", "from", "to"}``
            for a rule (``field`` ``rule`` and ``to`` None: drop it), ``{"item", "kind":
            "demand", "field": "demand", "from", "to"}`` for an item; see :func:`apply_changes`.
        check_status: status of the solve with ``changes`` applied ("" when not run).
        confirmed: True when that solve found a plan: the named relaxation is enough.
    """

    instance_name: str
    feasible: bool
    status: str
    findings: list[Issue] = field(default_factory=list)
    relaxations: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=RELAXATION_COLUMNS)
    )
    messages: list[str] = field(default_factory=list)
    minimal: bool = False
    elastic_status: str = ""
    elastic_objective: float | None = None
    hhi_rounds: int = 0
    seconds: float = 0.0
    solve_status: str = ""
    solve_objective: float | None = None
    solve_message: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)
    check_status: str = ""
    confirmed: bool = False

    def to_frame(self) -> pd.DataFrame:
        """What to relax, by how much (``relaxations``)."""
        return self.relaxations.copy()

    def _repr_html_(self) -> str:
        return card(
            f"Diagnosis of {self.instance_name}",
            [
                ("status", self.status),
                ("feasible", self.feasible),
                ("confirmed", self.confirmed),
                *(("", m) for m in self.messages[:6]),
            ],
            self.relaxations,
            "what to relax (to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN becomes None)."""
        rows = [
            {k: _plain(v) for k, v in rec.items()}
            for rec in self.relaxations.to_dict(orient="records")
        ]
        return {
            "instance": self.instance_name,
            "status": self.status,
            "feasible": self.feasible,
            "solve": {
                "status": self.solve_status,
                "objective": _plain(self.solve_objective),
                "message": self.solve_message,
            },
            "findings": [
                {"location": f.location, "field": f.field, "message": f.message, "kind": f.kind}
                for f in self.findings
            ],
            "relaxations": rows,
            "changes": [{k: _plain(v) for k, v in c.items()} for c in self.changes],
            "check": {"status": self.check_status, "confirmed": self.confirmed},
            "messages": list(self.messages),
            "minimal": self.minimal,
            "elastic": {
                "status": self.elastic_status,
                "objective": self.elastic_objective,
                "hhi_rounds": self.hhi_rounds,
            },
            "seconds": self.seconds,
        }

    def __repr__(self) -> str:
        head = (
            f"Diagnosis({self.instance_name!r}: {self.status}, {len(self.findings)} "
            f"finding(s), {len(self.relaxations)} relaxation(s))"
        )
        return "\n".join([head, *(f"  - {m}" for m in self.messages)])

    __str__ = __repr__


def _plain(v: Any) -> Any:
    """A JSON-ready scalar: numpy values unwrapped, NaN and infinities as None."""
    v = v.item() if hasattr(v, "item") else v
    return None if isinstance(v, float) and not math.isfinite(v) else v
