r"""Copies with links: several built models stacked into one, sharing some variable blocks.

The two-stage risk model replicates the whole plan once per scenario and links the copies
through the decisions taken before the scenario is known (qualification ``qualified`` and
site onboarding ``site_open``). With copies :math:`\omega` of weights :math:`w_\omega`:

.. math::

    \min \sum_{j \in \text{shared}} c_j y_j
    \;+\; \sum_\omega w_\omega \sum_{j \notin \text{shared}} c^\omega_j x^\omega_j
    \quad \text{s.t.} \quad A^\omega (x^\omega, y) \in [l^\omega, u^\omega] \;\; \forall \omega

Linking is by substitution, not by equations: every copy's shared columns are the same
global columns (those of the first copy), so the stacked model has no linking rows and HiGHS
sees one binary per shared decision. The shared blocks must agree across copies (the same
labels in the same order); their cost is counted once, as the first copy gives it.

Each copy keeps its own block and row names, prefixed ``<copy>/`` (``cn-ban/x``), and
:attr:`Copies.cols` maps each copy's columns into the stack, so a solution vector of the stack
reads back per copy with ``col[copies.cols[k]]`` (results, the verifier and the ``hhi_cap``
cut loop then work on each copy as on a model of its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .build import BuiltModel
from .core import ModelData, RowBlock


@dataclass
class Copies:
    """A stacked model and where each copy's columns went."""

    data: ModelData
    names: list[str]
    models: list[BuiltModel]
    cols: list[np.ndarray]  # per copy: its column j -> the stack's column
    shared: tuple[str, ...]

    def local(self, k: int, col: np.ndarray) -> np.ndarray:
        """Copy ``k``'s own solution vector, read from the stack's."""
        out: np.ndarray = col[self.cols[k]]
        return out

    def shared_cols(self, name: str) -> np.ndarray:
        """Columns of a shared block in the stack (empty when no copy has it)."""
        block = self.data.var_blocks.get(name)
        return np.zeros(0, dtype=np.int64) if block is None else block.cols


def stack_copies(
    models: Sequence[BuiltModel],
    names: Sequence[str],
    weights: Sequence[float],
    shared: tuple[str, ...],
) -> Copies:
    """Stack ``models`` (one per copy) into one model whose ``shared`` blocks are common.

    Args:
        models: the copies, each built on its own instance.
        names: a name per copy (a prefix of its block and row names).
        weights: each copy's weight on its own (non-shared) objective terms.
        shared: names of the variable blocks every copy shares.

    Raises:
        ValueError: when lengths differ, or a shared block differs between copies.
    """
    if not (len(models) == len(names) == len(weights)) or not models:
        raise ValueError("give one name and one weight per model, and at least one model")
    first = models[0].data.var_blocks
    for m, name in zip(models[1:], names[1:]):
        for s in shared:
            a, b = first.get(s), m.data.var_blocks.get(s)
            if (a is None) != (b is None) or (
                a is not None and b is not None and a.labels != b.labels
            ):
                raise ValueError(f"copy {name!r} does not share block {s!r} with the first copy")
    md = ModelData()
    for s in shared:
        if s in first:
            blk = first[s]
            md.add_vars(s, blk.labels, blk.lb, blk.ub, blk.integer, blk.cost)
    col_maps: list[np.ndarray] = []
    for m, name, w in zip(models, names, weights):
        cmap = np.empty(m.data.n_cols, dtype=np.int64)
        for bname, blk in m.data.var_blocks.items():
            if bname in shared:
                cmap[blk.start : blk.start + blk.size] = md.var_blocks[bname].cols
                continue
            cmap[blk.start : blk.start + blk.size] = md.add_vars(
                f"{name}/{bname}", blk.labels, blk.lb, blk.ub, blk.integer, blk.cost * w
            )
        for rb in m.data.row_blocks:
            md.add_rows(
                RowBlock(
                    f"{name}/{rb.name}",
                    rb.family,
                    rb.labels,
                    rb.indptr,
                    cmap[rb.indices],
                    rb.data,
                    rb.lb,
                    rb.ub,
                    rb.meta,
                )
            )
        col_maps.append(cmap)
    return Copies(md, list(names), list(models), col_maps, shared)


def own_costs(model: BuiltModel, shared: tuple[str, ...]) -> np.ndarray:
    """A copy's objective coefficients with its shared blocks zeroed (its second-stage cost)."""
    cost = model.data.column_arrays()[0].copy()
    for s in shared:
        blk = model.data.var_blocks.get(s)
        if blk is not None:
            cost[blk.start : blk.start + blk.size] = 0.0
    return cost
