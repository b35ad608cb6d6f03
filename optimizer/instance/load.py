"""The one entry point for reading an instance: a file, a folder, stdin or a stream.

It dispatches by form (an ``.xlsx`` workbook to :mod:`.excel`, a folder to the one document it
holds, anything else to the YAML/JSON reader of :mod:`.document`) and returns the validated
:class:`~.instance.Instance`.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from ..errors import InstanceError, Issue
from ..limits import MAX_JSON_BYTES, MAX_YAML_BYTES, MIB
from ..safe_files import Refused, read_document
from .document import parse_document
from .excel import load_workbook
from .instance import Instance, instance_from_document
from .readers.folder import base_folder, document_in_folder


def load(
    source: str | Path | io.TextIOBase,
    *,
    base_dir: str | Path | None = None,
    root: str | Path | None = None,
) -> Instance:
    """Load and validate an instance: ``.yaml``, ``.yml``, ``.json``, ``.xlsx``, ``-`` (stdin),
    or a folder holding exactly one instance document (the CSV folder ``convert`` writes).

    Reading is strict and bounded (see :mod:`trustsource.instance.readers.safe_yaml`,
    :mod:`.readers.safe_json`, :mod:`.readers.csv_table` and :mod:`trustsource.limits`):
    a document holds at most ``MAX_YAML_BYTES`` (YAML) or ``MAX_JSON_BYTES`` (JSON, and any
    document read from stdin before its kind is known) bytes, no duplicate keys, no nesting
    deeper than ``MAX_DEPTH`` and no alias expansion beyond ``MAX_YAML_NODES``.

    CSV tables named by the document (``items: items.csv``) must be regular files of at most
    ``MAX_CSV_BYTES`` bytes that resolve, symbolic links followed, inside the *root*: by default
    the base folder they are written relative to. ``root`` widens it explicitly; without it the
    environment variable ``TRUSTSOURCE_DATA_ROOT`` does. With an explicit root a table path may
    also be absolute, if it lies inside the root.

    Args:
        source: a path, ``"-"`` for stdin, or an open text stream.
        base_dir: the folder relative CSV table paths are resolved against (and, without
            ``root``, confined to). Default: the document's folder; for stdin or a stream,
            which has no folder, the current working directory.
        root: the folder CSV tables must lie in (default: the base folder, or
            ``TRUSTSOURCE_DATA_ROOT`` when set).

    Returns:
        The validated :class:`~trustsource.Instance`.

    Raises:
        InstanceError: with every located problem, if the file is missing, unparsable or invalid.
    """
    if isinstance(source, (str, Path)) and source != "-" and Path(source).is_dir():
        source = document_in_folder(Path(source))
    if isinstance(source, (str, Path)) and str(source).lower().endswith(".xlsx"):
        return load_workbook(source)  # Excel: its own reader, the same checks
    raw: bytes | None = None
    if isinstance(source, io.TextIOBase) or source == "-":
        origin, base = "<stdin>", Path.cwd()
        text = _read_stream(source if isinstance(source, io.TextIOBase) else sys.stdin)
    else:
        path = Path(source)
        origin, base = path.name, path.parent
        json_like = path.suffix.lower() == ".json"
        try:
            raw = read_document(path, MAX_JSON_BYTES if json_like else MAX_YAML_BYTES)
            text = raw.decode("utf-8")
        except FileNotFoundError:
            raise InstanceError([Issue(str(path), None, "file not found")]) from None
        except Refused as exc:
            raise InstanceError([Issue(str(path), None, str(exc))]) from None
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1 if raw is not None else 1
            raise InstanceError(
                [Issue(f"{origin}:{line}", None, "not UTF-8 text; save the file as UTF-8")]
            ) from None
    if base_dir is not None:
        base = base_folder(base_dir)
    doc = parse_document(text, origin, raw)
    return instance_from_document(doc, base, origin, root=root)


def _read_stream(stream: Any) -> str:
    """At most the largest document size from a stream (bytes from stdin's buffer if it has
    one, else characters), refused if there is more."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data = buffer.read(MAX_JSON_BYTES + 1)
        size = len(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InstanceError(
                [Issue(f"<stdin>:{line}", None, "not UTF-8 text; send UTF-8")]
            ) from None
    else:
        text = stream.read(MAX_JSON_BYTES + 1)
        size = len(text)
    if size > MAX_JSON_BYTES:
        raise InstanceError(
            [
                Issue(
                    "<stdin>",
                    None,
                    f"more than {MAX_JSON_BYTES // MIB} MiB on stdin, the most "
                    "trustsource reads; check that this is the right input",
                )
            ]
        )
    return text
