"""The process edges of a command: signals, the wall-clock time limit, atomic output folders.

Run as users run them: the console script as a subprocess, stdout parsed as the machine
contract. The long solve is a generated 20k-offer instance with trust rules whose root node
alone takes HiGHS minutes on two cores, so a signal always lands inside the solve.
"""

from __future__ import annotations

import errno
import importlib
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import trustsource
from trustsource.errors import OutputError
from trustsource.safe_writes import atomic_folder
from trustsource.status import Status

ROOT = Path(__file__).resolve().parents[1]
BASIC = Path(__file__).parent / "data" / "valid" / "basic.yaml"
EXE = Path(sys.executable).with_name("trustsource")


@pytest.fixture(scope="module")
def hard_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hard")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate.py"),
            "--n",
            "20000",
            "--rules",
            "trust",
            "--write",
            str(folder),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder / "instance.yaml"


class Running:
    """A ``trustsource solve`` in the background, stdout and stderr each read as they come.

    Both pipes are drained by threads of their own: ``communicate()`` must not be used here,
    since it would read stderr too, racing the stderr thread; when the thread wins,
    ``communicate`` blocks in a read on the empty stderr while the child blocks writing a large
    JSON plan to the full stdout pipe (a deadlock seen under pytest-xdist).
    """

    def __init__(self, *args: object) -> None:
        self.proc = subprocess.Popen(
            [str(EXE), "solve", *map(str, args), "--progress"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.err = b""
        self.out = b""
        self._readers = [
            threading.Thread(target=self._read, args=(name,), daemon=True)
            for name in ("out", "err")
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str) -> None:
        pipe = self.proc.stdout if name == "out" else self.proc.stderr
        assert pipe is not None
        while chunk := pipe.read1(4096):  # type: ignore[attr-defined]
            setattr(self, name, getattr(self, name) + chunk)

    def wait_for(self, text: bytes, timeout: float) -> None:
        end = time.monotonic() + timeout
        while text not in self.err:
            assert self.proc.poll() is None, self.err.decode(errors="replace")
            assert time.monotonic() < end, f"no {text!r} on stderr within {timeout} s"
            time.sleep(0.1)

    def finish(self, timeout: float) -> tuple[int, str, str]:
        self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(5)
        return self.proc.returncode, self.out.decode(), self.err.decode(errors="replace")


@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_signal_stops_the_solve_and_reports_the_plan_so_far(
    hard_instance: Path, sig: int, code: int
) -> None:
    run = Running(hard_instance, "--format", "json", "--mip-gap", "0")
    try:
        run.wait_for(b"solving", timeout=120)  # the progress line: HiGHS is running
        time.sleep(1.0)
        sent = time.monotonic()
        run.proc.send_signal(sig)
        rc, out, err = run.finish(timeout=30)
        stopped_after = time.monotonic() - sent
    finally:
        if run.proc.poll() is None:
            run.proc.kill()
    assert rc == code, err
    assert stopped_after < 5.0  # HiGHS interrupted (or abandoned) within about a second
    doc = json.loads(out)
    assert doc["stopped_by"] == "interrupt"
    assert doc["status"] in ("feasible", "no_solution")  # never "optimal" when stopped
    assert "Traceback" not in err
    assert "interrupted" in err


def test_time_limit_is_a_promise_for_the_whole_command(hard_instance: Path) -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [str(EXE), "solve", str(hard_instance), "--format", "json", "--time-limit", "6"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode in (0, 4), proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] in ("feasible", "no_solution")
    # Reading 20k offers, building, solving and writing all count; HiGHS alone overran its own
    # limit by minutes on this instance before the callback deadline existed.
    assert elapsed < 6 + 2.0, f"took {elapsed:.1f} s for --time-limit 6"


def test_signal_during_a_command_without_partial_results(hard_instance: Path) -> None:
    proc = subprocess.Popen(
        [str(EXE), "explain", str(hard_instance), "--format", "json", "--workers", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        time.sleep(8)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, err
    assert json.loads(out)["status"] == "interrupted"
    assert b"Traceback" not in err


def test_library_stop_callable_interrupts_a_solve(hard_instance: Path) -> None:
    inst = trustsource.load(hard_instance)
    started = time.monotonic()
    plan = trustsource.solve(inst, stop=lambda: time.monotonic() - started > 3)
    assert plan.stopped_by == "interrupt"
    assert plan.status in (Status.FEASIBLE, Status.NO_SOLUTION)
    assert time.monotonic() - started < 3 + 5


# --- output folders ---------------------------------------------------------------------------


def test_out_dir_under_a_file_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = subprocess.run(
        [str(EXE), "solve", str(BASIC), "--out", str(blocker / "plan"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 5, proc.stderr
    assert str(blocker) in proc.stderr
    assert "is a file, not a folder" in proc.stderr
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_out_dir_with_foreign_files_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    proc = subprocess.run(
        [str(EXE), "solve", str(BASIC), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 5
    assert "holds other files (notes.txt)" in proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_out_dir_replaces_an_earlier_run_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        proc = subprocess.run(
            [str(EXE), "solve", str(BASIC), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "plan.json").read_text())["status"] == "optimal"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary siblings


def test_disk_full_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"

    def fill(tmp: Path) -> list[Path]:
        (tmp / "plan.json").write_text("{}")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device") as info:
        atomic_folder(out, fill, owned=("plan.json",))
    assert info.value.path == str(out)
    assert list(tmp_path.iterdir()) == []


def test_failed_verification_is_status_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # The module (the package attribute `trustsource.solve` is the function): solve() calls the
    # verifier through the name it imported.
    solve_module = importlib.import_module("trustsource.solve")

    class Violation:
        message = "supplier x over capacity"

    monkeypatch.setattr(solve_module, "verify_plan", lambda inst, plan: [Violation()])
    plan = trustsource.solve(trustsource.load(BASIC))
    assert plan.status is Status.ERROR  # never reported as optimal
    assert plan.to_dict()["violations"] == ["supplier x over capacity"]
