"""What :func:`~.analysis.coalition` returns: the game's costs, the split, its tables and words.

``to_dict`` is the machine contract of ``trustsource coalition --format json``: ``joint_cost``,
``standalone`` (member -> cost), ``fragmentation_cost``, ``split`` (member -> amount),
``method``, ``in_core``, plus ``fragmentation`` (by source), ``members`` (the table),
``shapley``, ``nucleolus`` (when computed), ``proven``, ``blocking`` (the coalition the split
overcharges most, if any) and the joint plan's ``allocations`` and ``shares``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ...notebook import amount, card
from ...results.plan import compact_money, json_records, json_value
from ...safe_writes import write_result_folder
from .joint import COMPONENTS, JointPlan

MEMBER_COLUMNS = [
    "member",
    "demand_share",
    "standalone",
    "split",
    "proportional",
    "saving",
    "saving_share",
    "exit_apart",
    "exit_together",
]
FRAGMENTATION_COLUMNS = ["source", "apart", "together", "fragmentation"]
SOURCES = {
    "purchase": "purchases (prices, volume tiers lost apart)",
    "qualification": "qualification duplicated",
    "standby": "standby qualification duplicated",
    "sites": "onboarding duplicated",
    "shortfall": "unmet demand",
}


@dataclass
class CoalitionResult:
    """The coalition game of an instance's buyers (see :mod:`.analysis`)."""

    instance_name: str
    currency: str
    members: list[str]
    method: str
    plans: dict[frozenset[int], JointPlan]
    demand_weights: list[float]
    n_solves: int = 0
    workers: int = 0
    split: list[float] | None = None
    shapley: list[float] | None = None
    nucleolus: list[float] | None = None
    proportional: list[float] | None = None
    in_core: bool | None = None
    blocking: tuple[str, ...] | None = None
    blocking_excess: float = 0.0
    proven: bool = False
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def grand(self) -> JointPlan:
        """The joint plan of every member."""
        return self.plans[frozenset(range(len(self.members)))]

    @property
    def joint_cost(self) -> float | None:
        return self.grand.cost

    @property
    def standalone(self) -> dict[str, float | None]:
        return {m: self.plans[frozenset([i])].cost for i, m in enumerate(self.members)}

    @property
    def fragmentation_cost(self) -> float | None:
        alone = list(self.standalone.values())
        if self.joint_cost is None or any(v is None for v in alone):
            return None
        return sum(v for v in alone if v is not None) - self.joint_cost

    def fragmentation(self) -> pd.DataFrame:
        """The cost of fragmentation by source: apart (the stand-alone plans' sum), together."""
        rows = []
        alone = [self.plans[frozenset([i])] for i in range(len(self.members))]
        if self.fragmentation_cost is None:
            # A member (or the whole) without a plan: nothing to compare, source by source.
            return pd.DataFrame(columns=FRAGMENTATION_COLUMNS)
        scale = max(1.0, abs(self.joint_cost or 0.0))
        for comp in COMPONENTS:
            apart = sum(p.components.get(comp, 0.0) for p in alone)
            together = self.grand.components.get(comp, 0.0)
            diff = apart - together
            rows.append(
                {
                    "source": SOURCES[comp],
                    "apart": apart,
                    "together": together,
                    # Solver round-off (a -1e-9) is no saving nor a loss: shown as 0.
                    "fragmentation": 0.0 if abs(diff) <= 1e-9 * scale else diff,
                }
            )
        return pd.DataFrame(rows, columns=FRAGMENTATION_COLUMNS)

    def member_table(self) -> pd.DataFrame:
        """Per member: demand share, stand-alone cost, its split, the saving, exit coverage."""
        rows = []
        for i, m in enumerate(self.members):
            alone = self.plans[frozenset([i])]
            part = None if self.split is None else self.split[i]
            saving = None if part is None or alone.cost is None else alone.cost - part
            rows.append(
                {
                    "member": m,
                    "demand_share": self.demand_weights[i],
                    "standalone": alone.cost,
                    "split": part,
                    "proportional": None if self.proportional is None else self.proportional[i],
                    "saving": saving,
                    "saving_share": None
                    if saving is None or not alone.cost
                    else saving / alone.cost,
                    "exit_apart": alone.worst_exit_coverage(m),
                    "exit_together": self.grand.worst_exit_coverage(m),
                }
            )
        return pd.DataFrame(rows, columns=MEMBER_COLUMNS)

    def to_frame(self) -> pd.DataFrame:
        """One row per member (``member_table()``)."""
        return self.member_table()

    def _repr_html_(self) -> str:
        return card(
            f"Coalition of {self.instance_name}",
            [
                ("members", ", ".join(self.members)),
                ("joint cost", amount(self.joint_cost, self.currency)),
                ("cost of fragmentation", amount(self.fragmentation_cost, self.currency)),
            ],
            self.member_table() if self.split is not None else None,
            f"each member: alone, its {self.method} split (to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see the module docstring)."""

        def by_member(values: list[float] | None) -> dict[str, Any] | None:
            return None if values is None else dict(zip(self.members, map(json_value, values)))

        return {
            "instance": self.instance_name,
            "currency": self.currency,
            "members": json_records(self.member_table()),
            "joint_cost": json_value(self.joint_cost),
            "joint_status": self.grand.status.value,
            "standalone": {m: json_value(v) for m, v in self.standalone.items()},
            "fragmentation_cost": json_value(self.fragmentation_cost),
            "fragmentation": json_records(self.fragmentation()),
            "method": self.method,
            "split": by_member(self.split),
            "shapley": by_member(self.shapley),
            "nucleolus": by_member(self.nucleolus),
            "proportional": by_member(self.proportional),
            "in_core": self.in_core,
            "blocking": list(self.blocking) if self.blocking else None,
            "blocking_excess": json_value(self.blocking_excess) if self.blocking else None,
            "proven": self.proven,
            "message": self.message,
            "allocations": json_records(self.grand.allocations),
            "shares": json_records(self.grand.shares),
            "solves": self.n_solves,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
        }

    def summary_lines(self) -> list[str]:
        """The answer in words, then the member and fragmentation tables."""
        cur = self.currency
        lines = [f"{self.instance_name}: {len(self.members)} members planning together"]
        if self.joint_cost is not None:
            lines.append(
                f"joint cost {compact_money(self.joint_cost, cur)} ({self.grand.status.value})"
            )
        frag = self.fragmentation_cost
        if frag is not None:
            alone = sum(v for v in self.standalone.values() if v is not None)
            share = f" ({frag / alone:.1%} of planning apart)" if alone else ""
            lines.append(
                f"cost of fragmentation: {compact_money(frag, cur)}{share}: planning apart costs "
                f"{compact_money(alone, cur)}"
            )
        if self.split is not None:
            core = (
                "in the core: no group of members would pay less on its own"
                if self.in_core
                else f"not in the core: {'+'.join(self.blocking or ())} would pay "
                f"{compact_money(self.blocking_excess, cur)} less on its own"
            )
            lines.append(f"split ({self.method}): {core}")
        if self.message:
            lines.append(self.message)
        lines += ["", "members (split of the joint cost, saving against planning alone):"]
        table = self.member_table()
        shown = pd.DataFrame(
            {
                "member": table["member"],
                "demand share": table["demand_share"].map("{:.1%}".format),
                "alone": table["standalone"].map(_money),
                "split": table["split"].map(_money),
                "saving": table["saving_share"].map(_pct),
                "exit coverage apart": table["exit_apart"].map(_pct),
                "together": table["exit_together"].map(_pct),
            }
        )
        lines += ["  " + row for row in shown.to_string(index=False).splitlines()]
        frag_t = self.fragmentation()
        frag_t = frag_t[frag_t[["apart", "together"]].abs().sum(axis=1) > 0]
        if len(frag_t):
            lines += ["", "where the cost of fragmentation comes from:"]
            for r in frag_t.to_dict("records"):
                lines.append(
                    f"  {r['source']}: {compact_money(r['fragmentation'], cur)} "
                    f"(apart {compact_money(r['apart'], cur)}, together "
                    f"{compact_money(r['together'], cur)})"
                )
        lines += ["", f"{self.n_solves} coalition plans in {self.timings.get('total', 0):.2f} s"]
        return lines

    def write(self, out_dir: str | Path) -> list[Path]:
        """coalition.json, coalition_members.csv, coalition_fragmentation.csv,
        coalition_shares.csv and a chart of each member's cost apart and its split."""
        return write_result_folder(
            out_dir,
            "coalition",
            self.to_dict(),
            {
                "members": self.member_table(),
                "fragmentation": self.fragmentation(),
                "shares": self.grand.shares,
            },
            self.figure if self.split is not None else None,
        )

    def figure(self) -> Any:
        """Per member: the cost of planning alone beside its split of the joint cost."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = self.member_table()
        fig, ax = plt.subplots(figsize=(8, 4.5))
        pos = range(len(t))
        ax.bar([p - 0.2 for p in pos], t["standalone"], width=0.4, label="alone")
        ax.bar([p + 0.2 for p in pos], t["split"], width=0.4, label=f"split ({self.method})")
        ax.set_xticks(list(pos))
        ax.set_xticklabels(t["member"])
        ax.set_ylabel(self.currency)
        ax.set_title(
            f"{self.instance_name}: planning together saves "
            f"{compact_money(self.fragmentation_cost or 0.0, self.currency)}",
            fontsize=10,
        )
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        return "\n".join(self.summary_lines())


def _money(v: Any) -> str:
    return "-" if v is None or pd.isna(v) else compact_money(float(v))


def _pct(v: Any) -> str:
    return "-" if v is None or pd.isna(v) else f"{float(v):.1%}"
