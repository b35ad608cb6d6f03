"""Plan exports (CSV, xlsx, Parquet) and the self-contained HTML report (issue 7, parts 3-4)."""

from __future__ import annotations

import builtins
import importlib.resources
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import trustsource
from click.testing import CliRunner
from trustsource.analysis.baseline import no_rules_plan
from trustsource.cli.report_cmd import report_command
from trustsource.output.exports import TABLES, write_plan, write_plan_xlsx
from trustsource.output.report import build_report, write_report

INSTANCES = ("gallium-demo", "chips")


def _path(name: str) -> str:
    return str(importlib.resources.files("trustsource.instances") / f"{name}.yaml")


@pytest.fixture(scope="module")
def solved() -> dict[str, tuple[Any, Any]]:
    out = {}
    for name in INSTANCES:
        inst = trustsource.load(_path(name))
        out[name] = (inst, trustsource.solve(inst))
    return out


@pytest.fixture(scope="module")
def reports(solved: dict[str, tuple[Any, Any]]) -> dict[str, str]:
    out = {}
    for name, (inst, _plan) in solved.items():
        exp = trustsource.explain(inst, marginals=False, workers=1)
        out[name] = build_report(inst, exp.base, exp)
    return out


class _Checker(HTMLParser):
    """Collects tags, attributes and nesting errors."""

    VOID = {"meta", "br", "hr", "img", "link", "input", "rect"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()


@pytest.mark.parametrize("name", INSTANCES)
def test_report_content(
    name: str, solved: dict[str, tuple[Any, Any]], reports: dict[str, str]
) -> None:
    inst, plan = solved[name]
    text = reports[name]
    assert text.startswith("<!DOCTYPE html>")
    for item in inst.items:
        assert item.id in text
    for rule in inst.rules:
        assert (rule.name or rule.kind) in text
    # One chart per item: before and after the rules side by side on one country axis.
    assert text.count('<svg class="shares"') == len(inst.items)
    assert "cost of trust" in text
    assert "price of rule" in text
    for award in plan.allocations[plan.allocations["quantity"] > 0]["supplier"]:
        assert award in text


@pytest.mark.parametrize("name", INSTANCES)
def test_report_is_self_contained_and_parses(name: str, reports: dict[str, str]) -> None:
    text = reports[name]
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    tags = {t for t, _ in checker.tags}
    assert "script" not in tags
    assert "link" not in tags
    assert "img" not in tags
    for _, attrs in checker.tags:
        for key in ("src", "href"):
            assert key not in attrs
    outside = re.sub(r'<section id="sources">.*?</section>', "", text, flags=re.S)
    assert "http://" not in outside
    assert "https://" not in outside
    assert "@import" not in outside
    assert "url(" not in outside


def test_report_escapes_text(solved: dict[str, tuple[Any, Any]]) -> None:
    inst, plan = solved["gallium-demo"]
    doc = inst.to_dict()
    doc["description"] = "<script>alert(1)</script> & co"
    doc["sources"] = ["<b>bold</b> https://example.org"]
    evil = trustsource.Instance.from_dict(doc)
    text = build_report(evil, plan)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "&lt;b&gt;bold" in text


def test_report_without_plan() -> None:
    doc = trustsource.load(_path("gallium-demo")).to_dict()
    doc["rules"] = [{"name": "impossible", "kind": "country_cap", "max_share": 0.05}]
    doc["variants"] = {}
    inst = trustsource.Instance.from_dict(doc)
    plan = trustsource.solve(inst)
    assert not plan.has_solution
    text = build_report(inst, plan)
    assert "impossible" in text
    assert "no plan" in text
    checker = _Checker()
    checker.feed(text)
    assert checker.errors == []


def test_write_report_atomic(tmp_path: Path) -> None:
    inst = trustsource.load(_path("gallium-demo"))
    plan, baseline = trustsource.solve(inst), no_rules_plan(inst)
    out = write_report(inst, plan, tmp_path / "r.html", baseline=baseline)
    assert out.read_text(encoding="utf-8").count('<svg class="shares"') == 2
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_cli_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    res = CliRunner().invoke(report_command, [_path("gallium-demo"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "crma-65" in out.read_text(encoding="utf-8")
    res = CliRunner().invoke(
        report_command, [_path("gallium-demo"), "--out", str(out), "--variant", "nope"]
    )
    assert res.exit_code == 2


def test_cli_report_infeasible(tmp_path: Path) -> None:
    doc = trustsource.load(_path("gallium-demo")).to_dict()
    doc["rules"] = [{"name": "impossible", "kind": "country_cap", "max_share": 0.05}]
    doc["variants"] = {}
    import yaml

    src = tmp_path / "bad.yaml"
    src.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = tmp_path / "report.html"
    res = CliRunner().invoke(report_command, [str(src), "--out", str(out), "--no-prices"])
    assert res.exit_code == 3
    assert "infeasible" in out.read_text(encoding="utf-8")


def test_csv_export(tmp_path: Path, solved: dict[str, tuple[Any, Any]]) -> None:
    _, plan = solved["gallium-demo"]
    written = write_plan(plan, tmp_path, cost_of_trust=1.5)
    assert {p.name for p in written} == {"summary.csv", *(f"{t}.csv" for t in TABLES)}
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary.loc[0, "status"] == "optimal"
    assert summary.loc[0, "objective"] == pytest.approx(plan.objective)
    assert summary.loc[0, "cost_of_trust"] == 1.5
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_xlsx_export(tmp_path: Path, solved: dict[str, tuple[Any, Any]]) -> None:
    _, plan = solved["chips"]
    path = write_plan_xlsx(plan, tmp_path / "plan.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["summary", *TABLES]
    got = sheets["allocations"]
    want = plan.allocations.reset_index(drop=True)
    # The award sheet leads with the item (a buyer reads awards per item): same columns, rows.
    assert sorted(got.columns) == sorted(want.columns)
    assert got.columns[0] == "item"
    assert list(got["supplier"]) == list(want["supplier"])
    assert got["quantity"].to_numpy() == pytest.approx(want["quantity"].to_numpy())
    assert got["cost"].to_numpy() == pytest.approx(want["cost"].to_numpy())
    assert sheets["summary"].loc[0, "status"] == "optimal"


def test_parquet_round_trip(tmp_path: Path, solved: dict[str, tuple[Any, Any]]) -> None:
    pytest.importorskip("pyarrow")
    _, plan = solved["gallium-demo"]
    write_plan(plan, tmp_path, formats=("parquet", "xlsx"))
    assert (tmp_path / "plan.xlsx").exists()
    for name in TABLES:
        got = pd.read_parquet(tmp_path / f"{name}.parquet")
        want = getattr(plan, name).reset_index(drop=True)
        assert list(got.columns) == list(want.columns)
        assert len(got) == len(want)
    alloc = pd.read_parquet(tmp_path / "allocations.parquet")
    assert list(alloc["supplier"]) == list(plan.allocations["supplier"])
    assert alloc["quantity"].to_numpy() == pytest.approx(plan.allocations["quantity"].to_numpy())


def test_parquet_without_pyarrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, solved: dict[str, tuple[Any, Any]]
) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("no pyarrow")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    _, plan = solved["gallium-demo"]
    with pytest.raises(ImportError, match=r"pip install trustsource\[parquet\]"):
        write_plan(plan, tmp_path / "out", formats=("csv", "parquet"))
    assert not (tmp_path / "out").exists()


def test_unknown_format(tmp_path: Path, solved: dict[str, tuple[Any, Any]]) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        write_plan(solved["gallium-demo"][1], tmp_path, formats=("docx",))


# --- issue 11, defect 4 (report part): shortfall next to cost, never a bare "optimal" ----------


@pytest.fixture(scope="module")
def feoc() -> Any:
    return trustsource.load(_path("critical-minerals")).variant("feoc")


@pytest.mark.parametrize("backend", ["highspy", "pyomo"])
def test_report_separates_penalty_from_purchases(feoc: Any, backend: str) -> None:
    from trustsource.output.report import cost_split, shortfall_table

    plan = trustsource.solve(feoc, backend=backend)
    # The penalty by hand: every item's shortfall times its shortfall_penalty.
    rates = {it.id: it.shortfall_penalty or 0.0 for it in feoc.items}
    penalty = sum(u * rates[i] for i, u in zip(plan.items["item"], plan.items["shortfall"]))
    buy, pen = cost_split(plan, feoc)
    assert pen == pytest.approx(penalty)
    assert pen == pytest.approx(8.59e9, rel=1e-3)  # the 8.59 bn of 11.61 bn
    assert buy + pen == pytest.approx(plan.objective)
    short = shortfall_table(plan, feoc)
    assert len(short) == 6
    assert short["penalty"].sum() == pytest.approx(penalty)
    assert (short["shortfall_share"] == short["shortfall"] / short["demand"]).all()
    text = build_report(feoc, plan, baseline=no_rules_plan(feoc))
    assert (
        "optimal, but 6 items are short (worst tungsten: 61.9 % of demand unmet) and "
        "8.59 bn USD of the 11.61 bn USD total is the penalty for unmet demand" in text
    )
    assert "3.02 bn USD purchase cost and 8.59 bn USD penalty for unmet demand" in text
    assert "<h2>Unmet demand</h2>" in text
    assert ">61.9 %<" in text  # tungsten's share of demand unmet, in the table
    # The cost of trust (7.37 bn) is more than all penalty: said in words, not just "optimal".
    assert "All of the cost of trust, and more, is penalty for unmet demand" in text
    assert "mostly penalty" in text


def test_report_of_a_plan_without_shortfall_says_demand_is_met(reports: dict[str, str]) -> None:
    text = reports["chips"]
    assert "Every item&#x27;s demand is met." in text or "Every item's demand is met." in text
    assert "penalty for unmet demand" not in text


def test_cli_report_feoc(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "feoc.html"
    exe = Path(sys.executable).with_name("trustsource")
    proc = subprocess.run(
        [str(exe), "report", _path("critical-minerals"), "--variant", "feoc", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "optimal, but 6 items are short" in proc.stdout
    assert "penalty for unmet demand" in proc.stdout
    assert "(optimal," not in proc.stdout.replace("(optimal, but", "")
    text = out.read_text(encoding="utf-8")
    assert "All of the cost of trust, and more, is penalty for unmet demand" in text
