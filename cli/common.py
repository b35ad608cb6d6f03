"""Pieces every command shares: exit codes, the error boundary, common options."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

import click
from trustsource.cli.guard import Interrupted, StopFlag

if TYPE_CHECKING:
    from click.decorators import FC
    from trustsource.status import Status


class Decorator(Protocol):
    """What ``click.option`` returns: a decorator handing back the command it was given."""

    def __call__(self, f: FC, /) -> FC: ...


EXIT_OK, EXIT_INTERNAL, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
EXIT_OUTPUT = 5  # an output file or folder could not be written (disk full, permissions)


def exit_code(status: Status) -> int:
    """The exit code of a result's status: 0 with a plan (optimal or feasible), 3 infeasible or
    unbounded, 4 no solution within the limits, 1 otherwise (an error)."""
    from trustsource.status import Status  # solver-free, light

    return {
        Status.OPTIMAL: EXIT_OK,
        Status.FEASIBLE: EXIT_OK,
        Status.INFEASIBLE: EXIT_INFEASIBLE,
        Status.UNBOUNDED: EXIT_INFEASIBLE,
        Status.NO_SOLUTION: EXIT_NO_SOLUTION,
    }.get(status, EXIT_INTERNAL)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The CLI's log handler: stderr at the moment of each record (tests swap sys.stderr)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(verbose: int = 0, quiet: bool = False) -> None:
    """Send the library's log (the ``trustsource`` logger) to stderr at the level the global
    options ask: errors only with ``-q``, warnings by default, ``-v`` info, ``-vv`` debug.
    Stdout stays the result alone. Called once per command; a handler from an earlier call in
    the same process (in-process test runners) is replaced, not doubled."""
    levels = [logging.WARNING, logging.INFO, logging.DEBUG]
    level = logging.ERROR if quiet else levels[min(verbose, 2)]
    log = logging.getLogger("trustsource")
    for old in [h for h in log.handlers if isinstance(h, _StderrHandler)]:
        log.removeHandler(old)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    log.addHandler(handler)
    # The logger's own level only when asked: the default leaves it to the logging tree, so a
    # host that runs the CLI in-process (tests, notebooks) keeps its own log levels.
    log.setLevel(level if verbose or quiet else logging.NOTSET)


class Failure(Exception):
    """A known failure with its exit code; the message is shown without a traceback."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def issue_records(issues: list[Any]) -> list[dict[str, Any]]:
    """Located issues as JSON records (the ``issues`` list of the machine contract)."""
    return [
        {"location": i.location, "field": i.field, "message": i.message, "kind": i.kind}
        for i in issues
    ]


def _echo_json(doc: dict[str, Any], after_output_possible: bool = False) -> None:
    """One JSON object on stdout, unless the command already wrote its own result there.

    ``after_output_possible``: the failure may come after the command printed its result (a
    status exit code); then write only when the guard knows stdout is still empty.
    """
    from trustsource.cli.guard import stdout_written

    written = stdout_written()
    if written is False or (written is None and not after_output_possible):
        click.echo(json.dumps(doc, indent=2))


def stop_flag(polled: bool) -> StopFlag:
    """The command's stop flag (installed by ``main``; a fresh one under in-process runners)."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    flag = obj.get("stop") if isinstance(obj, dict) else None
    if not isinstance(flag, StopFlag):
        flag = StopFlag()
    flag.polled = polled
    return flag


@contextmanager
def error_boundary(debug: bool, fmt: str | None = None) -> Iterator[None]:
    """Known errors become a short message and an exit code; tracebacks only with --debug.

    With ``fmt == "json"`` stdout stays one JSON object whatever happens: invalid input writes
    ``{"status": "invalid", "issues": [...]}``, other failures ``{"status": "error" |
    "interrupted", "message": ...}`` (unless the command already wrote its result). The
    boundary also ends a command stopped by SIGINT/SIGTERM (:class:`Interrupted`) with
    128 + the signal number.
    """
    from trustsource.errors import InstanceError, OutputError

    as_json = fmt == "json"
    try:
        yield
    except InstanceError as exc:
        if debug:
            traceback.print_exc()
        if as_json:
            _echo_json({"status": "invalid", "issues": issue_records(exc.issues)})
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    except OutputError as exc:
        if debug:
            traceback.print_exc()
        if as_json:
            _echo_json({"status": "error", "message": str(exc)})
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_OUTPUT)
    except Failure as exc:
        if debug:
            traceback.print_exc()
        if as_json and exc.code != EXIT_OK:
            _echo_json({"status": "error", "message": str(exc)}, after_output_possible=True)
        if str(exc):
            click.echo(str(exc), err=True)
        sys.exit(exc.code)
    except (Interrupted, KeyboardInterrupt) as exc:
        code = exc.code if isinstance(exc, Interrupted) else 128 + signal.SIGINT
        name = signal.Signals(code - 128).name
        if as_json:
            _echo_json({"status": "interrupted", "message": f"stopped by {name}"})
        click.echo(f"interrupted: stopped by {name}; nothing was written", err=True)
        # A HiGHS run interrupted by the signal can leave its task scheduler's threads busy;
        # the interpreter's shutdown around them aborts the process (seen after an explain of
        # 20k offers stopped while solving block by block). Everything is said: leave at once.
        _leave(code)
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary of the program
        if debug:
            traceback.print_exc()
        message = f"internal error: {type(exc).__name__}: {exc}"
        if as_json:
            _echo_json({"status": "error", "message": message})
        click.echo(f"{message} (run with --debug for the traceback)", err=True)
        sys.exit(EXIT_INTERNAL)


_debug = click.option("--debug", is_flag=True, help="Show tracebacks on errors.")

workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for the solves (default: automatic; 1: serial).",
)


scheduler_option = click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://host:8786) to run the solves on.",
)


def require_distributed(scheduler: str | None) -> None:
    """With ``--scheduler``, refuse (exit 2) when the Dask client package is missing."""
    if scheduler is None:
        return
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise Failure(
            "error: --scheduler needs the 'distributed' package (pip install 'trustsource[dask]')",
            EXIT_INVALID,
        ) from None


def out_dir_option(files: str) -> Decorator:
    """``--out DIR``: the folder a command writes ``files`` into (whole or not at all)."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False),
        default=None,
        help=f"Directory for {files}.",
    )


def format_option(note: str = "") -> Decorator:
    """``--format table|json|csv`` (``note`` says what csv holds, where that needs saying)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json", "csv"]),
        default="table",
        show_default=True,
        help=f"Output format on stdout{note}.",
    )


_format = format_option()


def backend_option(what: str = "to HiGHS") -> Decorator:
    """``--backend highspy|pyomo``: the model hand-off route of the command's solves."""
    return click.option(
        "--backend",
        type=click.Choice(["highspy", "pyomo"]),
        default="highspy",
        show_default=True,
        help=f"Model hand-off route {what}.",
    )


def csv_stdout(df: Any) -> str:
    """A table as CSV for stdout, formula-like text neutralised (see ``io.exports``)."""
    from trustsource.safe_writes import csv_text

    return csv_text(df)


def time_left(time_limit: float | None) -> float | None:
    """Seconds left of a ``--time-limit`` that counts from the start of the command.

    The limit is a wall-clock promise for the whole command (reading, building, solving,
    writing), so what the solver gets is what remains after reading the instance.
    """
    if time_limit is None:
        return None
    from trustsource.solve.highs import STOP_GRACE

    obj = click.get_current_context().find_root().obj
    started = obj.get("started") if isinstance(obj, dict) else None
    used = 0.0 if started is None else time.perf_counter() - started
    # Keep back what stopping costs (HiGHS's grace to honour the interrupt, writing the
    # result), up to a tenth of the limit, so the command as a whole ends within the limit.
    reserve = min(STOP_GRACE + 0.5, 0.1 * time_limit)
    return max(time_limit - used - reserve, 0.0)


def exit_after(plan: Any, failure: Failure | None) -> None:
    """Raise ``failure`` (or return), but end the process at once if HiGHS was abandoned.

    A HiGHS thread that ignored an interrupt is still running C++ code; letting the
    interpreter shut down around it can abort the process. The results are already written,
    so flush and leave without the interpreter's shutdown.
    """
    if not getattr(plan, "abandoned", False):
        if failure is not None:
            raise failure
        return
    if failure is not None and str(failure):
        click.echo(str(failure), err=True)
    _leave(EXIT_OK if failure is None else failure.code)


def _leave(code: int) -> NoReturn:
    """Flush every stream and end the process now, without the interpreter's shutdown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    from trustsource.cli.guard import flush_c_stdio

    flush_c_stdio()
    os._exit(code)


def time_limit_option(what: str = "the solver") -> Decorator:
    """``--time-limit`` in seconds (None: no limit)."""
    return click.option(
        "--time-limit",
        type=click.FloatRange(min=0),
        default=None,
        help=f"Seconds for {what} (default: no limit).",
    )


def mip_gap_option(what: str = "the solver") -> Decorator:
    """``--mip-gap``: the relative gap at which HiGHS may stop."""
    return click.option(
        "--mip-gap",
        type=click.FloatRange(min=0),
        default=1e-4,
        show_default=True,
        help=f"Relative MIP gap for {what} (0: prove optimality).",
    )


def variant_option(verb: str = "Solve") -> Decorator:
    """``--variant NAME``: apply one of the instance's named overlays first."""
    return click.option(
        "--variant",
        default=None,
        help=f"{verb} the instance's named variant (an overlay on its rules).",
    )


def base_dir_option() -> Decorator:
    """``--base-dir DIR``: the folder relative CSV paths of the instance resolve against.

    A document read from stdin has no folder of its own, so its ``items: chips/items.csv``
    resolves against the working directory unless this says otherwise; the tables must still
    lie inside that folder (see ``trustsource.safe_files``).
    """
    return click.option(
        "--base-dir",
        "base_dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Folder that relative CSV paths in the instance resolve against, and must stay "
        "inside (default: the instance document's folder; for '-', stdin, the working "
        "directory).",
    )


def load_instance(file: str, base_dir: str | None = None, variant: str | None = None) -> Any:
    """The instance FILE names (a document, a folder holding one, or '-' for stdin), with
    ``--base-dir`` applied and, if named, ``--variant`` (both errors exit 2 in the boundary)."""
    from trustsource import load

    inst = load(file, base_dir=base_dir)
    return inst if variant is None else inst.variant(variant)
