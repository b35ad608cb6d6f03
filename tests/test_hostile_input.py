"""Hostile and broken input is refused, located, bounded and fast (issue 10, points 3 and 4).

Each case is one file an attacker or an accident could produce: a table path leading out of the
instance's folder, a device or FIFO, files and values too large, nesting and alias bombs, and
the silent misreadings of YAML 1.1, ``json`` and ``csv`` (duplicate keys and headers, ``1_000``,
``trustsource: yes``, unterminated quotes, ragged rows). Through :func:`trustsource.load` each
gives an :class:`~trustsource.InstanceError` whose issue names the place; through the console
script ``trustsource validate`` each exits 2 with that place on stderr, no traceback, in time.
Big and hostile files are generated in ``tmp_path``, never committed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trustsource
from trustsource import InstanceError, Issue
from trustsource.instance.readers.safe_yaml import load_yaml
from trustsource.limits import (
    MAX_CELL_CHARS,
    MAX_CSV_BYTES,
    MAX_DEPTH,
    MAX_JSON_BYTES,
    MAX_ROWS,
    MAX_YAML_BYTES,
    SHOWN_CHARS,
)

ROOT_ENV = "TRUSTSOURCE_DATA_ROOT"
SUPPLIERS = """\
suppliers:
  - {id: ga-cn-1, item: gallium, country: CN, unit_cost: 600, capacity: 5000}
"""
ITEMS_CSV = "id,unit,demand\ngallium,kg,100\n"
SECRET = "s3cr3t-line-that-must-never-be-echoed"
CLI_TIMEOUT = 30


@pytest.fixture(autouse=True)
def _no_root_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)


# --- helpers ----------------------------------------------------------------------------------


def _doc(folder: Path, items: str, *, name: str = "instance.yaml", extra: str = "") -> Path:
    """An instance document in ``folder`` whose items table is the CSV path ``items``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f"trustsource: 1\nitems: {json.dumps(items)}\n{SUPPLIERS}{extra}", encoding="utf-8"
    )
    return path


def _with_items_csv(folder: Path, csv_text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "items.csv").write_text(csv_text, encoding="utf-8")
    return _doc(folder, "items.csv")


def _yaml(folder: Path, text: str, name: str = "instance.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _issues(source: object, **kwargs: object) -> list[Issue]:
    with pytest.raises(InstanceError) as info:
        trustsource.load(source, **kwargs)  # type: ignore[arg-type]
    issues = info.value.issues
    assert issues
    for issue in issues:  # no message quotes a whole value
        assert len(issue.message) < 400, issue.message
    return issues


def _find(issues: list[Issue], location: str, message: str, fld: object = ...) -> Issue:
    """The issue whose location matches ``location`` and message matches ``message``."""
    for issue in issues:
        if (
            re.search(location, issue.location)
            and re.search(message, issue.message)
            and (fld is ... or issue.field == fld)
        ):
            return issue
    shown = "\n".join(f"  {i}" for i in issues)
    raise AssertionError(f"no issue /{location}/ /{message}/ among:\n{shown}")


def _script() -> str:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which("trustsource", path=path)
    assert found, "the console script `trustsource` is not installed"
    return found


def _validate(
    target: Path | str,
    expect: str,
    *,
    code: int = 2,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
) -> str:
    """Run ``trustsource validate``; check the exit code, no traceback, ``expect`` on stderr."""
    environment = {k: v for k, v in os.environ.items() if k != ROOT_ENV}
    environment.update(env or {})
    start = time.monotonic()
    proc = subprocess.run(
        [_script(), "validate", str(target)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
        env=environment,
        cwd=cwd,
    )
    assert time.monotonic() - start < CLI_TIMEOUT
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert expect in proc.stderr, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    return proc.stderr


def _finishes(action: Callable[[], object], seconds: float) -> object:
    """Run ``action`` in a thread; fail (instead of hanging) if it takes over ``seconds``."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(action())
        except BaseException as exc:  # noqa: BLE001 - handed to the test below
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return outcome[0]


# --- 1. paths confined to the instance's folder -----------------------------------------------


def test_absolute_path_is_refused(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "/etc/passwd")
    issue = _find(
        _issues(doc), r"^instance\.yaml: items$", r"'/etc/passwd' is an absolute path", "items"
    )
    assert "root:" not in issue.message  # nothing of the file
    assert str(issue).startswith("instance.yaml: items [items] ")
    _validate(doc, "instance.yaml: items [items] '/etc/passwd' is an absolute path")


def test_dotdot_escape_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.csv").write_text(f"id,unit,demand\n{SECRET},kg,1\n", encoding="utf-8")
    doc = _doc(tmp_path / "inst", "../outside.csv")
    _find(_issues(doc), r"^instance\.yaml: items$", r"leads \('\.\.'\) outside")
    _validate(doc, "leads ('..') outside the instance's folder")


def test_dotdot_inside_the_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "inst" / "tables").mkdir(parents=True)
    (tmp_path / "inst" / "items.csv").write_text(ITEMS_CSV, encoding="utf-8")
    inst = trustsource.load(_doc(tmp_path / "inst", "tables/../items.csv"))
    assert [it.id for it in inst.items] == ["gallium"]


def test_symlink_escape_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text(f"id,unit,demand\n{SECRET},kg,1\n", encoding="utf-8")
    (tmp_path / "inst").mkdir()
    (tmp_path / "inst" / "items.csv").symlink_to(secret)
    doc = _doc(tmp_path / "inst", "items.csv")
    issue = _find(_issues(doc), r"^instance\.yaml: items$", r"symbolic link to a file outside")
    assert SECRET not in issue.message
    _validate(doc, "is a symbolic link to a file outside")


def test_symlink_inside_the_folder_is_fine(tmp_path: Path) -> None:
    (tmp_path / "inst" / "data").mkdir(parents=True)
    (tmp_path / "inst" / "data" / "items-2026.csv").write_text(ITEMS_CSV, encoding="utf-8")
    (tmp_path / "inst" / "items.csv").symlink_to(Path("data") / "items-2026.csv")
    inst = trustsource.load(_doc(tmp_path / "inst", "items.csv"))
    assert inst.items[0].demand == 100


def test_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "/dev/zero")
    _find(_issues(doc), r"^instance\.yaml: items$", r"absolute path")
    # Even where the root allows it, a device is not a table (and is never read).
    issues = _finishes(lambda: _issues(doc, root="/"), 10)
    _find(issues, r"^instance\.yaml: items$", r"'/dev/zero' is a device, not a regular file")
    _validate(doc, "'/dev/zero' is a device, not a regular file", env={ROOT_ENV: "/"})


def test_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    (tmp_path / "inst").mkdir()
    os.mkfifo(tmp_path / "inst" / "items.csv")
    doc = _doc(tmp_path / "inst", "items.csv")
    issues = _finishes(lambda: _issues(doc), 10)
    _find(issues, r"^instance\.yaml: items$", r"is a pipe \(FIFO\), not a regular file")
    _validate(doc, "'items.csv' is a pipe (FIFO), not a regular file")


def test_folder_as_table_is_refused(tmp_path: Path) -> None:
    (tmp_path / "items.csv").mkdir()
    _find(_issues(_doc(tmp_path, "items.csv")), r"items$", r"is a folder, not a regular file")


def test_data_root_widens_explicitly(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "items.csv").write_text(ITEMS_CSV, encoding="utf-8")
    doc = _doc(tmp_path / "inst", "../shared/items.csv")
    _issues(doc)  # refused by default
    assert trustsource.load(doc, root=tmp_path).items[0].id == "gallium"
    absolute = _doc(tmp_path / "inst", str(tmp_path / "shared" / "items.csv"), name="abs.yaml")
    assert trustsource.load(absolute, root=tmp_path).items[0].id == "gallium"
    # The environment variable does the same; the root= argument wins over it.
    os.environ[ROOT_ENV] = str(tmp_path)
    try:
        assert trustsource.load(doc).items[0].id == "gallium"
        _find(_issues(doc, root=tmp_path / "inst"), r"items$", r"outside")
    finally:
        del os.environ[ROOT_ENV]
    _validate(doc, "", code=0, env={ROOT_ENV: str(tmp_path)})
    # A widened root still confines: a path out of it is refused.
    _find(_issues(_doc(tmp_path / "inst", "/etc/passwd"), root=tmp_path), r"items$", r"is outside")


def test_stdin_confines_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "inst").mkdir()
    (tmp_path / "inst" / "items.csv").write_text(ITEMS_CSV, encoding="utf-8")
    (tmp_path / "outside.csv").write_text(ITEMS_CSV, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "inst")
    good = f"trustsource: 1\nitems: items.csv\n{SUPPLIERS}"
    assert trustsource.load(io.StringIO(good)).items[0].id == "gallium"
    bad = good.replace("items.csv", "../outside.csv")
    _find(_issues(io.StringIO(bad)), r"^<stdin>: items$", r"outside the instance's folder")
    _validate("-", "<stdin>: items [items]", cwd=tmp_path / "inst", stdin=bad)


# --- 2. sizes, rows, cells, depth, aliases ----------------------------------------------------


def test_oversized_documents_are_refused_before_reading(tmp_path: Path) -> None:
    for name, limit in (("big.yaml", MAX_YAML_BYTES), ("big.json", MAX_JSON_BYTES)):
        path = tmp_path / name
        with path.open("wb") as handle:  # sparse: the size is checked, the bytes never read
            handle.truncate(limit + 1)
        _find(_issues(path), re.escape(str(path)), rf"larger than {limit // 2**20} MiB")
    _validate(tmp_path / "big.yaml", "larger than 16 MiB")


def test_oversized_csv_is_refused_before_reading(tmp_path: Path) -> None:
    doc = _doc(tmp_path, "items.csv")
    with (tmp_path / "items.csv").open("wb") as handle:
        handle.truncate(MAX_CSV_BYTES + 1)
    _find(_issues(doc), r"^instance\.yaml: items$", r"larger than 64 MiB")
    _validate(doc, "instance.yaml: items [items] CSV file 'items.csv' is larger than 64 MiB")


def test_oversized_stdin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import trustsource.instance.load as loader

    monkeypatch.setattr(loader, "MAX_JSON_BYTES", 1000)
    text = "trustsource: 1\nname: " + "x" * 2000 + "\n"
    _find(_issues(io.StringIO(text)), r"^<stdin>$", r"more than .* on stdin")


def test_too_many_csv_rows(tmp_path: Path) -> None:
    rows = "".join(f"i{k},kg,1\n" for k in range(MAX_ROWS + 1))
    doc = _with_items_csv(tmp_path, "id,unit,demand\n" + rows)
    _find(_issues(doc), rf"^items\.csv:{MAX_ROWS + 2}$", r"more than 250,000 rows")
    _validate(doc, f"items.csv:{MAX_ROWS + 2}: more than 250,000 rows")


def test_too_many_inline_rows(tmp_path: Path) -> None:
    doc = {"trustsource": 1, "items": [{}] * (MAX_ROWS + 1)}
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _find(_issues(path), r"^rows\.json: items$", r"250,001 entries; at most 250,000")


def test_long_csv_cell(tmp_path: Path) -> None:
    doc = _with_items_csv(tmp_path, f"id,unit,demand\ngallium,{'k' * (MAX_CELL_CHARS + 1)},1\n")
    issue = _find(_issues(doc), r"^items\.csv:2$", r"holds 10,001 characters", "unit")
    assert "kkkkkkkkkk" not in issue.message
    _validate(doc, "items.csv:2 [unit] cell in column 2 holds 10,001 characters")


def test_long_yaml_string(tmp_path: Path) -> None:
    doc = _yaml(tmp_path, f"trustsource: 1\nname: {'n' * (MAX_CELL_CHARS + 1)}\n")
    _find(_issues(doc), r"^instance\.yaml:2$", r"text of 10,001 characters", "name")


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_deep_nesting_is_located_not_a_recursion_error(tmp_path: Path, kind: str) -> None:
    brackets = "[" * 100_000 + "]" * 100_000
    if kind == "json":
        path = _yaml(tmp_path, '{"trustsource": 1,\n "items": ' + brackets + "}", "deep.json")
    else:
        path = _yaml(tmp_path, "trustsource: 1\nitems: " + brackets + "\n", "deep.yaml")
    start = time.monotonic()
    issue = _find(_issues(path), rf"^deep\.{kind}:2$", rf"nested more than {MAX_DEPTH} levels")
    assert time.monotonic() - start < 5
    if kind == "json":  # libyaml stops at its own limit before yielding the path
        assert issue.field is not None
        assert issue.field.startswith("...")  # the key path, cut
    _validate(path, f"deep.{kind}:2")


def test_nesting_just_inside_the_limit_loads_as_data(tmp_path: Path) -> None:
    inner = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    data, _ = load_yaml("a: " + inner, "x.yaml")
    assert isinstance(data["a"], list)
    with pytest.raises(InstanceError):
        load_yaml("a: [" + inner + "]", "x.yaml")


def _alias_bomb(levels: int = 8, fan: int = 9) -> str:
    lines = ["trustsource: 1", f"l0: &l0 [{', '.join(['lol'] * fan)}]"]
    lines += [f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * fan)}]" for k in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    path = _yaml(tmp_path, _alias_bomb(), "bomb.yaml")
    start = time.monotonic()
    issue = _find(
        _issues(path), r"^bomb\.yaml:\d+$", r"holds more than 5,000,000 values, counting each alias"
    )
    assert time.monotonic() - start < 1.0
    assert "lol" not in issue.message
    _validate(path, "holds more than 5,000,000 values")


def test_alias_bomb_in_a_csv_mapping_cell(tmp_path: Path) -> None:
    cell = _alias_bomb(6, 13).replace("trustsource: 1\n", "").replace("\n", ", ")
    doc = _with_items_csv(tmp_path, f'id,unit,demand,inputs\ngallium,kg,1,"{{{cell}}}"\n')
    _find(
        _issues(doc), r"^items\.csv:2$", r"cannot parse mapping .*more than [\d,]+ values", "inputs"
    )


def test_modest_aliases_still_work(tmp_path: Path) -> None:
    doc = _yaml(
        tmp_path,
        "trustsource: 1\nblocs:\n  allies: &allies [US, JP]\n  west: *allies\n"
        "items:\n  - {id: gallium, demand: 10}\n" + SUPPLIERS,
    )
    assert trustsource.load(doc).blocs["west"] == ("US", "JP")


# --- 3. strict YAML ---------------------------------------------------------------------------


def test_duplicate_yaml_key_names_the_key_and_both_lines(tmp_path: Path) -> None:
    doc = _yaml(
        tmp_path,
        "trustsource: 1\nrules: []\nitems:\n  - {id: gallium, demand: 10}\n"
        f"{SUPPLIERS}rules:\n  - {{kind: country_cap, max_share: 0.5}}\n",
    )
    issue = _find(_issues(doc), r"^instance\.yaml:7$", r"duplicate key 'rules'", "rules")
    assert "first on line 2, again on line 7" in issue.message
    _validate(
        doc, "instance.yaml:7 [rules] duplicate key 'rules' (first on line 2, again on line 7)"
    )


def test_duplicate_yaml_key_nested(tmp_path: Path) -> None:
    doc = _yaml(
        tmp_path,
        "trustsource: 1\nitems:\n  - id: gallium\n    demand: 10\n    demand: 20\n" + SUPPLIERS,
    )
    issue = _find(_issues(doc), r"^instance\.yaml:5$", r"duplicate key 'demand'", "items[0].demand")
    assert "first on line 4" in issue.message


def test_underscore_number_is_not_read_as_a_number(tmp_path: Path) -> None:
    data, _ = load_yaml("demand: 1_000\nbig: 1_000.5\ntime: 1:30\n", "x.yaml")
    assert data == {"demand": "1_000", "big": "1_000.5", "time": "1:30"}
    doc = _yaml(tmp_path, "trustsource: 1\nitems:\n  - {id: gallium, demand: 1_000}\n" + SUPPLIERS)
    _find(_issues(doc), r"^instance\.yaml: items\[0\] \(gallium\)$", r"1_000", "demand")
    _validate(doc, "items[0] (gallium) [demand]")


def test_yaml_12_scalars() -> None:
    text = (
        "a: yes\nb: NO\nc: on\nd: true\ne: False\nf: 1e3\ng: 0x10\nh: .inf\ni: ~\nj: 010\n"
        "k: 2026-01-01\n"
    )
    data, _ = load_yaml(text, "x.yaml")
    assert data == {
        "a": "yes",
        "b": "NO",
        "c": "on",
        "d": True,
        "e": False,
        "f": 1000.0,
        "g": 16,
        "h": float("inf"),
        "i": None,
        "j": 10,
        "k": "2026-01-01",
    }


def test_norway_stays_a_country_code(tmp_path: Path) -> None:
    doc = _yaml(
        tmp_path,
        "trustsource: 1\nitems:\n  - {id: gallium, demand: 10}\nsuppliers:\n"
        "  - {id: ga-no-1, item: gallium, country: NO, unit_cost: 1}\n",
    )
    assert trustsource.load(doc).suppliers[0].country == "NO"
    assert "NO" in trustsource.load(doc).all_blocs["nato"]  # the bundled list too


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"1"', r"is the text '1'; write 1 without quotes"),
        ("yes", r"must be the number 1, not a yes/no value"),
        ("true", r"must be the number 1, not a yes/no value"),
        ("1.0", r"whole number 1"),
        ("2", r"unknown schema version 2"),
    ],
)
def test_schema_version_must_be_the_integer_1(tmp_path: Path, value: str, message: str) -> None:
    doc = _yaml(
        tmp_path, f"trustsource: {value}\nitems:\n  - {{id: gallium, demand: 10}}\n" + SUPPLIERS
    )
    _find(_issues(doc), r"^instance\.yaml$", message, "trustsource")
    if value in ('"1"', "yes"):
        _validate(doc, "instance.yaml [trustsource]")


def test_tags_that_build_objects_are_refused(tmp_path: Path) -> None:
    doc = _yaml(tmp_path, "trustsource: 1\nname: !!python/object/apply:os.system [echo hi]\n")
    _find(_issues(doc), r"^instance\.yaml:2$", r"not valid YAML: could not determine a constructor")


# --- 4. strict JSON ---------------------------------------------------------------------------


def test_duplicate_json_key(tmp_path: Path) -> None:
    text = (
        '{"trustsource": 1,\n "items": [{"id": "gallium", "demand": 10,\n'
        '             "demand": 20}],\n "items": []}\n'
    )
    path = _yaml(tmp_path, text, "dup.json")
    issues = _issues(path)
    first = _find(issues, r"^dup\.json:3$", r"duplicate key 'demand'", "items[0].demand")
    assert "first on line 2, again on line 3" in first.message
    _find(issues, r"^dup\.json:4$", r"duplicate key 'items' \(first on line 2", "items")
    _validate(path, "dup.json:3 [items[0].demand] duplicate key 'demand'")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_are_refused(tmp_path: Path, constant: str) -> None:
    path = _yaml(
        tmp_path,
        f'{{"trustsource": 1,\n "items": [{{"id": "gallium",\n "demand": {constant}}}]}}\n',
        "nan.json",
    )
    _find(
        _issues(path),
        r"^nan\.json:3$",
        rf"{re.escape(constant)} is not a number in JSON",
        "items[0].demand",
    )


# --- 5. strict CSV ----------------------------------------------------------------------------


def test_duplicate_csv_header(tmp_path: Path) -> None:
    doc = _with_items_csv(tmp_path, "id,unit,demand,demand\ngallium,kg,100,5\n")
    issue = _find(_issues(doc), r"^items\.csv:1$", r"column 'demand' appears twice", "demand")
    assert "columns 3 and 4" in issue.message
    _validate(doc, "items.csv:1 [demand] column 'demand' appears twice in the header (columns 3")


def test_empty_csv_header_name(tmp_path: Path) -> None:
    doc = _with_items_csv(tmp_path, "id,,demand\ngallium,kg,100\n")
    _find(_issues(doc), r"^items\.csv:1$", r"column 2 of the header has no name")


def test_unterminated_quote_at_end_of_file(tmp_path: Path) -> None:
    doc = _with_items_csv(tmp_path, 'id,unit,demand\ngallium,kg,100\ngermanium,"kg,5\n')
    _find(_issues(doc), r"^items\.csv:3$", r"quoted cell opened in this row is never closed")
    _validate(doc, "items.csv:3: a quoted cell opened in this row is never closed")


def test_character_after_closing_quote(tmp_path: Path) -> None:
    doc = _with_items_csv(tmp_path, 'id,unit,demand\ngallium,"kg"x,100\n')
    _find(_issues(doc), r"^items\.csv:2$", r"follows a closing quote")


def test_ragged_rows(tmp_path: Path) -> None:
    doc = _with_items_csv(tmp_path, "id,unit,demand\ngallium,kg\ngermanium,kg,5,9\n")
    issues = _issues(doc)
    _find(issues, r"^items\.csv:2$", r"2 cells but the header has 3")
    _find(issues, r"^items\.csv:3$", r"4 cells but the header has 3; a value sits beyond")
    _validate(doc, "items.csv:2: 2 cells but the header has 3")


def test_trailing_empty_cells_are_padding(tmp_path: Path) -> None:
    doc = _with_items_csv(tmp_path, "id,unit,demand\ngallium,kg,100,,\n")
    assert trustsource.load(doc).items[0].demand == 100


def test_csv_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_bytes(b"id,unit,demand\ngallium,k\xe9,100\n")
    _find(_issues(_doc(tmp_path, "items.csv")), r"^items\.csv:2$", r"not UTF-8 text")


# --- messages stay short ----------------------------------------------------------------------


def test_messages_quote_at_most_a_short_cut(tmp_path: Path) -> None:
    long_key = "k" * 1000  # YAML's longest implicit key is 1024 characters
    doc = _yaml(
        tmp_path,
        f"trustsource: 1\n{long_key}: 1\nitems:\n"
        f"  - {{id: gallium, demand: {'d' * 5000}}}\n"
        f"  - {{id: '{'G' * 5000}', demand: 1}}\n"
        + SUPPLIERS
        + f"  - {{id: ga-x, item: gallium, country: CN, unit_cost: 1, {long_key}: 2}}\n"
        f"rules:\n  - {{kind: {'r' * 1000}, name: x}}\n",
    )
    issues = _issues(doc)
    assert len(issues) >= 5
    for issue in issues:
        assert "r" * (SHOWN_CHARS + 1) not in str(issue)
        assert "k" * (SHOWN_CHARS + 1) not in str(issue)
        assert "d" * (SHOWN_CHARS + 1) not in str(issue)
        assert "G" * (SHOWN_CHARS + 1) not in str(issue)


def test_bundled_instances_still_load() -> None:
    from importlib.resources import files

    for name in ("gallium-demo", "critical-minerals", "chips", "energy"):
        inst = trustsource.load(Path(str(files("trustsource.instances") / f"{name}.yaml")))
        assert inst.items
        assert inst.suppliers
