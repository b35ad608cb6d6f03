r"""``country_cap``: no single country supplies more than a share of an item.

.. math::

    \sum_{s \in S_i,\; c(s) = c} x_s \le \alpha\, T_i
    \qquad \forall i \in I_r,\; c \in C_r \setminus E_r

with :math:`c(s)` the supplier's location, owner or controlling country (the rule's ``basis``),
:math:`C_r` the ``countries`` (default all) and :math:`E_r` the ``except`` set. Rows exist only for
(item, country) pairs with at least one supplier: an empty row cannot bind. With
``measure: cost`` both sides are purchase costs instead of quantities (see :mod:`.shares`).
"""

from __future__ import annotations

import numpy as np

from ...instance.schema import CountryCapRule
from ..context import Context
from ..core import ModelData
from .shares import share_rows


def add(md: ModelData, ctx: Context, rule: CountryCapRule) -> None:
    """Append the rule's rows."""
    basis = ctx.basis(rule.basis)
    sel = ctx.item_mask(rule.items)
    if rule.countries is not None:
        capped = ctx.inst.countries_of(rule.countries)
        sel &= np.isin(basis, list(capped))
    if rule.except_:
        exempt = ctx.inst.countries_of(rule.except_)
        sel &= ~np.isin(basis, list(exempt))
    members = np.flatnonzero(sel)
    if len(members):
        md.add_rows(
            share_rows(
                md,
                ctx,
                rule,
                rule.name or rule.kind,
                rule.kind,
                members,
                basis[members],
                rule.max_share,
                "<=",
            )
        )
