"""The HTML report of a periodic plan (issue 14): "The path, period by period".

The report is built as a user builds it, through the console script ``trustsource report FILE
--out PAGE`` in a subprocess, on a periodic instance written here: cost per period, one share
chart per item with the binding caps as dashed step lines, the builds and the stock; the items
table and the "before and after" charts describe the last period only.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import trustsource
from trustsource.output.report_periods import last_period, path_section

PERIODIC = """\
trustsource: 1
name: ga-path
periods: [2026, 2027, 2028, 2030]
discount_rate: 0.05
items:
  - {id: ga, demand: {2026: 100, 2028: 150}}
  - {id: ge, demand: 50}
suppliers:
  - {id: cn, item: ga, country: CN, unit_cost: 1, fixed_cost: 10}
  - {id: au, item: ga, country: AU, unit_cost: {2026: 3, 2027: 2},
     capacity: {2026: 20, 2027: 30}, fixed_cost: 5}
  - {id: jp, item: ga, country: JP, unit_cost: 4, capacity: 10}
  - {id: us, item: ga, country: US, unit_cost: 2,
     build: {capacity: 100, capex: 50, lead_time: 1}}
  - {id: cn2, item: ge, country: CN, unit_cost: 1}
  - {id: be, item: ge, country: BE, unit_cost: 2}
rules:
  - {kind: country_cap, name: glide-cap, items: [ga],
     max_share: {2026: 1.0, 2027: 0.8, 2028: 0.6, 2030: 0.4}}
  - {kind: country_cap, name: ge-cap, items: [ge], max_share: 0.5, from: 2028}
stockpiles:
  - {item: ga, initial: 10, max: 100, holding_cost: 0.2, min_cover_days: 30}
"""


def _script() -> str:
    """The ``trustsource`` console script of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "trustsource"
    found = str(beside) if beside.exists() else shutil.which("trustsource")
    assert found, "the trustsource console script is not installed"
    return found


def _report(path: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_script(), "report", str(path), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )


class _Tables(HTMLParser):
    """The page's tables (rows of cell texts) after each ``h2``/``h3`` heading, and nesting."""

    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.heading = ""
        self.tables: dict[str, list[list[str]]] = {}
        self.stack: list[str] = []
        self.errors: list[str] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag in ("h2", "h3", "td", "th"):
            self._text = []
        elif tag == "tr":
            self._row = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closed element (``<line .../>``) opens and closes nothing."""

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()
        if tag in ("h2", "h3") and self._text is not None:
            self.heading = "".join(self._text).strip()
            self._text = None
        elif tag in ("td", "th") and self._text is not None and self._row is not None:
            self._row.append("".join(self._text).strip())
            self._text = None
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self.heading, []).append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, _Tables]:
    tmp = tmp_path_factory.mktemp("periodic")
    src = tmp / "ga-path.yaml"
    src.write_text(PERIODIC)
    out = tmp / "report.html"
    done = _report(src, out)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout
    text = out.read_text()
    parsed = _Tables()
    parsed.feed(text)
    parsed.close()
    return text, parsed


def test_path_section_after_key_figures(page: tuple[str, _Tables]) -> None:
    text, parsed = page
    assert not parsed.errors
    assert not parsed.stack
    assert 'id="path"' in text
    order = [
        text.index('<section id="headline">'),
        text.index("<h2>The path, period by period</h2>"),
        text.index("<h2>How country shares move in 2030, the last period</h2>"),
        text.index("<h2>Items in 2030, the last period</h2>"),
    ]
    assert order == sorted(order)
    assert "<script" not in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_cost_per_period(page: tuple[str, _Tables]) -> None:
    _, parsed = page
    rows = parsed.tables["Cost per period"]
    head = rows[0]
    assert head[0] == "period"
    assert "total (PV)" in head
    assert "total (nominal)" in head
    assert "build (PV)" in head
    assert [r[0] for r in rows[1:]] == ["2026", "2027", "2028", "2030", "all periods"]
    total = head.index("total (PV)")
    per = [float(r[total].replace(",", "")) for r in rows[1:-1]]
    assert sum(per) == pytest.approx(float(rows[-1][total].replace(",", "")), abs=0.02)
    # The present values add up to the plan's total cost, stated at the top of the page.
    cost = re.search(r"Total cost: <b>([\d,.]+) USD</b>", page[0])
    assert cost is not None
    assert float(cost.group(1).replace(",", "")) == pytest.approx(sum(per), abs=0.05)


def _figure(text: str, item: str) -> str:
    start = text.index(f'<figure class="path-item" id="path-{item}">')
    return text[start : text.index("</figure>", start)]


def test_one_share_chart_per_item_with_cap_lines(page: tuple[str, _Tables]) -> None:
    text, _ = page
    assert text.count('class="path-chart"') == 2
    ga, ge = _figure(text, "ga"), _figure(text, "ge")
    assert 'aria-label="ga: country shares per period"' in ga
    # The glide path of the cap on ga: a dashed step line labelled with the rule's name,
    # one step per period.
    cap = re.search(r'<path d="([^"]+)"[^>]*data-rule="glide-cap">', ga)
    assert cap is not None
    assert 'stroke-dasharray="6 4"' in cap.group(0)
    assert cap.group(1).count("M") == 1
    assert cap.group(1).count("L") == 7
    assert "2026: 100.0 %, 2027: 80.0 %, 2028: 60.0 %, 2030: 40.0 %" in ga
    assert "glide-cap (max)</text>" in ga
    # ge's cap holds from 2028 only: two steps; ga's cap is not drawn on ge.
    ge_cap = re.search(r'<path d="([^"]+)"[^>]*data-rule="ge-cap">', ge)
    assert ge_cap is not None
    assert ge_cap.group(1).count("L") == 3
    assert "glide-cap" not in ge
    for country in ("CN", "US", "AU"):
        assert f"{country} " in ga
    assert "BE Belgium" in ge


def test_builds_and_stock_tables(page: tuple[str, _Tables]) -> None:
    _, parsed = page
    builds = parsed.tables["Builds"]
    assert builds[0][:5] == ["supplier", "item", "country", "decided", "usable from"]
    assert len(builds) == 2
    us = builds[1]
    assert us[:3] == ["us", "ga", "US"]
    assert int(us[4]) == int(us[3]) + 1  # lead time one year, periods 2026-2028 are yearly
    assert us[5] == "100"
    assert us[6] == "50.00"
    stock = parsed.tables["Stock"]
    assert stock[0][:4] == ["period", "item", "start", "end"]
    assert [r[0] for r in stock[1:]] == ["2026", "2027", "2028", "2030"]
    assert stock[1][1] == "ga"
    assert stock[1][2] == "10"
    for before, after in zip(stock[1:], stock[2:]):
        assert after[2] == before[3]  # each period starts with the stock the last one ended


def test_last_period_tables(page: tuple[str, _Tables]) -> None:
    _, parsed = page
    items = parsed.tables["Items in 2030, the last period"]
    assert [r[0] for r in items[1:]] == ["ga", "ge"]
    rules = parsed.tables["Each rule on each item"]
    assert rules[0][0] == "period"
    assert {r[0] for r in rules[1:]} == {"2026", "2027", "2028", "2030"}
    awards = parsed.tables["Awarded suppliers"]
    assert awards[0][0] == "period"


def test_no_path_section_without_periods(tmp_path: Path) -> None:
    src = str(importlib.resources.files("trustsource.instances") / "gallium-demo.yaml")
    out = tmp_path / "plain.html"
    done = _report(Path(src), out, "--no-prices")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "The path, period by period" not in text
    assert 'id="path"' not in text
    assert "path-chart" not in text
    assert "<h2>Items</h2>" in text
    assert "the last period" not in text


def test_infeasible_periodic_short_report(tmp_path: Path) -> None:
    src = tmp_path / "tight.yaml"
    src.write_text(PERIODIC.replace("max_share: 0.5, from: 2028", "max_share: 0.4, from: 2028"))
    out = tmp_path / "tight.html"
    done = _report(src, out)
    assert done.returncode == 3
    text = out.read_text()
    assert "There is no plan to report" in text
    assert 'id="path"' not in text


def test_render_only_helpers(tmp_path: Path) -> None:
    src = tmp_path / "ga-path.yaml"
    src.write_text(PERIODIC)
    inst = trustsource.load(src)
    plan = trustsource.solve(inst)
    last = last_period(plan)
    assert set(last.items["period"]) == {2030}
    assert len(last.items) == 2
    assert set(last.allocations["period"]) == {2030}
    assert len(plan.items) == 8  # the plan itself is untouched
    assert path_section(last_period(None), inst) == ""
    plain = trustsource.load(
        str(importlib.resources.files("trustsource.instances") / "gallium-demo.yaml")
    )
    assert path_section(trustsource.solve(plain), plain) == ""


SHORT = """\
trustsource: 1
name: ga-short
periods: [2026, 2028]
discount_rate: 0.05
items:
  - {id: ga, demand: {2026: 100, 2028: 150}, shortfall_penalty: 20}
suppliers:
  - {id: cn, item: ga, country: CN, unit_cost: 1, capacity: 120}
  - {id: au, item: ga, country: AU, unit_cost: 3, capacity: 20}
rules:
  - {kind: country_cap, name: cap, max_share: {2026: 1.0, 2028: 0.7}}
"""


def test_unmet_demand_in_present_value(tmp_path: Path) -> None:
    src = tmp_path / "short.yaml"
    src.write_text(SHORT)
    out = tmp_path / "short.html"
    done = _report(src, out)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    plan = trustsource.solve(trustsource.load(src))
    penalty = plan.shortfall_penalty
    assert penalty is not None
    assert penalty > 0
    # Short in 2028 only; the page's penalty is the present value of the plan's costs table.
    assert "1 item is short in 1 of 2 periods (worst ga in 2028" in text
    assert f"{penalty:,.2f} USD of the {plan.objective:,.2f} USD total (present value)" in text
    parsed = _Tables()
    parsed.feed(text)
    rows = parsed.tables["Unmet demand"]
    assert rows[0][0] == "period"
    assert [r[0] for r in rows[1:]] == ["2028"]
