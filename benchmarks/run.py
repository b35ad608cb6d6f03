"""End-to-end benchmark: what trustsource costs on top of HiGHS itself.

For each case (generated instances of about 1k/10k/100k offers, optionally OR-Library
capa_8000/capb_5000/capc_5000) it measures, in one process after a warm-up solve:

1. **load**: the instance written as YAML + CSV to a temporary folder, then ``trustsource.load``;
2. **trustsource.solve**: its ``timings`` (build, handoff, solve = HiGHS ``run()`` wall time,
   verify, results, total) and the model size; build + handoff seconds per million nonzeros;
3. **HiGHS alone on the same model**: ``build_model(inst, exit_form=...).to_highs()`` written to
   MPS, read into a fresh silent ``highspy.Highs`` with the same options (mip_rel_gap,
   time_limit, threads), and ``run()`` timed alone;
   (``--reference direct``: the ``to_highs()`` object itself, no file, so bit-identical input);
4. **ratio** = (load + build + handoff + solve + verify) / HiGHS ``run()``.

The MPS file rounds coefficients to 15 significant digits (``97.96000000000001`` becomes
``97.96``). That alone can change HiGHS's search path, and so its time, by a factor of 3 on the
trust rule set (measured at 1 000 offers); the ratio then measures that variability, not
trustsource's overhead, which is total minus solve.

``--rules trust`` generates the probe's full rule set (adds ``min_suppliers`` 3 and the N-1
``exit`` rule, see ``generate.py``); ``--exit-form`` picks the formulation of ``exit`` rules
(``auto``, ``dense``, ``aux``) for both trustsource and the HiGHS-alone reference. A markdown
table goes to stdout, every number to ``benchmarks/results/run.csv`` (with ``--rules trust``:
``run-trust-<exit form>.csv``)::

    python benchmarks/run.py --sizes 1000,10000
    python benchmarks/run.py --sizes 100000 --orlib capa,capb,capc --time-limit 900
    python benchmarks/run.py --sizes 1000,10000 --rules trust --exit-form dense
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import highspy
import trustsource

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (benchmarks/generate.py)
import orlib  # noqa: E402  (benchmarks/orlib.py)

ORLIB_DEFAULT_VARIANT = {"capa": "capa_8000", "capb": "capb_5000", "capc": "capc_5000"}
"""``--orlib capa`` means this variant (the tightest capacity of each file)."""

COLUMNS = [
    "case",
    "offers",
    "rows",
    "cols",
    "nnz",
    "integers",
    "load_s",
    "build_s",
    "handoff_s",
    "pyomo_build_s",
    "compile_s",
    "solve_s",
    "verify_s",
    "results_s",
    "total_s",
    "other_s",
    "e2e_s",
    "build_handoff_s_per_mnnz",
    "highs_run_s",
    "highs_runtime_s",
    "ratio",
    "status",
    "objective",
    "mip_gap",
    "highs_status",
    "highs_objective",
    "highs_mip_gap",
    "objective_rel_diff",
    "time_limit",
    "mip_rel_gap",
    "threads",
    "backend",
    "rules",
    "exit_form",
    "reference",
]


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def reference_highs(
    inst: trustsource.Instance,
    workdir: Path,
    time_limit: float | None,
    mip_rel_gap: float,
    threads: int | None,
    exit_form: str = "auto",
    route: str = "mps",
) -> dict[str, Any]:
    """Solve the same model with HiGHS alone and time ``run()``.

    ``route="mps"``: through an MPS file read by a fresh ``highspy.Highs``; ``"direct"``: the
    ``to_highs()`` object as built (bit-identical to what ``trustsource.solve`` passes).
    """
    if route == "direct":
        h = trustsource.build_model(inst, exit_form=exit_form).to_highs()
    else:
        mps = workdir / "model.mps"
        trustsource.build_model(inst, exit_form=exit_form).to_highs().writeModel(str(mps))
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    if route != "direct" and h.readModel(str(mps)) == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS could not read {mps}")
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    info = h.getInfo()
    has_sol = info.primal_solution_status == 2  # feasible
    return {
        "highs_run_s": seconds,
        "highs_runtime_s": h.getRunTime(),
        "highs_status": h.modelStatusToString(h.getModelStatus()),
        "highs_objective": float(info.objective_function_value) if has_sol else None,
        "highs_mip_gap": float(info.mip_gap) if has_sol else None,
    }


def measure(
    case: str,
    doc: dict[str, Any],
    time_limit: float | None,
    mip_rel_gap: float,
    threads: int | None,
    backend: str = "highspy",
    reference: bool = True,
    exit_form: str = "auto",
    rules: str = "default",
    reference_route: str = "mps",
) -> dict[str, Any]:
    """Load (YAML + CSV), solve, and solve again with HiGHS alone; return one result row."""
    with tempfile.TemporaryDirectory(prefix="trustsource-bench-") as tmp:
        workdir = Path(tmp)
        path = generate.write_instance(doc, workdir)
        t0 = time.perf_counter()
        inst = trustsource.load(path)
        load_s = time.perf_counter() - t0
        plan = trustsource.solve(
            inst,
            time_limit=time_limit,
            mip_rel_gap=mip_rel_gap,
            threads=threads,
            backend=backend,
            exit_form=exit_form,
        )
        tm = dict(plan.timings)
        stats = dict(plan.model_stats or {})
        known = sum(tm.get(k, 0.0) for k in ("build", "handoff", "solve", "verify", "results"))
        e2e = load_s + sum(tm.get(k, 0.0) for k in ("build", "handoff", "solve", "verify"))
        nnz = stats.get("nnz")
        row: dict[str, Any] = {
            "case": case,
            "offers": len(inst.suppliers),
            **{k: stats.get(k) for k in ("rows", "cols", "nnz", "integers")},
            "load_s": load_s,
            **{
                f"{k}_s": tm.get(k)
                for k in (
                    "build",
                    "handoff",
                    "pyomo_build",
                    "compile",
                    "solve",
                    "verify",
                    "results",
                    "total",
                )
            },
            "other_s": tm["total"] - known if "total" in tm else None,
            "e2e_s": e2e,
            "build_handoff_s_per_mnnz": (
                (tm.get("build", 0.0) + tm.get("handoff", 0.0)) / nnz * 1e6 if nnz else None
            ),
            "status": str(getattr(plan.status, "value", plan.status)),
            "objective": plan.objective,
            "mip_gap": plan.mip_gap,
            "time_limit": time_limit,
            "mip_rel_gap": mip_rel_gap,
            "threads": threads,
            "backend": backend,
            "rules": rules,
            "exit_form": exit_form,
            "reference": reference_route if reference else None,
        }
        if reference:
            row.update(
                reference_highs(
                    inst, workdir, time_limit, mip_rel_gap, threads, exit_form, reference_route
                )
            )
            run_s = row["highs_run_s"]
            row["ratio"] = e2e / run_s if run_s > 0 else None
            ours, theirs = plan.objective, row["highs_objective"]
            if ours is not None and theirs is not None:
                row["objective_rel_diff"] = abs(ours - theirs) / max(1.0, abs(theirs))
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    """The key columns as a markdown table."""
    head = [
        "case",
        "exit form",
        "offers",
        "nnz",
        "load s",
        "build s",
        "handoff s",
        "solve s",
        "verify s",
        "total s",
        "build+handoff s/M nnz",
        "HiGHS run s",
        "ratio",
        "status",
        "gap",
        "objective",
        "HiGHS status",
        "HiGHS objective",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        gap = r.get("mip_gap")
        obj, h_obj = r.get("objective"), r.get("highs_objective")
        cells = [
            r["case"],
            r.get("exit_form", "-"),
            f"{r['offers']:,}",
            f"{r['nnz']:,}" if r.get("nnz") else "-",
            _seconds(r["load_s"]),
            _seconds(r.get("build_s")),
            _seconds(r.get("handoff_s")),
            _seconds(r.get("solve_s")),
            _seconds(r.get("verify_s")),
            _seconds(r.get("total_s")),
            _seconds(r.get("build_handoff_s_per_mnnz")),
            _seconds(r.get("highs_run_s")),
            "-" if r.get("ratio") is None else f"{r['ratio']:.2f}",
            r["status"],
            "-" if gap is None else f"{gap:.2e}",
            "-" if obj is None else f"{obj:,.2f}",
            r.get("highs_status", "-"),
            "-" if h_obj is None else f"{h_obj:,.2f}",
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    """Write every column of ``rows`` to ``path`` (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({c: "" if r.get(c) is None else r[c] for c in COLUMNS})


def orlib_names(spec: str) -> list[str]:
    """``capa,capb,capc_6500`` -> ``[capa_8000, capb_5000, capc_6500]``."""
    names = []
    for part in (s.strip() for s in spec.split(",")):
        if part:
            names.append(ORLIB_DEFAULT_VARIANT.get(part, part))
    return names


def warm_up(backend: str, rules: str = "default", exit_form: str = "auto") -> None:
    """Solve a tiny instance once so one-off import costs stay out of the measurements."""
    inst = trustsource.Instance.from_dict(generate.generate(200, seed=1, rules=rules))
    trustsource.solve(inst, time_limit=30, backend=backend, exit_form=exit_form)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="comma-separated offer counts of generated instances ('' for none)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--orlib",
        default="",
        help="OR-Library cases, e.g. capa,capb,capc (= capa_8000, capb_5000, "
        "capc_5000) or explicit variants such as capa_10000",
    )
    p.add_argument(
        "--orlib-dir",
        default=None,
        help="OR-Library folder (default: $TRUSTSOURCE_ORLIB_DIR or ../shared/...)",
    )
    p.add_argument("--time-limit", type=float, default=300.0, help="seconds per solve")
    p.add_argument("--mip-gap", type=float, default=1e-4, help="relative MIP gap")
    p.add_argument("--threads", type=int, default=None, help="HiGHS threads (default: HiGHS's)")
    p.add_argument(
        "--backend",
        choices=("highspy", "pyomo"),
        default="highspy",
        help="trustsource.solve hand-off route (default: the library's, highspy)",
    )
    p.add_argument(
        "--rules",
        choices=generate.RULE_SETS,
        default="default",
        help="rule set of the generated instances: default (country cap + allied "
        "floor) or trust (also min_suppliers 3 and exit, lose one country)",
    )
    p.add_argument(
        "--exit-form",
        choices=("auto", "dense", "aux"),
        default="auto",
        help="formulation of exit rules, for trustsource and the HiGHS reference",
    )
    p.add_argument(
        "--reference",
        choices=("mps", "direct"),
        default="mps",
        help="HiGHS-alone input: the model written to MPS and read back (default), "
        "or the in-memory to_highs() object (bit-identical)",
    )
    p.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the HiGHS-alone solve (halves the run time)",
    )
    p.add_argument(
        "--out",
        default=None,
        help="CSV file (default: benchmarks/results/run.csv; with --rules trust "
        "run-trust-<exit form>.csv)",
    )
    args = p.parse_args(argv)
    if args.out is None:
        stem = "run" if args.rules == "default" else f"run-{args.rules}-{args.exit_form}"
        args.out = str(HERE / "results" / f"{stem}.csv")

    cases: list[tuple[str, Any]] = []
    for s in (x.strip() for x in args.sizes.split(",")):
        if s:
            n = int(float(s))
            label = f"gen-{n}" if args.rules == "default" else f"gen-{n}-{args.rules}"
            cases.append(
                (label, lambda n=n: generate.generate(n, seed=args.seed, rules=args.rules))
            )
    for name in orlib_names(args.orlib):
        cases.append(
            (
                name,
                lambda name=name: orlib.to_instance_doc(
                    orlib.load_named(name, orlib.data_dir(args.orlib_dir))
                ),
            )
        )
    if not cases:
        p.error("nothing to run: give --sizes and/or --orlib")

    warm_up(args.backend, args.rules, args.exit_form)
    rows = []
    for case, make in cases:
        print(f"{case}: running ...", file=sys.stderr, flush=True)
        row = measure(
            case,
            make(),
            args.time_limit,
            args.mip_gap,
            args.threads,
            args.backend,
            reference=not args.no_reference,
            exit_form=args.exit_form,
            rules=args.rules,
            reference_route=args.reference,
        )
        rows.append(row)
        ratio = row.get("ratio")
        print(
            f"{case}: {row['status']}, total {row['total_s']:.2f} s, ratio "
            f"{'-' if ratio is None or not math.isfinite(ratio) else f'{ratio:.2f}'}",
            file=sys.stderr,
            flush=True,
        )
        write_csv(rows, Path(args.out))  # keep partial results of long runs
    print(markdown(rows))
    print(f"\nfull results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
