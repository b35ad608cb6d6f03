"""Progress on stderr for long commands: one place for how it looks and when it shows.

Two forms, both on stderr only (stdout is the result), and by default only when stderr is a
terminal (``--progress/--no-progress`` overrides):

* :func:`progress_bar`: a bar with counts and time left, for analyses made of many solves
  (explain, compare, stress, sweep, glide, coalition, alternatives, report); its callback takes
  ``(done, total)``, the runner's progress signature. It is click's progress bar: click is
  already the CLI's dependency, and it draws, counts and estimates what these commands need
  (rich or tqdm would add a dependency for nothing more here).
* the solve's one-line status (incumbent, bound, gap) lives in ``cli/output.py``
  (``progress_line``), fed by HiGHS's callbacks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

Callback = Callable[[int, int], None]

progress_option = click.option(
    "--progress/--no-progress",
    "show_progress",
    default=None,
    help="Show progress on stderr (default: when stderr is a terminal).",
)


def shown(flag: bool | None) -> bool:
    """Whether to draw: the flag when given, else whether stderr is a terminal."""
    return sys.stderr.isatty() if flag is None else flag


@contextmanager
def progress_bar(label: str, flag: bool | None = None) -> Iterator[Callback | None]:
    """A ``(done, total)`` callback drawing a bar labelled ``label`` on stderr (None when
    progress is off). The bar starts at the first report, when the total is known."""
    if not shown(flag):
        yield None
        return
    state: dict[str, Any] = {"bar": None, "seen": 0}

    def update(done: int, total: int) -> None:
        bar = state["bar"]
        if bar is None:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        bar.update(max(0, done - state["seen"]))
        state["seen"] = done

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
