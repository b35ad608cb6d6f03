"""Glide: from which period can a rule hold, what blocks it before, and what an earlier
deadline costs.

For a periodic instance and one of its rules, each period :math:`p` is tried as the
*deadline*: the rule holds at the target from :math:`p` on (``from: p``, its limit set to the
target in every period from then) and does not apply before. The target is ``target`` when
given, else the rule's own value in the last period (where its path ends: 0.65 for a CRMA
benchmark reached in 2030). The other rules stay as the instance gives them. Every deadline is
one solve of the whole horizon, all run through the one runner (:mod:`.runner`), in parallel
where that pays.

A later deadline constrains fewer periods, so feasibility is monotone: the *earliest* deadline
is the first period whose solve finds a plan. What blocks the period before it is the diagnosis
of that solve (:func:`trustsource.diagnose`, in the same words: capacity not yet built, the
builds whose lead times keep them out). The cost of bringing the deadline forward one period is
the difference of the two solves' objectives, shown only between proven optima (else marked
unproven).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InstanceError, Issue, did_you_mean
from ..instance.instance import Instance
from ..instance.kinds import kind_of
from ..notebook import card
from ..results.plan import Plan, compact_money, json_records, json_value
from ..results.tables import basis_column
from ..safe_writes import write_result_folder
from ..status import Status
from .diagnose import diagnose
from .runner import Progress, solve_all

TABLE_COLUMNS = [
    "deadline",
    "status",
    "objective",
    "mip_gap",
    "proven",
    "extra_cost",
    "forward_cost",
]


@dataclass
class GlideResult:
    """What :func:`glide` found (see the module docstring)."""

    instance_name: str
    rule: str
    kind: str
    key: str  # the limit set to the target (max_share, min_share, coverage, ...)
    sense: str  # max or min
    target: float
    years: tuple[int, ...]
    currency: str
    earliest: int | None
    table: pd.DataFrame
    basis: str = "location"  # whose country counts: where it produces, or who controls it
    items: tuple[str, ...] | None = None  # the items the rule covers (None: all)
    countries: frozenset[str] | None = None  # a country cap's countries (None: all)
    exempt: frozenset[str] = frozenset()  # and those it exempts
    measure: str = "quantity"  # shares of quantity, or of purchase cost
    blocked: list[str] = field(default_factory=list)
    blocked_year: int | None = None
    plans: dict[int, Plan] = field(default_factory=dict)

    @property
    def plan(self) -> Plan | None:
        """The cheapest plan that meets the rule from the earliest deadline on."""
        return None if self.earliest is None else self.plans[self.earliest]

    def path(self) -> pd.DataFrame:
        """Per period and item, the value the rule limits in the earliest plan (the worst
        country or bloc for a share rule) and the target where it applies."""
        plan = self.plan
        cols = ["period", "item", "achieved", "limit"]
        if plan is None or not len(plan.rules):
            return pd.DataFrame(columns=cols)
        if self.kind == "country_cap":
            # Every period, the rule applying or not: the largest country's share of each item
            # it covers (on its basis), so the chart shows the path up to the deadline too.
            a = plan.allocations
            a = a[a["quantity"] > 0]
            if self.items is not None:
                a = a[a["item"].isin(self.items)]
            col = basis_column(a, self.basis)
            # A cap measured in cost reads shares of purchase cost, not of quantity.
            amount = "variable_cost" if self.measure == "cost" else "quantity"
            q = a.groupby(["period", "item", col])[amount].sum()
            share = (q / q.groupby(level=[0, 1]).transform("sum")).reset_index(level=2)
            capped = ~share[col].isin(self.exempt)
            if self.countries is not None:
                capped &= share[col].isin(self.countries)
            worst_share = share[capped].groupby(level=[0, 1])[amount].max()
            frame = worst_share.rename("achieved").reset_index()
            start = self.earliest if self.earliest is not None else self.years[-1] + 1
            frame["limit"] = [self.target if y >= start else np.nan for y in frame["period"]]
            return frame[cols]
        r = plan.rules[plan.rules["rule"] == self.rule]
        worst = "max" if self.sense == "max" else "min"
        out = r.groupby(["period", "item"], sort=True).agg(
            achieved=("achieved", worst), limit=("limit", "first")
        )
        return out.reset_index()[cols]

    def to_frame(self) -> pd.DataFrame:
        """One row per deadline tried (``table``)."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return card(
            f"Glide path of {self.rule} in {self.instance_name}",
            [("target", self.target), ("earliest", self.earliest), ("blocked", self.blocked_year)],
            self.table,
            "each deadline (to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the machine contract of ``trustsource glide --format json``)."""
        return {
            "instance": self.instance_name,
            "rule": self.rule,
            "kind": self.kind,
            "key": self.key,
            "target": self.target,
            "periods": list(self.years),
            "currency": self.currency,
            "earliest": self.earliest,
            "deadlines": json_records(self.table),
            "blocked": {"period": self.blocked_year, "messages": list(self.blocked)},
            "path": json_records(self.path()),
            "objective": json_value(None if self.plan is None else self.plan.objective),
        }

    def summary_lines(self) -> list[str]:
        """The answer in words, then one line per deadline."""
        what = f"`{self.rule}` at {self.key} {self.target:g}"
        if self.earliest is None:
            head = [f"{self.instance_name}: {what} cannot hold even from {self.years[-1]}"]
        else:
            head = [f"{self.instance_name}: {what} can hold from {self.earliest} on"]
        if self.blocked:
            head.append(f"what blocks it in {self.blocked_year}:")
            head.extend(f"  {m}" for m in self.blocked)
        head.append("")
        head.append(
            "deadline  status      total cost            extra vs latest   one period earlier"
        )
        for r in self.table.to_dict("records"):
            obj = r["objective"]
            known = obj is not None and not pd.isna(obj)
            cost = _money(float(obj)) if known else "-"
            extra = _signed(r["extra_cost"])
            fwd = _signed(r["forward_cost"])
            mark = " (unproven)" if known and not r["proven"] else ""
            head.append(f"{r['deadline']:<9} {r['status']:<11} {cost + mark:<21} {extra:<17} {fwd}")
        return head

    def figure(self) -> Any:
        """Per item, the value the rule limits in each period of the earliest plan, against
        the target from the deadline on."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        path = self.path()
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for item, rows in path.groupby("item", sort=False):
            ax.plot(rows["period"], rows["achieved"], marker="o", label=str(item))
        ax.step(
            list(self.years),
            [
                self.target if self.earliest is not None and y >= self.earliest else np.nan
                for y in self.years
            ],
            where="post",
            color="black",
            linestyle="--",
            label=f"{self.key} {self.target:g}",
        )
        ax.set_xticks(list(self.years))
        ax.set_xlabel("period")
        ax.set_ylabel(self.key)
        if kind_of(self.kind).limit("max" if self.sense == "max" else "min") is not None and (
            kind_of(self.kind).limits[0].unit == "share"
        ):
            ax.set_ylim(0.0, 1.05)  # shares on their whole scale, the cap in proportion
        ax.set_title(
            f"{self.instance_name}: `{self.rule}` per period"
            + (f", holding from {self.earliest}" if self.earliest else ", never reached"),
            fontsize=10,
        )
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write glide.json, glide_deadlines.csv, glide_path.csv, glide.png and glide.svg (the
        path against the target) to ``out_dir``, whole or not at all."""
        return write_result_folder(
            out_dir,
            "glide",
            self.to_dict(),
            {"deadlines": self.table, "path": self.path()},
            self.figure if self.plan is not None else None,
        )

    def __repr__(self) -> str:
        return "\n".join(self.summary_lines())


def _money(v: float) -> str:
    return compact_money(float(v))


def _signed(v: Any) -> str:
    if v is None or pd.isna(v):
        return "-"
    return ("+" if v > 0 else "") + compact_money(float(v))


def glide(
    instance: Instance,
    rule: str,
    target: float | None = None,
    *,
    workers: int | None = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
    explain_blocked: bool = True,
    progress: Progress | None = None,
) -> GlideResult:
    """Try every period as the deadline of ``rule`` (at ``target``; see the module docstring).

    Args:
        instance: a periodic instance.
        rule: the name of one of its rules (with a numeric limit).
        target: the limit from the deadline on (default: the rule's value in the last period).
        workers: processes for the solves (None: decided by the runner).
        time_limit: seconds per solve.
        mip_rel_gap: relative MIP gap of each solve.
        threads: HiGHS threads per solve.
        explain_blocked: diagnose the period before the earliest deadline.
        progress: called with ``(done, total)`` as the deadline solves finish.

    Raises:
        InstanceError: if the instance has no periods, or no such rule with a limit.
    """
    h = instance.horizon
    if h is None:
        raise InstanceError(
            [Issue(f"{instance.name}: periods", None, "glide needs a periodic instance")]
        )
    spec = next((r for r in instance.rules if r.name == rule), None)
    names = [str(r.name) for r in instance.rules]
    if spec is None:
        raise InstanceError(
            [
                Issue(
                    f"{instance.name}: rules",
                    None,
                    f"no rule named {rule!r}{did_you_mean(rule, names)}; known: "
                    f"{', '.join(names) or 'none'}",
                )
            ]
        )
    limit = next(
        (lim for lim in kind_of(spec).limits if getattr(spec, lim.key, None) is not None), None
    )
    if limit is None:
        raise InstanceError(
            [Issue(f"{instance.name}: rules", None, f"rule {rule!r} has no limit to glide on")]
        )
    last = h.instances[-1]
    final = next(r for r in last.rules if r.name == rule)
    goal = float(getattr(final, limit.key)) if target is None else float(target)
    doc = instance.to_dict()
    tasks = {(y,): _deadline_doc(doc, rule, limit.key, goal, y) for y in h.years}
    options = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "threads": threads}
    plans, _ = solve_all(tasks, options, workers=workers, progress=progress)
    by_year = {y: plans[(y,)] for y in h.years}
    earliest = next((y for y in h.years if by_year[y].has_solution), None)
    table = _table(by_year, h.years)
    selected = getattr(spec, "countries", None)  # a country cap's own countries, if any
    result = GlideResult(
        instance.name,
        rule,
        str(spec.kind),
        limit.key,
        limit.sense,
        goal,
        h.years,
        instance.currency,
        earliest,
        table,
        basis=str(getattr(spec, "basis", "location")),
        items=None if spec.items is None else tuple(spec.items),
        countries=None if selected is None else instance.countries_of(selected),
        exempt=instance.countries_of(getattr(spec, "except_", ())),
        measure=str(getattr(spec, "measure", None) or "quantity"),
        plans=by_year,
    )
    before = h.years[: h.years.index(earliest)] if earliest is not None else h.years
    if explain_blocked and before:
        year = before[-1]
        plan = by_year[year]
        if plan.status is Status.INFEASIBLE:
            blocked = Instance.from_dict(tasks[(year,)], origin=f"{instance.name} [glide]")
            d = diagnose(blocked, time_limit=time_limit, threads=threads, plan=plan)
            result.blocked = list(d.messages)
            result.blocked_year = year
    return result


def _deadline_doc(
    doc: dict[str, Any], rule: str, key: str, goal: float, year: int
) -> dict[str, Any]:
    """The document with ``rule`` at ``goal`` from ``year`` on (off before)."""
    out = dict(doc)
    rules = []
    for entry in doc.get("rules", []):
        if entry.get("name") == rule:
            entry = {**entry, key: goal, "from": year}
        rules.append(entry)
    out["rules"] = rules
    out["name"] = f"{doc.get('name', 'instance')} [{rule} from {year}]"
    return out


def _table(plans: dict[int, Plan], years: tuple[int, ...]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for y in years:
        p = plans[y]
        rows.append(
            {
                "deadline": y,
                "status": p.status.value,
                "objective": p.objective if p.has_solution else None,
                "mip_gap": p.mip_gap if p.has_solution else None,
                "proven": p.status is Status.OPTIMAL,
            }
        )
    t = pd.DataFrame(rows, columns=TABLE_COLUMNS[:5])
    # Differences only between proven optima: an unproven cost is an interval, not a number.
    cost = [plans[y].objective if plans[y].status is Status.OPTIMAL else None for y in years]
    extra: list[float | None] = [
        c - cost[-1] if c is not None and cost[-1] is not None else None for c in cost
    ]
    forward: list[float | None] = [
        c - n if c is not None and n is not None else None for c, n in zip(cost, [*cost[1:], None])
    ]
    t["extra_cost"] = extra
    t["forward_cost"] = forward
    return t
