"""What ``risk`` returns: the first stage, the cost per scenario, the measures, VSS and EVPI.

Tables (pandas DataFrames):

* ``scenarios``: one row per scenario, the base case first: probability, status, ``cost`` (the
  total: ``purchase`` + ``fixed`` + ``penalty``), ``fixed`` (the first stage's fixed costs,
  the same in every scenario), ``penalty`` (for unmet demand), ``items_short`` and the item
  with the largest share of its demand unmet (``worst_item``, ``worst_shortfall_share``);
* ``shortfalls``: one row per (scenario, item) left short;
* ``comparison``: the risk plan beside the deterministic plan (the base case solved alone, its
  first stage evaluated over the scenarios) and, where the instance has exit rules, the
  deterministic plan without them: each plan's measure, expected cost, VaR, CVaR, worst cost,
  fixed cost and the number of offers qualified.

``vss`` and ``evpi`` are ``None`` when they were not computed (``figures=False``) or when a
plan they need has none; ``figures_proven`` is False when any solve behind them stopped short
of optimality, and then every text and JSON output says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ...notebook import amount, card
from ...results.plan import Plan, compact_money, json_records, json_value
from ...safe_writes import write_result_folder
from ...status import Status
from .extensive import FirstStage

SCENARIO_COLUMNS = [
    "scenario",
    "probability",
    "status",
    "cost",
    "purchase",
    "fixed",
    "penalty",
    "items_short",
    "worst_item",
    "worst_shortfall_share",
]
COMPARISON_COLUMNS = [
    "plan",
    "status",
    "objective",
    "expected_cost",
    "var",
    "cvar",
    "worst_cost",
    "fixed_cost",
    "qualified",
]


@dataclass
class RiskResult:
    """The two-stage plan and its figures (see the module docstring)."""

    instance_name: str
    currency: str
    measure: str
    alpha: float
    weight: float
    rules: str
    status: Status
    method: str = "extensive"
    objective: float | None = None
    bound: float | None = None
    mip_gap: float | None = None
    expected_cost: float | None = None
    var: float | None = None
    cvar: float | None = None
    first_stage: FirstStage | None = None
    scenarios: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SCENARIO_COLUMNS))
    shortfalls: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparison: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=COMPARISON_COLUMNS)
    )
    plans: dict[str, Plan] = field(default_factory=dict)
    vss: float | None = None
    evpi: float | None = None
    figures_proven: bool = True
    extensive_objective: float | None = None  # the model's own value (agrees within the gap)
    message: str = ""
    model_stats: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def has_solution(self) -> bool:
        """Whether a first stage was found (optimal or feasible)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE) and self.first_stage is not None

    @property
    def qualified(self) -> list[str]:
        """Offers qualified in the first stage (those with a fixed cost)."""
        return [] if self.first_stage is None else list(self.first_stage.qualified)

    @property
    def opened(self) -> list[str]:
        """Sites onboarded in the first stage (those with a fixed cost)."""
        return [] if self.first_stage is None else list(self.first_stage.opened)

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario (``scenarios``)."""
        return self.scenarios.copy()

    def _repr_html_(self) -> str:
        return card(
            f"Risk plan of {self.instance_name} ({self.measure})",
            [
                ("status", self.status),
                ("objective", amount(self.objective, self.currency)),
                ("expected cost", amount(self.expected_cost, self.currency)),
                ("CVaR", amount(self.cvar, self.currency)),
                ("VSS", amount(self.vss, self.currency)),
            ],
            self.scenarios,
            "each scenario's recourse (to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the machine contract: docs/risk.md)."""
        scen = []
        short = self.shortfalls
        for r in self.scenarios.to_dict("records"):
            mine = short[short["scenario"] == r["scenario"]] if len(short) else short
            scen.append(
                {
                    "scenario": r["scenario"],
                    "probability": json_value(r["probability"]),
                    "status": r["status"],
                    "cost": {
                        "total": json_value(r["cost"]),
                        "purchase": json_value(r["purchase"]),
                        "fixed": json_value(r["fixed"]),
                        "penalty": json_value(r["penalty"]),
                    },
                    "shortfall": {
                        str(i): json_value(q)
                        for i, q in zip(mine.get("item", []), mine.get("shortfall", []))
                    },
                }
            )
        return {
            "instance": self.instance_name,
            "currency": self.currency,
            "measure": self.measure,
            "alpha": self.alpha,
            "weight": self.weight,
            "rules": self.rules,
            "method": self.method,
            "status": self.status.value,
            "objective": json_value(self.objective),
            "bound": json_value(self.bound),
            "mip_gap": json_value(self.mip_gap),
            "expected_cost": json_value(self.expected_cost),
            "var": json_value(self.var),
            "cvar": json_value(self.cvar),
            "qualified": self.qualified,
            "opened_sites": self.opened,
            "fixed_cost": json_value(
                None if self.first_stage is None else self.first_stage.fixed_cost
            ),
            "scenarios": scen,
            "vss": json_value(self.vss),
            "evpi": json_value(self.evpi),
            "figures_proven": self.figures_proven,
            "comparison": json_records(self.comparison),
            "message": self.message,
            "model": self.model_stats,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
        }

    def text(self) -> str:
        """The readable summary the CLI prints."""
        cur = self.currency
        head = (
            f"{self.instance_name}: risk ({_measure_words(self)}, rules {self.rules} in "
            f"every scenario)"
            if self.rules == "keep"
            else f"{self.instance_name}: risk ({_measure_words(self)}, rules in the base case only)"
        )
        lines = [
            head,
            f"status: {self.status.value}"
            + (
                f" (gap {self.mip_gap:.2%})"
                if self.status is Status.FEASIBLE and self.mip_gap is not None
                else ""
            ),
        ]
        if not self.has_solution:
            if self.message:
                lines.append(self.message)
            return "\n".join(lines)
        assert self.first_stage is not None
        lines.append(f"objective: {_money(self.objective)} {cur}")
        lines.append(
            f"expected cost {_money(self.expected_cost)}, VaR {_money(self.var)}, "
            f"CVaR {_money(self.cvar)} (alpha {self.alpha:g})"
        )
        q = ", ".join(self.first_stage.qualified) or "none"
        lines.append(f"qualified before the scenario is known: {q}")
        if self.first_stage.opened:
            lines.append(f"sites onboarded: {', '.join(self.first_stage.opened)}")
        lines.append(f"fixed cost: {_money(self.first_stage.fixed_cost)} {cur}")
        lines.append("")
        view = pd.DataFrame(
            {
                "scenario": self.scenarios["scenario"],
                "probability": self.scenarios["probability"].map(lambda p: f"{p:.4g}"),
                "status": self.scenarios["status"],
                "cost": self.scenarios["cost"].map(_money),
                "purchase": self.scenarios["purchase"].map(_money),
                "penalty": self.scenarios["penalty"].map(_money),
                "worst shortfall": [
                    "-"
                    if n != n
                    else "none"
                    if not n
                    else f"{i} {v * 100:.1f} % ({int(n)} items)"
                    if n > 1
                    else f"{i} {v * 100:.1f} %"
                    for n, i, v in zip(
                        self.scenarios["items_short"],
                        self.scenarios["worst_item"],
                        self.scenarios["worst_shortfall_share"],
                    )
                ],
            }
        )
        lines.append(view.to_string(index=False))
        if len(self.comparison):
            lines.append("")
            c = self.comparison
            cview = pd.DataFrame(
                {
                    "plan": c["plan"],
                    "status": c["status"],
                    "objective": c["objective"].map(_money),
                    "expected": c["expected_cost"].map(_money),
                    "CVaR": c["cvar"].map(_money),
                    "worst": c["worst_cost"].map(_money),
                    "qualified": c["qualified"],
                }
            )
            lines.append(cview.to_string(index=False))
        if self.vss is not None or self.evpi is not None:
            lines.append("")
            note = (
                "" if self.figures_proven else " (not proven: a solve behind them stopped at a gap)"
            )
            lines.append(
                f"VSS (value of the stochastic solution): {_money(self.vss)} {cur}; "
                f"EVPI (value of perfect information): {_money(self.evpi)} {cur}{note}"
            )
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write risk.json, risk_scenarios.csv, risk.png and risk.svg (the cost distribution)
        to ``out_dir``, whole or not at all."""

        return write_result_folder(
            out_dir,
            "risk",
            self.to_dict(),
            {"scenarios": self.scenarios},
            self.figure if self.has_solution else None,
        )

    def figure(self) -> Any:
        """The cost distribution: each scenario's cost (bar height its probability), with the
        expected cost, VaR and CVaR marked."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = self.scenarios.dropna(subset=["cost"]).sort_values("cost", kind="stable")
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.bar(range(len(t)), t["probability"], color="tab:blue", alpha=0.8)
        ax.set_xticks(range(len(t)))
        ax.set_xticklabels(
            [f"{s}\n{compact_money(float(c))}" for s, c in zip(t["scenario"], t["cost"])],
            rotation=30,
            ha="right",
            fontsize=9,
        )
        ax.set_ylabel("probability")
        ax.set_title(
            f"{self.instance_name}: cost per scenario ({self.currency}); expected "
            f"{compact_money(self.expected_cost or 0.0)}, VaR {compact_money(self.var or 0.0)}, "
            f"CVaR {compact_money(self.cvar or 0.0)} at alpha {self.alpha:g}",
            fontsize=10,
        )
        fig.tight_layout()
        return fig


def _measure_words(r: RiskResult) -> str:
    if r.measure == "expected":
        return "expected cost"
    if r.measure == "cvar":
        return f"CVaR at alpha {r.alpha:g}"
    return f"{1 - r.weight:g} x expected + {r.weight:g} x CVaR at alpha {r.alpha:g}"


def _money(v: Any) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:,.2f}"
