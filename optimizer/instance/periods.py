r"""Periodic instances: one document, a plan per period (schema 1, optional keys).

A document with ``periods: [2026, 2027, 2028, 2030]`` plans every listed year. Every numeric
field of items, sites, suppliers (and their ``build``), rules and stockpiles may then be a
mapping ``{year: value}``: a step path, each value holding from its year until the next key.
Rules may carry ``from``/``until`` (inclusive years); a supplier may carry a ``build`` option;
``stockpiles`` carry stock between periods; ``discount_rate`` discounts to the first period.

Validation resolves the document once per period (:func:`resolve_period`) and validates each
resolution as a plain instance, so every period is checked by the same code as a single-year
instance; problems are reported once, with the periods they occur in when not all. The result
is the first period's :class:`~.instance.Instance` carrying a :class:`Horizon`: the validated
instance of every period. ``Instance.at(year)`` gives a period's *view*: the rules active in it,
and each build supplier's capacity as the most it can have by then (what exists without the
build, plus the build where a decision in an earlier period can be ready in time), so a
period's view is a valid relaxation of that period of the linked plan.

Time (:func:`period_lengths`, :func:`year_weights`, :func:`decision_factors`): a period lasts
until the next one (the last lasts one year); quantities are per year. With rate :math:`r`
and first year :math:`y_0`, a period of years :math:`Y_t` weighs its yearly costs by
:math:`w_t = \sum_{y \in Y_t} (1+r)^{-(y - y_0)}` and its one-off costs by
:math:`\delta_t = (1+r)^{-(y_t - y_0)}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Field

from ..errors import InstanceError, Issue
from ..limits import MAX_PERIODS, clip
from .locate import Locator
from .schema import (
    _NUMBER,
    RULE_MODELS,
    BuildSpec,
    Cost,
    Id,
    ItemSpec,
    Quantity,
    SiteSpec,
    Spec,
    SupplierSpec,
)

if TYPE_CHECKING:
    from .instance import Instance


class StockpileSpec(Spec):
    """A stock of one item carried between periods."""

    item: Id
    """The item stocked."""
    initial: Quantity = 0.0
    """Stock at the start of the first period."""
    max: Quantity
    """Most stock held at the end of a period (the store's size)."""
    holding_cost: Cost = 0.0
    """Cost per unit held per year (on end-of-period stock, for the period's years)."""
    min_cover_days: Annotated[float, Field(ge=0, le=3650, allow_inf_nan=False), _NUMBER] = 0.0
    """End-of-period stock of at least this many days of that period's demand."""


CONSTANT_FIELDS = frozenset({"lead_time", "initial", "from", "until", "kind"})
"""Numeric keys that hold one value for the whole horizon (a mapping is refused)."""


def _numeric_keys(models: Sequence[type[BaseModel]]) -> frozenset[str]:
    """The keys (aliases) of the numeric fields of ``models``: those a mapping may set."""
    out: set[str] = set()
    for model in models:
        for name, info in model.model_fields.items():
            ann = info.annotation
            args = get_args(ann) if get_origin(ann) in (Union, UnionType) else (ann,)
            # ``Cost | None`` keeps the Annotated inside the union: unwrap it.
            bare = [get_args(a)[0] if get_origin(a) is Annotated else a for a in args]
            if any(a in (float, int) for a in bare if a is not NoneType):
                out.add(info.alias or name)
    return frozenset(out - CONSTANT_FIELDS)


PERIODIC_KEYS: dict[str, frozenset[str]] = {
    "items": _numeric_keys([ItemSpec]),
    "sites": _numeric_keys([SiteSpec]),
    "suppliers": _numeric_keys([SupplierSpec]),
    "build": _numeric_keys([BuildSpec]),
    "rules": _numeric_keys(RULE_MODELS),
    "stockpiles": _numeric_keys([StockpileSpec]),
}
"""Per section, the keys whose value may be a mapping by period (derived from the schema)."""


@dataclass(frozen=True)
class Horizon:
    """The periods of an instance, each period's validated instance (all rules kept) and each
    period's view (see :meth:`trustsource.Instance.at`)."""

    years: tuple[int, ...]
    instances: tuple[Instance, ...]
    views: tuple[Instance, ...]


def period_views(instances: Sequence[Instance], years: Sequence[int]) -> tuple[Instance, ...]:
    """Each period's plain instance: its active rules, and each build's capacity where a
    decision in the first period can be ready by then (the most the period can have)."""
    out = []
    for inst, year in zip(instances, years):
        suppliers = tuple(
            s
            if s.build is None
            else s.model_copy(
                update={
                    "capacity": (s.capacity or 0.0)
                    + (s.build.capacity if years[0] + s.build.lead_time <= year else 0.0),
                    "build": None,
                }
            )
            for s in inst.suppliers
        )
        rules = tuple(
            r.model_copy(update={"from_": None, "until": None})
            for r in inst.rules
            if rule_active(r.from_, r.until, year)
        )
        fields = {name: getattr(inst, name) for name in type(inst).model_fields}
        plain = {"periods": (), "stockpiles": (), "discount_rate": 0.0}  # a one-year instance
        view = type(inst).model_construct(
            **{**fields, **plain, "rules": rules, "suppliers": suppliers}
        )
        view._locator = inst._locator
        out.append(view)
    return tuple(out)


def drawn_view(inst: Instance, year: int) -> Instance:
    """Period ``year``'s view with each stocked item's demand lowered by the most its stock
    can give that period (what was held before, spread over the period's years): a valid
    relaxation of that period of the linked plan, stock included."""
    h = inst.horizon
    assert h is not None
    t = h.years.index(year)
    view = h.views[t]
    if not inst.stockpiles:
        return view
    length = period_lengths(h.years)[t]
    held = {
        p.item: (
            p.initial
            if t == 0
            else next(q.max for q in h.instances[t - 1].stockpiles if q.item == p.item)
        )
        for p in h.instances[t].stockpiles
    }
    items = tuple(
        it.model_copy(update={"demand": max(0.0, it.demand - held[it.id] / length)})
        if it.id in held
        else it
        for it in view.items
    )
    fields = {name: getattr(view, name) for name in type(view).model_fields}
    out = type(view).model_construct(**{**fields, "items": items})
    out._locator = view._locator
    return out


def rule_active(start: int | None, end: int | None, year: int) -> bool:
    """Whether a rule with window [start, end] (None: open) applies in ``year``."""
    return (start is None or year >= start) and (end is None or year <= end)


def period_lengths(years: Sequence[int]) -> list[int]:
    """Years each period lasts: until the next period; the last lasts one year."""
    return [b - a for a, b in zip(years, years[1:])] + [1]


def year_weights(years: Sequence[int], rate: float) -> list[float]:
    """Per period, the discounted weight of a yearly cost: its years, each discounted."""
    y0 = years[0]
    return [
        sum((1.0 + rate) ** -(y - y0) for y in range(start, start + n))
        for start, n in zip(years, period_lengths(years))
    ]


def decision_factors(years: Sequence[int], rate: float) -> list[float]:
    """Per period, the discount factor of a one-off cost paid in its first year."""
    return [(1.0 + rate) ** -(y - years[0]) for y in years]


def build_ready(years: Sequence[int], lead_time: int) -> list[list[int]]:
    """Per period t, the decision periods whose build is usable in t (year + lead <= year_t)."""
    return [[d for d, yd in enumerate(years) if yd + lead_time <= yt] for yt in years]


MAPPING_COLUMNS = frozenset({"inputs", "price_tiers", "build"})
"""Table columns whose cells always hold a small YAML mapping (CSV and Excel)."""


def is_mapping_cell(section: str, column: str, text: str) -> bool:
    """Whether a CSV or Excel cell holds a mapping to parse: a bill of materials, price tiers
    or a build option, or a path by period (``{2026: 5, 2030: 7}``) in a numeric column."""
    if column in MAPPING_COLUMNS:
        return True
    return column in PERIODIC_KEYS.get(section, frozenset()) and text.lstrip().startswith("{")


def scaled(value: Any, factor: float) -> Any:
    """A document's number, or mapping by period, times ``factor`` (scenarios, sweeps)."""
    if isinstance(value, dict):
        return {k: v * factor for k, v in value.items()}
    return value * factor


# --- reading the periodic keys ----------------------------------------------------------------


def period_years(data: Mapping[str, Any], loc: Locator) -> tuple[tuple[int, ...], list[Issue]]:
    """The ``periods`` list, checked: whole years, strictly increasing, at most MAX_PERIODS."""
    raw = data.get("periods")
    where = f"{loc.document}: periods"
    if not isinstance(raw, list) or not raw:
        return (), [Issue(where, None, "must be a non-empty list of years, e.g. [2026, 2030]")]
    if len(raw) > MAX_PERIODS:
        return (), [Issue(where, None, f"{len(raw):,} periods; at most {MAX_PERIODS} are planned")]
    years: list[int] = []
    for k, value in enumerate(raw):
        year = _year(value)
        if year is None:
            return (), [Issue(where, str(k), f"{clip(value)} is not a year (1000-9999)")]
        years.append(year)
    for a, b in zip(years, years[1:]):
        if b <= a:
            return (), [Issue(where, None, f"years must increase: {b} follows {a}")]
    return tuple(years), []


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 1000 <= value <= 9999:
        return value
    return None


def _entries(data: Mapping[str, Any], section: str) -> list[tuple[int, dict[str, Any]]]:
    rows = data.get(section)
    if not isinstance(rows, list):
        return []
    return [(k, row) for k, row in enumerate(rows) if isinstance(row, dict)]


def mapping_issues(data: Mapping[str, Any], loc: Locator) -> list[Issue]:
    """A document without ``periods``: every mapping by period, and every periodic-only key,
    refused with its location (pydantic would only say "not a number")."""
    issues: list[Issue] = []
    for section, keys in PERIODIC_KEYS.items():
        if section == "build":
            continue
        for k, row in _entries(data, section):
            for key, value in row.items():
                if key in keys and isinstance(value, dict):
                    issues.append(
                        Issue(
                            loc.where(section, k),
                            key,
                            "a mapping by period needs a top-level `periods` list; give one number",
                        )
                    )
            for key in ("build", "from", "until"):
                if key in row and section in ("suppliers", "rules"):
                    issues.append(
                        Issue(loc.where(section, k), key, "needs a top-level `periods` list")
                    )
    for key in ("stockpiles", "discount_rate"):
        if data.get(key) not in (None, [], 0, 0.0):
            issues.append(Issue(f"{loc.document}: {key}", None, "needs a top-level `periods` list"))
    return issues


def resolve_period(
    data: Mapping[str, Any], years: Sequence[int], year: int, loc: Locator
) -> tuple[dict[str, Any], list[Issue]]:
    """The document as of ``year``: every mapping by period replaced by its value then.

    A rule outside its ``from``/``until`` window takes its earliest value (it is not applied
    then, but must still validate). Problems of the mappings themselves are returned located.
    """
    issues: list[Issue] = []
    doc = dict(data)
    known = set(years)

    def value(where: str, key: str, raw: Any, inactive: bool) -> Any:
        # A bad mapping is reported here and stands in by its first value, so the rest of the
        # period still validates and every other problem is reported in the same run.
        first = next(iter(raw.values()), None) if isinstance(raw, dict) else raw
        if key.rsplit(".", 1)[-1] in CONSTANT_FIELDS and isinstance(raw, dict):
            issues.append(Issue(where, key, "must be one number for the whole horizon"))
            return first
        if not isinstance(raw, dict):
            return raw
        path: dict[int, Any] = {}
        for k, v in raw.items():
            y = _year(k)
            if y is None or y not in known:
                shown = clip(k)
                issues.append(
                    Issue(where, key, f"period {shown} is not in periods ({_years_text(years)})")
                )
                return first
            path[y] = v
        if not path:
            issues.append(Issue(where, key, "an empty mapping by period; give a number"))
            return None
        before = [y for y in path if y <= year]
        if before:
            return path[max(before)]
        if inactive:
            return path[min(path)]
        issues.append(Issue(where, key, f"no value for {year}: the mapping starts in {min(path)}"))
        return path[min(path)]

    for section, keys in PERIODIC_KEYS.items():
        if section == "build":
            continue
        rows = data.get(section)
        if not isinstance(rows, list):
            continue
        out: list[Any] = []
        for k, row in enumerate(rows):
            if not isinstance(row, dict):
                out.append(row)
                continue
            where = loc.where(section, k)
            inactive = section == "rules" and not _active(row, year)
            new = {
                key: value(where, key, v, inactive) if key in keys or key in CONSTANT_FIELDS else v
                for key, v in row.items()
            }
            build = row.get("build")
            if section == "suppliers" and isinstance(build, dict):
                new["build"] = {
                    key: value(where, f"build.{key}", v, False)
                    if key in PERIODIC_KEYS["build"] or key in CONSTANT_FIELDS
                    else v
                    for key, v in build.items()
                }
            out.append(new)
        doc[section] = out
    variants = data.get("variants")
    if isinstance(variants, dict):  # a variant's rule changes may be paths by period too
        doc["variants"] = {
            name: _resolved_changes(v, f"{loc.document}: variants.{name}", value)
            for name, v in variants.items()
        }
    return doc, issues


def _resolved_changes(variant: Any, where: str, value: Callable[..., Any]) -> Any:
    """A variant's rule changes and added rules as of the period ``value`` resolves for."""
    if not isinstance(variant, dict):
        return variant
    keys = PERIODIC_KEYS["rules"]

    def resolved(entry: Any, at: str) -> Any:
        if not isinstance(entry, dict):
            return entry
        return {k: value(at, k, v, True) if k in keys else v for k, v in entry.items()}

    out = dict(variant)
    change = variant.get("change")
    if isinstance(change, dict):
        out["change"] = {
            rule: resolved(upd, f"{where}.change.{rule}") for rule, upd in change.items()
        }
    added = variant.get("add")
    if isinstance(added, list):
        out["add"] = [resolved(r, f"{where}.add[{k}]") for k, r in enumerate(added)]
    return out


def _active(rule: Mapping[str, Any], year: int) -> bool:
    """Whether a rule (as a document entry) applies in ``year``."""
    return rule_active(_year(rule.get("from")), _year(rule.get("until")), year)


def _years_text(years: Sequence[int]) -> str:
    return ", ".join(str(y) for y in years)


def horizon_issues(inst: Instance, loc: Locator) -> list[Issue]:
    """Cross-entry checks of a periodic instance's own keys (one period's validated view)."""
    issues: list[Issue] = []
    years = inst.periods
    span = years[-1] - years[0]
    for k, rule in enumerate(inst.rules):
        for key, y in (("from", rule.from_), ("until", rule.until)):
            if y is not None and y not in years:
                issues.append(
                    Issue(
                        loc.where("rules", k), key, f"{y} is not in periods ({_years_text(years)})"
                    )
                )
        if rule.from_ is not None and rule.until is not None and rule.until < rule.from_:
            issues.append(
                Issue(loc.where("rules", k), "until", f"{rule.until} is before from {rule.from_}")
            )
    for k, sup in enumerate(inst.suppliers):
        if sup.build is not None and sup.build.lead_time > span:
            issues.append(
                Issue(
                    loc.where("suppliers", k),
                    "build.lead_time",
                    f"a lead time of {sup.build.lead_time} years cannot fit: the periods span "
                    f"{years[0]}-{years[-1]} ({span} years), so the build could never be used",
                )
            )
    items = {it.id for it in inst.items}
    seen: set[str] = set()
    for k, sp in enumerate(inst.stockpiles):
        where = loc.where("stockpiles", k)
        if sp.item not in items:
            issues.append(Issue(where, "item", f"unknown item {clip(sp.item)}"))
        if sp.item in seen:
            issues.append(Issue(where, "item", f"a second stockpile of {clip(sp.item)}"))
        seen.add(sp.item)
        if sp.initial > sp.max:
            issues.append(Issue(where, "initial", f"{sp.initial:g} is above max {sp.max:g}"))
    return issues


def validate_horizon(
    data: Mapping[str, Any],
    loc: Locator,
    validate: Callable[[dict[str, Any]], Instance],
) -> tuple[tuple[int, ...], list[Instance]]:
    """Validate a periodic document: each period's resolution by ``validate``.

    Raises:
        InstanceError: with every problem, each once, naming the periods it occurs in when
            it does not occur in all.
    """
    years, issues = period_years(data, loc)
    if issues:
        raise InstanceError(issues)
    found: dict[Issue, list[int]] = {}
    instances: list[Instance] = []
    for year in years:
        doc, own = resolve_period(data, years, year, loc)
        for issue in own:
            found.setdefault(issue, []).append(year)
        said = {(i.location, i.field) for i in own}
        try:
            instances.append(validate(doc))
        except InstanceError as exc:
            for issue in exc.issues:
                if (issue.location, issue.field) not in said:
                    found.setdefault(issue, []).append(year)
    if found:
        raise InstanceError(
            [
                issue
                if len(when) == len(years)
                else Issue(
                    issue.location,
                    issue.field,
                    f"{issue.message} (in {_years_text(sorted(set(when)))})",
                    issue.kind,
                )
                for issue, when in found.items()
            ]
        )
    return years, instances


def merged_document(instances: Sequence[Instance], years: Sequence[int]) -> dict[str, Any]:
    """The periodic document of validated period instances: a value that changes becomes a
    mapping by period (its value at the first period and wherever it changes)."""
    dumps = [inst.model_dump(mode="json", by_alias=True, exclude_none=True) for inst in instances]
    merged = _merge(dumps, years)
    assert isinstance(merged, dict)
    return merged


def _merge(values: list[Any], years: Sequence[int]) -> Any:
    first = values[0]
    if all(isinstance(v, dict) for v in values):
        keys: list[str] = []
        for v in values:
            keys.extend(k for k in v if k not in keys)
        return {k: _merge([v.get(k) for v in values], years) for k in keys}
    if all(isinstance(v, list) for v in values) and len({len(v) for v in values}) == 1:
        return [_merge([v[i] for v in values], years) for i in range(len(first))]
    if all(v == first for v in values):
        return first
    path: dict[int, Any] = {}
    for y, v in zip(years, values):
        if not path or v != path[max(path)]:
            path[y] = v
    return path
