"""Validation of what an instance refers to: nothing empty that would silently apply to nothing,
and cross-reference checks on every entry, also those with their own errors, in one run (issue
10, 5).

Library behaviour is tested through ``Instance.from_dict`` and ``trustsource.load``; the console
script ``trustsource validate`` is run as a subprocess for the exit code and the message a user
sees. Every invalid case asserts the located issue (where, which field, what), not just failure.
Booleans and magnitudes are in ``test_validation_bounds.py``; the shared document helpers in
``validation_docs.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import trustsource
from trustsource import Instance, InstanceError
from trustsource.instance.schema import RULE_KINDS
from validation_docs import (
    base_doc,
    find_issue,
    issues_of,
    load_items_csv,
    set_at,
    shown,
    with_rules,
)

# --- empty things are errors ------------------------------------------------------------------


def test_no_items_is_an_error() -> None:
    doc = base_doc()
    doc.update(items=[], suppliers=[], sites=[], rules=[], variants={}, scenarios={})
    issues = issues_of(doc)
    find_issue(issues, r"^t\.yaml$", "items", r"^no items: add at least one item$")
    assert len(issues) == 1, shown(issues)


def test_no_items_does_not_flood_every_reference() -> None:
    """The suppliers' items cannot be checked without items: one message, not one per row."""
    issues = issues_of(set_at(base_doc(), ("items",), []))
    find_issue(issues, r"^t\.yaml$", "items", r"^no items")
    assert not [i for i in issues if "unknown item" in i.message], shown(issues)


def test_an_items_csv_with_only_a_header_is_an_error(tmp_path: Path) -> None:
    issues = load_items_csv(tmp_path, "id,demand\n")
    find_issue(issues, r"^inst\.yaml$", "items", r"^no items")


_RULE_OF_KIND = {
    "country_cap": {"max_share": 0.5},
    "bloc_share": {"bloc": "eu", "min_share": 0.1},
    "ban": {"countries": ["RU"]},
    "supplier_cap": {"max_share": 0.5},
    "exit_clause": {"max_share_without": 0.5},
    "min_suppliers": {"count": 1},
    "max_suppliers": {"count": 2},
    "min_countries": {"count": 1},
    "exit": {},
    "hhi_cap": {"max_hhi": 9000},
}


def test_every_rule_kind_is_covered() -> None:
    assert set(_RULE_OF_KIND) == set(RULE_KINDS)


@pytest.mark.parametrize("kind", RULE_KINDS)
def test_a_rule_with_empty_items_is_an_error(kind: str) -> None:
    rule = {"kind": kind, "name": "r", **_RULE_OF_KIND[kind]}
    Instance.from_dict(with_rules([rule]))  # valid without `items`
    issues = issues_of(with_rules([{**rule, "items": []}]))
    find_issue(
        issues,
        r"rules\[0\] \(r\)$",
        "items",
        r"^items is empty: omit it to apply the rule to every item, or list items$",
    )


def test_empty_country_selectors_are_errors() -> None:
    rules = [
        {"kind": "ban", "countries": []},
        {"kind": "country_cap", "max_share": 0.5, "countries": []},
    ]
    issues = issues_of(with_rules(rules))
    find_issue(issues, r"rules\[0\]$", "countries", r"^countries is empty: list the countries")
    find_issue(issues, r"rules\[1\]$", "countries", r"^countries is empty: omit it to cap every")
    # An empty `except` exempts nobody, which is what leaving it out means: accepted.
    rule = {"kind": "country_cap", "max_share": 0.9, "except": []}
    Instance.from_dict(with_rules([rule]))


def test_an_empty_bloc_is_an_error() -> None:
    issues = issues_of(set_at(base_doc(), ("blocs", "friends"), []))
    find_issue(issues, r"^t\.yaml$", "blocs.friends", r"^is empty: list its member country codes")


def test_an_empty_scenario_is_an_error() -> None:
    issues = issues_of(set_at(base_doc(), ("scenarios", "cn-cut", "capacity"), {}))
    find_issue(issues, r"^t\.yaml$", "scenarios.cn-cut", r"^the scenario changes nothing")
    issues = issues_of(set_at(base_doc(), ("scenarios", "cn-cut"), {"description": "nothing"}))
    find_issue(issues, r"^t\.yaml$", "scenarios.cn-cut", r"^the scenario changes nothing")


def test_a_variant_rule_with_empty_items_is_an_error() -> None:
    doc = set_at(base_doc(), ("variants", "more"), {"add": [{"kind": "exit", "items": []}]})
    find_issue(issues_of(doc), r"variants\.more\.add\[0\]$", "items", r"^items is empty")


# --- cross-reference checks on every entry, in one run ----------------------------------------


def test_type_error_and_unknown_item_of_one_supplier_are_reported_together() -> None:
    doc = set_at(base_doc(), ("suppliers", 2, "capacity"), -5)
    doc = set_at(doc, ("suppliers", 2, "item"), "nosuch")
    issues = issues_of(doc)
    find_issue(issues, r"suppliers\[2\] \(wf-de\)$", "capacity", r"greater than or equal to 0.*-5")
    find_issue(issues, r"suppliers\[2\] \(wf-de\)$", "item", r"^unknown item 'nosuch'")
    assert len(issues) == 2, shown(issues)


def test_duplicate_id_next_to_a_type_error_is_reported_together() -> None:
    for bad in (0, 1):  # the first or the second of the two has the type error
        doc = base_doc()
        doc["suppliers"].append({"id": "ga-jp", "item": "ga", "country": "DE", "unit_cost": 9})
        row = doc["suppliers"][0 if bad == 0 else 3]
        row["unit_cost"] = "cheap"
        issues = issues_of(doc)
        find_issue(
            issues,
            rf"suppliers\[{0 if bad == 0 else 3}\] \(ga-jp\)$",
            "unit_cost",
            r"valid number.*cheap",
        )
        find_issue(issues, r"suppliers\[3\] \(ga-jp\)$", "id", r"^duplicate id 'ga-jp'$")
        assert len(issues) == 2, shown(issues)


def test_bad_share_and_unknown_bloc_of_one_rule_are_reported_together() -> None:
    doc = with_rules([{"kind": "bloc_share", "bloc": "nosuch", "max_share": 2}])
    issues = issues_of(doc)
    find_issue(issues, r"rules\[0\]", "max_share", r"less than or equal to 1, got 2")
    find_issue(issues, r"rules\[0\]", "bloc", r"^unknown bloc or country 'nosuch'")
    assert len(issues) == 2, shown(issues)


def test_references_of_invalid_entries_of_every_table_are_checked() -> None:
    doc = base_doc()
    doc["items"][1].update(demand=-1, inputs={"galium": 0.5})
    doc["sites"][0].update(capacity="lots", country="UK")
    doc["suppliers"][0].update(min_order=True, site="akta")
    doc["suppliers"][2].update(capacity=-1, country="jp")
    doc["rules"][0].update(max_share=7, countries=["XY1"], items=["wafr"])
    doc["rules"].append({"kind": "nosuch", "name": "cap", "items": ["gaa"]})
    issues = issues_of(doc)
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
        find_issue(issues, location, field, message)
    # The supplier without a valid country also has no owner: both are named; nothing else.
    owner = [i for i in issues if i.field == "owner"]
    assert len(issues) == len(expected) + len(owner), shown(issues)


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
    find_issue(issues, r"^suppliers\.csv:3 \(s2\)$", "capacity", r"greater than or equal to 0")
    find_issue(issues, r"^suppliers\.csv:3 \(s2\)$", "item", r"unknown item 'nosuch'")
    find_issue(issues, r"^suppliers\.csv:4 \(s1\)$", "unit_cost", r"valid number")
    find_issue(issues, r"^suppliers\.csv:4 \(s1\)$", "id", r"duplicate id 's1'")
    assert len(issues) == 4, shown(issues)


def test_a_malformed_id_is_not_reported_twice() -> None:
    doc = set_at(base_doc(), ("suppliers", 2, "item"), "Wafer")
    doc = set_at(doc, ("suppliers", 2, "capacity"), -1)
    issues = issues_of(doc)
    find_issue(issues, r"suppliers\[2\]", "item", r"'Wafer' is not a valid id")
    assert not [i for i in issues if "unknown item" in i.message], shown(issues)


# --- the console script -----------------------------------------------------------------------


def _script() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("trustsource", path=path)
    assert found, "the console script `trustsource` is not installed"
    return found


def _validate(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_script(), "validate", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


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
