"""Scenarios: what a disruption changes, checked against the instance and applied to its document.

A scenario (``scenarios:`` in an instance, see :class:`.overlays.ScenarioSpec`) changes

* **capacity**: a factor in [0, 1] per country code, bloc, site or supplier id (0 = lost);
* **demand**: a factor per item id, or ``all`` (an item's own factor wins over ``all``);
* **price**: a factor on unit costs and tier prices per country code, bloc, site or supplier;
* **blocs**: countries leaving or joining a bloc for that scenario only.

Keys resolve as every country selector of an instance does (:func:`scenario_key_kind`): a bloc
first, then a country code, then a site id, then a supplier id. Where several keys reach one
supplier the most severe factor applies: the lowest capacity factor, the highest price factor.

:func:`scenario_issues` checks the scenarios of an instance (every key names something, the
listed probabilities sum to at most 1, what ``risk`` needs); :func:`apply_scenario` writes one
scenario into a schema-1 document, which is then validated like any instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from ..countries import is_country
from ..errors import Issue, did_you_mean
from ..limits import MAX_SCENARIOS, clip
from .periods import scaled
from .readers.safe_yaml import cut

if TYPE_CHECKING:
    from .instance import Instance
    from .overlays import ScenarioSpec

ScenarioKey = Literal["bloc", "country", "site", "supplier"]

BASE = "base"
"""The name of the case where nothing happens (in ``risk`` it takes the probability the listed
scenarios leave); no listed scenario may take it."""

_TOL = 1e-6
_PROBABILITY_SLACK = 1e-9  # probabilities written to 9 decimals may sum to 1 + rounding


def scenario_key_kind(
    key: str,
    blocs: Iterable[str] | Mapping[str, Any],
    site_ids: Iterable[str] | set[str],
    supplier_ids: Iterable[str] | set[str],
) -> ScenarioKey | None:
    """What a scenario key names, resolved like every country selector of an instance:
    a bloc (the instance's own, else a built-in one) first, then a country code, then a site
    id, then a supplier id; None when it names nothing. Country codes and bloc names never
    collide (codes are upper-case, bloc names ids); a bloc shadows a site or supplier of the
    same name."""
    if key in blocs:
        return "bloc"
    if is_country(key):
        return "country"
    if key in site_ids:
        return "site"
    if key in supplier_ids:
        return "supplier"
    return None


def scenario_key_issues(
    inst: Instance, scenarios: Mapping[str, Mapping[str, Any]], location: str, field_path: str
) -> list[Issue]:
    """One located issue per scenario key that names nothing (all of them, in order).

    Args:
        inst: the instance the scenarios change.
        scenarios: scenario name -> {key: factor}.
        location: where the scenarios are (the document, or the caller of ``stress``).
        field_path: the field of a key, formatted with ``scenario`` and ``key``.
    """
    blocs = inst.all_blocs
    site_ids = {s.id for s in inst.sites}
    sup_ids = {s.id for s in inst.suppliers if s.id}
    out: list[Issue] = []
    for name, factors in scenarios.items():
        for key in factors:
            fld = field_path.format(scenario=cut(str(name), 40), key=cut(str(key), 40))
            if not isinstance(key, str):
                out.append(
                    Issue(
                        location,
                        fld,
                        f"{clip(key)} is no bloc, country code, site or supplier: keys are text",
                    )
                )
                continue
            if scenario_key_kind(key, blocs, site_ids, sup_ids) is not None:
                continue
            if key.lower() in blocs:
                hint = f" (bloc names are lower-case: {key.lower()})"
            elif is_country(key.upper()):
                hint = f" (country codes are upper-case: {key.upper()})"
            else:
                hint = did_you_mean(key, sorted(set(blocs) | site_ids | sup_ids))
            out.append(
                Issue(
                    location, fld, f"{clip(key)} is no bloc, country code, site or supplier{hint}"
                )
            )
    return out


def scenario_issues(inst: Instance, location: str) -> list[Issue]:
    """Every problem of the instance's scenarios (and of its ``risk`` section), located."""
    scs = inst.scenarios
    out: list[Issue] = []
    if len(scs) > MAX_SCENARIOS:
        out.append(
            Issue(
                location,
                "scenarios",
                f"{len(scs):,} scenarios; at most {MAX_SCENARIOS:,} are accepted (the risk "
                "model copies the whole plan per scenario)",
            )
        )
    for part in ("capacity", "price"):
        out += scenario_key_issues(
            inst,
            {n: getattr(sc, part) for n, sc in scs.items()},
            location,
            "scenarios.{scenario}." + part + ".{key}",
        )
    item_ids = [it.id for it in inst.items]
    blocs = inst.all_blocs
    for name, sc in scs.items():
        at = f"scenarios.{cut(str(name), 40)}"
        for key in sc.demand:
            if key != "all" and key not in inst.item_index:
                out.append(
                    Issue(
                        location,
                        f"{at}.demand.{cut(key, 40)}",
                        f"unknown item {clip(key)}{did_you_mean(key, item_ids)} (or `all`)",
                    )
                )
        for bloc, change in sc.blocs.items():
            fld = f"{at}.blocs.{cut(bloc, 40)}"
            if bloc not in blocs:
                out.append(
                    Issue(location, fld, f"unknown bloc {clip(bloc)}{did_you_mean(bloc, blocs)}")
                )
                continue
            for part in ("remove", "add"):
                for code in getattr(change, part):
                    if not is_country(code):
                        out.append(
                            Issue(location, f"{fld}.{part}", f"{clip(code)} is no country code")
                        )
            if not (blocs[bloc] - set(change.remove)) | set(change.add):
                out.append(Issue(location, fld, f"removes every member of {bloc}"))
    given = [sc.probability for sc in scs.values() if sc.probability is not None]
    if sum(given) > 1 + _PROBABILITY_SLACK:
        out.append(
            Issue(
                location,
                "scenarios",
                f"the scenarios' probabilities sum to {sum(given):.6g}; at most 1 (the base "
                "case, nothing happening, takes what is left)",
            )
        )
    if inst.risk is not None:
        out += risk_issues(inst, location)
    return out


def risk_issues(inst: Instance, location: str) -> list[Issue]:
    """What the risk model needs and the instance lacks: probabilities and shortfall penalties."""
    out: list[Issue] = []
    for name, sc in inst.scenarios.items():
        if sc.probability is None:
            out.append(
                Issue(
                    location,
                    f"scenarios.{cut(str(name), 40)}.probability",
                    "missing: the risk model weighs every scenario by its probability",
                )
            )
    # An item without external demand is never short (the shortfall is of external demand).
    lacking = [it.id for it in inst.items if it.shortfall_penalty is None and it.demand > 0]
    if lacking:
        shown = ", ".join(lacking[:10]) + (
            f" and {len(lacking) - 10} more" if len(lacking) > 10 else ""
        )
        out.append(
            Issue(
                location,
                "items.shortfall_penalty",
                f"the risk model needs a shortfall_penalty on every item with demand so that "
                f"every scenario has an answer; missing on {shown}",
            )
        )
    if BASE in inst.scenarios:
        out.append(
            Issue(
                location,
                f"scenarios.{BASE}",
                f"`{BASE}` names the case where nothing happens: give this scenario another name",
            )
        )
    return out


def apply_capacity(
    doc: dict[str, Any],
    inst: Instance,
    factors: Mapping[str, float],
    basis: Mapping[str, float],
    kinds: Mapping[str, ScenarioKey] | None = None,
) -> None:
    """Scale capacities in ``doc`` (the document of ``inst``) by the scenario's factors.

    An offer without a capacity of its own takes ``basis[item]`` as the capacity a factor
    scales (0 < factor < 1); a factor 0 always loses it. An offer left with less than its
    minimum order is lost (capacity 0, no minimum order): it cannot be awarded at all.
    ``kinds`` names what keys are where that is known (the automatic one-loss scenarios of
    ``stress``, whose keys are sites or suppliers even where a bloc has the same name).
    """
    _scale_capacity(doc, inst.all_blocs, factors, basis, kinds)


def _scale_capacity(
    doc: dict[str, Any],
    blocs: Mapping[str, frozenset[str]],
    factors: Mapping[str, float],
    basis: Mapping[str, float],
    kinds: Mapping[str, ScenarioKey] | None,
) -> None:
    site_factor: dict[str, float] = {}
    country_factor: dict[str, float] = {}
    sup_factor: dict[str, float] = {}
    _resolve(doc, blocs, factors, kinds, min, site_factor, country_factor, sup_factor)
    for s in doc.get("sites", []):
        f = min(site_factor.get(s["id"], 1.0), country_factor.get(s["country"], 1.0))
        site_factor[s["id"]] = f
        if f < 1.0 and (s.get("capacity") is not None or f == 0.0):
            s["capacity"] = scaled(s["capacity"], f) if s.get("capacity") is not None else 0.0
    for s in doc.get("suppliers", []):
        f = min(
            sup_factor.get(s["id"], 1.0),
            country_factor.get(s["country"], 1.0),
            site_factor.get(s.get("site") or "", 1.0),
        )
        if f >= 1.0:
            continue
        cap = s.get("capacity")
        new = scaled(cap if cap is not None else basis.get(s["item"], 0.0), f)
        # A path by period is scaled as it is: the loader checks each period's values.
        plain = not isinstance(new, dict) and not isinstance(s.get("min_order"), dict)
        if plain and (new < s.get("min_order", 0.0) - _TOL or new <= _TOL):
            new = 0.0
            s["min_order"] = 0.0
        s["capacity"] = new


def apply_scenario(
    doc: dict[str, Any], inst: Instance, spec: ScenarioSpec, basis: Mapping[str, float]
) -> None:
    """Write every change of ``spec`` into ``doc``, the document of ``inst`` (in place).

    ``basis`` is the capacity an offer without one is taken to have (see :func:`apply_capacity`).
    """
    blocs = dict(inst.all_blocs)
    if spec.blocs:
        # Memberships first: a bloc key of the capacity or price factors means the bloc as it
        # is in this scenario.
        own = doc.setdefault("blocs", {})
        for bloc, change in spec.blocs.items():
            blocs[bloc] = (blocs[bloc] - set(change.remove)) | set(change.add)
            own[bloc] = sorted(blocs[bloc])
    if spec.demand:
        every = spec.demand.get("all", 1.0)
        for it in doc["items"]:
            it["demand"] = scaled(it.get("demand", 0.0), spec.demand.get(it["id"], every))
    if spec.price:
        site_f: dict[str, float] = {}
        country_f: dict[str, float] = {}
        sup_f: dict[str, float] = {}
        _resolve(doc, blocs, spec.price, None, max, site_f, country_f, sup_f)
        for s in doc.get("suppliers", []):
            f = max(
                sup_f.get(s["id"], 1.0),
                country_f.get(s["country"], 1.0),
                site_f.get(s.get("site") or "", 1.0),
            )
            if f == 1.0:
                continue
            if s.get("unit_cost") is not None:
                s["unit_cost"] = scaled(s["unit_cost"], f)
            tiers = s.get("price_tiers")
            if tiers:
                for brk in tiers["breaks"]:
                    brk["price"] = brk["price"] * f
    if spec.capacity:
        demand_f = max([1.0, *spec.demand.values()])
        grown = {i: q * demand_f for i, q in basis.items()}
        _scale_capacity(doc, blocs, spec.capacity, grown, None)


def _resolve(
    doc: Mapping[str, Any],
    blocs: Mapping[str, frozenset[str]],
    factors: Mapping[str, float],
    kinds: Mapping[str, ScenarioKey] | None,
    pick: Callable[[float, float], float],
    site_factor: dict[str, float],
    country_factor: dict[str, float],
    sup_factor: dict[str, float],
) -> None:
    """Sort the keys of ``factors`` into site, country and supplier factors (``pick`` of two
    factors reaching the same one: ``min`` for capacity, ``max`` for price)."""
    site_ids = {s["id"] for s in doc.get("sites", [])}
    sup_ids = {s["id"] for s in doc.get("suppliers", [])}
    for key, f in factors.items():
        if not (f >= 0):
            raise ValueError(f"scenario factor for {key!r} must be >= 0, got {f}")
        kind = (kinds or {}).get(key) or scenario_key_kind(key, blocs, site_ids, sup_ids)
        if kind == "site":
            site_factor[key] = pick(f, site_factor.get(key, f))
        elif kind == "supplier":
            sup_factor[key] = pick(f, sup_factor.get(key, f))
        elif kind in ("bloc", "country"):
            for c in blocs.get(key, frozenset((key,))):
                country_factor[c] = pick(f, country_factor.get(c, f))
        else:
            raise ValueError(f"scenario key {key!r} is not a site, supplier, bloc or country code")
