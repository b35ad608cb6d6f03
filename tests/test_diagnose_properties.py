"""Property tests of diagnose on random small instances at every scale (issue 11, "Done when").

A random base instance (1-2 items, 2-5 suppliers in five countries, unit costs, capacities,
minimum orders, fixed costs, exit clauses, 1-3 named rules of every kind) is solved at its own
scale (demands and capacities 1 to 9 units); then every quantity (demand, capacity, minimum
order) is multiplied by 10^k, k from -3 to 8, so the instance diagnosed has quantities from 1e-3
to 9e8. Scaling every quantity alike changes no share, count or coverage, so the scaled instance
is feasible exactly when the base one is:

* feasible base: diagnose says ``feasible`` (never ``infeasible``), and the elastic model alone
  relaxes nothing (its objective, in shares of the items, is zero);
* infeasible base: diagnose says ``infeasible``, names at least one relaxation, and its
  ``changes``, applied here to the scaled document with plain dict edits (not the library's
  ``apply_changes``), make ``trustsource.solve`` find a plan; each change loosens its rule.

Hypothesis draws the cases (derandomized, 20 per property); a loose and a tight rule generator
make most draws of each property useful, and ``assume`` keeps the others out.
"""

from __future__ import annotations

import copy
from typing import Any

import trustsource
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from trustsource.analysis.diagnose import diagnose
from trustsource.analysis.diagnose.elastic import build_elastic, solve_elastic
from trustsource.model.build import build_model

COUNTRIES = ["US", "CN", "DE", "JP", "MX"]
BLOCS = {"allies": ["US", "DE", "JP"]}
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
HAS_PLAN = ("optimal", "feasible")


@st.composite
def rule(draw: Any, name: str, items: list[str], tight: bool) -> dict[str, Any]:
    """A named rule; ``tight`` draws limits that are often out of reach."""
    kind = draw(
        st.sampled_from(
            [
                "country_cap",
                "supplier_cap",
                "bloc_share",
                "ban",
                "exit_clause",
                "min_suppliers",
                "max_suppliers",
                "min_countries",
                "exit",
                "hhi_cap",
            ]
        )
    )
    r: dict[str, Any] = {"kind": kind, "name": name}
    share = st.sampled_from([0.2, 0.3, 0.45] if tight else [0.5, 0.7, 1.0])
    if kind in ("country_cap", "supplier_cap"):
        r["max_share"] = draw(share)
    elif kind == "bloc_share":
        r["bloc"] = "allies"
        if draw(st.booleans()):
            r["min_share"] = draw(st.sampled_from([0.6, 0.8, 1.0] if tight else [0.1, 0.3]))
        else:
            r["max_share"] = draw(share)
    elif kind == "ban":
        r["countries"] = draw(
            st.lists(
                st.sampled_from(COUNTRIES), min_size=1, max_size=3 if tight else 1, unique=True
            )
        )
    elif kind == "exit_clause":
        r["max_share_without"] = draw(st.sampled_from([0.0, 0.1] if tight else [0.5, 1.0]))
    elif kind in ("min_suppliers", "min_countries"):
        r["count"] = draw(st.sampled_from([3, 4] if tight else [1, 2]))
        if draw(st.booleans()):
            r["min_share_each"] = draw(st.sampled_from([0.3, 0.4] if tight else [0.05, 0.1]))
    elif kind == "max_suppliers":
        r["count"] = draw(st.sampled_from([1] if tight else [2, 3]))
    elif kind == "exit":
        r["lose"] = draw(st.sampled_from(["country", "supplier"]))
        r["coverage"] = draw(st.sampled_from([0.8, 1.0] if tight else [0.2, 0.5]))
    else:
        r["max_hhi"] = draw(st.sampled_from([3000, 4000] if tight else [6000, 9000]))
    if len(items) > 1 and draw(st.booleans()):
        r["items"] = [draw(st.sampled_from(items))]
    return r


@st.composite
def base_document(draw: Any, tight: bool) -> dict[str, Any]:
    """A random valid document with quantities 1 to 9."""
    item_ids = [f"i{k}" for k in range(draw(st.integers(1, 2)))]
    items = [{"id": i, "demand": draw(st.integers(1, 9))} for i in item_ids]
    suppliers = []
    for j in range(draw(st.integers(2, 5))):
        s: dict[str, Any] = {
            "id": f"s{j}",
            # The first suppliers go round the items so that each has one.
            "item": item_ids[j] if j < len(item_ids) else draw(st.sampled_from(item_ids)),
            "country": draw(st.sampled_from(COUNTRIES)),
            "unit_cost": draw(st.integers(1, 5)),
        }
        if draw(st.booleans()):
            s["capacity"] = draw(st.integers(1, 9))
        if draw(st.integers(0, 3)) == 0:
            s["min_order"] = draw(st.integers(1, s.get("capacity", 9)))
        if draw(st.booleans()):
            s["fixed_cost"] = draw(st.integers(1, 50))
        if draw(st.integers(0, 3)) == 0:
            s["exit_clause"] = False
        suppliers.append(s)
    rules = [draw(rule(f"r{k}", item_ids, tight)) for k in range(draw(st.integers(1, 3)))]
    return {
        "trustsource": 1,
        "name": "random",
        "blocs": BLOCS,
        "items": items,
        "suppliers": suppliers,
        "rules": rules,
    }


def scaled(document: dict[str, Any], factor: float) -> dict[str, Any]:
    """Every quantity of ``document`` times ``factor`` (costs per unit unchanged)."""
    out = copy.deepcopy(document)
    for it in out["items"]:
        it["demand"] *= factor
    for s in out["suppliers"]:
        for key in ("capacity", "min_order"):
            if key in s:
                s[key] *= factor
    return out


def status(document: dict[str, Any]) -> str:
    return trustsource.solve(trustsource.Instance.from_dict(document)).status.value


def applied(document: dict[str, Any], changes: list[dict[str, Any]]) -> dict[str, Any]:
    """The changes as plain edits of the document (rules are all named here)."""
    out = copy.deepcopy(document)
    for c in changes:
        if "item" in c:
            assert c["field"] == "demand"
            (it,) = [it for it in out["items"] if it["id"] == c["item"]]
            assert c["to"] <= it["demand"]  # unmet demand lowers it
            it["demand"] = c["to"]
        elif c["field"] == "rule":
            out["rules"] = [r for r in out["rules"] if r["name"] != c["rule"]]
        else:
            (r,) = [r for r in out["rules"] if r["name"] == c["rule"]]
            looser(r, c)
            r[c["field"]] = c["to"]
    return out


def looser(rule: dict[str, Any], change: dict[str, Any]) -> None:
    """A change moves its field the way that admits more plans."""
    fld, new = change["field"], change["to"]
    if fld == "items":  # a ban lifted for some items
        before = rule.get("items")
        assert before is None or set(new) < set(before)
        return
    old = rule.get(fld)
    rises = fld in ("max_share", "max_share_without", "max_hhi") or (
        fld == "count" and rule["kind"] == "max_suppliers"
    )
    assert old is not None
    assert (new > old) if rises else (new < old), (rule, change)


@st.composite
def case(draw: Any, tight: bool) -> tuple[dict[str, Any], float]:
    return draw(base_document(tight)), 10.0 ** draw(st.integers(-3, 8))


@SETTINGS
@given(case(tight=False))
def test_feasible_instances_are_never_called_infeasible(
    drawn: tuple[dict[str, Any], float],
) -> None:
    document, factor = drawn
    assume(status(document) in HAS_PLAN)
    inst = trustsource.Instance.from_dict(scaled(document, factor))
    diag = diagnose(inst)
    assert diag.status == "feasible", (factor, diag)
    assert diag.feasible
    assert diag.relaxations.empty
    # The elastic model alone agrees: nothing to relax, whatever the scale.
    ans = solve_elastic(build_elastic(build_model(inst)))
    assert ans.answer.status.value == "optimal"
    assert ans.answer.objective is not None
    assert ans.answer.objective <= 1e-6, (factor, ans.answer.objective)


@SETTINGS
@given(case(tight=True))
def test_infeasible_instances_get_a_relaxation_that_works(
    drawn: tuple[dict[str, Any], float],
) -> None:
    document, factor = drawn
    assume(status(document) == "infeasible")
    big = scaled(document, factor)
    diag = diagnose(trustsource.Instance.from_dict(big))
    assert diag.status == "infeasible", (factor, diag)
    assert not diag.feasible
    assert len(diag.relaxations), diag
    assert diag.changes, diag
    # Every rule that gives is changed (or dropped), every change names a rule that gives.
    relaxed_rules = set(diag.relaxations["rule"]) - {"demand"}
    changed = {c["rule"] for c in diag.changes if "rule" in c}
    assert changed == relaxed_rules
    assert diag.confirmed, diag
    fixed = applied(big, diag.changes)
    assert status(fixed) in HAS_PLAN, (factor, diag.changes)
