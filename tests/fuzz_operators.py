"""Mutation operators of the fuzz suite: what each kind of mutation does (issue 10, point 8).

Document mutations (drop a key, retype a value, a bad or odd number, an unknown reference...)
change an inline document as data; :func:`mutate_bytes` truncates, flips a bit or inserts hostile
characters; :func:`csv_mutation` edits one table of a CSV folder and :func:`xlsx_mutation` a
workbook. Each says what it changed and whether the change is *known* to make the input invalid.
:mod:`fuzz_mutations` picks the operator of a spec and writes the result in its form.
"""

from __future__ import annotations

import copy
import csv
import datetime
import io
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import openpyxl
from trustsource.instance.schema import RULE_MODELS
from trustsource.limits import MAX_CELL_CHARS

BYTE_KINDS = ("truncate", "flip_byte", "insert_chars")
DOC_KINDS = tuple(
    "drop_key retype bad_number odd_number unknown_ref unknown_country duplicate_entry "
    "empty_list long_text reorder".split()
)
CSV_KINDS = tuple(
    "csv_dup_row csv_drop_cell csv_swap_values csv_swap_columns csv_cell csv_bad_number "
    "csv_unknown_ref csv_dup_header csv_unknown_column".split()
)
XLSX_KINDS = tuple(
    "xlsx_cell xlsx_bad_number xlsx_formula xlsx_merge xlsx_dup_row xlsx_delete_row "
    "xlsx_unknown_ref xlsx_header xlsx_sheets".split()
)
TABLES = ("items", "sites", "suppliers", "rules")
NUMERIC_KEYS = frozenset(
    "demand shortfall_penalty capacity fixed_cost unit_cost min_order from price max_share "
    "min_share max_share_without count min_share_each coverage max_hhi tolerance quantity "
    "rate".split()
)
# An integer of more digits than Python converts from text (4,300): json and yaml cannot write
# one, so this marker is written and replaced in the text.
BIG_INTEGER, BIG_INTEGER_TEXT = "__big_integer__", "9" * 5000
# fmt: off
BOGUS_ID = ("no-such-thing", "galium", "ga-cn-999", "x")
BAD_COUNTRY = ("JJ", "cn", "Narnia", "\u0421N", "C N", "OO", "12", "XXX")  # \u0421: Cyrillic Es
RETYPE_VALUES: tuple[Any, ...] = (
    "abc", "", "12", 7, -3, 2.5, True, False, None, [], [1, "x"], {}, {"k": 1},
)
BAD_NUMBERS: tuple[Any, ...] = (
    -1, -0.001, -1e9, 1e13, 1e300, 1.7e308, 10**20, float("nan"), float("inf"), float("-inf"),
    BIG_INTEGER,
)
ODD_NUMBERS: tuple[Any, ...] = (
    0, 0.0, -0.0, 1e-300, 5e-324, 1e12, 1e-7, 1e-6, 0.1, 1, 3, 1e6, 123456789.123456789,
    999999999999.9999,
)
INSERTS = (
    b"\x00", b"\x07", b"\x1b[2J", "\u202e".encode(), "\ufeff".encode(), "\u2028".encode(),
    b"\xed\xa0\x80", b"\xff\xfe", b"\xc3", "\u00e9".encode(), "\U0001f600".encode(), b"\t",
    b"\r", b"\r\n", b"'", b'"', b"{", b"[", b"]", b":", b": ", b"&a ", b"*a", b"!!binary ",
    b"%", b"#", b"- ", b",", b"\\", b"\n---\n", b"\n  ", b"=1+1", "\uff11".encode(), b"1_0",
)
CSV_TOKENS = (
    "", " ", "-1", "0", "1e308", "nan", "inf", "true", "yes", "1_000", "abc", "=1+1", "@x",
    "{a: 1}", "[1, 2]", '"', "'", "x" * (2 * MAX_CELL_CHARS), "\x00", "\uff11", "0x10", "1,5",
    "1e-320", "NULL", "~", "{gallium: " + BIG_INTEGER_TEXT + "}",
)
CSV_HARMLESS_IN_NUMBERS = frozenset(("", " ", "0", "1e-320", "\uff11"))
CSV_BAD_NUMBERS = (
    "-1", "-0.5", "1e13", "1e308", "1e400", "nan", "NaN", "inf", "-inf", "true", "FALSE",
    "1_000", BIG_INTEGER_TEXT, "abc", "1.2.3",
)
XLSX_VALUES: tuple[Any, ...] = (
    -1, 0, 1e308, True, False, "abc", "", None, "=1+1", " ", "1_000", 10**20, 1.5,
    datetime.datetime(2024, 1, 1), "\uff11", '=WEBSERVICE("https://x.example")', "#N/A",
)
XLSX_BAD_IN_NUMBERS: tuple[Any, ...] = (-1, 1e308, True, False, "abc", "1_000", 10**20)
XLSX_BAD_NUMBERS: tuple[Any, ...] = (
    -1, -0.5, 1e13, 1e308, True, False, "abc", "1_000", "nan", "inf", 10**20,
)
FORMULAS = ("=1+1", "=A1", '=WEBSERVICE("https://x.example")', "=SUM(B2:B3)")
# fmt: on
RULE_REQUIRED = {
    get_args(m.model_fields["kind"].annotation)[0]: frozenset(
        f.alias or n for n, f in m.model_fields.items() if f.is_required()
    )
    for m in RULE_MODELS
}
"""Required keys of each rule kind, from the schema (a new required field is covered)."""

# --- document mutations: (note, known invalid[, long value]) -------------------------------------

Key = tuple[Any, ...]


def _leaves(node: Any, path: Key = ()) -> Iterator[tuple[Key, Any]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list) and node:
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path, node


def _set(doc: Any, path: Key, value: Any) -> str:
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return f"{shown} = {'a 5,000-digit integer' if value == BIG_INTEGER else repr(value)[:60]}"


def _numeric(path: Key) -> bool:
    """Whether the schema puts a number at ``path``."""
    if not path or not isinstance(path[-1], str):
        return False
    parent = path[-2] if len(path) >= 2 else None
    if parent in ("inputs", "tariffs") or (path[0] == "scenarios" and parent == "capacity"):
        return True
    return path[0] != "scenarios" and path[-1] in NUMERIC_KEYS


def _type(value: Any) -> str:
    return "number" if type(value) in (int, float) else type(value).__name__


def _not_a_number(value: Any) -> bool:
    """Whether no number parser reads ``value`` ('12' and empty text stay undecided)."""
    if isinstance(value, str) and value.strip():
        try:
            float(value)
        except ValueError:
            return True
    return isinstance(value, (bool, list, dict))


def _row(doc: dict[str, Any], table: str, rng: random.Random) -> int:
    return rng.randrange(len(doc[table]))


def _required(table: str, entry: dict[str, Any]) -> set[str]:
    """Keys ``entry`` of ``table`` cannot lose without becoming invalid."""
    if table in ("items", "sites"):
        return {"id"} if table == "items" else {"id", "country"}
    if table == "suppliers":
        need = {"id", "item"} | ({"country"} if "site" not in entry else set())
        prices = {"unit_cost", "price_tiers"} & set(entry)
        return need | (prices if len(prices) == 1 else set())
    need = set(RULE_REQUIRED.get(entry.get("kind", ""), ())) | {"kind"}
    shares = [k for k in ("min_share", "max_share") if k in entry]
    return need | (set(shares) if entry.get("kind") == "bloc_share" and len(shares) == 1 else set())


def drop_key(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    if rng.random() < 0.15:
        key = rng.choice(list(doc))
        del doc[key]
        return f"deleted top-level {key!r}", key in ("trustsource", "items")
    table = rng.choice([t for t in TABLES if doc.get(t)])
    i = _row(doc, table, rng)
    key = rng.choice(list(doc[table][i]))
    required = key in _required(table, doc[table][i])
    del doc[table][i][key]
    return f"deleted {table}[{i}].{key}", required


def retype(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    path, old = rng.choice(list(_leaves(doc)))
    new = copy.deepcopy(rng.choice([v for v in RETYPE_VALUES if _type(v) != _type(old)]))
    if _numeric(path):
        invalid = _not_a_number(new)
    else:  # an id or a reference of an entry must be text
        invalid = len(path) == 3 and path[0] in TABLES and path[2] in ("id", "item")
        invalid = invalid and not isinstance(new, str)
    return f"{_set(doc, path, new)} (was {old!r})"[:200], invalid


def _number_at(doc: dict[str, Any], rng: random.Random) -> Key:
    return rng.choice([p for p, v in _leaves(doc) if _numeric(p) and _type(v) == "number"])


def bad_number(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    return _set(doc, _number_at(doc, rng), rng.choice(BAD_NUMBERS)), True


def odd_number(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    return _set(doc, _number_at(doc, rng), rng.choice(ODD_NUMBERS)), False


def _rules_with(doc: dict[str, Any], key: str) -> list[int]:
    return [i for i, r in enumerate(doc.get("rules") or []) if key in r]


def _append(doc: dict[str, Any], path: Key, value: Any) -> str:
    return _set(doc, path, [*doc[path[0]][path[1]][path[2]], value])


def unknown_ref(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    bad = rng.choice(BOGUS_ID)
    choices: list[Callable[[], str]] = [
        lambda: _set(doc, ("suppliers", _row(doc, "suppliers", rng), "item"), bad),
        lambda: _set(doc, ("suppliers", _row(doc, "suppliers", rng), "site"), bad),
        lambda: _set(doc, ("items", _row(doc, "items", rng), "inputs", bad), 1.0),
        lambda: _set(doc, ("variants", "v-fuzz"), {"drop": [bad]}),
        lambda: _set(doc, ("scenarios", "s-fuzz"), {"capacity": {bad: 0.5}}),
    ]
    if doc.get("rules"):
        choices.append(lambda: _set(doc, ("rules", _row(doc, "rules", rng), "items"), [bad]))
    for key in ("countries", "except"):
        choices += [
            lambda i=i, k=key: _append(doc, ("rules", i, k), bad) for i in _rules_with(doc, key)
        ]
    choices += [lambda i=i: _set(doc, ("rules", i, "bloc"), bad) for i in _rules_with(doc, "bloc")]
    return rng.choice(choices)(), True


def unknown_country(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    bad = rng.choice(BAD_COUNTRY)
    choices: list[Callable[[], str]] = [
        lambda: _set(doc, ("suppliers", _row(doc, "suppliers", rng), "country"), bad),
        lambda: _set(doc, ("suppliers", _row(doc, "suppliers", rng), "owner"), bad),
        lambda: _set(doc, ("tariffs", bad), 0.1),
        lambda: _set(doc, ("blocs", "fuzz-bloc"), ["US", bad]),
    ]
    if doc.get("sites"):
        choices.append(lambda: _set(doc, ("sites", _row(doc, "sites", rng), "country"), bad))
    choices += [
        lambda i=i: _append(doc, ("rules", i, "countries"), bad)
        for i in _rules_with(doc, "countries")
    ]
    return rng.choice(choices)(), True


def duplicate_entry(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    table = rng.choice([t for t in TABLES if doc.get(t)])
    i, at = _row(doc, table, rng), rng.randrange(len(doc[table]) + 1)
    doc[table].insert(at, copy.deepcopy(doc[table][i]))
    return f"copied {table}[{i}] to position {at}", True


def empty_list(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    choices: list[tuple[Key, Any, bool]] = [
        (("items",), [], True),
        (("blocs", "fuzz-bloc"), [], True),
        (("scenarios", "s-fuzz"), {"capacity": {}}, True),
        (("suppliers",), [], False),
        (("rules",), [], False),
        (("sources",), [], False),
        (("items", _row(doc, "items", rng), "inputs"), {}, False),
    ]
    choices += [(("rules", i, "items"), [], True) for i in range(len(doc.get("rules") or []))]
    choices += [(("rules", i, "countries"), [], True) for i in _rules_with(doc, "countries")]
    path, value, invalid = rng.choice(choices)
    return _set(doc, path, value), invalid


def long_text(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool, str]:
    path = rng.choice([p for p, v in _leaves(doc) if isinstance(v, str)])
    length = rng.choice((120, 300, 5000, MAX_CELL_CHARS + 1, 3 * MAX_CELL_CHARS))
    unit = rng.choice(("a", "Z", "\u00e9", "\U0001f600", "=", "CN", "ab-"))
    value = (unit * length)[:length]
    _set(doc, path, value)
    return f"{path} = {length} x {unit!r}", length > MAX_CELL_CHARS, value


def reorder(doc: dict[str, Any], rng: random.Random) -> tuple[str, bool]:
    for table in TABLES:
        rng.shuffle(doc.get(table) or [])
        for i, row in enumerate(doc.get(table) or []):
            doc[table][i] = dict(rng.sample(list(row.items()), len(row)))
    items = rng.sample(list(doc.items()), len(doc))
    doc.clear()
    doc.update(items)
    return "shuffled the tables, their entries' keys and the top-level keys", False


DOC_MUTATORS: dict[str, Callable[..., Any]] = {
    f.__name__: f
    for f in (drop_key, retype, bad_number, odd_number, unknown_ref, unknown_country)
    + (duplicate_entry, empty_list, long_text, reorder)
}


def mutate_bytes(kind: str, data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Truncate, flip one bit, or insert a hostile character sequence."""
    at = rng.randrange(len(data))
    if kind == "truncate":
        return data[:at], f"cut at byte {at} of {len(data)}"
    if kind == "flip_byte":
        bit = 1 << rng.randrange(8)
        return data[:at] + bytes([data[at] ^ bit]) + data[at + 1 :], f"bit {bit:#x} of byte {at}"
    token = rng.choice(INSERTS)
    return data[:at] + token + data[at:], f"inserted {token!r} at byte {at}"


# --- CSV folder mutations: (note, known invalid, same plan) --------------------------------------


def _read_rows(path: Path) -> list[list[str]]:
    return [r for r in csv.reader(io.StringIO(path.read_text("utf-8"), newline="")) if r]


def csv_mutation(kind: str, tables: dict[str, Path], rng: random.Random) -> tuple[str, bool, bool]:
    """Mutate one table of a CSV folder in place."""
    rows_of = {t: _read_rows(p) for t, p in tables.items()}
    candidates = sorted(t for t, rows in rows_of.items() if len(rows) > 1)  # not header-only
    if kind == "csv_bad_number":
        candidates = [t for t in candidates if NUMERIC_KEYS & set(rows_of[t][0])]
    table = "suppliers" if kind == "csv_unknown_ref" else rng.choice(candidates)
    path, (header, *data) = tables[table], rows_of[table]
    r = rng.randrange(len(data))
    row, where = data[r], f"{tables[table].name}:{r + 2}"
    invalid = same = False
    if kind == "csv_dup_row":
        data.insert(r + 1, list(row))
        note, invalid = f"{where} duplicated", True
    elif kind == "csv_drop_cell":
        j = rng.randrange(len(row))
        del row[j]
        note, invalid = f"{where} lost cell {j + 1}", True
    elif kind in ("csv_swap_values", "csv_swap_columns"):
        a, b = rng.sample(range(len(header)), 2)
        same = kind == "csv_swap_columns"  # with the header: the same table
        for rec in [header, *data] if same else data:
            rec[a], rec[b] = rec[b], rec[a]
        note = f"{path.name}: swapped {header[a]!r} and {header[b]!r}{'' if same else ' values'}"
    elif kind in ("csv_cell", "csv_bad_number", "csv_unknown_ref"):
        if kind == "csv_cell":
            j, token = rng.randrange(len(header)), rng.choice(CSV_TOKENS)
            numeric = header[j] in NUMERIC_KEYS and token not in CSV_HARMLESS_IN_NUMBERS
            invalid = len(token) > MAX_CELL_CHARS or numeric
        elif kind == "csv_bad_number":
            j = rng.choice([j for j, h in enumerate(header) if h in NUMERIC_KEYS])
            token, invalid = rng.choice(CSV_BAD_NUMBERS), True
        else:
            j = header.index(rng.choice([c for c in ("item", "site", "country") if c in header]))
            token = rng.choice(BAD_COUNTRY if header[j] == "country" else BOGUS_ID)
            invalid = True
        row[j] = token
        note = f"{where} [{header[j]}] = {token[:40]!r}"
    elif kind == "csv_dup_header":
        a, b = rng.sample(range(len(header)), 2)
        header[a] = header[b]
        note, invalid = f"{path.name}: column {a + 1} renamed {header[b]!r}", True
    else:  # csv_unknown_column
        header.append("colour")
        data = [[*rec, *[""] * (len(header) - 1 - len(rec)), "blue"] for rec in data]
        note, invalid = f"{path.name}: added a column 'colour'", True
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *data])
    path.write_text(text.getvalue(), encoding="utf-8")
    return note, invalid, same


# --- workbook mutations: (note, known invalid) ---------------------------------------------------


def xlsx_mutation(kind: str, wb: Any, rng: random.Random) -> tuple[str, bool]:
    """Mutate a workbook in place (sheets of data rows only, never the README)."""
    sheets = [ws for ws in wb.worksheets if ws.max_row >= 2 and ws.title != "README"]
    if kind == "xlsx_bad_number":
        sheets = [ws for ws in sheets if NUMERIC_KEYS & {c.value for c in ws[1]}]
    elif kind in ("xlsx_dup_row", "xlsx_merge"):
        sheets = [ws for ws in sheets if ws.title in ("items", "sites", "suppliers")]
    ws = wb["suppliers"] if kind == "xlsx_unknown_ref" else rng.choice(sheets)
    header = [c.value for c in ws[1]]
    r = rng.randrange(2, ws.max_row + 1)
    letter = openpyxl.utils.get_column_letter
    if kind == "xlsx_sheets":  # a sheet lost (a table left empty), renamed or added
        how, old = rng.randrange(3), ws.title
        if how == 0:
            wb.remove(ws)
            return f"sheet {old!r} removed", False
        if how == 1:
            ws.title = old.capitalize()
            return f"sheet {old!r} renamed {ws.title!r}", True
        return f"sheet {wb.create_sheet('Sheet1').title!r} added", True
    if kind == "xlsx_header":
        j = rng.randrange(len(header))
        others = [h for h in header if h != header[j]]
        value = rng.choice(
            (None, "colour", rng.choice(others), f" {header[j]} ", f"{header[j]}".upper())
        )
        filled = any(
            ws.cell(row=i, column=j + 1).value is not None for i in range(2, ws.max_row + 1)
        )
        ws.cell(row=1, column=j + 1, value=value)
        note = f"{ws.title}!{letter(j + 1)}1 header {header[j]!r} -> {value!r}"
        return note, filled and (value == "colour" or value in others)
    if kind == "xlsx_merge":
        j = rng.randrange(1, len(header))
        ws.merge_cells(start_row=r, start_column=j, end_row=r, end_column=j + 1)
        return f"{ws.title}!{letter(j)}{r}:{letter(j + 1)}{r} merged", True
    if kind == "xlsx_dup_row":
        ws.append([c.value for c in ws[r]])
        return f"{ws.title} row {r} duplicated", True
    if kind == "xlsx_delete_row":
        ws.delete_rows(r)
        return f"{ws.title} row {r} deleted", False
    if kind == "xlsx_bad_number":
        j = rng.choice([j for j, h in enumerate(header) if h in NUMERIC_KEYS])
        value = rng.choice(XLSX_BAD_NUMBERS)
    elif kind == "xlsx_unknown_ref":
        j, value = header.index("item"), rng.choice(BOGUS_ID)
    else:
        j = rng.randrange(len(header))
        value = rng.choice(FORMULAS if kind == "xlsx_formula" else XLSX_VALUES)
    ws.cell(row=r, column=j + 1, value=value)
    formula = isinstance(value, str) and value.startswith("=")  # saved without a value
    bad = header[j] in NUMERIC_KEYS and any(
        type(value) is type(b) and value == b for b in XLSX_BAD_IN_NUMBERS
    )
    invalid = kind != "xlsx_cell" or formula or bad
    return f"{ws.title}!{letter(j + 1)}{r} [{header[j]}] = {value!r}", invalid
