"""Excel input within bounds and output written safely (issue 10).

Reading: a row limit, a cell size limit and quoted values cut short; a file that is no workbook,
a legacy .xls, an oversized file, a zip bomb (declared or real), a lying zip header and entity
expansion in sheet XML are refused quickly with a clear message. Writing: text that looks like a
formula stays text and round-trips, text a cell cannot hold is refused, large instances write in
linear time. Strict reading of cells is in ``test_excel_strict_read.py``; the workbook-building
helpers in ``excel_builders.py``.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from excel_builders import col, edit_sheet, gallium_book, issues_at, issues_of, sheet_part
from trustsource import load
from trustsource.errors import InstanceError
from trustsource.instance.convert import convert
from trustsource.instance.excel import load_workbook, write_workbook
from trustsource.instance.readers import xlsx_read
from trustsource.limits import MAX_CELL_CHARS, MAX_XLSX_BYTES, SHOWN_CHARS

# --- the rows a sheet may hold --------------------------------------------------------------------


def test_rows_past_the_row_limit_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsx_read, "MAX_ROWS", 4)
    path = gallium_book(tmp_path)
    issues = issues_of(path)
    [issue] = issues_at(issues, "book.xlsx: suppliers!row 6")
    assert "more than 4 rows under the header" in issue.message
    assert "at most 4 are read per sheet" in issue.message


# --- cell sizes and quoted values -----------------------------------------------------------------


def test_overlong_cell_is_refused_without_quoting_it(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    description = f"{col('items', 'description')}2"
    wb["items"][description] = "x" * (MAX_CELL_CHARS + 1)
    wb.save(path)
    issues = issues_of(path)
    [issue] = issues_at(issues, f"book.xlsx: items!{description}")
    assert issue.field == "description"
    assert f"holds {MAX_CELL_CHARS + 1:,} characters" in issue.message
    assert "x" * 20 not in issue.message
    assert len(issues) == 1


def test_messages_quote_at_most_a_short_cut_of_a_value(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    wb = openpyxl.load_workbook(path)
    long = "y" * 5000
    wb["suppliers"]["Q2"] = long  # a column without a header
    wb["metadata"].append([long, "v"])  # an unknown metadata key
    wb["blocs"].append(["allies", "DE"])
    wb["tariffs"].append(["CN", 0.1])  # given twice
    wb["price_tiers"].append(["z" * 3000, "incremental", 0, 1])  # unknown supplier
    wb.save(path)
    issues = issues_of(path)
    assert len(issues) >= 4
    for issue in issues:
        assert "y" * (SHOWN_CHARS + 1) not in str(issue)
        assert "z" * (SHOWN_CHARS + 1) not in str(issue)
        assert len(str(issue)) < 400, str(issue)
    assert issues_at(issues, "book.xlsx: suppliers!Q2")[0].message.startswith("value 'yyy")


# --- the file itself ------------------------------------------------------------------------------


def test_not_a_zip_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_text("id,unit,demand\ngallium,kg,1\n")
    [issue] = issues_of(path)
    assert "is not an Excel workbook" in issue.message
    assert "renamed .xlsx" in issue.message
    path.write_bytes(b"")
    assert "is not an Excel workbook" in issues_of(path)[0].message


def test_legacy_xls_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    [issue] = issues_of(path)
    assert "Excel 97-2003" in issue.message
    assert "save it as 'Excel Workbook (.xlsx)'" in issue.message


def test_zip_that_is_not_a_workbook_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    [issue] = issues_of(path)
    assert issue.message.startswith("cannot read the workbook (")
    assert "save it again as .xlsx" in issue.message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert issues_of(tmp_path / "nope.xlsx")[0].message == "file not found"
    (tmp_path / "dir.xlsx").mkdir()
    assert "is a folder" in issues_of(tmp_path / "dir.xlsx")[0].message


def test_workbook_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    with open(path, "wb") as fh:
        fh.truncate(MAX_XLSX_BYTES + 1)  # sparse: no need to write 32 MiB
    start = time.perf_counter()
    [issue] = issues_of(path)
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
    path = gallium_book(tmp_path)
    part = sheet_part(path, "suppliers")
    path.write_bytes(_declare_size(path.read_bytes(), part, 0xFFFFFFF0))  # 4 GiB declared

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    start = time.perf_counter()
    [issue] = issues_of(path)
    assert time.perf_counter() - start < 1
    assert re.search(r"unpacks to 4,29\d,\d{3},\d{3} bytes", issue.message)
    assert "zip bomb" in issue.message


def test_real_zip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_read, "MAX_XLSX_UNPACKED_BYTES", 4 * 1024 * 1024)
    path = gallium_book(tmp_path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/zeros.bin", bytes(8 * 1024 * 1024))  # 8 MiB packs to ~8 KiB
    assert path.stat().st_size < 200_000
    [issue] = issues_of(path)
    assert "unpacks to 8," in issue.message


def test_entry_larger_than_declared_is_not_read_past_its_declaration(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    part = sheet_part(path, "suppliers")
    with zipfile.ZipFile(path) as z:
        real = z.getinfo(part).file_size
    path.write_bytes(_declare_size(path.read_bytes(), part, real // 3))  # understated
    [issue] = issues_of(path)
    assert f"Bad CRC-32 for file '{part}'" in issue.message
    assert "open it in Excel and save it again" in issue.message


def test_entity_expansion_in_sheet_xml_is_refused(tmp_path: Path) -> None:
    path = gallium_book(tmp_path)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(8))
        + "]>"
    )
    edit_sheet(
        path, "suppliers", lambda xml: laughs + xml.replace("<t>ga-cn-1</t>", "<t>&i;</t>", 1)
    )
    start = time.perf_counter()
    issues = issues_of(path)
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
    assert issue.location == f"items!{col('items', 'description')}2 (gallium)"
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
    path = gallium_book(tmp_path)
    wb = xlsx_read.open_workbook(path)
    path.write_bytes(b"garbage")
    try:
        assert "suppliers" in wb.sheetnames
        rows = list(xlsx_read.SheetScan(wb, wb["suppliers"]).rows())
    finally:
        wb.close()
    assert len(rows) == 11
    assert rows[1][1][1] == "ga-cn-1"
