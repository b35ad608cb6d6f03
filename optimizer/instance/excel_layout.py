"""The sheets and columns of an instance workbook, shared by its reader and its writer.

One sheet per table (see :mod:`trustsource.instance.excel`); the columns of the entity sheets follow
the validation models, so a field added to a model gets its column without a change here.
"""

from __future__ import annotations

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from .schema import RULE_MODELS, ItemSpec, PriceBreak, SiteSpec, SupplierSpec

ITEM_COLUMNS = tuple(f for f in ItemSpec.model_fields if f != "inputs")
SITE_COLUMNS = tuple(SiteSpec.model_fields)
SUPPLIER_COLUMNS = tuple(f for f in SupplierSpec.model_fields if f != "price_tiers")
# Rule columns: the common keys first, then every other key of any rule kind, once.
RULE_COLUMNS = tuple(
    dict.fromkeys(
        ["name", "kind", "items", "basis", "description"]
        + [f.alias or n for model in RULE_MODELS for n, f in model.model_fields.items()]
    )
)
LIST_RULE_KEYS = ("items", "countries", "except")
COLUMNS: dict[str, tuple[str, ...]] = {
    "metadata": ("key", "value"),
    "items": ITEM_COLUMNS,
    "inputs": ("item", "input", "quantity"),
    "sites": SITE_COLUMNS,
    "suppliers": SUPPLIER_COLUMNS,
    "price_tiers": ("supplier", "mode", "from", "price"),
    "blocs": ("bloc", "country"),
    "tariffs": ("country", "rate"),
    "rules": RULE_COLUMNS,
    "variants": ("name", "yaml"),
    "scenarios": ("name", "yaml"),
}
SHEETS = tuple(COLUMNS)
LISTS_SHEET = "Lists"
IGNORED_SHEETS = ("README", LISTS_SHEET)
"""Sheets the reader skips: the template's README and its hidden drop-down lists."""
METADATA_KEYS = (
    "trustsource",
    "name",
    "currency",
    "description",
    "risk",
    "periods",
    "discount_rate",
    "stockpiles",
    "buyers",
    "coalition",
    "sources",
)
YAML_METADATA = ("risk", "periods", "stockpiles", "buyers", "coalition")
"""Metadata keys whose value is a list or mapping, written as YAML text in one cell."""
TEXT_COLUMNS = frozenset(
    "id item site country owner unit description source name kind basis bloc input supplier "
    "mode lose key yaml".split()
)
"""Columns read as text even when Excel stored a number (an id typed as 123)."""
FREE_TEXT_COLUMNS = frozenset(("description", "source", "value", "yaml"))
"""Columns whose text keeps its whitespace (a folded YAML description ends with a newline)."""


def _is_number(annotation: Any) -> bool:
    """True for an int or float field (optional or constrained), never for a bool one."""
    if annotation in (int, float):
        return True
    args = get_args(annotation)
    if get_origin(annotation) is Annotated:
        return _is_number(args[0])
    return get_origin(annotation) in (Union, UnionType) and any(_is_number(a) for a in args)


NUMERIC_COLUMNS = frozenset(
    [
        f.alias or n
        for model in (ItemSpec, SiteSpec, SupplierSpec, PriceBreak, *RULE_MODELS)
        for n, f in model.model_fields.items()
        if _is_number(f.annotation)
    ]
    + ["quantity", "rate"]  # inputs and tariffs sheets (mapping values in the schema)
)
"""Columns whose cells are numbers: a yes/no cell (TRUE) there is refused, not read as 1."""
