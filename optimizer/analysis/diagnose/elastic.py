r"""The elastic model: every rule and every demand balance may give, at a price.

Built from the block form of :func:`trustsource.build_model` without changing it: a copy of the
model in which

* every row of a trust rule gets a slack column, one column per (rule part, item): ``-u`` in a
  ``<=`` row, ``+u`` in a ``>=`` row (both, as two columns, in an equality), where ``u`` is
  the column's unit (below). The rows of one
  rule and item share the column, so the slack is the *largest* amount any of them must give:
  a 30 % country cap on three countries relaxes to one common limit (35 %) rather than to a
  different limit per country;
* every demand balance gets an unmet-demand column :math:`0 \le s_i \le d_i / \overline{T}_i`:
  :math:`T_i + u_i + \overline{T}_i s_i - \sum_j a_{j,i} T_j = d_i`. Only external demand can
  go unmet (the
  inputs of what is made must still be supplied), and demand is never exceeded, as in the model;
* the objective is the weighted sum of the slack columns and nothing else (prices, fixed costs,
  penalties are zero):

.. math::

    \min \sum_{(r,i)} \sigma_{r,i} + \sum_{(r,i)\ \text{count}} \sigma_{r,i} + 10 \sum_i s_i

  Every slack that stands for a quantity is a column in *shares* of its item's scale
  :math:`\overline{T}_i` (the most supply item i can need, ``ctx.most``): its coefficient in
  the item's rows is :math:`\pm\overline{T}_i` and its weight 1. So relaxing a cap by five
  points costs 0.05 on any item, whatever its unit and size, and the columns and weights stay
  near 1 at every scale. (They used to be quantities weighted :math:`1/\overline{T}_i`; on an
  item of 1e7 units the weights, 1e-7, fell inside HiGHS's optimality tolerances and it
  returned a relaxation that was not needed.) Relaxing a count rule by one supplier or country
  costs 1 (as much as moving an item's whole supply); unmet demand costs ten times a rule
  relaxation of the same size, so rules are relaxed before demand is dropped, and demand is
  dropped only where no rule relaxation helps (capacity is short whatever the rules).

Rows left as they are: definitions (``supply_def``, an ``exit`` rule's ``.total``), capacity,
qualification, price tiers and minimum orders, and the floor rows of count rules (their count
row carries the slack: "how many fewer"). The ``cover`` and ``site_cover`` rows are dropped:
they are valid cuts only while all demand is met, which the elastic model does not require.

``hhi_cap`` rules are enforced by outer approximation as in :func:`trustsource.solve`: after
each solve, tangent cuts (with the rule's slack column in them) are added where the plan's HHI
exceeds the relaxed cap, and the model is solved again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...instance.kinds import COUNT_KINDS, RELAXABLE_KINDS
from ...model.build import BuiltModel
from ...model.core import ModelData, RowBlock, VarBlock
from ...model.handoff import highs_from_data
from ...solve.cuts import Cut, cut_loop, hhi_cuts
from ...solve.highs import HighsAnswer, run
from ...status import Status

logger = logging.getLogger(__name__)

RULE_KINDS = RELAXABLE_KINDS
"""The kinds whose rows may give (from the registry: a kind missing here would never relax)."""
# Row blocks of a rule that may give: the rule's own rows and these parts of it.
RELAXED_PARTS = ("", "min", "max", "count", "too_few")
# Families that are cuts valid only when every demand is met.
DROPPED_FAMILIES = ("cover", "site_cover")
DEMAND_WEIGHT = 10.0  # unmet demand, per share of the item, against 1 for a rule
COUNT_WEIGHT = 1.0  # per supplier or country a count rule gives


@dataclass
class Slack:
    """One slack column of the elastic model.

    Attributes:
        col: global column index in the elastic model.
        block: name of the row block it relaxes (``crma-65``, ``floor.min``, ``balance``).
        rule: rule name, or None for a demand balance.
        kind: rule kind, or ``demand``.
        part: ``""``, ``min``, ``max``, ``count``, ``too_few`` (the block's suffix), or ``""``.
        item: item id.
        item_index: position of the item.
        sign: the direction of the column in its rows (+1 or -1).
        weight: objective coefficient.
        rows: positions of its rows inside the block.
        unit: what one unit of the column is worth in the rows: the item's scale for a
            quantity slack (the column is a share of it), 1 for a count slack. The column's
            coefficient in its rows is ``sign * unit``.
    """

    col: int
    block: str
    rule: str | None
    kind: str
    part: str
    item: str
    item_index: int
    sign: float
    weight: float
    rows: np.ndarray
    unit: float = 1.0

    def quantity(self, value: float) -> float:
        """The column's value in the rows' own units (item units, or a count)."""
        return value * self.unit


@dataclass
class ElasticModel:
    """The elastic copy of a built model, its slack columns and the original model."""

    model: BuiltModel
    data: ModelData
    slacks: list[Slack]
    blocks: dict[str, RowBlock] = field(default_factory=dict)  # relaxed blocks, as built

    @property
    def n_model_cols(self) -> int:
        """Columns of the original model (the elastic ones follow them)."""
        return self.model.data.n_cols


@dataclass
class ElasticAnswer:
    """The elastic re-solve: HiGHS's answer, the column values and the HHI rounds used."""

    answer: HighsAnswer
    col: np.ndarray | None
    hhi_rounds: int
    hhi_converged: bool
    seconds: float


def _rule_parts(model: BuiltModel) -> dict[str, tuple[Any, str]]:
    """Row-block name -> (rule, part) for the blocks that may give."""
    out: dict[str, tuple[Any, str]] = {}
    for rule in model.ctx.inst.rules:
        name = rule.name or rule.kind
        for part in RELAXED_PARTS:
            out.setdefault(f"{name}.{part}" if part else name, (rule, part))
    return out


def _senses(block: RowBlock) -> list[float]:
    """Coefficients the slack columns of a block need: -1 for <=, +1 for >=, both for ==."""
    lo_finite = np.isfinite(block.lb)
    hi_finite = np.isfinite(block.ub)
    signs = []
    if lo_finite.any():
        signs.append(1.0)
    if hi_finite.any():
        signs.append(-1.0)
    return signs


def _append_entries(
    block: RowBlock, extra_cols: list[np.ndarray], extra_vals: list[np.ndarray]
) -> RowBlock:
    """A copy of ``block`` with extra entries at the end of each row (col -1: none)."""
    n = block.size
    old_len = np.diff(block.indptr)
    has = [c >= 0 for c in extra_cols]
    new_len = old_len + sum(h.astype(np.int64) for h in has)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(new_len, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1], dtype=float)
    row_of = np.repeat(np.arange(n), old_len)
    pos = indptr[:-1][row_of] + (np.arange(len(block.indices)) - block.indptr[:-1][row_of])
    indices[pos] = block.indices
    data[pos] = block.data
    fill = indptr[:-1] + old_len
    for cols, vals, h in zip(extra_cols, extra_vals, has):
        indices[fill[h]] = cols[h]
        data[fill[h]] = vals[h]
        fill = fill + h
    return RowBlock(
        block.name,
        block.family,
        block.labels,
        indptr,
        indices,
        data,
        block.lb.copy(),
        block.ub.copy(),
        block.meta,
    )


def build_elastic(model: BuiltModel) -> ElasticModel:
    """The elastic copy of ``model`` (the original is not changed)."""
    ctx = model.ctx
    src = model.data
    md = ModelData(info=dict(src.info))
    for name, vb in src.var_blocks.items():
        md.var_blocks[name] = VarBlock(
            vb.name, vb.labels, vb.lb.copy(), vb.ub.copy(), vb.integer, np.zeros(vb.size), vb.start
        )
    md.n_cols = src.n_cols
    scale = np.where(ctx.most > 0, ctx.most, 1.0)
    index = {item: k for k, item in enumerate(ctx.item_ids)}
    parts = _rule_parts(model)

    slacks: list[Slack] = []
    labels: list[str] = []
    weights: list[float] = []
    plans: list[tuple[int, RowBlock, list[np.ndarray], list[np.ndarray]]] = []
    for pos, block in enumerate(src.row_blocks):
        if block.family == "balance":
            target: tuple[Any, str] | None = (None, "")
            signs = [1.0]  # unmet demand only: demand is never exceeded
        elif block.name in parts and block.family in RULE_KINDS:
            target = parts[block.name]
            signs = _senses(block)
        else:
            continue
        rule, part = target
        items = (
            block.meta["item"].to_numpy()
            if block.meta is not None
            else np.array(block.labels, dtype=object)
        )
        codes, uniq = pd.factorize(items, sort=False)
        extra_cols: list[np.ndarray] = []
        extra_vals: list[np.ndarray] = []
        for sign in signs:
            rows_with = np.isfinite(block.lb) if sign > 0 else np.isfinite(block.ub)
            col_of = np.full(block.size, -1, dtype=np.int64)
            val_of = np.zeros(block.size)
            for g, item in enumerate(uniq):
                rows = np.flatnonzero((codes == g) & rows_with)
                if not len(rows):
                    continue
                i = index[item]
                col = md.n_cols + len(labels)
                kind = "demand" if rule is None else rule.kind
                if kind in COUNT_KINDS and part != "too_few":
                    w, unit = COUNT_WEIGHT, 1.0
                else:
                    w = DEMAND_WEIGHT if rule is None else 1.0
                    unit = float(scale[i])
                rname = None if rule is None else (rule.name or rule.kind)
                slacks.append(
                    Slack(col, block.name, rname, kind, part, str(item), i, sign, w, rows, unit)
                )
                suffix = "" if len(signs) == 1 else ("+" if sign > 0 else "-")
                labels.append(f"{block.name}|{item}{suffix}")
                weights.append(w)
                col_of[rows] = col
                val_of[rows] = sign * unit
            extra_cols.append(col_of)
            extra_vals.append(val_of)
        plans.append((pos, block, extra_cols, extra_vals))
    relaxed = {pos: _append_entries(b, c, v) for pos, b, c, v in plans}
    # Unmet demand is at most the item's external demand (in shares of the item's scale):
    # inputs cannot be skipped.
    ub = np.array(
        [ctx.demand[s.item_index] / s.unit if s.kind == "demand" else np.inf for s in slacks],
        dtype=float,
    )
    md.add_vars("elastic_slack", labels, lb=0.0, ub=ub, cost=np.array(weights, dtype=float))
    for pos, block in enumerate(src.row_blocks):
        if block.family in DROPPED_FAMILIES:
            continue
        md.add_rows(relaxed.get(pos, block))
    return ElasticModel(model, md, slacks, {b.name: b for _, b, _, _ in plans})


def solve_elastic(
    em: ElasticModel,
    *,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-6,
    threads: int | None = None,
) -> ElasticAnswer:
    """Minimise the total relaxation; run the HHI cut loop on the relaxed caps."""
    t0 = time.perf_counter()
    h = highs_from_data(em.data)
    is_mip = any(b.integer and b.size for b in em.data.var_blocks.values())
    answer = run(h, is_mip=is_mip, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads)
    hhi_slack = {(s.rule, s.item): s for s in em.slacks if s.kind == "hhi_cap"}
    specs = {spec["rule"]: spec for spec in em.data.info.get("hhi", [])}

    def cuts_at(col: np.ndarray) -> list[Cut]:
        """Cuts above the relaxed cap, each with its rule's slack column in the row."""
        cuts = []
        for cut in hhi_cuts(em.model, col[: em.n_model_cols]) if specs else []:
            slack = hhi_slack.get((cut.rule, cut.item))
            if slack is None:
                continue
            spec = specs[cut.rule]
            total = float(col[em.model.ctx.supply[slack.item_index]])
            allowed = (
                10_000 * ((spec["root"] * total + slack.quantity(col[slack.col])) / total) ** 2
                if total > 0
                else np.inf
            )
            if cut.hhi > allowed + spec["tolerance"]:
                # The cut row is divided by cut.scale; the slack column is a share of its item.
                cols = np.concatenate([cut.cols, [slack.col]])
                vals = np.concatenate([cut.vals, [-slack.unit / cut.scale]])
                cuts.append(replace(cut, cols=cols, vals=vals))
        return cuts

    def resolve() -> HighsAnswer:
        left = None if time_limit is None else max(time_limit - (time.perf_counter() - t0), 0.0)
        return run(h, is_mip=is_mip, time_limit=left, mip_rel_gap=mip_rel_gap, threads=threads)

    loop = cut_loop(
        h,
        answer,
        cuts_at=cuts_at,
        resolve=resolve,
        deadline=None if time_limit is None else t0 + time_limit,
    )
    answer, rounds, converged = loop.answer, loop.rounds, loop.stopped is None
    col = None if answer.col_value is None else np.asarray(answer.col_value, dtype=float)
    if not converged:
        answer = HighsAnswer(
            Status.NO_SOLUTION,
            answer.highs_status,
            None,
            None,
            answer.bound,
            None,
            answer.run_seconds,
            answer.node_count,
        )
        col = None
    logger.info(
        "elastic re-solve: %s, objective %s, %d HHI rounds",
        answer.status.value,
        answer.objective,
        rounds,
    )
    return ElasticAnswer(answer, col, rounds, converged, time.perf_counter() - t0)


def row_activity(block: RowBlock, col: np.ndarray) -> np.ndarray:
    """``A x`` of a row block (as built, without slack columns) at the column values ``col``."""
    a = sp.csr_array((block.data, block.indices, block.indptr), shape=(block.size, len(col)))
    return np.asarray(a @ col, dtype=float)
