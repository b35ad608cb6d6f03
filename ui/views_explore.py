"""The Explore page: a sweep of one rule parameter (the cost curve, shortfall and the breaking
point), the variants side by side, stress (lose each country) and, for small instances, the
alternatives' share ranges. Each runs in the background through trustsource's runner
(processes, or the Dask scheduler ``trustsource ui --scheduler`` names)."""

from __future__ import annotations

import threading
from typing import Any

import altair as alt
import streamlit as st
import trustsource
from trustsource import Instance

from . import logic
from .state import Session

ALTERNATIVES_MAX_OFFERS = 400
"""Offers up to which the alternatives' ranges are offered (two solves per item and country)."""


def collect_analysis(sess: Session, kind: str, result: Any) -> None:
    """Keep a finished analysis's result for its tab."""
    sess.explore[kind] = result


def _tracker(progress: dict[str, Any]) -> Any:
    def report(done: int, total: int) -> None:
        progress.update(done=done, total=total)

    return report


def _submit(sess: Session, kind: str, label: str, run: Any) -> None:
    def work(stop: threading.Event, progress: dict[str, Any]) -> Any:
        return run(_tracker(progress))

    sess.jobs.submit(kind, label, work)


def _sweep_tab(sess: Session, inst: Instance) -> None:
    choices = [(v.name, k) for v in logic.rule_views(inst) for k in v.params]
    if not choices:
        st.info("No numeric rule parameter to sweep.")
        return
    pick = st.selectbox("Parameter", choices, format_func=lambda c: f"{c[0]}: {c[1]}", key="sw_p")
    assert pick is not None
    rule, param = pick
    share = param in logic.SHARE_KEYS
    c = st.columns(3)
    start = c[0].number_input("From", value=0.3 if share else 1.0, key="sw_start")
    stop = c[1].number_input("To", value=0.9 if share else 5.0, key="sw_stop")
    step = c[2].number_input("Step", value=0.05 if share else 1.0, min_value=1e-6, key="sw_step")
    if st.button("Run sweep", key="sw_run", disabled=sess.jobs.running):
        scheduler = sess.explore.get("scheduler")
        _submit(
            sess,
            "sweep",
            f"Sweep {rule} {param}",
            lambda progress: trustsource.sweep(
                inst,
                rule=rule,
                param=param,
                start=float(start),
                stop=float(stop),
                step=float(step),
                scheduler=scheduler,
                progress=progress,
            ),
        )
    res = sess.explore.get("sweep")
    if res is None:
        return
    t = res.table
    st.markdown(f"**{res.rule} {res.param}**: {len(t)} points")
    point = res.breaking_point
    if point is None:
        st.success("No breaking point: every value has a plan that meets demand.")
    else:
        st.warning(f"Breaking point at {point:g}: {res.breaking_detail}.")
    long = t.rename(columns={"value": "x"}).melt(
        id_vars=["x"], value_vars=["cost", "shortfall_penalty"], var_name="what"
    )
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("x:Q", title=res.param),
            y=alt.Y("value:Q", title=f"cost ({res.currency})"),
            color="what:N",
            tooltip=["x", "what", alt.Tooltip("value:Q", format=",.0f")],
        )
    )
    st.altair_chart(chart)
    st.dataframe(t, hide_index=True)


def _compare_tab(sess: Session, inst: Instance) -> None:
    if not inst.variants:
        st.info("The instance has no variants to compare.")
        return
    st.caption("The instance's own variants against its own rules (edits are not applied).")
    names = st.multiselect("Variants", list(inst.variants), default=list(inst.variants), key="cv")
    if st.button("Compare", key="cv_run", disabled=sess.jobs.running or not names):
        _submit(
            sess,
            "compare",
            "Compare variants",
            lambda progress: trustsource.compare(inst, list(names), progress=progress),
        )
    res = sess.explore.get("compare")
    if res is not None:
        st.dataframe(res.summary, hide_index=True)
        with st.expander("Per item"):
            st.dataframe(res.items, hide_index=True)


def _stress_tab(sess: Session, edited: Instance) -> None:
    st.caption("The plan of the edited rules, re-optimised without each country it uses.")
    if st.button("Stress: lose each country", key="st_run", disabled=sess.jobs.running):
        _submit(
            sess,
            "stress",
            "Stress",
            lambda progress: trustsource.stress(edited, lose="country", progress=progress),
        )
    res = sess.explore.get("stress")
    if res is not None:
        spof = res.single_points_of_failure
        if spof:
            st.warning("Single points of failure: " + ", ".join(spof))
        st.dataframe(res.summary, hide_index=True)


def _alternatives_tab(sess: Session, edited: Instance) -> None:
    if len(edited.suppliers) > ALTERNATIVES_MAX_OFFERS or edited.periods:
        st.info(
            f"The ranges are offered for one-year instances of up to {ALTERNATIVES_MAX_OFFERS} "
            "offers here; run `trustsource alternatives` for larger ones."
        )
        return
    slack = st.slider("Cost allowed above the optimum (%)", 0.0, 10.0, 2.0, 0.5, key="alt_s")
    if st.button("Find the ranges", key="alt_run", disabled=sess.jobs.running):
        scheduler = sess.explore.get("scheduler")
        _submit(
            sess,
            "alternatives",
            "Alternatives",
            lambda progress: trustsource.alternatives(
                edited, slack=slack / 100, count=0, scheduler=scheduler, progress=progress
            ),
        )
    res = sess.explore.get("alternatives")
    if res is not None:
        if res.message:
            st.caption(res.message)
        if not res.proven:
            st.warning("Some range ends are not proven (a solve stopped early).")
        st.dataframe(res.ranges, hide_index=True)


def explore_page(sess: Session) -> None:
    """Sweep, compare, stress and alternatives."""
    inst = sess.instance
    assert inst is not None
    st.header("Explore")
    edited = sess.solved.instance if sess.solved is not None else inst
    st.caption(
        "Sweep, stress and alternatives use the rules of the last solve"
        if sess.solved is not None
        else "Sweep, stress and alternatives use the instance's own rules (no solve yet)."
    )
    tabs = st.tabs(["Sweep", "Compare variants", "Stress", "Alternatives"])
    with tabs[0]:
        _sweep_tab(sess, edited)
    with tabs[1]:
        _compare_tab(sess, inst)
    with tabs[2]:
        _stress_tab(sess, edited)
    with tabs[3]:
        _alternatives_tab(sess, edited)
