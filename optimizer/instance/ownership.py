r"""Who owns a supplier, through chains of holdings: the ``entities`` table and its arithmetic.

An entity is a firm or fund with a home ``country`` and ``holders``: the entities or countries
that hold shares of it. A supplier's or site's ``owner`` may name an entity instead of a country.
Shares not listed are taken as held in the entity's own country (dispersed domestic holders);
this is an interpretation, stated in the docs.

Effective ownership by country solves one linear system over the holdings. With :math:`H` the
entity-by-entity holdings (:math:`H_{eh}` = share of :math:`e` held by entity :math:`h`) and
:math:`D` the direct country holdings plus each entity's unlisted remainder in its own country,

.. math::

    E = D + H E \quad\Longleftrightarrow\quad E = (I - H)^{-1} D .

Each row of :math:`H + D` sums to one, so :math:`I - H` is singular exactly when some entities
are held only by one another (no country holds any part of them, directly or through others);
such a closed ring is refused with a located message. Other cycles (A holds 20 % of B, B 10 % of
A) are resolved by the system.

The bases read from it (a rule's ``basis``):

* ``owner``: the owner's country (an entity's own ``country``);
* ``control``: the country with the largest effective share if it is at least 50 %, else the
  owner's country;
* ``influence`` with ``threshold``: a supplier counts for a rule's set of countries when their
  combined effective share is at least the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from ..countries import is_country
from ..errors import Issue, did_you_mean
from ..limits import clip
from .schema import FrozenDict, Id, Share, Spec, frozendict

if TYPE_CHECKING:
    from .locate import Locator

CONTROL_SHARE = 0.5
"""Effective share at which a country controls an entity."""
_TOL = 1e-9


class EntitySpec(Spec):
    """A firm or fund that owns suppliers or sites, held in shares by countries or entities."""

    id: Id
    """Unique entity id (named by a supplier's or site's ``owner``, or by other entities)."""
    country: str
    """ISO 3166-1 alpha-2 code of its home (incorporation); unlisted shares are held there."""
    holders: Annotated[FrozenDict[str, Share], Field(default_factory=frozendict)]
    """Who holds it: ``{entity id or country code: share}``; shares sum to at most 1."""
    description: str | None = None
    """Free text."""
    source: str | None = None
    """Where the holdings come from."""


def entity_issues(entities: Sequence[EntitySpec], loc: Locator) -> list[Issue]:
    """Located problems of the ``entities`` table: duplicates, unknown holders and countries,
    shares above one, self-holding and closed rings of entities held only by one another."""
    issues: list[Issue] = []
    ids = [e.id for e in entities]
    known = set(ids)
    seen: set[str] = set()
    for k, e in enumerate(entities):
        where = loc.where("entities", k)
        if e.id in seen:
            issues.append(Issue(where, "id", f"duplicate id {clip(e.id)}"))
        seen.add(e.id)
        if not is_country(e.country):
            issues.append(Issue(where, "country", f"unknown country code {clip(e.country)}"))
        for h in e.holders:
            if h == e.id:
                issues.append(Issue(where, "holders", f"{clip(h)} cannot hold itself"))
            elif h not in known and not is_country(h):
                issues.append(
                    Issue(
                        where,
                        "holders",
                        f"unknown holder {clip(h)}: name an entity id or an ISO country code"
                        f"{did_you_mean(h, ids)}",
                    )
                )
        total = sum(e.holders.values())
        if total > 1 + _TOL:
            issues.append(
                Issue(
                    where,
                    "holders",
                    f"shares sum to {total:.6g} > 1: an entity cannot be held more than whole",
                )
            )
    if not issues:
        ring = closed_ring(entities)
        if ring:
            first = ids.index(ring[0])
            issues.append(
                Issue(
                    loc.where("entities", first),
                    "holders",
                    f"entities {', '.join(ring)} are held only by one another: no country holds "
                    "any part of them; give one of them a country holder or an unlisted share",
                )
            )
    return issues


def closed_ring(entities: Sequence[EntitySpec]) -> list[str]:
    """Entities that no country holds, directly or through other entities (empty if none)."""
    leak = {e.id: 1.0 - sum(v for h, v in e.holders.items() if not is_country(h)) for e in entities}
    holders = {e.id: [h for h, v in e.holders.items() if v > 0 and h in leak] for e in entities}
    grounded = {e for e, v in leak.items() if v > _TOL}
    changed = True
    while changed:  # reachability to a grounded entity, by fixed point (tables are small)
        changed = False
        for e, hs in holders.items():
            if e not in grounded and any(h in grounded for h in hs):
                grounded.add(e)
                changed = True
    return sorted(set(leak) - grounded)


@dataclass(frozen=True)
class Ownership:
    """Effective ownership by country of every entity, and the bases read from it."""

    entities: Mapping[str, EntitySpec]
    effective: Mapping[str, Mapping[str, float]]
    """Entity id -> {country: effective share} (shares sum to 1)."""
    _control: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, entities: Sequence[EntitySpec]) -> Ownership:
        """Solve the holdings (the table must have passed :func:`entity_issues`)."""
        import numpy as np  # not at import: validating an instance without entities needs none

        ids = [e.id for e in entities]
        index = {e: k for k, e in enumerate(ids)}
        countries = sorted(
            {e.country for e in entities}
            | {h for e in entities for h in e.holders if h not in index}
        )
        col = {c: k for k, c in enumerate(countries)}
        n, m = len(ids), len(countries)
        hold = np.zeros((n, n))
        direct = np.zeros((n, m))
        for k, e in enumerate(entities):
            for h, v in e.holders.items():
                if h in index:
                    hold[k, index[h]] += v
                else:
                    direct[k, col[h]] += v
            direct[k, col[e.country]] += max(0.0, 1.0 - sum(e.holders.values()))
        eff = np.linalg.solve(np.eye(n) - hold, direct) if n else direct
        effective = {
            e: {c: float(eff[k, j]) for j, c in enumerate(countries) if eff[k, j] > _TOL}
            for k, e in enumerate(ids)
        }
        return cls({e.id: e for e in entities}, effective)

    def country(self, owner: str) -> str:
        """The owner's country: an entity's home, or the owner itself (a country code)."""
        e = self.entities.get(owner)
        return e.country if e is not None else owner

    def shares(self, owner: str) -> Mapping[str, float]:
        """Effective shares by country of an owner (a country owns itself whole)."""
        return self.effective.get(owner) or {owner: 1.0}

    def control(self, owner: str) -> str:
        """The country controlling the owner (largest share if >= 50 %, else its country)."""
        got = self._control.get(owner)
        if got is None:
            shares = self.shares(owner)
            top = max(sorted(shares), key=lambda c: shares[c])
            got = top if shares[top] >= CONTROL_SHARE - _TOL else self.country(owner)
            self._control[owner] = got
        return got

    def influence(self, owner: str, countries: Iterable[str]) -> float:
        """The combined effective share of ``countries`` in the owner."""
        shares = self.shares(owner)
        return float(sum(shares.get(c, 0.0) for c in set(countries)))

    def chain(self, owner: str, countries: Iterable[str]) -> str:
        """In words, the holdings through which ``countries`` hold the owner, e.g.
        ``"fab-co <- state-fund 50 % <- CN 60 % = 30 %"``; empty if they hold none of it."""
        wanted = set(countries)
        paths: list[str] = []

        def walk(node: str, words: str, share: float, depth: int) -> None:
            e = self.entities.get(node)
            if e is None or depth > 8:  # longer chains are summed in the total, not listed
                return
            rest = 1.0 - sum(e.holders.values())
            held = dict(e.holders)
            if rest > _TOL:
                held[e.country] = held.get(e.country, 0.0) + rest
            for h, v in sorted(held.items()):
                here = f"{words} <- {h} {_pct(v)}"
                if h in self.entities:
                    walk(h, here, share * v, depth + 1)
                elif h in wanted and v > _TOL:
                    paths.append(f"{here} = {_pct(share * v)}" if depth else here)

        walk(owner, owner, 1.0, 0)
        if owner not in self.entities and owner in wanted:
            return f"{owner} (owned directly)"
        return "; ".join(paths[:4]) + (f"; ... (+{len(paths) - 4})" if len(paths) > 4 else "")


def _pct(x: float) -> str:
    return f"{100 * x:.4g} %"


def ownership_rows(inst: Any) -> list[dict[str, Any]]:
    """One row per offer whose owner is an entity: its owner, the owner's country, the
    controlling country, the effective shares, and for each rule that counts it through the
    holdings (``basis: control`` or ``influence``) the chain that made it count."""
    own: Ownership = inst.ownership
    rules = [r for r in inst.rules if r.basis in ("control", "influence")]
    out: list[dict[str, Any]] = []
    for s in inst.suppliers:
        owner = str(s.owner)
        if owner not in own.entities:
            continue
        shares = own.shares(owner)
        counted = []
        for r in rules:
            if r.items is not None and s.item not in r.items:
                continue
            selectors = getattr(r, "countries", None)
            if selectors is None and getattr(r, "bloc", None):
                selectors = [r.bloc]
            countries = None if selectors is None else inst.countries_of(selectors)
            if r.basis == "influence":
                if countries is not None and inst.counts_for(s, r, countries):
                    counted.append(f"{r.name}: {own.chain(owner, countries)}")
            elif countries is None or own.control(owner) in countries:
                counted.append(f"{r.name}: controlled from {own.control(owner)}")
        out.append(
            {
                "supplier": s.id,
                "item": s.item,
                "owner": owner,
                "owner_country": own.country(owner),
                "control": own.control(owner),
                "shares": ", ".join(
                    f"{c} {_pct(v)}" for c, v in sorted(shares.items(), key=lambda cv: -cv[1])
                ),
                "counts_for": "; ".join(counted),
            }
        )
    return out
