"""Issue 11, defect 8: ``--base-dir`` for stdin, and ``solve DIR`` on the folder convert writes.

A document read from stdin has no folder, so its relative CSV paths resolve against
``--base-dir`` (default: the working directory), and must still stay inside it (the hostile-input
rules of ``trustsource.safe_files``). ``trustsource solve DIR`` loads the one instance document
in DIR, so the CSV folder that ``trustsource convert X.yaml DIR/`` writes solves as is; a folder
with none or several documents is exit 2, naming them.

The reference instance is small enough to solve by hand: item ``a`` needs 10 units; ``cn`` sells
6 at 2, ``us`` 10 at 3. The cheapest plan buys all 6 from ``cn`` and the other 4 from ``us``:
6 * 2 + 4 * 3 = 24.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import trustsource
from test_machine_contract import run_cli
from trustsource import InstanceError

BACKENDS = ("highspy", "pyomo")
OPTIMUM = 24.0  # 6 * 2 (cn, its whole capacity) + 4 * 3 (us): computed by hand, see above
REPO = Path(__file__).resolve().parents[1]
DOCUMENT = """trustsource: 1
name: two-offers
items: tables/items.csv
suppliers: tables/suppliers.csv
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """``data/doc.yaml`` naming ``tables/items.csv`` and ``tables/suppliers.csv``."""
    root = tmp_path / "data"
    (root / "tables").mkdir(parents=True)
    (root / "tables" / "items.csv").write_text("id,demand\na,10\n")
    (root / "tables" / "suppliers.csv").write_text(
        "id,item,country,unit_cost,capacity\ncn,a,CN,2,6\nus,a,US,3,10\n"
    )
    (root / "doc.yaml").write_text(DOCUMENT)
    return root


def test_stdin_csv_paths_resolve_against_base_dir(data: Path, tmp_path: Path) -> None:
    # From an unrelated working directory: --base-dir names where the tables are.
    proc = run_cli(
        "solve", "-", "--base-dir", data, "--format", "json", "--mip-gap", "0",
        stdin=DOCUMENT, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "optimal"
    assert doc["objective"] == pytest.approx(OPTIMUM, abs=1e-6)


def test_stdin_base_dir_defaults_to_the_working_directory(data: Path, tmp_path: Path) -> None:
    ok = run_cli("solve", "-", "--format", "json", "--mip-gap", "0", stdin=DOCUMENT, cwd=data)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["objective"] == pytest.approx(OPTIMUM, abs=1e-6)
    # Elsewhere, without --base-dir, the tables are not found: exit 2, located, in JSON.
    bad = run_cli("validate", "-", "--format", "json", stdin=DOCUMENT, cwd=tmp_path)
    assert bad.returncode == 2
    messages = [i["message"] for i in json.loads(bad.stdout)["issues"]]
    assert "CSV file not found: tables/items.csv" in messages


def test_readme_stdin_example_works_from_the_repository_root(tmp_path: Path) -> None:
    """The README's command, on a copy of the bundled instances (chips uses CSV files)."""
    shutil.copytree(REPO / "instances", tmp_path / "instances")
    chips = (tmp_path / "instances" / "chips.yaml").read_text()
    piped = run_cli(
        "solve", "-", "--base-dir", "instances", "--format", "json", stdin=chips, cwd=tmp_path
    )
    named = run_cli("solve", "instances/chips.yaml", "--format", "json", cwd=tmp_path)
    assert piped.returncode == named.returncode == 0, piped.stderr
    a, b = json.loads(piped.stdout), json.loads(named.stdout)
    assert a["status"] == b["status"] == "optimal"
    assert a["instance_hash"] == b["instance_hash"]  # the same instance, read either way
    assert a["objective"] == pytest.approx(b["objective"], rel=1e-9)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ("../outside.csv", "leads ('..') outside"),
        ("/etc/passwd", "is an absolute path"),
    ],
)
def test_base_dir_still_confines_the_tables(data: Path, table: str, words: str) -> None:
    (data.parent / "outside.csv").write_text("id,demand\na,10\n")
    doc = DOCUMENT.replace("tables/items.csv", table)
    proc = run_cli("validate", "-", "--base-dir", data, "--format", "json", stdin=doc)
    assert proc.returncode == 2
    issues = json.loads(proc.stdout)["issues"]
    assert any(words in i["message"] for i in issues), issues
    with pytest.raises(InstanceError, match=r"outside|absolute"):
        trustsource.load(io.StringIO(doc), base_dir=data)


def test_missing_base_dir_is_invalid_input(tmp_path: Path) -> None:
    proc = run_cli("solve", "-", "--base-dir", tmp_path / "nope", stdin=DOCUMENT)
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("backend", BACKENDS)
def test_api_base_dir_for_a_stream(data: Path, backend: str) -> None:
    inst = trustsource.load(io.StringIO(DOCUMENT), base_dir=data)
    plan = trustsource.solve(inst, mip_rel_gap=0, backend=backend)
    assert plan.status.value == "optimal"
    assert plan.objective == pytest.approx(OPTIMUM, abs=1e-6)


def test_solve_dir_takes_the_folder_convert_writes(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "csvdir"
    conv = run_cli("convert", data / "doc.yaml", f"{out}/")
    assert conv.returncode == 0, conv.stderr
    checked = run_cli("validate", out, "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["valid"] is True
    proc = run_cli("solve", out, "--format", "json", "--mip-gap", "0")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["objective"] == pytest.approx(OPTIMUM, abs=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_api_load_of_a_folder_with_one_document(data: Path, backend: str) -> None:
    # data/ holds doc.yaml only (the CSV tables are in data/tables/).
    plan = trustsource.solve(trustsource.load(data), mip_rel_gap=0, backend=backend)
    assert plan.objective == pytest.approx(OPTIMUM, abs=1e-6)


def test_folder_with_no_document_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("id,demand\na,1\n")
    proc = run_cli("solve", tmp_path, "--format", "json")
    assert proc.returncode == 2
    (issue,) = json.loads(proc.stdout)["issues"]
    assert "holding no instance document" in issue["message"]
    with pytest.raises(InstanceError, match="no instance document"):
        trustsource.load(tmp_path)


def test_folder_with_several_documents_names_them(data: Path) -> None:
    (data / "other.json").write_text("{}")
    proc = run_cli("solve", data)
    assert proc.returncode == 2
    assert "2 instance documents (doc.yaml, other.json)" in proc.stderr
    with pytest.raises(InstanceError, match=r"doc\.yaml, other\.json"):
        trustsource.load(data)


def test_convert_reads_stdin_with_base_dir(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "inline.json"
    proc = run_cli("convert", "-", out, "--base-dir", data, stdin=DOCUMENT)
    assert proc.returncode == 0, proc.stderr
    inst = trustsource.load(out)  # tables now inline: no base folder needed
    assert [s.id for s in inst.suppliers] == ["cn", "us"]


# Every command that reads an instance: the stdin document with its tables under --base-dir.
ANALYSES = {
    "explain": ["--format", "json", "--mip-gap", "0"],
    "diagnose": ["--format", "json"],
    "compare": ["--format", "json", "--mip-gap", "0"],
    "stress": ["--format", "json", "--mip-gap", "0", "--workers", "1"],
    "sweep": [
        "--param",
        "demand_scale",
        "--from",
        "1",
        "--to",
        "1",
        "--step",
        "1",
        "--format",
        "json",
        "--mip-gap",
        "0",
        "--workers",
        "1",
    ],
}


@pytest.mark.parametrize("command", sorted(ANALYSES))
def test_every_analysis_reads_stdin_with_base_dir(command: str, data: Path) -> None:
    proc = run_cli(command, "-", "--base-dir", data, *ANALYSES[command], stdin=DOCUMENT)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    # Each answer carries the hand optimum of the plan under its own key.
    objective = {
        "explain": lambda d: d["cost"],
        "diagnose": lambda d: d["solve"]["objective"],
        "compare": lambda d: d["summary"][0]["cost"],
        "stress": lambda d: d["plan"]["objective"],
        "sweep": lambda d: d["points"][0]["cost"],
    }[command](doc)
    assert objective == pytest.approx(OPTIMUM)


def test_report_reads_stdin_with_base_dir(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    proc = run_cli("report", "-", "--base-dir", data, "--out", out, stdin=DOCUMENT)
    assert proc.returncode == 0, proc.stderr
    assert "two-offers" in out.read_text()


@pytest.mark.parametrize("command", ["validate", "solve", "convert", *sorted(ANALYSES), "report"])
def test_help_documents_base_dir(command: str) -> None:
    proc = run_cli(command, "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--base-dir DIRECTORY" in text
    assert "for '-', stdin, the working directory" in text
