"""The cooperative cost game of issue 15 (``trustsource.analysis.coalition.game``), pure math.

Hand cases: the issue's three members with c(S) = 300 + 10|S| (stand-alone 310 each, joint 330,
fragmentation 600, Shapley, core and nucleolus 110 each); a game with an empty core (c = 1 for a
member or a pair, 2 for all three: the pairs' constraints sum to 2 x(N) <= 3 < 4); two members
(the nucleolus shares the saving equally). Property tests on random small games (Hypothesis,
derandomized): the Shapley value against a brute-force average over all n! joining orders, its
dummy, symmetry and efficiency properties; the nucleolus is efficient, lies in the core exactly
when the core is non-empty (checked by its own LP here), beats random efficient perturbations
lexicographically, and moves with the game under scaling and adding an additive cost.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog
from trustsource.analysis.coalition.game import (
    MAX_MEMBERS,
    coalitions,
    cost_table,
    fragmentation,
    in_core,
    nucleolus,
    proportional,
    shapley,
    standalone_sum,
)

Game = dict[frozenset[int], float]
PROPS = settings(max_examples=60, deadline=None, derandomize=True)


def _game(n: int, values: list[int]) -> Game:
    return {s: float(v) for s, v in zip(coalitions(n), values)}


@st.composite
def games(draw: st.DrawFn, min_n: int = 1, max_n: int = 5) -> tuple[int, Game]:
    n = draw(st.integers(min_n, max_n))
    values = draw(st.lists(st.integers(0, 100), min_size=2**n - 1, max_size=2**n - 1))
    return n, _game(n, values)


def _subadditive(n: int, values: list[int]) -> Game:
    """c(S) = min(v(S), min over splits S = A + B of c(A) + c(B)), in order of size."""
    c = cost_table(n, _game(n, values))
    for mask in sorted(range(1, 1 << n), key=lambda m: bin(m).count("1")):
        sub = (mask - 1) & mask
        while sub:
            c[mask] = min(c[mask], c[sub] + c[mask ^ sub])
            sub = (sub - 1) & mask
    return {s: float(c[m]) for m, s in enumerate(coalitions(n), start=1)}


def _brute_shapley(n: int, cost: Game) -> list[float]:
    """The average marginal cost of each member over every joining order."""
    total = [0.0] * n
    orders = list(itertools.permutations(range(n)))
    for order in orders:
        before: frozenset[int] = frozenset()
        for i in order:
            after = before | {i}
            total[i] += cost[after] - cost.get(before, 0.0)
            before = after
    return [t / len(orders) for t in total]


def _core_nonempty(n: int, cost: Game) -> bool:
    rows = [[1.0 if i in s else 0.0 for i in range(n)] for s in coalitions(n)]
    full = frozenset(range(n))
    res = linprog(
        np.zeros(n),
        A_ub=np.array(rows[:-1]) if n > 1 else None,
        b_ub=np.array([cost[s] for s in coalitions(n)][:-1]) if n > 1 else None,
        A_eq=np.ones((1, n)),
        b_eq=[cost[full]],
        bounds=[(None, None)] * n,
        method="highs",
    )
    return bool(res.status == 0)


def _sorted_excesses(n: int, cost: Game, x: list[float] | np.ndarray) -> np.ndarray:
    e = [sum(x[i] for i in s) - cost[s] for s in coalitions(n)[:-1]]
    return np.sort(np.array(e))[::-1]


# -- the hand case --------------------------------------------------------------------


def test_hand_case_three_members_one_fixed_cost():
    cost = {s: 300.0 + 10 * len(s) for s in coalitions(3)}
    assert [cost[frozenset({i})] for i in range(3)] == [310.0] * 3
    assert cost[frozenset(range(3))] == 330.0
    assert standalone_sum(cost, 3) == 930.0
    assert fragmentation(cost, 3) == 600.0
    phi = shapley(3, cost)
    assert phi == pytest.approx([110.0] * 3)
    ok, worst, excess = in_core(3, cost, phi)
    assert ok
    assert worst is None
    assert excess == pytest.approx(-100.0)  # a pair pays 220 against 320 alone
    assert nucleolus(3, cost) == pytest.approx([110.0] * 3)
    assert nucleolus(3, cost, imputations=True) == pytest.approx([110.0] * 3)
    assert proportional([10, 10, 10], 330.0) == pytest.approx([110.0] * 3)


# -- Shapley ----------------------------------------------------------------------------------


@PROPS
@given(games())
def test_shapley_matches_brute_force_over_all_orders(game: tuple[int, Game]):
    n, cost = game
    phi = shapley(n, cost)
    assert phi == pytest.approx(_brute_shapley(n, cost), abs=1e-9)
    assert sum(phi) == pytest.approx(cost[frozenset(range(n))], abs=1e-9)


@PROPS
@given(games(max_n=4))
def test_shapley_gives_a_dummy_nothing_and_leaves_the_others_alone(game: tuple[int, Game]):
    n, cost = game  # add member n, whose joining never changes the cost
    extended = {s: (cost[s - {n}] if s - {n} else 0.0) for s in coalitions(n + 1)}
    phi = shapley(n + 1, extended)
    assert phi[n] == pytest.approx(0.0, abs=1e-9)
    assert phi[:n] == pytest.approx(shapley(n, cost), abs=1e-9)


@PROPS
@given(games(min_n=2), st.data())
def test_shapley_gives_symmetric_members_equal_shares(game: tuple[int, Game], data: st.DataObject):
    n, cost = game
    i, j = data.draw(st.sampled_from(list(itertools.combinations(range(n), 2))))

    def swap(s: frozenset[int]) -> frozenset[int]:
        return frozenset(j if k == i else i if k == j else k for k in s)

    sym = {s: (cost[s] + cost[swap(s)]) / 2 for s in coalitions(n)}
    phi = shapley(n, sym)
    assert phi[i] == pytest.approx(phi[j], abs=1e-9)
    assert sum(phi) == pytest.approx(sym[frozenset(range(n))], abs=1e-9)


def test_shapley_zero_demand_member_in_the_hand_case_pays_nothing():
    # the second check: a member with zero demand adds no cost to any coalition
    cost = {s: (300.0 + 10 * len(s - {3}) if s - {3} else 0.0) for s in coalitions(4)}
    phi = shapley(4, cost)
    assert phi == pytest.approx([110.0, 110.0, 110.0, 0.0])


# -- core -------------------------------------------------------------------------------------

EMPTY_CORE = {s: (2.0 if len(s) == 3 else 1.0) for s in coalitions(3)}


def test_empty_core_game_reports_the_violated_coalition():
    # core: x_i <= 1, x_i + x_j <= 1, x(N) = 2; adding the three pair rows gives 2 x(N) <= 3
    assert not _core_nonempty(3, EMPTY_CORE)
    phi = shapley(3, EMPTY_CORE)
    assert phi == pytest.approx([2 / 3] * 3)
    ok, worst, excess = in_core(3, EMPTY_CORE, phi)
    assert not ok
    assert worst == frozenset({0, 1})  # every pair pays 4/3 against 1; lowest mask first
    assert excess == pytest.approx(1 / 3)
    # the nucleolus is symmetric, so 2/3 each, with the same largest excess (the least core)
    x = nucleolus(3, EMPTY_CORE)
    assert x == pytest.approx([2 / 3] * 3)
    assert in_core(3, EMPTY_CORE, x)[0] is False
    assert nucleolus(3, EMPTY_CORE, imputations=True) == pytest.approx([2 / 3] * 3)


def test_in_core_checks_efficiency_both_ways():
    cost = {s: 300.0 + 10 * len(s) for s in coalitions(3)}
    ok, worst, amount = in_core(3, cost, [100.0, 100.0, 100.0])
    assert (ok, worst) == (False, frozenset(range(3)))
    assert amount == pytest.approx(-30.0)
    ok, worst, amount = in_core(3, cost, [120.0, 110.0, 110.0])
    assert (ok, worst) == (False, frozenset(range(3)))
    assert amount == pytest.approx(10.0)
    # a member charged more than alone
    ok, worst, amount = in_core(3, cost, [320.0, 5.0, 5.0])
    assert (ok, worst, amount) == (False, frozenset({0}), pytest.approx(10.0))
    # within the relative tolerance
    assert in_core(3, cost, [110.0, 110.0, 110.0 + 1e-5], tol=1e-6)[0]
    assert not in_core(3, cost, [110.0, 110.0, 110.0 + 1e-3], tol=1e-6)[0]


def test_in_core_rejects_a_split_of_the_wrong_length():
    cost = {s: 1.0 for s in coalitions(2)}
    with pytest.raises(ValueError, match="2 members"):
        in_core(2, cost, [1.0])


# -- nucleolus --------------------------------------------------------------------------------


@PROPS
@given(st.integers(0, 100), st.integers(0, 100), st.integers(0, 200))
def test_nucleolus_of_two_members_shares_the_saving_equally(a: int, b: int, ab: int):
    cost = {frozenset({0}): float(a), frozenset({1}): float(b), frozenset({0, 1}): float(ab)}
    saving = (a + b - ab) / 2
    assert nucleolus(2, cost) == pytest.approx([a - saving, b - saving], abs=1e-9)


def test_nucleolus_of_one_member_is_its_cost():
    assert nucleolus(1, {frozenset({0}): 7.5}) == [7.5]


@PROPS
@given(
    st.integers(2, 5).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.integers(0, 100), min_size=2**n - 1, max_size=2**n - 1)
        )
    )
)
def test_nucleolus_lies_in_the_core_exactly_when_it_is_non_empty(drawn: tuple[int, list[int]]):
    n, values = drawn
    cost = _subadditive(n, values)
    x = nucleolus(n, cost)
    assert sum(x) == pytest.approx(cost[frozenset(range(n))], abs=1e-7)
    assert in_core(n, cost, x)[0] == _core_nonempty(n, cost)
    if _core_nonempty(n, cost):  # the prenucleolus is then the nucleolus
        assert nucleolus(n, cost, imputations=True) == pytest.approx(x, abs=1e-7)


@PROPS
@given(
    st.integers(2, 5).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.integers(0, 50), min_size=n, max_size=n),
            st.lists(st.integers(0, 50), min_size=2**n - 2, max_size=2**n - 2),
        )
    )
)
def test_nucleolus_lies_in_a_core_built_around_a_split(drawn: tuple[int, list[int], list[int]]):
    # c(S) = y(S) + slack(S) with slack >= 0 and c(N) = y(N): y is in the core by construction
    n, y, slack = drawn
    cost = {s: float(sum(y[i] for i in s)) for s in coalitions(n)}
    for s, extra in zip(coalitions(n)[:-1], slack):
        cost[s] += extra
    x = nucleolus(n, cost)
    ok, _, largest = in_core(n, cost, x)
    assert ok
    assert largest <= 1e-7


@PROPS
@given(games(min_n=2, max_n=5), st.data())
def test_nucleolus_beats_efficient_perturbations_lexicographically(
    game: tuple[int, Game], data: st.DataObject
):
    n, cost = game
    x = np.array(nucleolus(n, cost))
    mine = _sorted_excesses(n, cost, x)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    for step in (1e-3, 1e-1, 1.0, 10.0):
        d = rng.normal(size=n)
        d -= d.mean()  # stay efficient
        theirs = _sorted_excesses(n, cost, x + step * d / np.linalg.norm(d))
        differ = np.flatnonzero(np.abs(mine - theirs) > 1e-7)
        if differ.size:  # the first difference favours the nucleolus
            assert mine[differ[0]] < theirs[differ[0]]


@PROPS
@given(games(min_n=2, max_n=4), st.lists(st.integers(-50, 50), min_size=4, max_size=4))
def test_nucleolus_is_covariant_under_scaling_and_additive_costs(
    game: tuple[int, Game], a: list[int]
):
    n, cost = game
    x = np.array(nucleolus(n, cost))
    scaled = {s: 1e9 * v for s, v in cost.items()}
    assert np.array(nucleolus(n, scaled)) == pytest.approx(1e9 * x, rel=1e-6, abs=1e-6 * 1e9)
    shifted = {s: v + sum(a[i] for i in s) for s, v in cost.items()}
    assert np.array(nucleolus(n, shifted)) == pytest.approx(x + np.array(a[:n]), abs=1e-6)


def test_nucleolus_restricted_to_imputations_needs_one():
    cost = {frozenset({0}): 1.0, frozenset({1}): 1.0, frozenset({0, 1}): 3.0}
    assert nucleolus(2, cost) == pytest.approx([1.5, 1.5])  # the prenucleolus exists regardless
    with pytest.raises(ValueError, match="no imputation"):
        nucleolus(2, cost, imputations=True)


def test_nucleolus_of_a_textbook_game():
    # c({i}) = 6, 7, 8; c({0,1}) = 10, c({0,2}) = 11, c({1,2}) = 12; c(N) = 14. The excess of
    # the pair without k is 14 - x_k - c(N - k); the three sum to 2*14 - 33 = -5, so the largest
    # is >= -5/3, with equality only when all three are equal: x_k = 14 + 5/3 - c(N - k), i.e.
    # x = (11/3, 14/3, 17/3). The singletons' excesses are then all -7/3 < -5/3: unique.
    cost = {
        frozenset({0}): 6.0,
        frozenset({1}): 7.0,
        frozenset({2}): 8.0,
        frozenset({0, 1}): 10.0,
        frozenset({0, 2}): 11.0,
        frozenset({1, 2}): 12.0,
        frozenset({0, 1, 2}): 14.0,
    }
    x = nucleolus(3, cost)
    assert x == pytest.approx([11 / 3, 14 / 3, 17 / 3])
    assert in_core(3, cost, x)[0]


# -- simple splits and input checks -----------------------------------------------------------


def test_proportional_split():
    assert proportional([20000, 15000, 5000], 400.0) == pytest.approx([200.0, 150.0, 50.0])
    assert proportional([0, 0, 0, 0], 100.0) == pytest.approx([25.0] * 4)
    assert proportional([0, 3], 9.0) == pytest.approx([0.0, 9.0])
    with pytest.raises(ValueError, match=">= 0"):
        proportional([1, -1], 9.0)
    with pytest.raises(ValueError, match="at least one"):
        proportional([], 9.0)


def test_more_than_twelve_members_are_refused():
    assert MAX_MEMBERS == 12
    with pytest.raises(ValueError, match="limited to 12"):
        shapley(13, {})
    with pytest.raises(ValueError, match="limited to 12"):
        nucleolus(13, {})
    with pytest.raises(ValueError, match="at least one member"):
        shapley(0, {})


def test_twelve_members_work():
    n = 12
    cost = {s: 300.0 + 10 * len(s) for s in coalitions(n)}
    assert shapley(n, cost) == pytest.approx([300.0 / n + 10.0] * n)
    assert nucleolus(n, cost) == pytest.approx([300.0 / n + 10.0] * n)


def test_cost_table_checks_the_game():
    cost = {s: 1.0 for s in coalitions(3)}
    assert cost_table(3, cost).tolist() == [0.0] + [1.0] * 7
    missing = dict(cost)
    del missing[frozenset({0, 2})]
    with pytest.raises(ValueError, match=r"\[0, 2\] is missing"):
        shapley(3, missing)
    with pytest.raises(ValueError, match="outside"):
        shapley(3, {**cost, frozenset({3}): 1.0})
    with pytest.raises(ValueError, match="empty coalition"):
        shapley(3, {**cost, frozenset(): 1.0})
    with pytest.raises(ValueError, match="not finite"):
        shapley(3, {**cost, frozenset({1}): math.nan})
