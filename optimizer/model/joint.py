r"""The joint model of a coalition: the coalition's purchases and each member's share of them.

One copy of the plan for the coalition as a whole (demand :math:`D = \sum_b d_b`, the rules of
``coalition.rules``, every capacity, minimum order and tier) and one per member :math:`b` (its
own demand :math:`d_b` and rules, no minimum order), stacked by :mod:`.copies` and linked by

.. math::

    x_s = \sum_b x_{s,b} \qquad \forall s \qquad (\texttt{joint\_supply})

so every member's supply comes out of the coalition's purchases: capacities, sites and minimum
orders bind the joint volume, each member's rules its own supply, the coalition's rules the
total. What is shared is one decision for all, by substitution of the columns
(:func:`.copies.stack_copies`): ``qualification`` the :math:`q_s` (then a qualified standby
counts toward every member's exit coverage), ``sites`` the :math:`o_k`. What is not shared is
each member's own decision and cost. Purchases are priced once: on the joint volume (the
coalition copy's prices and tiers) when ``tiers`` is shared, else on each member's own volume
(its copy's); shortfall is charged to the member short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..instance.instance import Instance
from .build import BuiltModel, build_model
from .copies import Copies, stack_copies
from .core import RowBlock

WHOLE = "coalition"
"""The name of the coalition's own copy (member ids are lower-case ids, never this)."""
PURCHASE_BLOCKS = ("x", "tier_qty")
"""The blocks that carry what is bought (unit prices, tier prices)."""
SHARED_BLOCKS = {"qualification": "qualified", "sites": "site_open"}
"""What a shared decision is in the model: the block every copy then has in common."""


@dataclass
class Joint:
    """The stacked joint model and its copies (the coalition's first, then the members')."""

    copies: Copies
    members: list[str]

    @property
    def whole(self) -> BuiltModel:
        return self.copies.models[0]


def build_joint(whole: Instance, members: Mapping[str, Instance], shared: Sequence[str]) -> Joint:
    """Build the joint model of ``whole`` (the coalition's instance) and ``members``."""
    names = list(members)
    models = [build_model(whole), *(build_model(members[m]) for m in names)]
    blocks = tuple(SHARED_BLOCKS[k] for k in SHARED_BLOCKS if k in shared)
    copies = stack_copies(models, [WHOLE, *names], [1.0] * len(models), blocks)
    md = copies.data
    # Each cost counted once: purchases where they are priced, shortfall on the member short,
    # unshared qualification and onboarding on the member that decides them.
    priced_here = WHOLE if "tiers" in shared else None
    for bname, blk in md.var_blocks.items():
        copy, _, local = bname.partition("/")
        if not local:
            continue  # a shared block: its cost is the coalition's, counted once
        if local in PURCHASE_BLOCKS:
            if (copy == WHOLE) != (priced_here == WHOLE):
                blk.cost[:] = 0.0
        elif copy == WHOLE and local in ("shortfall", "qualified", "site_open"):
            blk.cost[:] = 0.0
    _link_supply(copies)
    return Joint(copies, names)


def _link_supply(copies: Copies) -> None:
    """Rows x_s - sum_b x_{s,b} = 0: the members' supply is the coalition's purchase."""
    whole = copies.models[0]
    n_s = len(whole.ctx.sup_ids)
    if not n_s:
        return
    n_b = len(copies.models) - 1
    width = 1 + n_b
    indices = np.empty(n_s * width, dtype=np.int64)
    data = np.empty(n_s * width)
    indices[0::width] = copies.cols[0][whole.ctx.x]
    data[0::width] = 1.0
    for k, m in enumerate(copies.models[1:], start=1):
        indices[k::width] = copies.cols[k][m.ctx.x]
        data[k::width] = -1.0
    copies.data.add_rows(
        RowBlock(
            "joint_supply",
            "joint_supply",
            list(whole.ctx.sup_ids),
            np.arange(0, n_s * width + 1, width, dtype=np.int64),
            indices,
            data,
            np.zeros(n_s),
            np.zeros(n_s),
        )
    )
