"""The validated, immutable instance object.

An :class:`Instance` is what every other part of trustsource consumes. It is built by
:func:`trustsource.load` (YAML/JSON with CSV tables), :meth:`Instance.from_dict` or
:meth:`Instance.from_frames`; each runs the same validation and raises one
:class:`~trustsource.errors.InstanceError` listing every problem with its location.

After validation, suppliers carry their resolved ``country`` and ``owner`` (inherited from their
site, owner defaulting to country) and every rule carries a ``name``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..blocs import builtin_blocs
from ..errors import InstanceError, Issue, did_you_mean
from ..notebook import card
from .buyers import BuyerSpec, CoalitionSpec, buyer_issues
from .checks import check_instance
from .document import prepare_document, records_from_frame
from .findings import all_findings, range_warnings
from .locate import Locator, ids_of, issues_from
from .overlays import RiskSpec, ScenarioSpec, VariantSpec
from .ownership import EntitySpec, Ownership, ownership_rows
from .partial import readable_parts
from .periods import (
    Horizon,
    StockpileSpec,
    horizon_issues,
    mapping_issues,
    merged_document,
    period_views,
    validate_horizon,
)
from .schema import (
    FrozenDict,
    Id,
    ItemSpec,
    RuleSpec,
    SiteSpec,
    Spec,
    SupplierSpec,
    Tariff,
    Year,
    frozendict,
    non_empty,
)

BlocMembers = Annotated[
    tuple[str, ...],
    Field(json_schema_extra={"minItems": 1}),
    AfterValidator(
        non_empty(
            "is empty: list its member country codes (a rule on an empty bloc applies to nothing)"
        )
    ),
]
"""The country codes of a bloc: at least one."""


_OPTIONAL_SECTIONS = ("periods", "discount_rate", "stockpiles", "buyers", "entities")
"""Sections left out of the document (and the hash) when empty: older instances stay as they
were."""


class Instance(Spec):
    """A validated sourcing instance (schema version 1)."""

    name: str = "instance"
    """Instance name."""
    currency: str = "USD"
    """Currency of every cost."""
    description: str | None = None
    """What the instance represents."""
    sources: tuple[str | FrozenDict[str, Any], ...] = ()
    """Where the data come from."""
    blocs: FrozenDict[Id, BlocMembers] = Field(default_factory=frozendict)
    """Named country sets; these add to, or override, the built-in blocs."""
    tariffs: FrozenDict[str, Tariff] = Field(default_factory=frozendict)
    """Ad-valorem cost adders by supplier location country (0.25 = +25 %; at most 100)."""
    items: Annotated[tuple[ItemSpec, ...], Field(json_schema_extra={"minItems": 1})]
    """Items to supply (at least one)."""
    entities: tuple[EntitySpec, ...] = ()
    """Firms and funds that own suppliers or sites, with who holds them (ownership chains)."""
    sites: tuple[SiteSpec, ...] = ()
    """Shared-capacity sites."""
    suppliers: tuple[SupplierSpec, ...] = ()
    """Supplier offers."""
    rules: tuple[RuleSpec, ...] = ()
    """Trust rules."""
    variants: FrozenDict[Id, VariantSpec] = Field(default_factory=frozendict)
    """Named overlays on the rules (see :meth:`variant`)."""
    scenarios: FrozenDict[Id, ScenarioSpec] = Field(default_factory=frozendict)
    """Named disruptions (export bans, blockades, cuts) for ``stress`` and ``risk``."""
    risk: RiskSpec | None = None
    """How ``trustsource risk`` weighs the scenarios (measure, alpha, weight, rules)."""
    periods: tuple[Year, ...] = ()
    """Years planned, increasing (a period lasts until the next); empty: one plan, no time."""
    discount_rate: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.0
    """Per year; costs are discounted to the first period (periodic instances)."""
    stockpiles: tuple[StockpileSpec, ...] = ()
    """Stocks carried between periods (periodic instances)."""
    buyers: tuple[BuyerSpec, ...] = ()
    """Members planning together, each with its own demand and rules (``coalition``)."""
    coalition: CoalitionSpec | None = None
    """What the buyers share, and the rules on their total supply."""

    # An instance without items has nothing to plan; `solve` would have nothing to report.
    _some_items = field_validator("items")(non_empty("no items: add at least one item"))

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> Instance:
        ctx = info.context or {}
        locator = ctx.get("locator") or Locator.inline("<python>")
        check_instance(self, locator)
        issues = (horizon_issues(self, locator) if self.periods else []) + buyer_issues(
            self, locator
        )
        if issues:
            raise InstanceError(issues)
        self._locator = locator
        return self

    _locator: Locator | None = PrivateAttr(default=None)
    _horizon: Horizon | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _located_errors(
        cls, data: Any, handler: ModelWrapValidatorHandler[Instance], info: ValidationInfo
    ) -> Instance:
        # Every construction route (Instance(**data), validated, model_validate) raises one
        # InstanceError with located issues instead of pydantic's ValidationError.
        ctx = info.context or {}
        try:
            return handler(data)
        except ValidationError as exc:
            locator = ctx.get("locator")
            if locator is None:
                locator = Locator.inline("<python>")
                locator.ids = ids_of(data) if isinstance(data, Mapping) else {}
            issues = issues_from(exc, locator)
            if isinstance(data, Mapping):
                issues += _partial_cross_checks(data, locator)
            raise InstanceError(issues) from None

    @classmethod
    def validated(cls, data: Mapping[str, Any], locator: Locator) -> Instance:
        """Validate a document's sections, every problem located by ``locator``.

        Raises:
            InstanceError: with every field error, or else every cross-entry problem.
        """
        if data.get("periods") in (None, []):
            issues = mapping_issues(data, locator)
            if not issues:
                return cls.model_validate(data, context={"locator": locator})
            try:  # the other problems too, those of the refused keys said once
                cls.model_validate(data, context={"locator": locator})
            except InstanceError as exc:
                taken = {(i.location, i.field) for i in issues}
                issues += [i for i in exc.issues if (i.location, i.field) not in taken]
            raise InstanceError(issues)
        # A periodic document: every period resolved and validated as a plain instance.
        years, insts = validate_horizon(
            data, locator, lambda doc: cls.model_validate(doc, context={"locator": locator})
        )
        main = insts[0]
        main._horizon = Horizon(years, tuple(insts), period_views(insts, years))
        return main

    # --- construction -------------------------------------------------------------------------

    @classmethod
    def from_dict(
        cls, doc: Mapping[str, Any], base_dir: str | Path | None = None, origin: str = "<dict>"
    ) -> Instance:
        """Validate a schema-1 document given as Python data (tables inline or CSV paths)."""
        return instance_from_document(dict(doc), Path(base_dir or "."), origin)

    @classmethod
    def from_frames(
        cls,
        items: Any,
        suppliers: Any,
        sites: Any | None = None,
        **document: Any,
    ) -> Instance:
        """Build an instance from pandas DataFrames for the tables plus any other document keys."""
        doc: dict[str, Any] = {"trustsource": 1, **document}
        doc["items"] = records_from_frame(items)
        doc["suppliers"] = records_from_frame(suppliers)
        if sites is not None:
            doc["sites"] = records_from_frame(sites)
        return cls.from_dict(doc, origin="<frames>")

    # --- derived views ------------------------------------------------------------------------

    @property
    def horizon(self) -> Horizon | None:
        """The periods and each period's instance (None for an instance without periods)."""
        return self._horizon

    def at(self, year: int) -> Instance:
        """Period ``year`` of a periodic instance as a plain instance: the values of that year,
        the rules active in it, and each build's capacity where it can be ready by then.

        Raises:
            InstanceError: if the instance has no such period.
        """
        h = self._horizon
        if h is None or year not in h.years:
            known = ", ".join(str(y) for y in h.years) if h is not None else "none"
            raise InstanceError(
                [Issue(f"{self.name}: periods", None, f"no period {year}; known: {known}")]
            )
        return h.views[h.years.index(year)]

    def variant(self, name: str) -> Instance:
        """The instance with variant ``name`` applied: rules dropped, changed, then added.

        Raises:
            InstanceError: if there is no such variant.
        """
        if name not in self.variants:
            raise InstanceError(
                [
                    Issue(
                        f"{self.name}: variants",
                        None,
                        f"no variant named '{name}'"
                        f"{did_you_mean(name, list(self.variants))}; known: "
                        f"{', '.join(self.variants) or 'none'}",
                    )
                ]
            )
        v = self.variants[name]
        drop = set(r.name for r in self.rules) if v.drop == "all" else set(v.drop)
        rules: list[Any] = []
        if self._horizon is not None:  # rules as the document gives them (mappings by period)
            doc = self.to_dict()
            change = doc["variants"][name].get("change", {})  # with its paths by period
            for entry in doc.get("rules", []):
                if entry.get("name") not in drop:
                    rules.append({**entry, **change.get(entry.get("name") or "", {})})
            rules.extend(doc["variants"][name].get("add", []))
            doc["rules"] = rules
            doc["name"] = f"{self.name} [{name}]"
            doc.pop("variants", None)
            return Instance.from_dict(doc, origin=f"{self.name} [variant {name}]")
        for rule in self.rules:
            if rule.name in drop:
                continue
            update = v.change.get(rule.name or "")
            if update:
                rule = type(rule).model_validate({**rule.model_dump(by_alias=True), **update})
            rules.append(rule.model_dump(by_alias=True, exclude_none=True))
        rules.extend(r.model_dump(by_alias=True, exclude_none=True) for r in v.add)
        doc = self.to_dict()
        doc["rules"] = rules
        doc["name"] = f"{self.name} [{name}]"
        doc.pop("variants", None)
        return Instance.from_dict(doc, origin=f"{self.name} [variant {name}]")

    @cached_property
    def all_blocs(self) -> dict[str, frozenset[str]]:
        """Built-in blocs overridden and extended by the instance's own."""
        out = {k: frozenset(v) for k, v in builtin_blocs().items()}
        out.update({k: frozenset(v) for k, v in self.blocs.items()})
        return out

    def countries_of(self, selectors: Iterable[str]) -> frozenset[str]:
        """Expand country codes and bloc names into a set of country codes."""
        blocs = self.all_blocs
        out: set[str] = set()
        for sel in selectors:
            out.update(blocs.get(sel, (sel,)))
        return frozenset(out)

    @cached_property
    def ownership(self) -> Ownership:
        """Effective ownership by country of every entity (see :mod:`.ownership`)."""
        return Ownership.of(self.entities)

    def owners_frame(self) -> Any:
        """The offers owned through ``entities`` as a DataFrame: owner, its country, the
        controlling country, effective shares by country, and for each rule on basis control or
        influence that counts the offer, the chain of holdings that made it count."""
        import pandas as pd  # not at import: loading an instance needs no pandas

        columns = ["supplier", "item", "owner", "owner_country", "control", "shares", "counts_for"]
        return pd.DataFrame(ownership_rows(self), columns=columns)

    def basis_country(self, supplier: SupplierSpec, basis: str) -> str:
        """The country a supplier counts for on a label basis (location, owner, control)."""
        if basis == "location":
            return str(supplier.country)
        owner = str(supplier.owner)
        return self.ownership.country(owner) if basis == "owner" else self.ownership.control(owner)

    def counts_for(self, supplier: SupplierSpec, rule: Any, countries: frozenset[str]) -> bool:
        """Whether a supplier counts for ``countries`` under the rule's basis (and threshold)."""
        if rule.basis == "influence":
            share = self.ownership.influence(str(supplier.owner), countries)
            return share >= float(rule.threshold) - 1e-9
        return self.basis_country(supplier, rule.basis) in countries

    @cached_property
    def item_index(self) -> dict[str, int]:
        """Item id -> position."""
        return {it.id: k for k, it in enumerate(self.items)}

    @cached_property
    def site_index(self) -> dict[str, int]:
        """Site id -> position."""
        return {s.id: k for k, s in enumerate(self.sites)}

    @cached_property
    def findings(self) -> list[Issue]:
        """Pre-solve findings: well-formed values the model cannot honour (empty if none).

        For example an item whose demand exceeds all capacity left after the bans. A solve of an
        instance with findings returns ``infeasible`` without calling the solver.
        """
        return all_findings(self, self._locator or Locator.inline("<python>"))

    @cached_property
    def warnings(self) -> list[Issue]:
        """Warnings (``kind="warning"``): valid values that may hurt the solve, such as costs or
        quantities spread over more than nine orders of magnitude. They never block a solve.
        """
        return range_warnings(self, self._locator or Locator.inline("<python>"))

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON form: identifies exactly what was solved."""
        # pydantic's own JSON serialiser (Rust) is ~10x faster than model_dump + json.dumps
        # on 100k suppliers; field order is fixed by the schema, so the text is canonical.
        if self._horizon is not None:
            # Every period's canonical JSON in order: the horizon exactly, without merging the
            # periods back into one document (10x faster at 20k offers).
            text = "\n".join(
                inst.model_dump_json(by_alias=True, exclude_none=True)
                for inst in self._horizon.instances
            )
        else:
            text = self.model_dump_json(
                by_alias=True,
                exclude_none=True,
                exclude={k for k in _OPTIONAL_SECTIONS if not getattr(self, k)},
            )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def to_frame(self) -> Any:
        """The offers as a pandas DataFrame: one row per supplier (id, item, site, country,
        owner, capacity, cost)."""
        import pandas as pd  # not at import: loading an instance needs no pandas

        return pd.DataFrame(
            [
                {
                    "supplier": s.id,
                    "item": s.item,
                    "site": s.site,
                    "country": s.country,
                    "owner": s.owner,
                    "capacity": s.capacity,
                    "unit_cost": s.unit_cost,
                    "fixed_cost": s.fixed_cost,
                }
                for s in self.suppliers
            ],
            columns=[
                "supplier", "item", "site", "country", "owner", "capacity", "unit_cost",
                "fixed_cost",
            ],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        rules = ", ".join(r.name or r.kind for r in self.rules) or "none"
        return card(
            f"Instance {self.name}",
            [
                ("items", len(self.items)),
                ("offers", len(self.suppliers)),
                ("sites", len(self.sites)),
                ("rules", rules),
                ("variants", ", ".join(self.variants) or "none"),
                ("periods", ", ".join(map(str, self.periods)) or "one year"),
                ("currency", self.currency),
            ],
            self.to_frame(),
            "offers (instance.to_frame())",
        )

    def to_dict(self) -> dict[str, Any]:
        """The instance as a schema-1 document with inline tables (round-trips via from_dict);
        for a periodic instance, values that change over the periods as mappings by period."""
        h = self._horizon
        if h is not None:
            return {"trustsource": 1, **merged_document(h.instances, h.years)}
        doc = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        for key in _OPTIONAL_SECTIONS:  # sections an instance without them leaves out
            if not doc.get(key):
                doc.pop(key, None)
        return {"trustsource": 1, **doc}

    def __repr__(self) -> str:
        return (
            f"Instance({self.name!r}: {len(self.items)} items, {len(self.suppliers)} suppliers, "
            f"{len(self.sites)} sites, {len(self.rules)} rules)"
        )

    __str__ = __repr__


def instance_from_document(
    doc: dict[str, Any], base_dir: Path, origin: str, root: str | Path | None = None
) -> Instance:
    """Validate a parsed document; see :func:`trustsource.load` (``root`` confines its CSV
    tables). The reading problems and the validation's are raised together."""
    data, locator, issues = prepare_document(doc, base_dir, origin, root)
    # One validation pass over the whole document: pydantic collects every field error, and the
    # cross-entry checks run (in Instance's validator) only once the fields are sound.
    try:
        inst = Instance.validated(data, locator)
    except InstanceError as exc:
        raise InstanceError(issues + exc.issues) from None
    if issues:
        raise InstanceError(issues)
    return inst


def _partial_cross_checks(data: Mapping[str, Any], locator: Locator) -> list[Issue]:
    """The cross-entry checks of a document whose field validation failed, on the parts that
    can still be read, so every problem is reported in one run (see
    :func:`~.partial.readable_parts`)."""
    parts, partial, unread = readable_parts(data, locator)
    try:
        check_instance(Instance.model_construct(**parts), partial, unread)
    except InstanceError as exc:
        return exc.issues
    return []
