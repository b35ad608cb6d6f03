"""One browser session's state, without Streamlit: the loaded instance, the upload folder, the
background work and its results.

Each session gets its own :class:`Session` (kept in ``st.session_state``), so two analysts never
see each other's instance, edits or plans. Long work (a solve, a sweep, a comparison) runs on the
session's own worker thread (:class:`Jobs`), so the page stays responsive and can offer a
cancel button; the analyses spread their solves over processes or a Dask scheduler through
trustsource's runner.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from trustsource import Instance, InstanceError

from .logic import Solved, issue_lines
from .uploads import Workspace


@dataclass
class Job:
    """One piece of background work: its future, its stop flag and its latest progress."""

    kind: str
    label: str
    future: Future[Any]
    stop: threading.Event
    progress: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        """Seconds since the job started."""
        return time.perf_counter() - self.started


class Jobs:
    """The session's background worker: one job at a time, on its own thread."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trustsource-ui")
        self._finalizer = weakref.finalize(self, self._pool.shutdown, False, cancel_futures=True)
        self.current: Job | None = None

    def submit(
        self, kind: str, label: str, work: Callable[[threading.Event, dict[str, Any]], Any]
    ) -> Job:
        """Start ``work(stop, progress)`` in the background; ``progress`` is a dict it may
        update for the page to show."""
        stop = threading.Event()
        progress: dict[str, Any] = {}
        future = self._pool.submit(work, stop, progress)
        self.current = Job(kind, label, future, stop, progress)
        return self.current

    @property
    def running(self) -> bool:
        """Whether a job is still working."""
        return self.current is not None and not self.current.future.done()

    def cancel(self) -> None:
        """Ask the running job to stop (a solve stops at HiGHS's next check; an analysis's
        result is discarded when it ends)."""
        if self.current is not None:
            self.current.stop.set()

    def collect(self) -> tuple[Job, Any, BaseException | None] | None:
        """The finished job with its result or error (once), or None while none finished."""
        job = self.current
        if job is None or not job.future.done():
            return None
        self.current = None
        exc = job.future.exception()
        return job, (None if exc is not None else job.future.result()), exc

    def close(self) -> None:
        """Stop the worker thread (pending work is cancelled)."""
        self.cancel()
        self._finalizer()


@dataclass
class Session:
    """Everything one browser session holds."""

    workspace: Workspace = field(default_factory=Workspace)
    jobs: Jobs = field(default_factory=Jobs)
    instance: Instance | None = None
    source: str = ""
    errors: list[str] = field(default_factory=list)
    error_source: str = ""
    solved: Solved | None = None
    explore: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    downloads: dict[str, Any] = field(default_factory=dict)
    edits: dict[str, Any] = field(default_factory=dict)  # widget values kept across pages
    upload_seen: str = ""
    generation: int = 0  # bumped on every load: the widgets of an earlier instance are dropped

    def set_instance(self, load: Callable[[], Instance], source: str) -> bool:
        """Load an instance with ``load()``; on invalid input keep the located problems (and
        the previous instance) instead. Returns whether it loaded."""
        try:
            inst = load()
        except InstanceError as exc:
            self.errors = issue_lines(exc)
            self.error_source = source
            return False
        self.instance, self.source = inst, source
        self.errors, self.error_source = [], ""
        self.solved, self.downloads, self.edits = None, {}, {}
        self.explore = {"scheduler": self.explore.get("scheduler")}
        self.generation += 1
        return True
