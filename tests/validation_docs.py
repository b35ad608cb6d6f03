"""Document-building helpers shared by the validation tests (issue 10, 4 and 5).

:func:`base_doc` is a small valid document touching every numeric field; :func:`set_at` and
:func:`with_rules` derive invalid ones from it; :func:`issues_of` and :func:`load_items_csv`
collect the issues of refused input, :func:`find_issue` asserts one of them by where, which field
and what. Used by ``test_validation_bounds.py`` and ``test_validation_crossrefs.py``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import trustsource
from trustsource import Instance, InstanceError, Issue


def base_doc() -> dict[str, Any]:
    """A small valid document touching every numeric field."""
    return {
        "trustsource": 1,
        "tariffs": {"CN": 0.25},
        "blocs": {"friends": ["JP", "DE"]},
        "items": [
            {"id": "ga", "unit": "kg", "demand": 100, "shortfall_penalty": 5000},
            {"id": "wafer", "demand": 10, "inputs": {"ga": 0.5}},
        ],
        "sites": [{"id": "akita", "country": "JP", "capacity": 80, "fixed_cost": 1000}],
        "suppliers": [
            {
                "id": "ga-jp",
                "item": "ga",
                "site": "akita",
                "unit_cost": 1400,
                "capacity": 60,
                "min_order": 5,
                "fixed_cost": 100,
            },
            {
                "id": "ga-cn",
                "item": "ga",
                "country": "CN",
                "price_tiers": {
                    "mode": "incremental",
                    "breaks": [{"from": 0, "price": 700}, {"from": 50, "price": 600}],
                },
            },
            {"id": "wf-de", "item": "wafer", "country": "DE", "unit_cost": 90},
        ],
        "rules": [
            {"name": "cap", "kind": "country_cap", "max_share": 0.7, "except": ["friends"]},
            {"name": "allies", "kind": "bloc_share", "bloc": "friends", "min_share": 0.1},
            {"name": "spread", "kind": "supplier_cap", "max_share": 0.9},
            {"name": "exits", "kind": "exit_clause", "max_share_without": 0.5},
            {"name": "two", "kind": "min_suppliers", "count": 1, "min_share_each": 0.01},
            {"name": "few", "kind": "max_suppliers", "count": 3},
            {"name": "lands", "kind": "min_countries", "count": 1},
            {"name": "exit", "kind": "exit", "coverage": 0.1, "items": ["ga"]},
            {"name": "hhi", "kind": "hhi_cap", "max_hhi": 9000, "tolerance": 1},
        ],
        "variants": {"loose": {"change": {"cap": {"max_share": 0.8}}}},
        "scenarios": {"cn-cut": {"capacity": {"CN": 0.5}}},
    }


def set_at(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def with_rules(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The base document with these rules (and no variant, which names the base rules)."""
    doc = set_at(base_doc(), ("rules",), rules)
    del doc["variants"]
    return doc


def issues_of(doc: dict[str, Any]) -> list[Issue]:
    with pytest.raises(InstanceError) as info:
        Instance.from_dict(doc, origin="t.yaml")
    return info.value.issues


def shown(issues: list[Issue]) -> str:
    return "\n".join(f"  {i.location!r} [{i.field}] {i.message!r} ({i.kind})" for i in issues)


def find_issue(issues: list[Issue], location: str, field: str | None, message: str) -> Issue:
    """The issue whose location and message match the regexes and whose field is ``field``."""
    for issue in issues:
        if (
            re.search(location, issue.location)
            and issue.field == field
            and re.search(message, issue.message)
        ):
            return issue
    raise AssertionError(f"no issue /{location}/ [{field}] /{message}/ among:\n{shown(issues)}")


def load_items_csv(tmp_path: Path, text: str) -> list[Issue]:
    """The issues of loading an instance whose items are the CSV ``text``; it must be refused."""
    (tmp_path / "items.csv").write_text(text)
    (tmp_path / "inst.yaml").write_text("trustsource: 1\nitems: items.csv\n")
    with pytest.raises(InstanceError) as info:
        trustsource.load(tmp_path / "inst.yaml")
    return info.value.issues
