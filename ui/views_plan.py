"""The Plan page: KPIs, country shares before and after with the cap drawn, binding rules in
words, the award table and the downloads (plan workbook, HTML report)."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from . import logic
from .state import Session


def _status(k: dict[str, object], sess: Session) -> None:
    """The status, said as the CLI says it: never a bare "optimal" for an unproven plan."""
    s = sess.solved
    assert s is not None
    cur = str(k["currency"])
    if not s.plan.has_solution:
        st.error(
            f"No plan: {k['status_text']}. {k['message']} For an infeasible instance, "
            "`trustsource diagnose` shows which rules conflict."
        )
        return
    if not k["proven"]:
        low = max(0.0, float(s.plan.bound or 0.0))
        st.warning(
            f"Not proven optimal ({k['status']}): the solve stopped at a gap of "
            f"{s.plan.mip_gap or 0.0:.2%}, so the cheapest plan costs between "
            f"{logic.money(low, cur)} and {logic.money(s.plan.objective, cur)}."
        )
    else:
        st.success(f"Status: {k['status_text']}")
    if s.plan.message:
        st.caption(s.plan.message)


def _kpis(sess: Session) -> None:
    s = sess.solved
    assert s is not None
    k = logic.kpis(s)
    cur = str(k["currency"])
    st.caption(f"{s.instance.name} · instance hash {s.plan.instance_hash[:12]}")
    _status(k, sess)
    if not s.plan.has_solution:
        return
    c = st.columns(3)
    c[0].metric("Total cost", logic.short_money(s.plan.objective, cur))
    trust = k["cost_of_trust"]
    c[1].metric(
        "Cost of trust",
        logic.short_money(trust, cur),
        help="Total cost minus the cost of the cheapest plan without any rule.",
    )
    c[2].metric("Shortfall penalty", logic.short_money(s.plan.shortfall_penalty, cur))
    top = k["top_share"]
    c = st.columns(3)
    c[0].metric(
        "Largest country share",
        f"{float(top):.1%}" if isinstance(top, float) else "-",
        help="The largest share one country holds of any item's supply.",
    )
    c[1].metric("Purchase cost", logic.short_money(s.plan.purchase_cost, cur))
    c[2].metric("MIP gap", f"{float(k['gap'] or 0):.2%}")
    exact = (
        f"Total cost {logic.money(s.plan.objective, cur)} = purchase "
        f"{logic.money(s.plan.purchase_cost, cur)} + shortfall penalty "
        f"{logic.money(s.plan.shortfall_penalty, cur)}"
    )
    if isinstance(trust, float):
        exact += f"; cost of trust {logic.money(trust, cur)}"
    if isinstance(top, float):
        exact += f". Largest share: {k['top_country']} in {k['top_item']}"
    st.caption(exact + ".")


def share_chart(sess: Session, item: str) -> Any:
    """Country shares of ``item``, no rules vs with the rules, the country caps as red lines."""
    s = sess.solved
    assert s is not None
    data = logic.shares_before_after(s, item)
    order = data.groupby("country")["share"].max().sort_values(ascending=False).index.tolist()
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("country:N", sort=order, title="country", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("plan:N", sort=["no rules", "with the rules"]),
            y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of supply"),
            color=alt.Color(
                "plan:N",
                scale=alt.Scale(domain=["no rules", "with the rules"], range=["#aaa", "#1f77b4"]),
            ),
            tooltip=["country", "plan", alt.Tooltip("share:Q", format=".1%")],
        )
    )
    caps = pd.DataFrame(logic.item_caps(s.plan, item), columns=["rule", "cap"])
    if caps.empty:
        return bars
    line = (
        alt.Chart(caps)
        .mark_rule(color="red", strokeDash=[6, 4])
        .encode(y="cap:Q", tooltip=["rule", alt.Tooltip("cap:Q", format=".1%")])
    )
    return alt.layer(bars, line)


def _downloads(sess: Session) -> None:
    s = sess.solved
    assert s is not None
    if not s.plan.has_solution:
        return
    if "xlsx" not in sess.downloads:
        sess.downloads["xlsx"] = logic.workbook_bytes(s, sess.workspace.path)
        sess.downloads["html"] = logic.report_html(s)
    c1, c2 = st.columns(2)
    c1.download_button(
        "Plan workbook (.xlsx)",
        sess.downloads["xlsx"],
        file_name=f"{s.instance.name}-plan.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="dl_xlsx",
    )
    c2.download_button(
        "HTML report",
        sess.downloads["html"],
        file_name=f"{s.instance.name}-report.html",
        mime="text/html",
        key="dl_html",
    )


def plan_page(sess: Session) -> None:
    """What the last solve found."""
    st.header("Plan")
    s = sess.solved
    if s is None:
        st.info("No plan yet: set the rules on the Rules page and press Solve.")
        return
    _kpis(sess)
    if not s.plan.has_solution:
        return
    _downloads(sess)
    st.subheader("Country shares per item, before and after the rules")
    items = list(dict.fromkeys(s.plan.items["item"]))
    item = st.selectbox("Item", items, key="plan_item")
    if item:
        st.altair_chart(share_chart(sess, str(item)))
    st.subheader("Binding rules")
    words = logic.binding_words(s.plan)
    st.markdown("\n".join(f"- {w}" for w in words) if words else "No rule binds.")
    st.subheader("Awards")
    table = logic.awards(s.plan)
    f1, f2 = st.columns(2)
    pick_items = f1.multiselect("Items", sorted(table["item"].unique()), key="aw_items")
    pick_countries = f2.multiselect("Countries", sorted(table["country"].unique()), key="aw_c")
    if pick_items:
        table = table[table["item"].isin(pick_items)]
    if pick_countries:
        table = table[table["country"].isin(pick_countries)]
    st.dataframe(table, hide_index=True)
