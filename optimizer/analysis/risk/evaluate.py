"""The scenarios as documents, and a first stage evaluated over them.

Every scenario is an instance of its own: the base document with the scenario's changes written
in (:func:`trustsource.instance.scenarios.apply_scenario`), validated like any instance. A first
stage is evaluated by fixing it in each scenario's document: an offer or site with a fixed cost
that was qualified (opened) keeps its capacity and costs nothing more to use (its fixed cost is
counted once, outside), one that was not loses its capacity. Each document is then solved on its
own (through the runner: in parallel, each plan verified): the cheapest recourse of that scenario
given the first stage. The same evaluation gives the risk plan's scenario costs, the expected
cost of the deterministic plan (for VSS) and, with nothing fixed, the perfect-foresight costs
(for EVPI).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ...instance.checks import required_supply
from ...instance.instance import Instance
from ...instance.scenarios import BASE, apply_scenario
from ...results.plan import Plan
from ..runner import solve_all
from .extensive import FirstStage


def base_document(instance: Instance) -> dict[str, Any]:
    """The instance's document without its scenarios, risk section and variants."""
    doc = instance.to_dict()
    for key in ("scenarios", "risk", "variants"):
        doc.pop(key, None)
    return doc


def scenario_documents(instance: Instance, keep_rules: bool) -> dict[str, dict[str, Any]]:
    """One document per scenario, the base case first (with ``keep_rules`` False the rules
    hold in the base case only)."""
    base = base_document(instance)
    # An offer without a capacity of its own, cut by a factor, is cut from the most its item
    # can need (a scenario that halves it leaves half of that).
    basis = {i: most for i, (_, most) in required_supply(instance).items()}
    docs = {BASE: base}
    for name, spec in instance.scenarios.items():
        doc = copy.deepcopy(base)
        apply_scenario(doc, instance, spec, basis)
        if not keep_rules:
            doc["rules"] = []
        doc["name"] = f"{instance.name} [scenario: {name}]"
        docs[name] = doc
    return docs


def probabilities(instance: Instance) -> dict[str, float]:
    """Each scenario's probability, the base case taking what the listed ones leave."""
    listed = {n: float(sc.probability or 0.0) for n, sc in instance.scenarios.items()}
    return {BASE: max(0.0, 1.0 - sum(listed.values())), **listed}


def fixed_document(doc: Mapping[str, Any], first: FirstStage) -> dict[str, Any]:
    """``doc`` with the first stage fixed: chosen offers and sites free to use, others lost."""
    out = copy.deepcopy(dict(doc))
    qualified, opened = set(first.qualified), set(first.opened)
    for s in out.get("suppliers", []):
        if s.get("fixed_cost", 0.0) > 0:
            if s["id"] not in qualified:
                s["capacity"] = 0.0
                s["min_order"] = 0.0
            s["fixed_cost"] = 0.0
    for k in out.get("sites", []):
        if k.get("fixed_cost", 0.0) > 0:
            if k["id"] not in opened:
                k["capacity"] = 0.0
            k["fixed_cost"] = 0.0
    return out


def evaluate(
    docs: Mapping[str, Mapping[str, Any]],
    first: FirstStage | None,
    options: dict[str, Any],
    workers: int | None,
    task_seconds: float | None,
) -> dict[str, Plan]:
    """Each scenario's cheapest plan given ``first`` (None: nothing fixed, perfect foresight)."""
    tasks = {
        (name,): dict(doc) if first is None else fixed_document(doc, first)
        for name, doc in docs.items()
    }
    plans, _ = solve_all(tasks, options, workers=workers, task_seconds=task_seconds)
    return {name: plans[(name,)] for name in docs}
