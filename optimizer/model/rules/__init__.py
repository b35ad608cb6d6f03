"""Trust rules, one module per kind; each module's docstring states its equation.

``BUILDERS`` maps every kind of the registry (:mod:`trustsource.instance.kinds`) to its builder;
``tests/test_registry.py`` checks that none is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import (
    ban,
    bloc_share,
    country_cap,
    counts,
    exit_clause,
    exit_rights,
    hhi,
    supplier_cap,
)

BUILDERS: dict[str, Callable[..., None]] = {
    "country_cap": country_cap.add,
    "bloc_share": bloc_share.add,
    "ban": ban.add,
    "supplier_cap": supplier_cap.add,
    "exit_clause": exit_clause.add,
    "min_suppliers": counts.add_min_suppliers,
    "max_suppliers": counts.add_max_suppliers,
    "min_countries": counts.add_min_countries,
    "exit": exit_rights.add,
    "hhi_cap": hhi.add,
}


def add_rule(md: Any, ctx: Any, rule: Any) -> None:
    """Append the rows of one rule."""
    BUILDERS[rule.kind](md, ctx, rule)
