"""The outer-approximation loop for ``hhi_cap`` rules (see :mod:`trustsource.model.rules.hhi`).

After each solve, compute every capped item's true HHI from the plan; where it exceeds the cap by
more than the rule's tolerance, add the tangent cut at that plan and solve again. The loop itself
(:func:`cut_loop`) is the one used by solve, by the LP prices of explain and by diagnose's
elastic model: each passes only what differs (which cuts count, how a row is added, how HiGHS
runs again), and all stop after :data:`MAX_CUT_ROUNDS` re-solves.

Cut rows are written in share units wherever quantity units would be looser. HiGHS accepts a
row within an absolute feasibility tolerance (1e-7); in quantity units that is a share error of
1e-7 / T, which on an item of demand 0.001 is 1e-4, an HHI error near a point: more than a
``tolerance: 0.01`` allows, so the loop kept cutting at the same plan until it gave up. Divided
by the item's supply scale (the most supply it can need) when that scale is below 1, the row's
violation is a share, and HiGHS's tolerance is 1e-7 of a share whatever the unit. Above 1 the
quantity row is already at least as tight, and dividing would push coefficients of a 1e9-unit
item below HiGHS's ``small_matrix_value`` (1e-9), where they are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np
import pandas as pd

from ..model.build import BuiltModel
from ..model.copies import Copies
from .highs import HighsAnswer, Progress, run

MAX_CUT_ROUNDS = 200
"""Most re-solves of the cut loop. Measured on the bundled and test instances the loop converges
in 2-15 rounds (the boundary cut of :func:`_cut_points` halves them); a flat objective can need
more, and 200 bounds the work while leaving room (``trustsource.solve(max_hhi_iterations=)``)."""


@dataclass
class Cut:
    """One tangent cut ``(sum coef * x - root * T_i) / scale <= 0`` in global column indices.

    ``vals`` already carry the division by ``scale``: a caller adding a column of its own to the
    row (the elastic model's slack, in quantity units q) gives it the coefficient ``-q / scale``,
    and a row dual ``y`` is worth ``y / scale`` per unit of the unscaled row.
    """

    rule: str
    item: str
    hhi: float
    cols: np.ndarray
    vals: np.ndarray
    scale: float = 1.0


def row_scale(most: float) -> float:
    """The divisor of an item's cut rows: its supply scale when below 1, else 1 (see above)."""
    return most if 0 < most < 1 else 1.0


def hhi_cuts(model: BuiltModel, col: np.ndarray) -> list[Cut]:
    """Cuts for every (rule, item) whose plan HHI exceeds ``max_hhi + tolerance``."""
    ctx = model.ctx
    cuts: list[Cut] = []
    x = col[ctx.x]
    for spec in model.data.info.get("hhi", []):
        members = spec["members"]
        items = ctx.sup_item[members]
        frame = pd.DataFrame({"item": items, "country": spec["countries"]})
        group, uniq = pd.factorize(pd.MultiIndex.from_frame(frame), sort=True)
        group_item = np.asarray(uniq.get_level_values(0), dtype=np.int64)
        supply_g = np.bincount(group, weights=x[members], minlength=len(uniq))
        total = np.bincount(group_item, weights=supply_g, minlength=len(ctx.item_ids))
        share = np.divide(
            supply_g, total[group_item], out=np.zeros(len(uniq)), where=total[group_item] > 0
        )
        hhi = np.bincount(group_item, weights=share**2, minlength=len(ctx.item_ids)) * 10_000
        for i in np.flatnonzero(hhi > spec["max_hhi"] + spec["tolerance"]):
            mine = items == i
            cols = np.concatenate([ctx.x[members[mine]], [ctx.supply[i]]])
            in_item = group_item == i
            scale = row_scale(float(ctx.most[i]))
            for point in _cut_points(supply_g[in_item], total[i], spec["root"]):
                # Coefficient of x_s: the cut direction's component for s's country.
                direction = np.zeros(len(uniq))
                direction[in_item] = point / np.linalg.norm(point)
                coef = direction[group[mine]]
                vals = np.concatenate([coef, [-spec["root"]]]) / scale
                cuts.append(Cut(spec["rule"], ctx.item_ids[i], float(hhi[i]), cols, vals, scale))
    return cuts


def copy_cuts(copies: Copies, col: np.ndarray, label: bool = True) -> list[Cut]:
    """The violated cuts of every copy of a stacked model, in the stack's columns (each copy's
    cuts computed on its own columns; the item labelled with the copy's name)."""
    out: list[Cut] = []
    for k, m in enumerate(copies.models):
        if not m.data.info.get("hhi"):
            continue
        for cut in hhi_cuts(m, copies.local(k, col)):
            item = f"{cut.item} ({copies.names[k]})" if label else cut.item
            out.append(replace(cut, item=item, cols=copies.cols[k][cut.cols]))
    return out


def _cut_points(x_hat: np.ndarray, total: float, root: float) -> list[np.ndarray]:
    """Points whose tangent cuts are added: the plan, and its projection onto the cap.

    Kelley's cut at the plan alone converges slowly when the objective is flat (the solver
    keeps landing on far vertices of the polyhedral approximation). Also cutting at the point
    where the segment from an interior point (equal shares over the item's countries) to the
    plan crosses the cap gives a supporting hyperplane at the boundary itself (the extended
    supporting hyperplane method), which converges in far fewer re-solves.
    """
    points = [x_hat]
    n = len(x_hat)
    if n < 2 or total <= 0:
        return points
    centre = np.full(n, total / n)
    limit = (root * total) ** 2
    if centre @ centre >= limit:  # equal shares already at the cap: no interior point
        return points
    # ||centre + lam (x_hat - centre)||^2 = limit, for lam in (0, 1).
    d = x_hat - centre
    a, b, c = d @ d, 2 * centre @ d, centre @ centre - limit
    disc = b * b - 4 * a * c
    if a <= 0 or disc < 0:
        return points
    lam = (-b + np.sqrt(disc)) / (2 * a)
    if 0 < lam < 1:
        points.append(centre + lam * d)
    return points


@dataclass
class CutLoop:
    """What the cut loop ended with.

    ``stopped`` is None when no cut was left to add (the plan is within every cap), else why the
    loop stopped with cuts still violated: ``"rounds"`` (``max_rounds`` re-solves), ``"time
    limit"`` or the reason HiGHS was stopped (``answer.stopped_by``).
    """

    answer: HighsAnswer
    rounds: int
    solve_seconds: float
    stopped: str | None = None
    worst: Cut | None = None
    added: list[Cut] = field(default_factory=list)


def add_cut_rows(h: highspy.Highs, cuts: list[Cut], position: np.ndarray | None = None) -> None:
    """Append ``cut.vals . x <= 0`` rows; ``position`` maps global columns to HiGHS's columns
    where a compiled model dropped some (the Pyomo route)."""
    for cut in cuts:
        cols = cut.cols if position is None else position[cut.cols]
        if (cols < 0).any():
            raise RuntimeError("a cut names a column the compiled model dropped")
        h.addRow(
            -highspy.kHighsInf, 0.0, len(cols), cols.astype(np.int32), cut.vals.astype(np.float64)
        )


def cut_loop(
    h: highspy.Highs,
    first: HighsAnswer,
    *,
    cuts_at: Callable[[np.ndarray], list[Cut]],
    resolve: Callable[[], HighsAnswer],
    add: Callable[[highspy.Highs, list[Cut]], None] = add_cut_rows,
    max_rounds: int = MAX_CUT_ROUNDS,
    deadline: float | None = None,
    on_round: Callable[[int, Cut], Any] | None = None,
) -> CutLoop:
    """Add the violated cuts at each plan and solve again, until none is left or a limit stops it.

    Args:
        h: the HiGHS object ``first`` came from; rows are appended to it.
        first: the answer of the first solve.
        cuts_at: the cuts violated at a plan (HiGHS's column values).
        resolve: runs HiGHS again with the caller's options and returns the answer.
        add: appends cut rows (default :func:`add_cut_rows`).
        max_rounds: most re-solves.
        deadline: a :func:`time.perf_counter` time after which no re-solve starts.
        on_round: told (round, worst cut) before each re-solve (progress reports).
    """
    answer = first
    loop = CutLoop(answer, 0, first.run_seconds)
    while answer.col_value is not None:
        cuts = cuts_at(np.asarray(answer.col_value, dtype=float))
        if not cuts:
            break
        loop.worst = max(cuts, key=lambda c: c.hhi)
        out_of_time = deadline is not None and time.perf_counter() >= deadline
        if loop.rounds >= max_rounds or out_of_time or answer.stopped_by:
            loop.stopped = answer.stopped_by or ("time limit" if out_of_time else "rounds")
            break
        add(h, cuts)
        loop.added.extend(cuts)
        loop.rounds += 1
        if on_round is not None:
            on_round(loop.rounds, loop.worst)
        answer = resolve()
        loop.solve_seconds += answer.run_seconds
    loop.answer = answer
    return loop


def solve_copies(
    h: highspy.Highs,
    copies: Copies,
    *,
    mip_rel_gap: float,
    threads: int | None,
    deadline: float | None,
    log: bool = False,
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    max_rounds: int = MAX_CUT_ROUNDS,
) -> CutLoop:
    """Solve a stacked model (risk's scenarios, the periods, a coalition's members) with the
    ``hhi_cap`` cut loop over every copy: one place for the run settings of each re-solve."""

    def resolve() -> HighsAnswer:
        return run(
            h,
            is_mip=copies.data.stats["integers"] > 0,
            time_limit=None,
            mip_rel_gap=mip_rel_gap,
            threads=threads,
            log=log,
            options=options,
            progress=progress,
            stop=stop,
            deadline=deadline,
        )

    return cut_loop(
        h,
        resolve(),
        cuts_at=lambda v: copy_cuts(copies, np.asarray(v, dtype=float)),
        resolve=resolve,
        max_rounds=max_rounds,
        deadline=deadline,
    )
