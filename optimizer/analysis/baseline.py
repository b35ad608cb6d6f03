"""The baseline of the cost of trust: the same instance with every rule dropped."""

from __future__ import annotations

from ..instance.instance import Instance
from ..results.plan import Plan
from ..solve import solve


def no_rules_plan(
    instance: Instance, *, time_limit: float | None = None, mip_rel_gap: float = 1e-4
) -> Plan:
    """The optimal plan of ``instance`` with every rule (and variant) dropped."""
    doc = {**instance.to_dict(), "rules": [], "variants": {}}
    bare = Instance.from_dict(doc)
    return solve(bare, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
