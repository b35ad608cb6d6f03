r"""``exit_clause``: limit supply under contracts the buyer cannot exit.

.. math::

    \sum_{s \in S_i,\; \neg e_s} x_s \le \alpha\, T_i \qquad \forall i \in I_r

where :math:`e_s` is the supplier's ``exit_clause`` flag.
"""

from __future__ import annotations

import numpy as np

from ...instance.schema import ExitClauseRule
from ..context import Context
from ..core import ModelData
from .shares import share_block


def add(md: ModelData, ctx: Context, rule: ExitClauseRule) -> None:
    """Append the rule's rows."""
    members = np.flatnonzero(ctx.item_mask(rule.items) & ~ctx.exit_clause)
    if len(members):
        scope = np.full(len(members), "no_exit_clause", dtype=object)
        md.add_rows(
            share_block(
                ctx, rule.name or rule.kind, rule.kind, members, scope, rule.max_share_without, "<="
            )
        )
