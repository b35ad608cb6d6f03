"""Shared cases of the periodic tests: the issue's two-year build case and exact solves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trustsource

EXACT = {"mip_rel_gap": 0.0}
INSTANCES = Path(__file__).resolve().parent.parent / "instances"


def doc(**extra: Any) -> dict[str, Any]:
    """A schema-1 document named ``t`` with ``extra`` keys."""
    out: dict[str, Any] = {"trustsource": 1, "name": "t"}
    out.update(extra)
    return out


def build_case(lead_time: int, years: list[int], cap: dict[int, float]) -> dict[str, Any]:
    """CN unit 1 unlimited; a US build option (unit 2, capacity 100, capex 100)."""
    return doc(
        periods=years,
        items=[{"id": "ga", "demand": 100}],
        suppliers=[
            {"id": "cn", "item": "ga", "country": "CN", "unit_cost": 1},
            {
                "id": "us",
                "item": "ga",
                "country": "US",
                "unit_cost": 2,
                "build": {"capacity": 100, "capex": 100, "lead_time": lead_time},
            },
        ],
        rules=[{"kind": "country_cap", "name": "cap", "max_share": cap}],
    )


def solve(document: dict[str, Any], **kw: Any) -> trustsource.Plan:
    """The exact plan of ``document``, checked by the verifier."""
    plan = trustsource.solve(trustsource.Instance.from_dict(document), **{**EXACT, **kw})
    assert not plan.violations, plan.violations
    return plan
