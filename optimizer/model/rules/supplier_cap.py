r"""``supplier_cap``: no single supplier delivers more than a share of an item.

.. math::

    x_s \le \alpha\, T_{i(s)} \qquad \forall s \in S_i,\; i \in I_r
"""

from __future__ import annotations

import numpy as np

from ...instance.schema import SupplierCapRule
from ..context import Context
from ..core import ModelData
from .shares import share_block


def add(md: ModelData, ctx: Context, rule: SupplierCapRule) -> None:
    """Append the rule's rows."""
    members = np.flatnonzero(ctx.item_mask(rule.items))
    if len(members):
        scope = np.array(ctx.sup_ids, dtype=object)[members]
        md.add_rows(
            share_block(
                ctx, rule.name or rule.kind, rule.kind, members, scope, rule.max_share, "<="
            )
        )
