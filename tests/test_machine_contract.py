"""stdout is the machine contract: every command and format, run as the installed console script.

In-process runners (click's CliRunner) replace ``sys.stdout`` and never see what C libraries
write to file descriptor 1 (highspy 1.16 prints a banner from its constructor), so every test
here runs ``trustsource`` as a subprocess and parses stdout exactly as an integration would.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
BASIC = DATA / "valid" / "basic.yaml"
BAD = DATA / "invalid" / "several_errors.yaml"
FAST = ["--time-limit", "60", "--mip-gap", "0"]

# (command line after the file, formats it offers on stdout)
COMMANDS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "validate": ([], ("json",)),
    "solve": (FAST, ("json", "csv", "table")),
    "explain": (["--time-limit", "60", "--workers", "1"], ("json", "csv", "table")),
    "diagnose": (["--time-limit", "60"], ("json", "csv", "table")),
    "compare": (["--workers", "1", *FAST], ("json", "csv", "table")),
    "stress": (["--workers", "1", *FAST], ("json", "csv", "table")),
    "sweep": (
        [
            "--rule",
            "cap-70",
            "--param",
            "max_share",
            "--from",
            "1",
            "--to",
            "0.8",
            "--step",
            "0.1",
            "--workers",
            "1",
            *FAST,
        ],
        ("json", "csv", "table"),
    ),
}
CASES = [(cmd, fmt) for cmd, (_, fmts) in COMMANDS.items() for fmt in fmts]


def run_cli(
    *args: object, stdin: str | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user's shell or an integration runs it."""
    exe = Path(sys.executable).with_name("trustsource")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(("command", "fmt"), CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_stdout_holds_only_the_result(command: str, fmt: str) -> None:
    extra, _ = COMMANDS[command]
    proc = run_cli(command, BASIC, "--format", fmt, *extra)
    assert proc.returncode in (0, 3), proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Running HiGHS" not in proc.stdout
    if fmt == "json":
        doc = json.loads(proc.stdout)  # exactly one JSON document, nothing around it
        assert isinstance(doc, dict)
        assert doc
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(proc.stdout)))
        assert rows  # at least the header (a feasible instance has no relaxations to list)
        assert all(len(r) == len(rows[0]) for r in rows if r)
    else:
        assert proc.stdout.strip()


@pytest.mark.parametrize("command", list(COMMANDS), ids=list(COMMANDS))
def test_invalid_input_is_one_json_object(command: str) -> None:
    extra, _ = COMMANDS[command]
    proc = run_cli(command, BAD, "--format", "json", *extra)
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "invalid"
    assert len(doc["issues"]) >= 2  # several_errors.yaml: every issue, in one run
    for issue in doc["issues"]:
        assert set(issue) >= {"location", "field", "message"}
        assert issue["location"].startswith("several_errors.yaml")
    assert "Traceback" not in proc.stderr


def test_unparsable_stdin_is_one_json_object() -> None:
    proc = run_cli("solve", "-", "--format", "json", stdin="trustsource: 1\nitems: [\n")
    assert proc.returncode == 2
    doc = json.loads(proc.stdout)
    assert doc["status"] == "invalid"
    assert doc["issues"][0]["location"].startswith("<stdin>")


def test_highspy_output_never_reaches_stdout() -> None:
    """Canary for new highspy releases: what highspy prints must stay off the CLI's stdout.

    The first half records whether the installed highspy writes to descriptor 1 on its own (1.16
    does); the second proves the CLI's guard keeps it out of the machine output either way.
    """
    probe = subprocess.run(
        [sys.executable, "-c", "import highspy; h = highspy.Highs(); h.run()"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    proc = run_cli("solve", BASIC, "--format", "json", *FAST)
    import highspy

    version = getattr(highspy.Highs(), "version", lambda: "?")()
    try:
        json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"highspy {version} writes {probe.stdout[:80]!r} to stdout and it reached "
            "`trustsource solve --format json`: the descriptor-1 guard in cli/guard.py no "
            "longer holds for this release"
        )


def test_solver_log_goes_to_stderr() -> None:
    proc = run_cli("solve", BASIC, "--format", "json", "--solver-log", *FAST)
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)
    assert "HiGHS" in proc.stderr  # the log the user asked for, where it cannot break parsing


WIDE = """\
trustsource: 1
items:
  - {id: a, demand: 100}
suppliers:
  - {id: s1, item: a, country: US, unit_cost: 0.0001, capacity: 1000}
  - {id: s2, item: a, country: CN, unit_cost: 1.0e8, capacity: 1000}
"""


def test_wide_ranges_warn_but_do_not_block() -> None:
    proc = run_cli("validate", "-", "--format", "json", stdin=WIDE)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "valid"
    assert [i["kind"] for i in doc["issues"]] == ["warning"]
    assert "ratio of 1.0e+12" in doc["issues"][0]["message"]
    proc = run_cli("solve", "-", "--format", "json", stdin=WIDE)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["warnings"]
    assert "warning:" in proc.stderr


def test_worker_processes_print_nothing_either() -> None:
    """Worker processes inherit the guarded descriptor: no banner per worker, anywhere."""
    proc = run_cli("stress", BASIC, "--format", "json", "--workers", "2", *FAST)
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)
    assert "Running HiGHS" not in proc.stdout + proc.stderr
