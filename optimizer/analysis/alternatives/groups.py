"""The groups whose shares the alternatives measure: per item, the offers of one country, one
supplier or one bloc.

A group's share of item :math:`i` in a plan is

.. math::

    \\sigma_{i,g} = \\frac{\\sum_{s \\in S_i \\cap G_g} x_s}{T_i}

with :math:`T_i` the item's supply column (0 when the plan buys none of it). Groups by country
use the rule basis's country (``location``, ``owner`` or ``control``); blocs may overlap (a
country in the EU and NATO counts for both), each bloc measured on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ...errors import InstanceError, Issue
from ...instance.instance import Instance
from ...model.context import Context

By = Literal["country", "supplier", "bloc"]
Basis = Literal["location", "owner"]
BY_CHOICES: tuple[str, ...] = ("country", "supplier", "bloc")
BASIS_CHOICES: tuple[str, ...] = ("location", "owner", "control")
SHARE_TOL = 1e-6
"""A share at or below this is none (solver round-off on a quantity, not a purchase)."""


@dataclass(frozen=True)
class Group:
    """The offers (supplier indices) of one key for one item."""

    item: int
    key: str
    members: np.ndarray


def check_choices(
    instance: Instance, by: str, basis: str, items: Sequence[str] | None, slack: float, count: int
) -> None:
    """Every argument problem at once, as located issues (exit 2 on the command line)."""
    issues: list[Issue] = []
    where = f"{instance.name}: alternatives"
    if by not in BY_CHOICES:
        issues.append(Issue(where, "by", f"unknown {by!r}; use one of {', '.join(BY_CHOICES)}"))
    if basis not in BASIS_CHOICES:
        issues.append(Issue(where, "basis", f"unknown {basis!r}; use location, owner or control"))
    if not (0 <= slack <= 10) or slack != slack:
        issues.append(
            Issue(where, "slack", f"must be within [0, 10] (a share of the optimum), got {slack}")
        )
    if count < 0 or count > 50:
        issues.append(Issue(where, "count", f"must be within [0, 50], got {count}"))
    for it in items or ():
        if it not in instance.item_index:
            issues.append(Issue(where, "items", f"unknown item {it!r}"))
    if instance.periods:
        issues.append(
            Issue(
                f"{instance.name}: periods",
                None,
                "alternatives are computed for one year's plan; take one period with "
                "Instance.at(year), or drop `periods`",
            )
        )
    if issues:
        raise InstanceError(issues)


def item_groups(ctx: Context, by: str, basis: str, items: Sequence[str] | None) -> list[Group]:
    """The groups of every selected item that has at least one offer, in item order then key
    order (blocs: the instance's own and the built-in ones with a member among the item's
    offers)."""
    wanted = (
        range(len(ctx.item_ids))
        if not items
        else sorted(ctx.inst.item_index[i] for i in set(items))
    )
    country = ctx.basis(basis)
    blocs = ctx.inst.all_blocs if by == "bloc" else {}
    out: list[Group] = []
    for i in wanted:
        offers = np.flatnonzero(ctx.sup_item == i)
        if not len(offers) or ctx.most[i] <= 0:
            continue
        if by == "supplier":
            keys = np.array(ctx.sup_ids, dtype=object)[offers]
            out.extend(Group(i, str(k), offers[keys == k]) for k in sorted(set(keys)))
        elif by == "country":
            keys = country[offers]
            out.extend(Group(i, str(k), offers[keys == k]) for k in sorted(set(keys)))
        else:
            for name in sorted(blocs):
                members = offers[np.isin(country[offers], list(blocs[name]))]
                if len(members):
                    out.append(Group(i, name, members))
    return out


def group_shares(ctx: Context, col: np.ndarray, groups: Sequence[Group]) -> np.ndarray:
    """Each group's share of its item in the plan ``col`` (0 where the item has no supply)."""
    x = col[ctx.x]
    out = np.zeros(len(groups))
    for k, g in enumerate(groups):
        t = float(col[ctx.supply[g.item]])
        if t > SHARE_TOL * max(1.0, float(ctx.most[g.item])) * 1e-3:
            out[k] = min(1.0, max(0.0, float(x[g.members].sum()) / t))
    return out
