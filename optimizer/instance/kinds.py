"""The rule kinds, each declared once: what it limits, in which sense and unit, and what the
analyses may do with it.

Every table that lists rule kinds derives from :data:`KINDS`: the schema's list of kinds
(:data:`~.schema.RULE_KINDS`), the kinds diagnose may relax, the limits explain prices and sweep
varies, the count and share groups of the reports. The parts that must stay code live beside the
code that uses them and are checked against this registry by ``tests/test_registry.py``: the
model builder of each kind (``trustsource.model.rules.BUILDERS``) and the independent verifier's
check (``trustsource.verify.rules.RULE_CHECKS``, kept separate on purpose).

Adding a kind: its schema class in :mod:`.schema` (and in ``RuleSpec`` and ``RULE_MODELS``), its
entry here, its model module under ``model/rules/`` with the equation in the docstring, its
verifier check, its docs entry, and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from .schema import (
    RULE_MODELS,
    BanRule,
    BlocShareRule,
    CountryCapRule,
    ExitClauseRule,
    ExitRule,
    HhiCapRule,
    MaxSuppliersRule,
    MinCountriesRule,
    MinSuppliersRule,
    RuleBase,
    SupplierCapRule,
)

Sense = Literal["max", "min"]
Unit = Literal["share", "count", "hhi"]


@dataclass(frozen=True)
class Limit:
    """One numeric key of a rule that a user tightens or loosens.

    ``sense`` is ``max`` for a ceiling (raising it loosens the rule) and ``min`` for a floor
    (lowering it loosens); ``unit`` says how it is read: a share of the item's supply in [0, 1],
    a whole count, or HHI points in [0, 10 000].
    """

    key: str
    sense: Sense
    unit: Unit

    @property
    def bounds(self) -> tuple[float, float]:
        """The range the key may take."""
        return (
            (0.0, 10_000.0) if self.unit == "hhi" else (0.0, 1.0 if self.unit == "share" else 1e9)
        )


@dataclass(frozen=True)
class RuleKind:
    """A rule kind: its schema class, its limits and what the analyses may do with it."""

    kind: str
    spec: type[RuleBase]
    noun: str
    """What one rule of the kind is called in sentences ("a country cap")."""
    limits: tuple[Limit, ...] = ()
    relaxable: bool = True
    """Diagnose may relax it (every kind: a ban is relaxed by lifting it for a country)."""
    priced: bool = False
    """Explain prices its limits by their marginal cost (the LP dual or a re-solve)."""

    @property
    def sweepable(self) -> bool:
        """A sweep can vary it: it has a numeric limit."""
        return bool(self.limits)

    @property
    def counts(self) -> bool:
        """Its limit counts suppliers or countries (whole numbers), not shares."""
        return any(lim.unit == "count" for lim in self.limits)

    def limit(self, sense: Sense) -> Limit | None:
        """Its limit of ``sense``, if it has one."""
        return next((lim for lim in self.limits if lim.sense == sense), None)


def _share(key: str, sense: Sense) -> Limit:
    return Limit(key, sense, "share")


_DECLARED = (
    RuleKind(
        "country_cap", CountryCapRule, "country cap", (_share("max_share", "max"),), priced=True
    ),
    RuleKind(
        "bloc_share",
        BlocShareRule,
        "bloc share",
        (_share("min_share", "min"), _share("max_share", "max")),
        priced=True,
    ),
    RuleKind("ban", BanRule, "ban"),
    RuleKind(
        "supplier_cap", SupplierCapRule, "supplier cap", (_share("max_share", "max"),), priced=True
    ),
    RuleKind(
        "exit_clause",
        ExitClauseRule,
        "exit clause",
        (_share("max_share_without", "max"),),
        priced=True,
    ),
    RuleKind(
        "min_suppliers",
        MinSuppliersRule,
        "minimum supplier count",
        (Limit("count", "min", "count"),),
    ),
    RuleKind(
        "max_suppliers",
        MaxSuppliersRule,
        "maximum supplier count",
        (Limit("count", "max", "count"),),
    ),
    RuleKind(
        "min_countries",
        MinCountriesRule,
        "minimum country count",
        (Limit("count", "min", "count"),),
    ),
    RuleKind("exit", ExitRule, "exit right", (_share("coverage", "min"),), priced=True),
    RuleKind("hhi_cap", HhiCapRule, "HHI cap", (Limit("max_hhi", "max", "hhi"),), priced=True),
)

KINDS: Mapping[str, RuleKind] = MappingProxyType({k.kind: k for k in _DECLARED})
"""Every rule kind, in the schema's order."""

PRICED_KINDS = tuple(k for k, rk in KINDS.items() if rk.priced)
RELAXABLE_KINDS = tuple(k for k, rk in KINDS.items() if rk.relaxable)
COUNT_KINDS = tuple(k for k, rk in KINDS.items() if rk.counts)
SHARE_KINDS = tuple(k for k, rk in KINDS.items() if any(lim.unit == "share" for lim in rk.limits))


def kind_of(rule: RuleBase | str) -> RuleKind:
    """The registry entry of a rule (or of a kind name)."""
    name = rule if isinstance(rule, str) else str(rule.kind)
    return KINDS[name]


# The registry and the schema must list the same classes in the same order: a kind added to one
# and not the other fails at import, not in some table later.
if tuple(rk.spec for rk in _DECLARED) != RULE_MODELS:  # pragma: no cover - a developer error
    raise RuntimeError("instance/kinds.py and schema.RULE_MODELS list different rule kinds")
