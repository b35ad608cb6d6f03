"""The analyst workbench: the Streamlit script ``trustsource ui`` serves.

Run as ``streamlit run app.py -- [FILE] [--scheduler ADDR]``. Four pages: Instance (load and
check), Rules (edit, switch off, pick a variant, solve), Plan (what the solve found) and Explore
(sweep, compare, stress, alternatives). The logic lives in :mod:`trustsource.ui.logic`, the
session's state in :mod:`trustsource.ui.state`; this script only lays the pages out.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import streamlit as st
import trustsource
from trustsource.ui import logic, uploads
from trustsource.ui.state import Session
from trustsource.ui.views_explore import collect_analysis, explore_page
from trustsource.ui.views_plan import plan_page
from trustsource.ui.views_rules import rules_page

PAGES = ["Instance", "Rules", "Plan", "Explore"]
POLL_SECONDS = 0.3


def _arguments() -> argparse.Namespace:
    """``[FILE] [--scheduler ADDR]`` after ``--`` on the streamlit command line."""
    p = argparse.ArgumentParser(prog="trustsource ui", add_help=False)
    p.add_argument("file", nargs="?", default=None)
    p.add_argument("--scheduler", default=None)
    # ``streamlit run app.py -- ARGS`` sets sys.argv to [app.py, *ARGS]; anything else (a test
    # harness running the script in its own process) passed no arguments to the workbench.
    mine = Path(sys.argv[0]).name == Path(__file__).name if sys.argv else False
    args, _ = p.parse_known_args(sys.argv[1:] if mine else [])
    return args


@st.cache_resource
def _cache() -> logic.ResultCache:
    """Plans by instance hash and options, shared by sessions (a plan is a pure function of
    them); each session's own state stays in its :class:`Session`."""
    return logic.ResultCache()


def _session() -> Session:
    if "ts" not in st.session_state:
        sess = Session()
        st.session_state["ts"] = sess
        args = _arguments()
        sess.explore["scheduler"] = args.scheduler
        if args.file:
            sess.set_instance(lambda: trustsource.load(args.file), args.file)
    ts: Session = st.session_state["ts"]
    return ts


def _collect(sess: Session) -> None:
    """Take in finished background work; a finished solve opens the Plan page."""
    done = sess.jobs.collect()
    if done is None:
        return
    job, result, exc = done
    if isinstance(exc, trustsource.InstanceError):
        sess.notes.append(f"{job.label}: " + "; ".join(logic.issue_lines(exc)))
    elif exc is not None:
        sess.notes.append(f"{job.label} failed: {type(exc).__name__}: {exc}")
    elif job.kind == "solve":
        sess.solved, sess.downloads = result, {}
        if result.plan.stopped_by == "interrupt":
            sess.notes.append("The solve was cancelled; the plan shown is what it had found.")
        st.session_state["page"] = "Plan"
    elif job.stop.is_set():
        sess.notes.append(f"{job.label} was cancelled; its result was discarded.")
    else:
        collect_analysis(sess, job.kind, result)


def instance_page(sess: Session) -> None:
    """Pick a bundled instance or upload one; located errors; a summary."""
    st.header("Instance")
    bundled = list(uploads.bundled_instances())
    left, right = st.columns(2)
    with left:
        st.subheader("A bundled instance")
        default = bundled.index("critical-minerals") if "critical-minerals" in bundled else 0
        name = st.selectbox("Bundled instance", bundled, index=default, key="bundled")
        if st.button("Load", key="load", type="primary") and name:
            sess.set_instance(lambda: uploads.load_bundled(name), name)
    with right:
        st.subheader("Your own file")
        up = st.file_uploader(
            "YAML, JSON, Excel workbook or a zipped CSV folder",
            type=[s.lstrip(".") for s in uploads.UPLOAD_SUFFIXES],
            key="upload",
        )
        if up is not None and up.file_id != sess.upload_seen:
            sess.upload_seen = up.file_id
            data = up.getvalue()
            sess.set_instance(
                lambda: uploads.load_upload(up.name, data, sess.workspace.fresh()), up.name
            )
    if sess.errors:
        n = len(sess.errors)
        st.error(
            f"{sess.error_source}: {n} problem{'s' if n != 1 else ''}\n\n"
            + "\n".join(f"- {line}" for line in sess.errors),
            icon=":material/error:",
        )
    inst = sess.instance
    if inst is None:
        st.info("Load a bundled instance or upload a file to begin.")
        return
    s = logic.summary(inst)
    st.success(f"Loaded {sess.source}: {inst!r}")
    cols = st.columns(5)
    for col, (label, value) in zip(
        cols,
        [
            ("Items", s["items"]),
            ("Offers", s["suppliers"]),
            ("Countries", s["countries"]),
            ("Rules", len(s["rules"])),
            ("Variants", len(s["variants"])),
        ],
    ):
        col.metric(label, value)
    if inst.description:
        st.caption(inst.description)
    for w in inst.warnings:
        st.warning(f"warning: {w}")
    st.markdown("**Rules:** " + (", ".join(s["rules"]) or "none"))
    st.markdown("**Variants:** " + (", ".join(s["variants"]) or "none"))
    if s["periods"]:
        st.markdown("**Periods:** " + ", ".join(map(str, s["periods"])))
    with st.expander("Offers"):
        st.dataframe(inst.to_frame(), hide_index=True)


def _sidebar(sess: Session) -> str:
    with st.sidebar:
        st.title("trustsource")
        page = st.radio("Page", PAGES, key="page")
        if sess.instance is not None:
            st.caption(f"Instance: {sess.instance.name}")
        job = sess.jobs.current
        if job is not None:
            st.info(f"{job.label}: running {job.seconds:.0f} s {_progress_text(job.progress)}")
            if st.button("Cancel", key="cancel"):
                sess.jobs.cancel()
        for note in sess.notes:
            st.warning(note)
        if sess.notes and st.button("Dismiss", key="dismiss"):
            sess.notes.clear()
    return str(page)


def _progress_text(p: dict[str, object]) -> str:
    if "done" in p:
        return f"({p['done']}/{p['total']} solves)"
    if "objective" in p:
        return f"(best {p['objective']:,.0f}, gap {p.get('gap', 0):.2%})"
    return ""


def main() -> None:
    """Lay out the page the sidebar picks; poll while background work runs."""
    st.set_page_config(page_title="trustsource workbench", layout="wide")
    sess = _session()
    _collect(sess)
    page = _sidebar(sess)
    if page == "Instance":
        instance_page(sess)
    elif sess.instance is None:
        st.info("Load an instance on the Instance page first.")
    elif page == "Rules":
        rules_page(sess, _cache())
    elif page == "Plan":
        plan_page(sess)
    else:
        explore_page(sess)
    if sess.jobs.current is not None:
        time.sleep(POLL_SECONDS)
        st.rerun()


main()
