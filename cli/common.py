"""Pieces every command shares: exit codes, the error boundary, common options."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4


class Failure(Exception):
    """A known failure with its exit code; the message is shown without a traceback."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@contextmanager
def error_boundary(debug: bool) -> Iterator[None]:
    """Known errors become a short message and an exit code; tracebacks only with --debug."""
    from trustsource.errors import InstanceError

    try:
        yield
    except InstanceError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    except Failure as exc:
        if debug:
            traceback.print_exc()
        if str(exc):
            click.echo(str(exc), err=True)
        sys.exit(exc.code)
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary of the program
        if debug:
            traceback.print_exc()
        click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the "
                   "traceback)", err=True)
        sys.exit(EXIT_INTERNAL)


_debug = click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
_format = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                       default="table", show_default=True, help="Output format on stdout.")


def time_limit_option(what: str = "the solver") -> Any:
    """``--time-limit`` in seconds (None: no limit)."""
    return click.option("--time-limit", type=click.FloatRange(min=0), default=None,
                        help=f"Seconds for {what} (default: no limit).")


def mip_gap_option(what: str = "the solver") -> Any:
    """``--mip-gap``: the relative gap at which HiGHS may stop."""
    return click.option("--mip-gap", type=click.FloatRange(min=0), default=1e-4,
                        show_default=True,
                        help=f"Relative MIP gap for {what} (0: prove optimality).")


def variant_option(verb: str = "Solve") -> Any:
    """``--variant NAME``: apply one of the instance's named overlays first."""
    return click.option("--variant", default=None,
                        help=f"{verb} the instance's named variant (an overlay on its rules).")
