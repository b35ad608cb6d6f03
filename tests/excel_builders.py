"""Workbook-building helpers shared by the Excel tests (issue 10).

Workbooks are written by trustsource from the bundled gallium demo, then edited with openpyxl or,
where openpyxl cannot produce a case (a formula with a saved value, a stale ``<dimension>``
record), by rewriting a worksheet's XML inside the zip. Used by ``test_excel_strict_read.py`` and
``test_excel_bounds_write.py``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter
from trustsource import load
from trustsource.errors import InstanceError, Issue
from trustsource.instance.excel import COLUMNS, load_workbook, write_workbook

GALLIUM = Path(str(files("trustsource.instances") / "gallium-demo.yaml"))


def col(sheet: str, column: str) -> str:
    """The column letter of ``column`` in a workbook written by trustsource."""
    return get_column_letter(COLUMNS[sheet].index(column) + 1)


def gallium_book(tmp_path: Path, name: str = "book.xlsx") -> Path:
    """The gallium demo written as a workbook by trustsource."""
    return write_workbook(load(GALLIUM), tmp_path / name)


def issues_of(path: Path) -> list[Issue]:
    """The issues of reading workbook ``path``, which must be refused."""
    with pytest.raises(InstanceError) as err:
        load_workbook(path)
    return err.value.issues


def issues_at(issues: list[Issue], location: str) -> list[Issue]:
    """The issues located exactly at ``location``."""
    return [i for i in issues if i.location == location]


def sheet_part(path: Path, sheet: str) -> str:
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


def edit_sheet(path: Path, sheet: str, edit: Callable[[str], str]) -> None:
    """Rewrite the XML of worksheet ``sheet`` inside the workbook's zip."""
    part = sheet_part(path, sheet)
    with zipfile.ZipFile(path) as z:
        entries = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == part:
                new = edit(data.decode("utf-8"))
                assert new != data.decode("utf-8"), "the edit changed nothing"
                data = new.encode("utf-8")
            z.writestr(name, data)


def cell_xml(coord: str, inner: str, attrs: str = "") -> Callable[[str], str]:
    """An edit replacing the XML of cell ``coord`` by ``<c r=coord attrs>inner</c>``."""

    def edit(xml: str) -> str:
        return re.sub(
            rf'<c r="{coord}"[^>]*?(/>|>.*?</c>)',
            f'<c r="{coord}"{attrs}>{inner}</c>',
            xml,
            count=1,
        )

    return edit
