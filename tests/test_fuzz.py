"""Fuzz suite, mutations: 620 deterministic mutations never crash, hang or pass as valid (issue 10).

Deterministic mutations (``tests/fuzz_mutations.py``) of the bundled instances and
``tests/data/valid`` as YAML, JSON, stdin, CSV folders and workbooks, judged by the oracle of
``tests/fuzz_oracle.py``: a mutation known to break the input (a negative capacity, an unknown
item, a duplicate id, a boolean where a number belongs...) is refused, plans are sound and a
reordering keeps the optimum. The bulk runs in-process; a sample covering every form and kind
runs through the installed console script, as subprocesses in a thread pool
(``tests/fuzz_runs.py``) that starts first and overlaps the in-process work. The hostile-file
corpus is ``tests/test_fuzz_corpus.py``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest
from fuzz_mutations import CONSOLE_SAMPLE, FORMS, KINDS, SEEDS, Spec
from fuzz_oracle import contract_problems

if TYPE_CHECKING:
    from fuzz_runs import Console, FuzzRun

pytest_plugins = ["fuzz_runs"]  # the session fixtures fuzz and console, shared with the corpus


@pytest.fixture(autouse=True)
def _no_root_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTSOURCE_DATA_ROOT", raising=False)


# --- the mutations, in-process -------------------------------------------------------------------


@pytest.mark.usefixtures("console")  # start the console-script runs first: they overlap this
@pytest.mark.parametrize("form", FORMS)
def test_mutations_in_process(fuzz: FuzzRun, form: str) -> None:
    """Every mutation of a form: an Instance or located issues, and sound plans."""
    outcomes = fuzz.form(form)
    assert len(outcomes) == SEEDS * len(KINDS[form])
    failed = [o.describe() for o in outcomes if o.failure]
    assert not failed, f"{len(failed)} of {len(outcomes)} {form} mutations:\n" + "\n".join(failed)


def test_no_bad_input_accepted(fuzz: FuzzRun) -> None:
    """A mutation known to break the input (negative, unknown, duplicate...) is refused."""
    known = [o for form in FORMS for o in fuzz.form(form) if o.mutant.invalid]
    assert len(known) >= 200  # the claim below is about a real number of cases
    accepted = [
        f"{o.mutant.spec.id}: {o.mutant.note} -> loaded" + (f", {o.status}" if o.status else "")
        for o in known
        if o.code != 2 and o.failure is None
    ]
    assert not accepted, f"{len(accepted)} bad inputs accepted:\n" + "\n".join(accepted)


def test_mutation_counts(fuzz: FuzzRun, capsys: pytest.CaptureFixture[str]) -> None:
    """At least 500 mutations, and every form reaches both refusals and verified plans."""
    lines, total = [], 0
    for form in FORMS:
        outcomes = fuzz.form(form)
        codes = Counter("loaded" if o.code is None else str(o.code) for o in outcomes)
        assert codes["2"] > 0, f"no {form} mutation was refused"
        assert codes["0"] > 0, f"no {form} mutation solved to a verified plan"
        total += len(outcomes)
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(codes.items()))
        lines.append(f"  {form:5s} {len(outcomes):3d} in {fuzz.seconds[form]:4.1f} s  {shown}")
    assert total >= 500
    with capsys.disabled():
        print(f"\nfuzz: {total} mutations in-process (exit code they give)\n" + "\n".join(lines))


@pytest.mark.parametrize("spec", CONSOLE_SAMPLE, ids=[s.id for s in CONSOLE_SAMPLE])
def test_console_script_sample(console: Console, fuzz: FuzzRun, spec: Spec) -> None:
    """A mutation through the console script: the contract, and the library's verdict."""
    m, runs = console.runs[spec.id].result()
    problems = [p for run in runs for p in contract_problems(run)]
    outcome, codes = fuzz.outcome(spec), {r.command: r.code for r in runs}
    if outcome.failure is None:  # the library's verdict, which the CLI must share
        if codes["validate"] != (2 if outcome.code == 2 or outcome.findings else 0):
            problems.append(f"validate exit {codes['validate']}, in-process {outcome.code}")
        deterministic = outcome.code == 2 or outcome.status in ("optimal", "infeasible")
        if deterministic and codes.get("solve", outcome.code) != outcome.code:
            problems.append(f"solve exit {codes['solve']}, in-process {outcome.code}")
    assert not problems, f"{spec.id}: {m.note}\n" + "\n".join(problems)
