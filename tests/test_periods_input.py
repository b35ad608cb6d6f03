"""Periodic instances as input: located validation, round trips and variants with paths.

Every reference solve sets the MIP gap to 0 and compares objectives, not flows.
"""

from __future__ import annotations

from typing import Any

import pytest
import trustsource
from periods_cases import build_case as _build_case
from periods_cases import doc as _doc
from periods_cases import solve as _solve
from trustsource.errors import InstanceError

# --- validation -----------------------------------------------------------------------------------


def _issues(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(InstanceError) as exc:
        trustsource.Instance.from_dict(doc)
    return [str(i) for i in exc.value.issues]


def test_validation_locates_every_periodic_problem_at_once() -> None:
    doc = _doc(
        periods=[2026, 2028],
        items=[{"id": "x", "demand": {2026: 5, 2027: 6}}],
        suppliers=[
            {
                "id": "a",
                "item": "x",
                "country": "DE",
                "unit_cost": 1,
                "build": {"capacity": 5, "lead_time": {2026: 1}},
            },
            {
                "id": "b",
                "item": "x",
                "country": "FR",
                "unit_cost": 1,
                "build": {"capacity": 5, "lead_time": 3},
            },
        ],
        rules=[{"kind": "country_cap", "max_share": 0.5, "from": 2027}],
        stockpiles=[{"item": "y", "max": 10}],
    )
    text = "\n".join(_issues(doc))
    assert "period 2027 is not in periods (2026, 2028)" in text
    assert "items[0]" in text
    assert "[demand]" in text
    assert "[build.lead_time] must be one number for the whole horizon" in text
    assert "a lead time of 3 years cannot fit" in text
    assert "[from] 2027 is not in periods" in text
    assert "[item] unknown item" in text


def test_a_mapping_needs_periods() -> None:
    doc = _doc(
        items=[{"id": "x", "demand": {2026: 5}}],
        suppliers=[{"id": "a", "item": "x", "country": "DE", "unit_cost": 1}],
    )
    (msg,) = _issues(doc)
    assert "items[0]" in msg
    assert "needs a top-level `periods` list" in msg


def test_a_mapping_must_start_by_the_first_period_it_is_needed() -> None:
    doc = _doc(
        periods=[2026, 2027],
        items=[{"id": "x", "demand": {2027: 5}}],
        suppliers=[{"id": "a", "item": "x", "country": "DE", "unit_cost": 1}],
    )
    (msg,) = _issues(doc)
    assert "no value for 2026: the mapping starts in 2027" in msg


def test_periods_must_be_increasing_years() -> None:
    for bad in ([2027, 2026], ["soon"], [26], [2026, 2026]):
        doc = _doc(periods=bad, items=[{"id": "x"}])
        assert _issues(doc)


def test_round_trip_and_variants_keep_the_paths() -> None:
    doc = _build_case(1, [2026, 2027], {2026: 1.0, 2027: 0.5})
    doc["variants"] = {"loose": {"change": {"cap": {"max_share": {2026: 1.0, 2027: 0.8}}}}}
    inst = trustsource.Instance.from_dict(doc)
    again = trustsource.Instance.from_dict(inst.to_dict())
    assert again.content_hash == inst.content_hash
    assert again.to_dict()["rules"][0]["max_share"] == {2026: 1.0, 2027: 0.5}
    loose = inst.variant("loose")
    assert loose.at(2027).rules[0].max_share == 0.8
    assert _solve(loose.to_dict()).objective == pytest.approx(100 + 80 + 40 + 100)


def test_a_variant_may_add_a_rule_with_a_path() -> None:
    doc = _build_case(1, [2026, 2027], {2026: 1.0})
    doc["variants"] = {
        "later": {
            "add": [{"kind": "country_cap", "name": "late", "max_share": {2026: 1.0, 2027: 0.5}}]
        }
    }
    inst = trustsource.Instance.from_dict(doc).variant("later")
    assert [r.name for r in inst.at(2027).rules] == ["cap", "late"]
    assert _solve(inst.to_dict()).objective == pytest.approx(350.0)
