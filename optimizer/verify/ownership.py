"""Effective ownership for the independent verifier, computed its own way.

The instance computes effective shares by one linear solve (:mod:`trustsource.instance.ownership`);
the verifier walks the holdings instead: the share of country c in entity e is the sum over every
chain of holdings from e up to c of the product of the shares along it, accumulated by repeated
substitution until what is still passing between entities is below 1e-12. Two different
computations must agree for a plan to pass, so a mistake in one shows up as a violation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

_DONE = 1e-12
_ROUNDS = 10_000


class Holdings:
    """Effective shares by country of the instance's entities, and the bases read from them."""

    def __init__(self, entities: Iterable[Any]) -> None:
        self.entities: dict[str, Any] = {e.id: e for e in entities}
        self._shares: dict[str, dict[str, float]] = {}

    def shares(self, owner: str) -> Mapping[str, float]:
        """Country -> effective share of ``owner`` (a country code owns itself whole)."""
        if owner not in self.entities:
            return {owner: 1.0}
        got = self._shares.get(owner)
        if got is None:
            got = self._walk(owner)
            self._shares[owner] = got
        return got

    def _walk(self, owner: str) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        passing: dict[str, float] = {owner: 1.0}  # entity -> share of `owner` still to trace
        for _ in range(_ROUNDS):
            if sum(passing.values()) <= _DONE:
                break
            nxt: dict[str, float] = defaultdict(float)
            for ent, w in passing.items():
                e = self.entities[ent]
                listed = 0.0
                for holder, share in e.holders.items():
                    listed += share
                    if holder in self.entities:
                        nxt[holder] += w * share
                    else:
                        out[holder] += w * share
                out[e.country] += w * max(0.0, 1.0 - listed)  # unlisted shares: home country
            passing = nxt
        return dict(out)

    def home(self, owner: str) -> str:
        """The owner's country (an entity's own ``country``)."""
        e = self.entities.get(owner)
        return str(e.country) if e is not None else owner

    def control(self, owner: str) -> str:
        """The country with the largest effective share if >= 50 %, else the owner's country."""
        shares = self.shares(owner)
        best = max(shares.values())
        top = min(c for c, v in shares.items() if v == best)
        return top if best >= 0.5 - 1e-9 else self.home(owner)
