"""Validation bounds: booleans are not numbers, magnitudes HiGHS can honour, nothing empty that
would silently apply to nothing, and cross-reference checks on every entry (issue 10, 4 and 5).

Library behaviour is tested through ``Instance.from_dict`` and ``trustsource.load``; the console
script ``trustsource validate`` is run as a subprocess for the exit code and the message a user
sees. Every invalid case asserts the located issue (where, which field, what), not just failure.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trustsource
from trustsource import Instance, InstanceError, Issue
from trustsource.limits import MAX_COEFFICIENT, MAX_COST, MAX_QUANTITY, MAX_ROWS, MIN_COEFFICIENT
from trustsource.schema import MAX_TARIFF, RULE_KINDS

INSTANCES = Path(__file__).resolve().parents[1] / "instances"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _doc() -> dict[str, Any]:
    """A small valid document touching every numeric field."""
    return {
        "trustsource": 1,
        "tariffs": {"CN": 0.25},
        "blocs": {"friends": ["JP", "DE"]},
        "items": [{"id": "ga", "unit": "kg", "demand": 100, "shortfall_penalty": 5000},
                  {"id": "wafer", "demand": 10, "inputs": {"ga": 0.5}}],
        "sites": [{"id": "akita", "country": "JP", "capacity": 80, "fixed_cost": 1000}],
        "suppliers": [
            {"id": "ga-jp", "item": "ga", "site": "akita", "unit_cost": 1400, "capacity": 60,
             "min_order": 5, "fixed_cost": 100},
            {
                "id": "ga-cn",
                "item": "ga",
                "country": "CN",
                "price_tiers": {"mode": "incremental",
                                "breaks": [{"from": 0, "price": 700}, {"from": 50, "price": 600}]},
            },
            {"id": "wf-de", "item": "wafer", "country": "DE", "unit_cost": 90},
        ],
        "rules": [{"name": "cap", "kind": "country_cap", "max_share": 0.7, "except": ["friends"]},
                  {"name": "allies", "kind": "bloc_share", "bloc": "friends", "min_share": 0.1},
                  {"name": "spread", "kind": "supplier_cap", "max_share": 0.9},
                  {"name": "exits", "kind": "exit_clause", "max_share_without": 0.5},
                  {"name": "two", "kind": "min_suppliers", "count": 1, "min_share_each": 0.01},
                  {"name": "few", "kind": "max_suppliers", "count": 3},
                  {"name": "lands", "kind": "min_countries", "count": 1},
                  {"name": "exit", "kind": "exit", "coverage": 0.1, "items": ["ga"]},
                  {"name": "hhi", "kind": "hhi_cap", "max_hhi": 9000, "tolerance": 1}],
        "variants": {"loose": {"change": {"cap": {"max_share": 0.8}}}},
        "scenarios": {"cn-cut": {"capacity": {"CN": 0.5}}},
    }


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def _with_rules(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """The base document with these rules (and no variant, which names the base rules)."""
    doc = _set(_doc(), ("rules",), rules)
    del doc["variants"]
    return doc


def _issues(doc: dict[str, Any]) -> list[Issue]:
    with pytest.raises(InstanceError) as info:
        Instance.from_dict(doc, origin="t.yaml")
    return info.value.issues


def _shown(issues: list[Issue]) -> str:
    return "\n".join(f"  {i.location!r} [{i.field}] {i.message!r} ({i.kind})" for i in issues)


def _find(issues: list[Issue], location: str, field: str | None, message: str) -> Issue:
    """The issue whose location and message match the regexes and whose field is ``field``."""
    for issue in issues:
        if (
            re.search(location, issue.location)
            and issue.field == field
            and re.search(message, issue.message)
        ):
            return issue
    raise AssertionError(f"no issue /{location}/ [{field}] /{message}/ among:\n{_shown(issues)}")


def test_the_base_document_is_valid() -> None:
    inst = Instance.from_dict(_doc())
    assert len(inst.items) == 2
    assert inst.findings == []
    assert inst.warnings == []


# --- booleans are not numbers -----------------------------------------------------------------

# (path in the document, location regex, field) of every kind of number an instance holds.
NUMBERS = {
    "demand": (("items", 0, "demand"), r"items\[0\] \(ga\)$", "demand"),
    "shortfall_penalty": (("items", 0, "shortfall_penalty"), r"items\[0\]", "shortfall_penalty"),
    "bom coefficient": (("items", 1, "inputs", "ga"), r"items\[1\] \(wafer\)$", "inputs.ga"),
    "site capacity": (("sites", 0, "capacity"), r"sites\[0\] \(akita\)$", "capacity"),
    "site fixed_cost": (("sites", 0, "fixed_cost"), r"sites\[0\]", "fixed_cost"),
    "unit_cost": (("suppliers", 0, "unit_cost"), r"suppliers\[0\] \(ga-jp\)$", "unit_cost"),
    "capacity": (("suppliers", 0, "capacity"), r"suppliers\[0\]", "capacity"),
    "min_order": (("suppliers", 0, "min_order"), r"suppliers\[0\]", "min_order"),
    "fixed_cost": (("suppliers", 0, "fixed_cost"), r"suppliers\[0\]", "fixed_cost"),
    "tier from": (("suppliers", 1, "price_tiers", "breaks", 1, "from"), r"suppliers\[1\]",
                  "price_tiers.breaks.1.from"),
    "tier price": (("suppliers", 1, "price_tiers", "breaks", 0, "price"), r"suppliers\[1\]",
                   "price_tiers.breaks.0.price"),
    "max_share": (("rules", 0, "max_share"), r"rules\[0\] \(cap\)$", "max_share"),
    "min_share": (("rules", 1, "min_share"), r"rules\[1\]", "min_share"),
    "max_share_without": (("rules", 3, "max_share_without"), r"rules\[3\]", "max_share_without"),
    "count": (("rules", 4, "count"), r"rules\[4\] \(two\)$", "count"),
    "min_share_each": (("rules", 4, "min_share_each"), r"rules\[4\]", "min_share_each"),
    "max_suppliers count": (("rules", 5, "count"), r"rules\[5\]", "count"),
    "coverage": (("rules", 7, "coverage"), r"rules\[7\]", "coverage"),
    "max_hhi": (("rules", 8, "max_hhi"), r"rules\[8\]", "max_hhi"),
    "tolerance": (("rules", 8, "tolerance"), r"rules\[8\]", "tolerance"),
    "tariff": (("tariffs", "CN"), r"^t\.yaml$", "tariffs.CN"),
    "scenario factor": (("scenarios", "cn-cut", "capacity", "CN"), r"^t\.yaml$",
                        "scenarios.cn-cut.capacity.CN"),
}


@pytest.mark.parametrize("value", [True, False], ids=["true", "false"])
@pytest.mark.parametrize("case", list(NUMBERS))
def test_a_boolean_is_not_a_number(case: str, value: bool) -> None:
    path, location, field = NUMBERS[case]
    issues = _issues(_set(_doc(), path, value))
    word = "true" if value else "false"
    _find(issues, location, field, rf"^must be a number, got {word}$")
    assert all(i.kind == "error" for i in issues)


def test_a_numpy_boolean_is_not_a_number() -> None:
    """A DataFrame's bool column holds numpy.bool_, which pydantic would read as 1."""
    issues = _issues(_set(_doc(), ("items", 0, "demand"), np.True_))
    _find(issues, r"items\[0\]", "demand", r"^must be a number, got true$")


def test_a_boolean_in_a_variant_is_not_a_number() -> None:
    doc = _set(_doc(), ("variants", "loose", "change", "cap", "max_share"), True)
    doc["variants"]["strict"] = {"add": [{"kind": "supplier_cap", "max_share": False}]}
    issues = _issues(doc)
    _find(issues, r"variants\.loose\.change\.cap$", "max_share", r"must be a number, got true")
    _find(issues, r"variants\.strict\.add\[0\]$", "max_share", r"must be a number, got false")


def test_yaml_yes_and_true_are_refused_as_numbers() -> None:
    text = (
        "trustsource: 1\nitems:\n  - {id: ga, demand: yes}\nsuppliers:\n"
        "  - {id: s1, item: ga, country: DE, unit_cost: true, capacity: false}\n"
    )
    with pytest.raises(InstanceError) as info:
        trustsource.load(io.StringIO(text))
    issues = info.value.issues
    # YAML 1.1 reads `yes` as true, YAML 1.2 as text: refused either way.
    _find(issues, r"items\[0\] \(ga\)", "demand", r"must be a (valid )?number.*(true|'?yes'?)")
    _find(issues, r"suppliers\[0\] \(s1\)", "unit_cost", r"must be a number, got true")
    _find(issues, r"suppliers\[0\] \(s1\)", "capacity", r"must be a number, got false")


def test_csv_cells_still_convert(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("id,demand,inputs\nga,1e3,\nwafer,5,{ga: 0.5}\n")
    (tmp_path / "suppliers.csv").write_text(
        "id,item,country,unit_cost,capacity,min_order\n"
        "s1,ga,DE,12.5,2e3,5\ns2,wafer,JP,1E2,  7 ,0\n"
    )
    (tmp_path / "inst.yaml").write_text(
        "trustsource: 1\nitems: items.csv\nsuppliers: suppliers.csv\n"
    )
    inst = trustsource.load(tmp_path / "inst.yaml")
    assert inst.items[0].demand == 1000.0
    assert inst.items[1].inputs["ga"] == 0.5
    assert inst.suppliers[0].capacity == 2000.0
    assert inst.suppliers[1].unit_cost == 100.0
    assert inst.suppliers[1].capacity == 7.0


def test_csv_text_that_is_not_a_plain_number_is_refused(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("id,demand\nga,1_000\nwafer,true\n")
    (tmp_path / "inst.yaml").write_text("trustsource: 1\nitems: items.csv\n")
    with pytest.raises(InstanceError) as info:
        trustsource.load(tmp_path / "inst.yaml")
    issues = info.value.issues
    _find(issues, r"^items\.csv:2 \(ga\)$", "demand", r"must be a number, got '1_000'.*'_'")
    _find(issues, r"^items\.csv:3 \(wafer\)$", "demand", r"valid number.*true")


def test_integer_counts_refuse_booleans_but_take_integral_numbers() -> None:
    inst = Instance.from_dict(_set(_doc(), ("rules", 4, "count"), 1.0))
    assert inst.rules[4].count == 1
    _find(_issues(_set(_doc(), ("rules", 5, "count"), True)), r"rules\[5\]", "count",
          r"must be a number, got true")


# --- magnitudes HiGHS can honour --------------------------------------------------------------

QUANTITIES = ["demand", "site capacity", "capacity", "min_order", "tier from"]
COSTS = ["shortfall_penalty", "site fixed_cost", "unit_cost", "fixed_cost", "tier price"]


@pytest.mark.parametrize("case", QUANTITIES + COSTS)
def test_huge_numbers_are_located_errors(case: str) -> None:
    path, location, field = NUMBERS[case]
    issues = _issues(_set(_doc(), path, 1e308))
    limit = MAX_QUANTITY if case in QUANTITIES else MAX_COST
    unit = "larger unit" if case in QUANTITIES else "larger currency unit"
    expected = re.escape(f"must be at most {limit:g}, got 1e+308: HiGHS")
    issue = _find(issues, location, field, f"^{expected}")
    assert unit in issue.message


@pytest.mark.parametrize("case", QUANTITIES + COSTS)
def test_the_limit_itself_is_accepted(case: str) -> None:
    path, _, _ = NUMBERS[case]
    limit = MAX_QUANTITY if case in QUANTITIES else MAX_COST
    doc = _doc()
    doc["tariffs"] = {}  # a tariff on top of the largest price is refused (tested below)
    doc["items"][1]["inputs"] = {}  # as is demand carried past the limit by inputs
    doc["suppliers"][0].pop("capacity")  # min_order may then reach the limit too
    inst = Instance.from_dict(_set(doc, path, limit))
    node: Any = inst.to_dict()
    for key in path:
        node = node[key]
    assert node == limit


def test_huge_numbers_as_text_and_as_integers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("id,demand\nga,1e308\nwafer,2000000000000\n")
    (tmp_path / "inst.yaml").write_text("trustsource: 1\nitems: items.csv\n")
    with pytest.raises(InstanceError) as info:
        trustsource.load(tmp_path / "inst.yaml")
    issues = info.value.issues
    _find(issues, r"^items\.csv:2 \(ga\)$", "demand", r"at most 1e\+12, got 1e\+308")
    _find(issues, r"^items\.csv:3 \(wafer\)$", "demand", r"at most 1e\+12, got 2e\+12")
    issues = _issues(_set(_doc(), ("items", 0, "demand"), 10**400))
    issue = _find(issues, r"items\[0\]", "demand", r"at most 1e\+12, got 1000")
    assert len(issue.message) < 300  # a 401-digit number is not echoed whole


def test_infinity_keeps_its_own_message() -> None:
    _find(_issues(_set(_doc(), ("items", 0, "demand"), float("inf"))), r"items\[0\]", "demand",
          r"must be a finite number")


@pytest.mark.parametrize("value", [1e-9, MIN_COEFFICIENT / 2])
def test_tiny_bom_coefficient_says_to_change_the_input_unit(value: float) -> None:
    issues = _issues(_set(_doc(), ("items", 1, "inputs", "ga"), value))
    issue = _find(issues, r"items\[1\] \(wafer\)$", "inputs.ga",
                  rf"must be 0 or at least {MIN_COEFFICIENT:g}, got {value:g}")
    assert "smaller unit" in issue.message
    assert "input item" in issue.message


def test_huge_bom_coefficient_says_to_change_the_input_unit() -> None:
    issues = _issues(_set(_doc(), ("items", 1, "inputs", "ga"), MAX_COEFFICIENT * 10))
    issue = _find(issues, r"items\[1\] \(wafer\)$", "inputs.ga",
                  re.escape(f"must be at most {MAX_COEFFICIENT:g}, got 1e+07"))
    assert "larger unit" in issue.message
    assert "input item" in issue.message


@pytest.mark.parametrize("value", [0.0, MIN_COEFFICIENT, 1.0, MAX_COEFFICIENT])
def test_bom_coefficients_in_range_are_accepted(value: float) -> None:
    doc = _set(_doc(), ("items", 1, "inputs", "ga"), value)
    doc["items"][1]["demand"] = 1  # keep the supply gallium needs within its capacity
    inst = Instance.from_dict(doc)
    assert inst.items[1].inputs["ga"] == value


def test_tariffs_are_bounded() -> None:
    issues = _issues(_set(_doc(), ("tariffs", "CN"), MAX_TARIFF + 1))
    _find(issues, r"^t\.yaml$", "tariffs.CN", rf"at most {MAX_TARIFF:g}, got 101.*0\.25 = \+25 %")
    assert Instance.from_dict(_set(_doc(), ("tariffs", "CN"), MAX_TARIFF)).tariffs["CN"] == 100


def test_a_price_made_huge_by_its_tariff_is_an_error() -> None:
    doc = _set(_doc(), ("tariffs", "DE"), 99.0)
    doc = _set(doc, ("suppliers", 2, "unit_cost"), MAX_COST / 10)
    issues = _issues(doc)
    _find(issues, r"suppliers\[2\] \(wf-de\)$", "unit_cost",
          r"price 1e\+11 with the 99 tariff of DE is 1e\+13, above 1e\+12")


def test_required_supply_through_the_bill_of_materials_is_bounded() -> None:
    doc = _set(_doc(), ("items", 1, "demand"), MAX_QUANTITY)
    doc = _set(doc, ("items", 1, "inputs", "ga"), 10.0)
    issues = _issues(doc)
    _find(issues, r"items\[0\] \(ga\)$", None,
          r"^ga: required supply .* is 1e\+13, above 1e\+12.*larger unit")


def test_counts_are_bounded_by_the_rows_a_table_may_hold() -> None:
    _find(_issues(_set(_doc(), ("rules", 4, "count"), MAX_ROWS + 1)), r"rules\[4\]", "count",
          rf"less than or equal to {MAX_ROWS}")
    _find(_issues(_set(_doc(), ("rules", 6, "count"), 1e308)), r"rules\[6\]", "count",
          r"integer|less than or equal")


def test_scenario_factors_cut_capacity_only() -> None:
    issues = _issues(_set(_doc(), ("scenarios", "cn-cut", "capacity", "CN"), 2))
    _find(issues, r"^t\.yaml$", "scenarios.cn-cut.capacity.CN",
          r"at most 1, got 2: a scenario cuts capacity")


# --- warnings: ranges wide enough to hurt the solve --------------------------------------------


def test_wide_cost_range_is_a_warning_naming_both_ends() -> None:
    doc = _set(_doc(), ("suppliers", 2, "unit_cost"), 1e-7)
    doc = _set(doc, ("sites", 0, "fixed_cost"), 1e4)
    inst = Instance.from_dict(doc, origin="t.yaml")
    assert inst.findings == []  # a warning is no finding: it does not block the solve
    (warning,) = inst.warnings
    assert warning.kind == "warning"
    assert warning.location == "t.yaml"
    assert re.search(
        r"costs range from 1e-07 at t\.yaml: suppliers\[2\] \(wf-de\) \[unit_cost\] "
        r"to 10000 at t\.yaml: sites\[0\] \(akita\) \[fixed_cost\]",
        warning.message,
    )
    assert "1.0e+11" in warning.message


def test_wide_quantity_range_is_a_warning() -> None:
    doc = _set(_doc(), ("items", 0, "demand"), 1e-3)
    doc["items"][0].pop("shortfall_penalty")
    doc = _set(doc, ("sites", 0, "capacity"), 1e7)
    inst = Instance.from_dict(doc, origin="t.yaml")
    (warning,) = inst.warnings
    assert re.search(
        r"quantities range from 0\.001 at t\.yaml: items\[0\] \(ga\) \[demand\] "
        r"to 1e\+07 at t\.yaml: sites\[0\] \(akita\) \[capacity\]",
        warning.message,
    )


def test_a_warning_does_not_block_the_solve() -> None:
    doc = {
        "trustsource": 1,
        "items": [{"id": "ga", "demand": 10}],
        "suppliers": [
            {"id": "s1", "item": "ga", "country": "DE", "unit_cost": 1e-4, "fixed_cost": 1e6}
        ],
    }
    inst = Instance.from_dict(doc)
    assert [w.kind for w in inst.warnings] == ["warning"]
    plan = trustsource.solve(inst, time_limit=30)
    assert plan.status.value == "optimal"
    assert plan.objective == pytest.approx(1e6 + 1e-3)


def test_zero_is_not_a_range_end() -> None:
    doc = _set(_doc(), ("suppliers", 2, "unit_cost"), 0.0)
    assert Instance.from_dict(doc).warnings == []


# --- empty things are errors ------------------------------------------------------------------


def test_no_items_is_an_error() -> None:
    doc = _doc()
    doc.update(items=[], suppliers=[], sites=[], rules=[], variants={}, scenarios={})
    issues = _issues(doc)
    _find(issues, r"^t\.yaml$", "items", r"^no items: add at least one item$")
    assert len(issues) == 1, _shown(issues)


def test_no_items_does_not_flood_every_reference() -> None:
    """The suppliers' items cannot be checked without items: one message, not one per row."""
    issues = _issues(_set(_doc(), ("items",), []))
    _find(issues, r"^t\.yaml$", "items", r"^no items")
    assert not [i for i in issues if "unknown item" in i.message], _shown(issues)


def test_an_items_csv_with_only_a_header_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("id,demand\n")
    (tmp_path / "inst.yaml").write_text("trustsource: 1\nitems: items.csv\n")
    with pytest.raises(InstanceError) as info:
        trustsource.load(tmp_path / "inst.yaml")
    _find(info.value.issues, r"^inst\.yaml$", "items", r"^no items")


_RULE_OF_KIND = {"country_cap": {"max_share": 0.5}, "bloc_share": {"bloc": "eu", "min_share": 0.1},
                 "ban": {"countries": ["RU"]}, "supplier_cap": {"max_share": 0.5},
                 "exit_clause": {"max_share_without": 0.5}, "min_suppliers": {"count": 1},
                 "max_suppliers": {"count": 2}, "min_countries": {"count": 1}, "exit": {},
                 "hhi_cap": {"max_hhi": 9000}}


def test_every_rule_kind_is_covered() -> None:
    assert set(_RULE_OF_KIND) == set(RULE_KINDS)


@pytest.mark.parametrize("kind", RULE_KINDS)
def test_a_rule_with_empty_items_is_an_error(kind: str) -> None:
    rule = {"kind": kind, "name": "r", **_RULE_OF_KIND[kind]}
    Instance.from_dict(_with_rules([rule]))  # valid without `items`
    issues = _issues(_with_rules([{**rule, "items": []}]))
    _find(issues, r"rules\[0\] \(r\)$", "items",
          r"^items is empty: omit it to apply the rule to every item, or list items$")


def test_empty_country_selectors_are_errors() -> None:
    rules = [{"kind": "ban", "countries": []},
             {"kind": "country_cap", "max_share": 0.5, "countries": []}]
    issues = _issues(_with_rules(rules))
    _find(issues, r"rules\[0\]$", "countries", r"^countries is empty: list the countries")
    _find(issues, r"rules\[1\]$", "countries", r"^countries is empty: omit it to cap every")
    # An empty `except` exempts nobody, which is what leaving it out means: accepted.
    rule = {"kind": "country_cap", "max_share": 0.9, "except": []}
    Instance.from_dict(_with_rules([rule]))


def test_an_empty_bloc_is_an_error() -> None:
    issues = _issues(_set(_doc(), ("blocs", "friends"), []))
    _find(issues, r"^t\.yaml$", "blocs.friends", r"^is empty: list its member country codes")


def test_an_empty_scenario_is_an_error() -> None:
    issues = _issues(_set(_doc(), ("scenarios", "cn-cut", "capacity"), {}))
    _find(issues, r"^t\.yaml$", "scenarios.cn-cut.capacity", r"^capacity is empty")
    issues = _issues(_set(_doc(), ("scenarios", "cn-cut"), {"description": "nothing"}))
    _find(issues, r"^t\.yaml$", "scenarios.cn-cut.capacity", r"^is required$")


def test_a_variant_rule_with_empty_items_is_an_error() -> None:
    doc = _set(_doc(), ("variants", "more"), {"add": [{"kind": "exit", "items": []}]})
    _find(_issues(doc), r"variants\.more\.add\[0\]$", "items", r"^items is empty")


# --- cross-reference checks on every entry, in one run ----------------------------------------


def test_type_error_and_unknown_item_of_one_supplier_are_reported_together() -> None:
    doc = _set(_doc(), ("suppliers", 2, "capacity"), -5)
    doc = _set(doc, ("suppliers", 2, "item"), "nosuch")
    issues = _issues(doc)
    _find(issues, r"suppliers\[2\] \(wf-de\)$", "capacity", r"greater than or equal to 0.*-5")
    _find(issues, r"suppliers\[2\] \(wf-de\)$", "item", r"^unknown item 'nosuch'")
    assert len(issues) == 2, _shown(issues)


def test_duplicate_id_next_to_a_type_error_is_reported_together() -> None:
    for bad in (0, 1):  # the first or the second of the two has the type error
        doc = _doc()
        doc["suppliers"].append({"id": "ga-jp", "item": "ga", "country": "DE", "unit_cost": 9})
        row = doc["suppliers"][0 if bad == 0 else 3]
        row["unit_cost"] = "cheap"
        issues = _issues(doc)
        _find(issues, rf"suppliers\[{0 if bad == 0 else 3}\] \(ga-jp\)$", "unit_cost",
              r"valid number.*cheap")
        _find(issues, r"suppliers\[3\] \(ga-jp\)$", "id", r"^duplicate id 'ga-jp'$")
        assert len(issues) == 2, _shown(issues)


def test_bad_share_and_unknown_bloc_of_one_rule_are_reported_together() -> None:
    doc = _with_rules([{"kind": "bloc_share", "bloc": "nosuch", "max_share": 2}])
    issues = _issues(doc)
    _find(issues, r"rules\[0\]", "max_share", r"less than or equal to 1, got 2")
    _find(issues, r"rules\[0\]", "bloc", r"^unknown bloc or country 'nosuch'")
    assert len(issues) == 2, _shown(issues)


def test_references_of_invalid_entries_of_every_table_are_checked() -> None:
    doc = _doc()
    doc["items"][1].update(demand=-1, inputs={"galium": 0.5})
    doc["sites"][0].update(capacity="lots", country="UK")
    doc["suppliers"][0].update(min_order=True, site="akta")
    doc["suppliers"][2].update(capacity=-1, country="jp")
    doc["rules"][0].update(max_share=7, countries=["XY1"], items=["wafr"])
    doc["rules"].append({"kind": "nosuch", "name": "cap", "items": ["gaa"]})
    issues = _issues(doc)
    expected = [
        (r"items\[1\] \(wafer\)$", "demand", r"greater than or equal to 0"),
        (r"items\[1\] \(wafer\)$", "inputs", r"unknown item 'galium'"),
        (r"sites\[0\] \(akita\)$", "capacity", r"valid number"),
        (r"sites\[0\] \(akita\)$", "country", r"unknown country code 'UK'"),
        (r"suppliers\[0\] \(ga-jp\)$", "min_order", r"must be a number, got true"),
        (r"suppliers\[0\] \(ga-jp\)$", "site", r"unknown site 'akta'; did you mean 'akita'"),
        (r"suppliers\[2\] \(wf-de\)$", "capacity", r"greater than or equal to 0"),
        (r"suppliers\[2\] \(wf-de\)$", "country", r"unknown country code 'jp'.*upper-case"),
        (r"rules\[0\] \(cap\)$", "max_share", r"less than or equal to 1"),
        (r"rules\[0\] \(cap\)$", "countries", r"unknown bloc or country 'XY1'"),
        (r"rules\[0\] \(cap\)$", "items", r"unknown item 'wafr'; did you mean 'wafer'"),
        (r"rules\[9\] \(cap\)$", "kind", r"unknown rule kind 'nosuch'"),
        (r"rules\[9\] \(cap\)$", "items", r"unknown item 'gaa'"),
        (r"rules\[9\]", "name", r"duplicate rule name 'cap'"),
    ]
    for location, field, message in expected:
        _find(issues, location, field, message)
    # The supplier without a valid country also has no owner: both are named; nothing else.
    owner = [i for i in issues if i.field == "owner"]
    assert len(issues) == len(expected) + len(owner), _shown(issues)


def test_references_of_invalid_csv_rows_are_located_by_line(tmp_path: Path) -> None:
    (tmp_path / "suppliers.csv").write_text(
        "id,item,country,unit_cost,capacity\n"
        "s1,ga,DE,10,100\n"
        "s2,nosuch,DE,10,-5\n"
        "s1,ga,DE,yes,100\n"
    )
    (tmp_path / "inst.yaml").write_text(
        "trustsource: 1\nitems: [{id: ga, demand: 10}]\nsuppliers: suppliers.csv\n"
    )
    with pytest.raises(InstanceError) as info:
        trustsource.load(tmp_path / "inst.yaml")
    issues = info.value.issues
    _find(issues, r"^suppliers\.csv:3 \(s2\)$", "capacity", r"greater than or equal to 0")
    _find(issues, r"^suppliers\.csv:3 \(s2\)$", "item", r"unknown item 'nosuch'")
    _find(issues, r"^suppliers\.csv:4 \(s1\)$", "unit_cost", r"valid number")
    _find(issues, r"^suppliers\.csv:4 \(s1\)$", "id", r"duplicate id 's1'")
    assert len(issues) == 4, _shown(issues)


def test_a_malformed_id_is_not_reported_twice() -> None:
    doc = _set(_doc(), ("suppliers", 2, "item"), "Wafer")
    doc = _set(doc, ("suppliers", 2, "capacity"), -1)
    issues = _issues(doc)
    _find(issues, r"suppliers\[2\]", "item", r"'Wafer' is not a valid id")
    assert not [i for i in issues if "unknown item" in i.message], _shown(issues)


# --- bundled instances and generated benchmarks stay valid -------------------------------------


@pytest.mark.parametrize("path", sorted(INSTANCES.glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_instances_stay_within_the_bounds(path: Path) -> None:
    inst = trustsource.load(path)
    assert inst.findings == []
    assert inst.warnings == []


def test_generated_benchmark_instances_stay_within_the_bounds() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import generate
    finally:
        sys.path.remove(str(BENCHMARKS))
    for rules in ("default", "trust"):
        inst = Instance.from_dict(generate.generate(2_000, seed=3, rules=rules))
        assert inst.warnings == []
        assert len(inst.suppliers) >= 1_000


# --- the console script -----------------------------------------------------------------------


def _script() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("trustsource", path=path)
    assert found, "the console script `trustsource` is not installed"
    return found


def _validate(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_script(), "validate", str(path), *args], capture_output=True, text=True,
                          timeout=120, check=False)


BAD_NUMBERS_YAML = """\
trustsource: 1
items:
  - {id: ga, demand: 1e308}
  - {id: wafer, demand: 5, inputs: {ga: 1e-9}}
suppliers:
  - {id: s1, item: ga, country: DE, unit_cost: true, capacity: -5}
  - {id: s2, item: nosuch, country: DE, unit_cost: 3}
rules:
  - {kind: supplier_cap, max_share: 0.5, items: []}
"""


def test_console_script_reports_bounds_and_references_in_one_run(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_NUMBERS_YAML)
    proc = _validate(path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr
    err = proc.stderr
    assert "bad.yaml: items[0] (ga) [demand] must be at most 1e+12, got 1e+308" in err
    assert "bad.yaml: items[1] (wafer) [inputs.ga] must be 0 or at least 1e-06" in err
    assert "bad.yaml: suppliers[0] (s1) [unit_cost] must be a number, got true" in err
    assert "bad.yaml: suppliers[0] (s1) [capacity] must be greater than or equal to 0" in err
    assert "bad.yaml: suppliers[1] (s2) [item] unknown item 'nosuch'" in err
    assert "bad.yaml: rules[0] [items] items is empty" in err


def test_console_script_json_lists_the_located_issues(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_NUMBERS_YAML)
    proc = _validate(path, "--format", "json")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    issues = json.loads(proc.stdout)["issues"]
    found = {(i["location"], i["field"]) for i in issues}
    assert ("bad.yaml: items[0] (ga)", "demand") in found
    assert ("bad.yaml: suppliers[1] (s2)", "item") in found
    assert all(i["kind"] == "error" for i in issues)
