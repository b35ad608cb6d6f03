r"""Risk measures of a discrete cost distribution: expectation, VaR and CVaR.

For scenario costs :math:`C_\omega` with probabilities :math:`p_\omega` (summing to 1):

.. math::

    \mathrm{E}[C] = \sum_\omega p_\omega C_\omega \qquad
    \mathrm{VaR}_\alpha = \min\{t : P(C \le t) \ge \alpha\} \qquad
    \mathrm{CVaR}_\alpha = \mathrm{VaR}_\alpha + \frac{1}{1-\alpha}
        \sum_\omega p_\omega (C_\omega - \mathrm{VaR}_\alpha)^+

CVaR is the mean of the worst :math:`1-\alpha` of the distribution (Rockafellar & Uryasev,
2002: the minimum over :math:`\eta` of :math:`\eta + \mathrm{E}[(C-\eta)^+]/(1-\alpha)`,
attained at VaR); the model minimises that expression with one :math:`\eta` and one excess
variable per scenario, and these closed forms compute the same figures from the plan's costs.
``mean_cvar`` is :math:`(1-w)\,\mathrm{E}[C] + w\,\mathrm{CVaR}_\alpha`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

Measure = Literal["expected", "cvar", "mean_cvar"]
MEASURES: tuple[Measure, ...] = ("expected", "cvar", "mean_cvar")

_EPS = 1e-12  # cumulative probabilities within this of alpha count as reaching it


def var_cvar(costs: ArrayLike, probs: ArrayLike, alpha: float) -> tuple[float, float]:
    """(VaR, CVaR) at level ``alpha`` of costs with the given probabilities."""
    c = np.asarray(costs, dtype=float)
    p = np.asarray(probs, dtype=float)
    if not len(c):
        raise ValueError("no costs")
    order = np.argsort(c, kind="stable")
    cum = np.cumsum(p[order])
    k = int(np.searchsorted(cum, alpha - _EPS, side="left"))
    var = float(c[order][min(k, len(c) - 1)])
    cvar = var + float(p @ np.maximum(c - var, 0.0)) / (1.0 - alpha)
    return var, cvar


def measure_value(
    costs: ArrayLike,
    probs: ArrayLike,
    measure: Measure,
    alpha: float,
    weight: float,
) -> float:
    """The chosen measure of the cost distribution."""
    expected = float(np.asarray(probs, dtype=float) @ np.asarray(costs, dtype=float))
    if measure == "expected":
        return expected
    cvar = var_cvar(costs, probs, alpha)[1]
    if measure == "cvar":
        return cvar
    return (1.0 - weight) * expected + weight * cvar


def cvar_weight(measure: Measure, weight: float) -> float:
    """How much of the objective is CVaR: 0 (expected), 1 (cvar) or ``weight`` (mean_cvar)."""
    return {"expected": 0.0, "cvar": 1.0, "mean_cvar": weight}[measure]
