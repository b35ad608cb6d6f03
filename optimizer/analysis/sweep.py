"""Parameter sweep: solve an instance over a range of one numeric parameter.

:func:`sweep` varies either a numeric key of one rule (``rule="crma-65", param="max_share"``)
or the demand of every item (``param="demand_scale"``, a multiplier) from ``start`` to ``stop``
(inclusive) by ``step``, solves each point as an independent instance (through
:func:`trustsource.analysis.runner.run_many`: serial, local processes or Dask) and tabulates
status, cost split into purchase cost and shortfall penalty, unmet demand (items short, the worst
item's quantity and share of demand), concentration (HHI, top country share), bloc shares and
binding rules per point. :attr:`SweepResult.breaking_point` is the first value, in sweep order,
at which the plan leaves demand unmet or no plan exists (infeasible);
:attr:`SweepResult.breaking_reason` says which.

Re-use between points: every point is a plain :func:`trustsource.solve` of its own document,
and when the points run in this process they share one block store
(:class:`trustsource.solve.blocks.Reuse`): a block (an independent group of items) whose data
did not change is answered from an earlier point. When the swept key only tightens one way (a
cap lowered, a floor or a coverage raised: :data:`TIGHTER`), the points are solved from the
loosest to the tightest and the store is a *chain*: a block whose earlier optimum still meets
the tighter rows keeps it, since a restriction never costs less than its relaxation and that
plan is feasible in it. Only the blocks the tighter limit actually cuts go to HiGHS again.
Measured ratios: ``benchmarks/resolve.py``.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InstanceError, Issue, did_you_mean
from ..instance.instance import Instance
from ..instance.periods import scaled
from ..notebook import card
from ..output.workbook import save_workbook
from ..results.plan import json_records
from ..safe_writes import atomic_folder, csv_text, result_workbook
from ..solve import solve
from ..solve.blocks import Reuse
from .runner import Outcome, Progress, plan_workers, run_many

NUMERIC_KEYS = (
    "max_share",
    "min_share",
    "coverage",
    "max_hhi",
    "count",
    "max_share_without",
    "min_share_each",
)
DEMAND_SCALE = "demand_scale"
TIGHTER: dict[str, int] = {
    "max_share": -1,
    "max_share_without": -1,
    "max_hhi": -1,
    "min_share": 1,
    "coverage": 1,
    "min_share_each": 1,
}
"""Per swept key, the direction that tightens the rule (-1: a lower value, 1: a higher one);
``count`` depends on the kind (:func:`_tightening`). ``demand_scale`` has none: more demand
is not a restriction of less."""
PER_ITEM_LIMIT = 6  # per-item columns when the swept items are at most this many
MAX_POINTS = 10_000


def _bad(where: str, message: str) -> InstanceError:
    return InstanceError([Issue(where, None, message)])


def sweep_values(start: float, stop: float, step: float) -> list[float]:
    """Points from ``start`` towards ``stop`` (inclusive) spaced by ``|step|``.

    The direction follows start -> stop whatever the sign of ``step``; values are rounded to 12
    significant decimals so float steps land exactly on ``stop``.
    """
    if not all(math.isfinite(v) for v in (start, stop, step)):
        raise ValueError("start, stop and step must be finite numbers")
    if step == 0:
        raise ValueError("step must not be 0")
    step = abs(step) if stop >= start else -abs(step)
    n = int(math.floor((stop - start) / step + 1e-9)) + 1
    if n > MAX_POINTS:
        raise ValueError(f"{n} points exceed the limit of {MAX_POINTS}; use a larger step")
    return [round(start + k * step, 12) for k in range(n)]


@dataclass
class SweepResult:
    """One row per swept value (see :func:`sweep`)."""

    instance_name: str
    rule: str | None
    param: str
    table: pd.DataFrame
    currency: str = ""
    errors: dict[float, str] = field(default_factory=dict)
    wall_seconds: float = 0.0

    def _short(self) -> pd.Series:
        """Per point: whether its plan leaves demand unmet."""
        t = self.table
        if "shortfall_items" not in t:
            return pd.Series(False, index=t.index)
        return pd.to_numeric(t["shortfall_items"], errors="coerce").fillna(0) > 0

    @property
    def first_shortfall(self) -> float | None:
        """The first value whose plan leaves demand unmet (None: never)."""
        hit = self.table[self._short()]
        return None if hit.empty else float(hit["value"].iloc[0])

    @property
    def first_infeasible(self) -> float | None:
        """The first value whose status is infeasible (None: never)."""
        hit = self.table[self.table["status"] == "infeasible"]
        return None if hit.empty else float(hit["value"].iloc[0])

    @property
    def breaking_point(self) -> float | None:
        """The first value, in sweep order, whose plan leaves demand unmet or whose status is
        infeasible (None: never); :attr:`breaking_reason` says which."""
        hit = self.table[self._short() | (self.table["status"] == "infeasible")]
        return None if hit.empty else float(hit["value"].iloc[0])

    @property
    def breaking_reason(self) -> str | None:
        """``"shortfall"`` or ``"infeasible"`` at the breaking point (None: no breaking point)."""
        hit = self.table[self._short() | (self.table["status"] == "infeasible")]
        if hit.empty:
            return None
        return "infeasible" if hit["status"].iloc[0] == "infeasible" else "shortfall"

    @property
    def breaking_detail(self) -> str | None:
        """The breaking point in words: ``first shortfall (gallium 12.0% short)`` or
        ``infeasible`` (None: no breaking point)."""
        reason = self.breaking_reason
        if reason != "shortfall":
            return reason
        t = self.table
        r = t[self._short()].iloc[0]
        more = int(r["shortfall_items"]) - 1
        others = f", {more} more item{'s' if more > 1 else ''} short" if more > 0 else ""
        unproven = "" if r["status"] == "optimal" else f"; status {r['status']}, not proven"
        return (
            f"first shortfall ({r['worst_shortfall_item']} "
            f"{r['worst_shortfall_share']:.1%} short{others}{unproven})"
        )

    @property
    def label(self) -> str:
        """``crma-65.max_share`` or ``demand_scale``."""
        return f"{self.rule}.{self.param}" if self.rule else self.param

    def to_frame(self) -> pd.DataFrame:
        """One row per value swept (``table``)."""
        return self.table.copy()

    def _repr_html_(self) -> str:
        return card(
            f"Sweep of {self.label} in {self.instance_name}",
            [("points", len(self.table)), ("breaking point", self.breaking_point)],
            self.table,
            "cost, shortfall and binding rules per value (to_frame()); chart: figure()",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: parameters, breaking point and the table as records."""
        records = json_records(self.table)
        return {
            "instance": self.instance_name,
            "rule": self.rule,
            "param": self.param,
            "currency": self.currency,
            "breaking_point": self.breaking_point,
            "breaking_reason": self.breaking_reason,
            "breaking_detail": self.breaking_detail,
            "first_shortfall": self.first_shortfall,
            "first_infeasible": self.first_infeasible,
            "wall_seconds": round(self.wall_seconds, 6),
            "points": records,
            "errors": {str(k): v for k, v in self.errors.items()},
        }

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write sweep.csv, sweep.json, sweep.xlsx (a summary sheet of the sweep's scalar
        fields, then the table, formatted), sweep.png and sweep.svg to ``out_dir``; return paths.

        The folder is written whole or not at all (:func:`trustsource.safe_writes.atomic_folder`).
        """

        def fill(tmp: Path) -> list[Path]:
            paths = [tmp / "sweep.csv", tmp / "sweep.json"]
            paths[0].write_text(csv_text(self.table), encoding="utf-8")
            doc = self.to_dict()
            paths[1].write_text(json.dumps(doc, indent=2), encoding="utf-8")
            paths.append(tmp / "sweep.xlsx")
            save_workbook(result_workbook("sweep", doc, {"sweep": self.table}), str(paths[-1]))
            paths += [tmp / "sweep.png", tmp / "sweep.svg"]
            fig = self.figure()
            try:
                fig.savefig(paths[-2], dpi=120)
                fig.savefig(paths[-1])
            finally:
                import matplotlib.pyplot as plt

                plt.close(fig)
            return paths

        return atomic_folder(out_dir, fill, owned=("sweep.*",))

    def figure(self) -> Any:
        """A matplotlib figure: cost against the parameter, split into purchase cost and the
        shortfall penalty (shaded); points with shortfall banded orange, infeasible or
        planless points red; the breaking point marked with its reason."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        t = self.table.sort_values("value", kind="stable")
        fig, ax = plt.subplots(figsize=(7.5, 4.5))
        ok = t[t["cost"].notna()]
        ax.plot(ok["value"], ok["cost"], marker="o", lw=1.5, label="total cost")
        if "purchase_cost" in ok and self._short().any():
            purchase = ok["purchase_cost"].astype(float)
            ax.plot(
                ok["value"],
                purchase,
                marker=".",
                lw=1,
                ls="--",
                color="tab:green",
                label="purchase cost",
            )
            ax.fill_between(
                ok["value"],
                purchase,
                ok["cost"].astype(float),
                color="tab:orange",
                alpha=0.25,
                lw=0,
                label="shortfall penalty",
            )
        values = sorted(t["value"])
        half = min(abs(b - a) for a, b in zip(values, values[1:])) / 2 if len(values) > 1 else 0.01
        short = t[self._short().reindex(t.index)]
        for k, v in enumerate(short["value"].astype(float)):
            ax.axvspan(
                v - half,
                v + half,
                color="tab:orange",
                alpha=0.12,
                lw=0,
                label=None if k else "demand left unmet",
            )
        bad = t[t["cost"].isna()]
        for k, v in enumerate(bad["value"].astype(float)):
            ax.axvspan(
                v - half,
                v + half,
                color="tab:red",
                alpha=0.15,
                lw=0,
                label=None if k else "infeasible / no plan",
            )
        if len(bad):
            y = ok["cost"].min() if len(ok) else 0.0
            ax.scatter(bad["value"], [y] * len(bad), marker="x", color="tab:red", zorder=3)
            for r in bad.itertuples():
                ax.annotate(
                    str(r.status),
                    (r.value, y),
                    textcoords="offset points",
                    xytext=(0, 8),
                    ha="center",
                    fontsize=7,
                    color="tab:red",
                    rotation=90,
                )
        bp = self.breaking_point
        if bp is not None:
            ax.axvline(
                bp,
                color="tab:red",
                ls="--",
                lw=1,
                label=f"breaking point {bp:g} ({self.breaking_reason})",
            )
        ax.set_xlabel(self.label)
        ax.set_ylabel(f"cost ({self.currency})" if self.currency else "cost")
        ax.set_title(f"{self.instance_name}: cost against {self.label}")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        return fig


def sweep(
    instance: Instance,
    *,
    rule: str | None = None,
    param: str,
    start: float,
    stop: float,
    step: float,
    workers: int | None = None,
    scheduler: Any = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    timeout: float | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Solve ``instance`` at every value of one parameter from ``start`` to ``stop``.

    Args:
        instance: a validated instance (apply a variant first if wanted).
        rule: name of the rule whose key ``param`` is varied; None with ``demand_scale``.
        param: a numeric rule key (``max_share``, ``min_share``, ``coverage``, ``max_hhi``,
            ``count``, ``max_share_without``, ``min_share_each``) or ``demand_scale``.
        start, stop, step: the range, inclusive of ``stop``.
        workers: processes (1: serial; None: serial unless the points repay worker processes,
            judged by timing the first point; see :func:`trustsource.analysis.runner.plan_workers`).
        scheduler: a Dask scheduler address or ``distributed.Client`` to run the points on.
        time_limit, mip_rel_gap: passed to each :func:`trustsource.solve`.
        timeout: seconds a point may take before it is reported as an error (None: no limit).
        progress: called with ``(done, total)`` as points finish.

    Raises:
        InstanceError: unknown rule, non-numeric key, or a value the schema rejects.
        ValueError: a bad range.
    """
    values = sweep_values(start, stop, step)
    base = instance.to_dict()
    covered = _covered_items(instance, rule, param)
    docs = [_point_doc(base, rule, param, v) for v in values]
    insts: list[Instance] = []
    for v, d in zip(values, docs):
        try:
            insts.append(Instance.from_dict(d, origin=f"{instance.name} [{param}={v:g}]"))
        except InstanceError as exc:
            raise _bad(f"sweep {param}={v:g}", f"the value is not valid: {exc}") from None
    options: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap}
    t0 = time.perf_counter()
    outcomes = _run_points(
        values,
        docs,
        insts,
        options,
        covered,
        _tightening(instance, rule, param),
        workers=workers,
        scheduler=scheduler,
        timeout=timeout,
        progress=progress,
    )
    wall = time.perf_counter() - t0
    rows, errors = [], {}
    for v, o in zip(values, outcomes):
        rows.append({"value": v, **_row(o, covered)})
        if not o.ok:
            errors[v] = o.error
    table = pd.DataFrame(rows)
    return SweepResult(instance.name, rule, param, table, instance.currency, errors, wall)


def _tightening(instance: Instance, rule: str | None, param: str) -> int:
    """The direction in which ``param`` tightens ``rule`` (0: none known)."""
    if rule is None:
        return 0
    if param == "count":
        kind = next((r.kind for r in instance.rules if r.name == rule), "")
        return {"min_suppliers": 1, "min_countries": 1, "max_suppliers": -1}.get(kind, 0)
    return TIGHTER.get(param, 0)


def _run_points(
    values: list[float],
    docs: list[dict[str, Any]],
    insts: list[Instance],
    options: dict[str, Any],
    covered: list[str],
    direction: int,
    *,
    workers: int | None,
    scheduler: Any,
    timeout: float | None,
    progress: Progress | None,
) -> list[Outcome]:
    """The points' outcomes in ``values`` order.

    Here (no scheduler): the points run from the loosest to the tightest with one block store,
    a chain when ``direction`` is known. The first runs here and its time decides, as in
    :func:`trustsource.analysis.runner.run_many`, whether worker processes repay the rest (they
    then solve whole documents).
    """
    # Worker processes run one HiGHS thread each (several processes already share the cores);
    # in this process HiGHS keeps the thread count it started with (it cannot change it).
    apart = {**options, "threads": 1}
    if scheduler is not None or (workers is not None and workers > 1):
        payloads = [(d, apart, covered) for d in docs]
        return list(
            run_many(
                solve_point,
                payloads,
                workers=workers,
                scheduler=scheduler,
                timeout=timeout,
                progress=progress,
            )
        )
    order = list(range(len(values)))
    if direction:
        order.sort(key=lambda k: direction * values[k])  # loosest first
    reuse = Reuse(chain=bool(direction))
    here = {**options, "reuse": reuse}
    total = len(order)
    done: dict[int, Outcome] = {}

    def tick(n: int, _total: int) -> None:
        if progress is not None:
            progress(n, total)

    first = run_many(solve_point, [(insts[order[0]], here, covered)], workers=1, timeout=timeout)
    done[order[0]] = first[0]
    tick(1, total)
    rest = order[1:]
    n = plan_workers(workers, len(rest), first[0].seconds) if rest else 1
    later: list[tuple[dict[str, Any] | Instance, dict[str, Any], list[str]]]
    if n <= 1:
        later = [(insts[k], here, covered) for k in rest]
    else:
        later = [(docs[k], apart, covered) for k in rest]
    batch = run_many(
        solve_point,
        later,
        workers=n,
        timeout=timeout,
        progress=lambda d, _t: tick(d + 1, total),
    )
    for k, o in zip(rest, batch):
        done[k] = o
    return [done[k] for k in range(total)]


def _covered_items(instance: Instance, rule: str | None, param: str) -> list[str]:
    all_items = [it.id for it in instance.items]
    if rule is None:
        if param != DEMAND_SCALE:
            raise _bad(
                "sweep",
                f"--param {param} needs --rule; without a rule only '{DEMAND_SCALE}' can be swept",
            )
        return all_items
    if param == DEMAND_SCALE:
        raise _bad("sweep", f"'{DEMAND_SCALE}' scales every item's demand: give no rule")
    spec = next((r for r in instance.rules if r.name == rule), None)
    if spec is None:
        names = [r.name or "" for r in instance.rules]
        raise _bad(
            "sweep",
            f"no rule named '{rule}'{did_you_mean(rule, names)}; known: "
            f"{', '.join(names) or 'none'}",
        )
    if param not in NUMERIC_KEYS or param not in type(spec).model_fields:
        keys = [k for k in NUMERIC_KEYS if k in type(spec).model_fields]
        raise _bad(
            "sweep",
            f"rule '{rule}' ({spec.kind}) has no numeric key '{param}'; "
            f"numeric keys: {', '.join(keys) or 'none'}",
        )
    return list(spec.items) if spec.items is not None else all_items


def _point_doc(base: dict[str, Any], rule: str | None, param: str, value: float) -> dict[str, Any]:
    doc = dict(base)
    if rule is None:
        doc["items"] = [
            {**it, "demand": scaled(it.get("demand", 0.0), value)} for it in base["items"]
        ]
    else:
        if param == "count":
            if value != int(value):
                raise _bad("sweep", f"count must be a whole number, got {value:g}")
            value = int(value)
        doc["rules"] = [{**r, param: value} if r.get("name") == rule else r for r in base["rules"]]
    doc.pop("variants", None)
    return doc


def solve_point(
    payload: tuple[dict[str, Any] | Instance, dict[str, Any], list[str]],
) -> dict[str, Any]:
    """Solve one sweep point (the unit of work of a worker) and summarise it as a row; in this
    process the point's instance, already validated, may come instead of its document."""
    doc, options, covered = payload
    if isinstance(doc, Instance):
        inst = doc
    else:
        inst = Instance.from_dict(doc, origin=str(doc.get("name", "<sweep>")))
    plan = solve(inst, **options)
    row: dict[str, Any] = {
        "status": plan.status.value,
        "status_text": plan.status_text,
        "cost": plan.objective,
        **plan.shortfall_summary(),
        "mip_gap": plan.mip_gap,
    }
    items = plan.items
    if plan.has_solution and len(items):
        mine = items[items["item"].isin(covered)]
        top: pd.Series | None = None
        if len(mine):
            # idxmax gives a label of mine's own index; the stubs type it as any Hashable
            top = mine.loc[mine["top_share"].idxmax()]  # type: ignore[call-overload]
        row["max_hhi"] = float(mine["hhi"].max()) if len(mine) else None
        row["top_share"] = float(top["top_share"]) if top is not None else None
        row["top_country"] = top["top_country"] if top is not None else None
        row["top_item"] = top["item"] if top is not None else None
        for col in [
            c for c in items.columns if c.startswith("share_") and c != "share_without_exit_clause"
        ]:
            row[col] = float(mine[col].max()) if len(mine) else None
        if len(covered) <= PER_ITEM_LIMIT:
            for item, hhi, top_share in zip(
                mine["item"], mine["hhi"].astype(float), mine["top_share"].astype(float)
            ):
                row[f"hhi[{item}]"] = hhi
                row[f"top_share[{item}]"] = top_share
        rules = plan.rules
        row["binding"] = (
            ",".join(sorted(set(rules.loc[rules["binding"].astype(bool), "rule"])))
            if len(rules)
            else ""
        )
    row["solve_seconds"] = plan.timings.get("total", 0.0)
    row["message"] = plan.message if not plan.has_solution else ""
    return row


def _row(o: Outcome, covered: list[str]) -> dict[str, Any]:
    if o.ok:
        return dict(o.value)
    return {
        "status": "error",
        "status_text": "error",
        "cost": None,
        "solve_seconds": o.seconds,
        "message": o.error.splitlines()[0] if o.error else "error",
    }
