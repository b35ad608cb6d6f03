"""A plan's numbers resolved against the instance, grouped once for every check of the verifier.

Part of the independent verifier: it reads the validated instance and the plan, never the model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..instance.instance import Instance
from ..instance.schema import SiteSpec, SupplierSpec
from .ownership import Holdings


@dataclass(frozen=True)
class Violation:
    """One constraint a plan breaks.

    Attributes:
        check: the family: ``bounds``, ``capacity``, ``site_capacity``, ``qualification``,
            ``min_order``, ``balance``, a rule kind (``country_cap``, ``bloc_share``, ``ban``,
            ``supplier_cap``, ``min_suppliers``, ``max_suppliers``, ``min_countries``,
            ``exit``, ``exit_clause``, ``hhi_cap``), ``unsupported_rule`` or ``objective``.
        rule: the rule name, for rule checks.
        item: the item concerned, if any.
        subject: the supplier, site, country or bloc concerned, if any.
        message: a sentence with the numbers.
        excess: by how much it is broken, in the check's natural unit (item units, currency,
            suppliers or countries for the count rules, HHI points for ``hhi_cap``).
    """

    check: str
    rule: str | None
    item: str | None
    subject: str | None
    message: str
    excess: float

    def __str__(self) -> str:
        return self.message


class PlanView:
    """The plan's numbers resolved against the instance, grouped once for every check."""

    def __init__(
        self,
        inst: Instance,
        quantities: Mapping[str, float],
        qualified: Mapping[str, bool] | None,
        site_open: Mapping[str, bool] | None,
        shortfall: Mapping[str, float] | None,
        tol: float,
    ) -> None:
        self.inst = inst
        self.tol = tol
        self.found: list[Violation] = []  # malformed input (unknown ids, non-finite numbers)
        item_ids = [it.id for it in inst.items]
        for what, given, known in (
            ("quantity", quantities, {s.id for s in inst.suppliers}),
            ("shortfall", shortfall or {}, set(item_ids)),
            ("open flag", site_open or {}, {k.id for k in inst.sites}),
        ):
            for key, v in given.items():
                if key not in known:
                    excess = 0.0 if what == "open flag" else abs(float(v))
                    self._bad(None, key, f"{what} {v} given for unknown id '{key}'", excess)

        qual, opened, short = qualified or {}, site_open or {}, shortfall or {}
        # Parallel lists (no per-supplier containers: 100k suppliers stay well under a second).
        self.qty: list[float] = []
        self.qual: list[bool] = []
        self.sups: dict[str, list[SupplierSpec]] = {i: [] for i in item_ids}
        self.qtys: dict[str, list[float]] = {i: [] for i in item_ids}
        self.covers: dict[str, list[bool]] = {i: [] for i in item_ids}  # counts for exit cover
        self.total: dict[str, float] = dict.fromkeys(item_ids, 0.0)
        self.sites: dict[str, SiteSpec] = {k.id: k for k in inst.sites}
        used_sites: set[str] = set()  # sites with an awarded or explicitly qualified offer
        for s in inst.suppliers:
            v = float(quantities.get(s.id, 0.0))
            if not math.isfinite(v):
                v = self._finite(s.item, s.id, "quantity", v)
            self.qty.append(v)
            self.sups[s.item].append(s)
            self.qtys[s.item].append(v)
            self.total[s.item] += v
            if s.site is not None and (v > tol or bool(qual.get(s.id, False))):
                used_sites.add(s.site)
        self.eps = {i: tol * max(1.0, abs(t)) for i, t in self.total.items()}
        self.open = {k.id: bool(opened.get(k.id, k.id in used_sites)) for k in inst.sites}
        # An offer at a site with a fixed cost is usable only if that site is open.
        site_ok = {k.id: k.fixed_cost == 0 or self.open[k.id] for k in inst.sites}
        self.holdings = Holdings(inst.entities)
        # A banned supplier cannot deliver, so its capacity covers no exit right.
        banned: set[str] = set()
        for rule in inst.rules:
            if rule.kind == "ban":
                countries = inst.countries_of(rule.countries)
                scope = None if rule.items is None else set(rule.items)
                for s in inst.suppliers:
                    if (scope is None or s.item in scope) and self.counts_for(s, rule, countries):
                        banned.add(s.id)
        for s, v in zip(inst.suppliers, self.qty, strict=True):
            at_ok_site = (s.site is None or site_ok[s.site]) and s.id not in banned
            given = qual.get(s.id)
            q = (
                bool(given)
                if given is not None
                else (v > tol or (s.fixed_cost == 0 and at_ok_site))
            )
            self.qual.append(q)
            self.covers[s.item].append(q and at_ok_site)
        self.short = {
            it.id: self._finite(it.id, it.id, "shortfall", short.get(it.id, 0.0))
            for it in inst.items
        }
        self._shares: dict[tuple[str, str, str], dict[str, float]] = {}

    def _bad(self, item: str | None, subject: str | None, msg: str, excess: float) -> None:
        self.found.append(Violation("bounds", None, item, subject, msg, excess))

    def _finite(self, item: str, subject: str, what: str, v: Any) -> float:
        v = float(v)
        if math.isfinite(v):
            return v
        self._bad(item, subject, f"{subject}: {what} is {v}, not a finite number", math.inf)
        return 0.0

    def slack(self, rhs: float, scale: float = 0.0) -> float:
        """Absolute tolerance for comparing against ``rhs``."""
        return self.tol * max(1.0, abs(rhs), abs(scale))

    def label(self, s: SupplierSpec, basis: str) -> str:
        """The country ``s`` counts for on a label basis (location, owner, control)."""
        if basis == "location":
            return s.country or ""
        owner = s.owner or s.country or ""
        return self.holdings.home(owner) if basis == "owner" else self.holdings.control(owner)

    def counts_for(self, s: SupplierSpec, rule: Any, countries: frozenset[str]) -> bool:
        """Whether ``s`` counts for ``countries`` under the rule's basis (influence: their
        combined effective share in its owner reaches the rule's threshold)."""
        if rule.basis == "influence":
            shares = self.holdings.shares(s.owner or s.country or "")
            return sum(shares.get(c, 0.0) for c in countries) >= rule.threshold - 1e-9
        return self.label(s, rule.basis) in countries

    def amounts(self, item: str, measure: str | None) -> list[float]:
        """Per offer of ``item`` (in :attr:`sups` order): its quantity, or with
        ``measure == "cost"`` its purchase cost (after tiers and tariff)."""
        if measure != "cost":
            return self.qtys[item]
        tariffs = self.inst.tariffs
        return [
            purchase_cost(s, v, self.tol) * (1.0 + tariffs.get(s.country or "", 0.0))
            for s, v in zip(self.sups[item], self.qtys[item], strict=True)
        ]

    def by_country(self, item: str, basis: str, measure: str | None = None) -> dict[str, float]:
        """Supply (or purchase cost) of ``item`` per basis country, cached."""
        key = (item, basis, measure or "")
        if key not in self._shares:
            out: dict[str, float] = defaultdict(float)
            for s, v in zip(self.sups[item], self.amounts(item, measure), strict=True):
                out[self.label(s, basis)] += v
            self._shares[key] = dict(out)
        return self._shares[key]


def purchase_cost(s: SupplierSpec, q: float, tol: float) -> float:
    """Cost of ``q`` units from ``s`` before tariff, from its unit cost or price tiers."""
    tiers = s.price_tiers
    if tiers is None:
        return (s.unit_cost or 0.0) * q
    b = tiers.breaks
    spans = [
        (t.from_, b[k + 1].from_ if k + 1 < len(b) else math.inf, t.price) for k, t in enumerate(b)
    ]
    if tiers.mode == "incremental":
        return sum(price * (min(q, hi) - lo) for lo, hi, price in spans if q > lo)
    # all_units: the tier containing q prices every unit; at a break (within solver tolerance)
    # both neighbouring tiers are admissible and the cheaper one counts.
    eps = tol * max(1.0, abs(q))
    prices = [price for lo, hi, price in spans if lo - eps <= q <= hi + eps]
    return (min(prices) if prices else b[0].price) * q


# --- plan-level checks -----------------------------------------------------------------------
