"""Hostile and broken Excel workbooks are refused with located messages, never misread (issue 10).

Workbooks are built with openpyxl; where openpyxl cannot produce a case (a formula with a saved
value, a stale ``<dimension>`` record, a lying zip header) the sheet XML inside the zip is
edited directly.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import openpyxl
import pytest
import yaml
from openpyxl.utils import get_column_letter
from trustsource import load
from trustsource.errors import InstanceError, Issue
from trustsource.io import xlsx_read
from trustsource.io.convert import convert
from trustsource.io.excel import COLUMNS, document_from_workbook, load_workbook, write_workbook
from trustsource.limits import MAX_CELL_CHARS, MAX_XLSX_BYTES, SHOWN_CHARS

GALLIUM = Path(str(files("trustsource.instances") / "gallium-demo.yaml"))


def _col(sheet: str, column: str) -> str:
    """The column letter of ``column`` in a workbook written by trustsource."""
    return get_column_letter(COLUMNS[sheet].index(column) + 1)


def _book(tmp_path: Path, name: str = "book.xlsx") -> Path:
    return write_workbook(load(GALLIUM), tmp_path / name)


def _issues(path: Path) -> list[Issue]:
    with pytest.raises(InstanceError) as err:
        load_workbook(path)
    return err.value.issues


def _at(issues: list[Issue], location: str) -> list[Issue]:
    return [i for i in issues if i.location == location]


def _sheet_part(path: Path, sheet: str) -> str:
    """The zip entry of worksheet ``sheet`` (via workbook.xml and its relationships)."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    element = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*>', book)
    assert element is not None
    rid = re.search(r'r:id="([^"]+)"', element.group(0))
    assert rid is not None
    rel = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*>', rels)
    assert rel is not None
    target = re.search(r'Target="([^"]+)"', rel.group(0))
    assert target is not None
    return (
        target.group(1).lstrip("/")
        if target.group(1).startswith("/")
        else ("xl/" + target.group(1))
    )


def _edit(path: Path, sheet: str, edit: Callable[[str], str]) -> None:
    """Rewrite the XML of worksheet ``sheet`` inside the workbook's zip."""
    part = _sheet_part(path, sheet)
    with zipfile.ZipFile(path) as z:
        entries = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == part:
                new = edit(data.decode("utf-8"))
                assert new != data.decode("utf-8"), "the edit changed nothing"
                data = new.encode("utf-8")
            z.writestr(name, data)


def _cell_xml(coord: str, inner: str, attrs: str = "") -> Callable[[str], str]:
    """An edit replacing the XML of cell ``coord`` by ``<c r=coord attrs>inner</c>``."""

    def edit(xml: str) -> str:
        return re.sub(
            rf'<c r="{coord}"[^>]*?(/>|>.*?</c>)',
            f'<c r="{coord}"{attrs}>{inner}</c>',
            xml,
            count=1,
        )

    return edit


# --- formulas -------------------------------------------------------------------------------------


def test_formula_without_saved_value_is_refused_not_read_as_blank(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    demand = f"{_col('items', 'demand')}2"
    wb["items"][demand] = "=1000*15"  # openpyxl writes the formula with no computed value
    wb.save(path)
    issues = _issues(path)
    [issue] = _at(issues, f"book.xlsx: items!{demand}")
    assert issue.field == "demand"
    assert "'=1000*15' has no saved value" in issue.message
    assert "open the workbook in Excel" in issue.message
    assert "type the value" in issue.message
    # One message for the cell: the validator's "is required"/default is not piled on top.
    assert [i for i in issues if i.field == "demand"] == [issue]
    assert len(issues) == 1


def test_formula_element_without_value_element_is_refused(tmp_path: Path) -> None:
    path = _book(tmp_path)
    capacity = f"{_col('suppliers', 'capacity')}3"
    _edit(path, "suppliers", _cell_xml(capacity, "<f>SUM(Z1:Z9)</f>"))
    [issue] = _at(_issues(path), f"book.xlsx: suppliers!{capacity}")
    assert issue.field == "capacity"
    assert "'=SUM(Z1:Z9)' has no saved value" in issue.message


def test_formula_with_saved_value_reads_the_saved_value(tmp_path: Path) -> None:
    path = _book(tmp_path)
    capacity = f"{_col('suppliers', 'capacity')}2"
    country = f"{_col('suppliers', 'country')}3"
    _edit(path, "suppliers", _cell_xml(capacity, "<f>1000*123</f><v>123000</v>"))
    _edit(path, "suppliers", _cell_xml(country, '<f>"R"&amp;"U"</f><v>RU</v>', ' t="str"'))
    inst = load_workbook(path)
    by_id = {s.id: s for s in inst.suppliers}
    assert by_id["ga-cn-1"].capacity == 123000
    assert by_id["ga-ru-1"].country == "RU"
    # Pin the hazard: read as formulas, the cell holds no number at all.
    ws = openpyxl.load_workbook(path)["suppliers"]
    assert ws[capacity].data_type == "f"


def test_formula_with_saved_empty_text_is_an_empty_cell(tmp_path: Path) -> None:
    path = _book(tmp_path)
    owner = f"{_col('suppliers', 'owner')}2"
    _edit(path, "suppliers", _cell_xml(owner, '<f>IF(1,"","x")</f><v></v>', ' t="str"'))
    doc, _, issues = document_from_workbook(path)
    assert issues == []
    assert doc["suppliers"][0]["id"] == "ga-cn-1"
    assert "owner" not in doc["suppliers"][0]  # blank, as Excel shows it
    assert doc["suppliers"][0]["country"] == "CN"


# --- error values, booleans, merged cells ---------------------------------------------------------


@pytest.mark.parametrize("error", ["#REF!", "#DIV/0!", "#N/A"])
def test_error_values_are_refused_with_the_cell(tmp_path: Path, error: str) -> None:
    path = _book(tmp_path)
    cost = f"{_col('suppliers', 'unit_cost')}4"
    _edit(path, "suppliers", _cell_xml(cost, f"<f>A1/0</f><v>{error}</v>", ' t="e"'))
    issues = _issues(path)
    [issue] = _at(issues, f"book.xlsx: suppliers!{cost}")
    assert issue.field == "unit_cost"
    assert f"error value '{error}'" in issue.message
    assert "fix the formula or type the value" in issue.message
    assert len(issues) == 1


def test_error_value_in_a_text_column_is_not_read_as_text(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["items"]["B2"] = "#N/A"  # openpyxl stores this text as an error value
    wb.save(path)
    [issue] = _at(_issues(path), "book.xlsx: items!B2")
    assert issue.field == "unit"
    assert "'#N/A'" in issue.message


def test_boolean_where_a_number_belongs_is_refused(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    capacity = f"{_col('suppliers', 'capacity')}3"
    wb["suppliers"][capacity] = True
    wb["price_tiers"]["D2"] = False  # price
    wb.save(path)
    issues = _issues(path)
    [cap] = _at(issues, f"book.xlsx: suppliers!{capacity}")
    assert cap.field == "capacity"
    assert "is TRUE, a yes/no value, where capacity needs a number" in cap.message
    [price] = _at(issues, "book.xlsx: price_tiers!D2")
    assert price.field == "price"
    assert "FALSE" in price.message
    assert len(issues) == 2, [str(i) for i in issues]


def test_yes_no_columns_still_take_booleans(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["suppliers"][f"{_col('suppliers', 'exit_clause')}2"] = False
    wb.save(path)
    inst = load_workbook(path)
    assert next(s for s in inst.suppliers if s.id == "ga-cn-1").exit_clause is False


def test_merged_cells_in_a_data_sheet_are_refused(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    item = _col("suppliers", "item")
    wb["suppliers"].merge_cells(f"{item}2:{item}4")  # the item column, merged down three rows
    wb.save(path)
    issues = _issues(path)
    [issue] = _at(issues, f"book.xlsx: suppliers!{item}2:{item}4")
    assert "merged cells" in issue.message
    assert "unmerge" in issue.message
    assert issues == [issue]  # rows 3-4 are not blamed again for a missing item


def test_value_hidden_under_a_merged_cell_is_not_read(tmp_path: Path) -> None:
    path = _book(tmp_path)
    capacity = _col("suppliers", "capacity")
    # Excel shows only the first cell of a range; a value left in another cell is invisible.
    _edit(
        path,
        "suppliers",
        lambda xml: xml.replace(
            "</sheetData>",
            f'</sheetData><mergeCells count="1"><mergeCell ref="{capacity}2:'
            f'{capacity}3"/></mergeCells>',
        ),
    )
    issues = _issues(path)
    assert [i.location for i in issues] == [f"book.xlsx: suppliers!{capacity}2:{capacity}3"]


def test_many_merged_ranges_are_summed_up(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    for row in range(30, 90, 2):
        wb["suppliers"].merge_cells(f"M{row}:N{row}")
    wb.save(path)
    issues = [i for i in _issues(path) if i.location.startswith("book.xlsx: suppliers")]
    assert len(issues) == 21
    assert issues[-1].message.startswith("10 more merged ranges")


# --- the sheet's extent ---------------------------------------------------------------------------


def test_stale_dimension_record_does_not_truncate_the_sheet(tmp_path: Path) -> None:
    path = _book(tmp_path)
    _edit(
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
    path = _book(tmp_path)
    assert _shared_strings(path) > 100
    _edit(
        path,
        "suppliers",
        lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:A1"/>', xml),
    )
    with zipfile.ZipFile(path) as z:
        assert b"inlineStr" not in z.read(_sheet_part(path, "suppliers"))
    assert load_workbook(path).content_hash == load(GALLIUM).content_hash


def test_missing_dimension_record_reads_every_row(tmp_path: Path) -> None:
    path = _book(tmp_path)
    _edit(path, "suppliers", lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', "", xml))
    assert load_workbook(path).content_hash == load(GALLIUM).content_hash


def test_rows_past_the_row_limit_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsx_read, "MAX_ROWS", 4)
    path = _book(tmp_path)
    issues = _issues(path)
    [issue] = _at(issues, "book.xlsx: suppliers!row 6")
    assert "more than 4 rows under the header" in issue.message
    assert "at most 4 are read per sheet" in issue.message


# --- cell sizes and quoted values -----------------------------------------------------------------


def test_overlong_cell_is_refused_without_quoting_it(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    description = f"{_col('items', 'description')}2"
    wb["items"][description] = "x" * (MAX_CELL_CHARS + 1)
    wb.save(path)
    issues = _issues(path)
    [issue] = _at(issues, f"book.xlsx: items!{description}")
    assert issue.field == "description"
    assert f"holds {MAX_CELL_CHARS + 1:,} characters" in issue.message
    assert "x" * 20 not in issue.message
    assert len(issues) == 1


def test_messages_quote_at_most_a_short_cut_of_a_value(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    long = "y" * 5000
    wb["suppliers"]["Q2"] = long  # a column without a header
    wb["metadata"].append([long, "v"])  # an unknown metadata key
    wb["blocs"].append(["allies", "DE"])
    wb["tariffs"].append(["CN", 0.1])  # given twice
    wb["price_tiers"].append(["z" * 3000, "incremental", 0, 1])  # unknown supplier
    wb.save(path)
    issues = _issues(path)
    assert len(issues) >= 4
    for issue in issues:
        assert "y" * (SHOWN_CHARS + 1) not in str(issue)
        assert "z" * (SHOWN_CHARS + 1) not in str(issue)
        assert len(str(issue)) < 400, str(issue)
    assert _at(issues, "book.xlsx: suppliers!Q2")[0].message.startswith("value 'yyy")


def test_repeated_header_column_is_refused(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["suppliers"]
    ws["M1"] = "capacity"
    ws["M2"] = 1  # would silently win over (or lose to) the real capacity column
    wb.save(path)
    issues = _issues(path)
    [issue] = _at(issues, "book.xlsx: suppliers!M1")
    assert "column 'capacity' appears twice in the header" in issue.message
    assert f"also {_col('suppliers', 'capacity')}1" in issue.message


def test_every_problem_of_a_workbook_in_one_run(tmp_path: Path) -> None:
    path = _book(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb["items"][f"{_col('items', 'demand')}2"] = "=2*3"
    wb["suppliers"][f"{_col('suppliers', 'capacity')}2"] = True
    wb["suppliers"][f"{_col('suppliers', 'unit_cost')}3"] = -4  # a validation error
    wb["suppliers"].merge_cells("A9:B9")
    wb.save(path)
    text = str(pytest.raises(InstanceError, load_workbook, path).value)
    assert "items!C2 [demand]" in text
    assert f"suppliers!{_col('suppliers', 'capacity')}2 [capacity]" in text
    assert "suppliers!row 3 (ga-ru-1) [unit_cost]" in text
    assert "suppliers!A9:B9" in text


# --- the file itself ------------------------------------------------------------------------------


def test_not_a_zip_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_text("id,unit,demand\ngallium,kg,1\n")
    [issue] = _issues(path)
    assert "is not an Excel workbook" in issue.message
    assert "renamed .xlsx" in issue.message
    path.write_bytes(b"")
    assert "is not an Excel workbook" in _issues(path)[0].message


def test_legacy_xls_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    [issue] = _issues(path)
    assert "Excel 97-2003" in issue.message
    assert "save it as 'Excel Workbook (.xlsx)'" in issue.message


def test_zip_that_is_not_a_workbook_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    [issue] = _issues(path)
    assert issue.message.startswith("cannot read the workbook (")
    assert "save it again as .xlsx" in issue.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert _issues(tmp_path / "nope.xlsx")[0].message == "file not found"
    (tmp_path / "dir.xlsx").mkdir()
    assert "is a folder" in _issues(tmp_path / "dir.xlsx")[0].message


def test_workbook_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    with open(path, "wb") as fh:
        fh.truncate(MAX_XLSX_BYTES + 1)  # sparse: no need to write 32 MiB
    start = time.perf_counter()
    [issue] = _issues(path)
    assert time.perf_counter() - start < 1
    assert "larger than 32 MiB" in issue.message


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip ``data`` with the uncompressed size of entry ``name`` declared as ``size``
    (in its local header and in the central directory)."""
    out = bytearray(data)
    encoded = name.encode()
    for sig, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        pos = out.find(sig)
        while pos != -1:
            (length,) = struct.unpack_from("<H", out, pos + name_len_at)
            if bytes(out[pos + name_at : pos + name_at + length]) == encoded:
                struct.pack_into("<I", out, pos + size_at, size)
            pos = out.find(sig, pos + 4)
    return bytes(out)


def test_zip_bomb_is_refused_from_declared_sizes_without_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _book(tmp_path)
    part = _sheet_part(path, "suppliers")
    path.write_bytes(_declare_size(path.read_bytes(), part, 0xFFFFFFF0))  # 4 GiB declared

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    start = time.perf_counter()
    [issue] = _issues(path)
    assert time.perf_counter() - start < 1
    assert re.search(r"unpacks to 4,29\d,\d{3},\d{3} bytes", issue.message)
    assert "zip bomb" in issue.message


def test_real_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_read, "MAX_XLSX_UNPACKED_BYTES", 4 * 1024 * 1024)
    path = _book(tmp_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/zeros.bin", bytes(8 * 1024 * 1024))  # 8 MiB packs to ~8 KiB
    assert path.stat().st_size < 200_000
    [issue] = _issues(path)
    assert "unpacks to 8," in issue.message


def test_entry_larger_than_declared_is_not_read_past_its_declaration(tmp_path: Path) -> None:
    path = _book(tmp_path)
    part = _sheet_part(path, "suppliers")
    with zipfile.ZipFile(path) as z:
        real = z.getinfo(part).file_size
    path.write_bytes(_declare_size(path.read_bytes(), part, real // 3))  # understated
    [issue] = _issues(path)
    assert f"Bad CRC-32 for file '{part}'" in issue.message
    assert "open it in Excel and save it again" in issue.message


def test_entity_expansion_in_sheet_xml_is_refused(tmp_path: Path) -> None:
    path = _book(tmp_path)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(8))
        + "]>"
    )
    _edit(path, "suppliers", lambda xml: laughs + xml.replace("<t>ga-cn-1</t>", "<t>&i;</t>", 1))
    start = time.perf_counter()
    issues = _issues(path)
    assert time.perf_counter() - start < 5
    assert any("cannot read" in i.message for i in issues), [str(i) for i in issues]


# --- writing --------------------------------------------------------------------------------------

HOSTILE_TEXTS = {
    "name": '=WEBSERVICE("http://x")',
    "description": "=1+1",
    "unit": '=HYPERLINK("http://x","y")',
    "item_description": "#N/A",
    "source": "@SUM(A1:A2)",
    "site_owner_note": "+cmd|' /C calc'!A0",
    "minus": "-2+3",
}


def _hostile_yaml(tmp_path: Path) -> Path:
    doc = {
        "trustsource": 1,
        "name": HOSTILE_TEXTS["name"],
        "currency": "USD",
        "description": HOSTILE_TEXTS["description"],
        "sources": [HOSTILE_TEXTS["source"], HOSTILE_TEXTS["site_owner_note"]],
        "items": [
            {
                "id": "gallium",
                "unit": HOSTILE_TEXTS["unit"],
                "demand": 10,
                "description": HOSTILE_TEXTS["item_description"],
                "source": HOSTILE_TEXTS["minus"],
            },
        ],
        "suppliers": [
            {
                "id": "ga-de",
                "item": "gallium",
                "country": "DE",
                "unit_cost": 7.5,
                "capacity": 50,
                "description": HOSTILE_TEXTS["source"],
            },
        ],
    }
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return path


def test_text_is_written_as_text_and_round_trips(tmp_path: Path) -> None:
    src = _hostile_yaml(tmp_path)
    original = load(src)
    book = tmp_path / "hostile.xlsx"
    convert(src, book)
    with zipfile.ZipFile(book) as z:
        xml = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml  # no formula anywhere
    assert "<f " not in xml
    assert 't="e"' not in xml  # no error value either
    wb = openpyxl.load_workbook(book)  # formulas as formulas: there must be none
    texts = [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert {c.data_type for c in texts} == {"s"}
    assert set(HOSTILE_TEXTS.values()) <= {c.value for c in texts}
    numbers = [c.value for c in wb["suppliers"][2] if isinstance(c.value, (int, float))]
    assert 7.5 in numbers  # numbers stay numbers
    assert 50 in numbers
    back = tmp_path / "back.yaml"
    convert(book, back)
    assert load(back).content_hash == original.content_hash
    reread = yaml.safe_load(back.read_text())
    assert reread["name"] == HOSTILE_TEXTS["name"]
    assert reread["items"][0]["unit"] == HOSTILE_TEXTS["unit"]
    assert reread["items"][0]["description"] == HOSTILE_TEXTS["item_description"]


def test_cli_convert_round_trip_keeps_formula_like_text(tmp_path: Path) -> None:
    src = _hostile_yaml(tmp_path)
    script = Path(sys.executable).parent / "trustsource"
    book, back = tmp_path / "h.xlsx", tmp_path / "h.json"
    for a, b in ((src, book), (book, back)):
        proc = subprocess.run(
            [str(script), "convert", str(a), str(b)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    assert json.loads(back.read_text())["name"] == HOSTILE_TEXTS["name"]
    assert load(back).content_hash == load(src).content_hash


def test_text_a_cell_cannot_hold_is_refused_not_altered(tmp_path: Path) -> None:
    src = _hostile_yaml(tmp_path)
    text = src.read_text().replace("description: '#N/A'", 'description: "bell \\a here"')
    src.write_text(text)
    inst = load(src)
    with pytest.raises(InstanceError) as err:
        write_workbook(inst, tmp_path / "x.xlsx")
    [issue] = err.value.issues
    assert issue.location == f"items!{_col('items', 'description')}2 (gallium)"
    assert issue.field == "description"
    assert "control character U+0007" in issue.message
    assert not (tmp_path / "x.xlsx").exists()
    out = tmp_path / "y.xlsx"
    with pytest.raises(InstanceError):
        convert(src, out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx"] == []


def test_writing_a_large_instance_is_linear(tmp_path: Path) -> None:
    """``ws.append`` plus a look-up of the new row was quadratic: 10 000 rows took minutes."""
    doc = {
        "trustsource": 1,
        "name": "big",
        "currency": "USD",
        "items": [{"id": "x", "unit": "kg", "demand": 1}],
        "suppliers": [
            {"id": f"s{k}", "item": "x", "country": "DE", "unit_cost": 1 + k % 7, "capacity": 10}
            for k in range(6000)
        ],
    }
    src = tmp_path / "big.json"
    src.write_text(json.dumps(doc))
    inst = load(src)
    start = time.process_time()
    write_workbook(inst, tmp_path / "big.xlsx")
    assert time.process_time() - start < 20
    assert load_workbook(tmp_path / "big.xlsx").content_hash == inst.content_hash


def test_read_workbook_from_bytes_is_not_needed_on_disk(tmp_path: Path) -> None:
    """The workbook is read once, bounded, into memory: replacing the file mid-read is harmless."""
    path = _book(tmp_path)
    wb = xlsx_read.open_workbook(path)
    path.write_bytes(b"garbage")
    try:
        assert "suppliers" in wb.sheetnames
        rows = list(xlsx_read.SheetScan(wb, wb["suppliers"]).rows())
    finally:
        wb.close()
    assert len(rows) == 11
    assert rows[1][1][1] == "ga-cn-1"
