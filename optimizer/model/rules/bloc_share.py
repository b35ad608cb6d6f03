r"""``bloc_share``: a bloc's combined share of an item within bounds.

.. math::

    \underline{\alpha}\, T_i \le \sum_{s \in S_i,\; c(s) \in B} x_s \le \overline{\alpha}\, T_i
    \qquad \forall i \in I_r

:math:`c(s) \in B` is the supplier's basis country in the bloc or, with ``basis: influence``,
the bloc's countries holding at least ``threshold`` of its owner together (see ``ban``). With
``measure: cost`` both sides are purchase costs instead of quantities (see :mod:`.shares`).

Each bound is its own row (``|min`` / ``|max`` in the row label). A floor on an item with no
supplier in the bloc still gets its row, which then forces that item's supply to zero, so an
impossible floor shows up as infeasibility rather than being dropped silently.
"""

from __future__ import annotations

import numpy as np

from ...instance.schema import BlocShareRule
from ..context import Context
from ..core import ModelData
from .shares import selected_items, share_rows


def add(md: ModelData, ctx: Context, rule: BlocShareRule) -> None:
    """Append the rule's rows (one block per bound)."""
    sel = ctx.item_mask(rule.items) & ctx.members(rule, [rule.bloc])
    members = np.flatnonzero(sel)
    name = rule.name or rule.kind
    for bound, alpha, sense in (("min", rule.min_share, ">="), ("max", rule.max_share, "<=")):
        if alpha is None:
            continue
        forced = selected_items(ctx, rule.items) if sense == ">=" else None
        scope = np.full(len(members), bound, dtype=object)
        block = share_rows(
            md,
            ctx,
            rule,
            f"{name}.{bound}",
            rule.kind,
            members,
            scope,
            alpha,
            sense,
            forced_items=forced,
            forced_scope=bound,
        )
        md.add_rows(block)
