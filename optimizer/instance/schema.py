"""Pydantic models of schema version 1: items, sites, suppliers, price tiers and rules.

These models check each entry on its own (types, ranges, unknown keys, tier order). Checks that
need the whole instance (references, duplicates, cycles, countries, capacity after bans) live in
:mod:`trustsource.instance.checks`. Field docstrings document the instance format.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from ..limits import (
    MAX_COEFFICIENT,
    MAX_COST,
    MAX_QUANTITY,
    MAX_ROWS,
    MAX_TARIFF,
    MIN_COEFFICIENT,
    clip,
)

K = TypeVar("K")
V = TypeVar("V")


def frozendict(mapping: Any = ()) -> MappingProxyType[Any, Any]:
    """A read-only view of a fresh dict: validated instances must not change under a cache."""
    return MappingProxyType(dict(mapping))


def thaw(value: Any) -> Any:
    """Plain dicts (recursively) from read-only mappings, for dumping."""
    if isinstance(value, (dict, MappingProxyType)):
        return {k: thaw(v) for k, v in value.items()}
    return value


FrozenDict = Annotated[
    dict[K, V], AfterValidator(frozendict), PlainSerializer(thaw, return_type=dict)
]
"""A mapping field that is read-only once validated (dumps as a plain dict)."""

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""An identifier: lower-case letters, digits and ``_ . -``, starting with a letter or digit."""


# --- numbers ----------------------------------------------------------------------------------
# pydantic's lax mode reads True as 1 and "1_000" as 1000; YAML turns `demand: yes` into True.
# Every number type below refuses both before parsing, so a typo never becomes a quantity.
# CSV and Excel cells still arrive as text ("5", "1e3") and convert as before.
#
# The checks are *before* validators on the raw value, and the bounds are repeated as pydantic
# constraints (le=...) that back them up and document them in the JSON Schema: a plain function
# per field costs a third of a wrap validator, which matters at 100k suppliers x 4 numbers.


def number_input(value: Any) -> Any:
    """Refuse booleans and digit-group underscores where a number belongs; pass the rest on."""
    cls = value.__class__
    if cls is str:
        if "_" in value:
            raise ValueError(f"must be a number, got {clip(value)}; write it without '_'")
    elif cls is bool or cls.__name__ in ("bool", "bool_"):  # also numpy's (a DataFrame column)
        raise ValueError(f"must be a number, got {str(value).lower()}")
    return value


def _at_most(limit: float, advice: str) -> BeforeValidator:
    """A validator: a number (not a boolean) at most ``limit``; ``advice`` says how to scale.

    Values that do not parse, and infinities, are left to pydantic, whose messages say so.
    """
    # Text shorter than the limit's digits and without an exponent cannot exceed it: most CSV
    # cells skip the float() below. This runs 400k times for 100k suppliers: keep it lean.
    short = len(str(int(limit)))

    def check(value: Any) -> Any:
        cls = value.__class__
        if cls is str:
            if len(value) < short and "e" not in value and "E" not in value and "_" not in value:
                return value
            number_input(value)
            try:
                number = float(value)
            except ValueError:
                return value
        elif cls is float or cls is int:
            number = value  # an int beyond float's range still compares exactly
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            number = value  # numpy numbers and other subclasses
        else:
            return number_input(value)
        if limit < number < math.inf:
            try:
                shown = f"{float(number):g}"
            except OverflowError:  # an int with hundreds of digits
                shown = clip(number, 20)
            raise ValueError(f"must be at most {limit:g}, got {shown}: {advice}")
        return value

    return BeforeValidator(check)


def _coefficient(value: Any) -> Any:
    """A bill-of-materials coefficient: 0, or within [MIN_COEFFICIENT, MAX_COEFFICIENT]."""
    if 0 < value < MIN_COEFFICIENT:
        raise ValueError(
            f"must be 0 or at least {MIN_COEFFICIENT:g}, got {value:g}: HiGHS drops smaller "
            "coefficients; measure this input item in a smaller unit (e.g. g instead of t) so "
            "the quantity per unit grows"
        )
    return value


_NUMBER = BeforeValidator(number_input)

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False), _NUMBER]
"""A finite number >= 0 (not a boolean)."""

Quantity = Annotated[
    float,
    Field(ge=0, le=MAX_QUANTITY, allow_inf_nan=False),
    _at_most(
        MAX_QUANTITY,
        "HiGHS cannot honour larger quantities reliably; measure the item "
        "in a larger unit (e.g. t instead of kg)",
    ),
]
"""A quantity (demand, capacity, minimum order, tier break): finite, in [0, MAX_QUANTITY]."""

Cost = Annotated[
    float,
    Field(ge=0, le=MAX_COST, allow_inf_nan=False),
    _at_most(
        MAX_COST,
        "HiGHS cannot honour larger costs reliably; state costs in a larger "
        "currency unit (e.g. thousands)",
    ),
]
"""A cost (unit cost, price, fixed cost, penalty): finite, in [0, MAX_COST]."""

Coefficient = Annotated[
    float,
    Field(ge=0, le=MAX_COEFFICIENT, allow_inf_nan=False),
    _at_most(
        MAX_COEFFICIENT,
        "measure this input item in a larger unit (e.g. t instead of kg) "
        "so the quantity per unit shrinks",
    ),
    AfterValidator(_coefficient),
]
"""Input per unit of output: 0, or in [MIN_COEFFICIENT, MAX_COEFFICIENT]."""

Tariff = Annotated[
    float,
    Field(ge=0, le=MAX_TARIFF, allow_inf_nan=False),
    _at_most(MAX_TARIFF, "a tariff rate is a fraction (0.25 = +25 %)"),
]
"""A tariff rate in [0, MAX_TARIFF] (0.25 = +25 %)."""

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), _NUMBER]
"""A share of an item's total supply, in [0, 1]."""

PositiveShare = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False), _NUMBER]
"""A share in (0, 1]: zero would count a supplier with no supply at all."""

Factor = Annotated[
    float,
    Field(ge=0, le=1, allow_inf_nan=False),
    _at_most(1.0, "a scenario cuts capacity (0 = lost, 0.5 = halved) and cannot raise it"),
]
"""A capacity factor of a stress scenario, in [0, 1]."""

Count = Annotated[int, Field(ge=1, le=MAX_ROWS), _NUMBER]
"""A number of suppliers or countries: 1 to MAX_ROWS (no table may hold more rows)."""

Selector = Annotated[str, StringConstraints(min_length=1)]
"""A country code (``CN``) or a bloc name (``concern``)."""


def non_empty(message: str) -> Callable[[Any], Any]:
    """A validator refusing an empty collection with ``message`` (what it would silently do)."""

    def check(value: Any) -> Any:
        if value is not None and len(value) == 0:
            raise ValueError(message)
        return value

    return check


Selectors = Annotated[tuple[Selector, ...], Field(json_schema_extra={"minItems": 1})]
"""A non-empty list of country codes or bloc names (emptiness is refused with its own message)."""


class Spec(BaseModel):
    """Base of every schema model: immutable, no unknown keys, finite numbers."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )


class ItemSpec(Spec):
    """A thing to be supplied, at one stage of a chain."""

    id: Id
    """Unique item id, e.g. ``lithium_carbonate``."""
    unit: str = "unit"
    """Unit of quantity (``kg``, ``t``, ``wafer``); used in reports only."""
    demand: Quantity = 0.0
    """External demand to be met exactly (unless shortfall is allowed)."""
    inputs: FrozenDict[Id, Coefficient] = Field(default_factory=frozendict)
    """Bill of materials: quantity of each upstream item consumed per unit of this item
    (0, or between 1e-6 and 1e6: change the input item's unit to stay inside)."""
    shortfall_penalty: Cost | None = None
    """If set, unmet external demand is allowed at this cost per unit."""
    description: str | None = None
    """Free text."""
    source: str | None = None
    """Where the figures of this row come from."""


class SiteSpec(Spec):
    """A plant or firm whose capacity and onboarding cost several offers share."""

    id: Id
    """Unique site id."""
    country: str
    """ISO 3166-1 alpha-2 code of the location."""
    owner: str | None = None
    """Country of ultimate control (default: ``country``)."""
    capacity: Quantity | None = None
    """Capacity shared by all offers at the site (default: unlimited)."""
    fixed_cost: Cost = 0.0
    """One-off onboarding cost, paid once if any offer at the site is used."""
    description: str | None = None
    """Free text."""
    source: str | None = None
    """Where the figures of this row come from."""


class PriceBreak(Spec):
    """One tier of a volume-discount schedule."""

    from_: Quantity = Field(alias="from")
    """Quantity at which this price starts."""
    price: Cost
    """Unit price in this tier."""


class PriceTiers(Spec):
    """Volume-discount price schedule.

    ``incremental``: each tier's price applies to the units inside that tier.
    ``all_units``: the price of the tier the total quantity falls in applies to every unit.
    """

    mode: Literal["incremental", "all_units"]
    """How tier prices apply."""
    breaks: tuple[PriceBreak, ...] = Field(min_length=1)
    """Tiers, starting at 0, with strictly increasing ``from``."""

    @model_validator(mode="after")
    def _ordered(self) -> PriceTiers:
        if self.breaks[0].from_ != 0:
            raise ValueError(
                f"the first break must start at 0, got from={self.breaks[0].from_:g}; "
                "add {from: 0, price: ...}"
            )
        for a, b in zip(self.breaks, self.breaks[1:]):
            if b.from_ <= a.from_:
                raise ValueError(
                    f"breaks must have strictly increasing 'from', got {a.from_:g} then {b.from_:g}"
                )
        return self


Year = Annotated[int, Field(ge=1000, le=9999), _NUMBER]
"""A calendar year (a period of a periodic instance)."""


class BuildSpec(Spec):
    """A one-off investment that adds capacity to a supplier after a lead time."""

    capacity: Quantity
    """Capacity the build adds, per year, once it is usable."""
    capex: Cost = 0.0
    """One-off cost, paid in the period the build is decided."""
    lead_time: Annotated[int, Field(ge=0, le=100), _NUMBER] = 0
    """Years from the decision until the capacity is usable (0: the same period)."""


class SupplierSpec(Spec):
    """One offer to supply one item."""

    id: Id
    """Unique supplier (offer) id."""
    item: Id
    """The item offered."""
    site: Id | None = None
    """Site the offer belongs to; country and owner are inherited from it."""
    country: str | None = None
    """ISO alpha-2 code where it produces (required unless ``site`` is given)."""
    owner: str | None = None
    """Country of ultimate control (default: ``country``)."""
    unit_cost: Cost | None = None
    """Unit price (give this or ``price_tiers``)."""
    price_tiers: PriceTiers | None = None
    """Volume-discount schedule (give this or ``unit_cost``)."""
    capacity: Quantity | None = None
    """Maximum quantity (default: unlimited, or the site's capacity)."""
    min_order: Quantity = 0.0
    """If awarded at all, at least this quantity."""
    fixed_cost: Cost = 0.0
    """Qualification cost, paid if the supplier is used or kept qualified as an exit standby."""
    exit_clause: bool = True
    """Whether the contract lets the buyer exit."""
    build: BuildSpec | None = None
    """An investment option (periodic instances only): capacity added from ``lead_time`` years
    after the period it is decided in; ``capacity`` is then what exists without it (default 0)."""
    description: str | None = None
    """Free text."""
    source: str | None = None
    """Where the figures of this row come from."""

    @model_validator(mode="after")
    def _one_price(self) -> SupplierSpec:
        if (self.unit_cost is None) == (self.price_tiers is None):
            raise ValueError("give exactly one of 'unit_cost' and 'price_tiers'")
        if self.site is None and self.country is None:
            raise ValueError("give 'country' (or 'site' to inherit it)")
        most = self.capacity
        if self.build is not None:  # a build adds to what exists without it (default 0)
            most = (self.capacity or 0.0) + self.build.capacity
        if most is not None and self.min_order > most:
            raise ValueError(
                f"min_order {self.min_order:g} exceeds capacity {most:g}; "
                "lower min_order or raise capacity"
            )
        return self


class RuleBase(Spec):
    """Keys common to every rule."""

    name: Id | None = None
    """Rule name used in results, explanations and errors (default: derived from kind)."""
    items: Annotated[tuple[Id, ...], Field(json_schema_extra={"minItems": 1})] | None = None
    """Items the rule applies to (default: all; an empty list is refused)."""
    basis: Literal["location", "owner", "control", "influence"] = "location"
    """Which country of a supplier counts: where it produces (``location``), its owner's country
    (``owner``), the country controlling its owner through the ``entities`` holdings
    (``control``: largest effective share if at least 50 %), or, on ``ban`` and ``bloc_share``,
    every supplier whose owner the rule's countries hold together at least ``threshold`` of
    (``influence``)."""
    threshold: PositiveShare | None = None
    """With ``basis: influence``: the combined effective share that makes a supplier count."""
    description: str | None = None
    """Free text, e.g. the policy the rule encodes."""
    from_: Year | None = Field(default=None, alias="from")
    """First period the rule applies in (periodic instances; default: the first)."""
    until: Year | None = None
    """Last period the rule applies in (periodic instances; default: the last)."""

    # An empty list would make the rule apply to nothing, silently: refuse it and say why.
    _items_given = field_validator("items")(
        non_empty("items is empty: omit it to apply the rule to every item, or list items")
    )

    @model_validator(mode="after")
    def _influence(self) -> RuleBase:
        kind = getattr(self, "kind", "")
        if self.basis == "influence":
            if kind not in INFLUENCE_KINDS:
                raise ValueError(
                    f"basis influence applies to rules on a set of countries "
                    f"({', '.join(INFLUENCE_KINDS)}); a {kind} counts each supplier for one "
                    "country: use basis control or owner"
                )
            if self.threshold is None:
                raise ValueError("basis influence needs 'threshold' (e.g. 0.25)")
        elif self.threshold is not None:
            raise ValueError(
                f"'threshold' applies only with basis influence (this rule's basis is "
                f"{self.basis}): drop it or set basis: influence"
            )
        return self


INFLUENCE_KINDS = ("ban", "bloc_share")
"""Rule kinds that may count suppliers by ``basis: influence`` (rules on one set of countries)."""

Measure = Literal["quantity", "cost"]


class CountryCapRule(RuleBase):
    """Each selected country's share of an item's supply is at most ``max_share``."""

    kind: Literal["country_cap"]
    max_share: Share
    """Upper bound on each country's share."""
    countries: Selectors | None = None
    """Countries (codes or bloc names) capped; default: every country."""
    except_: tuple[Selector, ...] = Field(default=(), alias="except")
    """Countries (codes or bloc names) exempt from the cap."""
    measure: Measure | None = None
    """``quantity`` (default): shares of the item's supply; ``cost``: shares of its purchase
    cost (after price tiers and tariffs; fixed costs excluded)."""

    _countries_given = field_validator("countries")(
        non_empty("countries is empty: omit it to cap every country, or list countries or blocs")
    )


class BlocShareRule(RuleBase):
    """The bloc's combined share of an item's supply is within [min_share, max_share]."""

    kind: Literal["bloc_share"]
    bloc: Selector
    """The bloc (or a single country code)."""
    min_share: Share | None = None
    """Lower bound on the bloc's share."""
    max_share: Share | None = None
    """Upper bound on the bloc's share."""
    measure: Measure | None = None
    """``quantity`` (default): shares of the item's supply; ``cost``: shares of its purchase
    cost (after price tiers and tariffs; fixed costs excluded), e.g. a cost ratio of material
    from prohibited entities."""

    @model_validator(mode="after")
    def _bounds(self) -> BlocShareRule:
        if self.min_share is None and self.max_share is None:
            raise ValueError("give 'min_share' and/or 'max_share'")
        if (
            self.min_share is not None
            and self.max_share is not None
            and self.min_share > self.max_share
        ):
            raise ValueError(f"min_share {self.min_share:g} exceeds max_share {self.max_share:g}")
        return self


class BanRule(RuleBase):
    """No supply from suppliers whose basis country is in ``countries``."""

    kind: Literal["ban"]
    countries: Selectors
    """Banned countries (codes or bloc names)."""

    _countries_given = field_validator("countries")(
        non_empty("countries is empty: list the countries or blocs to ban (or drop the rule)")
    )


class SupplierCapRule(RuleBase):
    """Each supplier's share of an item's supply is at most ``max_share``."""

    kind: Literal["supplier_cap"]
    max_share: Share
    """Upper bound on each supplier's share."""


class ExitClauseRule(RuleBase):
    """Supply from contracts without an exit clause is at most ``max_share_without``."""

    kind: Literal["exit_clause"]
    max_share_without: Share
    """Upper bound on the share supplied under contracts without an exit clause."""


class MinSuppliersRule(RuleBase):
    """At least ``count`` suppliers of an item each receive at least ``min_share_each``."""

    kind: Literal["min_suppliers"]
    count: Count
    """How many suppliers must each carry a real share."""
    min_share_each: PositiveShare = 0.01
    """Share of the item's supply a supplier needs to count (> 0: a token award does not)."""


class MaxSuppliersRule(RuleBase):
    """At most ``count`` suppliers of an item receive any supply (1 = single sourcing)."""

    kind: Literal["max_suppliers"]
    count: Count
    """Most suppliers that may be awarded."""


class MinCountriesRule(RuleBase):
    """At least ``count`` distinct basis countries each supply ``min_share_each`` of an item."""

    kind: Literal["min_countries"]
    count: Count
    """How many countries must each carry a real share."""
    min_share_each: PositiveShare = 0.01
    """Share of the item's supply a country needs to count (> 0)."""


class ExitRule(RuleBase):
    """Right to exit: losing any one country (site, supplier) leaves qualified capacity.

    For every country (site, supplier) that could be lost, the capacity of the *qualified*
    suppliers outside it is at least ``coverage`` times the item's supply. Qualification (with its
    fixed cost) is separate from award: a qualified supplier may stand by with no award.
    """

    kind: Literal["exit"]
    lose: Literal["country", "site", "supplier"] = "country"
    """What may be lost: one basis country, one site, or one supplier."""
    coverage: Share = 1.0
    """Share of the item's supply the remaining qualified capacity must cover."""


class HhiCapRule(RuleBase):
    """Herfindahl-Hirschman index of basis-country shares of an item at most ``max_hhi``."""

    kind: Literal["hhi_cap"]
    max_hhi: Annotated[float, Field(ge=0, le=10_000, allow_inf_nan=False), _NUMBER]
    """Cap in HHI points (0-10,000; 10,000 = one country supplies everything)."""
    tolerance: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False), _NUMBER] = 1.0
    """A plan may exceed the cap by at most this many points (outer-approximation accuracy)."""


RuleSpec = Annotated[
    CountryCapRule
    | BlocShareRule
    | BanRule
    | SupplierCapRule
    | ExitClauseRule
    | MinSuppliersRule
    | MaxSuppliersRule
    | MinCountriesRule
    | ExitRule
    | HhiCapRule,
    Field(discriminator="kind"),
]
# Rule kinds of the schema that this release does not enforce yet: rejected, never ignored.
PLANNED_RULE_KINDS: tuple[str, ...] = ()
RULE_MODELS: tuple[type[RuleBase], ...] = (
    CountryCapRule,
    BlocShareRule,
    BanRule,
    SupplierCapRule,
    ExitClauseRule,
    MinSuppliersRule,
    MaxSuppliersRule,
    MinCountriesRule,
    ExitRule,
    HhiCapRule,
)
"""The rule classes of ``RuleSpec``, in order (``tests/test_registry.py`` checks they agree)."""
RULE_KINDS: tuple[str, ...] = tuple(
    get_args(model.model_fields["kind"].annotation)[0] for model in RULE_MODELS
)
"""The ``kind`` tags, derived from the classes (the registry is :mod:`.kinds`)."""


TOP_LEVEL_KEYS = (
    "trustsource",
    "name",
    "currency",
    "description",
    "sources",
    "include",
    "blocs",
    "tariffs",
    "items",
    "entities",
    "sites",
    "suppliers",
    "rules",
    "variants",
    "scenarios",
    "risk",
    "periods",
    "discount_rate",
    "stockpiles",
    "buyers",
    "coalition",
)
