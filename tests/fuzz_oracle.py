"""The fuzz suite's oracle: what loading, solving or the console script may give (issue 10).

Loading gives an Instance or an InstanceError whose every issue is located and quotes no long
value whole (any other exception fails); a plan's status is optimal, feasible, infeasible or
no_solution, a plan has no violations, and a reordering keeps the optimum. Through the installed
console script: exit 0, 2, 3 or 4, never 1; stdout one JSON object; no traceback; no hang.
Deadlines and timeouts everywhere: a hang fails the case. Also the corpus ``tests/data/bad``
(``expected.yaml``) and the cases its tests make at run time.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import trustsource
import yaml
from fuzz_mutations import Mutant
from trustsource.errors import InstanceError, Issue
from trustsource.instance.convert import convert, write_template
from trustsource.limits import MAX_YAML_BYTES

BAD = Path(__file__).parent / "data" / "bad"
VALID = Path(__file__).parent / "data" / "valid"
CORPUS: dict[str, dict[str, Any]] = yaml.safe_load((BAD / "expected.yaml").read_bytes())["cases"]
EXE = Path(sys.executable).with_name("trustsource")

EXIT_OF = {"optimal": 0, "feasible": 0, "infeasible": 3, "no_solution": 4}
STATUS_OF = {0: ("optimal", "feasible"), 2: ("invalid",), 3: ("infeasible",), 4: ("no_solution",)}
LOAD_SECONDS = 20.0  # in-process deadline of one load or solve: a hang fails the case
SOLVE_SECONDS = 5.0
SOLVE_SEEDS = 4  # valid mutants of seeds below this are solved in-process, and every reordering
CLI_TIMEOUT = 60
CLI_TIME_LIMIT = "10"
WORKERS = max(2, min(4, os.cpu_count() or 2))
QUOTE_PROBE = 120  # an issue holding this much of a long value has not cut it to ~80 characters
MAX_ISSUE_CHARS = 1000


# --- one input, in-process -----------------------------------------------------------------------


class Hang(Exception):
    """An in-process call overran its deadline."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` if the block runs longer than ``seconds`` (in the main thread)."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_input(path: Path | None, stdin: bytes | None, cwd: Path) -> Any:
    """``trustsource.load`` of a file, or of bytes as stdin delivers them (run in ``cwd``)."""
    if path is not None:
        return trustsource.load(path)
    assert stdin is not None
    before = Path.cwd()
    os.chdir(cwd)  # stdin confines CSV tables to the current folder
    try:
        return trustsource.load(io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    finally:
        os.chdir(before)


def as_issue(issue: Issue | dict[str, Any]) -> Issue:
    """An issue of the library, or of the CLI's JSON (its keys: location, field, message)."""
    if isinstance(issue, Issue):
        return issue
    return Issue(issue["location"], issue["field"], issue["message"])


def issue_problems(issues: list[Any], long_value: str | None = None) -> list[str]:
    """What is wrong with the issues of a refusal: none, unlocated, empty, or quoting too much."""
    out = [] if issues else ["refused without issues"]
    for issue in map(as_issue, issues):
        text, shown = str(issue), repr(str(issue)[:200])
        if not issue.location.strip() or not issue.message.strip():
            out.append(f"issue without a location or a message: {shown}")
        if len(text) > MAX_ISSUE_CHARS:
            out.append(f"issue of {len(text)} characters: {shown}")
        if long_value and long_value[:QUOTE_PROBE] in text:
            out.append(f"issue quotes a long value whole: {shown}")
    return out


@dataclass
class Outcome:
    """What one mutant gave in-process; ``code`` is the exit code the CLI should give (2
    invalid, 0/3/4 from the plan), ``None`` when it loaded and was not solved."""

    mutant: Mutant
    code: int | None = None
    findings: bool = False
    status: str | None = None
    failure: str | None = None

    def describe(self) -> str:
        return f"{self.mutant.spec.id}: {self.mutant.note}\n    -> {self.failure}"


def _crash(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__name__}{where}: {str(exc)[:300]}"


def check_in_process(m: Mutant, solve: bool, optimum: float | None = None) -> Outcome:
    """Load (and maybe solve) one mutant; ``failure`` says how it broke the oracle, if it did."""
    out = Outcome(m)
    try:
        with deadline(LOAD_SECONDS):
            inst = load_input(m.path, m.stdin, m.cwd)
            out.findings = bool(inst.findings)
            problems = issue_problems(inst.findings, m.long_value) if inst.findings else []
            if problems:
                out.failure = "; ".join(problems)
            elif solve or m.same_plan:
                plan = trustsource.solve(inst, time_limit=SOLVE_SECONDS, mip_rel_gap=1e-6)
                out.status, out.failure = plan.status.value, plan_problem(plan, optimum)
                out.code = EXIT_OF.get(out.status) if out.failure is None else None
    except InstanceError as exc:
        out.code, out.status = 2, None
        out.failure = "; ".join(issue_problems(exc.issues, m.long_value)) or None
    except Exception as exc:  # noqa: BLE001 - any other exception is what we hunt
        out.failure = f"raised {_crash(exc)}"
    return out


def plan_problem(plan: Any, optimum: float | None) -> str | None:
    """A status outside the contract, violations, or (for a reordering) another optimum."""
    status = plan.status.value
    if status not in EXIT_OF:
        return f"plan status {status!r}: {plan.message[:300]}"
    if plan.has_solution and plan.violations:
        shown = "; ".join(v.message for v in plan.violations[:3])[:300]
        return f"a plan with {len(plan.violations)} violations: {shown}"
    if optimum is not None and status == "optimal":
        if not math.isclose(plan.objective, optimum, rel_tol=1e-5, abs_tol=1e-6):
            return f"the reordering changed the optimum: {plan.objective} != {optimum}"
    return None


def one_json_object(text: str | bytes) -> dict[str, Any]:
    doc = json.loads(text)  # one JSON document and nothing around it
    assert isinstance(doc, dict), f"stdout holds a {type(doc).__name__}, not an object"
    return doc


@dataclass
class Target:
    """Where an input is read from: a file, or stdin bytes (run in ``cwd``)."""

    path: Path | None
    stdin: bytes | None
    cwd: Path

    @property
    def arg(self) -> str:
        return "-" if self.path is None else str(self.path)


# --- the console script, as a subprocess ---------------------------------------------------------


@dataclass
class Run:
    """One run of the console script (``code`` is None if it timed out)."""

    command: str
    code: int | None
    stdout: bytes
    stderr: bytes


def run_console(command: str, target: Target, extra: list[str], env: dict[str, str]) -> Run:
    feed: dict[str, Any] = (
        {"input": target.stdin} if target.stdin else {"stdin": subprocess.DEVNULL}
    )
    try:
        proc = subprocess.run(
            [str(EXE), command, target.arg, "--format", "json", *extra],
            capture_output=True,
            cwd=target.cwd,
            env={**os.environ, **env},
            timeout=CLI_TIMEOUT,
            check=False,
            **feed,
        )
    except subprocess.TimeoutExpired as exc:
        return Run(command, None, exc.stdout or b"", exc.stderr or b"")
    return Run(command, proc.returncode, proc.stdout, proc.stderr)


def contract_problems(run: Run) -> list[str]:
    """Breaches of the machine contract: a hang, exit 1, a traceback, stdout not one object."""
    if run.code is None:
        return [f"{run.command}: no exit within {CLI_TIMEOUT} s (a hang)"]
    tail = run.stderr.decode("utf-8", "replace")[-600:]
    problems = [f"{run.command}: exit {run.code}: {tail}"] if run.code not in STATUS_OF else []
    problems += [f"{run.command}: a traceback: {tail}"] if b"Traceback" in run.stderr else []
    try:
        doc = one_json_object(run.stdout.decode("utf-8"))
    except (ValueError, AssertionError) as exc:
        return [*problems, f"{run.command}: stdout is not one JSON object ({exc})"]
    wanted = ("valid",) if run.command == "validate" and run.code == 0 else STATUS_OF.get(run.code)
    if wanted and doc.get("status") not in wanted:
        problems.append(f"{run.command}: exit {run.code} with status {doc.get('status')!r}")
    if run.code == 2:
        problems += [f"{run.command}: {p}" for p in issue_problems(doc.get("issues") or [])]
    if run.code == 0 and run.command == "solve" and doc.get("violations"):
        problems.append(f"solve: exit 0 with violations {doc['violations'][:3]}")
    return problems


# --- the corpus cases made at run time (links, FIFOs, big files, workbooks) ----------------------


def _with_items(tmp: Path, make: Callable[[Path], None]) -> Path:
    """An instance whose ``items.csv`` is made by ``make`` (a link, a FIFO)."""
    (tmp / "inst").mkdir()
    make(tmp / "inst" / "items.csv")
    path = tmp / "inst" / "instance.yaml"
    path.write_text(
        "trustsource: 1\nitems: items.csv\nsuppliers:\n"
        "  - {id: ga-cn-1, item: gallium, country: CN, unit_cost: 600, capacity: 5000}\n"
    )
    return path


def _secret_link(link: Path) -> None:
    secret = link.parent.parent / "outside.csv"
    secret.write_text("id,unit,demand\ns3cr3t,kg,1\n")
    link.symlink_to(secret)


def _workbook(tmp: Path, edit: Callable[[Any], Any]) -> Path:
    """``tests/data/valid/basic.yaml`` as a workbook (by convert), edited with openpyxl."""
    convert(VALID / "basic.yaml", tmp / "base.xlsx")
    wb = openpyxl.load_workbook(tmp / "base.xlsx")
    edit(wb)
    wb.save(tmp / "instance.xlsx")
    return tmp / "instance.xlsx"


def _cell(sheet: str, ref: str, value: Any, text: bool = False) -> Callable[[Path], Path]:
    """A builder of the workbook with one cell set (``text``: a string cell, even "=...")."""

    def edit(wb: Any) -> None:
        wb[sheet][ref] = value
        if text:
            wb[sheet][ref].data_type = "s"

    return lambda tmp: _workbook(tmp, edit)


def _file(tmp: Path, name: str, data: bytes) -> Path:
    (tmp / name).write_bytes(data)
    return tmp / name


DEEP = b"[" * 100_000 + b"]" * 100_000
BUILDERS: dict[str, Callable[[Path], Path]] = {
    "symlink_escape": lambda tmp: _with_items(tmp, _secret_link),
    "symlink_to_dev_zero": lambda tmp: _with_items(tmp, lambda p: p.symlink_to("/dev/zero")),
    "fifo": lambda tmp: _with_items(tmp, os.mkfifo),
    "deep_yaml_100k": lambda tmp: _file(tmp, "instance.yaml", b"trustsource: 1\nitems: " + DEEP),
    "deep_json_100k": lambda tmp: _file(
        tmp, "instance.json", b'{"trustsource": 1, "items": ' + DEEP
    ),
    "yaml_over_size_limit": lambda tmp: _file(tmp, "instance.yaml", b"#" * (MAX_YAML_BYTES + 1)),
    "no_solution_in_time": lambda tmp: _file(
        tmp, "instance.json", (VALID / "basic.json").read_bytes()
    ),
    "xlsx_formula_without_value": _cell("items", "C2", "=1+1"),  # C: demand
    "xlsx_bool_in_number": _cell("items", "C2", True),
    "xlsx_merged_cells": lambda tmp: _workbook(
        tmp, lambda wb: wb["suppliers"].merge_cells("A2:B2")
    ),
    "xlsx_formula_text_as_text": _cell("items", "E2", '=WEBSERVICE("https://x.example")', True),
    "xlsx_truncated": lambda tmp: _file(
        tmp, "instance.xlsx", _workbook(tmp, lambda wb: None).read_bytes()[:2000]
    ),
    "xlsx_not_a_zip": lambda tmp: _file(tmp, "instance.xlsx", b"trustsource: 1\n"),
    "xlsx_empty_template": lambda tmp: write_template(tmp / "instance.xlsx"),
}


def materialize(name: str, exp: dict[str, Any], tmp: Path) -> Target:
    if "build" in exp:
        return Target(BUILDERS[exp["build"]](tmp), None, tmp)
    if "stdin" in exp:
        return Target(None, (BAD / exp["stdin"]).read_bytes(), tmp)
    return Target(BAD / name, None, BAD)
