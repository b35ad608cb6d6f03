"""The :class:`Plan`: what a solve returns.

Status, objective, gap and bound, timings and solver version, and pandas DataFrames: the
allocations (who supplies how much at what cost), per-item KPIs, the rule report, sites, and a
cost table whose sum is the objective.

The objective mixes two kinds of money: the *purchase cost* (what is bought: unit prices after
tiers and tariffs, qualification and site fixed costs) and the *shortfall penalty* (what the
instance charges for demand left unmet, ``shortfall_penalty`` per unit short). A plan that
leaves demand unmet can be optimal, so the status alone overstates it: :attr:`Plan.status_text`
says "optimal, 8.59 bn USD penalty for unmet demand (...)" and :attr:`Plan.shortfalls` lists the
items short, their share of demand and their penalty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import Issue, TrustsourceError
from ..notebook import amount, card, share
from ..status import Status


class NoOptimalPlanError(TrustsourceError):
    """Raised by :meth:`Plan.raise_for_status` when no proven-optimal plan exists."""


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


def _empty_allocations() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "supplier",
            "item",
            "site",
            "country",
            "owner",
            "qualified",
            "quantity",
            "unit_cost",
            "variable_cost",
            "fixed_cost",
            "cost",
            "share",
            "exit_clause",
        ]
    )


SHORTFALL_COLUMNS = ["item", "unit", "demand", "shortfall", "shortfall_share", "penalty"]
# A shortfall below this share of the item's demand is solver noise, not unmet demand.
SHORTFALL_SHARE_TOL = 1e-9


def _empty_rules() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["rule", "kind", "item", "scope", "sense", "limit", "achieved", "slack", "binding"]
    )


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
    # Periodic instances only: builds decided, and stock per item and period.
    builds: pd.DataFrame = field(default_factory=_empty)
    stock: pd.DataFrame = field(default_factory=_empty)
    periods: tuple[int, ...] = ()
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

    @property
    def shortfall_penalty(self) -> float | None:
        """The penalty paid for unmet demand (the ``shortfall`` rows of :attr:`costs`).

        None when there is no plan.
        """
        if not self.has_solution:
            return None
        c = self.costs
        return float(c.loc[c["component"] == "shortfall", "cost"].sum()) if len(c) else 0.0

    @property
    def purchase_cost(self) -> float | None:
        """What is bought: supply (unit, tier and tariff costs), qualification and sites.

        The objective minus :attr:`shortfall_penalty`; None when there is no plan.
        """
        if not self.has_solution:
            return None
        c = self.costs
        return float(c.loc[c["component"] != "shortfall", "cost"].sum()) if len(c) else 0.0

    @property
    def shortfalls(self) -> pd.DataFrame:
        """One row per item left short: item, unit, demand, shortfall (quantity in the item's
        unit), shortfall_share (of demand) and penalty (paid for it), largest share first."""
        it = self.items
        if not self.has_solution or "shortfall" not in it or not len(it):
            return pd.DataFrame(columns=SHORTFALL_COLUMNS)
        if not (it["shortfall"].to_numpy(dtype=float) > 0).any():
            # The common case, asked for by every status text and summary row: nothing short.
            return pd.DataFrame(columns=(["period"] if "period" in it else []) + SHORTFALL_COLUMNS)
        demand = it["demand"].astype(float)
        short = it["shortfall"].astype(float)
        share = (short / demand.where(demand > 0)).fillna(0.0)
        c = self.costs
        # A periodic plan: a row per item and period, its penalty in present value.
        keys = ["period", "item"] if "period" in it else ["item"]
        pen = (
            c[c["component"] == "shortfall"].groupby(keys)["cost"].sum()
            if len(c)
            else pd.Series(dtype=float)
        )
        at = pd.MultiIndex.from_frame(it[keys]) if len(keys) > 1 else it["item"]
        out = pd.DataFrame(
            {
                **({"period": it["period"]} if len(keys) > 1 else {}),
                "item": it["item"],
                "unit": it["unit"],
                "demand": demand,
                "shortfall": short,
                "shortfall_share": share,
                "penalty": pen.reindex(at).fillna(0.0).to_numpy(dtype=float),
            }
        )
        out = out[(short > 0) & (share > SHORTFALL_SHARE_TOL)]
        return out.sort_values("shortfall_share", ascending=False, kind="stable").reset_index(
            drop=True
        )

    @property
    def has_shortfall(self) -> bool:
        """Whether the plan leaves any demand unmet."""
        return bool(len(self.shortfalls))

    def shortfall_summary(self) -> dict[str, Any]:
        """The cost split and shortfall KPIs as one row (compare and sweep tables).

        Keys: ``purchase_cost``, ``shortfall_penalty``, ``shortfall_items`` (items short),
        ``worst_shortfall_item``, ``worst_shortfall`` (its quantity short, in its unit) and
        ``worst_shortfall_share`` (of its demand); NaN / None without a plan, 0 / None without
        shortfall.
        """
        if not self.has_solution:
            return {
                "purchase_cost": math.nan,
                "shortfall_penalty": math.nan,
                "shortfall_items": None,
                "worst_shortfall_item": None,
                "worst_shortfall": math.nan,
                "worst_shortfall_share": math.nan,
            }
        sh = self.shortfalls
        return {
            "purchase_cost": self.purchase_cost,
            "shortfall_penalty": self.shortfall_penalty,
            "shortfall_items": int(sh["item"].nunique()),
            "worst_shortfall_item": sh.at[0, "item"] if len(sh) else None,
            "worst_shortfall": float(sh.at[0, "shortfall"]) if len(sh) else 0.0,
            "worst_shortfall_share": float(sh.at[0, "shortfall_share"]) if len(sh) else 0.0,
        }

    @property
    def status_text(self) -> str:
        """The status in words, never a bare "optimal" for a plan that leaves demand unmet:
        ``optimal, 8.59 bn USD penalty for unmet demand (6 items short; worst lithium 57.1 %)``."""
        text = self.status.value
        sh = self.shortfalls
        if not len(sh):
            return text
        money = compact_money(float(sh["penalty"].sum()), self.currency)
        when = f" in {sh.at[0, 'period']}" if "period" in sh else ""
        worst = f"{sh.at[0, 'item']} {sh.at[0, 'shortfall_share']:.1%} short{when}"
        n = int(sh["item"].nunique())
        which = worst if n == 1 else f"{n} items short; worst {worst}"
        return f"{text}, {money} penalty for unmet demand ({which})"

    def reject(self, violations: list[Any]) -> None:
        """Never pass off a plan the verifier rejects: status error, the violations listed."""
        self.violations = violations
        if violations:
            self.status = Status.ERROR
            self.message = (
                "The plan failed independent verification (see violations); "
                "please report this instance."
            )

    def raise_for_status(self) -> Plan:
        """Return self if optimal; raise :class:`NoOptimalPlanError` with next steps otherwise."""
        if self.status is not Status.OPTIMAL:
            raise NoOptimalPlanError(f"no optimal plan: {self.status.value}. {self.message}")
        return self

    def to_frame(self) -> pd.DataFrame:
        """The awards: one row per offer bought, qualified or kept on standby (``allocations``)."""
        return self.allocations.copy()

    def _repr_html_(self) -> str:
        items = self.items
        keep = [
            c
            for c in ["item", "supply", "shortfall", "cost", "top_country", "top_share", "hhi"]
            if c in items.columns
        ]
        return card(
            f"Plan of {self.instance_name or 'an instance'}",
            [
                ("status", self.status_text),
                ("cost", amount(self.objective, self.currency)),
                ("MIP gap", share(self.mip_gap)),
                ("verified", self.verified),
                ("offers awarded", int((self.allocations["quantity"] > 0).sum())),
            ],
            items[keep] if keep else None,
            "per item (plan.items); every award: plan.to_frame()",
        )

    def figure(self) -> Any:
        """A matplotlib figure: each item's supply split by country (shares, largest first)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        a = self.allocations[self.allocations["quantity"] > 0]
        by = a.groupby(["item", "country"])["quantity"].sum()
        shares = (by / by.groupby(level=0).transform("sum")).unstack(fill_value=0.0)
        order = [i for i in dict.fromkeys(a["item"]) if i in shares.index][::-1]  # plan order
        shares = shares.loc[order, shares.sum().sort_values(ascending=False).index]
        # Nine countries by weight keep their own colour; the rest are one grey "others".
        named, rest = shares.columns[:9], shares.columns[9:]
        if len(rest):
            shares = shares[named].assign(others=shares[rest].sum(axis=1))
        fig, ax = plt.subplots(figsize=(8, 1.6 + 0.4 * max(1, len(shares))))
        left = pd.Series(0.0, index=shares.index)
        colours = [*plt.get_cmap("tab10").colors[:9], (0.75, 0.75, 0.75)]
        for k, country in enumerate(shares.columns):
            ax.barh(
                list(shares.index),
                100 * shares[country],
                left=100 * left,
                label=country,
                color=colours[k if country != "others" else -1],
            )
            left += shares[country]
        ax.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.12))
        ax.set_xlim(0, 100)
        ax.set_xlabel("share of the item's supply (%)")
        ax.set_title(f"{self.instance_name}: where each item comes from", fontsize=10)
        fig.tight_layout()
        return fig

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the machine contract: docs/cli.md)."""
        return {
            "status": self.status.value,
            "objective": json_value(self.objective),
            "mip_gap": json_value(self.mip_gap),
            "bound": json_value(self.bound),
            "purchase_cost": json_value(self.purchase_cost),
            "shortfall_penalty": json_value(self.shortfall_penalty),
            "status_text": self.status_text,
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
            "shortfalls": json_records(self.shortfalls),
            **(
                {
                    "periods": list(self.periods),
                    "builds": json_records(self.builds),
                    "stock": json_records(self.stock),
                }
                if self.periods
                else {}
            ),
        }

    def __repr__(self) -> str:
        lines = [f"Plan({self.instance_name!r}: {self.status_text}"]
        if self.objective is not None:
            gap = "" if self.mip_gap is None else f", gap {self.mip_gap:.2%}"
            lines[0] += f", cost {self.objective:,.2f} {self.currency}{gap}"
            if self.has_shortfall:
                lines[0] += (
                    f" = purchase {self.purchase_cost:,.2f} + shortfall penalty "
                    f"{self.shortfall_penalty:,.2f}"
                )
        lines[0] += ")"
        if self.has_solution and len(self.allocations):
            awarded = self.allocations[self.allocations["quantity"] > 0]
            n_items = self.items["item"].nunique()
            over = f" over {len(self.periods)} periods" if self.periods else ""
            lines.append(
                f"  {awarded['supplier'].nunique()} suppliers awarded across {n_items} items{over}"
            )
            for r in self.items.to_dict("records"):
                top = (
                    f"top {r['top_country']} {r['top_share']:.0%}"
                    if r["top_country"]
                    else "no supply"
                )
                name = f"{r['item']} {r['period']}" if "period" in r else r["item"]
                lines.append(
                    f"  {name}: {r['supply']:,.6g} {r['unit']}, {top}, HHI {r['hhi']:,.0f}"
                )
            binding = self.rules[self.rules["binding"]] if len(self.rules) else self.rules
            if len(binding):
                lines.append("  binding: " + ", ".join(sorted(set(binding["rule"]))))
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)


def compact_money(v: float, currency: str = "") -> str:
    """Money for a sentence: ``8.59 bn USD``, ``12.3 m USD``, ``4,000.00 USD``."""
    unit = f" {currency}" if currency else ""
    for scale, name in ((1e9, "bn"), (1e6, "m")):
        if abs(v) >= scale:
            return f"{v / scale:,.2f} {name}{unit}"
    return f"{v:,.2f}{unit}"


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
