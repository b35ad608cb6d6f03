"""The workbooks people open (issue 17): the award workbook of ``solve --format xlsx``, the
analyses' ``<stem>.xlsx``, and the instance template with its drop-downs.

Each file is opened with openpyxl and its formats checked: number formats (currency, percent,
thousands), frozen header rows, an Excel table or an autofilter per sheet, landscape print fitted
to the page width with the header row repeated, the summary sheet's content against the JSON
plan, and the template's data validations; a filled template still reads back.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import trustsource
from test_machine_contract import run_cli
from trustsource.instance.convert import write_example, write_template
from trustsource.output.exports import COST_OF_TRUST_UNKNOWN, write_plan_xlsx
from trustsource.output.workbook import (
    PERCENT,
    QUANTITY,
    add_table_sheet,
    currency_format,
    new_workbook,
)
from trustsource.safe_writes import write_result_folder

ROOT = Path(__file__).resolve().parents[1]
GALLIUM = ROOT / "instances" / "gallium-demo.yaml"
USD = currency_format("USD")


def _header(ws: Any) -> list[Any]:
    return [c.value for c in ws[1]]


def _column(ws: Any, name: str) -> list[Any]:
    k = _header(ws).index(name)
    return [row[k].value for row in ws.iter_rows(min_row=2)]


def _glance(ws: Any) -> dict[str, Any]:
    """The summary sheet's label/value rows below the KPI row."""
    return {
        r[0].value: r[1].value
        for r in ws.iter_rows(min_row=4)
        if isinstance(r[0].value, str) and len(r) > 1
    }


def _assert_table_sheet(ws: Any) -> None:
    assert ws.freeze_panes == "A2", ws.title
    assert all(c.font.bold for c in ws[1] if c.value is not None), ws.title
    assert ws.tables or ws.auto_filter.ref, ws.title
    assert ws.page_setup.orientation == "landscape", ws.title
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1", ws.title


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Any]:
    out = tmp_path_factory.mktemp("solve") / "out"
    proc = run_cli("solve", GALLIUM, "--format", "xlsx", "--out", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    return doc, openpyxl.load_workbook(out / "plan.xlsx")


def test_award_workbook_sheets_in_a_buyers_order(solved: tuple[dict[str, Any], Any]) -> None:
    _doc, wb = solved
    assert wb.sheetnames[:3] == ["summary", "allocations", "items"]
    assert {"rules", "costs", "rule_definitions"} <= set(wb.sheetnames)
    for ws in wb.worksheets:
        _assert_table_sheet(ws)
    # One Excel table per sheet with rows, each with its own name.
    names = [name for ws in wb.worksheets for name in ws.tables]
    assert len(names) == len(set(names)) >= 5


def test_summary_sheet_says_it_in_words(solved: tuple[dict[str, Any], Any]) -> None:
    doc, wb = solved
    ws = wb["summary"]
    kpi = dict(zip(_header(ws), (c.value for c in ws[2])))
    assert kpi["status"] == doc["status"] == "optimal"
    assert kpi["objective"] == pytest.approx(doc["objective"], rel=1e-12)
    glance = _glance(ws)
    assert glance["status"] == "optimal"
    assert glance["total cost"] == pytest.approx(doc["objective"], rel=1e-12)
    assert glance["purchase cost"] == pytest.approx(doc["objective"], rel=1e-12)
    # solve does not price the rules: the cell says where the cost of trust comes from.
    assert glance["cost of trust"] == COST_OF_TRUST_UNKNOWN
    assert "trustsource explain" in glance["cost of trust"]
    assert "binding rules" in glance
    assert glance["no-concern-owners (ban) on gallium"] == "excludes the suppliers from concern"
    objective = next(r for r in ws.iter_rows(min_row=4) if r[0].value == "total cost")[1]
    assert objective.number_format == USD
    assert ws.cell(2, _header(ws).index("objective") + 1).number_format == USD
    assert ws.cell(2, _header(ws).index("mip_gap") + 1).number_format == PERCENT


def test_awards_formats_and_exact_values(solved: tuple[dict[str, Any], Any]) -> None:
    doc, wb = solved
    ws = wb["allocations"]
    assert _header(ws)[:3] == ["item", "supplier", "country"]
    awarded = [r for r in ws.iter_rows(min_row=2) if r[_header(ws).index("quantity")].value]
    assert awarded
    h = _header(ws)
    for row in awarded:
        assert row[h.index("unit_cost")].number_format == USD
        assert row[h.index("cost")].number_format == USD
        assert row[h.index("share")].number_format == PERCENT
        assert "#,##0" in row[h.index("quantity")].number_format
    # Stored exact: the cost breakdown adds up to the objective of plan.json.
    costs = wb["costs"]
    assert sum(v or 0 for v in _column(costs, "cost")) == pytest.approx(doc["objective"], rel=1e-12)
    assert all(c.number_format == USD for c in costs["D"][1:])
    assert ws.column_dimensions["B"].width >= len("supplier")
    rules = wb["rule_definitions"]
    defs = {
        r[0]: dict(zip(_header(rules), r)) for r in rules.iter_rows(min_row=2, values_only=True)
    }
    assert defs["crma-65"]["kind"] == "country_cap"
    assert "max_share = 0.65" in defs["crma-65"]["parameters"]
    assert defs["no-concern-owners"]["basis"] == "owner"
    limits = wb["rules"]
    h = _header(limits)
    kinds = {r[h.index("kind")].value: r[h.index("limit")] for r in limits.iter_rows(min_row=2)}
    assert kinds["country_cap"].number_format == PERCENT


def _short_instance() -> Any:
    return trustsource.Instance.from_dict(
        {
            "trustsource": 1,
            "name": "short",
            "currency": "EUR",
            "items": [{"id": "ga", "demand": 100, "shortfall_penalty": 50}],
            "suppliers": [
                {"id": "de", "item": "ga", "country": "DE", "unit_cost": 7.5, "capacity": 40}
            ],
            "rules": [{"name": "two", "kind": "min_suppliers", "count": 1, "items": ["ga"]}],
        }
    )


def test_shortfall_per_item_in_words_and_periodless_plan(tmp_path: Path) -> None:
    inst = _short_instance()
    plan = trustsource.solve(inst)
    assert plan.has_shortfall
    wb = openpyxl.load_workbook(write_plan_xlsx(plan, tmp_path / "p.xlsx", instance=inst))
    glance = _glance(wb["summary"])
    assert "shortfall" in glance
    assert glance["ga"].startswith("60 of 100")
    assert "EUR" in glance["ga"]
    assert glance["shortfall penalty"] == pytest.approx(plan.shortfall_penalty)
    assert glance["total cost"] == pytest.approx(plan.objective)
    cost = next(r for r in wb["summary"].iter_rows(min_row=4) if r[0].value == "total cost")[1]
    assert cost.number_format == currency_format("EUR")


def test_known_cost_of_trust_is_a_money_cell(tmp_path: Path) -> None:
    plan = trustsource.solve(_short_instance())
    wb = openpyxl.load_workbook(write_plan_xlsx(plan, tmp_path / "p.xlsx", cost_of_trust=12.5))
    row = next(r for r in wb["summary"].iter_rows(min_row=4) if r[0].value == "cost of trust")
    assert row[1].value == 12.5
    assert row[1].number_format == currency_format("EUR")


def test_quantities_stay_exact_and_show_rounded(tmp_path: Path) -> None:
    wb = new_workbook()
    frame = pd.DataFrame(
        {"item": ["ga", "ga"], "quantity": [99.99999999999999, 0.5], "share": [0.0833, 0.9167]}
    )
    ws = add_table_sheet(wb, "awards", frame, currency="USD")
    add_table_sheet(wb, "none", frame.iloc[:0])
    wb.save(tmp_path / "w.xlsx")
    back = openpyxl.load_workbook(tmp_path / "w.xlsx")
    q = back["awards"]["B2"]
    assert q.value == 99.99999999999999
    assert q.number_format == QUANTITY  # shows 100.00
    assert back["awards"]["C2"].number_format == PERCENT  # shows 8.3%
    assert list(ws.tables)
    assert back["awards"].tables
    assert not back["none"].tables
    assert back["none"].auto_filter.ref == "A1:C1"


def test_hostile_text_in_a_table_is_a_string_cell(tmp_path: Path) -> None:
    wb = new_workbook()
    frame = pd.DataFrame({"=name": ['=WEBSERVICE("http://x")', "@SUM(A1)"], "cost": [1.0, 2.0]})
    add_table_sheet(wb, "t", frame, currency='US"D')
    wb.save(tmp_path / "h.xlsx")
    back = openpyxl.load_workbook(tmp_path / "h.xlsx")
    assert back["t"]["A2"].value == '=WEBSERVICE("http://x")'
    assert back["t"]["A2"].data_type == "s"
    assert back["t"]["A1"].value == "=name"
    assert back["t"]["B2"].number_format == '#,##0.00 "USD"'
    with zipfile.ZipFile(tmp_path / "h.xlsx") as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >/]", zf.read(name)), name


def test_analysis_folder_writes_a_formatted_workbook(tmp_path: Path) -> None:
    payload = {"instance": "x", "currency": "EUR", "objective": 1234.5, "points": [1, 2]}
    table = pd.DataFrame({"scenario": ["base", "cn-out"], "cost": [1.0, 2.5], "share": [0.1, 1]})
    written = write_result_folder(tmp_path / "out", "risk", payload, {"scenarios": table})
    assert tmp_path / "out" / "risk.xlsx" in written
    wb = openpyxl.load_workbook(tmp_path / "out" / "risk.xlsx")
    assert wb.sheetnames == ["summary", "scenarios"]
    summary = {r[0].value: r[1] for r in wb["summary"].iter_rows(min_row=2)}
    assert summary["objective"].value == 1234.5
    assert summary["objective"].number_format == currency_format("EUR")
    assert "points" not in summary  # only scalar fields
    ws = wb["scenarios"]
    _assert_table_sheet(ws)
    assert ws["B2"].number_format == currency_format("EUR")
    assert ws["C2"].number_format == PERCENT


def test_sweep_out_folder_has_its_workbook(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    proc = run_cli(
        "sweep", GALLIUM, "--rule", "crma-65", "--param", "max_share", "--from", "0.65",
        "--to", "0.55", "--step", "0.1", "--workers", "1", "--out", out,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(out / "sweep.xlsx")
    assert wb.sheetnames == ["summary", "sweep"]
    ws = wb["sweep"]
    _assert_table_sheet(ws)
    assert ws.tables
    doc = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    costs = [v for v in _column(ws, "cost") if v is not None]
    assert costs == pytest.approx([p["cost"] for p in doc["points"] if p["cost"] is not None])


# --- the template --------------------------------------------------------------------------------


def _validations(ws: Any) -> dict[str, str]:
    """Column letter -> the list formula of its drop-down."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[re.sub(r"\d", "", str(rng).split(":")[0])] = dv.formula1
    return out


def _letter(ws: Any, name: str) -> str:
    return str(openpyxl.utils.get_column_letter(_header(ws).index(name) + 1))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "t.xlsx"
    proc = run_cli("template", path)
    assert proc.returncode == 0, proc.stderr
    return path


def test_template_drop_downs(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb["Lists"].sheet_state == "hidden"
    lists = {c.value: k for k, c in enumerate(wb["Lists"][1])}
    codes = {r[lists["country"]]: r[lists["country_name"]] for r in wb["Lists"].iter_rows(
        min_row=2, values_only=True) if r[lists["country"]]}  # fmt: skip
    assert codes["DE"] == "Germany"
    assert len(codes) > 240
    blocs = {r[lists["bloc"]] for r in wb["Lists"].iter_rows(min_row=2, values_only=True)}
    assert {"eu", "concern"} <= blocs
    kinds = {r[lists["kind"]] for r in wb["Lists"].iter_rows(min_row=2, values_only=True)}
    assert {"country_cap", "ban", "hhi_cap"} <= kinds
    sup = wb["suppliers"]
    dv = _validations(sup)
    assert dv[_letter(sup, "item")].startswith("items!$A$2")
    assert dv[_letter(sup, "site")].startswith("sites!$A$2")
    assert dv[_letter(sup, "country")].startswith("Lists!$A$2")
    assert dv[_letter(sup, "owner")].startswith("Lists!$A$2")
    assert dv[_letter(sup, "exit_clause")].startswith("Lists!")
    rules = wb["rules"]
    dv = _validations(rules)
    for col in ("kind", "basis", "bloc"):
        assert dv[_letter(rules, col)].startswith("Lists!"), col
    assert _validations(wb["inputs"])["A"].startswith("items!")
    assert _validations(wb["blocs"])["B"].startswith("Lists!$A$2")
    # Number formats on whole columns, so typed values show formatted.
    assert sup.column_dimensions[_letter(sup, "unit_cost")].number_format == QUANTITY
    assert rules.column_dimensions[_letter(rules, "max_share")].number_format == PERCENT
    for name in ("items", "suppliers", "rules"):
        assert wb[name].freeze_panes == "A2"
        assert wb[name].auto_filter.ref
        assert wb[name].page_setup.orientation == "landscape"


def test_template_readme_is_self_contained(template: Path) -> None:
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames[0] == "README"
    text = " ".join(str(c) for r in wb["README"].iter_rows(values_only=True) for c in r if c)
    assert "docs/" not in text
    assert ".md" not in text
    assert "trustsource validate" in text
    assert "country_cap" in text
    assert "max_share" in text


def test_filled_template_reads_back(template: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(template)
    wb["items"].append(["ga", "t", 100])
    sup = wb["suppliers"]
    row = {"id": "ga-de", "item": "ga", "country": "DE", "unit_cost": 7.5, "exit_clause": True}
    sup.append([row.get(h) for h in _header(sup)])
    rules = wb["rules"]
    rule = {"name": "cap", "kind": "country_cap", "basis": "location", "max_share": 1}
    rules.append([rule.get(h) for h in _header(rules)])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    proc = run_cli("validate", filled)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    inst = trustsource.load(filled)
    assert [s.id for s in inst.suppliers] == ["ga-de"]


def test_example_has_the_helpers_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "ex.xlsx"
    proc = run_cli("template", "--example", path)
    assert proc.returncode == 0, proc.stderr
    assert run_cli("validate", path).returncode == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "README"
    assert "Lists" in wb.sheetnames
    assert _validations(wb["suppliers"])
    for sheet in ("items", "inputs", "sites", "suppliers", "price_tiers", "tariffs", "rules"):
        assert wb[sheet].max_row >= 2, sheet
    cap = wb["rules"].cell(2, _header(wb["rules"]).index("max_share") + 1)
    assert cap.value == 0.65
    assert cap.number_format == PERCENT
    # The library call writes the same form.
    write_example(tmp_path / "lib.xlsx")
    write_template(tmp_path / "empty.xlsx")
    assert "Lists" in openpyxl.load_workbook(tmp_path / "empty.xlsx").sheetnames


def test_converted_workbook_is_formatted_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "g.xlsx"
    proc = run_cli("convert", GALLIUM, path)
    assert proc.returncode == 0, proc.stderr
    wb = openpyxl.load_workbook(path)
    assert "Lists" not in wb.sheetnames  # drop-downs are the template's
    rules = wb["rules"]
    assert rules.cell(2, _header(rules).index("max_share") + 1).number_format == PERCENT
    assert wb["suppliers"].freeze_panes == "A2"
    assert wb["suppliers"].auto_filter.ref
    assert wb["suppliers"].page_setup.orientation == "landscape"
    assert trustsource.load(path).content_hash == trustsource.load(GALLIUM).content_hash


@pytest.mark.parametrize(
    ("command", "sheets"),
    [
        ("explain", ["summary", "rules", "families", "marginal"]),
        ("compare", ["summary", "variants", "items"]),
        ("stress", ["summary", "scenarios", "shortfalls"]),
    ],
)
def test_explain_compare_and_stress_export_a_workbook(
    command: str, sheets: list[str], tmp_path: Path
) -> None:
    out = tmp_path / command
    proc = subprocess.run(
        [sys.executable, "-m", "trustsource", command, str(GALLIUM), "--out", str(out),
         "--format", "json", "--workers", "1"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    wb = openpyxl.load_workbook(out / f"{command}.xlsx")
    assert wb.sheetnames[: len(sheets)] == sheets
    assert json.loads((out / f"{command}.json").read_text(encoding="utf-8")) == doc
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(values_only=True) if r[0]}
    if command == "explain":
        assert summary["cost_of_trust"] == pytest.approx(doc["cost_of_trust"])
    for name in sheets[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.page_setup.orientation == "landscape"
