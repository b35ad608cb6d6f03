"""The bundled ``ai-stack`` instance: it validates, solves to proven optimality, and each variant
and scenario behaves as docs/instances/ai-stack.md says. Through the console script (stdout
parsed as JSON) and the Python API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustsource

INSTANCE = Path(__file__).resolve().parents[1] / "instances" / "ai-stack.yaml"


def cli(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "trustsource", *args, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return dict(json.loads(done.stdout))


@pytest.fixture(scope="module")
def inst() -> trustsource.Instance:
    return trustsource.load(INSTANCE)


def test_validates_with_sources(inst: trustsource.Instance) -> None:
    assert len(inst.items) == 18
    assert inst.entities
    assert all(s.source for s in inst.suppliers)
    assert set(inst.variants) == {
        "unconstrained",
        "pax-silica",
        "pax-silica-plus-nl",
        "no-concern-owners",
        "exit-country",
    }
    assert set(inst.scenarios) == {"taiwan-blockade", "cn-export-ban"}


def test_solves_to_proven_optimality() -> None:
    plan = cli("solve", str(INSTANCE), "--mip-gap", "0")
    assert plan["status"] == "optimal"
    assert plan["mip_gap"] == 0
    shares = {(a["item"], a["country"]): a["share"] for a in plan["allocations"]}
    # The Taiwan cap binds on leading-edge wafers; EUV comes from the Netherlands alone.
    assert sum(v for (i, c), v in shares.items() if i == "logic-wafers" and c == "TW") == (
        pytest.approx(0.7)
    )
    assert shares[("euv-lithography", "NL")] == pytest.approx(1.0)


def test_pax_silica_is_infeasible_at_euv_lithography() -> None:
    diag = cli("diagnose", str(INSTANCE), "--variant", "pax-silica")
    assert diag["status"] == "infeasible"
    text = json.dumps(diag)
    assert "euv-lithography" in text
    assert "pax_silica" in text


def test_variants_cost_what_the_page_says(inst: trustsource.Instance) -> None:
    base = trustsource.solve(inst, mip_rel_gap=0).objective
    assert base is not None
    cost = {
        v: trustsource.solve(inst.variant(v), mip_rel_gap=0).objective
        for v in ("unconstrained", "pax-silica-plus-nl", "no-concern-owners", "exit-country")
    }
    assert cost["unconstrained"] == pytest.approx(base - 217_285_000)
    assert cost["pax-silica-plus-nl"] > base
    assert cost["no-concern-owners"] == pytest.approx(base + 263_673_500)
    assert cost["exit-country"] == pytest.approx(base)


def test_no_concern_owners_bans_by_holdings(inst: trustsource.Instance) -> None:
    # STATS ChipPAC (KR, SG: JCET) and the Penang house (MY, 30 % state fund) are out although
    # none of them is located in a country of concern.
    strict = inst.variant("no-concern-owners")
    plan = trustsource.solve(strict, mip_rel_gap=0)
    used = set(plan.allocations["supplier"])
    assert not used & {"stats-kr", "stats-sg", "penang-pkg-my"}
    owners = strict.owners_frame().set_index("supplier")
    assert "state-fund 30 % <- CN 100 % = 30 %" in owners.loc["penang-pkg-my", "counts_for"]
    base = trustsource.solve(inst, mip_rel_gap=0)
    assert {"stats-kr", "penang-pkg-my"} <= set(base.allocations["supplier"])


def test_scenarios_run_through_stress() -> None:
    result = cli("stress", str(INSTANCE), "--scenarios")
    rows = {r["scenario"]: r for r in result["summary"]}
    assert set(rows) == {"taiwan-blockade", "cn-export-ban"}
    # A blockade of Taiwan leaves 44 % of the accelerators unbuilt (every other source in use).
    assert rows["taiwan-blockade"]["single_point_of_failure"] is True
    assert rows["taiwan-blockade"]["worst_shortfall_share"] == pytest.approx(0.441, abs=1e-3)
    assert rows["cn-export-ban"]["single_point_of_failure"] is False
    assert result["single_points_of_failure"] == ["taiwan-blockade"]
