"""Checks that need the whole instance: references, duplicates, countries, cycles, magnitudes.

Entry-level checks (types, ranges, unknown keys) are done by the schema models; this module
checks how entries relate. When some entries fail their own checks, :func:`.partial.readable_parts`
still runs these checks on what can be read of every entry, so one run reports both kinds of
problem. The pre-solve *findings* (well-formed values the model cannot honour) live in
:mod:`trustsource.instance.findings`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..countries import is_country
from ..errors import InstanceError, Issue, did_you_mean
from ..limits import MAX_COST, MAX_QUANTITY, clip
from .locate import Locator, format_error
from .ownership import entity_issues
from .scenarios import scenario_issues

if TYPE_CHECKING:
    from .instance import Instance


def _hint(word: str, options: Iterable[str]) -> str:
    return did_you_mean(word, options)


def check_instance(inst: Instance, loc: Locator, unread: frozenset[str] = frozenset()) -> Instance:
    """Validate cross-references and magnitudes; return the instance with resolved fields.

    Args:
        inst: the instance (or, on the error path, what could be read of it).
        loc: locates entries in messages.
        unread: sections whose entries could not be read at all (``items`` missing or empty):
            references into them are not checked, so one missing table is one message, not
            one per reference.

    Raises:
        InstanceError: listing every problem found.
    """
    issues: list[Issue] = []
    doc = loc.document
    item_ids = [it.id for it in inst.items]
    site_ids = [s.id for s in inst.sites]
    known_items: set[str] | None = None if "items" in unread else set(item_ids)
    sites = {s.id: s for s in inst.sites}

    for section, ids in (
        ("items", item_ids),
        ("sites", site_ids),
        ("suppliers", [s.id for s in inst.suppliers]),
    ):
        counts = Counter(ids)
        seen: set[str] = set()
        for k, i in enumerate(ids):
            if i is not None and counts[i] > 1 and i in seen:
                issues.append(Issue(loc.where(section, k), "id", f"duplicate id {clip(i)}"))
            seen.add(i)

    # Blocs and tariffs.
    bloc_names = set(inst.all_blocs)
    for name, members in inst.blocs.items():
        for c in members:
            if not is_country(c):
                issues.append(
                    Issue(f"{doc}: blocs.{name}", None, f"unknown country code {clip(c)}")
                )
    for c in inst.tariffs:
        if not is_country(c):
            issues.append(Issue(f"{doc}: tariffs", c, f"unknown country code {clip(c)}"))

    def country_ok(code: str | None, where: str, fld: str) -> None:
        if code is not None and not is_country(code):
            hint = " (codes are upper-case ISO 3166-1 alpha-2)" if code.upper() != code else ""
            issues.append(Issue(where, fld, f"unknown country code {clip(code)}{hint}"))

    # Owners: a country code or an entity of the `entities` table.
    entities = tuple(getattr(inst, "entities", ()) or ())
    entity_ids = {e.id for e in entities}
    issues.extend(entity_issues(entities, loc))

    def owner_ok(code: str | None, where: str) -> None:
        if code is not None and code not in entity_ids and not is_country(code):
            hint = (
                did_you_mean(code, sorted(entity_ids))
                if code.lower() == code
                else " (codes are upper-case ISO 3166-1 alpha-2)"
                if code.upper() != code
                else ""
            )
            issues.append(
                Issue(
                    where,
                    "owner",
                    f"unknown owner {clip(code)}: name a country code or an entity id{hint}",
                )
            )

    for k, s in enumerate(inst.sites):
        country_ok(s.country, loc.where("sites", k), "country")
        owner_ok(s.owner, loc.where("sites", k))

    # Items: inputs reference existing items, not themselves.
    for k, it in enumerate(inst.items):
        for j in it.inputs:
            if j == it.id:
                issues.append(
                    Issue(
                        loc.where("items", k),
                        "inputs",
                        f"item {clip(j)} cannot be an input of itself",
                    )
                )
            elif known_items is not None and j not in known_items:
                issues.append(
                    Issue(
                        loc.where("items", k),
                        "inputs",
                        f"unknown item {clip(j)}{_hint(j, item_ids)}",
                    )
                )

    # Suppliers: references, and country/owner resolved from the site. Locations are built
    # only for rows with a problem: this loop runs once per supplier (100k in benchmarks).
    tariffs = inst.tariffs
    for k, s in enumerate(inst.suppliers):
        if known_items is not None and s.item is not None and s.item not in known_items:
            issues.append(
                Issue(
                    loc.where("suppliers", k),
                    "item",
                    f"unknown item {clip(s.item)}{_hint(s.item, item_ids)}",
                )
            )
        country, owner = s.country, s.owner
        if s.site is not None:
            site = sites.get(s.site)
            if site is None:
                issues.append(
                    Issue(
                        loc.where("suppliers", k),
                        "site",
                        f"unknown site {clip(s.site)}{_hint(s.site, site_ids)}",
                    )
                )
            else:
                site_owner = site.owner or site.country
                if country is not None and country != site.country:
                    issues.append(
                        Issue(
                            loc.where("suppliers", k),
                            "country",
                            f"{clip(country)} contradicts site {clip(site.id)} "
                            f"(country {clip(site.country)}); omit it to inherit "
                            "the site's",
                        )
                    )
                if owner is not None and site.owner is not None and owner != site_owner:
                    issues.append(
                        Issue(
                            loc.where("suppliers", k),
                            "owner",
                            f"{clip(owner)} contradicts site {clip(site.id)} (owner "
                            f"{clip(site_owner)}); omit it to inherit the site's",
                        )
                    )
                country = country or site.country
                owner = owner or (site.owner or country)
        owner = owner or country
        if country is not None and not is_country(country):
            country_ok(country, loc.where("suppliers", k), "country")
        if owner is not None and owner not in entity_ids and not is_country(owner):
            owner_ok(owner, loc.where("suppliers", k))
        if tariffs and country in tariffs:
            _check_tariffed_price(s, country, tariffs[country], loc.where("suppliers", k), issues)
        # Fill the derived defaults in place: the spec was created by this validation, and
        # copying 100k frozen models cost over a second.
        if country != s.country:
            object.__setattr__(s, "country", country)
        if owner != s.owner:
            object.__setattr__(s, "owner", owner)

    before = len(issues)
    _check_cycles(inst, loc, issues)
    if len(issues) == before:  # the supply a plan needs is only defined without cycles
        _check_required_supply(inst, loc, issues)
    rules = _check_rules(
        inst.rules, lambda k: loc.where("rules", k), issues, known_items, item_ids, bloc_names
    )
    _check_variants(inst, rules, loc, issues, known_items, item_ids, bloc_names)
    issues += scenario_issues(inst, loc.document)

    if issues:
        raise InstanceError(issues)
    object.__setattr__(inst, "rules", tuple(rules))
    return inst


def _check_cycles(inst: Instance, loc: Locator, issues: list[Issue]) -> None:
    graph = {it.id: [j for j in it.inputs if j != it.id] for it in inst.items}
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        # Iterative depth-first search; a back edge closes a cycle.
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            succ = graph.get(node, [])
            if i < len(succ):
                stack.append((node, i + 1))
                nxt = succ[i]
                if state.get(nxt) == 1:
                    cyc = path[path.index(nxt) :] + [nxt]
                    k = inst.item_index[nxt]
                    issues.append(
                        Issue(
                            loc.where("items", k), "inputs", "cycle in inputs: " + " -> ".join(cyc)
                        )
                    )
                    return
                if nxt in graph and not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()


def _check_tariffed_price(
    s: Any, country: str, rate: float, where: str, issues: list[Issue]
) -> None:
    """The price after the tariff of ``country`` must stay within MAX_COST."""
    if s.unit_cost is not None:
        fld, top = "unit_cost", s.unit_cost
    elif s.price_tiers is not None:
        fld, top = "price_tiers", max(b.price for b in s.price_tiers.breaks)
    else:
        return  # a row that failed its own checks
    if top * (1.0 + rate) > MAX_COST:
        issues.append(
            Issue(
                where,
                fld,
                f"price {top:g} with the {rate:g} tariff of {country} "
                f"is {top * (1.0 + rate):g}, above {MAX_COST:g}: HiGHS cannot honour "
                "larger costs reliably; state costs in a larger currency unit",
            )
        )


def _check_required_supply(inst: Instance, loc: Locator, issues: list[Issue]) -> None:
    """Demand carried up the bill of materials must stay within MAX_QUANTITY for every item."""
    if not any(it.inputs for it in inst.items):
        return  # without a bill of materials, required supply is the (bounded) demand
    known = {it.id for it in inst.items}
    if any(j not in known for it in inst.items for j in it.inputs):
        return  # an unknown input is reported already; the supply it needs is undefined
    need = required_supply(inst)
    for k, it in enumerate(inst.items):
        most = need[it.id][1]
        if most > MAX_QUANTITY:
            issues.append(
                Issue(
                    loc.where("items", k),
                    None,
                    f"{it.id}: required supply (demand plus inputs of the items that "
                    f"use it) is {most:g}, above {MAX_QUANTITY:g}: HiGHS cannot "
                    f"honour larger quantities reliably; measure {it.id} in a larger "
                    "unit (and scale its coefficients in inputs to match)",
                )
            )


def _check_rules(
    rules: Any,
    where_of: Any,
    issues: list[Issue],
    known_items: set[str] | None,
    item_ids: list[str],
    bloc_names: set[str],
) -> list[Any]:
    """Check rule references and names; return the rules with default names filled in.

    ``where_of(k)`` locates rule k (in ``rules`` or in a variant's ``add`` list);
    ``known_items`` is None when the items could not be read (item references are not checked).
    """
    bases = [_default_name(r) for r in rules]
    counts = Counter(b for r, b in zip(rules, bases) if r.name is None)
    numbered: Counter[str] = Counter()
    names: list[str] = []
    out = []
    for k, r in enumerate(rules):
        name = r.name
        if name is None:
            base = bases[k]
            numbered[base] += 1
            name = base if counts[base] == 1 else f"{base}_{numbered[base]}"
        names.append(name)
        where = where_of(k) if r.name else f"{where_of(k)} ({name})"
        for i in r.items or ():
            if known_items is not None and i not in known_items:
                issues.append(Issue(where, "items", f"unknown item {clip(i)}{_hint(i, item_ids)}"))
        selectors: list[tuple[str, str]] = []
        for fld in ("countries", "except_", "bloc"):
            val = getattr(r, fld, None)
            if val is None:
                continue
            for sel in [val] if isinstance(val, str) else val:
                selectors.append((fld.rstrip("_"), sel))
        for fld, sel in selectors:
            if sel not in bloc_names and not is_country(sel):
                issues.append(
                    Issue(
                        where,
                        fld,
                        f"unknown bloc or country {clip(sel)}{_hint(sel, sorted(bloc_names))}",
                    )
                )
        out.append(r.model_copy(update={"name": name}) if r.name is None else r)
    for name, n in Counter(names).items():
        if n > 1:
            k = names.index(name, names.index(name) + 1)
            issues.append(Issue(where_of(k), "name", f"duplicate rule name {clip(name)}"))
    return out


def _check_variants(
    inst: Instance,
    rules: list[Any],
    loc: Locator,
    issues: list[Issue],
    known_items: set[str] | None,
    item_ids: list[str],
    bloc_names: set[str],
) -> None:
    """Every variant must apply cleanly: names it drops or changes exist, its rules are sound."""
    names = [r.name for r in rules]
    for vname, variant in inst.variants.items():
        base = f"{loc.document}: variants.{vname}"
        drop = variant.drop if isinstance(variant.drop, (list, tuple)) else []
        for which, listed in (("drop", drop), ("change", list(variant.change))):
            for rname in listed:
                if rname not in names:
                    issues.append(
                        Issue(
                            base,
                            which,
                            f"no rule named {clip(rname)}{_hint(rname, [n for n in names if n])}",
                        )
                    )
        added = _check_rules(
            variant.add,
            lambda k, base=base: f"{base}.add[{k}]",
            issues,
            known_items,
            item_ids,
            bloc_names,
        )
        kept = {n for n in names if n not in drop and variant.drop != "all"}
        for k, r in enumerate(added):
            if r.name in kept:
                issues.append(
                    Issue(
                        f"{base}.add[{k}]",
                        "name",
                        f"rule {clip(r.name)} already exists; drop it first or use change",
                    )
                )
        for rname, update in variant.change.items():
            rule = next((r for r in rules if r.name == rname), None)
            if rule is None or isinstance(rule, RuleRefs):
                continue  # unknown (reported above), or invalid itself (reported already)
            if variant.drop == "all" or rname in drop:
                issues.append(
                    Issue(
                        f"{base}.change.{rname}",
                        None,
                        f"rule {clip(rname)} is also "
                        "dropped by this variant; drop it or change it, not both",
                    )
                )
                continue
            try:
                type(rule).model_validate({**rule.model_dump(by_alias=True), **update})
            except ValidationError as exc:
                for err in exc.errors():
                    field, msg = format_error(err, tuple(type(rule).model_fields) + ("except",))
                    issues.append(Issue(f"{base}.change.{rname}", field, msg))


def _default_name(rule: Any) -> str:
    """A readable default rule name: the kind, plus the bloc or countries it targets."""
    target = None
    if rule.kind == "ban":
        target = "_".join(rule.countries or ())
    elif rule.kind == "bloc_share":
        target = rule.bloc
    if target:
        cleaned = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in target.lower())
        return f"{rule.kind}_{cleaned}"
    return str(rule.kind)


def required_supply(
    inst: Instance, room: Mapping[str, tuple[float, float]] | None = None
) -> dict[str, tuple[float, float]]:
    """Per item, (least, most) total supply any plan needs: demand plus downstream inputs.

    The least counts demand only where shortfall is not allowed; the most assumes full demand.
    Both propagate through the bill of materials from finished goods to raw materials.
    ``room`` widens an item's own need to [demand - less, demand + more] (a stock that can
    serve demand or be filled, in a period of a periodic plan).
    """
    room = room or {}
    order = _topological(inst)
    least = {
        it.id: (
            0.0
            if it.shortfall_penalty is not None
            else max(0.0, it.demand - room.get(it.id, (0.0, 0.0))[0])
        )
        for it in inst.items
    }
    most = {it.id: it.demand + room.get(it.id, (0.0, 0.0))[1] for it in inst.items}
    by_id = {it.id: it for it in inst.items}
    for i in order:  # downstream first
        for j, per_unit in by_id[i].inputs.items():
            least[j] += per_unit * least[i]
            most[j] += per_unit * most[i]
    return {i: (least[i], most[i]) for i in least}


def _topological(inst: Instance) -> list[str]:
    """Items ordered so that every item comes before its inputs."""
    users: dict[str, int] = defaultdict(int)
    for it in inst.items:
        for j in it.inputs:
            users[j] += 1
    ready = [it.id for it in inst.items if users[it.id] == 0]
    by_id = {it.id: it for it in inst.items}
    order = []
    while ready:
        i = ready.pop()
        order.append(i)
        for j in by_id[i].inputs:
            users[j] -= 1
            if users[j] == 0:
                ready.append(j)
    return order


@dataclass(frozen=True)
class RuleRefs:
    """What the cross-entry checks read of a rule that failed its own validation."""

    kind: str
    name: str | None
    items: tuple[str, ...] | None
    countries: tuple[str, ...] | None
    except_: tuple[str, ...]
    bloc: str | None

    def model_copy(self, update: Mapping[str, Any]) -> RuleRefs:
        """Same as pydantic's, so the rule checks treat both alike."""
        return replace(self, **update)
