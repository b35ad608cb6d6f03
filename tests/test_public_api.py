"""The developer's surface: the public names, the version in one place, ``--version``, the log
levels of ``-q``/``-v``, the LICENSE and the changelog."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import trustsource

REPO = Path(__file__).resolve().parents[1]
ANALYSES = ("explain", "diagnose", "compare", "stress", "sweep", "risk", "glide", "coalition",
            "alternatives")  # fmt: skip


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "trustsource", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )


def test_every_analysis_is_public_with_a_documented_signature() -> None:
    for name in ANALYSES:
        assert name in trustsource.__all__, name
        fn = getattr(trustsource, name)
        doc = inspect.getdoc(fn) or ""
        assert "Args:" in doc, f"{name}: no Args section"
        documented = set(re.findall(r"^\s{4}(\w+)(?:,\s*\w+)*:", doc, flags=re.M))
        documented |= {w for line in re.findall(r"^\s{4}([\w, ]+):", doc, flags=re.M)
                       for w in line.replace(" ", "").split(",")}  # fmt: skip
        params = [p for p in inspect.signature(fn).parameters if p not in ("self",)]
        missing = [p for p in params if p not in documented]
        assert not missing, f"{name}: parameters without a line in Args: {missing}"
    for name in trustsource.__all__:
        assert inspect.getdoc(getattr(trustsource, name)), name


def test_version_lives_in_one_place() -> None:
    assert trustsource.__version__ == importlib.metadata.version("trustsource")
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert f"## [{trustsource.__version__}]" in text


def test_version_option_names_the_solver() -> None:
    proc = _cli("--version")
    assert proc.returncode == 0, proc.stderr
    highs = importlib.metadata.version("highspy")
    assert proc.stdout.startswith(f"trustsource {trustsource.__version__} (HiGHS {highs}, Python ")


def test_license_matches_the_declared_one() -> None:
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    meta = importlib.metadata.metadata("trustsource")
    assert "MIT" in (meta.get("License-Expression") or meta.get("License") or "")
    files = [str(f) for f in importlib.metadata.files("trustsource") or []]
    assert any(f.endswith("LICENSE") for f in files), files


def test_verbose_logs_to_stderr_and_quiet_silences_warnings() -> None:
    loud = _cli("-v", "solve", "instances/gallium-demo.yaml", "--format", "json")
    assert loud.returncode == 0, loud.stderr
    assert json.loads(loud.stdout)["status"] == "optimal"  # stdout stays the result alone
    assert "INFO trustsource" in loud.stderr
    quiet = _cli("-q", "solve", "instances/gallium-demo.yaml", "--format", "json")
    assert quiet.returncode == 0
    assert "INFO" not in quiet.stderr
    plain = _cli("solve", "instances/gallium-demo.yaml", "--format", "json")
    assert "INFO" not in plain.stderr


def test_log_levels_of_the_global_options() -> None:
    from trustsource.cli.common import _StderrHandler, configure_logging

    log = logging.getLogger("trustsource")
    try:
        cases = [(0, True, logging.ERROR, logging.ERROR)]
        cases += [(0, False, logging.WARNING, logging.NOTSET)]  # the default leaves the tree be
        cases += [(1, False, logging.INFO, logging.INFO), (5, False, logging.DEBUG, logging.DEBUG)]
        for verbose, quiet, shown, own in cases:
            configure_logging(verbose, quiet)
            ours = [h for h in log.handlers if isinstance(h, _StderrHandler)]
            assert len(ours) == 1  # replaced, not stacked, call after call
            assert ours[0].level == shown
            assert log.level == own
    finally:
        for h in [h for h in log.handlers if isinstance(h, _StderrHandler)]:
            log.removeHandler(h)
        log.setLevel(logging.NOTSET)
