"""A diagnosis as changes to the document: each relaxation rounded the way the messages show
it (a share cap up, a floor down, a count to a whole number), loosening its rule as a whole, and
applied to a copy of the instance for the check re-solve (:func:`apply_changes`).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ...instance.instance import Instance
from ...instance.kinds import KINDS


def _round(value: float, up: bool, step: float) -> float:
    """``value`` rounded to ``step`` in the direction that loosens (as the messages show it)."""
    v = value / step
    v = math.ceil(v - 1e-6) if up else math.floor(v + 1e-6)
    return round(v * step, 12)


def _quantity_down(value: float) -> float:
    """A quantity rounded down to six significant digits (the messages' precision)."""
    if value <= 0:
        return 0.0
    step = 10.0 ** (math.floor(math.log10(value)) - 5)
    return _round(value, False, step)


def relaxation_changes(inst: Instance, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The relaxation rows as changes to the document, one per rule field or item demand.

    A rule relaxed on several items takes the loosest value any of them needs; the change
    applies to the rule as a whole (it loosens the rule on its other items too). Shares are
    rounded to 0.1 point, HHI to a point, quantities to six significant digits, each in the
    direction that loosens, as the messages show them. A ban is lifted for the items it must
    let supply through for (dropped when no item is left); unmet demand lowers the demand.
    """
    rules = {r.name or r.kind: r for r in inst.rules}
    items = {it.id: it for it in inst.items}
    out: dict[tuple[str, str], dict[str, Any]] = {}

    def put(rule: str, kind: str, fld: str, old: Any, new: Any, looser: Any) -> None:
        key = (rule, fld)
        if key in out:
            new = looser(out[key]["to"], new)
        out[key] = {"rule": rule, "kind": kind, "field": fld, "from": old, "to": new}

    for row in frame.to_dict(orient="records"):
        kind, name, needed = row["kind"], row["rule"], float(row["needed"])
        if kind == "demand":
            it = items[row["item"]]
            new = _quantity_down(max(it.demand - float(row["slack"]), 0.0))
            out[(it.id, "demand")] = {
                "item": it.id,
                "kind": "demand",
                "field": "demand",
                "from": it.demand,
                "to": new,
            }
            continue
        rule = rules[name]
        rk = KINDS[kind]
        if rk.limits:
            # The registry says which key the relaxation loosens and which way: a ceiling
            # rounds up (to a tenth of a percent, a whole HHI point or count), a floor down.
            lim = (
                rk.limits[0]
                if len(rk.limits) == 1
                else rk.limit("min" if str(row["scope"]).endswith("(min)") else "max")
            )
            assert lim is not None  # a kind with two limits has one of each sense
            lo, hi = lim.bounds
            up = lim.sense == "max"
            looser = max if up else min
            if lim.unit == "count":
                new_count = int(round(needed))
                if new_count >= 1 or up:
                    put(name, kind, lim.key, getattr(rule, lim.key), new_count, looser)
                else:  # no count can be met: the rule goes
                    out[(name, "rule")] = {
                        "rule": name,
                        "kind": kind,
                        "field": "rule",
                        "from": name,
                        "to": None,
                    }
                continue
            if lim.unit == "hhi":
                value = float(math.ceil(needed)) if up else float(math.floor(needed))
            else:
                value = _round(needed, up, 1e-3)
            put(name, kind, lim.key, getattr(rule, lim.key), min(max(value, lo), hi), looser)
        elif kind == "ban":
            current = list(rule.items) if rule.items is not None else list(items)
            prior = out.get((name, "items"))
            keep = [i for i in (prior["to"] if prior else current) if i != row["item"]]
            lifted = [*(prior["lifted"] if prior else []), row["item"]]
            out[(name, "items")] = {
                "rule": name,
                "kind": kind,
                "field": "items",
                "from": None if rule.items is None else list(rule.items),
                "to": keep,
                "lifted": lifted,
            }
    changes = list(out.values())
    for c in changes:
        if c["kind"] == "ban" and c["field"] == "items" and not c["to"]:
            c.update(field="rule", to=None, **{"from": c["rule"]})
    dropped = {c["rule"] for c in changes if c.get("field") == "rule"}
    return [c for c in changes if c.get("field") == "rule" or c.get("rule") not in dropped]


def apply_changes(
    document: dict[str, Any], changes: list[dict[str, Any]], base_dir: str | None = None
) -> dict[str, Any]:
    """A copy of a schema-1 ``document`` (inline items) with the changes applied.

    Rules are matched by name; a rule without one by the name validation gives it (``ban_us``,
    ``country_cap``: the document is validated for that, its CSV paths against ``base_dir``).
    A change with ``field`` ``rule`` drops the rule. Named variants are removed (they may name
    a dropped rule).
    """
    doc = {**document, "rules": [dict(r) for r in document.get("rules", [])]}
    doc["items"] = [dict(it) for it in document["items"]]
    if any("name" not in r for r in doc["rules"]):
        named = Instance.from_dict(document, base_dir=base_dir).rules
        for r, spec in zip(doc["rules"], named):
            r.setdefault("name", spec.name)
    doc.pop("variants", None)
    for c in changes:
        if "item" in c:
            for it in doc["items"]:
                if it["id"] == c["item"]:
                    it[c["field"]] = c["to"]
            continue
        if c["field"] == "rule":
            doc["rules"] = [r for r in doc["rules"] if r.get("name") != c["rule"]]
            continue
        for r in doc["rules"]:
            if r.get("name") == c["rule"]:
                r[c["field"]] = c["to"]
    return doc


def _describe(c: dict[str, Any]) -> str:
    if "item" in c:
        return f"demand of {c['item']} {c['from']:,.6g} -> {c['to']:,.6g}"
    if c["field"] == "items":
        return f"`{c['rule']}` lifted for {', '.join(c['lifted'])}"
    if c["kind"] == "ban" and c["field"] == "rule":
        return f"drop `{c['rule']}` (lifted for {', '.join(c['lifted'])})"
    if c["field"] == "rule":
        return f"drop `{c['rule']}`"
    return f"`{c['rule']}` {c['field']} {c['from']:g} -> {c['to']:g}"


def _merge(changes: list[dict[str, Any]], more: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``changes`` followed by ``more`` (changes to the instance with ``changes`` applied)."""

    def key(c: dict[str, Any]) -> tuple[str, str]:
        return (c.get("item") or c["rule"], c["field"])

    out = {key(c): dict(c) for c in changes}
    for c in more:
        if c["field"] == "rule":  # dropped now: earlier changes of the rule go
            out = {k: v for k, v in out.items() if v.get("rule") != c["rule"]}
        prior = out.get(key(c))
        if prior is None:
            out[key(c)] = dict(c)
            continue
        prior["to"] = c["to"]  # looser than before: it relaxes the relaxed instance
        if "lifted" in c:
            prior["lifted"] = [*prior.get("lifted", []), *c["lifted"]]
    return list(out.values())


def _relaxed(inst: Instance, changes: list[dict[str, Any]]) -> Instance:
    """``inst`` with the changes applied (every change keeps the document valid)."""
    doc = apply_changes(inst.to_dict(), changes)
    doc["name"] = f"{inst.name} [relaxed]"
    return Instance.from_dict(doc, origin=f"{inst.name} [relaxed]")
