"""Parameter sweep and the run_many runner: serial, local processes and Dask agree."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import trustsource
from click.testing import CliRunner
from trustsource.analysis.runner import run_many
from trustsource.analysis.sweep import sweep, sweep_values
from trustsource.errors import InstanceError

sys.path.insert(0, str(Path(__file__).parent))
from catalogue_base import three  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MINERALS = ROOT / "instances" / "critical-minerals.yaml"
CAP = [{"name": "cap", "kind": "country_cap", "max_share": 0.5}]


def _inst() -> trustsource.Instance:
    return trustsource.Instance.from_dict(three(CAP))


def _stable(df: pd.DataFrame) -> pd.DataFrame:
    """The table without wall times (which differ run to run)."""
    return df.drop(columns=["solve_seconds"]).reset_index(drop=True)


def square_or_fail(x: int) -> int:
    """A task for run_many: 3 raises, -1 kills its worker process."""
    if x == 3:
        raise RuntimeError("three is bad")
    if x == -1:
        os._exit(13)
    if x == 99:
        time.sleep(30)  # outlives any timeout the tests set
    return x * x


@pytest.fixture(scope="module")
def serial() -> Any:
    return sweep(_inst(), rule="cap", param="max_share", start=0.5, stop=0.3, step=0.05, workers=1)


def test_values_inclusive_and_rounded() -> None:
    assert sweep_values(0.5, 0.3, 0.05) == [0.5, 0.45, 0.4, 0.35, 0.3]
    assert sweep_values(0.3, 0.5, -0.05) == [0.3, 0.35, 0.4, 0.45, 0.5]
    assert len(sweep_values(0.99, 0.5, 0.01)) == 50
    with pytest.raises(ValueError, match="step"):
        sweep_values(0, 1, 0)


def test_points_equal_plain_solves(serial: Any) -> None:
    t = serial.table.set_index("value")
    assert t.loc[0.5, "cost"] == pytest.approx(9500)
    assert t.loc[0.4, "cost"] == pytest.approx(10400)
    assert t.loc[0.3, "status"] == "infeasible"
    assert serial.breaking_point == pytest.approx(0.3)
    for value, row in t.iterrows():
        doc = three([{**CAP[0], "max_share": value}])
        plan = trustsource.solve(trustsource.Instance.from_dict(doc))
        assert row["status"] == plan.status.value
        if plan.objective is not None:
            assert row["cost"] == pytest.approx(plan.objective)
            assert row["max_hhi"] == pytest.approx(plan.items["hhi"].max())
            assert row["binding"] == "cap"


def test_local_workers_equal_serial(serial: Any) -> None:
    par = sweep(_inst(), rule="cap", param="max_share", start=0.5, stop=0.3, step=0.05, workers=2)
    pd.testing.assert_frame_equal(_stable(par.table), _stable(serial.table))
    assert par.breaking_point == serial.breaking_point


def test_dask_local_cluster_equals_serial(serial: Any) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        res = sweep(
            _inst(),
            rule="cap",
            param="max_share",
            start=0.5,
            stop=0.3,
            step=0.05,
            scheduler=cluster.scheduler_address,
        )
        out = run_many(square_or_fail, [1, 3, 2], scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(_stable(res.table), _stable(serial.table))
    assert [o.ok for o in out] == [True, False, True]
    assert "three is bad" in out[1].error
    assert out[2].value == 4


@pytest.mark.parametrize("workers", [1, 2])
def test_failing_task_reported_others_complete(workers: int) -> None:
    seen: list[tuple[int, int]] = []
    out = run_many(
        square_or_fail, [1, 2, 3, 4], workers=workers, progress=lambda d, t: seen.append((d, t))
    )
    assert [o.index for o in out] == [0, 1, 2, 3]
    assert [o.value for o in out] == [1, 4, None, 16]
    assert not out[2].ok
    assert "RuntimeError: three is bad" in out[2].error
    assert seen[-1] == (4, 4)
    assert len(seen) == 4


def test_dead_worker_reported_others_complete() -> None:
    out = run_many(square_or_fail, [1, -1, 2, 5], workers=2)
    assert [o.ok for o in out] == [True, False, True, True]
    assert "died" in out[1].error
    assert [o.value for o in out if o.ok] == [1, 4, 25]


def test_timed_out_task_reported_others_complete() -> None:
    started = time.perf_counter()
    out = run_many(square_or_fail, [1, 99, 2], workers=2, timeout=3.0)
    assert [o.ok for o in out] == [True, False, True]
    assert "time" in out[1].error.lower()
    assert [o.value for o in out if o.ok] == [1, 4]
    assert time.perf_counter() - started < 25  # the sleeper was stopped, not waited for


def test_chart_and_files(serial: Any, tmp_path: Path) -> None:
    paths = serial.write(tmp_path)
    for name in ("sweep.csv", "sweep.json", "sweep.xlsx", "sweep.png", "sweep.svg"):
        assert (tmp_path / name).stat().st_size > 0
    assert len(paths) == 5
    doc = json.loads((tmp_path / "sweep.json").read_text())
    assert doc["breaking_point"] == pytest.approx(0.3)
    assert len(doc["points"]) == 5


def test_validation() -> None:
    inst = _inst()
    with pytest.raises(InstanceError, match="no rule named"):
        sweep(inst, rule="nope", param="max_share", start=0.5, stop=0.4, step=0.1, workers=1)
    with pytest.raises(InstanceError, match="no numeric key"):
        sweep(inst, rule="cap", param="countries", start=0.5, stop=0.4, step=0.1, workers=1)
    with pytest.raises(InstanceError, match="needs --rule"):
        sweep(inst, param="max_share", start=0.5, stop=0.4, step=0.1, workers=1)
    with pytest.raises(InstanceError, match="not valid"):
        sweep(inst, rule="cap", param="max_share", start=1.0, stop=1.5, step=0.5, workers=1)


def test_demand_scale() -> None:
    res = sweep(_inst(), param="demand_scale", start=1.0, stop=1.5, step=0.25, workers=1)
    assert res.table["cost"].iloc[0] == pytest.approx(9500)
    assert res.table["status"].iloc[-1] == "infeasible"  # 3000 > 2600 units of capacity
    assert res.breaking_point is not None


def test_bundled_instance_cli(tmp_path: Path) -> None:
    from trustsource.cli.sweep_cmd import sweep_command

    r = CliRunner().invoke(
        sweep_command,
        [
            str(MINERALS),
            "--rule",
            "crma-65",
            "--param",
            "max_share",
            "--from",
            "0.65",
            "--to",
            "0.45",
            "--step",
            "0.1",
            "--workers",
            "1",
            "--format",
            "json",
            "--out",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert [p["value"] for p in doc["points"]] == [0.65, 0.55, 0.45]
    costs = [p["cost"] for p in doc["points"]]
    assert costs == sorted(costs)  # tighter caps never cost less
    assert all(p["top_share"] <= p["value"] + 1e-6 for p in doc["points"])
    assert (tmp_path / "sweep.png").stat().st_size > 0
    bad = CliRunner().invoke(
        sweep_command,
        [
            str(MINERALS),
            "--rule",
            "crma-65",
            "--param",
            "max_share",
            "--from",
            "0.6",
            "--to",
            "0.5",
            "--step",
            "0",
        ],
    )
    assert bad.exit_code == 2
