"""Instance validation: every malformed file is rejected with located, collected messages.

Each file in ``tests/data/invalid/`` is named after its defect. Loading it must raise one
:class:`trustsource.InstanceError` whose issues name where (file and line, or key path), which
field, and what is wrong. A well-formed instance the model cannot honour loads, and
reports its problem as a *finding* instead.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import trustsource
import yaml
from trustsource import Instance, InstanceError

DATA = Path(__file__).parent / "data"
INVALID = DATA / "invalid"
VALID = DATA / "valid"

ANY = object()
"""Field placeholder: the field is not checked."""

# file -> (location regex, field, message regex). The location regex is searched in
# Issue.location, the message regex in Issue.message.
CASES: dict[str, tuple[str, object, str]] = {
    "missing_schema_version.yaml": (
        r"^missing_schema_version\.yaml",
        "trustsource",
        r"trustsource: 1",
    ),
    "unknown_schema_version.yaml": (
        r"^unknown_schema_version\.yaml",
        "trustsource",
        r"unknown schema version 2",
    ),
    "empty_file.yaml": (r"^empty_file\.yaml", None, r"empty"),
    # The flow mapping opened on line 3 is unclosed; the parser notices on line 4.
    "unparsable_yaml.yaml": (r"^unparsable_yaml\.yaml:[34]$", None, r"not valid YAML"),
    "unparsable_json.json": (r"^unparsable_json\.json:4$", None, r"not valid JSON"),
    "top_level_not_mapping.yaml": (
        r"^top_level_not_mapping\.yaml",
        None,
        r"mapping at the top level.*list",
    ),
    "wrong_type_demand.yaml": (
        r"^wrong_type_demand\.yaml: items\[0\] \(gallium\)",
        "demand",
        r"number.*'lots'",
    ),
    "unknown_supplier_key.yaml": (
        r"^unknown_supplier_key\.yaml: suppliers\[0\] \(ga-jp-1\)",
        "capacty",
        r"unknown key 'capacty'; did you mean 'capacity'\?",
    ),
    "unknown_top_level_key.yaml": (
        r"^unknown_top_level_key\.yaml",
        "supplier",
        r"unknown key 'supplier'; did you mean 'suppliers'\?",
    ),
    "duplicate_supplier_id.yaml": (
        r"^duplicate_supplier_id\.yaml: suppliers\[1\] \(ga-jp-1\)",
        "id",
        r"duplicate id 'ga-jp-1'",
    ),
    "bad_id_characters.yaml": (
        r"^bad_id_characters\.yaml: suppliers\[0\]",
        "id",
        r"'Ga CN' is not a valid id",
    ),
    "negative_capacity_csv.yaml": (
        r"suppliers\.csv:3\b",
        "capacity",
        r"greater than or equal to 0.*-5",
    ),
    "nan_demand_csv.yaml": (r"items\.csv:2\b", "demand", r"finite.*nan"),
    "infinite_cost.yaml": (
        r"^infinite_cost\.yaml: suppliers\[0\] \(ga-jp-1\)",
        "unit_cost",
        r"finite.*inf",
    ),
    "share_out_of_range.yaml": (
        r"^share_out_of_range\.yaml: rules\[0\] \(too-loose\)",
        "max_share",
        r"less than or equal to 1.*1\.5",
    ),
    "unknown_item_reference.yaml": (
        r"^unknown_item_reference\.yaml: suppliers\[0\] \(ga-jp-1\)",
        "item",
        r"unknown item 'galium'; did you mean 'gallium'\?",
    ),
    "unknown_site.yaml": (
        r"^unknown_site\.yaml: suppliers\[0\] \(ga-jp-1\)",
        "site",
        r"unknown site 'dowa-akta'; did you mean 'dowa-akita'\?",
    ),
    "unknown_country_code.yaml": (
        r"^unknown_country_code\.yaml: suppliers\[0\] \(ga-uk-1\)",
        "country",
        r"unknown country code 'UK'",
    ),
    "unknown_bloc_in_rule.yaml": (
        r"^unknown_bloc_in_rule\.yaml: rules\[0\] \(crma-65\)",
        "except",
        r"unknown bloc.*'eu27'",
    ),
    "cycle_in_inputs.yaml": (
        r"^cycle_in_inputs\.yaml: items\[[01]\]",
        "inputs",
        r"cycle in inputs: (a -> b -> a|b -> a -> b)",
    ),
    "price_tiers_not_from_zero.yaml": (
        r"^price_tiers_not_from_zero\.yaml: suppliers\[0\] \(ga-de-1\)",
        "price_tiers",
        r"first break must start at 0",
    ),
    "price_tiers_not_increasing.yaml": (
        r"^price_tiers_not_increasing\.yaml: suppliers\[0\] \(ga-de-1\)",
        "price_tiers",
        r"strictly increasing.*200.*100",
    ),
    "unknown_rule_kind.yaml": (
        r"^unknown_rule_kind\.yaml: rules\[0\]",
        "kind",
        r"unknown rule kind 'country_limit'",
    ),
    "missing_csv_file.yaml": (
        r"^missing_csv_file\.yaml: suppliers$",
        ANY,
        r"CSV file not found: .*no_such_suppliers\.csv",
    ),
    # A quoted cell running over two lines and a blank line: the location is the file line.
    "csv_line_numbers.yaml": (r"suppliers\.csv:5\b", "capacity", r"-5"),
}

SEVERAL_ERRORS = [
    (r"^several_errors\.yaml$", "colour", r"unknown key 'colour'"),
    (r"^several_errors\.yaml: items\[0\] \(gallium\)", "demand", r"greater than or equal to 0"),
    (r"^several_errors\.yaml: suppliers\[0\] \(ga-jp-1\)", "capacty", r"did you mean 'capacity'"),
    (r"^several_errors\.yaml: suppliers\[1\] \(ga-cn-1\)", "unit_cost", r"finite"),
    (r"^several_errors\.yaml: rules\[0\] \(spread\)", "max_share", r"less than or equal to 1"),
]

SCHEMA_AND_REFERENCE_ERRORS = [
    (
        r"^schema_and_reference_errors\.yaml: suppliers\[0\] \(ga-jp-1\)",
        "capacity",
        r"greater than or equal to 0",
    ),
    (
        r"^schema_and_reference_errors\.yaml: suppliers\[1\] \(ga-de-1\)",
        "item",
        r"unknown item 'galium'",
    ),
    (r"^schema_and_reference_errors\.yaml: rules\[0\] \(crma-65\)", "except", r"'eu27'"),
]

FINDING = "demand_exceeds_capacity_after_ban.yaml"
MULTI = ("several_errors.yaml", "schema_and_reference_errors.yaml")


def _matches(issue: trustsource.Issue, loc: str, fld: object, msg: str) -> bool:
    return (
        re.search(loc, issue.location) is not None
        and (fld is ANY or issue.field == fld)
        and re.search(msg, issue.message) is not None
    )


def _assert_reported(issues: list[trustsource.Issue], loc: str, fld: object, msg: str) -> None:
    shown = "\n".join(f"  {i.location!r} [{i.field}] {i.message!r}" for i in issues)
    assert any(_matches(i, loc, fld, msg) for i in issues), (
        f"no issue matching location /{loc}/, field {fld!r}, message /{msg}/ among:\n{shown}"
    )


def _load_error(path: Path) -> InstanceError:
    with pytest.raises(InstanceError) as info:
        trustsource.load(path)
    return info.value


# --- invalid files ----------------------------------------------------------------------------


def test_every_invalid_file_has_a_case() -> None:
    files = {p.name for p in INVALID.iterdir() if p.is_file()}
    assert files == set(CASES) | set(MULTI) | {FINDING}


@pytest.mark.parametrize("name", sorted(CASES))
def test_invalid_file_is_rejected_with_a_located_issue(name: str) -> None:
    err = _load_error(INVALID / name)
    loc, fld, msg = CASES[name]
    assert err.issues, "an InstanceError must carry at least one issue"
    _assert_reported(err.issues, loc, fld, msg)
    assert all(i.kind == "error" for i in err.issues)
    assert not err.findings_only
    # The exception text lists every issue, so a bare traceback still tells the user what to fix.
    for issue in err.issues:
        assert str(issue) in str(err)


def test_several_errors_are_all_reported_in_one_run() -> None:
    err = _load_error(INVALID / "several_errors.yaml")
    for loc, fld, msg in SEVERAL_ERRORS:
        _assert_reported(err.issues, loc, fld, msg)
    assert len(err.issues) == len(SEVERAL_ERRORS)


def test_entry_and_reference_errors_are_reported_together() -> None:
    """All errors in a file at once, also across the two validation passes."""
    err = _load_error(INVALID / "schema_and_reference_errors.yaml")
    for loc, fld, msg in SCHEMA_AND_REFERENCE_ERRORS:
        _assert_reported(err.issues, loc, fld, msg)


def test_finding_loads_and_reports_in_item_and_rule_words() -> None:
    inst = trustsource.load(INVALID / FINDING)
    findings = inst.findings
    assert len(findings) == 1
    (f,) = findings
    assert f.kind == "finding"
    assert re.search(r"demand_exceeds_capacity_after_ban\.yaml: items\[0\] \(gallium\)", f.location)
    assert "gallium" in f.message
    assert "no-concern" in f.message  # the rule that removed the capacity
    assert "1,000" in f.message
    assert "300" in f.message


def test_missing_document_is_an_instance_error(tmp_path: Path) -> None:
    err = _load_error(tmp_path / "nowhere.yaml")
    _assert_reported(err.issues, r"nowhere\.yaml", None, r"not found")


# --- the valid instance in its forms -----------------------------------------------------------


@pytest.fixture(scope="module")
def basic() -> Instance:
    return trustsource.load(VALID / "basic.yaml")


def test_basic_yaml_with_csv_tables(basic: Instance) -> None:
    assert basic.name == "basic"
    assert [it.id for it in basic.items] == ["gallium", "gan_wafer"]
    assert [s.id for s in basic.suppliers] == [
        "ga-cn-1",
        "ga-jp-1",
        "ga-de-1",
        "wf-us-1",
        "wf-tw-1",
        "wf-cn-1",
    ]
    items = {it.id: it for it in basic.items}
    assert items["gan_wafer"].inputs == {"gallium": pytest.approx(0.02)}
    assert items["gallium"].source == "illustrative"
    sup = {s.id: s for s in basic.suppliers}
    tiers = sup["ga-de-1"].price_tiers
    assert tiers is not None
    assert tiers.mode == "incremental"
    assert [(b.from_, b.price) for b in tiers.breaks] == [(0, 1500), (50, 1100)]
    assert sup["ga-cn-1"].exit_clause is False
    assert sup["ga-cn-1"].owner == "CN"  # owner defaults to country
    assert sup["ga-jp-1"].min_order == 20
    assert sup["ga-jp-1"].fixed_cost == 2000
    assert all(s.source == "illustrative" for s in basic.suppliers)
    assert basic.findings == []


def test_yaml_and_json_forms_are_the_same_instance(basic: Instance) -> None:
    other = trustsource.load(VALID / "basic.json")
    assert other.content_hash == basic.content_hash
    assert other.to_dict() == basic.to_dict()


def test_load_accepts_str_path_and_text_stream(basic: Instance) -> None:
    assert trustsource.load(str(VALID / "basic.yaml")).content_hash == basic.content_hash
    text = (VALID / "basic.json").read_text(encoding="utf-8")
    assert trustsource.load(io.StringIO(text)).content_hash == basic.content_hash


def test_from_dict_inline_and_with_csv_paths(basic: Instance) -> None:
    inline = json.loads((VALID / "basic.json").read_text(encoding="utf-8"))
    assert Instance.from_dict(inline).content_hash == basic.content_hash
    with_csv = yaml.safe_load((VALID / "basic.yaml").read_text(encoding="utf-8"))
    assert Instance.from_dict(with_csv, base_dir=VALID).content_hash == basic.content_hash


def _basic_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    tiers_de = {
        "mode": "incremental",
        "breaks": [{"from": 0, "price": 1500}, {"from": 50, "price": 1100}],
    }
    tiers_us = {
        "mode": "incremental",
        "breaks": [{"from": 0, "price": 5}, {"from": 100, "price": 4}],
    }
    items = pd.DataFrame(
        {
            "id": ["gallium", "gan_wafer"],
            "unit": ["kg", "wafer"],
            "demand": [100, 1000],
            "inputs": [None, {"gallium": 0.02}],
            "source": ["illustrative", "illustrative"],
        }
    )
    nan = float("nan")
    suppliers = pd.DataFrame(
        {
            "id": ["ga-cn-1", "ga-jp-1", "ga-de-1", "wf-us-1", "wf-tw-1", "wf-cn-1"],
            "item": ["gallium"] * 3 + ["gan_wafer"] * 3,
            "country": ["CN", "JP", "DE", "US", "TW", "CN"],
            "owner": [None, None, "DE", None, None, None],
            "unit_cost": [600, 1400, nan, nan, 4.5, 3],
            "price_tiers": [None, None, tiers_de, tiers_us, None, None],
            "capacity": [400, 300, 300, 2000, 2000, 2000],
            "min_order": [nan, 20, nan, nan, nan, nan],
            "fixed_cost": [nan, 2000, nan, nan, nan, nan],
            "exit_clause": [False, True, True, True, True, True],
            "source": ["illustrative"] * 6,
        }
    )
    return items, suppliers


def test_from_frames_equals_yaml_form(basic: Instance) -> None:
    items, suppliers = _basic_frames()
    inst = Instance.from_frames(
        items=items,
        suppliers=suppliers,
        name="basic",
        currency="USD",
        description="gallium and GaN wafers, tables as CSV",
        blocs={"allies": ["US", "JP", "DE", "TW"]},
        tariffs={"CN": 0.25},
        rules=[
            {"kind": "country_cap", "name": "cap-70", "max_share": 0.7},
            {"kind": "bloc_share", "bloc": "allies", "min_share": 0.5, "items": ["gan_wafer"]},
        ],
    )
    assert inst.content_hash == basic.content_hash


def test_from_frames_errors_are_located() -> None:
    items, suppliers = _basic_frames()
    suppliers.loc[1, "capacity"] = -5
    with pytest.raises(InstanceError) as info:
        Instance.from_frames(items=items, suppliers=suppliers)
    _assert_reported(info.value.issues, r"suppliers\[1\] \(ga-jp-1\)", "capacity", r"-5")


def test_from_dict_errors_are_collected_and_located() -> None:
    doc = {
        "trustsource": 1,
        "items": [{"id": "gallium", "demand": -1}],
        "suppliers": [
            {"id": "ga-jp-1", "item": "gallium", "country": "JP", "unit_cost": 1, "capacty": 3}
        ],
    }
    with pytest.raises(InstanceError) as info:
        Instance.from_dict(doc)
    issues = info.value.issues
    _assert_reported(issues, r"<dict>: items\[0\] \(gallium\)", "demand", r"0")
    _assert_reported(issues, r"<dict>: suppliers\[0\] \(ga-jp-1\)", "capacty", r"capacity")


def test_constructor_errors_are_instance_errors() -> None:
    """``trustsource.Instance(...)`` reports bad input like every other route."""
    with pytest.raises(InstanceError) as info:
        Instance(items=[{"id": "Ga CN", "demand": 1}])
    _assert_reported(info.value.issues, r"items\[0\]", "id", r"not a valid id")


def test_constructor_builds_a_valid_instance(basic: Instance) -> None:
    doc = basic.to_dict()
    doc.pop("trustsource")
    assert Instance(**doc).content_hash == basic.content_hash


@pytest.mark.parametrize("path", ["basic.yaml", "basic.json"])
def test_to_dict_round_trips(path: str) -> None:
    inst = trustsource.load(VALID / path)
    doc = inst.to_dict()
    assert doc["trustsource"] == 1
    again = Instance.from_dict(doc)
    assert again.content_hash == inst.content_hash
    assert again.to_dict() == doc
    # The document is plain JSON data.
    assert Instance.from_dict(json.loads(json.dumps(doc))).content_hash == inst.content_hash


def test_content_hash_changes_with_content(basic: Instance) -> None:
    doc = basic.to_dict()
    doc["items"][0]["demand"] = 101
    assert Instance.from_dict(doc).content_hash != basic.content_hash


# --- immutability ------------------------------------------------------------------------------

_ASSIGN_ERRORS = (TypeError, ValueError, AttributeError)


def test_instance_fields_cannot_be_assigned(basic: Instance) -> None:
    with pytest.raises(_ASSIGN_ERRORS):
        basic.name = "other"  # type: ignore[misc]
    with pytest.raises(_ASSIGN_ERRORS):
        basic.items = ()  # type: ignore[misc]
    with pytest.raises(_ASSIGN_ERRORS):
        basic.items[0].demand = 5  # type: ignore[misc]
    with pytest.raises(_ASSIGN_ERRORS):
        basic.suppliers[0].capacity = 1  # type: ignore[misc]
    assert isinstance(basic.items, tuple)
    assert isinstance(basic.suppliers, tuple)


def test_nested_tables_cannot_be_mutated() -> None:
    """The cached content_hash must keep identifying the content: no mutable containers."""
    inst = trustsource.load(VALID / "basic.yaml")
    before = inst.content_hash
    with pytest.raises(_ASSIGN_ERRORS):
        inst.tariffs["CN"] = 0.0  # type: ignore[index]
    with pytest.raises(_ASSIGN_ERRORS):
        inst.blocs["allies"].append("CN")
    with pytest.raises(_ASSIGN_ERRORS):
        inst.items[1].inputs["gallium"] = 1.0  # type: ignore[index]
    assert Instance.from_dict(inst.to_dict()).content_hash == before


# --- sites --------------------------------------------------------------------------------------


def _site_doc(**supplier: object) -> dict[str, object]:
    return {
        "trustsource": 1,
        "items": [{"id": "gallium", "demand": 10}, {"id": "germanium", "demand": 5}],
        "sites": [
            {"id": "dowa-akita", "country": "JP", "capacity": 100, "fixed_cost": 50},
            {"id": "umicore-us", "country": "BE", "owner": "US", "capacity": 100},
        ],
        "suppliers": [
            {"id": "ga-dowa", "item": "gallium", "site": "dowa-akita", "unit_cost": 10},
            {"id": "ge-umi", "item": "germanium", "site": "umicore-us", "unit_cost": 20},
            {"id": "ga-umi", "item": "gallium", "site": "umicore-us", "unit_cost": 12, **supplier},
        ],
    }


def test_suppliers_inherit_country_and_owner_from_their_site() -> None:
    inst = Instance.from_dict(_site_doc())
    sup = {s.id: s for s in inst.suppliers}
    assert (sup["ga-dowa"].country, sup["ga-dowa"].owner) == ("JP", "JP")
    assert (sup["ge-umi"].country, sup["ge-umi"].owner) == ("BE", "US")
    assert (sup["ga-umi"].country, sup["ga-umi"].owner) == ("BE", "US")
    again = Instance.from_dict(inst.to_dict())
    assert again.content_hash == inst.content_hash


def test_supplier_repeating_its_site_country_is_accepted() -> None:
    inst = Instance.from_dict(_site_doc(country="BE", owner="US"))
    assert {s.id: s.country for s in inst.suppliers}["ga-umi"] == "BE"


def test_supplier_contradicting_its_site_country_is_an_error() -> None:
    with pytest.raises(InstanceError) as info:
        Instance.from_dict(_site_doc(country="DE"))
    _assert_reported(
        info.value.issues,
        r"suppliers\[2\] \(ga-umi\)",
        "country",
        r"'DE' contradicts site 'umicore-us'",
    )


def test_supplier_contradicting_its_site_owner_is_an_error() -> None:
    with pytest.raises(InstanceError) as info:
        Instance.from_dict(_site_doc(owner="CN"))
    _assert_reported(
        info.value.issues,
        r"suppliers\[2\] \(ga-umi\)",
        "owner",
        r"'CN' contradicts site 'umicore-us'",
    )
