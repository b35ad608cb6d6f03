"""Plan exports: CSV files, one Excel workbook, Parquet files (issue 7, part 3).

Every table of a :class:`~trustsource.results.plan.Plan` (allocations, items, rules, sites,
costs) plus a one-row KPI ``summary`` (status, objective, gap, cost of trust when known). A plan
without a solution, or with empty tables (an instance with no items), writes what exists: the
summary and header-only or empty tables, never an error.

Writing is atomic: each file goes to a temporary sibling, is flushed to disk and moved into place
with :func:`os.replace`, so a file appears whole or not at all. When the operating system refuses
(read-only folder, disk full, permissions) the temporary file is removed and
:class:`~trustsource.errors.OutputError` is raised with the path and the OS's reason.

Spreadsheet-formula injection (OWASP "CSV injection"): instance text such as a name or a unit
reaches the exports, and a spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-``,
``@``, tab or carriage return. In CSV exports such text cells get a leading single quote
(:func:`safe_text`, :func:`safe_text_frame`), which spreadsheets show as plain text; numbers are
never touched (a negative quantity stays a number). In ``plan.xlsx`` every text cell is written
as a string cell, which no spreadsheet evaluates, so the text stays exactly as given (characters
XML cannot hold, control codes other than tab/newline/carriage return, become U+FFFD). Parquet
files are typed, not evaluated, and keep text unchanged.

``plan.xlsx`` is the award workbook a buyer forwards (:func:`plan_workbook`): a summary sheet
first (the KPI row, then status, total, its split, cost of trust, binding rules and shortfall in
words), the awards and the other plan tables, and the instance's rules when the instance is
given; formatted by :mod:`.workbook` (currency, percent, frozen headers, filters, Excel tables,
landscape print fitted to the page width). ``solve`` does not price the rules, so there the cost
of trust cell says where to get it (``trustsource explain``) rather than staying empty.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import OutputError
from ..safe_writes import (
    FORMULA_TRIGGERS,
    atomic_write,
    atomic_write_text,
    make_folder,
    safe_text,
    safe_text_frame,
)
from .plan_words import binding_rows, shortfall_rows
from .workbook import (
    PERCENT,
    WHOLE,
    add_key_value_rows,
    add_table_sheet,
    currency_format,
    new_workbook,
    save_workbook,
)

TABLES = ("allocations", "items", "rules", "sites", "costs")
PERIODIC_TABLES = ("builds", "stock")
FORMATS = ("csv", "xlsx", "parquet")
PARQUET_HINT = "Parquet export needs pyarrow: pip install trustsource[parquet]"
__all__ = [
    "FORMATS",
    "FORMULA_TRIGGERS",
    "TABLES",
    "OutputError",
    "atomic_write_text",
    "plan_tables",
    "plan_workbook",
    "rule_definitions",
    "safe_text",
    "safe_text_frame",
    "summary_frame",
    "write_plan",
    "write_plan_xlsx",
]


def summary_frame(plan: Any, cost_of_trust: float | None = None) -> pd.DataFrame:
    """The plan's KPIs as a one-row table."""
    row: dict[str, Any] = {
        "instance": plan.instance_name,
        "status": plan.status.value,
        "status_text": plan.status_text,
        "objective": plan.objective,
        # The objective split, so a total that is mostly penalty for unmet demand reads as such.
        "purchase_cost": plan.purchase_cost,
        "shortfall_penalty": plan.shortfall_penalty,
        "shortfall_items": len(plan.shortfalls),
        "currency": plan.currency,
        "mip_gap": plan.mip_gap,
        "bound": plan.bound,
        "cost_of_trust": cost_of_trust,
        "verified": plan.verified,
        "solver": plan.solver,
        "solve_seconds": plan.timings.get("total"),
        "message": plan.message,
    }
    return pd.DataFrame([row])


def plan_tables(plan: Any, cost_of_trust: float | None = None) -> dict[str, pd.DataFrame]:
    """``summary`` then the five plan tables (empty tables when there is no plan)."""
    tables = {"summary": summary_frame(plan, cost_of_trust)}
    for name in TABLES:
        tables[name] = getattr(plan, name) if plan.has_solution else getattr(plan, name).iloc[:0]
    if getattr(plan, "periods", ()):  # a periodic plan: its builds and stock too
        for name in PERIODIC_TABLES:
            frame = getattr(plan, name)
            tables[name] = frame if plan.has_solution else frame.iloc[:0]
    return tables


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise ImportError(PARQUET_HINT) from exc


def _for_parquet(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns mixing types (e.g. ``site`` with None) become strings or stay None."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            values = out[col]
            kinds = {type(v) for v in values if v is not None and not _is_nan(v)}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool}):
                out[col] = values.map(lambda v: None if v is None or _is_nan(v) else str(v))
    return out


def _is_nan(v: Any) -> bool:
    return isinstance(v, float) and v != v


COST_OF_TRUST_UNKNOWN = (
    "not computed by solve: trustsource explain FILE prices each rule and the cost of trust"
)
SUMMARY_FORMATS: dict[str, str | None] = {"verified": None, "shortfall_items": WHOLE}


def rule_definitions(instance: Any) -> pd.DataFrame:
    """The instance's rules as a table: name, kind, items, basis, parameters, description."""
    rows = []
    for rule in instance.to_dict().get("rules", ()):
        common = ("name", "kind", "items", "basis", "description")
        params = {k: v for k, v in rule.items() if k not in common}
        items = rule.get("items")
        rows.append(
            {
                "name": rule.get("name"),
                "kind": rule.get("kind"),
                "items": "all" if items is None else ", ".join(str(i) for i in items),
                "basis": rule.get("basis", "location"),
                "parameters": "; ".join(f"{k} = {_param(v)}" for k, v in params.items()),
                "description": (rule.get("description") or "").strip() or None,
            }
        )
    return pd.DataFrame(
        rows, columns=["name", "kind", "items", "basis", "parameters", "description"]
    )


def _param(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _rule_limit_format(column: str, row: Mapping[str, Any]) -> str | None:
    """A rule row's limit and achieved value in the rule's unit: a count, HHI points, or a
    share (the plan's rules table mixes them)."""
    if column not in ("limit", "achieved", "slack"):
        return None
    kind = row.get("kind")
    if kind in ("min_suppliers", "max_suppliers", "min_countries", "hhi_cap"):
        return WHOLE
    return PERCENT


def _summary_sheet(wb: Any, plan: Any, summary: pd.DataFrame, cost_of_trust: float | None) -> None:
    """The KPI row (rows 1-2, the columns of ``summary.csv``), then the plan at a glance in
    words: status, total, its split, cost of trust, binding rules, shortfall per item."""
    row = summary.copy()
    if cost_of_trust is None:
        row["cost_of_trust"] = COST_OF_TRUST_UNKNOWN
    ws = add_table_sheet(wb, "summary", row, currency=plan.currency, formats=SUMMARY_FORMATS)
    money = currency_format(plan.currency)
    glance: list[tuple[str, Any, str | None]] = [
        ("status", plan.status_text, None),
        ("total cost", plan.objective, money),
        ("purchase cost", plan.purchase_cost, money),
        ("shortfall penalty", plan.shortfall_penalty, money),
        ("cost of trust", COST_OF_TRUST_UNKNOWN if cost_of_trust is None else cost_of_trust, money),
    ]
    if plan.mip_gap is not None:
        glance.append(("MIP gap", plan.mip_gap, PERCENT))
    n = add_key_value_rows(ws, 4, glance, title=f"{plan.instance_name}: {plan.status_text}")
    if plan.has_solution and len(plan.rules):
        binding = binding_rows(plan)
        n = add_key_value_rows(
            ws,
            n + 1,
            [(k, v, None) for k, v in binding] or [("", "no rule is binding", None)],
            title="binding rules",
        )
    if plan.has_solution and plan.has_shortfall:
        add_key_value_rows(
            ws, n + 1, [(k, v, None) for k, v in shortfall_rows(plan)], title="shortfall"
        )
    labels = [k for k, _, _ in glance] + [k for k, _ in binding_rows(plan)]
    ws.column_dimensions["A"].width = max(
        ws.column_dimensions["A"].width or 0, min(60, max(len(s) for s in labels) + 2)
    )
    ws.column_dimensions["B"].width = max(ws.column_dimensions["B"].width or 0, 40)


def plan_workbook(
    plan: Any, *, cost_of_trust: float | None = None, instance: Any | None = None
) -> Any:
    """The award workbook (an openpyxl workbook): ``summary`` first (the KPI row and the plan
    in words), then ``allocations`` (the awards: item, supplier, country, quantity, unit cost,
    cost, share), ``items``, ``rules`` (the rules' limits and achieved values), ``sites``,
    ``costs`` (and ``builds``, ``stock`` for a periodic plan), and ``rule_definitions`` (the
    instance's rules: name, kind, parameters, description) when ``instance`` is given."""
    tables = plan_tables(plan, cost_of_trust)
    wb = new_workbook()
    _summary_sheet(wb, plan, tables.pop("summary"), cost_of_trust)
    for name, df in tables.items():
        frame = _awards_first(df) if name == "allocations" else df
        add_table_sheet(
            wb,
            name,
            frame,
            currency=plan.currency,
            cell_format=_rule_limit_format if name == "rules" else None,
        )
    if instance is not None:
        add_table_sheet(wb, "rule_definitions", rule_definitions(instance))
    return wb


def _awards_first(df: pd.DataFrame) -> pd.DataFrame:
    """The awards' columns in the order a buyer reads them: item, supplier, country first."""
    lead = [c for c in ("item", "supplier", "country", "owner", "site") if c in df.columns]
    return df[lead + [c for c in df.columns if c not in lead]]


def write_plan_xlsx(
    plan: Any,
    path: str | os.PathLike[str],
    *,
    cost_of_trust: float | None = None,
    instance: Any | None = None,
) -> Path:
    """The award workbook (:func:`plan_workbook`), written atomically.

    Text cells are string cells (never formulas); numbers stay numbers, stored exact and
    rounded for display by their number format (see :mod:`.workbook`).

    Raises:
        OutputError: the file could not be written; nothing is left behind.
    """
    wb = plan_workbook(plan, cost_of_trust=cost_of_trust, instance=instance)
    return atomic_write(path, lambda tmp: save_workbook(wb, tmp))


def write_plan(
    plan: Any,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] = ("csv",),
    *,
    cost_of_trust: float | None = None,
    instance: Any | None = None,
) -> list[Path]:
    """Write the plan's tables and KPI summary to ``out_dir`` in each of ``formats``.

    ``csv``: ``summary.csv`` and ``<table>.csv`` (text neutralised by :func:`safe_text_frame`);
    ``xlsx``: ``plan.xlsx`` (:func:`plan_workbook`; ``instance`` adds its rules); ``parquet``:
    ``<table>.parquet`` (needs pyarrow). Returns the paths written. Each file is atomic; files
    written before a failure stay (whole).

    Raises:
        ValueError: an unknown format.
        ImportError: ``parquet`` without pyarrow (the message says ``pip install
            trustsource[parquet]``); raised before any file is written.
        OutputError: a file or the folder could not be written (path and OS reason).
    """
    fmts = list(dict.fromkeys(formats))
    unknown = [f for f in fmts if f not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown export format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}"
        )
    if "parquet" in fmts:
        _require_pyarrow()
    out = Path(out_dir)
    make_folder(out, out)
    tables = plan_tables(plan, cost_of_trust)
    written: list[Path] = []
    for fmt in fmts:
        if fmt == "xlsx":
            written.append(
                write_plan_xlsx(
                    plan, out / "plan.xlsx", cost_of_trust=cost_of_trust, instance=instance
                )
            )
            continue
        for name, df in tables.items():
            if fmt == "csv":
                text = safe_text_frame(df).to_csv(index=False)
                written.append(atomic_write_text(out / f"{name}.csv", text))
            else:
                frame = _for_parquet(df)
                written.append(
                    atomic_write(
                        out / f"{name}.parquet", lambda tmp, f=frame: f.to_parquet(tmp, index=False)
                    )
                )
    return written
