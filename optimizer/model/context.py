"""Numpy views of an instance that every constraint family builds from.

Computed once per build: supplier-to-item and supplier-to-site indices, resolved countries,
effective capacities and the least and most supply each item can need. Families then select
rows with boolean masks instead of looping over suppliers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..instance.checks import required_supply
from ..instance.instance import Instance
from .core import INF


@dataclass
class Context:
    """Arrays over suppliers (index s), items (index i) and sites (index k)."""

    inst: Instance
    sup_ids: list[str]
    item_ids: list[str]
    site_ids: list[str]
    sup_item: np.ndarray  # s -> i
    sup_site: np.ndarray  # s -> k, or -1
    country: np.ndarray  # s -> location country (str)
    owner: np.ndarray  # s -> owner country (str): the owner, or an owning entity's home
    owned_by: np.ndarray  # s -> owner as written (a country code or an entity id)
    control: np.ndarray  # s -> controlling country (str), through the entities' holdings
    own_cap: np.ndarray  # s -> own capacity (inf if none)
    cap_eff: np.ndarray  # s -> min(own, site, most supply of its item): a finite big-M
    fixed: np.ndarray
    min_order: np.ndarray
    exit_clause: np.ndarray  # bool
    unit_price: np.ndarray  # s -> unit cost after tariff (nan for tiered suppliers)
    tariff: np.ndarray  # s -> tariff rate of its country
    demand: np.ndarray  # i
    least: np.ndarray  # i: least total supply any plan needs
    most: np.ndarray  # i: most total supply any plan can use
    penalty: np.ndarray  # i: shortfall penalty (nan if none)
    site_cap: np.ndarray  # k (inf if none)
    site_fixed: np.ndarray  # k
    options: dict[str, object] = field(default_factory=dict)  # build options (exit_form)
    # Columns, filled in while building.
    x: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    supply: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    shortfall: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # i->col/-1
    qualified: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # s->col/-1
    awarded: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # s->col/-1
    site_open: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # k->col/-1
    # s -> the binary that must be 1 for x_s > 0 (awarded, else qualified), or -1.
    gate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # s -> the binary saying s is qualified (qualified, else its site's open), or -1 = always.
    qual_ind: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def banned(self) -> np.ndarray:
        """Mask over suppliers excluded by any ban rule (for their item)."""
        out = np.zeros(len(self.sup_ids), dtype=bool)
        for rule in self.inst.rules:
            if rule.kind == "ban":
                out |= self.item_mask(rule.items) & self.members(rule, rule.countries)
        return out

    def members(self, rule: object, selectors: Sequence[str]) -> np.ndarray:
        """Mask over suppliers that count for the countries (codes or blocs) ``selectors`` on
        the rule's basis: their basis country is one of them, or, on ``basis: influence``, the
        countries together hold at least ``threshold`` of the supplier's owner."""
        countries = self.inst.countries_of(selectors)
        basis = str(getattr(rule, "basis", "location"))
        if basis != "influence":
            return np.isin(self.basis(basis), list(countries))
        threshold = float(getattr(rule, "threshold", 1.0) or 1.0)
        owners, inverse = np.unique(self.owned_by.astype(str), return_inverse=True)
        own = self.inst.ownership
        hit = np.array([own.influence(o, countries) >= threshold - 1e-9 for o in owners], bool)
        return hit[inverse] if len(owners) else np.zeros(len(self.sup_ids), dtype=bool)

    def rule_items(self, kinds: tuple[str, ...]) -> np.ndarray:
        """Mask over items: covered by at least one rule of these kinds."""
        mask = np.zeros(len(self.item_ids), dtype=bool)
        for rule in self.inst.rules:
            if rule.kind in kinds:
                if rule.items is None:
                    mask[:] = True
                else:
                    mask[[self.inst.item_index[i] for i in rule.items]] = True
        return mask

    def rule_basis(self, rule: Any) -> np.ndarray:
        """Per supplier, the country it counts for under ``rule``: its basis country, or, on
        ``basis: influence``, one of the rule's countries for the suppliers that count and ``""``
        for the others (so ``np.isin(labels, rule's countries)`` is the membership)."""
        if rule.basis != "influence":
            return self.basis(rule.basis)
        selectors = rule.countries if rule.kind == "ban" else [rule.bloc]
        first = min(self.inst.countries_of(selectors))
        return np.where(self.members(rule, selectors), first, "").astype(object)

    def basis(self, basis: str) -> np.ndarray:
        """Supplier countries on a label basis: location, owner or control (``influence`` is
        a set membership: see :meth:`members`)."""
        if basis == "influence":
            raise ValueError("basis influence has no one country per supplier: use members()")
        return {"location": self.country, "owner": self.owner, "control": self.control}[basis]

    def item_mask(self, items: Sequence[str] | None) -> np.ndarray:
        """Suppliers whose item is selected (all when ``items`` is None)."""
        if items is None:
            return np.ones(len(self.sup_ids), dtype=bool)
        wanted = np.zeros(len(self.item_ids), dtype=bool)
        wanted[[self.inst.item_index[i] for i in items]] = True
        return wanted[self.sup_item]


def make_context(inst: Instance, room: Mapping[str, tuple[float, float]] | None = None) -> Context:
    """Precompute the arrays of ``inst`` (``room``: see :func:`required_supply`)."""
    sups = inst.suppliers
    n = len(sups)
    item_ids = [it.id for it in inst.items]
    site_ids = [s.id for s in inst.sites]
    need = required_supply(inst, room)
    least = np.array([need[i][0] for i in item_ids], dtype=float)
    most = np.array([need[i][1] for i in item_ids], dtype=float)
    site_cap = np.array(
        [INF if s.capacity is None else s.capacity for s in inst.sites], dtype=float
    )
    site_fixed = np.array([s.fixed_cost for s in inst.sites], dtype=float)
    sup_item = np.fromiter((inst.item_index[s.item] for s in sups), dtype=np.int64, count=n)
    sup_site = np.fromiter(
        (inst.site_index[s.site] if s.site is not None else -1 for s in sups),
        dtype=np.int64,
        count=n,
    )
    country = np.array([s.country for s in sups], dtype=object)
    owned_by = np.array([s.owner for s in sups], dtype=object)
    own = inst.ownership
    if inst.entities:
        names = {o: (own.country(o), own.control(o)) for o in set(owned_by.tolist())}
        owner = np.array([names[o][0] for o in owned_by], dtype=object)
        control = np.array([names[o][1] for o in owned_by], dtype=object)
    else:  # no entities: every owner is a country, controlling itself
        owner = control = owned_by
    own_cap = np.array([INF if s.capacity is None else s.capacity for s in sups], dtype=float)
    cap_eff = np.minimum(own_cap, most[sup_item]) if n else own_cap
    if n:
        at_site = sup_site >= 0
        cap_eff[at_site] = np.minimum(cap_eff[at_site], site_cap[sup_site[at_site]])
    tariffs = inst.tariffs
    tariff = np.array([tariffs.get(c, 0.0) for c in country], dtype=float)
    unit_price = np.array(
        [np.nan if s.unit_cost is None else s.unit_cost for s in sups], dtype=float
    ) * (1.0 + tariff)
    return Context(
        inst=inst,
        sup_ids=[s.id for s in sups],
        item_ids=item_ids,
        site_ids=site_ids,
        sup_item=sup_item,
        sup_site=sup_site,
        country=country,
        owner=owner,
        owned_by=owned_by,
        control=control,
        own_cap=own_cap,
        cap_eff=cap_eff,
        fixed=np.array([s.fixed_cost for s in sups], dtype=float),
        min_order=np.array([s.min_order for s in sups], dtype=float),
        exit_clause=np.array([s.exit_clause for s in sups], dtype=bool),
        unit_price=unit_price,
        tariff=tariff,
        demand=np.array([it.demand for it in inst.items], dtype=float),
        least=least,
        most=most,
        penalty=np.array(
            [np.nan if it.shortfall_penalty is None else it.shortfall_penalty for it in inst.items],
            dtype=float,
        ),
        site_cap=site_cap,
        site_fixed=site_fixed,
    )
