"""Alternatives: the room to move near the optimum (modelling to generate alternatives).

:func:`alternatives` answers two questions about the plans that meet every rule and cost at
most ``(1 + slack)`` times the optimum: how little and how much of each item each country
(supplier, bloc) can supply (*ranges*, :mod:`.ranges`), and which plans differ most from the
optimum and from each other (*diverse plans*, :mod:`.diverse`). Both solve the near-optimal
model of :mod:`.near`.
"""

from __future__ import annotations

from .analysis import alternatives
from .result import Alternative, AlternativesResult

__all__ = ["Alternative", "AlternativesResult", "alternatives"]
