"""Strict reading of one CSV table of an instance (items, sites or suppliers).

The csv module rather than pandas: it reports where each record starts, so locations
(``suppliers.csv:14``) stay right across blank lines and quoted cells that span lines. Reading is
strict, every problem located by file line:

* the header must name every column once: an empty or repeated name is refused (a repeated
  column would silently keep one of the two values);
* a quote must be closed (``csv`` in strict mode refuses an unterminated quote at the end of the
  file, and a stray character after a closing quote);
* every row has one cell per column. A row with fewer cells is refused (leave a cell empty with
  ``,,`` instead); a row with more cells is refused unless every extra cell is empty, because
  spreadsheets pad rows with trailing commas and an empty cell carries no data;
* a cell holds at most :data:`~trustsource.limits.MAX_CELL_CHARS` characters, a table at most
  :data:`~trustsource.limits.MAX_ROWS` rows;
* mapping cells (``inputs``, ``price_tiers``) are read as strict YAML (see
  :mod:`trustsource.instance.readers.safe_yaml`), with one alias-expansion budget of
  :data:`~trustsource.limits.MAX_YAML_NODES` for the whole table.

Blank lines (and lines of empty cells) are skipped. Messages never quote more than a short cut
of a cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from ...errors import InstanceError, Issue
from ...limits import MAX_CELL_CHARS, MAX_ROWS, MAX_YAML_NODES, clip
from .safe_yaml import load_yaml


def decode_csv(data: bytes, shown: str, issues: list[Issue]) -> str | None:
    """CSV bytes as text (UTF-8, optional BOM); a located issue if they are not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        issues.append(
            Issue(
                f"{shown}:{line}",
                None,
                f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as "
                "UTF-8 ('CSV UTF-8' in Excel)",
            )
        )
        return None


def read_table(
    text: str,
    shown: str,
    issues: list[Issue],
    structured: Callable[[str, str], bool] | None = None,
) -> tuple[list[dict[str, Any]], list[int]] | None:
    """Rows of a CSV table as text cells (empty cells dropped) and the line each row starts on.

    Args:
        text: the file's text.
        shown: the file's name as the instance wrote it, for locations.
        issues: where problems are appended.
        structured: says, from the column and the text, whether a cell holds a small YAML/JSON
            mapping, parsed here (a bill of materials, tiers, a path by period).

    Returns:
        ``(rows, lines)``, or ``None`` when the table cannot be read at all (broken header,
        quoting, too many rows); row-level problems are issues and the row is left out.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, skipinitialspace=True)
    header: list[str] = []
    width = 0
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    budget = [MAX_YAML_NODES]  # expanded YAML nodes left for this table's mapping cells
    last = 0
    try:
        # The hot loop of a large table: one length scan per record (it also spots the empty
        # lines), the shape test, then the cells; a line of blank cells yields an empty row.
        for record in reader:
            start, last = last + 1, reader.line_num
            longest = max(map(len, record), default=0)
            if longest == 0:
                continue  # blank line
            if longest > MAX_CELL_CHARS:
                _long_cells(record, header, f"{shown}:{start}", issues)
                if not header:
                    return None
                continue
            if not header:
                if not any(cell.strip() for cell in record):
                    continue
                header = [cell.strip() for cell in record]
                width = len(header)
                if not _header_ok(header, f"{shown}:{start}", issues):
                    return None
                continue
            if len(record) != width and not _shape_ok(record, width, f"{shown}:{start}", issues):
                continue
            row: dict[str, Any] = {}
            for col, cell in zip(header, record):
                val = cell.strip()
                if val:
                    if structured is not None and structured(col, val):
                        _mapping_cell(row, col, val, f"{shown}:{start}", issues, budget)
                    else:
                        row[col] = val
            if not row:
                continue  # a line of blank cells
            if len(rows) == MAX_ROWS:
                issues.append(
                    Issue(
                        f"{shown}:{start}",
                        None,
                        f"more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are read "
                        "per table (split the instance)",
                    )
                )
                return None
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:  # raised while reading the record after the last one read
        issues.append(_csv_error(exc, shown, last + 1, reader.line_num))
        return None
    if not header:
        issues.append(Issue(shown, None, "the CSV file is empty; expected a header row"))
        return None
    return rows, lines


def _header_ok(header: list[str], where: str, issues: list[Issue]) -> bool:
    """Every column named, each name once; problems appended as issues."""
    ok = True
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            issues.append(
                Issue(
                    where,
                    None,
                    f"column {position} of the header has no name; name every "
                    "column or delete the empty one",
                )
            )
            ok = False
        elif name in seen:
            issues.append(
                Issue(
                    where,
                    _cut(name),
                    f"column {clip(name)} appears twice in the header (columns "
                    f"{seen[name]} and {position}); keep one",
                )
            )
            ok = False
        else:
            seen[name] = position
    return ok


def _shape_ok(record: list[str], width: int, where: str, issues: list[Issue]) -> bool:
    """One cell per column (extra cells allowed only when all empty; a blank line passes)."""
    count = len(record)
    if count < width:
        if not any(cell.strip() for cell in record):
            return True  # blank cells only: skipped as a blank line
        issues.append(
            Issue(
                where,
                None,
                f"{count} cells but the header has {width}; every row needs one "
                "cell per column (leave a cell empty with ',,')",
            )
        )
        return False
    if any(cell.strip() for cell in record[width:]):
        issues.append(
            Issue(
                where,
                None,
                f"{count} cells but the header has {width}; a value sits beyond "
                "the last column (a missing header name or a stray comma?)",
            )
        )
        return False
    return True  # trailing empty cells: a spreadsheet's padding


def _mapping_cell(
    row: dict[str, Any], col: str, val: str, where: str, issues: list[Issue], budget: list[int]
) -> None:
    """Parse a mapping cell (strict YAML, within the table's alias budget) into ``row``."""
    try:
        parsed, size = load_yaml(val, where, max_nodes=budget[0])
    except InstanceError as exc:
        reason = exc.issues[0].message if exc.issues else "unreadable"
        issues.append(Issue(where, col, f"cannot parse mapping {clip(val)}: {reason}"))
        return
    budget[0] -= size
    row[col] = parsed


def _long_cells(record: list[str], header: list[str], where: str, issues: list[Issue]) -> None:
    for position, cell in enumerate(record, start=1):
        if len(cell) > MAX_CELL_CHARS:
            name = header[position - 1] if header and position <= len(header) else None
            issues.append(
                Issue(
                    where,
                    _cut(name) if name else None,
                    f"cell in column {position} holds {len(cell):,} characters; at "
                    f"most {MAX_CELL_CHARS:,} are allowed (a quote left open?)",
                )
            )


def _csv_error(exc: csv.Error, shown: str, start: int, line: int) -> Issue:
    # start: the line the failing record begins on; line: where the reader noticed.
    """A csv module error in the project's words, located (never quoting the file)."""
    text = str(exc)
    if "unexpected end of data" in text or "EOF" in text:
        return Issue(
            f"{shown}:{start}",
            None,
            "a quoted cell opened in this row is never closed (a '\"' is missing); "
            "every quote that opens a cell must close it",
        )
    if "field larger than field limit" in text:
        return Issue(
            f"{shown}:{start}",
            None,
            f"a cell runs on for more than {MAX_CELL_CHARS:,} characters (a quote left open?)",
        )
    if "expected after" in text:
        return Issue(
            f"{shown}:{line}",
            None,
            "a character follows a closing quote; a quoted cell must end at the quote "
            '(double a quote inside it: "")',
        )
    return Issue(f"{shown}:{line}", None, f"cannot parse CSV: {text[:80]}")


def _cut(name: str) -> str:
    return name if len(name) <= 40 else name[:37] + "..."
