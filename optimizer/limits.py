"""Bounds on what an instance may ask of the reader and of the solver.

One place for every limit the readers (YAML, JSON, CSV, Excel) and the validators enforce, so the
documentation, the error messages and the tests quote the same numbers. Each limit is generous
for real sourcing data (the largest bundled or generated instance stays far below it) and small
enough that a hostile or broken file is refused in well under a second instead of exhausting
memory or time. Exceeding one is an input error (exit 2), located like any other.

Why these numbers:

* sizes: the 100k-offer benchmark instance is about 9 MB of CSV; a YAML document is parsed by a
  pure-Python parser at roughly 1 MB/s, so YAML is held smaller than JSON and CSV.
* magnitudes: HiGHS treats values at or above 1e20 as infinite and drops matrix entries at or
  below 1e-9; keeping quantities and costs at most 1e12 and coefficients at least 1e-6 leaves the
  products the model forms (cost x quantity, coefficient x capacity) inside double precision
  with room for HiGHS's default tolerances (1e-7 feasibility, 1e-6 integrality).
"""

from __future__ import annotations

import reprlib
from typing import Any

MIB = 1024 * 1024

MAX_YAML_BYTES = 16 * MIB
"""An instance document in YAML (large tables belong in CSV files)."""
MAX_JSON_BYTES = 64 * MIB
"""An instance document in JSON."""
MAX_CSV_BYTES = 64 * MIB
"""One CSV table."""
MAX_XLSX_BYTES = 32 * MIB
"""An Excel workbook as stored (compressed)."""
MAX_XLSX_UNPACKED_BYTES = 256 * MIB
"""An Excel workbook's parts once unzipped (a zip bomb is refused before it is opened)."""
MAX_ROWS = 250_000
"""Rows of one table (items, sites, suppliers, rules)."""
MAX_CELL_CHARS = 10_000
"""Characters of one text value or CSV/Excel cell."""
MAX_DEPTH = 50
"""Nesting depth of a YAML/JSON document (an instance needs about 6)."""
MAX_YAML_NODES = 5_000_000
"""Nodes of a YAML document once its aliases are expanded (an alias bomb is refused)."""

MAX_QUANTITY = 1e12
"""Largest demand, capacity, minimum order or tier break."""
MAX_COST = 1e12
"""Largest unit cost, price, fixed cost, penalty or tariff-adjusted price."""
MIN_COEFFICIENT = 1e-6
"""Smallest non-zero bill-of-materials coefficient (use a smaller unit for the input)."""
MAX_COEFFICIENT = 1e6
"""Largest bill-of-materials coefficient (use a larger unit for the input)."""

MAX_TARIFF = 100.0
"""Largest tariff rate (100 = +10,000 %); rates are fractions, 0.25 = +25 %."""
MAX_SCENARIO_FACTOR = 100.0
"""Largest demand or price factor of a scenario (100 = a hundredfold)."""
MAX_SCENARIOS = 1_000
"""Most scenarios an instance may list: the extensive form grows with each (``trustsource
risk`` copies the whole second stage per scenario)."""
WIDE_RANGE = 1e9
"""Ratio between the largest and smallest non-zero cost (or quantity) above which validation
warns: HiGHS's tolerances are absolute, so such ranges can hurt the solve."""

SHOWN_CHARS = 80
"""Characters of a value quoted in an error message."""


def clip(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``repr`` of a value, cut to ``limit`` characters so messages never echo whole files.

    Containers go through :mod:`reprlib`, which abbreviates them as it goes, so a huge (or
    alias-shared) structure is never rendered in full just to be cut.
    """
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        short = reprlib.Repr()
        short.maxlevel, short.maxlist, short.maxdict, short.maxstring = 3, 6, 6, limit
        text = short.repr(value)
    else:
        text = repr(value)
    if len(text) <= limit:
        return text
    return text[: limit - 3] + "..." + f" ({len(text)} characters)"


MAX_PERIODS = 100
"""Most periods a periodic instance may list: the linked model copies the plan per period."""
