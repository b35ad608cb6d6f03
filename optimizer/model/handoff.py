"""The model handed to HiGHS: the block matrix passed in one call, or a Pyomo model compiled.

Two routes describe the same matrix (tests compare their objectives):

* ``highspy`` (default): the block matrix is stacked with scipy and passed in one
  ``Highs.passModel`` call. Measured build plus hand-off: 0.4-0.5 s per million nonzeros.
* ``pyomo``: the named Pyomo model (:mod:`.pyomo_form`) is compiled by Pyomo's
  ``LinearStandardFormCompiler`` to scipy CSC and passed the same way. Pyomo's solver plugins
  (``appsi_highs``, contrib ``highs``) add columns one constraint at a time and were 5-6x slower
  still, so the library owns this small adapter. Pyomo costs about 20 us per row, which on
  sourcing models (3-4 nonzeros per row) is 6-10 s per million nonzeros: hence not the default.
  It remains the route for inspecting the algebraic model.

Running HiGHS (time limits, stop requests, callbacks, the status table) is
:mod:`trustsource.solve.highs`'s work; this module only translates.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp

from .core import ModelData


def round15(values: np.ndarray) -> np.ndarray:
    """Round to 15 significant digits, the precision HiGHS writes MPS files with.

    Then the model written to MPS (benchmarks, bug reports) is exactly the model solved: a
    coefficient like 0.01 * 9796 = 97.96000000000001 would otherwise come back as 97.96, and
    that alone can send HiGHS's branch and bound down a different path. The change is at most
    5e-16 relative, far below any solver tolerance.
    """
    a = np.asarray(values, dtype=np.float64)
    out = a.copy()
    idx = np.flatnonzero(np.isfinite(a) & (a != 0))
    if not len(idx):
        return out
    v = a[idx]
    # Subnormal values (1e-320) overflow the scale; they fall to the exact path below.
    with np.errstate(over="ignore", invalid="ignore"):
        scale = 10.0 ** (14 - np.floor(np.log10(np.abs(v))))
        fast = np.round(v * scale) / scale
    exact = fast == v  # already short (integers, prices with few decimals): nothing to do
    slow = idx[~exact]
    if len(slow):
        # Exact decimal rounding via text for the few values that need it.
        out[slow] = np.array([float(f"{x:.15g}") for x in a[slow]])
    return out


def _pass(
    h: highspy.Highs,
    a: sp.csc_array,
    cost: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    rlb: np.ndarray,
    rub: np.ndarray,
    integer: np.ndarray,
    offset: float = 0.0,
) -> None:
    n_rows, n_cols = a.shape
    cost, lb, ub, rlb, rub = (round15(v) for v in (cost, lb, ub, rlb, rub))
    status = h.passModel(
        int(n_cols),
        int(n_rows),
        int(a.nnz),
        1,
        1,
        float(offset),
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(lb, dtype=np.float64),
        np.ascontiguousarray(ub, dtype=np.float64),
        np.ascontiguousarray(rlb, dtype=np.float64),
        np.ascontiguousarray(rub, dtype=np.float64),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        round15(a.data),
        integer.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model (passModel returned an error)")


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance (the library never prints; HiGHS logs are opt-in).

    highspy 1.16 prints its banner to file descriptor 1 from the constructor of the first
    ``Highs`` of a process, before any option can be set; the constructor therefore runs with
    descriptor 1 pointed at the null device (C-level buffers flushed on both sides, so nothing
    printed before or by it reaches the real stdout out of order).
    """
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all: nothing to protect
        h = highspy.Highs()
    else:
        _flush_c_stdio()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
            h = highspy.Highs()
            _flush_c_stdio()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(null)
    h.setOptionValue("output_flag", False)
    return h


def _flush_c_stdio() -> None:
    """fflush(NULL): C-level stdout buffers written out before descriptor 1 changes."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to ask (some platforms): nothing buffered
        pass


def highs_from_data(
    md: ModelData, *, relax: bool = False, cost: np.ndarray | None = None
) -> highspy.Highs:
    """Pass the block model to a new HiGHS instance directly.

    ``relax`` passes every column as continuous (the LP relaxation); ``cost`` replaces the
    objective coefficients (the L-shaped method's subproblems price the first stage apart).
    """
    h = new_highs()
    a, rlb, rub = md.matrix()
    own_cost, lb, ub, integer = md.column_arrays()
    if relax:
        integer = np.zeros_like(integer)
    _pass(h, sp.csc_array(a), own_cost if cost is None else cost, lb, ub, rlb, rub, integer)
    if md.start is not None and not relax and len(md.start) == md.n_cols:
        # A MIP start (see trustsource.solve.incumbent): HiGHS checks it and keeps it only when
        # it is feasible, so a stale start costs one check and no wrong answer.
        start = highspy.HighsSolution()
        start.col_value = np.asarray(md.start, dtype=float).tolist()
        start.value_valid = True
        h.setSolution(start)
    return h


def highs_from_pyomo(model: Any, columns: list[Any]) -> tuple[highspy.Highs, np.ndarray]:
    """Compile a Pyomo model to standard form and pass it to HiGHS.

    Returns the HiGHS instance and, for each compiled column, its global column index (the
    compiler drops variables that appear nowhere).
    """
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler  # optional route

    info = LinearStandardFormCompiler().write(
        model, mixed_form=True, set_sense=None, column_order=columns
    )
    position = {id(v): j for j, v in enumerate(columns)}
    col_index = np.fromiter(
        (position[id(v)] for v in info.columns), dtype=np.int64, count=len(info.columns)
    )
    n_rows = len(info.rows)
    rhs = np.asarray(info.rhs, dtype=float)
    kind = np.fromiter((r[1] for r in info.rows), dtype=np.int64, count=n_rows)
    # mixed_form: 0 is "== rhs", +1 is "<= rhs", -1 is ">= rhs".
    rlb = np.where(kind <= 0, rhs, -np.inf)
    rub = np.where(kind >= 0, rhs, np.inf)
    lb = np.array([-np.inf if v.lb is None else v.lb for v in info.columns], dtype=float)
    ub = np.array([np.inf if v.ub is None else v.ub for v in info.columns], dtype=float)
    integer = np.array([v.is_integer() or v.is_binary() for v in info.columns], dtype=bool)
    cost = np.asarray(info.c.toarray()).ravel() if info.c.shape[0] else np.zeros(len(lb))
    offset = float(info.c_offset[0]) if len(info.c_offset) else 0.0
    h = new_highs()
    _pass(h, sp.csc_array(info.A), cost, lb, ub, rlb, rub, integer, offset)
    return h, col_index
