"""The HTML pieces both report sections use: escaped cells, numbers, tables."""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd


def e(v: Any) -> str:
    """Escaped text of any value ('-' for None/NaN)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return html.escape(str(v), quote=True)


def number(v: Any, fmt: str = "{:,.2f}") -> str:
    """A number as ``fmt`` says ('-' for None, NaN and infinities)."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return fmt.format(float(v))


def table(df: pd.DataFrame, numeric: set[str] | None = None) -> str:
    """An HTML table of ``df`` (cells escaped; ``numeric`` columns right-aligned); ``none``
    for an empty one."""
    if not len(df):
        return "<p>none</p>"
    numeric = numeric or set()
    head = "".join(f"<th>{e(c)}</th>" for c in df.columns)
    body = []
    for row in df.itertuples(index=False):
        cells = "".join(
            f"<td{' class=n' if c in numeric else ''}>{e(v)}</td>" for c, v in zip(df.columns, row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
