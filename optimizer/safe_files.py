"""Reading the files an instance names: confined to a root folder, regular files only, bounded.

An instance document names its CSV tables by path (``items: items.csv``). Followed blindly, such
a path reads ``/etc/shadow``, ``../../secrets``, whatever a symbolic link points at, ``/dev/zero``
(memory grows without bound) or a FIFO (the read never returns). Here a table path must:

* be relative (an absolute path is refused unless an explicit root contains it);
* resolve, symbolic links followed, inside the *root*: the document's folder by default,
  widened by the ``root=`` argument of :func:`trustsource.load` or by the environment variable
  ``TRUSTSOURCE_DATA_ROOT`` (the argument wins);
* name a regular file, checked with ``stat`` before opening and again on the open descriptor
  (opened non-blocking, so even a FIFO swapped in between cannot hang the read);
* be at most a given number of bytes (checked before reading; at most that many plus one are
  ever read).

Messages name the path as written and the rule broken; they never quote the file's content.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .limits import MIB, SHOWN_CHARS

ROOT_ENV = "TRUSTSOURCE_DATA_ROOT"
"""Environment variable naming a folder that table paths may resolve into (widens the root)."""

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class Refused(Exception):
    """A path or file that must not be read; the message says why and how to fix it."""


def shown_path(raw: str) -> str:
    """A path as written, cut to a readable length for locations and messages.

    The cut is in the middle: the start says where, the end names the file, which a message
    must keep (a deep temporary folder otherwise hides which file is meant).
    """
    if len(raw) <= SHOWN_CHARS:
        return raw
    head = SHOWN_CHARS // 4
    return raw[:head] + "..." + raw[len(raw) - (SHOWN_CHARS - head - 3) :]


def data_root(base: Path, root: str | Path | None = None) -> tuple[Path, bool]:
    """The folder table paths must resolve into, and whether it was widened explicitly.

    ``root`` (the ``load()`` argument) wins over ``TRUSTSOURCE_DATA_ROOT``; without either, the
    root is ``base``, the folder of the instance document (the current folder for stdin).
    """
    if root is None:
        root = os.environ.get(ROOT_ENV) or None
    explicit = root is not None
    return Path(os.path.realpath(Path(root) if root is not None else base)), explicit


def _inside(path: str, root: Path) -> bool:
    root_text = str(root)
    return path == root_text or path.startswith(root_text.rstrip(os.sep) + os.sep)


def confine(raw: str, base: Path, root: Path, explicit: bool) -> Path:
    """The real path of table file ``raw`` (written relative to ``base``) inside ``root``.

    Raises:
        Refused: the path is empty, absolute (without an explicit root containing it), leads
            outside ``root`` by ``..`` or through a symbolic link.
    """
    if not raw.strip():
        raise Refused("names no file; write the CSV file's name, e.g. items.csv")
    if "\0" in raw:
        raise Refused("the file name contains a NUL character")
    written = Path(raw)
    where = f"{root}" if explicit else "the instance's folder"
    if written.is_absolute() and not explicit:
        raise Refused(
            f"{shown_path(raw)!r} is an absolute path; name the CSV file relative to "
            f"the instance's folder (e.g. items.csv), or set {ROOT_ENV} (or pass "
            "root= to load) to a folder that contains it"
        )
    lexical = os.path.normpath(os.path.join(os.path.realpath(base), raw))
    real = os.path.realpath(lexical)
    if not _inside(real, root):
        if not _inside(lexical, root):
            how = "leads ('..') outside" if ".." in written.parts else "is outside"
            raise Refused(
                f"{shown_path(raw)!r} {how} {where}; table files must lie inside it"
                f"{'' if explicit else f' (or set {ROOT_ENV} to widen it)'}"
            )
        raise Refused(
            f"{shown_path(raw)!r} is a symbolic link to a file outside {where}; "
            "copy the file into the folder instead"
        )
    return Path(real)


def _describe(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size_text(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit:,} bytes"


def read_regular(
    path: Path, limit: int, shown: str, what: str = "file", *, follow: bool = True
) -> bytes:
    """The bytes of regular file ``path``, refusing anything else and anything over ``limit``.

    ``follow=False`` (for a path :func:`confine` resolved) refuses a symbolic link swapped in
    at the last component after the check.

    Raises:
        Refused: not a regular file, larger than ``limit``, or unreadable (message names it).
        FileNotFoundError: ``path`` does not exist.
    """
    info = _stat(path, f"cannot read {what} {shown!r}")
    _check(info, limit, shown, what)
    try:
        fd = os.open(path, _OPEN_FLAGS | (0 if follow else getattr(os, "O_NOFOLLOW", 0)))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Refused(f"cannot read {what} {shown!r}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        _check(os.fstat(fd), limit, shown, what)  # the file opened is the file checked
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Refused(_too_big(shown, what, limit))
    return data


def _stat(path: Path, failure: str) -> os.stat_result:
    """``os.stat``; a missing file propagates, any other failure is :class:`Refused`."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Refused(f"{failure}: {exc.strerror}") from None


def _check(info: os.stat_result, limit: int, shown: str, what: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Refused(
            f"{shown!r} is {_describe(info.st_mode)}, not a regular file; a {what} "
            "must be an ordinary file"
        )
    if info.st_size > limit:
        raise Refused(_too_big(shown, what, limit, info.st_size))


def _too_big(shown: str, what: str, limit: int, size: int | None = None) -> str:
    size_text = f" ({size:,} bytes)" if size is not None else ""
    return (
        f"{what} {shown!r} is larger than {_size_text(limit)}{size_text}, the most "
        "trustsource reads; split the data or check that this is the right file"
    )


def read_document(path: Path, limit: int) -> bytes:
    """The bytes of an instance document named on the command line or given to ``load()``.

    A regular file is size-checked before reading. A pipe or device is the caller's explicit
    choice (``<(cmd)``, ``/dev/stdin``) and is read like stdin: at most ``limit`` + 1 bytes,
    then refused if larger. A folder is refused.

    Raises:
        Refused: a folder, larger than ``limit``, or unreadable.
        FileNotFoundError: ``path`` does not exist.
    """
    shown = shown_path(str(path))
    info = _stat(path, "cannot read file")
    if stat.S_ISDIR(info.st_mode):
        raise Refused("is a folder; name the instance document (.yaml, .json or .xlsx) in it")
    if stat.S_ISREG(info.st_mode):
        return read_regular(path, limit, shown, "document")
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise Refused(f"cannot read file: {exc.strerror}") from None
    if len(data) > limit:
        raise Refused(_too_big(shown, "document", limit))
    return data
