"""The HTML report as a browser shows it (issue 17): rendered in headless Chromium, DOM checked.

Each report is written by the console script (``trustsource report``), rendered by
``/usr/bin/chromium --headless`` with every host name unresolvable (so the page must need no
network), dumped with ``--dump-dom`` and parsed; a screenshot is taken into ``tmp_path``. The
headline must name the binding rules and give the cost of trust ``trustsource explain --format
json`` gives; there is one chart per item; the CRMA cap is drawn; no element loads anything.
Skipped only when the Chromium binary is absent (CI installs the Debian ``chromium`` package).
"""

from __future__ import annotations

import importlib.resources
import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from trustsource.analysis.explain_common import money

CHROMIUM = Path("/usr/bin/chromium")
# .ci/run installs Chromium and sets TRUSTSOURCE_REQUIRE_BROWSER=1: there a missing browser is a
# failure, not a silent skip; elsewhere (a developer's machine without it) the tests skip.
if os.environ.get("TRUSTSOURCE_REQUIRE_BROWSER") == "1" and not CHROMIUM.exists():
    raise RuntimeError("TRUSTSOURCE_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (Debian package chromium)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no host resolves: the page must need none
]


def _script() -> str:
    exe = Path(sys.executable).with_name("trustsource")
    return str(exe) if exe.exists() else (shutil.which("trustsource") or "trustsource")


def _instance(name: str) -> str:
    return str(importlib.resources.files("trustsource.instances") / f"{name}.yaml")


class _Dom(HTMLParser):
    """Every element of the dumped DOM: (tag, attributes, text inside it), in document order."""

    VOID = {"meta", "br", "hr", "img", "link", "input", "source", "wbr", "area", "base", "col"}

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = {"tag": tag, "attrs": dict(attrs), "text": [], "parents": list(self._open)}
        self.elements.append(el)
        if tag not in self.VOID:
            self._open.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(
            {"tag": tag, "attrs": dict(attrs), "text": [], "parents": list(self._open)}
        )

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self._open) - 1, -1, -1):
            if self._open[k]["tag"] == tag:
                del self._open[k:]
                break

    def handle_data(self, data: str) -> None:
        for el in self._open:
            el["text"].append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, Any]]:
        """Elements of ``tag`` whose attributes contain ``attrs`` (``class_`` for a class)."""
        out = []
        for el in self.elements:
            if el["tag"] != tag:
                continue
            a = el["attrs"]
            cls = attrs.get("class_")
            if cls is not None and cls not in (a.get("class") or "").split():
                continue
            if all(a.get(k) == v for k, v in attrs.items() if k != "class_"):
                out.append(el)
        return out


def text(el: dict[str, Any]) -> str:
    return " ".join("".join(el["text"]).split())


def _render(name: str, tmp: Path) -> tuple[_Dom, dict[str, Any], Path]:
    html = tmp / f"{name}.html"
    done = subprocess.run(
        [_script(), "report", _instance(name), "--out", str(html)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    explained = subprocess.run(
        [_script(), "explain", _instance(name), "--format", "json", "--no-marginals"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert explained.returncode == 0, explained.stderr
    profile = tmp / f"profile-{name}"
    base = [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run(
        [*base, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=120
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    png = tmp / f"{name}.png"
    shot = subprocess.run(
        [*base, f"--screenshot={png}", "--window-size=1400,3000", html.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    parsed = _Dom()
    parsed.feed(dom.stdout)
    parsed.close()
    return parsed, json.loads(explained.stdout), png


@pytest.fixture(scope="module")
def gallium(tmp_path_factory: pytest.TempPathFactory) -> tuple[_Dom, dict[str, Any], Path]:
    return _render("gallium-demo", tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def minerals(tmp_path_factory: pytest.TempPathFactory) -> tuple[_Dom, dict[str, Any], Path]:
    return _render("critical-minerals", tmp_path_factory.mktemp("browser"))


def _card(dom: _Dom, cls: str) -> dict[str, str]:
    (card,) = [el for el in dom.find("div", class_=cls) if "card" in el["attrs"]["class"]]
    i = dom.elements.index(card)
    inner = [el for el in dom.elements[i + 1 :] if card in el["parents"]]
    value = next(text(el) for el in inner if "value" in (el["attrs"].get("class") or ""))
    words = next(text(el) for el in inner if "words" in (el["attrs"].get("class") or ""))
    return {"value": value, "words": words}


def test_headline_names_binding_rules_and_cost_of_trust(
    gallium: tuple[_Dom, dict[str, Any], Path],
) -> None:
    dom, exp, png = gallium
    assert png.stat().st_size > 10_000
    assert dom.find("section", id="headline")
    binding = {r["rule"] for r in exp["rules"] if r["binding_items"]}
    assert binding == {"no-concern-owners"}
    card = _card(dom, "binding")
    assert set(card["value"].split(", ")) == binding
    assert "no-concern-owners binds on every item" in card["words"]
    rules = " ".join(text(el) for el in dom.find("section", id="rules"))
    assert "no supplier owned from concern" in rules  # the rule in words
    trust = _card(dom, "trust")
    assert trust["value"] == money(exp["cost_of_trust"], exp["currency"])
    assert _card(dom, "short")["value"] == "none"


def test_one_chart_per_item_with_the_cap(gallium: tuple[_Dom, dict[str, Any], Path]) -> None:
    dom, _, _ = gallium
    charts = dom.find("svg", class_="shares")
    assert [c["attrs"]["data-item"] for c in charts] == ["gallium", "gan_wafer"]
    for chart in charts:
        figure = chart["parents"][-1]
        assert figure["tag"] == "figure"
        caption = [el for el in dom.find("figcaption") if figure in el["parents"]]
        assert len(caption) == 1  # the caption is inside its own chart's figure
        assert text(caption[0]).startswith(chart["attrs"]["data-item"])
    caps = [el for el in dom.find("line", class_="cap") if charts[0] in el["parents"]]
    assert [c["attrs"]["data-rule"] for c in caps] == ["crma-65"]
    # Before and after on one axis: each country has both bars, in the same order.
    bars = [
        el for el in dom.find("rect") if charts[0] in el["parents"] and "data-share" in el["attrs"]
    ]
    before = [b["attrs"]["data-country"] for b in bars if "before" in b["attrs"]["class"]]
    after = [b["attrs"]["data-country"] for b in bars if "after" in b["attrs"]["class"]]
    assert before == after
    assert before[0] == "CN"
    assert "ZZ ZZ" not in text(dom.elements[0])


def test_page_needs_no_network(gallium: tuple[_Dom, dict[str, Any], Path]) -> None:
    dom, _, _ = gallium
    assert not dom.find("script")
    assert not dom.find("img")
    assert not dom.find("link")
    for el in dom.elements:
        for key in ("src", "href", "xlink:href", "data", "poster", "srcset"):
            value = el["attrs"].get(key) or ""
            assert not value.startswith(("http:", "https:", "//")), (el["tag"], key, value)
    assert dom.find("ul", class_="sources")  # sources with web addresses stay plain text


def test_critical_minerals_in_the_browser(minerals: tuple[_Dom, dict[str, Any], Path]) -> None:
    dom, exp, png = minerals
    assert png.stat().st_size > 10_000
    card = _card(dom, "binding")
    assert card["value"] == "crma-65"
    assert "crma-65 binds on 10 of 12 items" in card["words"]
    assert _card(dom, "trust")["value"] == money(exp["cost_of_trust"], exp["currency"])
    charts = dom.find("svg", class_="shares")
    assert len(charts) == len(exp["rules"][0]["binding_items"].split(", ")) + 2  # 12 items
    for chart in charts:  # the CRMA cap applies to every item: drawn on each chart
        caps = [el for el in dom.find("line", class_="cap") if chart in el["parents"]]
        assert [c["attrs"]["data-limit"] for c in caps] == ["0.650000"]
    # Intermediate items are inputs, never "demand 0".
    captions = " ".join(text(el) for el in dom.find("figcaption"))
    assert "input to ree_oxide (derived demand" in captions
    assert dom.find("svg", class_="cost-curve", **{"data-rule": "crma-65"})
    stress = [text(el) for el in dom.find("li") if "Losing China (CN)" in text(el)]
    assert stress
    assert "items short" in stress[0]
    labels = " ".join(text(el) for el in dom.find("text"))
    assert "ZZ ZZ" not in labels
    assert "ZZ (custom region)" in labels
