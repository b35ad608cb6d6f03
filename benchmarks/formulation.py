"""Formulation, first-incumbent and HiGHS-option measurements (issue 20, parts 1, 2 and 4).

Solves each case end to end with ``trustsource.solve`` and records, from its progress callback,
the time of the first incumbent and the time the gap first fell to 1 %, plus the total time,
objective, status and final gap; ``--root`` also solves the LP relaxation of the built model
(``highs_from_data(relax=True)``) and reports the root gap against the objective. Run it against
another checkout (the release) by putting a folder with a ``trustsource`` symlink to that
checkout's ``optimizer/`` first on ``PYTHONPATH``::

    python benchmarks/formulation.py --cases capa_8000,gen-10000-trust --tag new
    PYTHONPATH=/work/basepath python benchmarks/formulation.py --cases capa_8000 --tag base

Cases: an OR-Library name (solved at gap 0) or ``gen-<n>[-trust]`` (generated, gap 1e-4).
``--options key=value,...`` passes HiGHS options through ``highs_options=``; ``--env`` sets
``TRUSTSOURCE_NO_START=1`` style switches for A/B runs of this checkout. Rows are appended to
``--out`` (CSV) so old and new runs land in one file.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # noqa: E402
from orlib import load_named, to_instance_doc  # noqa: E402

COLUMNS = [
    "tag",
    "case",
    "options",
    "load",
    "objective",
    "status",
    "gap",
    "first_s",
    "first_obj",
    "gap1pct_s",
    "total_s",
    "root_lp",
    "root_gap",
    "rows",
    "nnz",
]


def _parse_options(text: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, value = part.split("=", 1)
        v: Any = value
        for cast in (int, float):
            try:
                v = cast(value)
                break
            except ValueError:
                continue
        if value in ("true", "false"):
            v = value == "true"
        out[key.strip()] = v
    return out


def instance_doc(case: str) -> tuple[dict[str, Any], float]:
    """(schema-1 document, mip gap) for a case name."""
    if case.startswith("gen-"):
        parts = case.split("-")
        rules = parts[2] if len(parts) > 2 else "default"
        return generate(int(parts[1]), seed=0, rules=rules), 1e-4
    return to_instance_doc(load_named(case)), 0.0


def measure(
    case: str, tag: str, options: dict[str, Any], time_limit: float, root: bool
) -> dict[str, Any]:
    """One end-to-end solve of ``case``; returns a result row."""
    import trustsource
    from trustsource.model.build import build_model
    from trustsource.model.handoff import highs_from_data

    doc, gap = instance_doc(case)
    inst = trustsource.Instance.from_dict(doc, origin=case)
    t0 = time.perf_counter()
    seen: dict[str, float] = {}

    def progress(event: dict[str, Any]) -> None:
        if event.get("stage") != "solve":
            return
        obj = event.get("objective")
        now = time.perf_counter() - t0
        if obj is not None and obj < 1e300 and "first_s" not in seen:
            seen["first_s"], seen["first_obj"] = now, float(obj)
        g = event.get("gap")
        if g is not None and g <= 0.01 and "gap1pct_s" not in seen:
            seen["gap1pct_s"] = now

    plan = trustsource.solve(
        inst,
        mip_rel_gap=gap,
        time_limit=time_limit or None,  # 0: no limit (block-by-block solves need none)
        highs_options=options or None,
        progress=progress,
    )
    total = time.perf_counter() - t0
    row: dict[str, Any] = {
        "tag": tag,
        "case": case,
        "options": ";".join(f"{k}={v}" for k, v in options.items()),
        "load": os.getloadavg()[0],
        "objective": plan.objective,
        "status": str(getattr(plan.status, "value", plan.status)),
        "gap": plan.mip_gap,
        "first_s": seen.get("first_s"),
        "first_obj": seen.get("first_obj"),
        "gap1pct_s": seen.get("gap1pct_s"),
        "total_s": total,
    }
    if root:
        model = build_model(inst)
        h = highs_from_data(model.data, relax=True)
        h.setOptionValue("output_flag", False)
        h.run()
        lp = float(h.getInfo().objective_function_value)
        row["root_lp"] = lp
        if plan.objective:
            row["root_gap"] = (plan.objective - lp) / plan.objective
        row["rows"], row["nnz"] = model.stats["rows"], model.stats["nnz"]
    return row


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", required=True, help="comma-separated case names")
    p.add_argument("--tag", default="run", help="label of this run in the CSV (base, new, ...)")
    p.add_argument("--options", default=None, help="HiGHS options key=value,...")
    p.add_argument("--time-limit", type=float, default=300.0, help="seconds; 0: no limit")
    p.add_argument("--root", action="store_true", help="also solve the LP relaxation")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "formulation.csv"))
    args = p.parse_args(argv)
    options = _parse_options(args.options)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    new = not out.exists()
    for case in [c.strip() for c in args.cases.split(",") if c.strip()]:
        row = measure(case, args.tag, options, args.time_limit, args.root)
        print(" ".join(f"{k}={row.get(k)}" for k in COLUMNS if row.get(k) is not None), flush=True)
        with open(out, "a", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=COLUMNS)
            if new:
                w.writeheader()
                new = False
            w.writerow({k: row.get(k, "") for k in COLUMNS})
    return 0


if __name__ == "__main__":
    sys.exit(main())
