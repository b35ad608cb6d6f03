"""OR-Library capacitated warehouse location (Beasley 1988) as trustsource instances.

The files ``cap41.txt`` ... ``cap134.txt`` and ``capa/capb/capc.txt`` (see the README next to
the data, by default ``../shared/benchmarks/orlib-cap`` relative to the repository) are read
token by token and converted to schema-1 documents:

* warehouse i -> site ``w{i}`` (country ``ZZ``, capacity s_i, fixed cost f_i);
* customer j -> item ``c{j}`` with demand d_j;
* each pair -> supplier offer ``o{i}_{j}`` of item ``c{j}`` at site ``w{i}``, unit cost
  c_ij / d_j (c_ij is the cost of serving *all* of customer j from warehouse i) and no capacity
  of its own, so the site's capacity binds;
* ``single_source=True`` adds the rule ``{kind: max_suppliers, count: 1}`` (each customer served
  by one warehouse).

The multi-source optimum of the converted instance equals the published OR-Library optimum
(``optimal.csv``). As a script it solves a set of instances and compares::

    python benchmarks/orlib.py --set small
    python benchmarks/orlib.py --names cap41,cap131 --out benchmarks/results/orlib.csv
    python benchmarks/orlib.py --set large --time-limit 900
    python benchmarks/orlib.py --set small --single-source   # optimal_single_source.csv

``small`` is the 37 instances cap41 ... cap134; ``large`` the 12 capa/capb/capc variants in
``optimal.csv`` (minutes each). With ``--single-source`` only the instances listed in
``optimal_single_source.csv`` run (cap4x, cap51, cap8x and cap11x have no single-source
solution). The data directory is ``--data-dir``, else the environment
variable ``TRUSTSOURCE_ORLIB_DIR``, else ``<repo>/../shared/benchmarks/orlib-cap``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO.parent / "shared" / "benchmarks" / "orlib-cap"
"""Where the shared copy of the OR-Library files lives, relative to the repository."""

SOURCE = (
    "OR-Library capacitated warehouse location, J.E. Beasley (1988), EJOR 33:314-325; "
    "http://people.brunel.ac.uk/~mastjjb/jeb/orlib/capinfo.html"
)
COUNTRY = "ZZ"
"""User-assigned ISO code given to every warehouse (the data have no geography)."""

SMALL = (
    [f"cap4{k}" for k in (1, 2, 3, 4)]
    + ["cap51"]  # the only instance of group 5
    + [f"cap{g}{k}" for g in (6, 7, 8, 9, 10, 11, 12, 13) for k in (1, 2, 3, 4)]
)
"""The 37 small instances, cap41 ... cap134, in OR-Library order."""

REL_TOL = 1e-6
"""Relative tolerance for matching a published optimum."""

_VARIANT = re.compile(r"^(?P<file>[a-z0-9]+)_(?P<capacity>\d+(?:\.\d+)?)$")


def data_dir(explicit: str | Path | None = None) -> Path:
    """The OR-Library directory: ``explicit``, else ``$TRUSTSOURCE_ORLIB_DIR``, else the default."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get("TRUSTSOURCE_ORLIB_DIR")
    return Path(env) if env else DEFAULT_DATA_DIR


def split_name(name: str) -> tuple[str, float | None]:
    """Instance name -> (file stem, capacity override): ``capa_8000`` -> (``capa``, 8000.0)."""
    m = _VARIANT.match(name)
    if m:
        return m["file"], float(m["capacity"])
    return name, None


def read_orlib(path: str | Path, capacity: float | None = None) -> dict[str, Any]:
    """Read one OR-Library ``cap*.txt`` file.

    Args:
        path: the file.
        capacity: value for the literal ``capacity`` tokens of capa/capb/capc (every warehouse
            gets it); required when the file has such tokens, ignored otherwise.

    Returns:
        A dict with ``name`` (file stem, plus ``_<capacity>`` when given), ``m`` warehouses,
        ``n`` customers, ``capacity`` (m,), ``fixed_cost`` (m,), ``demand`` (n,) and ``cost``
        (m, n) numpy arrays; ``cost[i, j]`` is the cost of serving all of customer j from
        warehouse i.

    Raises:
        ValueError: on a malformed file, or ``capacity`` tokens without a ``capacity`` value.
    """
    path = Path(path)
    tokens = path.read_text(encoding="ascii").split()
    if len(tokens) < 2:
        raise ValueError(f"{path}: expected 'm n' at the start, got {len(tokens)} tokens")
    m, n = int(tokens[0]), int(tokens[1])
    expected = 2 + 2 * m + n * (1 + m)
    if len(tokens) != expected:
        raise ValueError(f"{path}: expected {expected} tokens for m={m}, n={n}, got {len(tokens)}")
    head = tokens[2 : 2 + 2 * m]
    cap_tokens = head[0::2]
    literal = [t.lower() == "capacity" for t in cap_tokens]
    if any(literal) and capacity is None:
        raise ValueError(
            f"{path}: capacities are given per variant (literal 'capacity'); pass capacity=, "
            "e.g. 8000 for capa_8000"
        )
    caps = np.array(
        [capacity if lit else t for t, lit in zip(cap_tokens, literal, strict=True)], dtype=float
    )
    fixed = np.array(head[1::2], dtype=float)
    # Customer blocks: d_j followed by m costs, so a (n, m + 1) table.
    body = np.array(tokens[2 + 2 * m :], dtype=float).reshape(n, m + 1)
    name = path.stem if not any(literal) else f"{path.stem}_{capacity:g}"
    return {
        "name": name,
        "m": m,
        "n": n,
        "capacity": caps,
        "fixed_cost": fixed,
        "demand": body[:, 0].copy(),
        "cost": body[:, 1:].T.copy(),
    }


def load_named(name: str, directory: str | Path | None = None) -> dict[str, Any]:
    """Read an instance by its ``optimal.csv`` name (``cap41``, ``capa_8000``)."""
    stem, capacity = split_name(name)
    return read_orlib(data_dir(directory) / f"{stem}.txt", capacity=capacity)


def to_instance_doc(data: dict[str, Any], single_source: bool = False) -> dict[str, Any]:
    """Convert :func:`read_orlib` data to a schema-1 document with inline tables.

    Offers are ordered by customer, then warehouse. Built from plain Python lists in one pass, so
    the 100 x 1000 instances (100 000 offers) convert in well under a second.
    """
    m, n = data["m"], data["n"]
    demand = np.asarray(data["demand"], dtype=float)
    if np.any(demand <= 0):
        raise ValueError(f"{data['name']}: every demand must be > 0 to form unit costs")
    unit = (np.asarray(data["cost"], dtype=float) / demand[None, :]).T.tolist()  # [j][i]
    site_ids = [f"w{i + 1}" for i in range(m)]
    item_ids = [f"c{j + 1}" for j in range(n)]
    sites = [
        {"id": sid, "country": COUNTRY, "capacity": cap, "fixed_cost": f}
        for sid, cap, f in zip(
            site_ids, data["capacity"].tolist(), data["fixed_cost"].tolist(), strict=True
        )
    ]
    items = [{"id": iid, "demand": d} for iid, d in zip(item_ids, demand.tolist(), strict=True)]
    suppliers = [
        {"id": f"o{i + 1}_{j + 1}", "item": item_ids[j], "site": site_ids[i], "unit_cost": u}
        for j, row in enumerate(unit)
        for i, u in enumerate(row)
    ]
    rules: list[dict[str, Any]] = []
    if single_source:
        rules.append({"kind": "max_suppliers", "name": "single_source", "count": 1})
    return {
        "trustsource": 1,
        "name": data["name"] + ("-single-source" if single_source else ""),
        "description": (
            f"OR-Library capacitated warehouse location {data['name']}: {m} warehouses, "
            f"{n} customers" + (", single sourcing" if single_source else ", multi-source")
        ),
        "sources": [SOURCE],
        "items": items,
        "sites": sites,
        "suppliers": suppliers,
        "rules": rules,
    }


def published_optima(path: str | Path) -> dict[str, float]:
    """``optimal.csv`` (or ``optimal_single_source.csv``) -> {instance name: optimal value}."""
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["instance"]: float(row["optimal_value"]) for row in csv.DictReader(fh)}


def rel_error(ours: float | None, published: float) -> float:
    """|ours - published| / max(1, |published|); ``inf`` when there is no objective."""
    if ours is None or not math.isfinite(ours):
        return math.inf
    return abs(ours - published) / max(1.0, abs(published))


# --- script ---------------------------------------------------------------------------------

COLUMNS = [
    "name",
    "offers",
    "published",
    "ours",
    "rel_err",
    "check",
    "status",
    "mip_gap",
    "load_s",
    "build_s",
    "handoff_s",
    "solve_s",
    "total_s",
]


def run_one(
    name: str,
    published: float,
    directory: Path,
    time_limit: float | None,
    threads: int | None,
    single_source: bool = False,
) -> dict[str, Any]:
    """Load, convert, solve (gap 0) and compare one instance; return a result row."""
    import trustsource

    t0 = time.perf_counter()
    inst = trustsource.Instance.from_dict(
        to_instance_doc(load_named(name, directory), single_source=single_source),
        origin=f"{name}.txt",
    )
    load_s = time.perf_counter() - t0
    plan = trustsource.solve(inst, time_limit=time_limit, mip_rel_gap=0.0, threads=threads)
    tm = plan.timings
    obj = plan.objective
    err = rel_error(obj, published)
    return {
        "name": name,
        "offers": len(inst.suppliers),
        "published": published,
        "ours": obj,
        "rel_err": err,
        "check": "ok" if err <= REL_TOL else ("no plan" if obj is None else "MISMATCH"),
        "status": str(getattr(plan.status, "value", plan.status)),
        "mip_gap": plan.mip_gap,
        "load_s": load_s,
        "build_s": tm.get("build"),
        "handoff_s": tm.get("handoff"),
        "solve_s": tm.get("solve"),
        "total_s": tm.get("total"),
    }


def _fmt(value: Any, col: str) -> str:
    if value is None:
        return "-"
    if col in ("published", "ours"):
        return f"{value:,.3f}"
    if col == "rel_err":
        return "inf" if math.isinf(value) else f"{value:.1e}"
    if col == "mip_gap":
        return f"{value:.2e}" if math.isfinite(value) else "inf"
    if col.endswith("_s"):
        return f"{value:.3f}"
    return str(value)


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print result rows as an aligned plain-text table."""
    cells = [[_fmt(r.get(c), c) for c in COLUMNS] for r in rows]
    widths = [max(len(c), *(len(row[k]) for row in cells)) for k, c in enumerate(COLUMNS)]
    print("  ".join(c.rjust(w) for c, w in zip(COLUMNS, widths, strict=True)))
    for row in cells:
        print("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)), flush=True)


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """Write result rows (full precision) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({c: ("" if r.get(c) is None else r[c]) for c in COLUMNS})


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns 0 when every instance matches its published optimum."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--set",
        dest="which",
        choices=("small", "large", "all"),
        default="small",
        help="small: cap41..cap134 (37); large: capa/capb/capc variants (12)",
    )
    p.add_argument("--names", help="comma-separated instance names (overrides --set)")
    p.add_argument("--time-limit", type=float, default=600.0, help="seconds per instance")
    p.add_argument("--threads", type=int, default=None, help="HiGHS threads (default: HiGHS's)")
    p.add_argument(
        "--data-dir",
        default=None,
        help="OR-Library folder (default: $TRUSTSOURCE_ORLIB_DIR or ../shared/...)",
    )
    p.add_argument(
        "--single-source",
        action="store_true",
        help="add max_suppliers count 1 and compare with optimal_single_source.csv",
    )
    p.add_argument(
        "--out",
        default=None,
        help="CSV file for the results (default: benchmarks/results/orlib.csv, with "
        "--single-source orlib-single-source.csv)",
    )
    args = p.parse_args(argv)
    if args.out is None:
        stem = "orlib-single-source" if args.single_source else "orlib"
        args.out = str(REPO / "benchmarks" / "results" / f"{stem}.csv")

    directory = data_dir(args.data_dir)
    optima_file = "optimal_single_source.csv" if args.single_source else "optimal.csv"
    optima = published_optima(directory / optima_file)
    if args.names:
        names = [s.strip() for s in args.names.split(",") if s.strip()]
    else:
        large = [k for k in optima if k.startswith(("capa", "capb", "capc"))]
        names = {"small": SMALL, "large": large, "all": SMALL + large}[args.which]
        names = [k for k in names if k in optima]  # single source: only the feasible ones
    unknown = [k for k in names if k not in optima]
    if unknown:
        hint = " (no single-source solution exists for those)" if args.single_source else ""
        p.error(f"no published optimum in {optima_file} for: {', '.join(unknown)}{hint}")

    rows = []
    for name in names:
        rows.append(
            run_one(
                name, optima[name], directory, args.time_limit, args.threads, args.single_source
            )
        )
        print(
            f"{name}: {rows[-1]['check']} ({rows[-1]['status']}, {rows[-1]['total_s'] or 0:.2f} s)",
            file=sys.stderr,
            flush=True,
        )
    print_table(rows)
    write_csv(rows, Path(args.out))
    bad = [r["name"] for r in rows if r["check"] != "ok"]
    print(
        f"\n{len(rows) - len(bad)}/{len(rows)} match the published optimum "
        f"(rel err <= {REL_TOL:g}); results in {args.out}"
    )
    if bad:
        print(f"not matching: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
