"""Every command the documentation shows is run, and the key numbers it quotes are compared.

Issue 11, "every doc command is executed by a test". For README.md and every docs/**/*.md:

* shell commands come from fenced ``sh``/``console`` blocks and from bare fenced blocks whose
  lines start with ``$ `` (a console transcript: the lines after a ``$`` line are its output).
  An ``sh`` line may be continued with ``\\`` or carry a here-document (``cat > f <<'EOF'``).
  Each runs through bash, in document order, from a temporary folder holding a copy of
  ``instances/`` (so ``--out`` folders and files the docs create land there, never in the
  repository), with the installed console script ``trustsource`` first on PATH;
* a command must exit 0, or the code its line documents with a trailing ``# exit N`` comment;
* a ``trustsource solve``/``diagnose`` transcript is compared by key, not as text (other
  engineers change the table layouts while this test exists): the command runs again with
  ``--format json`` and the status, total cost, and each item's supply, HHI and country shares
  shown in the doc must match the JSON to the digits shown; a ``--format json`` command followed
  by a ``json`` block is compared on ``status``, ``objective``, ``bound`` and ``mip_gap``;
* ``python`` blocks run in one interpreter per document, in order, after ``import trustsource``
  (of a ``>>>`` session only the input lines run); a top-level expression whose comment starts
  with a value (``plan.objective  # 124220000.0``, ``diag.status  # 'infeasible'``) is
  compared with that value.

Skipped: the two install commands of the README's "Run it" section (creating a virtual
environment and installing the package, and ``.ci/run``), which ``.ci/run`` itself exercises
(it builds and installs the wheel this test runs against).

Files a document names but does not show how to make are given below (``FIXTURES``), so the
document's commands still run. Docs and instances are found relative to this file (CI runs the
tests against the installed wheel, from a fresh clone).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from doc_runner import (
    DOCS,
    IDS,
    PARSED,
    REPO,
    SNIPPET_RUNNER,
    Command,
    Doc,
    check_command,
    check_snippets,
    compare_json,
    compare_plan,
    help_text,
    shown_figures,
    workspace,
)


@pytest.mark.parametrize("doc", PARSED, ids=IDS)
def test_doc_commands_run_and_match(doc: Doc, tmp_path: Path) -> None:
    rel = doc.path.relative_to(REPO).as_posix()
    work = workspace(tmp_path, rel)
    problems: list[str] = []
    for entry in doc.order:
        if isinstance(entry, Command):
            problems += check_command(entry, work)
    if doc.snippets:
        problems += check_snippets(doc.snippets, work, rel)
    assert not problems, f"{rel}:\n" + "\n".join(problems)


def test_the_parser_finds_what_the_docs_show() -> None:
    """The extraction itself: every kind of block is found (a parser that finds nothing would
    let every doc test pass vacuously)."""
    by_doc = dict(zip(IDS, PARSED, strict=True))
    readme = by_doc["README.md"]
    assert not any("pip install" in c.text or ".ci/run" in c.text for c in readme.commands)
    assert any(c.text.startswith("trustsource solve -") for c in readme.commands)
    assert readme.snippets
    cli_doc = by_doc["docs/cli.md"]
    assert any(c.exit_code == 3 for c in cli_doc.commands)
    assert any(c.json_block for c in cli_doc.commands)
    assert sum(len(d.commands) for d in PARSED) >= 40
    assert ast.parse(SNIPPET_RUNNER)  # the snippet runner is valid Python
    figures = shown_figures(
        ["demo: optimal", "total cost: 1,234.50 USD  (MIP gap 0.0000%)",
         "  a: 17,500 kg from DE 57.1%, JP 42.9% (HHI 5,101)"]
    )  # fmt: skip
    assert figures["status"] == "optimal"
    assert figures["total"] == "1,234.50"
    assert figures["items"]["a"] == ("17,500", {"DE": "57.1", "JP": "42.9"}, "5,101")


def test_doc_figures_are_compared_not_trusted() -> None:
    """A wrong figure in a transcript is reported (the comparison has teeth)."""
    plan = {
        "status": "optimal",
        "objective": 1234.5,
        "items": [{"item": "a", "supply": 10.0, "hhi": 5200.0}],
        "allocations": [
            {"item": "a", "country": "DE", "quantity": 6.0},
            {"item": "a", "country": "JP", "quantity": 4.0},
        ],
    }
    good = shown_figures(["d: optimal", "total cost: 1,234.50 USD",
                          "  a: 10 kg from DE 60.0%, JP 40.0% (HHI 5,200)"])  # fmt: skip
    assert compare_plan(good, plan) == []
    bad = shown_figures(["d: infeasible", "total cost: 1,235.50 USD",
                         "  a: 10 kg from DE 61.0%, JP 40.0% (HHI 5,300)"])  # fmt: skip
    assert len(compare_plan(bad, plan)) == 4
    assert compare_json('{"status": "optimal", "objective": 1234.5}', plan) == []
    assert compare_json('{"objective": 1.0}', plan) == ["objective: doc 1.0, now 1234.5"]


def test_cli_md_documents_every_command_and_option() -> None:
    """docs/cli.md said two subcommands when there were eleven: every command `trustsource
    --help` lists has its section, and every option its `--help` lists is named in that section
    or in a row of the common-options table that names the command."""
    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    listing = help_text().split("Commands:", 1)[1]
    commands = re.findall(r"^  (\w+)\s", listing, flags=re.M)
    assert len(commands) == 17, commands
    common = [row for row in text.splitlines() if row.startswith("| `--")]
    missing = []
    for command in commands:
        parts = text.split(f"## trustsource {command}\n", 1)
        if len(parts) == 1:
            missing.append(f"no section '## trustsource {command}'")
            continue
        section = parts[1].split("\n## ", 1)[0]
        for option in sorted(set(re.findall(r"^  (?:-\w, )?(--[\w-]+)", help_text(command), re.M))):
            if option in ("--help", "--debug"):
                continue  # documented once for every command
            in_common = any(f"`{option}" in row and command in row for row in common)
            if option not in section and not in_common:
                missing.append(f"{command} {option}")
    assert not missing, missing


def test_docs_cite_only_documents_inside_the_repository() -> None:
    """Links resolve to files of this repository; no design notes or shared folders outside it."""
    problems = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(REPO).as_posix()
        if "../shared" in text:
            problems.append(f"{rel}: cites the folder outside the repository")
        # Any Markdown document named in the text must be one the repository ships.
        shipped = {p.name for p in REPO.rglob("*.md")}
        for name in set(re.findall(r"[\w.-]+\.md\b", text)) - shipped:
            problems.append(f"{rel}: names {name!r}, which is not in the repository")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (path.parent / target).resolve()
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                problems.append(f"{rel}: link {target} leads outside the repository or nowhere")
    assert not problems, problems


def test_source_paths_named_in_docs_exist() -> None:
    """A doc that points a reader at `optimizer/...` or `cli/...` names a file or folder that
    exists, so the docs follow the code when it moves (the layout of issue 12 moved many)."""
    problems = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for named in set(re.findall(r"`((?:optimizer|cli|benchmarks)/[\w/.-]*)`", text)):
            if not (REPO / named).exists():
                problems.append(f"{path.relative_to(REPO).as_posix()}: {named} does not exist")
    assert not problems, problems
