"""Pydantic models of schema version 1: items, sites, suppliers, price tiers and rules.

These models check each entry on its own (types, ranges, unknown keys, tier order). Checks that
need the whole instance (references, duplicates, cycles, countries, capacity after bans) live in
:mod:`trustsource.checks`. Field docstrings document the instance format.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
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

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A finite number >= 0 (quantities, capacities, costs)."""

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A share of an item's total supply, in [0, 1]."""

PositiveShare = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
"""A share in (0, 1]: zero would count a supplier with no supply at all."""

Selector = Annotated[str, StringConstraints(min_length=1)]
"""A country code (``CN``) or a bloc name (``concern``)."""


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
    demand: NonNegative = 0.0
    """External demand to be met exactly (unless shortfall is allowed)."""
    inputs: FrozenDict[Id, NonNegative] = Field(default_factory=frozendict)
    """Bill of materials: quantity of each upstream item consumed per unit of this item."""
    shortfall_penalty: NonNegative | None = None
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
    capacity: NonNegative | None = None
    """Capacity shared by all offers at the site (default: unlimited)."""
    fixed_cost: NonNegative = 0.0
    """One-off onboarding cost, paid once if any offer at the site is used."""
    description: str | None = None
    """Free text."""
    source: str | None = None
    """Where the figures of this row come from."""


class PriceBreak(Spec):
    """One tier of a volume-discount schedule."""

    from_: NonNegative = Field(alias="from")
    """Quantity at which this price starts."""
    price: NonNegative
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
    unit_cost: NonNegative | None = None
    """Unit price (give this or ``price_tiers``)."""
    price_tiers: PriceTiers | None = None
    """Volume-discount schedule (give this or ``unit_cost``)."""
    capacity: NonNegative | None = None
    """Maximum quantity (default: unlimited, or the site's capacity)."""
    min_order: NonNegative = 0.0
    """If awarded at all, at least this quantity."""
    fixed_cost: NonNegative = 0.0
    """Qualification cost, paid if the supplier is used or kept qualified as an exit standby."""
    exit_clause: bool = True
    """Whether the contract lets the buyer exit."""
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
        if self.capacity is not None and self.min_order > self.capacity:
            raise ValueError(
                f"min_order {self.min_order:g} exceeds capacity {self.capacity:g}; "
                "lower min_order or raise capacity"
            )
        return self


class RuleBase(Spec):
    """Keys common to every rule."""

    name: Id | None = None
    """Rule name used in results, explanations and errors (default: derived from kind)."""
    items: tuple[Id, ...] | None = None
    """Items the rule applies to (default: all)."""
    basis: Literal["location", "owner"] = "location"
    """Which country of a supplier counts: where it produces, or who controls it."""
    description: str | None = None
    """Free text, e.g. the policy the rule encodes."""


class CountryCapRule(RuleBase):
    """Each selected country's share of an item's supply is at most ``max_share``."""

    kind: Literal["country_cap"]
    max_share: Share
    """Upper bound on each country's share."""
    countries: tuple[Selector, ...] | None = None
    """Countries (codes or bloc names) capped; default: every country."""
    except_: tuple[Selector, ...] = Field(default=(), alias="except")
    """Countries (codes or bloc names) exempt from the cap."""


class BlocShareRule(RuleBase):
    """The bloc's combined share of an item's supply is within [min_share, max_share]."""

    kind: Literal["bloc_share"]
    bloc: Selector
    """The bloc (or a single country code)."""
    min_share: Share | None = None
    """Lower bound on the bloc's share."""
    max_share: Share | None = None
    """Upper bound on the bloc's share."""

    @model_validator(mode="after")
    def _bounds(self) -> BlocShareRule:
        if self.min_share is None and self.max_share is None:
            raise ValueError("give 'min_share' and/or 'max_share'")
        if (
            self.min_share is not None
            and self.max_share is not None
            and self.min_share > self.max_share
        ):
            raise ValueError(
                f"min_share {self.min_share:g} exceeds max_share {self.max_share:g}"
            )
        return self


class BanRule(RuleBase):
    """No supply from suppliers whose basis country is in ``countries``."""

    kind: Literal["ban"]
    countries: tuple[Selector, ...] = Field(min_length=1)
    """Banned countries (codes or bloc names)."""


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
    count: int = Field(ge=1)
    """How many suppliers must each carry a real share."""
    min_share_each: PositiveShare = 0.01
    """Share of the item's supply a supplier needs to count (> 0: a token award does not)."""


class MaxSuppliersRule(RuleBase):
    """At most ``count`` suppliers of an item receive any supply (1 = single sourcing)."""

    kind: Literal["max_suppliers"]
    count: int = Field(ge=1)
    """Most suppliers that may be awarded."""


class MinCountriesRule(RuleBase):
    """At least ``count`` distinct basis countries each supply ``min_share_each`` of an item."""

    kind: Literal["min_countries"]
    count: int = Field(ge=1)
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
    max_hhi: float = Field(ge=0, le=10_000, allow_inf_nan=False)
    """Cap in HHI points (0-10,000; 10,000 = one country supplies everything)."""
    tolerance: float = Field(default=1.0, gt=0, le=100, allow_inf_nan=False)
    """A plan may exceed the cap by at most this many points (outer-approximation accuracy)."""


RuleSpec = Annotated[
    CountryCapRule | BlocShareRule | BanRule | SupplierCapRule | ExitClauseRule
    | MinSuppliersRule | MaxSuppliersRule | MinCountriesRule | ExitRule | HhiCapRule,
    Field(discriminator="kind"),
]
RULE_KINDS = ("country_cap", "bloc_share", "ban", "supplier_cap", "exit_clause",
              "min_suppliers", "max_suppliers", "min_countries", "exit", "hhi_cap")
# Rule kinds of DESIGN §3 that this release does not enforce yet: rejected, never ignored.
PLANNED_RULE_KINDS: tuple[str, ...] = ()

class VariantSpec(Spec):
    """A named overlay on the instance's rules: drop some, change some, add some.

    Applied in that order by :meth:`trustsource.Instance.variant`.
    """

    description: str | None = None
    """What the variant represents (a policy, a scenario)."""
    drop: Literal["all"] | tuple[Id, ...] = ()
    """Names of rules to remove, or ``all``."""
    change: FrozenDict[Id, FrozenDict[str, Any]] = Field(default_factory=frozendict)
    """Rule name -> keys to set on that rule (e.g. ``{crma-65: {max_share: 0.5}}``)."""
    add: tuple[RuleSpec, ...] = ()
    """Rules to add."""


class ScenarioSpec(Spec):
    """A named supply scenario for stress tests: capacity factors by country, bloc, site or
    supplier (0 = lost: an export ban, a blockade; 0.5 = a capacity cut)."""

    description: str | None = None
    """What the scenario represents."""
    capacity: FrozenDict[str, NonNegative] = Field(default_factory=frozendict)
    """Country code, bloc name, site id or supplier id -> factor on its capacity."""


TOP_LEVEL_KEYS = (
    "trustsource",
    "name",
    "currency",
    "description",
    "sources",
    "blocs",
    "tariffs",
    "items",
    "sites",
    "suppliers",
    "rules",
    "variants",
    "scenarios",
)
