"""Policy packs: named, cited rule sets an instance adopts with ``include:``.

A pack ships as ``data/packs/<id>.yaml``: its legal source, date of effect, status, and rules,
each with the source of its value and, where a statute's words became a number or a rule kind,
an ``interpretation`` saying so. ``trustsource packs`` lists them.

``include`` is expanded once, where a document is prepared (:mod:`.document`), before
validation: each pack rule becomes an instance rule named ``<pack>.<rule>``, its description
naming the pack and source. An entry is a pack id or ``{pack, items, year}``:

* ``items`` narrows every rule of the pack to those items;
* ``year`` takes the rules in effect that year (their ``from``/``until``), for a one-year
  instance; a periodic instance keeps ``from``/``until`` and the periods decide. A one-year
  instance must name the year when the pack's values change over time.

The expanded rules replace ``include`` in the instance: a dumped instance carries them, so it
reloads to the same rules without the pack (and never doubles them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..errors import Issue, did_you_mean
from ..limits import clip
from .readers.safe_yaml import load_yaml
from .schema import Id


class LegalSource(BaseModel):
    """Where a pack's rules come from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    citation: str
    url: str


class PackRule(BaseModel):
    """One rule of a pack, with the source of its value and how it was read."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: dict[str, Any]
    source: str
    interpretation: str | None = None


class Pack(BaseModel):
    """A named, cited rule set (``data/packs/<id>.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Id
    title: str
    jurisdiction: str
    legal_source: LegalSource
    effective: str
    """Date of effect of the values used (ISO date)."""
    status: str
    summary: str
    rules: tuple[PackRule, ...]

    @property
    def years(self) -> tuple[int, ...]:
        """The years in which the pack's values change (empty: the same every year)."""
        return tuple(
            sorted({int(r.rule[k]) for r in self.rules for k in ("from", "until") if k in r.rule})
        )

    @property
    def changes(self) -> bool:
        """Whether the pack's values change over time (then a one-year instance names a year)."""
        return len(self.years) > 1

    def rules_in(self, year: int | None, periods: Sequence[int] = ()) -> list[dict[str, Any]]:
        """The rule dicts for an instance. One-year (no ``periods``): those in effect in
        ``year`` (all when None), without from/until. Periodic: each rule whose years hold a
        period, its from/until moved to the first and last period inside them (a rule whose
        years hold none is left out: its value never applies)."""
        out = []
        for r in self.rules:
            rule = dict(r.rule)
            first, last = rule.pop("from", None), rule.pop("until", None)
            lo, hi = (
                (-(10**9) if first is None else int(first)),
                (10**9 if last is None else int(last)),
            )
            if periods:
                inside = [p for p in periods if lo <= p <= hi]
                if not inside:
                    continue
                if first is not None and inside[0] != periods[0]:
                    rule["from"] = inside[0]
                if last is not None and inside[-1] != periods[-1]:
                    rule["until"] = inside[-1]
            elif year is not None and not lo <= year <= hi:
                continue
            out.append(rule)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The pack as plain data (the machine contract of ``trustsource packs``)."""
        return self.model_dump(mode="json")


@lru_cache(maxsize=1)
def _shipped() -> dict[str, Pack]:
    folder = resources.files("trustsource.data").joinpath("packs")
    out: dict[str, Pack] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            doc, _ = load_yaml(entry.read_text("utf-8"), f"packs/{entry.name}")
            pack = Pack.model_validate(doc)
            out[pack.id] = pack
    return out


def packs() -> list[Pack]:
    """Every shipped policy pack, by id."""
    return list(_shipped().values())


def pack(pack_id: str) -> Pack:
    """The shipped pack ``pack_id`` (KeyError, with the known ids, if there is none)."""
    found = _shipped().get(pack_id)
    if found is None:
        raise KeyError(f"no policy pack {pack_id!r}{did_you_mean(pack_id, list(_shipped()))}")
    return found


def expand_includes(data: dict[str, Any], origin: str, issues: list[Issue]) -> None:
    """Replace ``data["include"]`` by the packs' rules appended to ``data["rules"]`` (in place);
    every problem is appended to ``issues``, located at ``include[k]``."""
    include = data.pop("include", None)
    if include is None:
        return
    where = f"{origin}: include"
    if not isinstance(include, list):
        issues.append(
            Issue(where, None, f"must be a list of pack ids, got {type(include).__name__}")
        )
        return
    rules = data.get("rules")
    if rules is None:
        rules = data["rules"] = []
    if not isinstance(rules, list):
        return  # reported where the rules are read
    own = {r.get("name") for r in rules if isinstance(r, Mapping)}
    periods = data.get("periods")
    periods = sorted(p for p in periods if isinstance(p, int)) if isinstance(periods, list) else []
    periodic = bool(periods)
    for k, entry in enumerate(include):
        at = f"{where}[{k}]"
        spec = _entry(entry, at, issues)
        if spec is None:
            continue
        pack_id, items, year = spec
        try:
            found = pack(pack_id)
        except KeyError:
            hint = did_you_mean(pack_id, [p.id for p in packs()])
            issues.append(Issue(at, "pack", f"unknown policy pack {clip(pack_id)}{hint}"))
            continue
        if year is None and found.changes and not periodic:
            issues.append(
                Issue(
                    at,
                    "year",
                    f"{pack_id}'s values change over {', '.join(map(str, found.years))}: name "
                    f"the year of this one-year instance ({{pack: {pack_id}, year: ...}})",
                )
            )
            continue
        chosen = found.rules_in(year, periods)
        if not chosen:
            issues.append(Issue(at, "year", f"no rule of {pack_id} is in effect in {year}"))
            continue
        for rule in chosen:
            name = f"{pack_id}.{rule.get('name', rule['kind'])}"
            if name in own:
                issues.append(
                    Issue(at, "pack", f"rule {clip(name)} is already in the instance's rules")
                )
                continue
            own.add(name)
            described = rule.get("description", "")
            rule = {**rule, "name": name, "description": f"{described} [pack {pack_id}]".strip()}
            if items is not None:
                rule["items"] = items
            rules.append(rule)


def _entry(
    entry: Any, at: str, issues: list[Issue]
) -> tuple[str, list[str] | None, int | None] | None:
    """``(pack id, items, year)`` of one include entry, or None (and an issue) if malformed."""
    if isinstance(entry, str):
        return entry, None, None
    if not isinstance(entry, Mapping):
        issues.append(
            Issue(at, None, f"must be a pack id or {{pack, items, year}}, got {clip(entry)}")
        )
        return None
    unknown = sorted(set(entry) - {"pack", "items", "year"})
    if unknown:
        issues.append(Issue(at, unknown[0], "unknown key; an include takes pack, items and year"))
    pack_id, items, year = entry.get("pack"), entry.get("items"), entry.get("year")
    ok = not unknown
    if not isinstance(pack_id, str):
        issues.append(Issue(at, "pack", "give the pack id (`trustsource packs` lists them)"))
        ok = False
    if items is not None and (
        not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items)
    ):
        issues.append(Issue(at, "items", "must be a non-empty list of item ids"))
        ok = False
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        issues.append(Issue(at, "year", f"must be a year such as 2027, got {clip(year)}"))
        ok = False
    if not ok:
        return None
    return str(pack_id), items, year
