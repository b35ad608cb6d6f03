"""What an instance says about other worlds: variants of its rules, scenarios of disruption,
and the ``risk`` section that weighs the scenarios (schema 1).

The entries and their number types come from :mod:`.schema`; how a scenario is checked against
the instance and applied to its document is :mod:`.scenarios`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from ..limits import MAX_SCENARIO_FACTOR
from .schema import (
    _NUMBER,
    Factor,
    FrozenDict,
    Id,
    RuleSpec,
    Selector,
    Spec,
    _at_most,
    frozendict,
)


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


ScaleFactor = Annotated[
    float,
    Field(ge=0, le=MAX_SCENARIO_FACTOR, allow_inf_nan=False),
    _at_most(MAX_SCENARIO_FACTOR, "a scenario scales demand or prices by at most 100"),
]
"""A demand or price factor of a scenario, in [0, MAX_SCENARIO_FACTOR] (1.3 = +30 %)."""

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), _NUMBER]
"""A probability, in [0, 1]."""


class BlocChange(Spec):
    """A bloc's membership in one scenario: countries leaving it, countries joining it."""

    remove: tuple[Selector, ...] = ()
    """Country codes that leave the bloc in this scenario."""
    add: tuple[Selector, ...] = ()
    """Country codes that join the bloc in this scenario."""


class ScenarioSpec(Spec):
    """A named disruption: capacity factors by country, bloc, site or supplier (0 = lost: an
    export ban, a blockade; 0.5 = a capacity cut), and optionally its probability, demand and
    price factors and bloc memberships (``stress --scenarios`` applies them all; ``risk`` also
    weighs them by probability)."""

    description: str | None = None
    """What the scenario represents."""
    probability: Probability | None = None
    """Chance of the scenario in the planning year (required by ``risk``); the listed
    probabilities sum to at most 1 and the base case (nothing happens) takes the rest."""
    capacity: FrozenDict[str, Factor] = Field(default_factory=frozendict)
    """Country code, bloc name, site id or supplier id -> factor on its capacity, in [0, 1]."""
    demand: FrozenDict[str, ScaleFactor] = Field(default_factory=frozendict)
    """Item id (or ``all``) -> factor on its external demand (1.2 = +20 %)."""
    price: FrozenDict[str, ScaleFactor] = Field(default_factory=frozendict)
    """Country code, bloc name, site id or supplier id -> factor on its unit costs and tier
    prices (1.3 = +30 %)."""
    blocs: FrozenDict[Id, BlocChange] = Field(default_factory=frozendict)
    """Bloc name -> members leaving or joining it in this scenario only."""

    @model_validator(mode="after")
    def _changes_something(self) -> ScenarioSpec:
        if not (self.capacity or self.demand or self.price or self.blocs):
            raise ValueError(
                "the scenario changes nothing: give capacity (e.g. {CN: 0}), demand, price or blocs"
            )
        return self


class RiskSpec(Spec):
    """How ``trustsource risk`` weighs the scenarios' costs (see docs/risk.md)."""

    measure: Literal["expected", "cvar", "mean_cvar"] = "expected"
    """``expected`` cost, ``cvar`` (the mean of the worst 1 - alpha of the distribution) or
    ``mean_cvar``: (1 - weight) * expected + weight * CVaR."""
    alpha: float = Field(default=0.95, gt=0, lt=1, allow_inf_nan=False)
    """CVaR level: the share of the distribution below the value at risk, in (0, 1)."""
    weight: Probability = 0.5
    """Weight of CVaR in ``mean_cvar``, in [0, 1]."""
    rules: Literal["keep", "drop"] = "keep"
    """``keep``: every rule holds in every scenario; ``drop``: the rules hold in the base only."""
