"""Fuzz suite, corpus: the hostile files of ``tests/data/bad`` and what each must give (issue 10).

Each case of ``tests/data/bad/expected.yaml`` runs through the library (``trustsource.load``, then
``solve``) and the command line (``validate`` and ``solve --format json``, click's runner); the
cases marked ``console`` also through the installed console script, as subprocesses started in
the shared thread pool (``tests/fuzz_runs.py``). Oracle and deadlines: ``tests/fuzz_oracle.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import trustsource
from click.testing import CliRunner
from fuzz_oracle import (
    BAD,
    CLI_TIME_LIMIT,
    CORPUS,
    LOAD_SECONDS,
    STATUS_OF,
    as_issue,
    contract_problems,
    deadline,
    issue_problems,
    load_input,
    materialize,
    one_json_object,
)
from trustsource.cli.main import cli
from trustsource.errors import InstanceError

if TYPE_CHECKING:
    from fuzz_runs import Console

pytest_plugins = ["fuzz_runs"]  # the session fixtures fuzz and console, shared with the mutations


@pytest.fixture(autouse=True)
def _no_root_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTSOURCE_DATA_ROOT", raising=False)


def _corpus(console_only: bool = False) -> list[Any]:
    out = []
    for name, exp in CORPUS.items():
        if exp.get("console") or not console_only:
            out.append(pytest.param(name, exp, id=name))
    return out


def expect_issues(issues: list[Any], exp: dict[str, Any]) -> None:
    """The issues are sound and hold (or lack) the substrings ``expected.yaml`` names."""
    texts = "\n".join(str(as_issue(i)) for i in issues)
    assert not issue_problems(issues), issue_problems(issues)
    for part in exp.get("contains", []):
        assert part in texts, f"{part!r} not in the issues:\n{texts}"
    for part in exp.get("absent", []):
        assert part not in texts, f"{part!r} in the issues:\n{texts}"


def test_corpus_lists_every_file() -> None:
    """Every file of tests/data/bad is a case of expected.yaml (or a case's CSV folder)."""
    used = {n for n, e in CORPUS.items() if "build" not in e and "stdin" not in e}
    used |= {e["stdin"] for e in CORPUS.values() if "stdin" in e} | {"expected.yaml"}
    for path in BAD.iterdir():
        if path.is_dir():
            assert f"{path.name}.yaml" in CORPUS, f"{path.name}/ belongs to no case"
        else:
            assert path.name in used, f"{path.name} has no expected outcome in expected.yaml"
    for name, exp in CORPUS.items():
        assert exp["exit"] in STATUS_OF, name
        assert ("status" in exp) == (exp["exit"] != 2), name
        assert exp["exit"] != 2 or exp.get("contains"), f"{name}: say where the issue is"


@pytest.mark.parametrize(("name", "exp"), _corpus())
def test_corpus_library(
    name: str, exp: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corpus case through ``trustsource.load`` (and ``solve``): its expected outcome."""
    for key, value in exp.get("env", {}).items():
        monkeypatch.setenv(key, value)
    target = materialize(name, exp, tmp_path)
    with deadline(LOAD_SECONDS):
        if exp["exit"] == 2:
            with pytest.raises(InstanceError) as err:
                load_input(target.path, target.stdin, target.cwd)
            expect_issues(err.value.issues, exp)
            return
        inst = load_input(target.path, target.stdin, target.cwd)
        assert not inst.findings
        plan = trustsource.solve(inst, time_limit=exp.get("time_limit", 10), mip_rel_gap=1e-6)
    assert plan.status.value == exp["status"], plan.message
    assert plan.violations == []


@pytest.mark.parametrize(("name", "exp"), _corpus())
def test_corpus_command_line(
    name: str, exp: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A corpus case through ``validate`` and ``solve --format json`` (click's runner)."""
    for key, value in exp.get("env", {}).items():
        monkeypatch.setenv(key, value)
    target = materialize(name, exp, tmp_path)
    monkeypatch.chdir(target.cwd)
    limit = ["--time-limit", str(exp.get("time_limit", CLI_TIME_LIMIT))]
    for command, extra, code in (
        ("validate", [], 2 if exp["exit"] == 2 else 0),
        ("solve", limit, exp["exit"]),
    ):
        with deadline(LOAD_SECONDS):
            args = [command, target.arg, "--format", "json", *extra]
            result = CliRunner().invoke(cli, args, input=target.stdin)
        shown = f"{command}: exit {result.exit_code}\n{result.output[-2000:]}"
        assert result.exit_code == code, shown
        doc = one_json_object(result.stdout)
        if code == 2:
            assert doc["status"] == "invalid", shown
            expect_issues(doc["issues"], exp)
        elif command == "solve":
            assert (doc["status"], doc["violations"]) == (exp["status"], []), shown
        else:
            assert doc["status"] == "valid", shown
        assert not any(part in result.output for part in exp.get("absent", [])), shown


@pytest.mark.parametrize(("name", "exp"), _corpus(console_only=True))
def test_corpus_console_script(console: Console, name: str, exp: dict[str, Any]) -> None:
    """Corpus cases marked ``console``, through the installed console script."""
    run = console.runs[name].result()
    assert not contract_problems(run), contract_problems(run)
    assert run.code == (exp["exit"] if run.command == "solve" else 2)
    doc = one_json_object(run.stdout)
    if run.code == 2:
        expect_issues(doc["issues"], exp)
    else:
        assert doc["status"] == exp["status"]
    assert not any(part.encode() in run.stdout + run.stderr for part in exp.get("absent", []))
