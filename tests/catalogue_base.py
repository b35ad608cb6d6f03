"""Building blocks of the hand-computed catalogue: the Case record and document helpers.

A catalogue of small instances whose optima were computed by hand.

Each :class:`Case` holds a schema-1 document, the expected status and objective, and in ``why``
the hand computation that gives the objective. ``tests/test_catalogue.py`` solves every case on
both backends and compares. The numbers are chosen so that each case discriminates: a model
that got the feature wrong (a fixed cost paid twice, a tariff on the fixed cost, a discount
tier filled before the tier below it, over-buying to reach a break) would give another value.

Country codes: the user-assigned ``XA``-``XZ`` stand for custom regions; real codes are used
where a rule or a tariff names them (``CN``, ``MX``, ``US``, the built-in ``concern`` bloc).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INFEASIBLE = "infeasible"
OPTIMAL = "optimal"


@dataclass(frozen=True)
class Case:
    """One hand-solved instance.

    Attributes:
        name: test id.
        doc: schema-1 document with inline tables.
        status: expected status (``optimal`` or ``infeasible``).
        objective: expected optimal cost, None when infeasible.
        why: the hand computation.
        findings: True if the pre-solve findings must catch it (infeasible by arithmetic),
            False if there must be none, None if not checked.
    """

    name: str
    doc: dict[str, Any]
    status: str
    objective: float | None
    why: str
    findings: bool | None = None


def sup(sid: str, item: str, country: str | None, **kw: Any) -> dict[str, Any]:
    """A supplier row (``country`` None for an offer that inherits it from its site)."""
    row: dict[str, Any] = {"id": sid, "item": item}
    if country is not None:
        row["country"] = country
    row.update(kw)
    return row


def doc(
    items: list[dict[str, Any]],
    suppliers: list[dict[str, Any]],
    rules: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A schema-1 document."""
    out: dict[str, Any] = {"trustsource": 1, "items": items, "suppliers": suppliers}
    if rules:
        out["rules"] = rules
    out.update(extra)
    return out


def tiers(mode: str, *breaks: tuple[float, float]) -> dict[str, Any]:
    """``price_tiers`` from (from, price) pairs."""
    return {"mode": mode, "breaks": [{"from": f, "price": p} for f, p in breaks]}


# --- the three-supplier example -------------------------------------------------------------
# Buy exactly 2000 of item a.
#   S1 (XA): fixed 100, cap 600, incremental 10/unit for the first 300, then 7.
#   S2 (XB): fixed 500, cap 800, 2/unit.
#   S3 (XC): fixed 300, cap 1200, incremental 6/unit for the first 500, then 4.
# Marginal prices: S2 2 < S3 4 (after 500) < S1 7 (after 300); S2 + S3 cover 2000 exactly.


def three(rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return doc(
        [{"id": "a", "demand": 2000}],
        [
            sup(
                "s1",
                "a",
                "XA",
                fixed_cost=100,
                capacity=600,
                price_tiers=tiers("incremental", (0, 10), (300, 7)),
            ),
            sup("s2", "a", "XB", fixed_cost=500, capacity=800, unit_cost=2),
            sup(
                "s3",
                "a",
                "XC",
                fixed_cost=300,
                capacity=1200,
                price_tiers=tiers("incremental", (0, 6), (500, 4)),
            ),
        ],
        rules,
        name="three-supplier",
    )
