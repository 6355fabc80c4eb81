"""Knowledge flow: who answers whom, and how much knowledge crosses department lines."""
from datetime import timedelta

import streamlit as st

import ui
from lookdown.formats import fmt
from lookdown.periods import next_period
from lookdown.present.analysis_charts import flow_figure, share_figure
from lookdown.present.privacy import flow_note
from lookdown.present.safe_text import markdown_text
from ui import analysis
from ui.banner import long_date

data = ui.start_page("Knowledge flow")
st.markdown(
    "When colleagues answer each other's questions across department lines, what one team knows "
    "reaches the others without a course. Each cell counts the answers and replies people in one "
    "department gave to people in another."
)
if data.empty:
    st.warning("Nothing to show yet: load the demo or your own files first.")
    st.stop()

months = analysis.months(data)
if len(months) > 1:
    first, last = st.select_slider(
        "Period", options=months, value=(months[max(0, len(months) - 12)], months[-1]), key="flow_period",
        format_func=lambda m: f"{m:%b %Y}", help="The months whose answers and replies are counted.")
else:
    first = last = months[0]
start = max(first, data.coverage.start)
end = min(next_period(last, "month") - timedelta(days=1), data.coverage.end)
flow = analysis.flow(data, start=start, end=end)
st.caption(f"From {long_date(start)} to {long_date(end)}.")

if flow.hidden or not flow.departments:
    st.info(flow.explanation, icon=":material/visibility_off:")
    st.stop()

total_col, across_col, share_col = st.columns(3)
total_col.metric("Answers and replies", f"{flow.answers_total:,}", border=True,
                 help="Answers and replies between colleagues in the period (answers to oneself left out).")
across_col.metric("…to another department", f"{flow.answers_across:,}", border=True,
                  help="Between two different departments (or groups of departments) shown in the matrix.")
share_col.metric(
    "Questions answered across departments",
    "n/a" if flow.share_answered_across is None else f"{flow.share_answered_across:.1%}", border=True,
    help=f"Of the {flow.questions_answered - flow.questions_undetermined:,} answered questions whose "
         "departments are known, the share that someone from another department answered.")

note = flow_note(flow.merged_departments, flow.merged_name, flow.min_group_size)
if note:
    st.info(note, icon=":material/lock:")

st.subheader("Who answers whom")
st.plotly_chart(flow_figure(flow), key="flow_chart", config={"displaylogo": False})
st.caption("Rows: the department that answered or replied. Columns: the department of the person "
           "answered. The diagonal stays inside a department.")

st.subheader("How often a question is answered from another department")
st.plotly_chart(share_figure(flow), key="flow_share_chart", config={"displaylogo": False})
st.markdown(markdown_text(flow.explanation))
if flow.questions_undetermined:
    st.caption(f"{fmt(flow.questions_undetermined)} answered question(s) involve people missing from the "
               "people file and are left out of the shares.")
