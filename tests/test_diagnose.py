"""``trustsource diagnose``: pre-solve arithmetic plus an elastic re-solve, in domain words.

Each infeasible case checks the rule named, the amount (the limit a share rule would need, the
quantity a ban must let through, the coverage an exit right can reach, the count a count rule
can have, the demand that cannot be met) and, where cheap, that relaxing the rule by exactly that
amount makes the instance feasible while a little less does not.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
import trustsource
from catalogue import CASES, INFEASIBLE, abc, doc, sup, three
from click.testing import CliRunner
from trustsource.analysis.diagnose import Diagnosis, apply_changes, diagnose
from trustsource.analysis.diagnose.elastic import build_elastic
from trustsource.cli.diagnose_cmd import diagnose_command
from trustsource.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
CHIPS = ROOT / "instances" / "chips.yaml"

cli.add_command(diagnose_command)


def run(document: dict[str, Any], name: str = "case") -> Diagnosis:
    return diagnose(trustsource.Instance.from_dict(document, origin=name), time_limit=20)


def with_rule(document: dict[str, Any], index: int, **change: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    out["rules"][index].update(change)
    return out


def status(document: dict[str, Any]) -> str:
    plan = trustsource.solve(trustsource.Instance.from_dict(document), mip_rel_gap=0)
    return plan.status.value


def only(diag: Diagnosis) -> dict[str, Any]:
    assert len(diag.relaxations) == 1, diag
    return dict(diag.relaxations.iloc[0])


# --- the three-supplier example -----------------------------------------------------------------


def test_country_cap_names_the_share_it_must_allow() -> None:
    """Every country <= 30 %: XA holds 600 (30 %), so XB and XC must carry 700 each: 35 %.

    The share reading is the useful one: it is the number to put in the rule, and it accounts
    for S1's own capacity (a 3 x 600 reading would say 33.3 %, which is still infeasible).
    """
    document = three([{"kind": "country_cap", "max_share": 0.3, "name": "cap-30"}])
    diag = run(document)
    assert not diag.feasible
    assert diag.status == "infeasible"
    assert diag.minimal
    row = only(diag)
    assert (row["rule"], row["kind"], row["item"]) == ("cap-30", "country_cap", "a")
    assert row["limit"] == pytest.approx(0.3)
    assert row["needed"] == pytest.approx(0.35)
    assert row["slack"] == pytest.approx(100)  # 700 - 30 % of 2000
    assert row["scope"] == "XB, XC"
    msg = row["message"]
    assert msg.startswith("a: country_cap `cap-30` must allow 35 % instead of 30 % per country")
    assert "at most 1,800 of the 2,000" in msg
    assert status(with_rule(document, 0, max_share=0.35)) == "optimal"
    assert status(with_rule(document, 0, max_share=0.349)) == "infeasible"


def test_ban_leaves_too_little_capacity() -> None:
    document = three([{"kind": "ban", "countries": ["XB"], "name": "no-xb"}])
    diag = run(document)
    assert not diag.feasible
    assert any(
        "1,800 unit of supplier capacity left after ban `no-xb`" in f.message for f in diag.findings
    )
    row = only(diag)
    assert (row["rule"], row["kind"], row["scope"]) == ("no-xb", "ban", "s2")
    assert row["needed"] == pytest.approx(200)
    assert row["message"] == (
        "a: ban `no-xb` leaves 1,800 unit of capacity for 2,000 unit needed; 200 unit would have "
        "to come from suppliers it bans (s2); relax the ban or add suppliers"
    )


def test_ban_and_cap_together() -> None:
    """Cap 45 % and XB banned: XA 600 + XC 900 = 1500, so 500 must come from s2."""
    document = three(
        [
            {"kind": "country_cap", "max_share": 0.45, "name": "cap-45"},
            {"kind": "ban", "countries": ["XB"], "name": "no-xb"},
        ]
    )
    diag = run(document)
    # One smallest relaxation weighs 0.25 of the item's 2,000: the ban by 500, or the ban by
    # 200 and the cap by 15 points (300 units); HiGHS may return either.
    assert diag.relaxations["slack"].sum() / 2000 == pytest.approx(0.25)
    assert diag.elastic_objective == pytest.approx(0.25)
    assert all(m.startswith("a: ") for m in diag.relaxations["message"])


def test_exit_right_names_the_coverage_it_can_reach() -> None:
    document = three([{"kind": "exit", "lose": "country", "coverage": 1.0, "name": "exit-any"}])
    row = only(run(document))
    assert (row["rule"], row["kind"], row["scope"]) == ("exit-any", "exit", "XC")
    assert row["needed"] == pytest.approx(0.7)
    assert "can keep only 70 % of supply covered after losing XC (asks 100 %)" in row["message"]
    assert status(with_rule(document, 0, coverage=0.7)) == "optimal"
    assert status(with_rule(document, 0, coverage=0.71)) == "infeasible"


@pytest.mark.parametrize("lose", ["supplier", "site"])
def test_exit_right_other_units(lose: str) -> None:
    """lose: supplier uses the auxiliary formulation (its .total row must not give)."""
    if lose == "supplier":
        document = three([{"kind": "exit", "lose": "supplier", "coverage": 1.0}])
        scope, needed = "s3", 0.7
    else:
        document = doc(
            [{"id": "a", "demand": 100}],
            [
                sup("k1", "a", None, site="k", unit_cost=1, capacity=60),
                sup("k2", "a", None, site="k", unit_cost=2, capacity=60),
                sup("o", "a", "XB", unit_cost=5, capacity=60),
            ],
            [{"kind": "exit", "lose": "site", "coverage": 0.8}],
            sites=[{"id": "k", "country": "XA"}],
        )
        scope, needed = "k", 0.6
    row = only(run(document))
    assert row["scope"] == scope
    assert row["needed"] == pytest.approx(needed)


def test_max_suppliers_single_sourcing() -> None:
    row = only(run(three([{"kind": "max_suppliers", "count": 1, "name": "single"}])))
    assert (row["kind"], row["limit"], row["needed"]) == ("max_suppliers", 1, 2)
    assert row["message"] == (
        "a: max_suppliers `single` must allow 2 suppliers instead of 1: "
        "the largest supplier can deliver at most 1,200 of the 2,000 unit "
        "needed"
    )


def test_min_suppliers_with_too_few_suppliers() -> None:
    document = three([{"kind": "min_suppliers", "count": 4, "name": "four"}])
    diag = run(document)
    assert any("needs 4 suppliers, only 3 offer it" in f.message for f in diag.findings)
    row = only(diag)
    assert (row["rule"], row["needed"]) == ("four", 3)
    assert "asks for 4 suppliers, but only 3 offer the item" in row["message"]
    assert status(with_rule(document, 0, count=3)) == "optimal"


def test_min_suppliers_shares_over_one() -> None:
    """Two suppliers with >= 60 % each: no pre-solve finding; the elastic says ask for one."""
    diag = run(three([{"kind": "min_suppliers", "count": 2, "min_share_each": 0.6}]))
    assert diag.findings == []
    row = only(diag)
    assert row["needed"] == 1
    assert (
        "can be met by only 1 supplier with at least 60 % each; ask for 1 instead of 2"
        in row["message"]
    )


def test_min_countries_count() -> None:
    row = only(run(three([{"kind": "min_countries", "count": 3, "min_share_each": 0.4}])))
    assert (row["kind"], row["needed"]) == ("min_countries", 2)
    assert "only 2 countries with at least 40 % each" in row["message"]


# --- bloc floors, caps on shares, HHI -----------------------------------------------------------


def bloc_floor(min_share: float) -> dict[str, Any]:
    """Allies (US) can deliver 20 of the 100 needed; CN is unlimited."""
    return doc(
        [{"id": "a", "demand": 100}],
        [sup("us", "a", "US", unit_cost=5, capacity=20), sup("cn", "a", "CN", unit_cost=1)],
        [{"kind": "bloc_share", "bloc": "allies", "min_share": min_share, "name": "allies-floor"}],
        blocs={"allies": ["US", "JP"]},
    )


def test_bloc_floor_above_what_the_bloc_can_supply() -> None:
    diag = run(bloc_floor(0.5))
    assert [f.kind for f in diag.findings] == ["finding"]
    assert diag.findings[0].message == (
        "a: bloc_share `allies-floor` asks 50 % of at least 100 unit from allies (50 unit), but "
        "suppliers in allies can deliver at most 20 unit; lower the floor to 20 % or add "
        "suppliers in allies"
    )
    assert "rules[0]" in diag.findings[0].location
    row = only(diag)
    assert (row["kind"], row["scope"]) == ("bloc_share", "allies (min)")
    assert row["needed"] == pytest.approx(0.2)
    assert row["message"] == (
        "a: bloc_share `allies-floor` floor on allies must come down from "
        "50 % to 20 %: suppliers in allies can deliver at most 20 of the "
        "100 unit needed"
    )
    assert status(bloc_floor(0.2)) == "optimal"
    assert run(bloc_floor(0.2)).feasible


def test_bloc_floor_without_any_bloc_supplier() -> None:
    case = next(c for c in CASES if c.name == "bloc_share_floor_without_bloc_supplier")
    diag = run(case.doc)
    assert diag.findings
    assert "at most 0 unit" in diag.findings[0].message
    row = only(diag)
    assert (row["item"], row["needed"]) == ("b", pytest.approx(0.0))


def test_bloc_cap_and_exit_clause() -> None:
    cap = doc(
        [{"id": "a", "demand": 100}],
        [sup("us", "a", "US", unit_cost=5), sup("cn", "a", "CN", unit_cost=1, capacity=20)],
        [{"kind": "bloc_share", "bloc": "allies", "max_share": 0.5}],
        blocs={"allies": ["US", "JP"]},
    )
    row = only(run(cap))
    assert row["needed"] == pytest.approx(0.8)
    assert "cap on allies must rise from 50 % to 80 %" in row["message"]
    clause = doc(
        [{"id": "a", "demand": 100}],
        [
            sup("p", "a", "XA", unit_cost=1, exit_clause=False),
            sup("q", "a", "XB", unit_cost=3, capacity=50),
        ],
        [{"kind": "exit_clause", "max_share_without": 0.25}],
    )
    row = only(run(clause))
    assert row["needed"] == pytest.approx(0.5)
    assert "must allow 50 % of supply without an exit clause instead of 25 %" in row["message"]


def test_hhi_cap_below_equal_shares() -> None:
    """Three countries: the least HHI is 3,333 (equal shares); a 3,000 cap cannot be met."""
    diag = run(abc([{"kind": "hhi_cap", "max_hhi": 3000, "name": "hhi-3000"}]))
    row = only(diag)
    assert row["kind"] == "hhi_cap"
    assert 3334 <= row["needed"] <= 3340  # within the rule's 1-point tolerance of 3,333.3
    assert "must allow HHI 3,3" in row["message"]
    assert diag.hhi_rounds > 0


# --- demand, chains, feasible ------------------------------------------------------------------


def test_capacity_short_leaves_demand_unmet() -> None:
    case = next(c for c in CASES if c.name == "capacity_short")
    diag = run(case.doc)
    row = only(diag)
    assert (row["rule"], row["kind"], row["slack"]) == ("demand", "demand", pytest.approx(40))
    assert "no rule relaxation helps" in diag.messages[0]
    assert "40 of the 200 unit of demand cannot be supplied" in row["message"]


def test_chain_input_short_drops_downstream_demand() -> None:
    """Only external demand may go unmet: the missing gallium shows as wafers not made."""
    case = next(c for c in CASES if c.name == "chain_upstream_short")
    row = only(run(case.doc))
    assert (row["item"], row["slack"]) == ("wafer", pytest.approx(25))
    assert "its input gallium runs out of capacity" in row["message"]


def test_feasible_instance() -> None:
    diag = run(three([{"kind": "country_cap", "max_share": 0.5}]))
    assert diag.feasible
    assert diag.status == "feasible"
    assert diag.relaxations.empty
    assert diag.findings == []
    assert diag.messages == [
        "three-supplier is feasible: every rule can be met together, "
        "nothing to relax; `trustsource solve` finds the cheapest plan"
    ]


def test_catalogue_verdicts_agree_with_solve() -> None:
    """Every hand-solved case: diagnose says infeasible exactly when the case is infeasible."""
    for case in CASES:
        diag = run(case.doc, case.name)
        assert diag.feasible == (case.status != INFEASIBLE), (case.name, diag)
        if not diag.feasible:
            assert len(diag.relaxations), case.name
            for row in diag.relaxations.itertuples():
                assert row.message.startswith(f"{row.item}: "), row.message


def test_elastic_copy_leaves_the_model_alone() -> None:
    model = trustsource.build_model(
        trustsource.Instance.from_dict(three([{"kind": "country_cap", "max_share": 0.3}]))
    )
    before = (model.data.n_cols, model.data.n_rows, model.data.nnz)
    em = build_elastic(model)
    assert (model.data.n_cols, model.data.n_rows, model.data.nnz) == before
    assert em.data.n_cols > model.data.n_cols
    assert "cover" not in {b.family for b in em.data.row_blocks}


def test_diagnosis_object() -> None:
    diag = run(three([{"kind": "country_cap", "max_share": 0.3, "name": "cap-30"}]))
    data = json.loads(json.dumps(diag.to_dict()))
    assert data["status"] == "infeasible"
    assert data["feasible"] is False
    assert data["relaxations"][0]["rule"] == "cap-30"
    assert data["elastic"]["status"] == "optimal"
    text = repr(diag)
    assert text.startswith("Diagnosis('three-supplier': infeasible, 0 finding(s), 1 relaxation(s))")
    assert "cap-30" in text
    assert list(diag.relaxations.columns) == [
        "rule",
        "kind",
        "item",
        "scope",
        "limit",
        "needed",
        "slack",
        "message",
    ]


# --- bundled instance ---------------------------------------------------------------------------


def test_chips_no_china_fabs() -> None:
    """The location ban removes UMC Xiamen and SK hynix Wuxi: mature logic runs 4,200 short."""
    inst = trustsource.load(CHIPS).variant("no-china-fabs")
    diag = diagnose(inst, time_limit=20)
    assert diag.status == "infeasible"
    assert any("195,800 wafer" in f.message for f in diag.findings)
    row = only(diag)
    assert (row["rule"], row["kind"], row["item"]) == (
        "no-concern-locations",
        "ban",
        "logic_mature",
    )
    assert row["needed"] == pytest.approx(4200)
    assert (
        "leaves 195,800 wafer of capacity for 200,000 wafer needed; 4,200 wafer" in row["message"]
    )
    assert diagnose(trustsource.load(CHIPS), time_limit=20).feasible


# --- command line -------------------------------------------------------------------------------


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["diagnose", *args])


def test_cli_table_json_csv() -> None:
    res = invoke(str(CHIPS), "--variant", "no-china-fabs")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("chips [no-china-fabs]: infeasible\n")
    assert "pre-solve findings:" in res.output
    assert "ban `no-concern-locations`" in res.output
    assert "one smallest relaxation" in res.output
    res = invoke(str(CHIPS), "--variant", "no-china-fabs", "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["relaxations"][0]["needed"] == pytest.approx(4200)
    res = invoke(str(CHIPS), "--variant", "no-china-fabs", "--format", "csv")
    assert res.exit_code == 0
    assert res.output.splitlines()[0] == "rule,kind,item,scope,limit,needed,slack,message"


def test_cli_feasible_and_invalid(tmp_path: Path) -> None:
    res = invoke(str(CHIPS))
    assert res.exit_code == 0
    assert res.output.startswith("chips: feasible")
    res = invoke(str(CHIPS), "--variant", "nope")
    assert res.exit_code == 2
    assert "no variant named 'nope'" in res.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("trustsource: 1\nitems: []\nsuppliers: [{id: x}]\n")
    res = invoke(str(bad))
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_cli_time_limit_zero_keeps_the_arithmetic() -> None:
    """Without time for the elastic re-solve, the pre-solve arithmetic still proves it."""
    res = invoke(str(CHIPS), "--variant", "no-china-fabs", "--time-limit", "0", "--format", "json")
    data = json.loads(res.output)
    assert data["status"] == "infeasible"
    assert data["findings"]
    assert res.exit_code == 0
    assert math.isfinite(data["seconds"])


# --- the check of the relaxation (issue 11, defect 1) -------------------------------------------


def test_check_adds_a_round_when_the_first_relaxation_falls_short() -> None:
    """min_suppliers 3 with two suppliers, one with a minimum order of the whole demand.

    The elastic model reads "3 > 2 suppliers" as "ask for at most 2", but s0's minimum order
    (1 of the 1 unit needed) leaves no room for a second supplier's 1 %: only 1 works. The check
    solve finds count 2 still infeasible, a second elastic round lowers it to 1, and the
    diagnosis says so (found by tests/test_diagnose_properties.py).
    """
    document = doc(
        [{"id": "a", "demand": 1}],
        [sup("s0", "a", "US", unit_cost=1, min_order=1), sup("s1", "a", "US", unit_cost=1)],
        [{"kind": "min_suppliers", "name": "r0", "count": 3}],
    )
    diag = run(document)
    assert diag.status == "infeasible"
    assert diag.confirmed
    assert diag.check_status == "optimal"
    assert not diag.minimal
    assert diag.changes == [
        {"rule": "r0", "kind": "min_suppliers", "field": "count", "from": 3, "to": 1}
    ]
    assert (
        "after 1 more elastic round: the first relaxation alone was not enough" in diag.messages[-1]
    )
    assert status(with_rule(document, 0, count=2)) == "infeasible"
    assert status(with_rule(document, 0, count=1)) == "optimal"


def test_changes_apply_to_the_document() -> None:
    """A ban lifted for one item of two; unnamed rules are matched by their default names."""
    document = doc(
        [{"id": "a", "demand": 100}, {"id": "b", "demand": 10}],
        [
            sup("ua", "a", "US", unit_cost=1, capacity=50),
            sup("ca", "a", "CN", unit_cost=1),
            sup("ub", "b", "US", unit_cost=1),
        ],
        [{"kind": "ban", "countries": ["CN"]}],
    )
    diag = run(document)
    assert [(c["rule"], c["field"], c["to"], c["lifted"]) for c in diag.changes] == [
        ("ban_cn", "items", ["b"], ["a"])
    ]
    assert diag.confirmed
    fixed = apply_changes(document, diag.changes)
    assert fixed["rules"] == [
        {"kind": "ban", "countries": ["CN"], "name": "ban_cn", "items": ["b"]}
    ]
    assert document["rules"] == [{"kind": "ban", "countries": ["CN"]}]  # not changed in place
    assert status(fixed) == "optimal"
