"""Results in a notebook: every result object has ``_repr_html_`` (its headline facts and the
head of its main table) and ``to_frame()`` (that table, whole), and the plan draws its shares."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pandas as pd
import pytest
import trustsource
from trustsource.notebook import MAX_ROWS

INSTANCES = "instances"


class _Cells(HTMLParser):
    """The text of every table cell and paragraph, and whether any script or link slipped in."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())


def _parse(markup: str) -> _Cells:
    cells = _Cells()
    cells.feed(markup)
    return cells


def _doc(**extra: Any) -> dict[str, Any]:
    return {"trustsource": 1, "name": "nb", **extra}


TWO = _doc(
    items=[{"id": "w", "demand": 100}],
    suppliers=[
        {"id": "cn", "item": "w", "country": "CN", "unit_cost": 1, "capacity": 100},
        {"id": "us", "item": "w", "country": "US", "unit_cost": 1.1, "capacity": 100},
    ],
    rules=[{"name": "cap", "kind": "country_cap", "max_share": 0.7}],
    variants={"loose": {"drop": ["cap"]}},
)


def _inst(doc: dict[str, Any]) -> trustsource.Instance:
    return trustsource.Instance.from_dict(doc)


def _coalition() -> Any:
    doc = _doc(
        items=[{"id": "x"}],
        suppliers=[{"id": "s", "item": "x", "country": "DE", "unit_cost": 1, "fixed_cost": 300}],
        buyers=[{"id": m, "demand": {"x": 10}} for m in ("a", "b")],
    )
    return trustsource.coalition(_inst(doc), workers=1)


def _risk() -> Any:
    doc = _doc(
        items=[{"id": "x", "demand": 1, "shortfall_penalty": 1000}],
        suppliers=[{"id": "s", "item": "x", "country": "DE", "unit_cost": 10}],
        scenarios={f"p{k}": {"probability": 0.25, "price": {"DE": k}} for k in (2, 3, 4)},
        risk={"measure": "cvar", "alpha": 0.6},
    )
    return trustsource.risk(_inst(doc), workers=1)


def _glide() -> Any:
    doc = _doc(
        periods=[2026, 2027],
        items=[{"id": "w", "demand": 100}],
        suppliers=[
            {"id": "cn", "item": "w", "country": "CN", "unit_cost": 1},
            {"id": "us", "item": "w", "country": "US", "unit_cost": 2,
             "capacity": {2026: 0, 2027: 50}},
        ],
        rules=[{"name": "cap", "kind": "country_cap", "max_share": 0.5}],
    )  # fmt: skip
    return trustsource.glide(_inst(doc), "cap", workers=1)


def _diagnosis() -> Any:
    doc = dict(TWO, rules=[{"name": "cap", "kind": "country_cap", "max_share": 0.3}])
    return trustsource.diagnose(_inst(doc))


FACTORIES: dict[str, Callable[[], Any]] = {
    "Instance": lambda: _inst(TWO),
    "Plan": lambda: trustsource.solve(_inst(TWO)),
    "Explanation": lambda: trustsource.explain(_inst(TWO), workers=1),
    "Diagnosis": _diagnosis,
    "Comparison": lambda: trustsource.compare(_inst(TWO), workers=1),
    "StressResult": lambda: trustsource.stress(_inst(TWO), workers=1),
    "SweepResult": lambda: trustsource.sweep(
        _inst(TWO), rule="cap", param="max_share", start=0.5, stop=0.7, step=0.1, workers=1
    ),
    "RiskResult": _risk,
    "GlideResult": _glide,
    "CoalitionResult": _coalition,
    "AlternativesResult": lambda: trustsource.alternatives(_inst(TWO), count=1, workers=1),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_result_shows_in_a_notebook(name: str) -> None:
    result = FACTORIES[name]()
    assert type(result).__name__ == name
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) > 0, f"{name}.to_frame() is empty"
    cells = _parse(result._repr_html_())
    assert cells.text, name
    assert "nb" in cells.text[0]  # the title names the instance
    assert "script" not in cells.tags
    assert "table" in cells.tags
    # The card shows the head of the same table to_frame() gives.
    first = str((result.items if name == "Plan" else frame).iloc[0, 0])  # a plan: per item
    assert any(first in t for t in cells.text), (name, first)


def test_the_card_escapes_text_and_shows_only_the_head() -> None:
    doc = dict(TWO, name="<script>alert(1)</script>")
    doc["suppliers"] = [
        {"id": f"s{k}", "item": "w", "country": "DE", "unit_cost": 1 + k / 100}
        for k in range(MAX_ROWS + 5)
    ]
    inst = _inst(doc)
    markup = inst._repr_html_()
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    text = " ".join(_parse(markup).text)
    assert f"first {MAX_ROWS} of {MAX_ROWS + 5}" in text
    assert len(inst.to_frame()) == MAX_ROWS + 5


def test_the_plan_draws_where_each_item_comes_from() -> None:
    import matplotlib.pyplot as plt

    plan = trustsource.solve(trustsource.load(f"{INSTANCES}/critical-minerals.yaml"))
    fig = plan.figure()
    try:
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert set(labels) == set(plan.items["item"])
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend[0] == "CN"  # the heaviest supplier country first
        assert legend[-1] == "others"  # past nine countries, one grey group
    finally:
        plt.close(fig)
