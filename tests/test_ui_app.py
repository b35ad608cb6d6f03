"""The workbench without a browser: Streamlit's AppTest runs the script in-process, and the
logic (uploads, rule edits, the cache) is tested as plain functions.

Skipped (with the reason) when Streamlit is missing, unless ``TRUSTSOURCE_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

try:
    import streamlit  # noqa: F401
except ImportError:
    if os.environ.get("TRUSTSOURCE_REQUIRE_BROWSER") == "1":
        pytest.fail("TRUSTSOURCE_REQUIRE_BROWSER=1 but streamlit is not installed", pytrace=False)
    pytest.skip(
        "streamlit is not installed (pip install 'trustsource[ui]')", allow_module_level=True
    )

import trustsource  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from trustsource.cli.main import cli  # noqa: E402
from trustsource.cli.ui_cmd import app_path, streamlit_command  # noqa: E402
from trustsource.results.plan import compact_money  # noqa: E402
from trustsource.ui import logic, uploads  # noqa: E402
from trustsource.ui.state import Jobs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CM = ROOT / "instances" / "critical-minerals.yaml"
BAD = b"trustsource: 1\nname: broken\nitems: []\nsuppliers: []\n"


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("trustsource")
    return [str(script)] if script.exists() else [sys.executable, "-m", "trustsource"]


def _solve_json(doc: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc))
    out = subprocess.run(
        [*_cli(), "solve", str(path), "--format", "json"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _app() -> AppTest:
    at = AppTest.from_file(str(app_path()), default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _load(at: AppTest, name: str = "critical-minerals") -> None:
    at.selectbox(key="bundled").set_value(name)
    at.button(key="load").click().run()
    assert not at.exception


def _metric(at: AppTest, label: str) -> str:
    return str(next(m.value for m in at.metric if m.label == label))


def test_tighten_the_cap_and_the_cost_is_the_cli_s(tmp_path: Path) -> None:
    at = _app()
    _load(at)
    assert [m.value for m in at.metric][:2] == ["12", "90"]  # items, offers
    at.sidebar.radio(key="page").set_value("Rules").run()
    slider = next(s for s in at.slider if s.label.startswith("crma-65: max share"))
    assert slider.value == 65.0
    slider.set_value(50.0).run()
    at.button(key="solve").click().run()
    assert not at.exception
    assert at.sidebar.radio(key="page").value == "Plan"
    doc = trustsource.load(CM).to_dict()
    doc["rules"][0]["max_share"] = 0.5
    expected = _solve_json(doc, tmp_path)
    assert _metric(at, "Total cost") == compact_money(expected["objective"], "USD")
    exact = f"Total cost {expected['objective']:,.0f} USD = purchase"
    assert any(c.value.startswith(exact) for c in at.caption)
    top = max(float(i["top_share"]) for i in expected["items"])
    assert _metric(at, "Largest country share") == f"{top:.1%}"
    assert any("optimal" in s.value for s in at.success)
    words = "\n".join(m.value for m in at.markdown)
    assert "crma-65 (country_cap) on gallium: CN 50.0% (limit max 50.0%)" in words
    assert {b.label for b in at.get("download_button")} == {"Plan workbook (.xlsx)", "HTML report"}


def test_a_bad_upload_shows_the_located_errors_validate_lists(tmp_path: Path) -> None:
    at = _app()
    at.file_uploader(key="upload").upload("broken.yaml", BAD, "application/x-yaml").run()
    assert not at.exception
    (error,) = at.error
    bad = tmp_path / "broken.yaml"
    bad.write_bytes(BAD)
    out = CliRunner().invoke(cli, ["validate", str(bad)])
    assert out.exit_code == 2
    listed = [
        line.strip()[2:].removeprefix(str(tmp_path) + "/") for line in out.output.splitlines()
    ]
    for line in listed[1:]:
        assert line in error.value
    assert "broken.yaml: 1 problem" in error.value or "problems" in error.value


def test_two_sessions_do_not_share_state() -> None:
    a, b = _app(), _app()
    _load(a)
    _load(b)
    for at in (a, b):
        at.sidebar.radio(key="page").set_value("Rules").run()
    next(s for s in a.slider if s.label.startswith("crma-65")).set_value(55.0).run()
    a.button(key="solve").click().run()
    assert a.sidebar.radio(key="page").value == "Plan"
    b.run()
    assert next(s for s in b.slider if s.label.startswith("crma-65")).value == 65.0
    sa, sb = a.session_state["ts"], b.session_state["ts"]
    assert sa is not sb
    assert sa.solved is not None
    assert sb.solved is None
    assert sa.workspace.path != sb.workspace.path
    b.sidebar.radio(key="page").set_value("Instance").run()
    _load(b, "gallium-demo")
    assert sa.instance.name == "critical-minerals"
    assert sb.instance.name == "gallium-demo"


def test_edits_switch_rules_off_and_apply_variants() -> None:
    inst = trustsource.load(CM)
    assert logic.edited_document(inst, off=frozenset({"crma-65"}))["rules"] == []
    doc = logic.edited_document(inst, variant="feoc", values={("crma-65", "max_share"): 0.4})
    kinds = {r["name"]: r for r in doc["rules"]}
    assert kinds["crma-65"]["max_share"] == 0.4
    assert "feoc-ban" in kinds
    assert "variants" not in doc
    views = {v.name: v.params for v in logic.rule_views(logic.document_instance(doc))}
    assert views == {"crma-65": {"max_share": 0.4}, "feoc-ban": {}}


def test_the_cache_answers_a_repeat_and_keeps_no_stopped_solve() -> None:
    inst = trustsource.load(CM)
    cache = logic.ResultCache()
    first = logic.cached_solve(inst, cache)
    assert logic.cached_solve(inst, cache) is first
    assert logic.cached_solve(inst, cache, mip_rel_gap=0.0) is not first  # options are keys
    stopped = trustsource.Plan(status=trustsource.Status.FEASIBLE, stopped_by="interrupt")
    cache.put(("stopped",), stopped)
    assert cache.get(("stopped",)) is None


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_uploads_zip_folder_and_refusals(tmp_path: Path) -> None:
    folder = ROOT / "instances"
    files = {
        "cm/critical-minerals.yaml": CM.read_bytes(),
        "cm/critical-minerals/items.csv": (folder / "critical-minerals/items.csv").read_bytes(),
        "cm/critical-minerals/suppliers.csv": (
            folder / "critical-minerals/suppliers.csv"
        ).read_bytes(),
    }
    ws = uploads.Workspace()
    inst = uploads.load_upload("cm.zip", _zip(files), ws.fresh())
    assert inst.content_hash == trustsource.load(CM).content_hash
    with pytest.raises(trustsource.InstanceError, match="unsafe path"):
        uploads.load_upload("evil.zip", _zip({"../x.yaml": b"a: 1"}), ws.fresh())
    with pytest.raises(trustsource.InstanceError, match="unknown file type"):
        uploads.load_upload("notes.txt", b"hello", ws.fresh())
    with pytest.raises(trustsource.InstanceError, match="not a zip"):
        uploads.load_upload("bad.zip", b"not a zip", ws.fresh())
    path = ws.path
    ws.close()
    assert not path.exists()


def test_ui_command_line_and_missing_streamlit(monkeypatch: pytest.MonkeyPatch) -> None:
    cmd = streamlit_command("x.yaml", "127.0.0.1", 8600, "tcp://h:8786")
    assert cmd[1:4] == ["-m", "streamlit", "run"]
    assert Path(cmd[4]).name == "app.py"
    assert cmd[cmd.index("--server.port") + 1] == "8600"
    assert cmd[cmd.index("--") + 1 :] == [
        str(Path("x.yaml").resolve()),
        "--scheduler",
        "tcp://h:8786",
    ]
    monkeypatch.setitem(sys.modules, "streamlit", None)  # import streamlit fails
    out = CliRunner().invoke(cli, ["ui"])
    assert out.exit_code == 2
    assert "pip install 'trustsource[ui]'" in out.output


def test_an_unproven_plan_says_so() -> None:
    at = _app()
    _load(at)
    inst = trustsource.load(CM)
    plan = trustsource.solve(inst)
    unproven = dataclasses.replace(
        plan, status=trustsource.Status.FEASIBLE, bound=0.9 * plan.objective, mip_gap=0.1
    )
    at.session_state["ts"].solved = logic.Solved(inst, unproven, None)
    at.sidebar.radio(key="page").set_value("Plan").run()
    assert not at.exception
    (warning,) = at.warning
    assert warning.value.startswith("Not proven optimal (feasible)")
    assert "10.00%" in warning.value
    assert not any("optimal" in s.value for s in at.success)


def test_cancel_stops_the_running_job() -> None:
    jobs = Jobs()

    def work(stop: threading.Event, progress: dict[str, Any]) -> str:
        progress["done"] = 0
        return "stopped" if stop.wait(30) else "ran out"

    job = jobs.submit("solve", "a long solve", work)
    assert jobs.running
    jobs.cancel()
    assert job.future.result(timeout=10) == "stopped"
    done = jobs.collect()
    assert done is not None
    assert done[1] == "stopped"
    assert jobs.current is None
    jobs.close()


def test_explore_sweeps_and_compares_as_the_library_does() -> None:
    at = _app()
    _load(at)
    at.sidebar.radio(key="page").set_value("Explore").run()
    at.number_input(key="sw_start").set_value(0.4)
    at.number_input(key="sw_stop").set_value(0.6)
    at.number_input(key="sw_step").set_value(0.1)
    at.button(key="sw_run").click().run()
    assert not at.exception
    inst = trustsource.load(CM)
    ref = trustsource.sweep(inst, rule="crma-65", param="max_share", start=0.4, stop=0.6, step=0.1)
    shown = at.dataframe[0].value
    assert list(shown["cost"]) == pytest.approx(list(ref.table["cost"]))
    assert any(w.value.startswith(f"Breaking point at {ref.breaking_point:g}") for w in at.warning)
    at.button(key="cv_run").click().run()
    assert not at.exception
    summary = at.dataframe[1].value
    assert list(summary["variant"])[1:] == list(inst.variants)


def test_the_file_on_the_command_line_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(app_path()), str(CM)])
    at = _app()
    assert at.session_state["ts"].instance.name == "critical-minerals"
    assert any(s.value.startswith("Loaded ") for s in at.success)
