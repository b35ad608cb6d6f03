"""How results show in a notebook: one HTML card for every result object.

Jupyter calls ``_repr_html_`` on the last value of a cell; each result (a plan, an instance, an
explanation, a diagnosis, a sweep, ...) answers with :func:`card`: its name and headline facts,
then the first rows of its main table (the same frame its ``to_frame()`` returns), so that
``plan`` alone in a cell reads like the command's summary. Text is escaped; nothing is fetched.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 12
"""Rows of the main table shown in the card (``to_frame()`` has them all)."""


def fact(value: Any) -> str:
    """A fact as text: floats with separators, booleans as yes/no, None as '-'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.6g}"
    return str(getattr(value, "value", value))


def amount(value: float | None, currency: str = "") -> str:
    """An exact amount with separators and its currency ('-' when missing)."""
    return "-" if value is None else f"{fact(float(value))} {currency}".strip()


def share(value: float | None) -> str:
    """A share as a percentage ('-' when missing)."""
    return "-" if value is None or math.isnan(value) else f"{100 * value:.2f} %"


def card(
    title: str,
    facts: Sequence[tuple[str, Any]],
    frame: pd.DataFrame | None = None,
    caption: str = "",
) -> str:
    """An HTML card: ``title``, a two-column table of ``facts`` and the head of ``frame``."""
    rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(k)}</th>"
        f"<td style='text-align:left'>{html.escape(fact(v))}</td></tr>"
        for k, v in facts
    )
    parts = [
        "<div class='trustsource-result'>",
        f"<p><strong>{html.escape(title)}</strong></p>",
        f"<table>{rows}</table>" if rows else "",
    ]
    if frame is not None and len(frame.columns):
        shown = frame.head(MAX_ROWS)
        more = len(frame) - len(shown)
        label = caption or "table"
        tail = f" (first {len(shown)} of {len(frame)}; to_frame() has all)" if more > 0 else ""
        parts.append(f"<p>{html.escape(label)}{html.escape(tail)}</p>")
        parts.append(shown.to_html(index=False, na_rep="-", float_format=_cell, escape=True))
    parts.append("</div>")
    return "".join(parts)


def _cell(v: float) -> str:
    return f"{v:,.2f}" if abs(v) >= 100 else f"{v:.4g}"
