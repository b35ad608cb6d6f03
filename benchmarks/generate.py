"""Seeded generator of realistic sourcing instances with about N supplier offers.

A generator of the shape used in the project's early performance study, emitted as a
schema-1 document (inline tables) instead of raw arrays. Offers are flat and sorted by item:
offer ``s{k*S + j}`` supplies item ``k{k}``, so every item has exactly ``S`` offers and
``N = K * S``.

=========================  ==================================================================
countries                  the first C of a fixed list of real ISO alpha-2 codes: hubs first
                           (``max(2, C // 10)``, cheap, not allied), then allied
                           (``int(0.4 * C)``, bloc ``allies``), then the rest
supplier country           35 % in a hub (uniform over hubs), else uniform over non-hubs
demand D_k                 U(1000, 10000), rounded
unit cost p_s              base_k ~ U(10, 100) x (0.80 hub / 1.15 allied / 1.0 other)
                           x lognormal(0, 0.08), rounded to 3 decimals
capacity                   D_k x U(0.15, 0.5) at hubs, D_k x U(0.03, 0.25) elsewhere, rounded
min order                  capacity x U(0.05, 0.3), rounded
fixed (onboarding) cost    p_s x D_k x U(0.003, 0.02), rounded to cents
rules ``default``          ``country_cap`` max_share 0.35; ``bloc_share`` allies min_share 0.30
rules ``trust``            the same two, plus ``min_suppliers`` count 3 (min_share_each 0.01)
                           and ``exit`` lose country, coverage 1.0: the probe's full rule set
                           with its minimum-supplier count and N-1 exit rows
=========================  ==================================================================

The rule set changes only the ``rules`` list (and the name); the data are the same for the same
seed. Sizes 1 000, 10 000 and 100 000 use the probe's small/medium/large shapes where they exist
(K, S, C) = (20, 50, 30), (50, 200, 40), (200, 500, 60)::

    python benchmarks/generate.py --n 10000 --seed 0 --write /tmp/gen10k
    python benchmarks/generate.py --n 10000 --rules trust --write /tmp/gen10k-trust
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

HUBS = ["CN", "IN", "VN", "ID", "MY", "TH", "PH", "BD", "PK", "TR"]
ALLIED = [
    "US",
    "JP",
    "KR",
    "AU",
    "CA",
    "GB",
    "DE",
    "FR",
    "NL",
    "IT",
    "ES",
    "SE",
    "FI",
    "NO",
    "DK",
    "PL",
    "BE",
    "AT",
    "IE",
    "CH",
    "NZ",
    "PT",
    "CZ",
    "IL",
    "SG",
    "EE",
    "LV",
    "LT",
    "SK",
    "SI",
    "HR",
    "LU",
    "IS",
    "GR",
    "RO",
    "BG",
    "HU",
    "MT",
    "CY",
    "TW",
]
OTHER = [
    "BR",
    "MX",
    "CL",
    "PE",
    "AR",
    "ZA",
    "NG",
    "EG",
    "MA",
    "SA",
    "AE",
    "KZ",
    "UA",
    "CO",
    "KE",
    "ET",
    "GH",
    "TN",
    "DZ",
    "QA",
    "OM",
    "UZ",
    "MN",
    "LK",
    "KH",
    "LA",
    "MM",
    "NP",
    "EC",
    "BO",
    "PY",
    "UY",
    "VE",
    "CR",
    "PA",
    "GT",
    "DO",
    "JM",
    "CI",
    "SN",
    "CM",
    "TZ",
    "UG",
    "ZM",
    "ZW",
    "MZ",
    "AO",
    "NA",
    "BW",
    "RU",
]
MAX_COUNTRIES = 100
"""Largest C the lists support (10 hubs, 40 allied, 50 others)."""

SHAPES: dict[int, tuple[int, int, int]] = {
    1_000: (20, 50, 30),
    10_000: (50, 200, 40),
    100_000: (200, 500, 60),
}
"""Offers N -> (items K, offers per item S, countries C)."""

COUNTRY_CAP = 0.35
ALLIED_FLOOR = 0.30
MIN_SUPPLIERS = 3
MIN_SHARE_EACH = 0.01
EXIT_COVERAGE = 1.0
RULE_SETS = ("default", "trust")
"""``default``: country cap + allied floor; ``trust``: also min_suppliers and exit (N-1)."""


def rules_for(rules: str = "default") -> list[dict[str, Any]]:
    """The ``rules`` list of a generated document for the rule set ``rules``."""
    if rules not in RULE_SETS:
        raise ValueError(f"unknown rule set {rules!r}; use one of {', '.join(RULE_SETS)}")
    out: list[dict[str, Any]] = [
        {"kind": "country_cap", "name": "country-cap-35", "max_share": COUNTRY_CAP},
        {"kind": "bloc_share", "name": "allies-30", "bloc": "allies", "min_share": ALLIED_FLOOR},
    ]
    if rules == "trust":
        out += [
            {
                "kind": "min_suppliers",
                "name": "min-suppliers-3",
                "count": MIN_SUPPLIERS,
                "min_share_each": MIN_SHARE_EACH,
            },
            {"kind": "exit", "name": "exit-n-1", "lose": "country", "coverage": EXIT_COVERAGE},
        ]
    return out


def shape_for(n_offers: int) -> tuple[int, int, int]:
    """(K, S, C) for about ``n_offers`` offers: a preset, else S ~ 2 sqrt(N) in [20, 500]."""
    if n_offers in SHAPES:
        return SHAPES[n_offers]
    per_item = int(min(500, max(20, round(2 * math.sqrt(n_offers)))))
    items = max(1, round(n_offers / per_item))
    countries = int(min(60, max(20, round(10 * math.log10(max(n_offers, 10))))))
    return items, per_item, countries


def countries_for(n_countries: int) -> tuple[list[str], list[str], list[str]]:
    """(hubs, allied, others) for ``n_countries`` countries, as in the probe's index ranges."""
    if not 3 <= n_countries <= MAX_COUNTRIES:
        raise ValueError(f"countries must be in [3, {MAX_COUNTRIES}], got {n_countries}")
    n_hub = max(2, n_countries // 10)
    n_allied = int(0.4 * n_countries)
    n_other = n_countries - n_hub - n_allied
    return HUBS[:n_hub], ALLIED[:n_allied], OTHER[:n_other]


def generate(
    n_offers: int = 1_000,
    seed: int = 0,
    items: int | None = None,
    per_item: int | None = None,
    countries: int | None = None,
    rules: str = "default",
) -> dict[str, Any]:
    """A schema-1 instance document with inline tables and about ``n_offers`` offers.

    ``items``, ``per_item`` and ``countries`` override the shape chosen by :func:`shape_for`;
    ``rules`` picks the rule set (``default`` or ``trust``, see :func:`rules_for`). The same
    arguments always give the same document (numpy ``default_rng(seed)``).
    """
    rule_list = rules_for(rules)
    k_def, s_def, c_def = shape_for(n_offers)
    n_items, n_per, n_countries = items or k_def, per_item or s_def, countries or c_def
    hubs, allied, others = countries_for(n_countries)
    codes = np.array(hubs + allied + others, dtype=object)
    n_hub, n_allied = len(hubs), len(allied)
    n = n_items * n_per
    rng = np.random.default_rng(seed)

    item_of = np.repeat(np.arange(n_items), n_per)
    in_hub = rng.random(n) < 0.35
    country = np.where(
        in_hub,
        rng.integers(0, n_hub, n),
        rng.integers(n_hub, n_countries, n),
    )
    is_allied = (country >= n_hub) & (country < n_hub + n_allied)
    demand = np.round(rng.uniform(1000, 10000, n_items))
    base = rng.uniform(10, 100, n_items)
    factor = np.where(in_hub, 0.80, np.where(is_allied, 1.15, 1.0))
    price = np.round(base[item_of] * factor * rng.lognormal(0.0, 0.08, n), 3)
    d = demand[item_of]
    cap = np.round(np.where(in_hub, d * rng.uniform(0.15, 0.5, n), d * rng.uniform(0.03, 0.25, n)))
    moq = np.round(cap * rng.uniform(0.05, 0.3, n))
    fixed = np.round(price * d * rng.uniform(0.003, 0.02, n), 2)

    item_ids = [f"k{k}" for k in range(n_items)]
    suppliers = [
        {
            "id": f"s{s}",
            "item": item_ids[k],
            "country": c,
            "unit_cost": p,
            "capacity": q,
            "min_order": m,
            "fixed_cost": f,
        }
        for s, (k, c, p, q, m, f) in enumerate(
            zip(
                item_of.tolist(),
                codes[country].tolist(),
                price.tolist(),
                cap.tolist(),
                moq.tolist(),
                fixed.tolist(),
                strict=True,
            )
        )
    ]
    return {
        "trustsource": 1,
        "name": f"generated-{n}-seed{seed}" + ("" if rules == "default" else f"-{rules}"),
        "currency": "USD",
        "description": (
            f"Synthetic benchmark: {n_items} items x {n_per} offers, {n_countries} countries "
            f"({n_hub} hubs, {n_allied} allied); generator of performance-probe.md section 1, "
            f"seed {seed}"
        ),
        "sources": ["benchmarks/generate.py (synthetic)"],
        "blocs": {"allies": list(allied)},
        "items": [{"id": i, "demand": dm} for i, dm in zip(item_ids, demand.tolist(), strict=True)],
        "suppliers": suppliers,
        "rules": rule_list,
    }


def write_instance(doc: dict[str, Any], directory: str | Path, stem: str = "instance") -> Path:
    """Write ``doc`` as ``<stem>.yaml`` plus one CSV per inline table; return the YAML path.

    Works for any schema-1 document with inline ``items``, ``sites`` and ``suppliers`` (mapping
    cells such as ``inputs`` or ``price_tiers`` are written as JSON, which the loader parses).
    """
    import pandas as pd
    import yaml

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = dict(doc)
    for table in ("items", "sites", "suppliers"):
        rows = doc.get(table)
        if not isinstance(rows, list) or not rows:
            continue
        frame = pd.DataFrame.from_records(rows)
        for col in frame.columns:
            if frame[col].map(lambda v: isinstance(v, dict)).any():
                frame[col] = frame[col].map(lambda v: json.dumps(v) if isinstance(v, dict) else v)
        name = f"{table}.csv" if stem == "instance" else f"{stem}.{table}.csv"
        frame.to_csv(directory / name, index=False)
        out[table] = name
    path = directory / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(out, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: generate, summarise, optionally write YAML + CSV."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1_000, help="about this many offers (default 1000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--items", type=int, default=None, help="override K")
    p.add_argument("--per-item", type=int, default=None, help="override S")
    p.add_argument("--countries", type=int, default=None, help="override C")
    p.add_argument(
        "--rules",
        choices=RULE_SETS,
        default="default",
        help="default: country cap + allied floor; trust: also min_suppliers 3 "
        "and exit (lose one country)",
    )
    p.add_argument(
        "--write",
        metavar="DIR",
        default=None,
        help="write DIR/instance.yaml, items.csv and suppliers.csv",
    )
    args = p.parse_args(argv)
    doc = generate(args.n, args.seed, args.items, args.per_item, args.countries, args.rules)
    print(
        f"{doc['name']}: {len(doc['items'])} items, {len(doc['suppliers'])} offers, "
        f"{len(doc['blocs']['allies'])} allied countries, rules: "
        f"{', '.join(r['kind'] for r in doc['rules'])}"
    )
    if args.write:
        print(f"wrote {write_instance(doc, args.write)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
