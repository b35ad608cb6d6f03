"""The cooperative cost game of a coalition: Shapley value, core, nucleolus, simple splits.

Members are ``0 .. n-1``; a game is its cost function ``cost: Mapping[frozenset[int], float]``
given on every non-empty coalition S of the grand coalition N = {0, .., n-1}, with c(empty) = 0
(the key may be left out; if given it must be 0). In the coalition analysis c(S) is the cost of
the joint plan of S's members alone. Internally a game is the table ``c[mask]``, where bit i of
``mask`` says member i is in the coalition (:func:`cost_table`, in the order of
:func:`coalitions`).

* **Fragmentation** (:func:`fragmentation`): sum_i c({i}) - c(N), what planning apart costs the
  members together over planning jointly (>= 0 when the game is subadditive).
* **Shapley value** (:func:`shapley`), the average marginal cost of member i over the n! orders in
  which the members could join, computed exactly by the subset formula::

      phi_i = sum over S in N \\ {i} of |S|! (n - |S| - 1)! / n! * (c(S + i) - c(S))

  (2^(n-1) terms per member, one vectorised sum). It is efficient (sum_i phi_i = c(N)), gives
  equal shares to symmetric members and 0 to a dummy (c(S + i) = c(S) for every S).
* **Core** (:func:`in_core`): the splits x with x(N) = c(N) in which no coalition pays more than
  its own plan would cost, x(S) = sum_{i in S} x_i <= c(S); otherwise S would leave. The core
  can be empty; when it is not, the Shapley value need not lie in it (it does when c is
  submodular, "concave").
* **Nucleolus** (:func:`nucleolus`): with the excess of a coalition e(S, x) = x(S) - c(S) (how
  much more S pays than alone), the efficient split that lexicographically minimises the vector
  of excesses over the proper non-empty coalitions sorted from largest to smallest. It is unique,
  always exists, and lies in the core whenever the core is non-empty (then its largest excess is
  <= 0); its first LP's value is the least-core value. Computed by the sequence of linear
  programs of Maschler, Peleg and Shapley (1979) (also Kohlberg's characterisation): minimise t
  subject to e(S, x) <= t for the free coalitions and x(N) = c(N); fix (e(S, x) = t*) every
  coalition whose constraint is tight in every optimal solution (those with a positive dual,
  by complementary slackness; the duals of the free rows sum to 1, so there is at least one);
  drop from the free set the coalitions whose excess the fixed ones already determine (indicator
  in their linear span); repeat until the fixed coalitions span R^n, which pins x. Each round
  adds at least one independent coalition, so there are at most n - 1 LPs (HiGHS via scipy).
  Over all efficient x this is what Schmeidler calls the prenucleolus; ``imputations=True``
  restricts x to the imputations (x_i <= c({i})), the classical nucleolus; the two coincide
  whenever the core is non-empty.
* **Proportional** (:func:`proportional`): shares of a total proportional to weights (demand, for
  instance), the simple reference a group often starts from.

Exact methods enumerate all 2^n - 1 coalitions, and each c(S) is a solve, so games are limited to
:data:`MAX_MEMBERS` members.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

MAX_MEMBERS = 12
"""The largest game the exact methods accept (2^12 - 1 = 4095 coalitions, each one solve)."""

_SPAN_TOL = 1e-6  # a 0/1 row outside a span of 0/1 rows has a residual far above this
_DUAL_TOL = 1e-9  # duals of the free rows sum to 1: the largest is >= 1 / (number of rows)
_TIGHT_TOL = 1e-7  # slack (in units of the largest cost) under which a row counts as tight


def coalitions(n: int) -> list[frozenset[int]]:
    """Every non-empty coalition of members ``0..n-1``, in the order of bit masks 1 .. 2^n - 1."""
    _check_size(n)
    return [frozenset(i for i in range(n) if mask >> i & 1) for mask in range(1, 1 << n)]


def cost_table(n: int, cost: Mapping[frozenset[int], float]) -> np.ndarray:
    """The game as an array ``c[mask]`` of length 2^n (``c[0] = 0``), checked.

    Raises ValueError when a non-empty coalition is missing, a cost is not finite, the empty
    coalition has a non-zero cost, or a key names a member outside ``0..n-1``.
    """
    _check_size(n)
    for key in cost:
        if any(not isinstance(i, int | np.integer) or not 0 <= i < n for i in key):
            raise ValueError(f"coalition {sorted(key)} names a member outside 0..{n - 1}")
    if cost.get(frozenset(), 0.0) != 0.0:
        raise ValueError("the empty coalition must cost 0")
    table = np.zeros(1 << n)
    for mask, members in enumerate(coalitions(n), start=1):
        if members not in cost:
            raise ValueError(f"the cost of coalition {sorted(members)} is missing")
        value = float(cost[members])
        if not math.isfinite(value):
            raise ValueError(f"the cost of coalition {sorted(members)} is {value}, not finite")
        table[mask] = value
    return table


def standalone_sum(cost: Mapping[frozenset[int], float], n: int) -> float:
    """sum_i c({i}): what the members pay in total when each plans alone."""
    c = cost_table(n, cost)
    return float(sum(c[1 << i] for i in range(n)))


def fragmentation(cost: Mapping[frozenset[int], float], n: int) -> float:
    """The cost of fragmentation sum_i c({i}) - c(N) (>= 0 for a subadditive game)."""
    c = cost_table(n, cost)
    return float(sum(c[1 << i] for i in range(n)) - c[-1])


def shapley(n: int, cost: Mapping[frozenset[int], float]) -> list[float]:
    """The exact Shapley value by the subset formula (see the module docstring)."""
    c = cost_table(n, cost)
    masks = np.arange(1 << n)
    member = _membership(n)
    size = member.sum(axis=1)
    # weight of a coalition S of size s joined by i: s! (n - s - 1)! / n!, for s = 0 .. n-1
    weight = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    )
    out = []
    for i in range(n):
        without = masks[~member[:, i]]
        out.append(float(np.sum(weight[size[without]] * (c[without | 1 << i] - c[without]))))
    return out


def in_core(
    n: int,
    cost: Mapping[frozenset[int], float],
    split: Sequence[float],
    tol: float = 1e-6,
) -> tuple[bool, frozenset[int] | None, float]:
    """Whether ``split`` (member i pays ``split[i]``) lies in the core.

    The split must be efficient, |x(N) - c(N)| <= tol * max(1, |c(N)|), and no proper coalition
    may pay more than alone, x(S) <= c(S) + tol * max(1, |c(S)|) (a relative tolerance: the
    costs come from solves with their own gaps).

    Returns ``(True, None, e)`` with e the largest excess x(S) - c(S) over the proper coalitions
    (<= 0 up to the tolerance: how close the split comes to the core's boundary; 0 when n = 1),
    or ``(False, S, amount)`` with S the most violated coalition (largest violation in units of
    its tolerance scale; the lowest bit mask on ties) and ``amount`` = x(S) - c(S), which for
    S = N is signed (negative when the split does not cover the joint cost).
    """
    c = cost_table(n, cost)
    x = np.asarray(split, dtype=float)
    if x.shape != (n,):
        raise ValueError(f"the split has {x.size} shares for {n} members")
    if not np.all(np.isfinite(x)):
        raise ValueError("the split has a share that is not finite")
    if tol < 0:
        raise ValueError("the tolerance must be >= 0")
    paid = _membership(n).astype(float) @ x
    excess = paid - c
    scale = np.maximum(1.0, np.abs(c))
    violation = excess / scale
    violation[0] = -np.inf  # the empty coalition pays nothing and costs nothing
    violation[-1] = abs(violation[-1])  # efficiency binds both ways
    worst = int(np.argmax(violation))
    if violation[worst] > tol:
        return False, _members(worst, n), float(excess[worst])
    proper = excess[1:-1]
    return True, None, float(proper.max()) if proper.size else 0.0


def nucleolus(
    n: int, cost: Mapping[frozenset[int], float], *, imputations: bool = False
) -> list[float]:
    """The nucleolus of the cost game (see the module docstring for the LP sequence).

    With ``imputations=True`` every member also pays at most its stand-alone cost
    (x_i <= c({i})); that needs c(N) <= sum_i c({i}) (ValueError otherwise). By default x ranges
    over every efficient split (the prenucleolus), which equals the nucleolus whenever the core
    is non-empty. Raises RuntimeError if an LP fails (it should not: every LP is feasible and
    bounded by construction).
    """
    # scipy.optimize is heavy (~0.35 s) and only this function needs it
    from scipy.optimize import linprog

    c = cost_table(n, cost)
    standalone = np.array([c[1 << i] for i in range(n)])
    if imputations and c[-1] > standalone.sum() + 1e-9 * max(1.0, abs(c[-1])):
        raise ValueError(
            "no imputation: the joint cost exceeds the sum of the stand-alone costs"
            f" ({c[-1]:g} > {standalone.sum():g})"
        )
    if n == 1:
        return [float(c[1])]
    # Solve in units of the largest cost so the solver's absolute tolerances mean the same at
    # any scale (costs run from units to billions).
    unit = max(1.0, float(np.abs(c).max()))
    cs = c / unit
    rows = _membership(n)[1:-1].astype(float)  # proper non-empty coalitions, masks 1 .. 2^n - 2
    c_rows = cs[1:-1]
    # The fixed equations x(S) = c(S) + t*, starting with efficiency, and an orthonormal basis of
    # their rows' span (kept independent, so the equality system always has a solution).
    fixed_rows: list[np.ndarray] = [np.ones(n)]
    fixed_rhs: list[float] = [float(cs[-1])]
    basis = np.ones((1, n)) / math.sqrt(n)
    free = np.ones(len(rows), dtype=bool)
    upper = standalone / unit if imputations else np.full(n, np.inf)
    bounds = [(None, None if math.isinf(u) else float(u)) for u in upper] + [(None, None)]
    while len(fixed_rows) < n:
        # a coalition whose indicator lies in the fixed span has its excess already determined
        idx = np.flatnonzero(free)
        residual = rows[idx] - (rows[idx] @ basis.T) @ basis
        free[idx[np.linalg.norm(residual, axis=1) <= _SPAN_TOL]] = False
        idx = np.flatnonzero(free)
        # variables (x_0 .. x_{n-1}, t): minimise t s.t. x(S) - t <= c(S) for free S
        res: Any = linprog(
            np.r_[np.zeros(n), 1.0],
            A_ub=np.hstack([rows[idx], -np.ones((len(idx), 1))]),
            b_ub=c_rows[idx],
            A_eq=np.hstack([np.array(fixed_rows), np.zeros((len(fixed_rows), 1))]),
            b_eq=np.array(fixed_rhs),
            bounds=bounds,
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"nucleolus LP failed: {res.message}")
        t = float(res.x[-1])
        dual = -np.asarray(res.ineqlin.marginals, dtype=float)  # >= 0 for <= rows (minimising)
        slack = np.asarray(res.ineqlin.residual, dtype=float)
        tight = np.flatnonzero((dual > _DUAL_TOL) & (slack <= _TIGHT_TOL))
        if not tight.size:  # numerically odd duals: the largest is still tight at every optimum
            tight = np.array([int(np.argmax(dual))])
        added = 0
        for k in tight[np.argsort(-dual[tight])]:
            row = rows[idx[k]]
            r = row - (basis @ row) @ basis
            norm = float(np.linalg.norm(r))
            if norm > _SPAN_TOL:
                basis = np.vstack([basis, r / norm])
                fixed_rows.append(row)
                fixed_rhs.append(float(c_rows[idx[k]]) + t)
                added += 1
            free[idx[k]] = False
        if not added:  # cannot happen: free rows are outside the span; guards an endless loop
            raise RuntimeError("nucleolus: no independent tight coalition to fix")
    x = np.linalg.solve(np.array(fixed_rows), np.array(fixed_rhs)) * unit
    return [float(v) for v in x]


def proportional(weights: Sequence[float], total: float) -> list[float]:
    """Shares of ``total`` proportional to ``weights`` (e.g. demand); equal when all are 0."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or not w.size:
        raise ValueError("proportional needs at least one weight")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and >= 0")
    if not math.isfinite(total):
        raise ValueError("the total must be finite")
    s = float(w.sum())
    share = w / s if s > 0 else np.full(w.size, 1.0 / w.size)
    return [float(v) for v in share * total]


def _check_size(n: int) -> None:
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"a game needs at least one member (n = {n})")
    if n > MAX_MEMBERS:
        raise ValueError(
            f"{n} members: exact coalition analysis is limited to {MAX_MEMBERS}"
            f" (2^n - 1 coalitions, each one solve)"
        )


def _membership(n: int) -> np.ndarray:
    """Boolean (2^n, n): row ``mask``, column i says whether member i is in that coalition."""
    masks = np.arange(1 << n)
    return (masks[:, None] >> np.arange(n)[None, :] & 1).astype(bool)


def _members(mask: int, n: int) -> frozenset[int]:
    return frozenset(i for i in range(n) if mask >> i & 1)
