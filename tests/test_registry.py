"""Every consumer of the rule-kind registry covers every kind.

The registry (:mod:`trustsource.instance.kinds`) declares each kind once; the tables that list
kinds derive from it, and the parts that stay code (the model builder per kind, the verifier's
own check per kind, the rule report's words) are checked here against it, so a kind added to
the registry and forgotten somewhere fails this test instead of, say, never being relaxed by
diagnose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest
import trustsource
from trustsource.analysis.diagnose import elastic
from trustsource.analysis.explain_common import _LIMITS, MARGINAL_KINDS
from trustsource.instance.kinds import COUNT_KINDS, KINDS, PRICED_KINDS, kind_of
from trustsource.instance.schema import RULE_KINDS, RULE_MODELS, RuleSpec
from trustsource.model.rules import BUILDERS
from trustsource.verify.rules import RULE_CHECKS

DOCS = Path(__file__).resolve().parents[1] / "docs"

# One rule of every kind, all satisfiable together on the instance below (three suppliers in
# three countries, each able to carry the whole demand; two have exit clauses).
ONE_OF_EACH: dict[str, dict[str, Any]] = {
    "country_cap": {"max_share": 0.5},
    "bloc_share": {"bloc": "XA", "max_share": 0.6},
    "ban": {"countries": ["XD"]},
    "supplier_cap": {"max_share": 0.5},
    "exit_clause": {"max_share_without": 0.5},
    "min_suppliers": {"count": 2},
    "max_suppliers": {"count": 3},
    "min_countries": {"count": 2},
    "exit": {"coverage": 0.5},
    "hhi_cap": {"max_hhi": 5000},
}


def _instance() -> trustsource.Instance:
    suppliers = [
        {"id": f"s{c.lower()}", "item": "w", "country": c, "unit_cost": cost, "capacity": 100}
        for c, cost in (("XA", 1.0), ("XB", 2.0), ("XC", 3.0), ("XD", 0.5))
    ]
    suppliers[0]["exit_clause"] = suppliers[1]["exit_clause"] = True
    rules = [{"kind": kind, "name": f"r-{kind}", **keys} for kind, keys in ONE_OF_EACH.items()]
    return trustsource.Instance.from_dict(
        {
            "trustsource": 1,
            "items": [{"id": "w", "unit": "t", "demand": 100}],
            "suppliers": suppliers,
            "rules": rules,
        }
    )


def test_schema_and_registry_list_the_same_kinds() -> None:
    assert tuple(KINDS) == RULE_KINDS
    assert tuple(rk.spec for rk in KINDS.values()) == RULE_MODELS
    union = get_args(get_args(RuleSpec)[0])
    assert union == RULE_MODELS
    assert set(ONE_OF_EACH) == set(KINDS)  # this test's instance holds every kind


def test_every_kind_has_a_builder_and_a_verifier_check() -> None:
    assert set(BUILDERS) == set(KINDS)
    assert set(RULE_CHECKS) == set(KINDS)  # the verifier's own table, kept independent


def test_derived_tables_cover_their_kinds() -> None:
    assert set(elastic.RULE_KINDS) == {k for k, rk in KINDS.items() if rk.relaxable}
    assert MARGINAL_KINDS == PRICED_KINDS
    for kind in PRICED_KINDS:
        for lim in KINDS[kind].limits:
            key, direction, _step, top = _LIMITS[(kind, lim.sense)]
            assert key == lim.key
            assert key in KINDS[kind].spec.model_fields
            assert direction == (-1 if lim.sense == "max" else 1)
            assert top == lim.bounds[1]
    for rk in KINDS.values():
        for lim in rk.limits:  # every declared limit is a real key of the schema class
            assert lim.key in rk.spec.model_fields, (rk.kind, lim.key)
    assert set(COUNT_KINDS) == {"min_suppliers", "max_suppliers", "min_countries"}


def test_every_kind_is_documented() -> None:
    text = (DOCS / "instance-format.md").read_text(encoding="utf-8")
    missing = [k for k in KINDS if f"| `{k}` |" not in text]
    assert not missing, f"docs/instance-format.md has no row for {missing}"


@pytest.mark.parametrize("backend", ["highspy", "pyomo"])
def test_one_rule_of_every_kind_solves_reports_and_verifies(backend: str) -> None:
    inst = _instance()
    plan = trustsource.solve(inst, backend=backend, mip_rel_gap=0)
    assert plan.status.value == "optimal"
    assert plan.violations == []  # the independent verifier checked all ten rules
    # By hand: XD is banned; at most 50 % per country and per supplier, so the two cheapest
    # allowed, XA (1.0) and XB (2.0), take 50 each: 50 + 100 = 150. Every other rule holds there
    # (bloc XA 50 % <= 60 %, exit clauses on both, HHI 5,000, either country covers 50 %).
    assert plan.objective == pytest.approx(150.0)
    reported = set(plan.rules["rule"])
    assert reported == {f"r-{k}" for k in KINDS}
    assert {kind_of(r).kind for r in inst.rules} == set(KINDS)
