r"""Plan jointly with allies: the cost of fragmentation and a fair split of the joint cost.

For an instance with ``buyers`` (members :math:`N`), the cost of a coalition :math:`S` is its
joint plan alone, :math:`c(S)` (:func:`.joint.solve_members`: every supplier's full capacity
available to it). :func:`coalition` solves all :math:`2^n - 1` coalitions through the one runner
(:mod:`trustsource.analysis.runner`: serially, in local processes or on Dask) and reports

* the joint plan of :math:`N` and each member's share of its purchases;
* the stand-alone costs :math:`c(\{i\})` and the **cost of fragmentation**
  :math:`\sum_i c(\{i\}) - c(N)`, split into its sources: purchases (prices and the volume tiers
  lost apart), qualification and standby qualification duplicated, onboarding duplicated,
  shortfall;
* a **split** of :math:`c(N)`: the Shapley value (exact), the nucleolus (the lexicographic
  minimum of the coalitions' excesses, a sequence of LPs), or a split proportional to demand
  (each member's share of every item's joint demand, averaged over the items), and
  whether the split lies in the **core** (no coalition pays more together than it would alone);
* the resilience gained: each member's worst exit coverage (losing a country) apart and together.

Because every coalition's plan may use every supplier's full capacity, two groups planning apart
can both count on one cheap plant whose capacity binds: the game is then not subadditive and its
core may be empty for that reason alone (the core test says which group would pay less).

A split is a difference of optimal costs: when a coalition's solve is not proven optimal the
result says so (``proven`` False) and names the coalitions; when one has no plan at all the game
is not defined and no split is given.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from typing import Any, Literal

from ...errors import InstanceError, Issue
from ...instance.instance import Instance
from ..runner import run_many
from .game import in_core, nucleolus, proportional, shapley
from .joint import COMPONENTS, JointPlan, solve_members
from .result import CoalitionResult

Split = Literal["shapley", "nucleolus", "proportional"]
SPLITS: tuple[Split, ...] = ("shapley", "nucleolus", "proportional")


def solve_task(payload: tuple[dict[str, Any], tuple[str, ...], dict[str, Any]]) -> JointPlan:
    """One coalition's joint plan (the runner's unit of work: plain data in and out)."""
    doc, members, options = payload
    return solve_members(doc, members, **options)


def coalition(
    instance: Instance,
    split: Split = "shapley",
    *,
    workers: int | None = None,
    scheduler: Any = None,
    time_limit: float | None = None,
    mip_rel_gap: float = 1e-4,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CoalitionResult:
    """Solve every coalition of ``instance``'s buyers and split the joint cost.

    Args:
        instance: a validated instance with ``buyers``.
        split: ``shapley`` (default), ``nucleolus`` or ``proportional`` (to demand).
        workers: local processes for the 2^n - 1 solves (None: the runner decides).
        scheduler: a Dask scheduler address or ``distributed.Client`` to run them on.
        time_limit: seconds per coalition's solve.
        mip_rel_gap: relative MIP gap of each solve (0 proves every c(S)).
        threads: HiGHS threads per solve.
        progress: called with ``(done, total)`` as the solves finish.

    Raises:
        InstanceError: if the instance has no buyers, or ``split`` is unknown.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if not instance.buyers:
        raise InstanceError(
            [Issue(f"{instance.name}: buyers", None, "coalition needs a `buyers` list")]
        )
    t0 = time.perf_counter()
    members = [b.id for b in instance.buyers]
    n = len(members)
    doc = instance.to_dict()
    subsets = [frozenset(c) for r in range(1, n + 1) for c in itertools.combinations(range(n), r)]
    options = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "threads": threads}
    payloads = [(doc, tuple(members[i] for i in sorted(s)), options) for s in subsets]
    batch = run_many(solve_task, payloads, workers=workers, scheduler=scheduler, progress=progress)
    failed = [o.error for o in batch if not o.ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(payloads)} solves failed: {failed[0]}")
    plans: dict[frozenset[int], JointPlan] = {s: o.value for s, o in zip(subsets, batch)}
    grand = plans[frozenset(range(n))]
    result = CoalitionResult(
        instance_name=instance.name,
        currency=instance.currency,
        members=members,
        method=split,
        plans=plans,
        demand_weights=_demand_weights(instance),
        n_solves=len(payloads),
        workers=batch.workers,
    )
    missing = [s for s, p in plans.items() if not p.has_plan]
    if missing:
        names = ", ".join("{" + ",".join(members[i] for i in sorted(s)) + "}" for s in missing[:5])
        result.message = (
            f"no plan for {len(missing)} coalition(s) ({names}): those members cannot meet "
            "their demand under the rules on their own, so the game is not defined and no split "
            "is given (a shortfall_penalty on the items prices what they cannot buy)"
        )
    else:
        cost = {s: float(p.cost) for s, p in plans.items() if p.cost is not None}
        unproven = [s for s, p in plans.items() if not p.proven]
        result.proven = not unproven
        if unproven:
            result.message = (
                f"{len(unproven)} of {len(plans)} coalition plans are not proven optimal: the "
                "costs, the split and the core test are of the plans found, not of the optima"
            )
        result.shapley = shapley(n, cost)
        # A simple reference beside any split: the joint cost in proportion to demand.
        result.proportional = proportional(result.demand_weights, cost[frozenset(range(n))])
        result.split = {
            "shapley": lambda: result.shapley,
            "nucleolus": lambda: nucleolus(n, cost),
            "proportional": lambda: result.proportional,
        }[split]()
        ok, worst, excess = in_core(n, cost, result.split)
        result.in_core = ok
        if worst is not None and not ok:
            result.blocking = tuple(members[i] for i in sorted(worst))
            result.blocking_excess = excess
        if split == "shapley" and not ok:
            result.nucleolus = nucleolus(n, cost)
    result.timings = {"total": time.perf_counter() - t0}
    if grand.cost is None:
        result.message = result.message or "the grand coalition has no plan"
    return result


def _demand_weights(instance: Instance) -> list[float]:
    """Each member's share of every item's joint demand, averaged over the items (they sum
    to 1; items are in different units, so shares, not quantities, are averaged)."""
    total: dict[str, float] = {}
    for b in instance.buyers:
        for item, q in b.demand.items():
            total[item] = total.get(item, 0.0) + q
    items = [i for i, q in total.items() if q > 0]
    if not items:
        return [0.0] * len(instance.buyers)
    return [
        math.fsum(b.demand.get(i, 0.0) / total[i] for i in items) / len(items)
        for b in instance.buyers
    ]


__all__ = ["COMPONENTS", "SPLITS", "CoalitionResult", "coalition", "solve_task"]
