"""What :func:`~trustsource.analysis.alternatives.alternatives` returns: the ranges table, the
diverse plans, and their JSON, CSV, chart and text forms.

A group's *role* for an item, from its range:

* ``must-have``: every plan within the slack buys from it (its least share, proven, is > 0);
* ``swappable``: some plan within the slack does without it, some uses it;
* ``excluded``: no plan within the slack uses it (its most share, proven, is 0);
* ``open``: a time limit left the range unproven across that line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ...notebook import amount, card
from ...results.plan import Plan, compact_money, json_records, json_value
from ...safe_writes import write_result_folder
from .groups import SHARE_TOL

RANGE_COLUMNS = [
    "item",
    "by",
    "key",
    "optimum_share",
    "min_share",
    "max_share",
    "role",
    "proven",
    "min_share_low",
    "max_share_high",
    "min_proven",
    "max_proven",
    "min_solves",
    "max_solves",
    "solves",
    "seconds",
]
ROLES = ("must-have", "swappable", "excluded", "open")


def role_of(r: Mapping[Any, Any]) -> str:
    """The role of a range record (see the module docstring)."""
    if r["max_share_high"] <= SHARE_TOL:
        return "excluded"
    if r["min_share_low"] > SHARE_TOL:
        return "must-have"
    if r["min_share"] <= SHARE_TOL and r["max_share"] > SHARE_TOL:
        return "swappable"
    return "open"


@dataclass
class Alternative:
    """One diverse plan: the verified plan, its cost above the optimum, its group shares."""

    plan: Plan
    extra_cost: float
    extra_share: float
    shares: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """The plan object of the JSON contract."""
        p = self.plan
        alloc = p.allocations[p.allocations["quantity"] > 0]
        kpis = (
            p.items[["item", "top_country", "top_share", "hhi", "n_countries"]]
            if len(p.items)
            else pd.DataFrame()
        )
        return {
            "objective": json_value(p.objective),
            "extra_cost": json_value(self.extra_cost),
            "extra_share": json_value(self.extra_share),
            "status": p.status.value,
            "verified": p.verified,
            "violations": [v.message for v in p.violations],
            "allocations": json_records(
                alloc[["item", "supplier", "country", "owner", "quantity", "share"]]
            ),
            "shares": json_records(self.shares),
            "kpis": json_records(kpis),
        }


@dataclass
class AlternativesResult:
    """The ranges and diverse plans within ``slack`` of the optimum."""

    instance_name: str
    currency: str
    slack: float
    by: str
    basis: str
    optimum: Plan
    budget: float | None
    ranges: pd.DataFrame
    items: list[str] = field(default_factory=list)  # the items measured
    plans: list[Alternative] = field(default_factory=list)
    plans_note: str = ""
    workers: int = 1
    timings: dict[str, float] = field(default_factory=dict)
    message: str = ""

    @property
    def proven(self) -> bool:
        """Whether the optimum and every range end are proven."""
        return self.optimum.status.value == "optimal" and bool(self.ranges["proven"].all())

    def roles(self, role: str) -> pd.DataFrame:
        """The ranges whose role is ``role`` (``must-have``, ``swappable``, ...)."""
        return self.ranges[self.ranges["role"] == role].reset_index(drop=True)

    def plan_table(self) -> pd.DataFrame:
        """Every diverse plan's allocations, one row per offer bought, ``plan`` numbered from 1."""
        frames = []
        for k, alt in enumerate(self.plans, start=1):
            a = alt.plan.allocations
            a = a[a["quantity"] > 0][["item", "supplier", "country", "owner", "quantity", "share"]]
            frames.append(a.assign(plan=k, objective=alt.plan.objective))
        if not frames:
            return pd.DataFrame(
                columns=[
                    "plan",
                    "objective",
                    "item",
                    "supplier",
                    "country",
                    "owner",
                    "quantity",
                    "share",
                ]
            )
        out = pd.concat(frames, ignore_index=True)
        return out[
            ["plan", "objective", *[c for c in out.columns if c not in ("plan", "objective")]]
        ]

    def to_frame(self) -> pd.DataFrame:
        """One row per item and group (``ranges``)."""
        return self.ranges.copy()

    def _repr_html_(self) -> str:
        o = self.optimum
        return card(
            f"Alternatives near the optimum of {self.instance_name}",
            [
                ("optimum", f"{amount(o.objective, self.currency)} ({o.status.value})"),
                ("slack", f"{self.slack:.2%}"),
                ("budget", amount(self.budget, self.currency)),
                ("proven", self.proven if len(self.ranges) else None),
                ("diverse plans", len(self.plans)),
            ],
            self.ranges.drop(columns=["seconds"]),
            f"least and most share by {self.by} (to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``optimum``, ``slack``, ``ranges``, ``plans``
        (docs/alternatives.md)."""
        o = self.optimum
        return {
            "instance": self.instance_name,
            "currency": self.currency,
            "slack": self.slack,
            "by": self.by,
            "basis": self.basis,
            "items": self.items,
            "optimum": {
                "status": o.status.value,
                "objective": json_value(o.objective),
                "bound": json_value(o.bound),
                "mip_gap": json_value(o.mip_gap),
            },
            "budget": json_value(self.budget),
            "proven": self.proven if len(self.ranges) else None,
            "ranges": json_records(self.ranges.drop(columns=["seconds"])),
            "plans": [a.to_dict() for a in self.plans],
            "plans_note": self.plans_note,
            "workers": self.workers,
            "timings": {k: round(v, 6) for k, v in self.timings.items()},
            "message": self.message,
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """alternatives.json, alternatives_ranges.csv, alternatives_plans.csv and the chart
        (alternatives.png, alternatives.svg), whole or not at all."""
        return write_result_folder(
            out_dir,
            "alternatives",
            self.to_dict(),
            {"ranges": self.ranges, "plans": self.plan_table()},
            self.figure if len(self.ranges) else None,
        )

    def figure(self) -> Any:
        """Per item, one bar per group from its least to its most share within the slack, the
        optimum's share marked; a bound that stopped at a gap is drawn to its proven limit,
        hatched."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = self.ranges
        items = list(dict.fromkeys(t["item"]))
        heights = [max(1, int((t["item"] == i).sum())) for i in items]
        fig, axes = plt.subplots(
            len(items),
            1,
            figsize=(8, 1.2 + 0.32 * sum(heights) + 0.5 * len(items)),
            gridspec_kw={"height_ratios": heights},
            squeeze=False,
        )
        for ax, item in zip(axes[:, 0], items):
            rows = t[t["item"] == item].iloc[::-1]
            pos = range(len(rows))
            colors = {"must-have": "tab:red", "swappable": "tab:blue", "excluded": "tab:gray"}
            ax.barh(
                list(pos),
                100 * (rows["max_share"] - rows["min_share"]).clip(lower=0.004),
                left=100 * rows["min_share"],
                color=[colors.get(r, "tab:orange") for r in rows["role"]],
                alpha=0.7,
                height=0.6,
            )
            # An end that stopped at a gap: hatched out to the limit HiGHS proved.
            for lo, hi in (("min_share_low", "min_share"), ("max_share", "max_share_high")):
                open_part = rows[rows[hi] - rows[lo] > SHARE_TOL]
                if len(open_part):
                    ax.barh(
                        [list(rows.index).index(k) for k in open_part.index],
                        100 * (open_part[hi] - open_part[lo]),
                        left=100 * open_part[lo],
                        color="none",
                        edgecolor="tab:gray",
                        hatch="///",
                        lw=0.5,
                        height=0.6,
                    )
            ax.scatter(
                100 * rows["optimum_share"], list(pos), marker="|", s=160, color="black", zorder=3
            )
            for limit, rule in self._caps(str(item)):
                ax.axvline(100 * limit, color="black", ls="--", lw=0.8)
                ax.annotate(
                    rule, (100 * limit, len(rows) - 0.5), fontsize=7, ha="left", va="bottom"
                )
            ax.set_yticks(list(pos))
            ax.set_yticklabels(
                [f"{k} ({r})" for k, r in zip(rows["key"], rows["role"])], fontsize=8
            )
            ax.set_xlim(0, 100)
            ax.set_title(item, fontsize=9, loc="left")
            ax.grid(axis="x", alpha=0.3)
        axes[-1, 0].set_xlabel(f"share of the item (%), {self.by}; | marks the optimum")
        fig.suptitle(
            f"{self.instance_name}: shares possible within {self.slack:.1%} of the optimum",
            fontsize=10,
        )
        fig.tight_layout()
        return fig

    def _caps(self, item: str) -> list[tuple[float, str]]:
        """The country caps on ``item`` (limit, rule) to draw on its chart (``by`` country)."""
        r = self.optimum.rules
        if self.by != "country" or not len(r):
            return []
        caps = r[(r["kind"] == "country_cap") & (r["item"] == item)]
        return sorted({(float(v), str(n)) for v, n in zip(caps["limit"], caps["rule"])})

    def summary_lines(self) -> list[str]:
        """The readable answer: the optimum and budget, per item the groups by role with their
        ranges, then the diverse plans."""
        o = self.optimum
        cur = self.currency
        if self.budget is None:
            return [f"{self.instance_name}: {self.message}"]
        lines = [
            f"{self.instance_name}: optimum {compact_money(float(o.objective or 0), cur)} "
            f"({o.status.value}); plans within {self.slack:.1%} cost at most "
            f"{compact_money(self.budget, cur)}"
        ]
        if self.message:
            lines.append(f"  note: {self.message}")
        for item, rows in self.ranges.groupby("item", sort=False):
            lines.append(f"{item} (share by {self.by}):")
            for r in rows.to_dict("records"):
                lines.append(
                    f"  {r['key']:<14} {r['role']:<10} {_range(r)}  "
                    f"(optimum {r['optimum_share']:.1%})"
                )
        if len(self.ranges) and not self.proven:
            lines.append(
                "  [a, b] ranges marked ~ stopped at a time limit: the true end lies in the "
                "interval shown"
            )
        for k, alt in enumerate(self.plans, start=1):
            p = alt.plan
            tops = ", ".join(
                f"{r['item']} {r['top_country']} {r['top_share']:.0%}"
                for r in p.items.to_dict("records")
                if r["top_country"] is not None and (not self.items or r["item"] in self.items)
            )
            check = "verified" if p.verified else f"REJECTED ({len(p.violations)} violations)"
            lines.append(
                f"plan {k}: {compact_money(float(p.objective or 0), cur)} "
                f"(+{alt.extra_share:.2%}), {check}; top: {tops}"
            )
        if self.plans_note:
            lines.append(f"  {self.plans_note}")
        return lines

    def __repr__(self) -> str:
        n = len(self.ranges)
        return (
            f"AlternativesResult({self.instance_name!r}: slack {self.slack:.1%}, {n} ranges, "
            f"{len(self.plans)} plans)"
        )


def _range(r: Mapping[Any, Any]) -> str:
    """``12.0 % - 65.0 %``, with the proven limit where a bound stopped at a gap."""
    lo = (
        f"{r['min_share']:.1%}"
        if r["min_proven"]
        else f"~[{r['min_share_low']:.1%}, {r['min_share']:.1%}]"
    )
    hi = (
        f"{r['max_share']:.1%}"
        if r["max_proven"]
        else f"~[{r['max_share']:.1%}, {r['max_share_high']:.1%}]"
    )
    return f"{lo:>7} - {hi:<7}"
