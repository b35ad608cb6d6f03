"""Error types of the library.

Every input problem is an :class:`Issue` that says *where* (file, row or key), *which field*, and
*what is wrong*, naming the fix where it can. Validation collects all issues of a document before
raising one :class:`InstanceError`, so a user fixes a file in one pass rather than one error a run.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


class TrustsourceError(Exception):
    """Base class of the errors trustsource raises on purpose."""


@dataclass(frozen=True)
class Issue:
    """One located input problem.

    Attributes:
        location: the file and row, or the key path, e.g. ``suppliers.csv:14 (ga-cn-1)``.
        field: the offending field, or ``None`` when the whole entry is at fault.
        message: what is wrong and, where possible, how to fix it.
        kind: ``error`` for malformed input, ``finding`` for a well-formed value the model cannot
            honour (demand above the capacity left after bans, ...).
    """

    location: str
    field: str | None
    message: str
    kind: str = "error"

    def __str__(self) -> str:
        if self.field:
            return f"{self.location} [{self.field}] {self.message}"
        return f"{self.location}: {self.message}"


class InstanceError(TrustsourceError):
    """An instance that cannot be loaded or validated; carries every issue found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        n = len(self.issues)
        head = f"{n} problem{'s' if n != 1 else ''} in the instance"
        super().__init__(head + ":\n" + "\n".join(f"  - {i}" for i in self.issues))

    @property
    def findings_only(self) -> bool:
        """True when the input is well formed and only pre-solve findings remain."""
        return all(i.kind == "finding" for i in self.issues)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest option, or ``""``.

    A transposition (``itmes`` for ``items``) beats an equally similar other word.
    """
    opts = list(options)
    if word in opts:
        return ""
    same_letters = [o for o in opts if sorted(o) == sorted(word)]
    hit = same_letters or difflib.get_close_matches(word, opts, n=1)
    return f"; did you mean '{hit[0]}'?" if hit else ""


class OutputError(TrustsourceError):
    """An output file or folder could not be written; carries the path and the OS's reason.

    Raised by the writers after cleaning up their temporary files, so nothing is left half-way.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")
