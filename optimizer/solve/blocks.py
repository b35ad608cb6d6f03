r"""Solve a model one independent block at a time, answering blocks met before from a store.

Many sourcing models fall apart into blocks: items that share no site, budget, bill of
materials or rule row are separate problems. With rows and columns permuted so that the matrix
is block-diagonal,

.. math::

    \min \sum_k c_k^\top x_k \quad \text{s.t.} \quad l_k \le A_k x_k \le u_k,\;
    \underline{x}_k \le x_k \le \overline{x}_k,\; x_{k,j} \in \mathbb{Z}\ (j \in J_k)

is the sum of the blocks' optima, and the blocks' dual bounds add up to a dual bound of the
whole. A block optimal within relative gap :math:`g` has :math:`z_k - b_k \le g\,|z_k|`, so the
sum is within :math:`g` whenever the :math:`z_k` are non-negative (every trustsource cost is);
the combined gap is computed from the sums and a plan is called optimal only when it is within
the requested gap.

The blocks are the connected components of the bipartite row-column graph (scipy's
``connected_components``). Related solves (explain's re-solves, a sweep's points, a coalition's
sub-games) share most blocks; a :class:`Reuse` store, kept by one analysis and passed to each of
its solves, answers them without HiGHS:

* **same block**: a digest of the block's data (costs, bounds, integrality, matrix and row
  bounds, as passed to HiGHS) equal to one solved before, to the same or a tighter gap, gives
  that answer again. Exact: the same problem has the same optimum.
* **tighter block** (``Reuse(chain=True)``): the caller promises that every solve given the
  store is a *restriction* of every solve before it (a sweep that tightens one limit point by
  point). A block with the same columns, costs, bounds and integrality as one solved before, whose
  stored optimum still satisfies the block's new rows, keeps that optimum: it is feasible in the
  restricted block, and no plan of a restriction costs less than the relaxation's optimum. Its
  dual bound stays valid for the same reason.

Everything else goes to HiGHS, one block at a time, with the same options and stop request as
a whole solve. Under a time limit the model is solved whole unless the store answers every
block: each block would have to find its own plan within its slice of the time, and one hard
block could leave the whole without a plan where a whole solve finds one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..model.core import ModelData
from ..model.handoff import _pass, new_highs, round15
from ..status import Status
from .highs import HighsAnswer, run

ROW_TOL = 1e-6
"""Feasibility tolerance of a stored optimum against a tighter block's rows, relative to
max(1, |bound|): HiGHS's own primal tolerance is 1e-7, and the verifier checks every plan at
1e-6 afterwards."""

SMALL_MIP = 16
"""Blocks with at most this many integer columns skip HiGHS's feasibility jump heuristic."""
SMALL_COLUMNS = 5_000
"""Blocks with at most this many columns and :data:`SMALL_MIP` integers run in the calling
thread (no stop polling inside them)."""
SMALL_MIP_OPTIONS: dict[str, Any] = {"mip_heuristic_run_feasibility_jump": False}

# Worst first: the status of a combination of blocks is its worst block's.
_ORDER = [
    Status.ERROR,
    Status.UNBOUNDED,
    Status.INFEASIBLE,
    Status.NO_SOLUTION,
    Status.FEASIBLE,
    Status.OPTIMAL,
]


@dataclass
class _Stored:
    """A block's answer, kept for reuse."""

    status: Status
    highs_status: str
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float  # the mip_rel_gap it was solved to (0 for an LP or a trivial block)
    nodes: int


@dataclass
class Reuse:
    """Block answers kept across related solves (``trustsource.solve(..., reuse=store)``).

    Keep one per group of related solves (an analysis keeps its own); it is plain data of its
    owner, never global and never shared between processes. ``chain=True`` promises that each
    solve given the store is a restriction of every one before it, so that a block whose stored
    optimum still meets the tighter rows keeps it (see :mod:`trustsource.solve.blocks`).
    Answers are kept only for blocks proven optimal or infeasible to a gap no larger than the
    one asked for.
    """

    chain: bool = False
    same: dict[bytes, _Stored] = field(default_factory=dict, init=False, repr=False)
    tighter: dict[bytes, _Stored] = field(default_factory=dict, init=False, repr=False)
    solved: int = field(default=0, init=False)  # blocks sent to HiGHS
    reused: int = field(default=0, init=False)  # blocks answered from the store

    def counts(self) -> dict[str, int]:
        """Blocks solved by HiGHS and blocks answered from the store so far."""
        return {"blocks_solved": self.solved, "blocks_reused": self.reused}


@dataclass
class Block:
    """One connected component: its columns and rows (global indices) and its data, the rows
    in CSR over the block's own column positions."""

    cols: np.ndarray
    rows: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    cost: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    rlb: np.ndarray
    rub: np.ndarray
    integer: np.ndarray

    def digests(self) -> tuple[bytes, bytes]:
        """(everything, columns only): the keys of the two kinds of reuse."""
        cols = hashlib.blake2b(digest_size=20)
        cols.update(np.asarray([len(self.rows), len(self.cols)], dtype=np.int64).tobytes())
        for arr in (self.cols.astype(np.int64), self.cost, self.lb, self.ub, self.integer):
            cols.update(np.ascontiguousarray(arr).tobytes())
        whole = cols.copy()
        for arr in (self.indptr, self.indices, self.data, self.rlb, self.rub):
            whole.update(np.ascontiguousarray(arr).tobytes())
        return whole.digest(), cols.digest()

    def matrix(self) -> sp.csc_array:
        """The block's rows as a scipy matrix, column-wise (as HiGHS is given it)."""
        shape = (len(self.rows), len(self.cols))
        return sp.csc_array(sp.csr_array((self.data, self.indices, self.indptr), shape=shape))

    def satisfied_by(self, x: np.ndarray) -> bool:
        """Whether ``x`` meets every row of the block (within :data:`ROW_TOL`)."""
        if not len(self.rlb):
            return True
        row_of = np.repeat(np.arange(len(self.rows)), np.diff(self.indptr))
        ax = np.bincount(row_of, weights=self.data * x[self.indices], minlength=len(self.rows))
        lo_slack = ROW_TOL * np.maximum(1.0, np.abs(np.where(np.isfinite(self.rlb), self.rlb, 0)))
        hi_slack = ROW_TOL * np.maximum(1.0, np.abs(np.where(np.isfinite(self.rub), self.rub, 0)))
        return bool(np.all(ax >= self.rlb - lo_slack) and np.all(ax <= self.rub + hi_slack))


def split(md: ModelData) -> list[Block]:
    """The model's blocks, each with its data rounded as HiGHS receives it, in the order of
    their first column (so the same model always splits the same way)."""
    a, rlb, rub = md.matrix()
    cost, lb, ub, integer = md.column_arrays()
    cost, lb, ub, rlb, rub = (round15(v) for v in (cost, lb, ub, rlb, rub))
    a = sp.csr_array(a)
    n_rows, n_cols = a.shape
    graph = sp.bmat([[None, a], [a.T, None]], format="csr")
    n_labels, label = connected_components(graph, directed=False)
    row_label, col_label = label[:n_rows], label[n_rows:]
    # Rows and columns sorted by block: each block is one range of each.
    row_order = np.argsort(row_label, kind="stable")
    col_order = np.argsort(col_label, kind="stable")
    row_start = np.concatenate([[0], np.cumsum(np.bincount(row_label, minlength=n_labels))])
    col_start = np.concatenate([[0], np.cumsum(np.bincount(col_label, minlength=n_labels))])
    col_pos = np.empty(n_cols, dtype=np.int64)
    col_pos[col_order] = np.arange(n_cols)
    permuted = sp.csr_array(a[row_order]) if n_rows else a
    indptr = permuted.indptr.astype(np.int64)
    indices = col_pos[permuted.indices]
    data = round15(permuted.data)
    first = np.full(n_labels, n_cols + n_rows, dtype=np.int64)
    np.minimum.at(first, col_label, np.arange(n_cols))
    np.minimum.at(first, row_label, n_cols + np.arange(n_rows))
    out: list[Block] = []
    for k in np.argsort(first, kind="stable"):
        r0, r1 = row_start[k], row_start[k + 1]
        c0, c1 = col_start[k], col_start[k + 1]
        cols, rows = col_order[c0:c1], row_order[r0:r1]
        p0, p1 = indptr[r0], indptr[r1]
        out.append(
            Block(
                cols,
                rows,
                indptr[r0 : r1 + 1] - p0,
                (indices[p0:p1] - c0).astype(np.int32),
                data[p0:p1],
                cost[cols],
                lb[cols],
                ub[cols],
                rlb[rows],
                rub[rows],
                integer[cols].astype(bool),
            )
        )
    return out


def _trivial(block: Block) -> _Stored:
    """A block with no rows (each column at its cheaper bound) or no columns (rows of 0)."""
    if not len(block.cols):
        ok = bool(np.all(block.rlb <= ROW_TOL) and np.all(block.rub >= -ROW_TOL))
        status = Status.OPTIMAL if ok else Status.INFEASIBLE
        values = np.zeros(0) if ok else None
        return _Stored(
            status,
            "Optimal" if ok else "Infeasible",
            values,
            0.0 if ok else None,
            0.0 if ok else None,
            0.0,
            0,
        )
    lb = np.where(block.integer, np.ceil(block.lb - 1e-9), block.lb)
    ub = np.where(block.integer, np.floor(block.ub + 1e-9), block.ub)
    if np.any(lb > ub):
        return _Stored(Status.INFEASIBLE, "Infeasible", None, None, None, 0.0, 0)
    x = np.where(block.cost >= 0, lb, ub)
    x = np.where(block.cost == 0, np.clip(0.0, lb, ub), x)
    if not np.all(np.isfinite(x)):
        return _Stored(Status.UNBOUNDED, "Unbounded", None, None, None, 0.0, 0)
    z = float(block.cost @ x)
    return _Stored(Status.OPTIMAL, "Optimal", x, z, z, 0.0, 0)


def _solve_block(block: Block, settings: dict[str, Any]) -> tuple[_Stored, HighsAnswer]:
    """HiGHS on one block: the answer to keep and HiGHS's own (for its stop fields)."""
    h = new_highs()
    _pass(h, block.matrix(), block.cost, block.lb, block.ub, block.rlb, block.rub, block.integer)
    n_int = int(block.integer.sum())
    is_mip = n_int > 0
    if 0 < n_int <= SMALL_MIP:
        # Branch and bound finds a plan over a handful of binaries at once; the feasibility
        # jump heuristic's set-up alone took 5 of 8 ms on such a block (benchmarks/README.md,
        # "Blocks"). The caller's own options still apply over this.
        settings = {**settings, "options": {**SMALL_MIP_OPTIONS, **(settings["options"] or {})}}
    # A small block solves in milliseconds: in this thread (a stop request is checked between
    # blocks); a large one in HiGHS's own thread, where a stop request interrupts it.
    small = n_int <= SMALL_MIP and len(block.cols) <= SMALL_COLUMNS
    answer = run(h, is_mip=is_mip, time_limit=None, direct=small, **settings)
    # A block stopped early is used once and never stored (its gap counts as unknown).
    gap = np.inf if answer.stopped_by else (float(settings["mip_rel_gap"]) if is_mip else 0.0)
    stored = _Stored(
        answer.status,
        answer.highs_status,
        answer.col_value,
        answer.objective,
        answer.bound,
        gap,
        answer.node_count,
    )
    return stored, answer


def solve_blocks(
    md: ModelData,
    reuse: Reuse,
    *,
    mip_rel_gap: float,
    threads: int | None,
    log: bool = False,
    options: dict[str, Any] | None = None,
    stop: Callable[[], bool] | None = None,
    deadline: float | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    at_least: int = 1,
) -> tuple[HighsAnswer, dict[str, float]] | None:
    """Solve ``md`` block by block, reusing what ``reuse`` holds; one answer for the whole
    model (as :func:`trustsource.solve.highs.run` gives) and counts for the plan's timings.
    None under a ``deadline`` when some block is not in the store, and for models of fewer than
    ``at_least`` blocks: solve the model whole. ``progress`` hears of each block solved."""
    t0 = time.perf_counter()
    blocks = split(md)
    t_split = time.perf_counter() - t0
    if len(blocks) < at_least:
        return None
    settings: dict[str, Any] = {
        "mip_rel_gap": mip_rel_gap,
        "threads": threads,
        "log": log,
        "options": options,
        "stop": stop,
        "deadline": deadline,
    }
    col = np.zeros(md.n_cols)
    parts: list[_Stored | None] = [None] * len(blocks)
    keys = [b.digests() for b in blocks]
    todo: list[int] = []
    reused = 0
    for k, (block, (same, shape)) in enumerate(zip(blocks, keys)):
        found = reuse.same.get(same)
        if found is not None and found.gap <= mip_rel_gap:
            parts[k] = found
        elif reuse.chain and _still_optimal(reuse.tighter.get(shape), block, mip_rel_gap):
            parts[k] = reuse.tighter[shape]
        elif not len(block.rows) or not len(block.cols):
            parts[k] = _trivial(block)
            continue
        else:
            todo.append(k)
            continue
        reused += 1
    if todo and deadline is not None:
        # Under a time limit a block must find its own plan within its slice of the time, and
        # one hard block can leave the whole without a plan where a whole solve finds one (seen
        # at 1 s on a 1,000-offer instance on a busy machine): solve whole instead.
        return None
    solved = 0
    run_seconds = 0.0
    stopped_by: str | None = None
    abandoned = False
    for k in todo:
        now = time.perf_counter()
        if stop is not None and stop():
            stopped_by = "interrupt"
            break
        part, answer = _solve_block(blocks[k], settings)
        run_seconds += time.perf_counter() - now
        solved += 1
        if progress is not None:
            progress(
                {
                    "stage": "blocks",
                    "done": solved,
                    "total": len(todo),
                    "reused": reused,
                    "time": time.perf_counter() - t0,
                }
            )
        parts[k] = part
        if answer.stopped_by is not None:
            stopped_by, abandoned = answer.stopped_by, abandoned or answer.abandoned
        elif part.status in (Status.OPTIMAL, Status.INFEASIBLE):
            reuse.same[keys[k][0]] = part
            if part.status is Status.OPTIMAL:
                reuse.tighter[keys[k][1]] = part
        if part.values is None:
            break  # no plan for this block, so none for the whole: the others need not run
    for k, got in enumerate(parts):
        if got is not None and got.values is not None:
            col[blocks[k].cols] = got.values
    reuse.solved += solved
    reuse.reused += reused
    done = [p for p in parts if p is not None]
    answer = _combine(done, len(blocks), col, mip_rel_gap, run_seconds, stopped_by, abandoned)
    counts = {
        "split": t_split,
        "blocks": float(len(blocks)),
        "blocks_solved": float(solved),
        "blocks_reused": float(reused),
    }
    return answer, counts


def _still_optimal(stored: _Stored | None, block: Block, mip_rel_gap: float) -> bool:
    """A stored optimum of a relaxation of ``block`` that is feasible in ``block``."""
    return (
        stored is not None
        and stored.status is Status.OPTIMAL
        and stored.gap <= mip_rel_gap
        and stored.values is not None
        and block.satisfied_by(stored.values)
    )


def _combine(
    parts: list[_Stored],
    n_blocks: int,
    col: np.ndarray,
    mip_rel_gap: float,
    seconds: float,
    stopped_by: str | None,
    abandoned: bool,
) -> HighsAnswer:
    """One answer from the blocks' answers: the worst status, summed costs and bounds."""
    worst = min(parts, key=lambda p: _ORDER.index(p.status)) if parts else None
    nodes = sum(p.nodes for p in parts)
    complete = len(parts) == n_blocks and all(p.values is not None for p in parts)
    if worst is None and n_blocks == 0:  # an empty model
        return HighsAnswer(Status.OPTIMAL, "Optimal", col, 0.0, 0.0, 0.0, seconds, 0)
    if worst is None:  # stopped before the first block
        return HighsAnswer(
            Status.NO_SOLUTION, "Interrupt", None, None, None, None, seconds, 0, stopped_by
        )
    if not complete or worst.status in (Status.INFEASIBLE, Status.UNBOUNDED, Status.ERROR):
        # Incomplete (stopped, or a block without a plan): no plan for the whole.
        failed = worst.status
        if failed in (Status.FEASIBLE, Status.OPTIMAL):
            failed = Status.NO_SOLUTION
        return HighsAnswer(
            failed,
            worst.highs_status,
            None,
            None,
            None,
            None,
            seconds,
            nodes,
            stopped_by,
            abandoned,
        )
    objective = float(sum(p.objective or 0.0 for p in parts))
    bounds = [p.bound for p in parts]
    bound = None if any(b is None for b in bounds) else float(sum(b or 0.0 for b in bounds))
    gap = None
    if bound is not None:
        gap = max(0.0, objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
    status = worst.status
    if status is Status.OPTIMAL and (gap is None or gap > mip_rel_gap * (1 + 1e-9) + 1e-12):
        status = Status.FEASIBLE  # each block within its gap, the sum not: say so
    return HighsAnswer(
        status,
        worst.highs_status,
        col,
        objective,
        bound,
        gap,
        seconds,
        nodes,
        stopped_by,
        abandoned,
    )
