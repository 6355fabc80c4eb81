"""Look down: the costs that should shrink, each beside the collaboration that should shrink it."""
import streamlit as st

import ui
from lookdown.present.labels import segment_label
from lookdown.present.overview import by_theme, card_help, card_label, cost_pairs, headline, trend
from lookdown.present.privacy import merged_note
from ui import analysis

data = ui.start_page("Look down")

st.markdown(
    "Collaboration tools are usually judged by how much they **grow**. Lookdown looks the other "
    "way: at the costs that should **shrink** when colleagues ask and answer each other's "
    "questions (training requests and spend, time out of work, people leaving, managers' time, "
    "marketing spend, money sunk in initiatives stopped late), each beside the collaboration "
    "activity that should drive it down."
)

choice = ui.controls(data)
if choice is None:
    st.stop()

pairs = cost_pairs(data.catalogue)
currency = analysis.currency(data)
span = dict(grain=choice.grain, start=choice.start, end=choice.end)
whole = ui.measure_results(data, [cost for cost, _ in pairs], by="none", **span)
headlines = {name: headline(result) for name, result in whole.items()}
sample = next((h for h in headlines.values() if h.window), None)

st.subheader("What shrank, and what did not")
st.caption(
    f"Average per {choice.grain_noun} over the {sample.recent if sample else 'last periods'}, for the "
    f"whole organisation, and its change against the {sample.baseline if sample else 'first periods'}. "
    "Green: it moved the way we want (for these costs, down). Red: it moved the wrong way. The (?) "
    "beside each name says what it counts and where the numbers come from."
)
PER_ROW = 4
for row_start in range(0, len(pairs), PER_ROW):
    for column, (cost, _) in zip(st.columns(PER_ROW), pairs[row_start:row_start + PER_ROW]):
        h = headlines[cost.name]
        missing = cost.missing_data(data.coverage.empty_tables)
        shown = h.available and not missing
        with column:
            st.metric(
                label=card_label(cost, currency),
                value=h.value_text(unit=False) if shown else None,
                delta=h.delta_text() if shown else None,
                delta_color=h.delta_color,
                delta_arrow=h.delta_arrow,
                delta_description=f"vs {h.baseline}" if shown else (missing or h.reason),
                help=card_help(h, currency),
                border=True,
                chart_data=trend(whole[cost.name]) if shown else None,
            )

st.subheader("Each cost beside what should drive it down")
markers = ui.cohort_markers(data)
intro = "Left: the cost. Right: the collaboration activity that should reduce it."
if markers:
    intro += " The dotted line marks the start of a pilot."
intro += " Hover a point for its period, group, value and the number of people it describes."
if choice.by != "none":
    intro += f" One line per {segment_label(choice.by).lower()} group."
st.caption(intro)

themes = by_theme(pairs)
# Only the open tab's charts are computed and drawn, which keeps the page quick.
tabs = st.tabs(list(themes), key="theme", on_change="rerun")
for tab, theme_pairs in zip(tabs, themes.values()):
    if tab.open is False:
        continue
    with tab:
        shown = [m for pair in theme_pairs for m in pair if m is not None]
        results = ui.measure_results(data, shown, by=choice.by, **span)
        grouping = next((r.grouping for r in results.values() if r.grouping is not None), None)
        note = merged_note(grouping, data.min_group_size)
        if note:
            st.info(note, icon=":material/lock:")
        for row_start in range(0, len(theme_pairs), 2):
            columns = st.columns(2)
            for column, (cost, driver) in zip(columns, theme_pairs[row_start:row_start + 2]):
                cost_result = results[cost.name]
                driver_result = results[driver.name] if driver else None
                with column.container(border=True):
                    st.plotly_chart(
                        ui.pair_chart(data, cost_result, driver_result, markers, currency),
                        key=f"pair-{cost.name}",
                        config={"displaylogo": False},
                    )
                    unsplit = [r.measure.label for r in (cost_result, driver_result)
                               if r is not None and r.by != choice.by]
                    if unsplit:
                        st.caption(
                            f"{' and '.join(unsplit)}: an organisation-wide figure, so not split by "
                            f"{segment_label(choice.by).lower()}."
                        )
