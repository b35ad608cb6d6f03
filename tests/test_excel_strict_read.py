"""Excel reading is strict: what a workbook shows is what is read, or the cell is refused with a
located message, never misread (issue 10).

Formulas without a saved value, error values, yes/no values where a number belongs, merged cells
and repeated header columns are refused; a stale or missing ``<dimension>`` record and shared
strings (as Excel stores text) read every row unchanged. Bounds, damaged files and writing are in
``test_excel_bounds_write.py``; the workbook-building helpers in ``excel_builders.py``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from excel_builders import (
    GALLIUM,
    cell_xml,
    col,
    edit_sheet,
    gallium_book,
    issues_at,
    issues_of,
    sheet_part,
)
from trustsource import load
from trustsource.errors import InstanceError
from trustsource.instance.excel import document_from_workbook, load_workbook

# --- formulas -------------------------------------------------------------------------------------


def test_formula_without_saved_value_is_refused_not_read_as_blank(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    demand = f"{col('items', 'demand')}2"
    wb["items"][demand] = "=1000*15"  # openpyxl writes the formula with no computed value
    wb.save(path)
    issues = issues_of(path)
    [issue] = issues_at(issues, f"book.xlsx: items!{demand}")
    assert issue.field == "demand"
    assert "'=1000*15' has no saved value" in issue.message
    assert "open the workbook in Excel" in issue.message
    assert "type the value" in issue.message
    # One message for the cell: the validator's "is required"/default is not piled on top.
    assert [i for i in issues if i.field == "demand"] == [issue]
    assert len(issues) == 1


def test_formula_element_without_value_element_is_refused(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    capacity = f"{col('suppliers', 'capacity')}3"
    edit_sheet(path, "suppliers", cell_xml(capacity, "<f>SUM(Z1:Z9)</f>"))
    [issue] = issues_at(issues_of(path), f"book.xlsx: suppliers!{capacity}")
    assert issue.field == "capacity"
    assert "'=SUM(Z1:Z9)' has no saved value" in issue.message


def test_formula_with_saved_value_reads_the_saved_value(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    capacity = f"{col('suppliers', 'capacity')}2"
    country = f"{col('suppliers', 'country')}3"
    edit_sheet(path, "suppliers", cell_xml(capacity, "<f>1000*123</f><v>123000</v>"))
    edit_sheet(path, "suppliers", cell_xml(country, '<f>"R"&amp;"U"</f><v>RU</v>', ' t="str"'))
    inst = load_workbook(path)
    by_id = {s.id: s for s in inst.suppliers}
    assert by_id["ga-cn-1"].capacity == 123000
    assert by_id["ga-ru-1"].country == "RU"
    # Pin the hazard: read as formulas, the cell holds no number at all.
    ws = openpyxl.load_workbook(path)["suppliers"]
    assert ws[capacity].data_type == "f"


def test_formula_with_saved_empty_text_is_an_empty_cell(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    owner = f"{col('suppliers', 'owner')}2"
    edit_sheet(path, "suppliers", cell_xml(owner, '<f>IF(1,"","x")</f><v></v>', ' t="str"'))
    doc, _, issues = document_from_workbook(path)
    assert issues == []
    assert doc["suppliers"][0]["id"] == "ga-cn-1"
    assert "owner" not in doc["suppliers"][0]  # blank, as Excel shows it
    assert doc["suppliers"][0]["country"] == "CN"


# --- error values, booleans, merged cells ---------------------------------------------------------


@pytest.mark.parametrize("error", ["#REF!", "#DIV/0!", "#N/A"])
def test_error_values_are_refused_with_the_cell(tmp_path: Path, error: str) -> None:
    path = gallium_book(tmp_path)
    cost = f"{col('suppliers', 'unit_cost')}4"
    edit_sheet(path, "suppliers", cell_xml(cost, f"<f>A1/0</f><v>{error}</v>", ' t="e"'))
    issues = issues_of(path)
    [issue] = issues_at(issues, f"book.xlsx: suppliers!{cost}")
    assert issue.field == "unit_cost"
    assert f"error value '{error}'" in issue.message
    assert "fix the formula or type the value" in issue.message
    assert len(issues) == 1


def test_error_value_in_a_text_column_is_not_read_as_text(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["items"]["B2"] = "#N/A"  # openpyxl stores this text as an error value
    wb.save(path)
    [issue] = issues_at(issues_of(path), "book.xlsx: items!B2")
    assert issue.field == "unit"
    assert "'#N/A'" in issue.message


def test_boolean_where_a_number_belongs_is_refused(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    capacity = f"{col('suppliers', 'capacity')}3"
    wb["suppliers"][capacity] = True
    wb["price_tiers"]["D2"] = False  # price
    wb.save(path)
    issues = issues_of(path)
    [cap] = issues_at(issues, f"book.xlsx: suppliers!{capacity}")
    assert cap.field == "capacity"
    assert "is TRUE, a yes/no value, where capacity needs a number" in cap.message
    [price] = issues_at(issues, "book.xlsx: price_tiers!D2")
    assert price.field == "price"
    assert "FALSE" in price.message
    assert len(issues) == 2, [str(i) for i in issues]


def test_yes_no_columns_still_take_booleans(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["suppliers"][f"{col('suppliers', 'exit_clause')}2"] = False
    wb.save(path)
    inst = load_workbook(path)
    assert next(s for s in inst.suppliers if s.id == "ga-cn-1").exit_clause is False


def test_merged_cells_in_a_data_sheet_are_refused(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    item = col("suppliers", "item")
    wb["suppliers"].merge_cells(f"{item}2:{item}4")  # the item column, merged down three rows
    wb.save(path)
    issues = issues_of(path)
    [issue] = issues_at(issues, f"book.xlsx: suppliers!{item}2:{item}4")
    assert "merged cells" in issue.message
    assert "unmerge" in issue.message
    assert issues == [issue]  # rows 3-4 are not blamed again for a missing item


def test_value_hidden_under_a_merged_cell_is_not_read(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    capacity = col("suppliers", "capacity")
    # Excel shows only the first cell of a range; a value left in another cell is invisible.
    edit_sheet(
        path,
        "suppliers",
        lambda xml: xml.replace(
            "</sheetData>",
            f'</sheetData><mergeCells count="1"><mergeCell ref="{capacity}2:'
            f'{capacity}3"/></mergeCells>',
        ),
    )
    issues = issues_of(path)
    assert [i.location for i in issues] == [f"book.xlsx: suppliers!{capacity}2:{capacity}3"]


def test_many_merged_ranges_are_summed_up(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    for row in range(30, 90, 2):
        wb["suppliers"].merge_cells(f"M{row}:N{row}")
    wb.save(path)
    issues = [i for i in issues_of(path) if i.location.startswith("book.xlsx: suppliers")]
    assert len(issues) == 21
    assert issues[-1].message.startswith("10 more merged ranges")


# --- the sheet's extent ---------------------------------------------------------------------------


def test_stale_dimension_record_does_not_truncate_the_sheet(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    edit_sheet(
        path,
        "suppliers",
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:B2"/>', xml),
    )
    # Pin the hazard: openpyxl's read-only mode believes the record and stops at row 2.
    ro = openpyxl.load_workbook(path, read_only=True)
    assert len(list(ro["suppliers"].iter_rows(values_only=True))) == 2
    ro.close()
    inst = load_workbook(path)
    assert len(inst.suppliers) == len(load(GALLIUM).suppliers) == 10
    assert inst.content_hash == load(GALLIUM).content_hash


def _shared_strings(path: Path) -> int:
    """Rewrite the workbook's text cells as Excel stores them: indexes into sharedStrings.xml
    (openpyxl writes inline strings). Returns the number of text cells moved."""
    with zipfile.ZipFile(path) as z:
        entries = {info.filename: z.read(info.filename) for info in z.infolist()}
    table: list[str] = []

    def shared(m: re.Match[str]) -> str:
        table.append(m.group(3))
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"><v>{len(table) - 1}</v></c>'

    inline = r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>'
    for name in [n for n in entries if n.startswith("xl/worksheets/")]:
        xml = re.sub(inline, shared, entries[name].decode("utf-8"), flags=re.S)
        entries[name] = xml.encode("utf-8")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in table)
    sst = f'<sst xmlns="{ns}" count="{len(table)}" uniqueCount="{len(table)}">{items}</sst>'
    entries["xl/sharedStrings.xml"] = sst.encode("utf-8")
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/>'
    types = entries["[Content_Types].xml"].decode()
    entries["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode()
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    link = f'<Relationship Id="rIdSST" Type="{rel}" Target="sharedStrings.xml"/>'
    rels = entries["xl/_rels/workbook.xml.rels"].decode()
    entries["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", link + "</Relationships>"
    ).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return len(table)


def test_shared_strings_as_excel_writes_them_with_a_stale_dimension(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    assert _shared_strings(path) > 100
    edit_sheet(
        path,
        "suppliers",
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:A1"/>', xml),
    )
    with zipfile.ZipFile(path) as z:
        assert b"inlineStr" not in z.read(sheet_part(path, "suppliers"))
    assert load_workbook(path).content_hash == load(GALLIUM).content_hash


def test_missing_dimension_record_reads_every_row(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    edit_sheet(path, "suppliers", lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', "", xml))
    assert load_workbook(path).content_hash == load(GALLIUM).content_hash


# --- the header and every problem at once ---------------------------------------------------------


def test_repeated_header_column_is_refused(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["suppliers"]
    ws["M1"] = "capacity"
    ws["M2"] = 1  # would silently win over (or lose to) the real capacity column
    wb.save(path)
    issues = issues_of(path)
    [issue] = issues_at(issues, "book.xlsx: suppliers!M1")
    assert "column 'capacity' appears twice in the header" in issue.message
    assert f"also {col('suppliers', 'capacity')}1" in issue.message


def test_every_problem_of_a_workbook_in_one_run(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["items"][f"{col('items', 'demand')}2"] = "=2*3"
    wb["suppliers"][f"{col('suppliers', 'capacity')}2"] = True
    wb["suppliers"][f"{col('suppliers', 'unit_cost')}3"] = -4  # a validation error
    wb["suppliers"].merge_cells("A9:B9")
    wb.save(path)
    text = str(pytest.raises(InstanceError, load_workbook, path).value)
    assert "items!C2 [demand]" in text
    assert f"suppliers!{col('suppliers', 'capacity')}2 [capacity]" in text
    assert "suppliers!row 3 (ga-ru-1) [unit_cost]" in text
    assert "suppliers!A9:B9" in text


def test_a_long_path_is_cut_in_the_middle_and_keeps_the_file_name(tmp_path: Path) -> None:
    """A workbook deep in a folder tree: the location is cut to the shown length in the middle,
    so the file name stays in the message (under pytest-xdist the temporary folders are long
    enough that a cut at the end used to drop it)."""
    deep = tmp_path.joinpath(*(["a-rather-long-folder-name"] * 5))
    deep.mkdir(parents=True)
    path = deep / "instance.xlsx"
    path.write_bytes(b"id,demand\na,1\n")  # a CSV renamed .xlsx
    with pytest.raises(InstanceError) as err:
        load(path)
    (issue,) = err.value.issues
    assert len(issue.location) <= 80
    assert issue.location.endswith("instance.xlsx")
    assert "..." in issue.location
