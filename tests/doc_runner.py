"""How tests/test_docs.py runs the documentation: parsing, running, comparing by key.

See test_docs.py for what is checked; this module holds the machinery (kept apart so each file
stays short).
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
SKIPPED_SECTION = ("README.md", "## Run it")  # install commands: .ci/run exercises them
TIMEOUT = 300  # seconds for one command; the slowest documented command takes about 10 s
STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "no_solution", "error")

# Files a document names without showing how to make them (its prose describes them).
# diagnose.md, "the three-supplier example": buy 2,000 units; S1 in XA holds 600, S2 in XB 800,
# S3 in XC 1,200; each country at most 30 % and an exit right of 90 %.
THREE = """\
trustsource: 1
name: three-supplier
items: [{id: widget, demand: 2000}]
suppliers:
  - {id: s1, item: widget, country: XA, fixed_cost: 100, capacity: 600,
     price_tiers: {mode: incremental, breaks: [{from: 0, price: 10}, {from: 300, price: 7}]}}
  - {id: s2, item: widget, country: XB, fixed_cost: 500, capacity: 800, unit_cost: 2}
  - {id: s3, item: widget, country: XC, fixed_cost: 300, capacity: 1200,
     price_tiers: {mode: incremental, breaks: [{from: 0, price: 6}, {from: 500, price: 4}]}}
rules:
  - {name: cap-30, kind: country_cap, max_share: 0.3}
  - {name: exit-any, kind: exit, lose: country, coverage: 0.9}
"""
FIXTURES: dict[str, dict[str, str]] = {"docs/diagnose.md": {"three.yaml": THREE}}
# Names every document's Python assumes (``import trustsource``), and the ``inst`` that
# formulation.md's verifier example uses without defining it (the gallium demo, per its text).
PRELUDE = "import trustsource"
PRELUDES: dict[str, str] = {
    "docs/formulation.md": 'inst = trustsource.load("instances/gallium-demo.yaml")',
}


@dataclass
class Command:
    """A shell command of a document, with what the document says it does."""

    line: int
    text: str
    exit_code: int = 0
    output: list[str] | None = None  # the transcript's output lines, if shown
    json_block: str | None = None  # a ``json`` block right after the command's block


@dataclass
class Snippet:
    """A ``python`` block."""

    line: int
    code: str


@dataclass
class Doc:
    path: Path
    commands: list[Command] = field(default_factory=list)
    snippets: list[Snippet] = field(default_factory=list)
    order: list[Command | Snippet] = field(default_factory=list)


_FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
_EXIT = re.compile(r"\s#\s*exit\s+(\d+)")
_HEREDOC = re.compile(r"<<-?\s*'?\"?(\w+)'?\"?")


def _blocks(text: str) -> list[tuple[int, str, list[str]]]:
    """(first line number, info string, lines with the fence's indentation removed)."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, info, body, j = len(m.group(1)), m.group(2), [], i + 1
        while j < len(lines) and not re.match(r"^\s*```\s*$", lines[j]):
            body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j])
            j += 1
        blocks.append((i + 2, info, body))
        i = j + 1
    return blocks


def _sh_commands(start: int, body: list[str]) -> list[Command]:
    """Commands of an ``sh`` block: continuation lines and here-documents joined."""
    out, i = [], 0
    while i < len(body):
        line = body[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        first, parts = i, [line]
        while parts[-1].endswith("\\") and i + 1 < len(body):
            i += 1
            parts.append(body[i])
        heredoc = _HEREDOC.search(line)
        if heredoc:
            while i + 1 < len(body) and body[i].strip() != heredoc.group(1):
                i += 1
                parts.append(body[i])
        m = _EXIT.search(line)
        out.append(Command(start + first, "\n".join(parts), int(m.group(1)) if m else 0))
        i += 1
    return out


def _console_commands(start: int, body: list[str]) -> list[Command]:
    """``$ command`` lines of a transcript, each with the output lines under it."""
    out: list[Command] = []
    for k, line in enumerate(body):
        if line.startswith("$ "):
            m = _EXIT.search(line)
            out.append(Command(start + k, line[2:], int(m.group(1)) if m else 0, []))
        elif out:
            assert out[-1].output is not None
            out[-1].output.append(line)
    return out


def parse(path: Path) -> Doc:
    """The commands and Python snippets of one document, in order."""
    doc, text = Doc(path), path.read_text(encoding="utf-8")
    rel = path.relative_to(REPO).as_posix()
    skip_from = skip_to = -1
    if rel == SKIPPED_SECTION[0]:
        lines = text.splitlines()
        skip_from = next(n for n, x in enumerate(lines) if x.startswith(SKIPPED_SECTION[1])) + 1
        skip_to = next(n for n in range(skip_from, len(lines)) if lines[n].startswith("## ")) + 1
    last: Command | None = None
    for start, info, body in _blocks(text):
        if skip_from <= start <= skip_to:
            continue
        if info == "python":
            if any(b.startswith(">>> ") for b in body):  # a session: its input lines only
                body = [b[4:] if b.startswith((">>> ", "... ")) else "" for b in body]
            snippet = Snippet(start, "\n".join(body))
            doc.snippets.append(snippet)
            doc.order.append(snippet)
            continue
        if info == "json" and last is not None and last.json_block is None:
            last.json_block = "\n".join(body)
            continue
        if info == "sh":
            commands = _sh_commands(start, body)
        elif info == "console" or (
            info == "" and next((b for b in body if b.strip()), "").startswith("$ ")
        ):
            commands = _console_commands(start, body)
        else:
            last = None
            continue
        doc.commands.extend(commands)
        doc.order.extend(commands)
        last = commands[-1] if commands else None
    return doc


PARSED = [parse(p) for p in DOCS]
IDS = [d.path.relative_to(REPO).as_posix() for d in PARSED]


# --- numbers shown in a transcript --------------------------------------------------------------

_NUMBER = r"-?[\d,]*\.?\d+"
_STATUS_LINE = re.compile(rf"^(\S.*): ({'|'.join(STATUSES)})(?:$|, )")  # may add ", why"
_TOTAL = re.compile(rf"total cost(?: over [^:]*)?: ({_NUMBER})")  # periodic: "over Y1-Y2 (...)"
_HEADING = re.compile(r"^\s*([\w.-]+):$")  # "  gallium:" above its periods' lines
_SHARES = re.compile(rf"^\s*([\w.-]+): ({_NUMBER}) \S+ from (.*?)(?: \(HHI ({_NUMBER})\))?$")
_SHARE = re.compile(rf"([A-Z]{{2}}) ({_NUMBER})\s?%")


def _value(text: str) -> tuple[float, float]:
    """A number as shown and half a unit of its last digit (the rounding it may hide)."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return float(text.replace(",", "")), 0.5 * 10.0**-decimals


def _close(actual: Any, shown: str, scale: float = 1.0) -> bool:
    value, half = _value(shown)
    return actual is not None and abs(actual * scale - value) <= half * (1 + 1e-9) + 1e-9


def shown_figures(output: list[str]) -> dict[str, Any]:
    """Status, total cost and per-item supply, HHI and country shares of a transcript."""
    figures: dict[str, Any] = {"items": {}}
    heading: str | None = None
    for line in output:
        if m := _HEADING.match(line):
            heading = m.group(1)
        elif "status" not in figures and (m := _STATUS_LINE.match(line)):
            figures["status"] = m.group(2)
        elif "total" not in figures and (m := _TOTAL.search(line)):
            figures["total"] = m.group(1)
        elif (m := _SHARES.match(line)) and _SHARE.search(m.group(3)):
            shares = dict(_SHARE.findall(m.group(3)))
            key = m.group(1)
            if heading is not None and re.fullmatch(r"\d{4}", key):
                key = f"{heading}@{key}"  # a periodic plan: item@period
            figures["items"][key] = (m.group(2), shares, m.group(4))
    return figures


def compare_plan(figures: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    """Differences between a transcript's figures and the plan JSON of the same command."""
    problems = []
    if "status" in figures and figures["status"] != plan.get("status"):
        problems.append(f"status: doc {figures['status']}, now {plan.get('status')}")
    if "total" in figures and not _close(plan.get("objective"), figures["total"]):
        problems.append(f"total cost: doc {figures['total']}, now {plan.get('objective')}")
    items = {
        row["item"] if row.get("period") is None else f"{row['item']}@{row['period']}": row
        for row in plan.get("items", [])
    }
    for item, (supply, shares, hhi) in figures["items"].items():
        row = items.get(item)
        if row is None:
            problems.append(f"{item}: in the doc, not in the plan")
            continue
        if not _close(row.get("supply"), supply):
            problems.append(f"{item} supply: doc {supply}, now {row.get('supply')}")
        if hhi is not None and not _close(row.get("hhi"), hhi):
            problems.append(f"{item} HHI: doc {hhi}, now {row.get('hhi')}")
        by_country: dict[str, float] = {}
        for a in plan.get("allocations", []):
            key = a["item"] if a.get("period") is None else f"{a['item']}@{a['period']}"
            if key == item:
                by_country[a["country"]] = by_country.get(a["country"], 0.0) + a["quantity"]
        for country, share in shares.items():
            actual = by_country.get(country, 0.0) / row["supply"] if row.get("supply") else None
            if not _close(actual, share, 100.0):
                problems.append(f"{item} {country} share: doc {share} %, now {actual}")
    return problems


def compare_json(shown: str, actual: dict[str, Any]) -> list[str]:
    """A documented JSON excerpt against the command's JSON, on its stable key figures."""
    try:
        excerpt = json.loads(shown)
    except json.JSONDecodeError as exc:
        return [f"the json block is not JSON: {exc}"]
    problems = []
    for key in ("status", "objective", "bound", "mip_gap"):
        if key not in excerpt:
            continue
        want, got = excerpt[key], actual.get(key)
        same = (
            math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)
            if isinstance(want, float) and isinstance(got, (int, float))
            else got == want
        )
        if not same:
            problems.append(f"{key}: doc {want!r}, now {got!r}")
    return problems


# --- running ----------------------------------------------------------------------------------


def workspace(tmp_path: Path, rel: str) -> Path:
    """A folder with a copy of instances/ and the document's fixtures."""
    work = tmp_path / "work"
    shutil.copytree(REPO / "instances", work / "instances",
                    ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))  # fmt: skip
    for name, text in FIXTURES.get(rel, {}).items():
        (work / name).write_text(text, encoding="utf-8")
    return work


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TRUSTSOURCE_DATA_ROOT"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(command: str, work: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        cwd=work,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def json_variant(command: str) -> list[str] | None:
    """The argv of a simple ``trustsource solve|diagnose`` command with ``--format json``."""
    if any(c in command for c in ";|&<>\n"):
        return None
    argv = shlex.split(command, comments=True)
    if argv[:1] != ["trustsource"] or len(argv) < 2 or argv[1] not in ("solve", "diagnose"):
        return None
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--format", "--out"):
            skip = True
        elif not arg.startswith(("--format=", "--out=")):
            out.append(arg)
    return [*out, "--format", "json"]


def check_command(cmd: Command, work: Path) -> list[str]:
    where = f"line {cmd.line}: {cmd.text.splitlines()[0]}"
    if re.search(r"(^|[\s=])/(?!dev/null)\w", cmd.text.split("<<")[0]):
        return [f"{where}: uses an absolute path; doc commands must run from any checkout"]
    argv = json_variant(cmd.text)
    figures = shown_figures(cmd.output) if argv is not None and cmd.output else None
    again = None
    if figures and ("status" in figures or "total" in figures or figures["items"]):
        # The JSON twin writes nothing (no --out), so it runs beside the documented command:
        # the two share the wall clock instead of adding up.
        again = subprocess.Popen(
            argv, cwd=work, env=environment(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    try:
        proc = run(cmd.text, work)
        twin = again.communicate(timeout=TIMEOUT) if again is not None else None
    finally:
        if again is not None and again.poll() is None:
            again.kill()
    if proc.returncode != cmd.exit_code:
        return [
            f"{where}: exit {proc.returncode}, documented {cmd.exit_code}\n"
            f"    stderr: {proc.stderr.strip()[-600:]}"
        ]
    problems: list[str] = []
    if argv is not None and cmd.json_block is not None and "--format json" in cmd.text:
        problems += compare_json(cmd.json_block, json.loads(proc.stdout))
    elif again is not None and twin is not None and figures is not None:
        if again.returncode != cmd.exit_code:
            problems.append(f"--format json: exit {again.returncode}: {twin[1][-300:]}")
        else:
            if argv is not None and argv[1] == "diagnose":
                figures = {"status": figures.get("status"), "items": {}}
            problems += compare_plan(figures, json.loads(twin[0]))
    return [f"{where}: {p}" for p in problems]


# Runs the snippets of one document in one namespace; top-level expressions with a value in
# their comment are compared with it. Prints a JSON list of problems.
SNIPPET_RUNNER = textwrap.dedent(
    r"""
    import ast, io, json, math, sys, tokenize, traceback
    blocks, problems, namespace = json.load(sys.stdin), [], {"__name__": "__doc__"}

    def expected(comment):
        text = comment.lstrip("#").strip()
        for quote in ("'", '"'):
            if text.startswith(quote) and quote in text[1:]:
                return text[1:text.index(quote, 1)]
        word = text.split()[0].rstrip(":;,") if text else ""
        if word in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[word]
        try:
            return float(word.replace(",", ""))
        except ValueError:
            return ...

    def same(value, want):
        if isinstance(want, float) and isinstance(value, (int, float)) and value is not True:
            return math.isclose(value, want, rel_tol=1e-9, abs_tol=1e-6)
        if isinstance(want, str):
            return str(getattr(value, "value", value)) == want
        return value is want

    for start, code in blocks:
        comments = {}
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = tok.string
        try:
            for stmt in ast.parse(code).body:
                want = expected(comments.get(stmt.end_lineno, ""))
                if isinstance(stmt, ast.Expr) and want is not ...:
                    value = eval(compile(ast.Expression(stmt.value), "<doc>", "eval"), namespace)
                    if not same(value, want):
                        problems.append(f"line {start + stmt.lineno - 1}: "
                                        f"{ast.unparse(stmt.value)} is {value!r}, doc {want!r}")
                else:
                    exec(compile(ast.Module([stmt], []), "<doc>", "exec"), namespace)
        except Exception:
            problems.append(f"block at line {start}: {traceback.format_exc(limit=3)}")
            break
    print(json.dumps(problems))
    """
)


def check_snippets(snippets: list[Snippet], work: Path, rel: str) -> list[str]:
    prelude = "\n".join(p for p in (PRELUDE, PRELUDES.get(rel)) if p)
    blocks = [(0, prelude)] + [(s.line, s.code) for s in snippets]
    proc = subprocess.run(
        [sys.executable, "-c", SNIPPET_RUNNER],
        input=json.dumps(blocks),
        cwd=work,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if proc.returncode != 0:
        return [f"python snippets: exit {proc.returncode}: {proc.stderr[-800:]}"]
    return list(json.loads(proc.stdout.strip().splitlines()[-1]))


def help_text(*args: str) -> str:
    exe = Path(sys.executable).with_name("trustsource")
    proc = subprocess.run([str(exe), *args, "--help"], capture_output=True, text=True, check=True)
    return proc.stdout
