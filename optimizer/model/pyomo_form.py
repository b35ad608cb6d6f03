"""Block-form model -> Pyomo ``ConcreteModel``, built in bulk.

Speed matters here (measured in ``benchmarks/``): variables are created one indexed ``Var`` per
block, constraint bodies as ``LinearExpression`` objects from precomputed CSR slices (no
``Param``/``Set`` lookups, no Python sums over terms), and the whole build runs under
``PauseGC`` because the cyclic garbage collector otherwise dominates the build time.

Component names are the family or rule names and indices are readable labels
(``crma-65['gallium|CN']``, ``x['ga-cn-1']``), so an LP file written from this model speaks the
user's words, as far as the LP format's character set allows: ``c_u_crma_65(gallium_CN)_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import ModelData


def to_pyomo(md: ModelData) -> tuple[Any, list[Any]]:
    """Build the Pyomo model; return it with its variables in global column order."""
    # Pyomo loads only on this route (it costs about a second of start-up).
    import pyomo.environ as pyo
    from pyomo.common.gc_manager import PauseGC
    from pyomo.core.expr.numeric_expr import LinearExpression

    m = pyo.ConcreteModel(name="trustsource")
    columns: list[Any] = []
    with PauseGC():
        for block in md.var_blocks.values():
            domain = (
                pyo.Binary
                if block.integer and (block.ub <= 1).all() and (block.lb >= 0).all()
                else (pyo.Integers if block.integer else pyo.Reals)
            )
            var = pyo.Var(block.labels, domain=domain, dense=True)
            m.add_component(block.name, var)
            datas = list(var.values())
            lbs = np.where(np.isfinite(block.lb), block.lb, None).tolist()
            ubs = np.where(np.isfinite(block.ub), block.ub, None).tolist()
            for v, lo, hi in zip(datas, lbs, ubs):
                v.setlb(lo)
                v.setub(hi)
            columns.extend(datas)

        for rb in md.row_blocks:
            indptr = rb.indptr.tolist()
            idx = rb.indices.tolist()
            val = rb.data.tolist()
            lbs = [None if not np.isfinite(v) else v for v in rb.lb.tolist()]
            ubs = [None if not np.isfinite(v) else v for v in rb.ub.tolist()]

            pos = {lab: r for r, lab in enumerate(rb.labels)}

            def rule(
                _m: Any,
                lab: str,
                indptr: list[int] = indptr,
                idx: list[int] = idx,
                val: list[float] = val,
                lbs: list[Any] = lbs,
                ubs: list[Any] = ubs,
                pos: dict[str, int] = pos,
            ) -> Any:
                r = pos[lab]
                a, b = indptr[r], indptr[r + 1]
                body = LinearExpression(
                    linear_coefs=val[a:b], linear_vars=[columns[j] for j in idx[a:b]]
                )
                return (lbs[r], body, ubs[r])

            m.add_component(rb.name, pyo.Constraint(rb.labels, rule=rule))

        cost, _, _, _ = md.column_arrays()
        nz = np.flatnonzero(cost)
        m.cost = pyo.Objective(
            expr=LinearExpression(
                linear_coefs=cost[nz].tolist(), linear_vars=[columns[j] for j in nz.tolist()]
            ),
            sense=pyo.minimize,
        )
    return m, columns
