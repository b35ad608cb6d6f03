"""Buyers planning together (schema 1, optional keys): each member's own demand and rules, and
what the coalition shares.

``buyers`` lists the members, each with its external demand per item and the rules that bind
its own supply (default: every rule not in ``coalition.rules``). ``coalition.shared`` says what
joint planning shares: ``qualification`` (one qualification serves every member; a qualified
standby then counts toward every member's exit coverage, so ``standby`` goes with it), ``sites``
(one onboarding serves every member) and ``tiers`` (volume tiers price the joint volume);
``coalition.rules`` names the rules that bind the coalition's total supply instead.

:func:`member_documents` turns a document with buyers into the plain documents the joint model
is built from: the coalition's (demand the members' total, the coalition rules) and one per
member (its demand, its rules, no minimum order: the coalition's order meets that).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from ..errors import Issue
from ..limits import clip
from .locate import Locator
from .schema import FrozenDict, Id, Quantity, Spec

if TYPE_CHECKING:
    from .instance import Instance

Shared = Literal["qualification", "sites", "tiers", "standby"]
SHARED: tuple[Shared, ...] = ("qualification", "sites", "tiers", "standby")
"""What joint planning can share; all of it by default."""
MAX_BUYERS = 12
"""Most members: the game solves every coalition, 2^n - 1 plans (4,095 at 12)."""


class BuyerSpec(Spec):
    """A member of the coalition: its own demand and the rules on its own supply."""

    id: Id
    """Unique member id."""
    demand: Annotated[FrozenDict[Id, Quantity], Field(json_schema_extra={"minProperties": 1})]
    """Item id -> this member's external demand."""
    rules: tuple[Id, ...] | None = None
    """Names of the rules that bind this member's own supply (default: every rule not in
    ``coalition.rules``)."""
    description: str | None = None
    """Free text."""


class CoalitionSpec(Spec):
    """What joint planning shares, and the rules on the coalition's total supply."""

    shared: tuple[Shared, ...] = SHARED
    """Shared decisions: ``qualification``, ``sites``, ``tiers``, ``standby`` (default all)."""
    rules: tuple[Id, ...] = ()
    """Names of the rules that bind the coalition's total supply (not each member's)."""


def buyer_issues(inst: Instance, loc: Locator) -> list[Issue]:
    """Cross-entry checks of ``buyers`` and ``coalition``, every problem located."""
    issues: list[Issue] = []
    if inst.coalition is not None and not inst.buyers:
        issues.append(Issue(f"{loc.document}: coalition", None, "needs a `buyers` list"))
    if not inst.buyers:
        return issues
    where = f"{loc.document}: buyers"
    if inst.periods:
        issues.append(Issue(where, None, "buyers cannot be combined with periods yet"))
    if len(inst.buyers) > MAX_BUYERS:
        issues.append(
            Issue(where, None, f"{len(inst.buyers)} buyers; at most {MAX_BUYERS} (2^n plans)")
        )
    items = {it.id: it for it in inst.items}
    names = [str(r.name) for r in inst.rules]
    joint = set(inst.coalition.rules) if inst.coalition is not None else set()
    for rule in sorted(joint - set(names)):
        issues.append(Issue(f"{loc.document}: coalition", "rules", f"no rule named {clip(rule)}"))
    counts = Counter(b.id for b in inst.buyers)
    total: dict[str, float] = {}
    for k, b in enumerate(inst.buyers):
        at = f"{where}[{k}] ({b.id})"
        if counts[b.id] > 1:
            issues.append(Issue(at, "id", f"duplicate buyer id {clip(b.id)}"))
        for item, q in b.demand.items():
            if item not in items:
                issues.append(Issue(at, "demand", f"unknown item {clip(item)}"))
            total[item] = total.get(item, 0.0) + q
        for rule in b.rules or ():
            if rule not in names:
                issues.append(Issue(at, "rules", f"no rule named {clip(rule)}"))
            elif rule in joint:
                issues.append(
                    Issue(
                        at, "rules", f"{clip(rule)} binds the coalition's total (coalition.rules)"
                    )
                )
    for item, it in items.items():
        got = total.get(item, 0.0)
        if it.demand and abs(it.demand - got) > 1e-9 * max(1.0, it.demand):
            issues.append(
                Issue(
                    loc.where("items", list(items).index(item)),
                    "demand",
                    f"{it.demand:g}, but the buyers' demands add up to {got:g}: with `buyers`, "
                    "give demand per buyer (item demand 0, or their total)",
                )
            )
    shared = set(inst.coalition.shared) if inst.coalition is not None else set(SHARED)
    if ("standby" in shared) != ("qualification" in shared):
        issues.append(
            Issue(
                f"{loc.document}: coalition",
                "shared",
                "`standby` goes with `qualification`: a qualification shared is a standby "
                "shared; list both or neither",
            )
        )
    return issues


def member_documents(
    doc: Mapping[str, Any], members: Sequence[str]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The coalition's plain document and one per member, for the ``members`` given.

    The coalition's: every item's demand the members' total, the rules of ``coalition.rules``.
    A member's: its own demand, its rules, and no minimum order (a minimum binds the
    coalition's order, which the coalition's document keeps).
    """
    buyers = {b["id"]: b for b in doc.get("buyers", [])}
    coalition = doc.get("coalition") or {}
    joint = set(coalition.get("rules", ()))
    names = [r.get("name", r.get("kind")) for r in doc.get("rules", [])]
    base = {k: v for k, v in doc.items() if k not in ("buyers", "coalition", "variants", "risk")}
    base.pop("scenarios", None)
    totals: dict[str, float] = {}
    for m in members:
        for item, q in buyers[m]["demand"].items():
            totals[item] = totals.get(item, 0.0) + float(q)
    whole = dict(base)
    whole["items"] = [{**it, "demand": totals.get(it["id"], 0.0)} for it in doc["items"]]
    whole["rules"] = [r for r, n in zip(doc.get("rules", []), names) if n in joint]
    whole["name"] = f"{doc.get('name', 'instance')} [{'+'.join(members)}]"
    own: dict[str, dict[str, Any]] = {}
    for m in members:
        b = buyers[m]
        chosen = set(b["rules"]) if b.get("rules") is not None else set(names) - joint
        d = dict(base)
        d["items"] = [
            {**it, "demand": float(b["demand"].get(it["id"], 0.0))} for it in doc["items"]
        ]
        d["suppliers"] = [{**s, "min_order": 0.0} for s in doc.get("suppliers", [])]
        d["rules"] = [r for r, n in zip(doc.get("rules", []), names) if n in chosen]
        d["name"] = f"{doc.get('name', 'instance')} [{m}]"
        own[m] = d
    return whole, own
