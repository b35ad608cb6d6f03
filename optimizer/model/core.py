"""The model in block form: named variable blocks and named row blocks in CSR.

Every constraint family (one module each, its equation in the docstring) appends a
:class:`RowBlock` built with numpy in bulk. Backends then turn the same blocks into a Pyomo model
(:mod:`trustsource.model.pyomo_form`) or hand them straight to HiGHS. Keeping the families
backend-neutral is what makes both routes describe exactly the same model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

INF = float("inf")


@dataclass
class VarBlock:
    """Variables sharing a name (``x``, ``qualified``, ``site_open``, ...)."""

    name: str
    labels: list[str]
    lb: np.ndarray
    ub: np.ndarray
    integer: bool
    cost: np.ndarray
    start: int  # first global column

    @property
    def size(self) -> int:
        return len(self.labels)

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size)


@dataclass
class RowBlock:
    """Rows of one constraint family or rule: ``lb <= A x <= ub`` with ``A`` in CSR."""

    name: str  # component name: the rule name for rules ("crma-65"), else the family
    family: str  # constraint family / rule kind ("balance", "country_cap", ...)
    labels: list[str]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    meta: pd.DataFrame | None = None  # per-row context (item, country, ...) for reports

    @property
    def size(self) -> int:
        return len(self.labels)


@dataclass
class ModelData:
    """A whole linear MIP as variable and row blocks; minimise ``cost @ x``."""

    var_blocks: dict[str, VarBlock] = field(default_factory=dict)
    row_blocks: list[RowBlock] = field(default_factory=list)
    n_cols: int = 0
    info: dict[str, Any] = field(default_factory=dict)
    # A feasible plan over all columns, given to HiGHS as a MIP start (None: no start).
    start: np.ndarray | None = None

    def add_vars(
        self,
        name: str,
        labels: list[str],
        lb: Any = 0.0,
        ub: Any = INF,
        integer: bool = False,
        cost: Any = 0.0,
    ) -> np.ndarray:
        """Append a variable block; return its global column indices."""
        n = len(labels)
        block = VarBlock(
            name=name,
            labels=labels,
            lb=np.broadcast_to(np.asarray(lb, dtype=float), (n,)).copy(),
            ub=np.broadcast_to(np.asarray(ub, dtype=float), (n,)).copy(),
            integer=integer,
            cost=np.broadcast_to(np.asarray(cost, dtype=float), (n,)).copy(),
            start=self.n_cols,
        )
        self.var_blocks[name] = block
        self.n_cols += n
        return block.cols

    def add_rows(self, block: RowBlock) -> None:
        """Append a row block (skipped when empty)."""
        if block.size:
            self.row_blocks.append(block)

    @property
    def stats(self) -> dict[str, int]:
        """Rows, columns, nonzeros and integer columns."""
        return {
            "rows": self.n_rows,
            "cols": self.n_cols,
            "nnz": self.nnz,
            "integers": sum(b.size for b in self.var_blocks.values() if b.integer),
        }

    @property
    def n_rows(self) -> int:
        return sum(b.size for b in self.row_blocks)

    @property
    def nnz(self) -> int:
        return sum(len(b.data) for b in self.row_blocks)

    def column_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(cost, lb, ub, is_integer) over all columns in global order."""
        blocks = list(self.var_blocks.values())
        if not blocks:
            z = np.zeros(0)
            return z, z, z, np.zeros(0, dtype=bool)
        cost = np.concatenate([b.cost for b in blocks])
        lb = np.concatenate([b.lb for b in blocks])
        ub = np.concatenate([b.ub for b in blocks])
        integer = np.concatenate([np.full(b.size, b.integer) for b in blocks])
        return cost, lb, ub, integer

    def matrix(self) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
        """(A in CSR, row lb, row ub) over all row blocks in order."""
        if not self.row_blocks:
            return sp.csr_array((0, self.n_cols)), np.zeros(0), np.zeros(0)
        indptr = [np.zeros(1, dtype=np.int64)]
        offset = 0
        for b in self.row_blocks:
            indptr.append(b.indptr[1:].astype(np.int64) + offset)
            offset += int(b.indptr[-1])
        a = sp.csr_array(
            (
                np.concatenate([b.data for b in self.row_blocks]),
                np.concatenate([b.indices for b in self.row_blocks]),
                np.concatenate(indptr),
            ),
            shape=(self.n_rows, self.n_cols),
        )
        # A row may name a column twice (two offers gated by one site's binary in a cover row);
        # HiGHS rejects repeated entries, so add them up as Pyomo would.
        a.sum_duplicates()
        lb = np.concatenate([b.lb for b in self.row_blocks])
        ub = np.concatenate([b.ub for b in self.row_blocks])
        return a, lb, ub


def grouped_rows(
    keys: np.ndarray,
    cols: np.ndarray,
    coefs: np.ndarray | float = 1.0,
    extra_cols: np.ndarray | None = None,
    extra_coefs: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows that sum members sharing a key, each plus optional extra terms.

    Row r (one per distinct key, in key order) is ``sum_{m: keys[m]=key_r} coefs[m] * x[cols[m]]
    + sum_e extra_coefs[r, e] * x[extra_cols[r, e]]``. Returns (unique keys, indptr, indices,
    data). Vectorised: one stable sort, no Python loop over terms.
    """
    keys = np.asarray(keys)
    cols = np.asarray(cols, dtype=np.int64)
    coefs = np.broadcast_to(np.asarray(coefs, dtype=float), cols.shape)
    order = np.argsort(keys, kind="stable")
    skeys = keys[order]
    uniq, first, counts = np.unique(skeys, return_index=True, return_counts=True)
    n_rows = len(uniq)
    n_extra = 0 if extra_cols is None else extra_cols.shape[1]
    lengths = counts + n_extra
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1], dtype=float)
    # Position of each sorted member inside the output: row start + rank within its group.
    row_of = np.repeat(np.arange(n_rows), counts)
    rank = np.arange(len(skeys)) - np.repeat(first, counts)
    pos = indptr[:-1][row_of] + rank
    indices[pos] = cols[order]
    data[pos] = coefs[order]
    if n_extra:
        assert extra_cols is not None
        assert extra_coefs is not None
        for e in range(n_extra):
            p = indptr[:-1] + counts + e
            indices[p] = extra_cols[:, e]
            data[p] = extra_coefs[:, e]
    return uniq, indptr, indices, data


def single_term_rows(
    cols: np.ndarray,
    coefs: np.ndarray,
    extra_cols: np.ndarray | None = None,
    extra_coefs: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows ``coefs[r] * x[cols[r]] (+ extra_coefs[r] * x[extra_cols[r]])``: (indptr, idx, data)."""
    n = len(cols)
    width = 1 if extra_cols is None else 2
    indptr = np.arange(0, width * n + 1, width, dtype=np.int64)
    indices = np.empty(width * n, dtype=np.int64)
    data = np.empty(width * n, dtype=float)
    indices[0::width] = cols
    data[0::width] = coefs
    if extra_cols is not None:
        assert extra_coefs is not None
        indices[1::2] = extra_cols
        data[1::2] = extra_coefs
    return indptr, indices, data
