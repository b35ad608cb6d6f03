"""Validation bounds: booleans are not numbers, magnitudes HiGHS can honour, warnings for ranges
wide enough to hurt the solve, and the bundled instances within all of them (issue 10, 4).

Library behaviour is tested through ``Instance.from_dict`` and ``trustsource.load``. Every invalid
case asserts the located issue (where, which field, what), not just failure. Empty selectors,
cross-reference checks and the console script are in ``test_validation_crossrefs.py``; the
shared document helpers in ``validation_docs.py``.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trustsource
from trustsource import Instance, InstanceError
from trustsource.instance.schema import MAX_TARIFF
from trustsource.limits import MAX_COEFFICIENT, MAX_COST, MAX_QUANTITY, MAX_ROWS, MIN_COEFFICIENT
from validation_docs import (
    base_doc,
    find_issue,
    issues_of,
    load_items_csv,
    set_at,
)

INSTANCES = Path(__file__).resolve().parents[1] / "instances"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_base_document_is_valid() -> None:
    inst = Instance.from_dict(base_doc())
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
    "tier from": (
        ("suppliers", 1, "price_tiers", "breaks", 1, "from"),
        r"suppliers\[1\]",
        "price_tiers.breaks.1.from",
    ),
    "tier price": (
        ("suppliers", 1, "price_tiers", "breaks", 0, "price"),
        r"suppliers\[1\]",
        "price_tiers.breaks.0.price",
    ),
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
    "scenario factor": (
        ("scenarios", "cn-cut", "capacity", "CN"),
        r"^t\.yaml$",
        "scenarios.cn-cut.capacity.CN",
    ),
}


@pytest.mark.parametrize("value", [True, False], ids=["true", "false"])
@pytest.mark.parametrize("case", list(NUMBERS))
def test_a_boolean_is_not_a_number(case: str, value: bool) -> None:
    path, location, field = NUMBERS[case]
    issues = issues_of(set_at(base_doc(), path, value))
    word = "true" if value else "false"
    find_issue(issues, location, field, rf"^must be a number, got {word}$")
    assert all(i.kind == "error" for i in issues)


def test_a_numpy_boolean_is_not_a_number() -> None:
    """A DataFrame's bool column holds numpy.bool_, which pydantic would read as 1."""
    issues = issues_of(set_at(base_doc(), ("items", 0, "demand"), np.True_))
    find_issue(issues, r"items\[0\]", "demand", r"^must be a number, got true$")


def test_a_boolean_in_a_variant_is_not_a_number() -> None:
    doc = set_at(base_doc(), ("variants", "loose", "change", "cap", "max_share"), True)
    doc["variants"]["strict"] = {"add": [{"kind": "supplier_cap", "max_share": False}]}
    issues = issues_of(doc)
    find_issue(issues, r"variants\.loose\.change\.cap$", "max_share", r"must be a number, got true")
    find_issue(issues, r"variants\.strict\.add\[0\]$", "max_share", r"must be a number, got false")


def test_yaml_yes_and_true_are_refused_as_numbers() -> None:
    text = (
        "trustsource: 1\nitems:\n  - {id: ga, demand: yes}\nsuppliers:\n"
        "  - {id: s1, item: ga, country: DE, unit_cost: true, capacity: false}\n"
    )
    with pytest.raises(InstanceError) as info:
        trustsource.load(io.StringIO(text))
    issues = info.value.issues
    # YAML 1.1 reads `yes` as true, YAML 1.2 as text: refused either way.
    find_issue(issues, r"items\[0\] \(ga\)", "demand", r"must be a (valid )?number.*(true|'?yes'?)")
    find_issue(issues, r"suppliers\[0\] \(s1\)", "unit_cost", r"must be a number, got true")
    find_issue(issues, r"suppliers\[0\] \(s1\)", "capacity", r"must be a number, got false")


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
    issues = load_items_csv(tmp_path, "id,demand\nga,1_000\nwafer,true\n")
    find_issue(issues, r"^items\.csv:2 \(ga\)$", "demand", r"must be a number, got '1_000'.*'_'")
    find_issue(issues, r"^items\.csv:3 \(wafer\)$", "demand", r"valid number.*true")


def test_integer_counts_refuse_booleans_but_take_integral_numbers() -> None:
    inst = Instance.from_dict(set_at(base_doc(), ("rules", 4, "count"), 1.0))
    assert inst.rules[4].count == 1
    find_issue(
        issues_of(set_at(base_doc(), ("rules", 5, "count"), True)),
        r"rules\[5\]",
        "count",
        r"must be a number, got true",
    )


# --- magnitudes HiGHS can honour --------------------------------------------------------------

QUANTITIES = ["demand", "site capacity", "capacity", "min_order", "tier from"]
COSTS = ["shortfall_penalty", "site fixed_cost", "unit_cost", "fixed_cost", "tier price"]


@pytest.mark.parametrize("case", QUANTITIES + COSTS)
def test_huge_numbers_are_located_errors(case: str) -> None:
    path, location, field = NUMBERS[case]
    issues = issues_of(set_at(base_doc(), path, 1e308))
    limit = MAX_QUANTITY if case in QUANTITIES else MAX_COST
    unit = "larger unit" if case in QUANTITIES else "larger currency unit"
    expected = re.escape(f"must be at most {limit:g}, got 1e+308: HiGHS")
    issue = find_issue(issues, location, field, f"^{expected}")
    assert unit in issue.message


@pytest.mark.parametrize("case", QUANTITIES + COSTS)
def test_the_limit_itself_is_accepted(case: str) -> None:
    path, _, _ = NUMBERS[case]
    limit = MAX_QUANTITY if case in QUANTITIES else MAX_COST
    doc = base_doc()
    doc["tariffs"] = {}  # a tariff on top of the largest price is refused (tested below)
    doc["items"][1]["inputs"] = {}  # as is demand carried past the limit by inputs
    doc["suppliers"][0].pop("capacity")  # min_order may then reach the limit too
    inst = Instance.from_dict(set_at(doc, path, limit))
    node: Any = inst.to_dict()
    for key in path:
        node = node[key]
    assert node == limit


def test_huge_numbers_as_text_and_as_integers_are_refused(tmp_path: Path) -> None:
    issues = load_items_csv(tmp_path, "id,demand\nga,1e308\nwafer,2000000000000\n")
    find_issue(issues, r"^items\.csv:2 \(ga\)$", "demand", r"at most 1e\+12, got 1e\+308")
    find_issue(issues, r"^items\.csv:3 \(wafer\)$", "demand", r"at most 1e\+12, got 2e\+12")
    issues = issues_of(set_at(base_doc(), ("items", 0, "demand"), 10**400))
    issue = find_issue(issues, r"items\[0\]", "demand", r"at most 1e\+12, got 1000")
    assert len(issue.message) < 300  # a 401-digit number is not echoed whole


def test_infinity_keeps_its_own_message() -> None:
    find_issue(
        issues_of(set_at(base_doc(), ("items", 0, "demand"), float("inf"))),
        r"items\[0\]",
        "demand",
        r"must be a finite number",
    )


@pytest.mark.parametrize("value", [1e-9, MIN_COEFFICIENT / 2])
def test_tiny_bom_coefficient_says_to_change_the_input_unit(value: float) -> None:
    issues = issues_of(set_at(base_doc(), ("items", 1, "inputs", "ga"), value))
    issue = find_issue(
        issues,
        r"items\[1\] \(wafer\)$",
        "inputs.ga",
        rf"must be 0 or at least {MIN_COEFFICIENT:g}, got {value:g}",
    )
    assert "smaller unit" in issue.message
    assert "input item" in issue.message


def test_huge_bom_coefficient_says_to_change_the_input_unit() -> None:
    issues = issues_of(set_at(base_doc(), ("items", 1, "inputs", "ga"), MAX_COEFFICIENT * 10))
    issue = find_issue(
        issues,
        r"items\[1\] \(wafer\)$",
        "inputs.ga",
        re.escape(f"must be at most {MAX_COEFFICIENT:g}, got 1e+07"),
    )
    assert "larger unit" in issue.message
    assert "input item" in issue.message


@pytest.mark.parametrize("value", [0.0, MIN_COEFFICIENT, 1.0, MAX_COEFFICIENT])
def test_bom_coefficients_in_range_are_accepted(value: float) -> None:
    doc = set_at(base_doc(), ("items", 1, "inputs", "ga"), value)
    doc["items"][1]["demand"] = 1  # keep the supply gallium needs within its capacity
    inst = Instance.from_dict(doc)
    assert inst.items[1].inputs["ga"] == value


def test_tariffs_are_bounded() -> None:
    issues = issues_of(set_at(base_doc(), ("tariffs", "CN"), MAX_TARIFF + 1))
    find_issue(
        issues, r"^t\.yaml$", "tariffs.CN", rf"at most {MAX_TARIFF:g}, got 101.*0\.25 = \+25 %"
    )
    assert (
        Instance.from_dict(set_at(base_doc(), ("tariffs", "CN"), MAX_TARIFF)).tariffs["CN"] == 100
    )


def test_a_price_made_huge_by_its_tariff_is_an_error() -> None:
    doc = set_at(base_doc(), ("tariffs", "DE"), 99.0)
    doc = set_at(doc, ("suppliers", 2, "unit_cost"), MAX_COST / 10)
    issues = issues_of(doc)
    find_issue(
        issues,
        r"suppliers\[2\] \(wf-de\)$",
        "unit_cost",
        r"price 1e\+11 with the 99 tariff of DE is 1e\+13, above 1e\+12",
    )


def test_required_supply_through_the_bill_of_materials_is_bounded() -> None:
    doc = set_at(base_doc(), ("items", 1, "demand"), MAX_QUANTITY)
    doc = set_at(doc, ("items", 1, "inputs", "ga"), 10.0)
    issues = issues_of(doc)
    find_issue(
        issues,
        r"items\[0\] \(ga\)$",
        None,
        r"^ga: required supply .* is 1e\+13, above 1e\+12.*larger unit",
    )


def test_counts_are_bounded_by_the_rows_a_table_may_hold() -> None:
    find_issue(
        issues_of(set_at(base_doc(), ("rules", 4, "count"), MAX_ROWS + 1)),
        r"rules\[4\]",
        "count",
        rf"less than or equal to {MAX_ROWS}",
    )
    find_issue(
        issues_of(set_at(base_doc(), ("rules", 6, "count"), 1e308)),
        r"rules\[6\]",
        "count",
        r"integer|less than or equal",
    )


def test_scenario_factors_cut_capacity_only() -> None:
    issues = issues_of(set_at(base_doc(), ("scenarios", "cn-cut", "capacity", "CN"), 2))
    find_issue(
        issues,
        r"^t\.yaml$",
        "scenarios.cn-cut.capacity.CN",
        r"at most 1, got 2: a scenario cuts capacity",
    )


# --- warnings: ranges wide enough to hurt the solve --------------------------------------------


def test_wide_cost_range_is_a_warning_naming_both_ends() -> None:
    doc = set_at(base_doc(), ("suppliers", 2, "unit_cost"), 1e-7)
    doc = set_at(doc, ("sites", 0, "fixed_cost"), 1e4)
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
    doc = set_at(base_doc(), ("items", 0, "demand"), 1e-3)
    doc["items"][0].pop("shortfall_penalty")
    doc = set_at(doc, ("sites", 0, "capacity"), 1e7)
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
    doc = set_at(base_doc(), ("suppliers", 2, "unit_cost"), 0.0)
    assert Instance.from_dict(doc).warnings == []


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
