"""Exports safe to open in a spreadsheet, outputs that never clobber or half-write (issue 10.7).

Formula injection (OWASP CSV injection): instance text reaches the plan exports; in CSV it gets a
leading quote, in plan.xlsx it is a string cell, and numbers stay numbers. The CSV-folder
conversion keeps such text inline in instance.yaml, so it stays lossless. ``template`` and
``convert`` refuse to replace an existing output without ``--force``. A write failure leaves no
temporary file and raises ``OutputError`` with the path and the OS's reason. Plans without a
solution or without rows are written without error.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import trustsource
import yaml
from trustsource.errors import InstanceError, OutputError
from trustsource.instance.convert import convert, write_template
from trustsource.output import exports
from trustsource.output.exports import (
    FORMULA_TRIGGERS,
    atomic_write,
    safe_text,
    safe_text_frame,
    write_plan,
    write_plan_xlsx,
)
from trustsource.output.report import build_report
from trustsource.results.plan import Plan
from trustsource.status import Status

WEBSERVICE = '=WEBSERVICE("http://x")'
HOSTILE = (WEBSERVICE, "+1", "-2+3", "@SUM(A1)")


def _hostile_doc() -> dict[str, Any]:
    """A small feasible instance whose free text (name, unit, description, source) is hostile."""
    return {
        "trustsource": 1,
        "name": WEBSERVICE,
        "description": "+1",
        "sources": ["@SUM(A1)"],
        "items": [
            {
                "id": "ga",
                "unit": WEBSERVICE,
                "demand": 100,
                "description": "+1",
                "source": "@SUM(A1)",
            },
            {"id": "ge", "unit": "-2+3", "demand": 50, "description": "-2+3", "source": "\tx"},
        ],
        "sites": [
            {
                "id": "s1",
                "country": "DE",
                "capacity": 1000,
                "description": "@SUM(A1)",
                "source": "=1+1",
            },
        ],
        "suppliers": [
            {
                "id": "ga-de",
                "item": "ga",
                "site": "s1",
                "unit_cost": 7.5,
                "description": WEBSERVICE,
                "source": "+1",
            },
            {"id": "ga-fr", "item": "ga", "country": "FR", "unit_cost": 8, "capacity": 80},
            {
                "id": "ge-fr",
                "item": "ge",
                "country": "FR",
                "unit_cost": 3,
                "description": "-2+3",
                "source": "@SUM(A1)",
            },
        ],
        "rules": [{"kind": "country_cap", "max_share": 0.6, "items": ["ga"]}],
    }


@pytest.fixture(scope="module")
def hostile() -> tuple[Any, Any]:
    inst = trustsource.Instance.from_dict(_hostile_doc())
    plan = trustsource.solve(inst)
    assert plan.status is Status.OPTIMAL
    assert plan.objective == pytest.approx(60 * 7.5 + 40 * 8 + 50 * 3)
    return inst, plan


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- ids cannot carry a formula -----------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("table", ["items", "suppliers"])
def test_id_pattern_refuses_formula_text(text: str, table: str) -> None:
    doc = _hostile_doc()
    doc[table][0]["id"] = text
    with pytest.raises(InstanceError) as err:
        trustsource.Instance.from_dict(doc)
    assert any(i.field == "id" for i in err.value.issues), str(err.value)


# --- the helpers ---------------------------------------------------------------------------------


def test_safe_text_prefixes_only_formula_text() -> None:
    for text in (*HOSTILE, "\tx", "\rx"):
        assert safe_text(text) == "'" + text
    for value in ("kg", "", "'quoted", " =x", "a=b", None, -2.5, 3, True):
        assert safe_text(value) == value or (value != value)
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


def test_safe_text_frame_leaves_numbers_alone() -> None:
    df = pd.DataFrame(
        {
            "text": [WEBSERVICE, "-2+3", "kg", None],
            "mixed": ["@SUM(A1)", -4.0, 7, None],
            "number": [-2.5, -1.0, 0.0, 3.0],
            "count": [-1, 2, 3, 4],
            "flag": [True, False, True, False],
        }
    )
    out = safe_text_frame(df)
    assert list(out["text"])[:3] == ["'" + WEBSERVICE, "'-2+3", "kg"]
    assert pd.isna(out["text"].iloc[3])  # pandas >= 3 infers a string column: None is NaN
    assert list(out["mixed"])[:3] == ["'@SUM(A1)", -4.0, 7]
    assert pd.isna(out["mixed"].iloc[3])
    assert out["number"].dtype == df["number"].dtype
    assert list(out["number"]) == [-2.5, -1, 0, 3]
    assert out["count"].dtype == df["count"].dtype
    assert out["count"].iloc[0] == -1
    assert out["flag"].dtype == bool
    assert df["text"].iloc[0] == WEBSERVICE  # the input frame is not modified
    # The CSV text: negative numbers are written bare, as numbers.
    rows = list(csv.reader(io.StringIO(out.to_csv(index=False))))
    assert rows[1][2] == "-2.5"
    assert rows[1][3] == "-1"
    assert safe_text_frame(pd.DataFrame()).shape == (0, 0)
    labels = safe_text_frame(pd.DataFrame({"=x": [1]}))
    assert list(labels.columns) == ["'=x"]


# --- plan exports --------------------------------------------------------------------------------


def test_plan_csv_neutralises_text_and_keeps_numbers(
    hostile: tuple[Any, Any], tmp_path: Path
) -> None:
    _inst, plan = hostile
    written = write_plan(plan, tmp_path, formats=("csv",))
    assert {p.name for p in written} == {
        "summary.csv",
        "allocations.csv",
        "items.csv",
        "rules.csv",
        "sites.csv",
        "costs.csv",
    }
    items = {r["item"]: r for r in _read_csv(tmp_path / "items.csv")}
    assert items["ga"]["unit"] == "'" + WEBSERVICE
    assert items["ge"]["unit"] == "'-2+3"
    assert float(items["ga"]["demand"]) == 100
    assert float(items["ge"]["supply"]) == 50
    summary = _read_csv(tmp_path / "summary.csv")[0]
    assert summary["instance"] == "'" + WEBSERVICE
    assert float(summary["objective"]) == pytest.approx(920)
    alloc = _read_csv(tmp_path / "allocations.csv")
    assert sum(float(r["quantity"]) for r in alloc) == pytest.approx(150)
    assert all(_is_number(r[c]) for r in alloc for c in ("quantity", "unit_cost", "cost"))
    # No cell of any export starts a formula, unless it is a plain number.
    for path in written:
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            for cell in row:
                assert not cell.startswith(FORMULA_TRIGGERS) or _is_number(cell), (path, cell)


def test_plan_xlsx_has_no_formula_cells_and_intact_text(
    hostile: tuple[Any, Any], tmp_path: Path
) -> None:
    _inst, plan = hostile
    path = write_plan_xlsx(plan, tmp_path / "plan.xlsx")
    wb = openpyxl.load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    assert WEBSERVICE in texts
    assert "-2+3" in texts
    assert "'" + WEBSERVICE not in texts
    items = wb["items"]
    header = [c.value for c in items[1]]
    rows = {r[0]: dict(zip(header, r)) for r in items.iter_rows(min_row=2, values_only=True)}
    assert rows["ga"]["unit"] == WEBSERVICE
    assert isinstance(rows["ga"]["demand"], (int, float))
    assert rows["ga"]["demand"] == 100
    alloc = wb["allocations"]
    qcol = [c.value for c in alloc[1]].index("quantity")
    quantities = [r[qcol] for r in alloc.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(q, (int, float)) for q in quantities)
    assert sum(quantities) == pytest.approx(150)
    # The stored XML has no formula element at all (what a spreadsheet would evaluate).
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >/]", zf.read(name)), name


def test_xlsx_text_that_looks_like_an_error_or_holds_control_codes(tmp_path: Path) -> None:
    plan = Plan(status=Status.OPTIMAL, objective=1.0, instance_name="#N/A\x01", message=WEBSERVICE)
    wb = openpyxl.load_workbook(write_plan_xlsx(plan, tmp_path / "plan.xlsx"))
    summary = {c.value: v.value for c, v in zip(wb["summary"][1], wb["summary"][2])}
    assert summary["instance"] == "#N/A\ufffd"
    assert summary["message"] == WEBSERVICE
    assert all(
        c.data_type in ("s", "n", "b")
        for row in wb["summary"].iter_rows()
        for c in row
        if c.value is not None
    )


def test_solve_out_folder_via_the_console_script(tmp_path: Path) -> None:
    src = tmp_path / "hostile.yaml"
    src.write_text(yaml.safe_dump(_hostile_doc()), encoding="utf-8")
    proc = _run([_script(), "solve", src, "--format", "xlsx", "--out", tmp_path / "out"])
    assert proc.returncode == 0, proc.stderr
    items = {r["item"]: r for r in _read_csv(tmp_path / "out" / "items.csv")}
    assert items["ga"]["unit"] == "'" + WEBSERVICE
    wb = openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")
    assert all(c.data_type != "f" for ws in wb.worksheets for r in ws.iter_rows() for c in r)


# --- plans without a solution or without rows -----------------------------------------------------


def _solution_less() -> list[Plan]:
    infeasible = trustsource.Instance.from_dict(
        {
            "trustsource": 1,
            "name": "infeasible",
            "items": [{"id": "ga", "demand": 100}],
            "suppliers": [{"id": "ga-de", "item": "ga", "country": "DE", "unit_cost": 7.5}],
            "rules": [{"kind": "min_countries", "count": 2, "items": ["ga"]}],
        }
    )
    no_suppliers = trustsource.Instance.from_dict(
        {
            "trustsource": 1,
            "name": "no-suppliers",
            "items": [{"id": "ga", "demand": 100}],
        }
    )
    plans = [trustsource.solve(infeasible), trustsource.solve(no_suppliers)]
    assert [p.status for p in plans] == [Status.INFEASIBLE, Status.INFEASIBLE]
    # What an instance with no items solved to before "no items" became invalid: an optimal
    # plan whose item, site and cost tables have no columns at all.
    plans.append(Plan(status=Status.OPTIMAL, objective=0.0, instance_name="empty"))
    plans.append(Plan(status=Status.NO_SOLUTION, instance_name="timed-out"))
    return plans


@pytest.mark.parametrize("plan", _solution_less(), ids=lambda p: p.instance_name)
def test_plans_without_rows_are_written_without_error(plan: Plan, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    written = write_plan(plan, tmp_path, formats=("csv", "xlsx", "parquet"))
    assert (tmp_path / "plan.xlsx") in written
    summary = _read_csv(tmp_path / "summary.csv")
    assert summary[0]["status"] == plan.status.value
    assert summary[0]["instance"] == plan.instance_name
    alloc = _read_csv(tmp_path / "allocations.csv")
    assert alloc == []
    wb = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    assert wb.sheetnames == ["summary", "allocations", "items", "rules", "sites", "costs"]
    assert wb["summary"]["B2"].value == plan.status.value
    assert pd.read_parquet(tmp_path / "summary.parquet")["status"].iloc[0] == plan.status.value


# --- write failures ------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_disk_full_while_writing_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("old\n")

    def full(tmp: str) -> None:
        Path(tmp).write_text("half a fi")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OutputError) as err:
        atomic_write(target, full)
    assert err.value.path == str(target)
    assert err.value.reason == os.strerror(errno.ENOSPC)
    assert str(target) in str(err.value)
    assert "No space left" in str(err.value)
    assert isinstance(err.value.__cause__, OSError)
    assert _leftovers(tmp_path) == []
    assert target.read_text() == "old\n"  # the previous file is untouched


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_disk_full_in_plan_exports(
    fmt: str, hostile: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inst, plan = hostile

    def full(fd: int) -> None:  # the disk fills up as the file is flushed
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(exports.os, "fsync", full)
    with pytest.raises(OutputError) as err:
        write_plan(plan, tmp_path / "out", formats=(fmt,))
    assert "No space left on device" in err.value.reason
    assert err.value.path.startswith(str(tmp_path / "out"))
    assert list((tmp_path / "out").iterdir()) == []


def test_xlsx_writer_failure_leaves_nothing(
    hostile: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _inst, plan = hostile
    real_save = openpyxl.Workbook.save

    def save_then_fail(self: Any, filename: str) -> None:
        real_save(self, filename)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(openpyxl.Workbook, "save", save_then_fail)
    with pytest.raises(OutputError, match="No space left on device"):
        write_plan_xlsx(plan, tmp_path / "plan.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination_is_an_output_error(
    hostile: tuple[Any, Any], tmp_path: Path
) -> None:
    _inst, plan = hostile
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError) as err:
        write_plan(plan, blocker / "out", formats=("csv",))
    assert err.value.path == str(blocker / "out")
    assert err.value.reason == f"{blocker} is a file, not a folder"


def test_read_only_folder_is_an_output_error(hostile: tuple[Any, Any], tmp_path: Path) -> None:
    _inst, plan = hostile
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running with privileges that ignore folder permissions (root)")
        with pytest.raises(OutputError) as err:
            write_plan(plan, folder, formats=("csv", "xlsx"))
        assert "Permission denied" in err.value.reason
        assert str(folder) in err.value.path
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_read_only_folder_via_a_refused_rename(
    hostile: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as a read-only folder where the test runs as root: the final move is refused."""
    _inst, plan = hostile

    def refuse(src: str, dst: Any) -> None:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(exports.os, "replace", refuse)
    with pytest.raises(OutputError, match="Permission denied"):
        write_plan(plan, tmp_path, formats=("xlsx",))
    assert list(tmp_path.iterdir()) == []


# --- CSV-folder conversion: lossless, and no formula in any CSV -----------------------------------


def test_csv_folder_keeps_formula_text_inline_and_lossless(
    hostile: tuple[Any, Any], tmp_path: Path
) -> None:
    inst, _plan = hostile
    src = tmp_path / "hostile.yaml"
    src.write_text(yaml.safe_dump(_hostile_doc()), encoding="utf-8")
    convert(src, tmp_path / "folder")
    doc = yaml.safe_load((tmp_path / "folder" / "instance.yaml").read_text(encoding="utf-8"))
    # Every table holds formula text, so none gets a CSV file; the text is exactly as given.
    assert isinstance(doc["items"], list)
    assert doc["items"][0]["unit"] == WEBSERVICE
    assert not list((tmp_path / "folder").glob("*.csv"))
    back = trustsource.load(tmp_path / "folder" / "instance.yaml")
    assert back.content_hash == inst.content_hash
    # A clean table still gets its CSV file next to the inline ones.
    clean = _hostile_doc()
    for s in clean["suppliers"]:
        s.pop("description", None)
        s.pop("source", None)
    convert_src = tmp_path / "clean.yaml"
    convert_src.write_text(yaml.safe_dump(clean), encoding="utf-8")
    convert(convert_src, tmp_path / "mixed")
    mixed = yaml.safe_load((tmp_path / "mixed" / "instance.yaml").read_text(encoding="utf-8"))
    assert mixed["suppliers"] == "suppliers.csv"
    assert isinstance(mixed["items"], list)
    for row in csv.reader(io.StringIO((tmp_path / "mixed" / "suppliers.csv").read_text())):
        assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in row)
    reloaded = trustsource.load(tmp_path / "mixed" / "instance.yaml")
    assert reloaded.content_hash == trustsource.load(convert_src).content_hash


def test_csv_folder_keeps_text_the_reader_would_strip(tmp_path: Path) -> None:
    doc = _hostile_doc()
    for table in ("items", "sites", "suppliers"):
        for row in doc[table]:
            row.pop("description", None)
            row.pop("source", None)
    doc["name"] = "spaces"
    doc["items"][0]["unit"] = "kg"
    doc["items"][1]["unit"] = " t "
    src = tmp_path / "spaces.yaml"
    src.write_text(yaml.safe_dump(doc), encoding="utf-8")
    convert(src, tmp_path / "folder")
    written = yaml.safe_load((tmp_path / "folder" / "instance.yaml").read_text())
    assert isinstance(written["items"], list)  # " t " would read back as "t" from a CSV
    assert written["sites"] == "sites.csv"
    assert written["suppliers"] == "suppliers.csv"
    back = trustsource.load(tmp_path / "folder" / "instance.yaml")
    assert back.items[1].unit == " t "
    assert back.content_hash == trustsource.load(src).content_hash


def test_csv_folder_write_failure_keeps_the_old_folder(
    hostile: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = Path(str(_bundled("gallium-demo")))
    convert(src, tmp_path / "folder")
    before = {p.name: p.read_bytes() for p in (tmp_path / "folder").iterdir()}

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputError, match="No space left on device"):
        convert(src, tmp_path / "folder", overwrite=True)
    after = {p.name: p.read_bytes() for p in (tmp_path / "folder").iterdir()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_convert_replaces_only_its_own_folders(tmp_path: Path) -> None:
    src = _bundled("gallium-demo")
    folder = tmp_path / "folder"
    convert(src, folder)
    with pytest.raises(FileExistsError):
        convert(src, folder, overwrite=False)
    convert(src, folder, overwrite=True)
    assert (
        trustsource.load(folder / "instance.yaml").content_hash
        == trustsource.load(src).content_hash
    )
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="notes.txt"):
        convert(src, folder, overwrite=True)
    assert (folder / "notes.txt").read_text() == "mine"


# --- template and convert refuse to overwrite without --force -------------------------------------


def _script() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("trustsource", path=path)
    assert found, "the console script `trustsource` is not installed"
    return found


def _run(args: list[Any]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=300, check=False
    )


def _bundled(name: str) -> Path:
    import importlib.resources

    return Path(str(importlib.resources.files("trustsource.instances") / f"{name}.yaml"))


def test_template_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "filled.xlsx"
    target.write_bytes(b"a filled workbook")
    proc = _run([_script(), "template", target])
    assert proc.returncode == 2, proc.stderr
    assert str(target) in proc.stderr
    assert "--force" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == b"a filled workbook"
    proc = _run([_script(), "template", target, "--example"])
    assert proc.returncode == 2
    assert target.read_bytes() == b"a filled workbook"
    proc = _run([_script(), "template", target, "--force"])
    assert proc.returncode == 0, proc.stderr
    assert "README" in openpyxl.load_workbook(target).sheetnames
    assert _leftovers(tmp_path) == []


def test_convert_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("{}")
    proc = _run([_script(), "convert", _bundled("gallium-demo"), target])
    assert proc.returncode == 2, proc.stderr
    assert str(target) in proc.stderr
    assert "--force" in proc.stderr
    assert target.read_text() == "{}"
    proc = _run([_script(), "convert", _bundled("gallium-demo"), target, "--force"])
    assert proc.returncode == 0, proc.stderr
    assert (
        trustsource.load(target).content_hash
        == trustsource.load(_bundled("gallium-demo")).content_hash
    )
    assert "--force" in _run([_script(), "convert", "--help"]).stdout


def test_template_library_refuses_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"keep")
    with pytest.raises(FileExistsError):
        write_template(target, overwrite=False)
    assert target.read_bytes() == b"keep"
    assert _leftovers(tmp_path) == []


# --- the HTML report escapes instance text -------------------------------------------------------


def test_report_escapes_name_and_unit(hostile: tuple[Any, Any]) -> None:
    doc = _hostile_doc()
    doc["name"] = '<script>alert("n")</script>'
    doc["items"][0]["unit"] = '<img src=x onerror="alert(1)">'
    inst = trustsource.Instance.from_dict(doc)
    text = build_report(inst, trustsource.solve(inst))
    assert "<script>" not in text
    assert "<img" not in text
    assert "&lt;script&gt;alert(&quot;n&quot;)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
