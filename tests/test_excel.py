"""Excel workbooks, CSV folders and conversions of instances (issue 7, parts 1-2)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from trustsource import load, solve
from trustsource.cli.io_cmd import convert_command, template_command
from trustsource.errors import InstanceError
from trustsource.instance.convert import convert, load_any, write_example, write_template
from trustsource.instance.excel import load_workbook, write_workbook

BUNDLED = ("gallium-demo", "chips", "critical-minerals", "energy")


def _bundled(name: str) -> Path:
    return Path(str(files("trustsource.instances") / f"{name}.yaml"))


@pytest.mark.parametrize("name", BUNDLED)
def test_round_trips_keep_the_content_hash(name: str, tmp_path: Path) -> None:
    original = load(_bundled(name))
    convert(_bundled(name), tmp_path / "a.xlsx")
    convert(tmp_path / "a.xlsx", tmp_path / "b.yaml")
    assert load(tmp_path / "b.yaml").content_hash == original.content_hash
    convert(_bundled(name), tmp_path / "c.json")
    assert load(tmp_path / "c.json").content_hash == original.content_hash
    convert(_bundled(name), tmp_path / "folder")
    assert (tmp_path / "folder" / "suppliers.csv").exists()
    convert(tmp_path / "folder", tmp_path / "d.xlsx")
    convert(tmp_path / "d.xlsx", tmp_path / "e.json")
    assert load_any(tmp_path / "e.json").content_hash == original.content_hash
    assert load_workbook(tmp_path / "d.xlsx").content_hash == original.content_hash


def _bad_book(tmp_path: Path) -> Path:
    inst = load(_bundled("gallium-demo"))
    path = write_workbook(inst, tmp_path / "suppliers.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["suppliers"]
    header = [c.value for c in ws[1]]
    ws.cell(3, header.index("capacity") + 1).value = -5
    ws.cell(5, header.index("item") + 1).value = "galium"
    wb.save(path)
    return path


def test_spreadsheet_errors_name_sheet_row_and_column(tmp_path: Path) -> None:
    path = _bad_book(tmp_path)
    with pytest.raises(InstanceError) as err:
        load_workbook(path)
    issues = {(i.location.split(" (")[0], i.field): i.message for i in err.value.issues}
    capacity = issues[("suppliers.xlsx: suppliers!row 3", "capacity")]
    assert capacity == "must be greater than or equal to 0, got -5"
    assert "galium" in issues[("suppliers.xlsx: suppliers!row 5", "item")]
    assert "suppliers.xlsx: suppliers!row 3 (" in str(err.value)


def test_side_sheet_errors_are_located(tmp_path: Path) -> None:
    path = write_workbook(load(_bundled("chips")), tmp_path / "c.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["inputs"].append(["no-such-item", "x", 1])
    wb["price_tiers"].append(["nobody", "incremental", 0, 1])
    wb.create_sheet("supliers")
    wb.save(path)
    with pytest.raises(InstanceError) as err:
        load_workbook(path)
    text = str(err.value)
    assert "c.xlsx: inputs!row" in text
    assert "unknown item 'no-such-item'" in text
    assert "c.xlsx: price_tiers!row" in text
    assert "unknown supplier 'nobody'" in text
    assert "unknown sheet 'supliers'; did you mean 'suppliers'?" in text


def test_template_filled_by_a_buyer_loads_and_solves(tmp_path: Path) -> None:
    path = write_template(tmp_path / "t.xlsx")
    with pytest.raises(InstanceError, match="no items"):
        load_workbook(path)  # an empty template is not an instance yet
    wb = openpyxl.load_workbook(path)
    assert "README" in wb.sheetnames
    readme = [tuple(r) for r in wb["README"].iter_rows(values_only=True)]
    assert (
        "suppliers",
        "capacity",
        "Maximum quantity (default: unlimited, or the site's capacity).",
    ) in readme
    items, sups = wb["items"], wb["suppliers"]
    icol = {c.value: c.column for c in items[1]}
    scol = {c.value: c.column for c in sups[1]}
    for k, v in {"id": "gallium", "unit": "kg", "demand": 100}.items():
        items.cell(2, icol[k]).value = v
    for k, v in {
        "id": "ga-de",
        "item": "gallium",
        "country": "DE",
        "unit_cost": 7.5,
        "capacity": 500,
    }.items():
        sups.cell(2, scol[k]).value = v
    wb.save(path)
    inst = load_workbook(path)
    assert len(inst.items) == 1
    assert len(inst.suppliers) == 1
    result = solve(inst)
    assert result.status.value == "optimal"
    assert result.objective == pytest.approx(750)


def test_cli_convert_and_template(tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(convert_command, [str(_bundled("chips")), str(tmp_path / "c.xlsx")])
    assert out.exit_code == 0, out.output
    assert load_workbook(tmp_path / "c.xlsx").content_hash == load(_bundled("chips")).content_hash
    bad = _bad_book(tmp_path)
    out = runner.invoke(convert_command, [str(bad), str(tmp_path / "x.yaml")])
    assert out.exit_code == 2
    assert not (tmp_path / "x.yaml").exists()
    out = runner.invoke(template_command, [str(tmp_path / "t.xlsx")])
    assert out.exit_code == 0
    assert (tmp_path / "t.xlsx").exists()
    out = runner.invoke(template_command, [str(tmp_path / "t.csv")])
    assert out.exit_code == 2


def test_example_workbook_is_the_gallium_demo(tmp_path: Path) -> None:
    write_example(tmp_path / "ex.xlsx")
    assert (
        load_workbook(tmp_path / "ex.xlsx").content_hash
        == load(_bundled("gallium-demo")).content_hash
    )
