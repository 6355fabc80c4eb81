"""Measures: the catalogue (what each measure counts, from which tables, its SQL), and an editor
to write the organisation's own, checked in a sandbox and previewed under the privacy guard."""
import streamlit as st

import ui
from lookdown.present.analysis_charts import values_table
from lookdown.present.catalogue import PILLAR_TITLES, measure_cards
from lookdown.present.charts import pair_figure
from lookdown.present.labels import segment_label
from ui import measures as editor
from ui.data import page_segmentations

data = ui.start_page("Measures")
st.markdown(
    "Every figure in Lookdown is a **measure**: one SQL file with a short header saying what it counts, "
    "in which unit, which way is good and which tables it reads. Read them here; write your own below "
    "(it is saved as a file in `measures/custom/`, where it can be reviewed like any other change)."
)

cards = measure_cards(data.catalogue, data.coverage.empty_tables)
lines = editor.sparklines(data, list(data.catalogue))
for pillar, pillar_cards in cards.items():
    st.subheader(PILLAR_TITLES.get(pillar, pillar.capitalize()))
    for card in pillar_cards:
        with st.expander(card.title, icon=None if card.ready else ":material/hourglass_empty:"):
            st.markdown(f"{card.measure.description}\n\n{card.facts}")
            if lines.get(card.measure.name):
                st.line_chart(lines[card.measure.name], height=80, x_label="", y_label="")
            st.code(card.measure.sql, language="sql", line_numbers=True)
if data.catalogue.rejected:
    st.warning("Some of your measures are not shown, because they do not pass the checks:\n\n" + "\n".join(
        f"- **{name}**: {'; '.join(problems)}" for name, problems in data.catalogue.rejected.items()),
        icon=":material/error:")

st.subheader("Write your own")
if not data.can_edit:
    st.caption("Only the team's editors write measures.")
    st.stop()
measures = sorted(data.catalogue, key=lambda m: m.label.lower())
choices = [None, *[m.name for m in measures]]
labels = {m.name: f"a copy of {m.label}" for m in measures}
start_col, name_col = st.columns(2)
start_from = start_col.selectbox("Start from", choices, format_func=lambda n: labels.get(n, "a blank measure"),
                                 key="editor-start")
name = name_col.text_input("Name (the file name: lower case, digits, underscores)",
                           value=f"my_{start_from}" if start_from else "my_measure", key="editor-name")
try:
    first = editor.starting_text(data, start_from, name)
except ValueError as problem:
    st.error(str(problem))
    st.stop()
text = st.text_area("The measure's file: its header, then one SELECT", value=first, height=420,
                    key=f"editor-text-{start_from}-{name}")
by_col, grain_col = st.columns(2)
by = by_col.selectbox("Preview split by", page_segmentations(data), format_func=segment_label, key="editor-by")
grain = grain_col.segmented_control("Grain", ["week", "month", "quarter"], default="month", key="editor-grain")
check_col, save_col = st.columns([1, 5])
if check_col.button("Check", type="primary", icon=":material/fact_check:", key="editor-check"):
    checked = editor.check(data, name, text, by=by, grain=grain or "month")
    st.session_state["editor-checked"] = (name, text, checked)
done = st.session_state.get("editor-checked")
if done and done[:2] == (name, text):
    checked = done[2]
    for problem in checked.problems:
        st.error(problem, icon=":material/error:")
    if checked.measure is not None:
        st.success("It passes the checks. Below, its figures as every page would show them: cells about fewer "
                   f"than {data.min_group_size} people are hidden.", icon=":material/check_circle:")
        if checked.preview is not None:
            st.plotly_chart(pair_figure(checked.preview), key="editor-preview")
            st.dataframe(values_table(checked.preview, per_head=False), hide_index=True, key="editor-values")
        if save_col.button("Save", icon=":material/save:", key="editor-save"):
            path = editor.save(data, name, text)
            st.success(f"Saved as `{path}`: it now appears on every page with the other measures. A value test "
                       "to write beside it:", icon=":material/save:")
            st.code(editor.value_test_skeleton(checked.measure), language="python")
