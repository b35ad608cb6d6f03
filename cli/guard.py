"""The process edges of a command: who may write to stdout, and what a signal does.

stdout is the machine contract (one JSON object, a CSV table, a summary): only the CLI writes to
it. C libraries do not ask: highspy 1.16 prints its banner from the ``Highs()`` constructor,
before any option can be set, and HiGHS writes its log through C stdio to file descriptor 1.
Patching one call would not hold for the next release or the next library, so the whole command
runs with descriptor 1 pointed elsewhere (``/dev/null``, or stderr when the user asked for the
solver log or ``--debug``) and ``sys.stdout`` re-opened on a saved copy of the real descriptor.
Worker processes inherit the redirected descriptor, so they are guarded too.

Signals: SIGINT and SIGTERM set a flag the solver polls (HiGHS's interrupt callbacks), so a
long solve stops within about a second and the command still reports the best plan so far. The
exit code is 128 + the signal number (130, 143), the shell convention.
"""

from __future__ import annotations

import ctypes
import io
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# Options after which C libraries' output is wanted (on stderr) rather than discarded.
_VERBOSE_FLAGS = ("--solver-log", "--debug")


def flush_c_stdio() -> None:
    """Flush C stdio buffers, so text a library printed reaches the descriptor it was meant for.

    Output to a pipe is block-buffered in C; without this, a banner buffered while descriptor 1
    pointed at /dev/null would be written to the real stdout at exit, after it is restored.
    """
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # pragma: no cover - platforms without a C runtime handle
        pass


def process_age() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere 0).

    The interpreter and the imports run before any of our code: a wall-clock limit for the
    whole command counts them too.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        start_ticks = int(fields[19])  # field 22 of stat(5), counted after the command name
        return max(uptime - start_ticks / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError):
        return 0.0


class MachineOutput(io.TextIOWrapper):
    """The real stdout, remembering whether anything was written (so errors are not doubled)."""

    written = False

    def write(self, s: str) -> int:
        """Write to the saved descriptor 1."""
        if s:
            self.written = True
        return super().write(s)


def stdout_written() -> bool | None:
    """True once the command wrote part of its result to stdout; None when not guarded."""
    if not isinstance(sys.stdout, MachineOutput):
        return None  # in-process runners (tests) replace sys.stdout: unknown
    return sys.stdout.written


@contextmanager
def guarded_stdout(argv: list[str]) -> Iterator[None]:
    """Run a command with file descriptor 1 taken away from everything but ``sys.stdout``."""
    try:
        sys.stdout.flush()
        real = os.dup(1)
    except (OSError, ValueError, AttributeError):
        # No usable stdout (closed descriptor, embedded interpreter): nothing to guard.
        yield
        return
    verbose = any(flag in argv for flag in _VERBOSE_FLAGS)
    sink = os.dup(2) if verbose else os.open(os.devnull, os.O_WRONLY)
    os.dup2(sink, 1)
    os.close(sink)
    saved_stdout = sys.stdout
    encoding = getattr(saved_stdout, "encoding", None) or "utf-8"
    tty = saved_stdout.isatty() if hasattr(saved_stdout, "isatty") else False
    out = MachineOutput(
        io.FileIO(real, "w", closefd=False), encoding=encoding, errors="replace", line_buffering=tty
    )
    sys.stdout = out
    try:
        yield
    finally:
        try:
            out.flush()
        except (BrokenPipeError, OSError):
            pass
        flush_c_stdio()
        sys.stdout = saved_stdout
        os.dup2(real, 1)
        os.close(real)


class StopFlag:
    """Raised by SIGINT/SIGTERM; polled by the solver through ``stop=flag.is_set``.

    ``polled``: the running command checks the flag itself and reports partial results (solve);
    otherwise the first signal raises :class:`Interrupted` at once.
    """

    def __init__(self, polled: bool = False) -> None:
        self._event = threading.Event()
        self.signum: int | None = None
        self.polled = polled

    def is_set(self) -> bool:
        """True once a stop signal arrived."""
        return self._event.is_set()

    def set(self, signum: int) -> None:
        """Record the first signal and raise the flag."""
        if self.signum is None:
            self.signum = signum
        self._event.set()

    @property
    def exit_code(self) -> int:
        """128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + (self.signum or signal.SIGINT)


class Interrupted(Exception):
    """A stop signal ended a command that cannot report partial results."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.code = 128 + signum


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[StopFlag]:
    """Handle SIGINT and SIGTERM for the whole command, from its first line.

    In ``polled`` mode a signal only raises the flag and the solver stops at its next check
    (HiGHS is interrupted through its callbacks). Otherwise the signal raises
    :class:`Interrupted` in the main thread; the solver's wait loop turns that into an
    interrupted HiGHS run before it propagates. A second signal always raises, so a user is
    never stuck.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        first = not flag.is_set()
        flag.set(signum)
        if not (flag.polled and first):
            raise Interrupted(signum)

    if threading.current_thread() is not threading.main_thread():
        yield flag  # signal handlers can only be installed from the main thread
        return
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in old:
        signal.signal(s, handler)
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)
