"""The error path of validation: what of a broken document can still be cross-checked.

When some entries fail their own field checks, :func:`readable_parts` keeps the entries that
validate and stands in for each that does not with a placeholder carrying its readable
references, so :func:`~.checks.check_instance` reports unknown ids and duplicates in the same run
as the field errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from .checks import RuleRefs
from .locate import Locator
from .overlays import ScenarioSpec, VariantSpec
from .ownership import EntitySpec
from .schema import (
    ID_PATTERN,
    ItemSpec,
    RuleSpec,
    SiteSpec,
    SupplierSpec,
    Tariff,
)

if TYPE_CHECKING:
    pass


# --- the error path: cross-entry checks on every entry ----------------------------------------
# When some entries fail their own validation, the instance cannot be built, but the references
# of those entries can still be read. Checking them in the same run is what lets a user fix a
# file in one pass: a supplier with a negative capacity *and* an unknown item gets both messages.

_ID = re.compile(ID_PATTERN)
_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "items": TypeAdapter(ItemSpec),
    "sites": TypeAdapter(SiteSpec),
    "suppliers": TypeAdapter(SupplierSpec),
    "rules": TypeAdapter(RuleSpec),
    "entities": TypeAdapter(EntitySpec),
}


def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, Mapping) else getattr(row, key, None)


def _id(value: Any) -> str | None:
    """``value`` if it is a well-formed id (an ill-formed one is already reported)."""
    return value if isinstance(value, str) and _ID.match(value) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(value: Any, pick: Any = _text) -> tuple[str, ...] | None:
    """The readable strings of a list (None if it is no list or holds none)."""
    if not isinstance(value, (list, tuple)):
        return None
    kept = tuple(v for v in (pick(x) for x in value) if v is not None)
    return kept or None


def _placeholder(section: str, row: Any) -> Any:
    """An entry carrying only the readable references of an invalid row (None: nothing to read).

    Item and site rows need an id to stand for; supplier and rule rows are always kept, so their
    positions stay those of the document.
    """
    if section == "items":
        rid = _text(_get(row, "id"))
        inputs = _get(row, "inputs")
        keys = [k for k in inputs if _id(k)] if isinstance(inputs, Mapping) else []
        return (
            None
            if rid is None
            else ItemSpec.model_construct(
                id=rid,
                unit="unit",
                demand=0.0,
                inputs={k: 0.0 for k in keys},
                shortfall_penalty=None,
            )
        )
    if section == "entities":  # an invalid entity still names one: owners naming it are fine
        rid = _text(_get(row, "id"))
        country = _text(_get(row, "country"))
        return (
            None
            if rid is None
            else EntitySpec.model_construct(id=rid, country=country or "ZZ", holders={})
        )
    if section == "sites":
        rid = _text(_get(row, "id"))
        return (
            None
            if rid is None
            else SiteSpec.model_construct(
                id=rid,
                country=_text(_get(row, "country")),
                owner=_text(_get(row, "owner")),
                capacity=None,
                fixed_cost=0.0,
            )
        )
    if section == "suppliers":
        return SupplierSpec.model_construct(
            id=_id(_get(row, "id")),
            item=_id(_get(row, "item")),
            site=_id(_get(row, "site")),
            country=_text(_get(row, "country")),
            owner=_text(_get(row, "owner")),
            unit_cost=None,
            price_tiers=None,
            capacity=None,
            min_order=0.0,
            fixed_cost=0.0,
            exit_clause=True,
        )
    kind = _get(row, "kind")
    return RuleRefs(
        kind=kind if isinstance(kind, str) else "rule",
        name=_id(_get(row, "name")),
        items=_texts(_get(row, "items"), _id),
        countries=_texts(_get(row, "countries")),
        except_=_texts(_get(row, "except")) or (),
        bloc=_text(_get(row, "bloc")),
    )


def _readable_entries(value: Any, adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """The entries of a ``{id: spec}`` mapping that validate on their own."""
    out: dict[str, Any] = {}
    if isinstance(value, Mapping):
        for key, entry in value.items():
            try:
                out[key] = adapter.validate_python(entry)
            except ValidationError:
                continue
    return out


def readable_parts(
    data: Mapping[str, Any], locator: Locator
) -> tuple[dict[str, Any], Locator, frozenset[str]]:
    """The parts of a document that failed validation which can still be cross-checked, with
    the locator of those parts and the tables that could not be read at all.

    Only used on the error path, after the field errors have been collected. Each table row that
    validates is checked as is; each that does not is replaced by a placeholder carrying the
    references that can still be read (well-formed ids, country codes, rule selectors), so its
    unknown item, site, bloc or country and its duplicate id are reported in the same run as its
    own errors. Invalid item and site rows stand in by their id, so references to them do not
    raise spurious "unknown item" errors. Nothing reported by the field validation is repeated:
    a value that fails its own check is never read.
    """
    parts: dict[str, Any] = {}
    partial = Locator(
        document=locator.document,
        csv_files=locator.csv_files,
        csv_lines=locator.csv_lines,
        ids=locator.ids,
    )
    unread: set[str] = set()
    for name, adapter in _ADAPTERS.items():
        rows = data.get(name)
        if not isinstance(rows, (list, tuple)) or (name == "items" and not rows):
            # Missing, unreadable or empty: already reported; a sites or suppliers table that
            # is absent is simply empty (references to it are errors).
            if name == "items":
                unread.add(name)
            parts[name] = ()
            continue
        kept, where = [], []
        for k, row in enumerate(rows):
            try:
                entry = adapter.validate_python(row)
            except ValidationError:
                entry = _placeholder(name, row)
                if entry is None:
                    continue
            kept.append(entry)
            where.append(k)
        parts[name] = tuple(kept)
        partial.row_map[name] = where
    blocs = data.get("blocs")
    if isinstance(blocs, Mapping):
        # A bloc with a bad name or member still names a bloc: rules using it are fine.
        parts["blocs"] = {k: _texts(v) or () for k, v in blocs.items() if isinstance(k, str)}
    tariffs = data.get("tariffs")
    if isinstance(tariffs, Mapping):
        # Every country named is checked; an invalid rate counts as 0 (it is reported already).
        rates = _readable_entries(tariffs, TypeAdapter(Tariff))
        parts["tariffs"] = {k: rates.get(k, 0.0) for k in tariffs if isinstance(k, str)}
    parts["variants"] = _readable_entries(data.get("variants"), TypeAdapter(VariantSpec))
    parts["scenarios"] = _readable_entries(data.get("scenarios"), TypeAdapter(ScenarioSpec))
    return parts, partial, frozenset(unread)
