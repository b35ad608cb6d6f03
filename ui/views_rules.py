"""The Rules page: every rule with its numbers editable, switches to turn rules off, a variant
to start from, and the Solve button (the solve runs in the background)."""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st
from trustsource import Instance, InstanceError

from . import logic
from .state import Session

OWN_RULES = "(the instance's own rules)"


def param_key(sess: Session, variant: str, rule: str, key: str) -> str:
    """The widget key of one rule parameter (new widgets for every loaded instance)."""
    return f"g{sess.generation}:param:{variant}:{rule}:{key}"


def _label(key: str) -> str:
    return key.replace("_", " ")


def rule_editors(sess: Session, base: Instance, variant: str) -> tuple[set[str], dict[Any, float]]:
    """The rules of ``base`` with their editors; returns the rules switched off and the values
    (shares as fractions)."""
    off: set[str] = set()
    values: dict[tuple[str, str], float] = {}
    views = logic.rule_views(base)
    if not views:
        st.info("This instance has no rules: the solve finds the cheapest plan.")
    for view in views:
        with st.container(border=True):
            top, switch = st.columns([4, 1])
            top.markdown(f"**{view.name}** ({view.kind})")
            if view.description:
                top.caption(view.description)
            okey = f"g{sess.generation}:on:{variant}:{view.name}"
            on = switch.toggle("on", value=sess.edits.get(okey, True), key=okey)
            sess.edits[okey] = on
            if not on:
                off.add(view.name)
            for key, value in view.params.items():
                wkey = param_key(sess, variant, view.name, key)
                if key in logic.SHARE_KEYS:
                    pct = round(100 * value, 6)
                    step = 1.0 if pct == int(pct) else 0.1
                    got = st.slider(
                        f"{view.name}: {_label(key)} (%)",
                        0.0,
                        100.0,
                        float(sess.edits.get(wkey, pct)),
                        step=step,
                        format="%.0f %%" if step == 1.0 else "%.1f %%",
                        key=wkey,
                        disabled=not on,
                    )
                    sess.edits[wkey] = got
                    values[(view.name, key)] = round(got / 100, 9)
                else:
                    got = st.number_input(
                        f"{view.name}: {_label(key)}",
                        value=float(sess.edits.get(wkey, value)),
                        min_value=0.0,
                        step=1.0,
                        key=wkey,
                        disabled=not on,
                    )
                    sess.edits[wkey] = got
                    values[(view.name, key)] = float(got)
    return off, values


def rules_page(sess: Session, cache: logic.ResultCache) -> None:
    """Edit the rules and solve."""
    inst = sess.instance
    assert inst is not None
    st.header("Rules")
    choices = [OWN_RULES, *inst.variants]
    vkey = f"g{sess.generation}:variant"
    kept = sess.edits.get(vkey, OWN_RULES)
    variant = st.selectbox(
        "Start from",
        choices,
        index=choices.index(kept) if kept in choices else 0,
        key=vkey,
        help="A variant of the instance (an overlay on its rules); edits apply on top.",
    )
    sess.edits[vkey] = variant
    name = "" if variant == OWN_RULES else str(variant)
    if name:
        st.caption(inst.variants[name].description or "")
    base = inst.variant(name) if name else inst
    if inst.periods:
        st.caption(
            "A value that changes over the periods (a glide path) is kept as the instance "
            "gives it; only single values have sliders here."
        )
    off, values = rule_editors(sess, base, name)
    try:
        doc = logic.edited_document(inst, variant=name or None, off=frozenset(off), values=values)
        edited = logic.document_instance(doc)
    except InstanceError as exc:
        st.error(
            "The edited rules are not valid:\n\n"
            + "\n".join(f"- {line}" for line in logic.issue_lines(exc))
        )
        return
    c1, c2 = st.columns(2)
    time_limit = c1.number_input(
        "Time limit (s)", min_value=1.0, value=60.0, step=10.0, key="time_limit"
    )
    gap = c2.number_input(
        "MIP gap (%)", min_value=0.0, value=0.01, step=0.01, format="%.3f", key="mip_gap"
    )
    busy = sess.jobs.running
    if st.button("Solve", key="solve", type="primary", disabled=busy):
        label = f"Solve {edited.name}"

        def work(stop: threading.Event, progress: dict[str, Any]) -> logic.Solved:
            return logic.solve_with_baseline(
                edited,
                cache,
                time_limit=float(time_limit),
                mip_rel_gap=float(gap) / 100,
                stop=stop.is_set,
                progress=progress.update,
            )

        sess.jobs.submit("solve", label, work)
        st.info("Solving in the background; the Plan page opens when it is done.")
    if busy:
        st.caption("A job is running: see the sidebar (Cancel stops it).")
