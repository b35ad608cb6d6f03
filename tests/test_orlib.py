"""OR-Library capacitated warehouse location: trustsource reproduces the published optima.

Multi-source (``optimal.csv``) and single-source (``max_suppliers`` count 1,
``optimal_single_source.csv``; cap4x, cap51, cap8x and cap11x have no single-source solution).

The converter lives in ``benchmarks/orlib.py`` (one copy, also the benchmark script) and is
imported from the repository checkout. The fast subset reads the OR-Library files bundled in
``tests/data/orlib/`` (present in every clone); if ``TRUSTSOURCE_ORLIB_DIR`` is set, that folder
is used instead. The ``slow`` tests run all 37 small instances, multi- and single-source, from the
full data set (``TRUSTSOURCE_ORLIB_DIR``, default ``<repo>/../shared/benchmarks/orlib-cap``) and
skip when it is absent; deselect them with ``-m "not slow"``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import trustsource

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import orlib  # noqa: E402  (benchmarks/orlib.py, found through the path above)

BUNDLED = TESTS / "data" / "orlib"
FULL = Path(
    os.environ.get("TRUSTSOURCE_ORLIB_DIR") or REPO.parent / "shared" / "benchmarks" / "orlib-cap"
)
FAST = ["cap41", "cap71", "cap101", "cap131"]
"""Warehouses x customers 16x50 (cap41, cap71), 25x50 (cap101), 50x50 (cap131); < 1 s each."""
FAST_SINGLE_SOURCE = ["cap71", "cap101", "cap131"]
"""Single-source subset (same bundled files); 0.2-0.5 s each."""
INFEASIBLE_SINGLE_SOURCE = "cap41"
"""Customer demand 12912 exceeds every warehouse's capacity (5000): no single-source plan."""


def fast_dir() -> Path:
    """The explicit folder if the environment names one, else the bundled copy."""
    env = os.environ.get("TRUSTSOURCE_ORLIB_DIR")
    return Path(env) if env else BUNDLED


@pytest.fixture(scope="module")
def optima() -> dict[str, float]:
    return orlib.published_optima(fast_dir() / "optimal.csv")


@pytest.fixture(scope="module")
def optima_single_source() -> dict[str, float]:
    return orlib.published_optima(fast_dir() / "optimal_single_source.csv")


def solve_named(
    name: str, directory: Path, single_source: bool = False
) -> tuple[trustsource.Instance, object]:
    doc = orlib.to_instance_doc(orlib.load_named(name, directory), single_source=single_source)
    inst = trustsource.Instance.from_dict(doc)
    return inst, trustsource.solve(inst, mip_rel_gap=0.0, time_limit=60)


# --- the converter (no solver needed) ---------------------------------------------------------


def test_reader_parses_tokens_and_sizes() -> None:
    data = orlib.read_orlib(BUNDLED / "cap41.txt")
    assert (data["name"], data["m"], data["n"]) == ("cap41", 16, 50)
    assert data["capacity"].shape == data["fixed_cost"].shape == (16,)
    assert data["cost"].shape == (16, 50)
    # First lines of cap41.txt: "5000 7500.", customer 1 "146" then "6739.72500 10355.05000 ..."
    assert data["capacity"][0] == 5000
    assert data["fixed_cost"][0] == 7500
    assert data["fixed_cost"][10] == 0  # warehouse 11 is free to open ("5000 0.")
    assert data["demand"][0] == 146
    assert data["cost"][:2, 0].tolist() == [6739.725, 10355.05]


def test_reader_number_forms_and_capacity_literal(tmp_path: Path) -> None:
    # 2 warehouses, 1 customer; numbers as "7500.", ".00000", the literal 'capacity'.
    f = tmp_path / "capz.txt"
    f.write_text(" 2 1 \n capacity 7500. \n capacity .00000 \n 4 \n 10. .50000 \n")
    with pytest.raises(ValueError, match="capacity="):
        orlib.read_orlib(f)
    data = orlib.read_orlib(f, capacity=8000)
    assert data["name"] == "capz_8000"
    assert data["capacity"].tolist() == [8000, 8000]
    assert data["fixed_cost"].tolist() == [7500, 0]
    assert data["cost"].tolist() == [[10.0], [0.5]]


def test_reader_rejects_wrong_token_count(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("2 1\n10 1\n10 1\n4\n1\n")  # one cost missing
    with pytest.raises(ValueError, match="expected 9 tokens"):
        orlib.read_orlib(f)


def test_variant_names() -> None:
    assert orlib.split_name("capa_8000") == ("capa", 8000.0)
    assert orlib.split_name("cap131") == ("cap131", None)


def test_conversion_to_instance() -> None:
    data = orlib.read_orlib(BUNDLED / "cap41.txt")
    doc = orlib.to_instance_doc(data)
    inst = trustsource.Instance.from_dict(doc)
    assert (len(inst.sites), len(inst.items), len(inst.suppliers)) == (16, 50, 800)
    assert inst.findings == []
    site = inst.sites[0]
    assert (site.id, site.country, site.capacity, site.fixed_cost) == ("w1", "ZZ", 5000, 7500)
    offer = {s.id: s for s in inst.suppliers}["o2_1"]  # warehouse 2, customer 1
    assert (offer.item, offer.site, offer.capacity) == ("c1", "w2", None)
    assert offer.unit_cost == pytest.approx(10355.05 / 146, rel=1e-15)
    assert inst.rules == ()


def test_single_source_option_adds_rule() -> None:
    doc = orlib.to_instance_doc(orlib.read_orlib(BUNDLED / "cap41.txt"), single_source=True)
    assert doc["rules"] == [{"kind": "max_suppliers", "name": "single_source", "count": 1}]


def test_published_optima(optima: dict[str, float]) -> None:
    assert optima["cap41"] == 1040444.375
    assert optima["capa_8000"] == 19240822.449
    assert set(FAST) <= set(optima)


def test_published_single_source_optima(optima_single_source: dict[str, float]) -> None:
    assert optima_single_source["cap61"] == 932615.75
    assert optima_single_source["capc_7250"] == 11505861.86
    assert set(FAST_SINGLE_SOURCE) <= set(optima_single_source)
    # Infeasible single source: listed nowhere in the file.
    assert not any(k.startswith(("cap4", "cap5", "cap8", "cap11")) for k in optima_single_source)


def test_bundled_files_match_full_set() -> None:
    if not FULL.is_dir():
        pytest.skip(f"full OR-Library set not found at {FULL}")
    for name in [*FAST, *FAST_SINGLE_SOURCE, "optimal.csv", "optimal_single_source.csv"]:
        path = FULL / (name if name.endswith(".csv") else f"{name}.txt")
        assert (BUNDLED / path.name).read_bytes() == path.read_bytes(), name


# --- solving ----------------------------------------------------------------------------------


def check(name: str, directory: Path, published: float, single_source: bool = False) -> None:
    inst, plan = solve_named(name, directory, single_source)
    assert plan.status == "optimal", (name, plan.status)
    assert plan.objective == pytest.approx(published, rel=orlib.REL_TOL), name
    assert plan.mip_gap == pytest.approx(0.0, abs=1e-6), name


@pytest.mark.parametrize("name", FAST)
def test_published_optimum(name: str, optima: dict[str, float]) -> None:
    check(name, fast_dir(), optima[name])


@pytest.mark.parametrize("name", FAST_SINGLE_SOURCE)
def test_published_single_source_optimum(name: str, optima_single_source: dict[str, float]) -> None:
    check(name, fast_dir(), optima_single_source[name], single_source=True)


def test_single_source_infeasible() -> None:
    inst, plan = solve_named(INFEASIBLE_SINGLE_SOURCE, fast_dir(), single_source=True)
    assert plan.status == "infeasible", plan.status
    assert plan.objective is None


@pytest.mark.slow
@pytest.mark.parametrize("name", orlib.SMALL)
def test_published_optimum_full_small_set(name: str) -> None:
    if not (FULL / f"{name}.txt").is_file():
        pytest.skip(f"full OR-Library set not found at {FULL}")
    check(name, FULL, orlib.published_optima(FULL / "optimal.csv")[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", orlib.SMALL)
def test_single_source_full_small_set(name: str) -> None:
    """The 24 feasible single-source optima; the other 13 small instances are infeasible."""
    if not (FULL / f"{name}.txt").is_file():
        pytest.skip(f"full OR-Library set not found at {FULL}")
    optima = orlib.published_optima(FULL / "optimal_single_source.csv")
    if name in optima:
        check(name, FULL, optima[name], single_source=True)
    else:
        _, plan = solve_named(name, FULL, single_source=True)
        assert plan.status == "infeasible", (name, plan.status)
