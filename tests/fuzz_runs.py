"""The fuzz suite's shared runs: each mutant built and checked once, and the console-script
runs (corpus cases and a sample of mutants) in a thread pool (issue 10).

A pytest plugin of ``test_fuzz.py`` and ``test_fuzz_corpus.py`` (their ``pytest_plugins``), so
that the session fixtures :func:`fuzz` and :func:`console` exist once for both: the pool starts
with the first test that asks for it and its subprocesses overlap the in-process work.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import trustsource
from fuzz_mutations import CONSOLE_SAMPLE, Mutant, Spec, Workspace, build, specs
from fuzz_oracle import (
    CLI_TIME_LIMIT,
    CORPUS,
    SOLVE_SECONDS,
    SOLVE_SEEDS,
    WORKERS,
    Outcome,
    Run,
    Target,
    check_in_process,
    materialize,
    run_console,
)


class FuzzRun:
    """Builds and checks each mutant once, on demand; knows the bases' own optima."""

    def __init__(self, root: Path) -> None:
        self.ws = Workspace(root / "bases")
        self.out = root / "mutants"
        self.outcomes: dict[str, Outcome] = {}
        self.seconds: dict[str, float] = {}
        self._optima: dict[str, float | None] = {}

    def optimum(self, base: str) -> float | None:
        if base not in self._optima:
            inst = trustsource.load(self.ws.original(base))
            plan = trustsource.solve(inst, time_limit=SOLVE_SECONDS, mip_rel_gap=1e-6)
            self._optima[base] = plan.objective if plan.status.value == "optimal" else None
        return self._optima[base]

    def outcome(self, spec: Spec) -> Outcome:
        if spec.id not in self.outcomes:
            m = build(spec, self.ws, self.out)
            optimum = self.optimum(spec.base) if m.same_plan else None
            solve = spec.seed < SOLVE_SEEDS or spec in CONSOLE_SAMPLE  # compared with the CLI
            self.outcomes[spec.id] = check_in_process(m, solve, optimum)
        return self.outcomes[spec.id]

    def form(self, form: str) -> list[Outcome]:
        started = time.perf_counter()
        out = [self.outcome(s) for s in specs() if s.form == form]
        self.seconds.setdefault(form, time.perf_counter() - started)
        return out


@pytest.fixture(scope="session")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> FuzzRun:
    return FuzzRun(tmp_path_factory.mktemp("fuzz"))


class Console:
    """The console-script runs, in a thread pool started before the in-process work."""

    def __init__(self, fuzz: FuzzRun, root: Path, wanted: set[str]) -> None:
        self.pool = ThreadPoolExecutor(WORKERS)
        self.runs: dict[str, Future[Any]] = {}
        for name, exp in CORPUS.items():
            if exp.get("console") and name in wanted:
                (root / name).mkdir(parents=True)
                self.runs[name] = self.pool.submit(self._corpus, name, exp, root / name)
        for spec in CONSOLE_SAMPLE:
            if spec.id in wanted:
                self.runs[spec.id] = self.pool.submit(self._mutant, spec, fuzz.ws, root / "sample")

    @staticmethod
    def _corpus(name: str, exp: dict[str, Any], folder: Path) -> Run:
        target = materialize(name, exp, folder)
        if exp["exit"] == 2 and target.stdin is None:
            return run_console("validate", target, [], exp.get("env", {}))
        limit = ["--time-limit", str(exp.get("time_limit", CLI_TIME_LIMIT))]
        return run_console("solve", target, limit, exp.get("env", {}))

    @staticmethod
    def _mutant(spec: Spec, ws: Workspace, out: Path) -> tuple[Mutant, list[Run]]:
        m = build(spec, ws, out)
        target = Target(m.path, m.stdin, m.cwd)
        runs = [run_console("validate", target, [], {})]
        if runs[0].code != 2 or spec.form == "stdin" or spec.seed % 3 == 0:
            runs.append(run_console("solve", target, ["--time-limit", CLI_TIME_LIMIT], {}))
        return m, runs


@pytest.fixture(scope="session")
def console(
    fuzz: FuzzRun, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Console]:
    """Starts the runs of the selected console-script tests (all of them in a full run)."""
    tests = ("test_corpus_console_script", "test_console_script_sample")
    wanted = {
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", None) in tests and hasattr(item, "callspec")
    }
    runs = Console(fuzz, tmp_path_factory.mktemp("console"), wanted)
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)
