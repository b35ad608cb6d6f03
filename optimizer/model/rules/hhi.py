r"""``hhi_cap``: a Herfindahl-Hirschman cap, enforced by outer approximation.

With :math:`X_c = \sum_{s \in S_i, c(s)=c} x_s` the supply of item i from country c, the cap
:math:`10^4 \sum_c (X_c / T_i)^2 \le H` is the second-order cone
:math:`\lVert X \rVert_2 \le \sqrt{h}\, T_i` with :math:`h = H / 10^4`. HiGHS takes no quadratic
constraints in a MIP, so the cone is replaced by tangent cuts, each valid for every feasible plan
(Cauchy-Schwarz: :math:`\hat X \cdot X / \lVert \hat X \rVert \le \lVert X \rVert`):

.. math::

    \sum_c \frac{\hat X_c}{\lVert \hat X \rVert} X_c \le \sqrt{h}\, T_i

The build adds the cuts at the unit vectors, :math:`X_c \le \sqrt{h}\, T_i` (``<rule>``); the
solve loop (:mod:`trustsource.solve.cuts`) then adds a cut at each plan whose true HHI exceeds
the cap by more than the rule's ``tolerance`` (1 point by default) and re-solves, until every
plan it returns is within tolerance. Because every cut is valid, the final plan is optimal for
the true cap up to that tolerance; it is never reported while above it.
"""

from __future__ import annotations

import math

import numpy as np

from ...instance.schema import HhiCapRule
from ..context import Context
from ..core import ModelData
from .shares import share_block


def add(md: ModelData, ctx: Context, rule: HhiCapRule) -> None:
    """Append the unit-vector cuts and register the rule for the cut loop."""
    members = np.flatnonzero(ctx.item_mask(rule.items))
    if not len(members):
        return
    basis = ctx.basis(rule.basis)
    root = math.sqrt(rule.max_hhi / 10_000)
    md.add_rows(
        share_block(ctx, rule.name or rule.kind, rule.kind, members, basis[members], root, "<=")
    )
    md.info.setdefault("hhi", []).append(
        {
            "rule": rule.name or rule.kind,
            "members": members,
            "countries": basis[members],
            "root": root,
            "max_hhi": rule.max_hhi,
            "tolerance": rule.tolerance,
        }
    )
