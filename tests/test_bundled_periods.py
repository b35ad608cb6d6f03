"""The bundled periodic instances (critical-minerals-2030, chips-2030): they load with their
sources, solve to proven optimality well within a minute, keep every cap on their path (the
final one in the last period), and tell the glide-path story: the final cap cannot hold in the
first period and can from 2028."""

from __future__ import annotations

import importlib.resources
import time

import pandas as pd
import pytest
import trustsource
from trustsource import Status
from trustsource.blocs import builtin_blocs

TOL = 1e-6

# name -> (periods, the capped rule, its final max_share, the countries it caps (None: all
# but the excepted), the countries it excepts)
CASES: dict[str, tuple[tuple[int, ...], str, float, frozenset[str] | None, frozenset[str]]] = {
    "critical-minerals-2030": (
        (2026, 2027, 2028, 2030),
        "crma-65",
        0.65,
        None,
        frozenset(builtin_blocs()["eu"]),
    ),
    "chips-2030": ((2026, 2028, 2030), "tw-cn-cap", 0.5, frozenset({"TW", "CN"}), frozenset()),
}


def _load(name: str) -> trustsource.Instance:
    ref = importlib.resources.files("trustsource.instances") / f"{name}.yaml"
    with importlib.resources.as_file(ref) as path:
        return trustsource.load(path)


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[str, trustsource.Instance]:
    return request.param, _load(request.param)


@pytest.fixture(scope="module")
def solved(case: tuple[str, trustsource.Instance]) -> tuple[str, trustsource.Plan, float]:
    name, inst = case
    start = time.perf_counter()
    plan = trustsource.solve(inst, time_limit=60)
    return name, plan, time.perf_counter() - start


def _shares(allocations: pd.DataFrame) -> pd.DataFrame:
    """Per period, item and country (by location): the share of the item's supply."""
    qty = allocations.groupby(["period", "item", "country"])["quantity"].sum()
    total = allocations.groupby(["period", "item"])["quantity"].sum()
    return (qty / total).rename("share").reset_index()


def test_loads_periodic_with_sources(case: tuple[str, trustsource.Instance]) -> None:
    name, inst = case
    years, rule, *_ = CASES[name]
    assert inst.findings == []
    assert inst.warnings == []
    assert inst.periods == years
    assert inst.description
    assert len(inst.sources) >= 5
    assert any(r.name == rule for r in inst.rules)
    for sup in inst.suppliers:
        assert sup.source, f"{sup.id} has no source"
        assert "[" in sup.source or "illustrative" in sup.source, f"{sup.id}: no tag"
    assert any(s.build is not None for s in inst.suppliers), "no build option"


def test_solves_to_optimal_within_a_minute(solved: tuple[str, trustsource.Plan, float]) -> None:
    name, plan, seconds = solved
    assert plan.status is Status.OPTIMAL, (name, plan.status)
    assert seconds < 60, f"{name}: {seconds:.1f} s"
    assert "period" in plan.allocations.columns
    assert sorted(plan.allocations["period"].unique()) == list(CASES[name][0])
    items = plan.items
    assert (items["shortfall"].abs() < TOL).all()


def test_cap_holds_on_its_path_and_at_the_end(
    case: tuple[str, trustsource.Instance], solved: tuple[str, trustsource.Plan, float]
) -> None:
    name, inst = case
    years, rule, final, capped, excepted = CASES[name]
    shares = _shares(solved[1].allocations)
    for year in years:
        limit = next(r for r in inst.at(year).rules if r.name == rule).max_share
        if year == years[-1]:
            assert limit == pytest.approx(final)
        rows = shares[(shares["period"] == year) & ~shares["country"].isin(excepted)]
        if capped is not None:
            rows = rows[rows["country"].isin(capped)]
        worst = rows.sort_values("share").tail(1)
        assert float(worst["share"].iloc[0]) <= limit + TOL, (name, year, worst.to_dict("records"))


def test_final_cap_holds_from_2028_not_from_the_first_period(
    case: tuple[str, trustsource.Instance],
) -> None:
    name, inst = case
    years, rule, final, *_ = CASES[name]
    result = trustsource.glide(inst, rule, workers=1, time_limit=60, explain_blocked=False)
    assert result.target == pytest.approx(final)
    assert result.earliest == 2028
    table = result.table.set_index("deadline")
    assert table.loc[years[0], "status"] == "infeasible"
    # holding the final cap two years early costs more than the glide path's last step
    assert table.loc[2028, "objective"] > table.loc[years[-1], "objective"]
