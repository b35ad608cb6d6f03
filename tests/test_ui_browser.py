"""The workbench in a real browser: ``trustsource ui`` served on a free port, Debian's Chromium
driven headless by Playwright.

Load critical-minerals, move the CRMA cap from 65 % to 50 %, solve, and check that the cost and
the largest country share shown are those ``trustsource solve`` gives for that variant; upload a
bad file and check that its located error is shown. Screenshots go to the test's folder.

Skipped (with the reason) when Streamlit, Playwright or ``/usr/bin/chromium`` is missing, unless
``TRUSTSOURCE_REQUIRE_BROWSER=1`` (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("TRUSTSOURCE_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("TRUSTSOURCE_REQUIRE_BROWSER") == "1"
ROOT = Path(__file__).resolve().parents[1]
BAD = b"trustsource: 1\nname: broken\nitems: []\nsuppliers: []\n"


def _missing() -> str | None:
    for module in ("streamlit", "playwright.sync_api"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install 'trustsource[ui]' playwright)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


_why = _missing()
if _why is not None:
    if REQUIRED:
        pytest.fail(f"TRUSTSOURCE_REQUIRE_BROWSER=1 but {_why}", pytrace=False)
    pytest.skip(_why, allow_module_level=True)

import trustsource  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from trustsource.results.plan import compact_money  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("trustsource")
    return [str(script)] if script.exists() else [sys.executable, "-m", "trustsource"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``trustsource ui`` on a free localhost port; stopped (SIGTERM) at the end."""
    port = _free_port()
    proc = subprocess.Popen(
        [*_cli(), "ui", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            err = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"trustsource ui did not start: {err}")
        time.sleep(0.2)
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # anything left of the server's group
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(server)
    expect(pg.get_by_test_id("stSidebar")).to_be_visible()
    try:
        yield pg
    finally:
        context.close()


def _cli_solve_at_half(tmp_path: Path) -> dict[str, Any]:
    """``trustsource solve --format json`` of critical-minerals with the CRMA cap at 50 %."""
    doc = trustsource.load(ROOT / "instances" / "critical-minerals.yaml").to_dict()
    for rule in doc["rules"]:
        if rule["name"] == "crma-65":
            rule["max_share"] = 0.5
    path = tmp_path / "critical-minerals-50.json"
    path.write_text(json.dumps(doc))
    out = subprocess.run(
        [*_cli(), "solve", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _go(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def _shot(page: Page, tmp_path: Path, name: str) -> None:
    """A screenshot into the test's folder (and into $TRUSTSOURCE_UI_SHOTS as ui-NAME, which
    refreshes the pictures of docs/ui.md)."""
    page.screenshot(path=str(tmp_path / name))
    shots = os.environ.get("TRUSTSOURCE_UI_SHOTS")
    if shots:
        shutil.copy(tmp_path / name, Path(shots) / f"ui-{name}")


def _metric(page: Page, label: str) -> str:
    m = page.get_by_test_id("stMetric").filter(has_text=label)
    return m.get_by_test_id("stMetricValue").inner_text().strip()


def test_tighten_the_crma_cap_and_solve(page: Page, tmp_path: Path) -> None:
    expected = _cli_solve_at_half(tmp_path)
    assert expected["status"] == "optimal"
    cost = f"Total cost {expected['objective']:,.0f} USD = purchase"
    top = f"{max(float(i['top_share']) for i in expected['items']):.1%}"

    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.get_by_text("Loaded critical-minerals")).to_be_visible()
    _shot(page, tmp_path, "instance.png")

    _go(page, "Rules")
    thumb = page.get_by_test_id("stSlider").filter(has_text="crma-65").get_by_role("slider")
    expect(thumb).to_have_value("65")
    thumb.focus()
    for _ in range(15):
        page.keyboard.press("ArrowLeft")
    expect(thumb).to_have_value("50")
    _shot(page, tmp_path, "rules.png")
    page.get_by_role("button", name="Solve", exact=True).click()

    expect(page.get_by_role("heading", name="Plan", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Total cost")).to_be_visible()
    assert _metric(page, "Total cost") == compact_money(expected["objective"], "USD")
    expect(page.get_by_text(cost)).to_be_visible()  # the exact amount, under the tiles
    assert _metric(page, "Largest country share") == top
    expect(page.get_by_text("Status: optimal")).to_be_visible()
    expect(page.get_by_role("heading", name="Awards")).to_be_visible()
    expect(page.get_by_role("button", name="HTML report")).to_be_visible()
    expect(page.locator(".vega-embed").first).to_be_visible()
    _shot(page, tmp_path, "plan.png")


def test_a_bad_upload_shows_the_located_error(page: Page, tmp_path: Path) -> None:
    page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(
        {"name": "broken.yaml", "mimeType": "application/x-yaml", "buffer": BAD}
    )
    alert = page.get_by_test_id("stAlert").filter(has_text="broken.yaml")
    expect(alert).to_contain_text("problem")
    expect(alert).to_contain_text("[items] no items")
    _shot(page, tmp_path, "bad-upload.png")
