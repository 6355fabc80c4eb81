"""Explore a measure: is it really shrinking? One line and one verdict per group, the values
behind them, and whether a cost moves with the collaboration that should drive it."""
import streamlit as st

import ui
from lookdown.periods import GRAIN_NOUNS, GRAINS
from lookdown.present.analysis_charts import (
    display_unit,
    explore_state,
    lag_figure,
    measure_option,
    measures_by_pillar,
    trend_figure,
    values_csv,
    values_table,
    verdict_badge,
)
from lookdown.present.labels import segment_label
from lookdown.present.privacy import merged_note, single_group_note
from lookdown.present.safe_text import markdown_text
from ui import analysis
from ui.banner import long_date
from ui.data import page_segmentations

data = ui.start_page("Explore a measure")
st.markdown(
    "Pick any measure and see, for each group, whether it is **really** shrinking or growing, or "
    "whether the ups and downs are too large to tell. The view is kept in the page's address: "
    "bookmark it or send it to a colleague to show exactly this."
)
if data.empty:
    st.warning("Nothing to show yet: load the demo or your own files first.")
    st.stop()

catalogue = data.catalogue
measures = measures_by_pillar(catalogue)
names = [m.name for m in measures]
months = analysis.months(data)
options = page_segmentations(data)
state = explore_state(st.query_params, measures=names, segmentations=options, months=months,
                      default_measure="training_requests" if "training_requests" in names else names[0])
if state.problems:
    st.caption("Not understood in the address, so left at the default: " + ", ".join(state.problems) + ".")

measure_col, grain_col, by_col = st.columns([3, 1.4, 1.4], vertical_alignment="bottom")
with measure_col:
    name = st.selectbox("Measure", names, index=names.index(state.measure), key="explore_measure",
                        format_func=lambda n: measure_option(catalogue[n]),
                        help="Measures are grouped by pillar: costs first, then collaboration, "
                             "engagement and learning.")
with grain_col:
    grain = st.segmented_control("View by", list(GRAINS), default=state.grain, required=True,
                                 key="explore_grain", format_func=lambda g: GRAIN_NOUNS[g][0].capitalize())
with by_col:
    by = st.selectbox("Split by", options, index=options.index(state.by), key="explore_by",
                      format_func=segment_label)
if len(months) > 1:
    first, last = st.select_slider(
        "Period", options=months, value=(state.first_month, state.last_month), key="explore_period",
        format_func=lambda m: f"{m:%b %Y}",
        help="Only whole weeks, months or quarters inside these months are used.")
else:
    first = last = months[0]

# The address follows the widgets, so the page can be bookmarked or shared as it is now.
st.query_params.update({"measure": name, "grain": grain, "by": by, "from": f"{first:%Y-%m}",
                        "to": f"{last:%Y-%m}"})

measure = catalogue[name]
currency = analysis.currency(data)
unit = display_unit(measure, currency)
st.caption(f"**{measure.label}**: {measure.description} **Source:** {measure.sources_text()}. "
           f"**Unit:** {markdown_text(unit)}.")
span = analysis.month_range(data, first, last, grain)
if span is None:
    st.warning(f"The chosen months hold no whole {GRAIN_NOUNS[grain][0]}: choose more months or a shorter grain.")
    st.stop()
start, end = span
result, verdicts, heads = analysis.trends(data, measure, grain=grain, by=by, start=start, end=end, unit=unit)
if result.by != by:
    st.caption(f"{measure.label} is an organisation-wide figure, so it is not split by "
               f"{segment_label(by).lower()}.")
for note in (merged_note(result.grouping, result.min_group_size), single_group_note(result.grouping)):
    if note:
        st.info(note, icon=":material/lock:")

segments = list(verdicts)
shown = segments
if len(segments) > 1:
    shown = st.multiselect("Show these groups", segments, default=segments, key=f"explore_show_{result.by}",
                           help="Leave out groups to compare a few; the verdicts and table follow.")

st.subheader("Is it really shrinking?")
how = (f"Whole {GRAIN_NOUNS[grain][1]} from {long_date(start)} to {long_date(end)}. ")
if heads:
    how += (f"Per person in each group ({unit} per person), so a group that grows or shrinks in size "
            "does not read as a change in the measure. ")
how += ("A verdict needs at least 8 periods without gaps and a steady direction that chance would "
        "rarely produce (Mann–Kendall test, 95%); the change a year is the Theil–Sen slope.")
st.caption(how)
badges = [verdict_badge(s, verdicts[s], measure) for s in shown]
per_row = 4
for row in range(0, len(badges), per_row):
    for column, badge in zip(st.columns(per_row), badges[row:row + per_row]):
        with column.container(border=True):
            st.markdown(f"**{markdown_text(badge.segment)}**")
            st.badge(badge.label, icon=badge.icon, color=badge.colour, help=markdown_text(badge.explanation))
            st.caption(markdown_text(badge.change))

st.plotly_chart(
    trend_figure(result, verdicts, per_head=heads, unit=unit, segments=shown, markers=ui.cohort_markers(data)),
    key="explore_chart", config={"displaylogo": False},
)
with st.expander("Why each verdict", expanded=False):
    for badge in badges:
        st.markdown(f"**{markdown_text(badge.segment)}:** {markdown_text(badge.explanation)}")

st.subheader("The values")
table = values_table(result, per_head=heads, unit=unit)
table = table[table["group"].isin(shown)]
hidden = int(table["hidden"].sum())
st.caption(
    f"Every figure as it leaves the privacy guard: {hidden} value(s) hidden because they describe "
    f"fewer than {result.min_group_size} people."
    if hidden else "Every figure as it leaves the privacy guard; none is hidden in this view."
)
st.dataframe(table, hide_index=True, key="explore_table")
st.download_button("Download these values (CSV)", values_csv(table), file_name=f"{measure.name}-{grain}-{by}.csv",
                   mime="text/csv", key="explore_csv", icon=":material/download:")

st.subheader("Does the cost move with the collaboration that should drive it?")
st.caption(
    "For the whole organisation: the cost in each period against the collaboration activity in the "
    f"same {GRAIN_NOUNS[grain][0]} and up to six {GRAIN_NOUNS[grain][1]} earlier."
)
drivers = [m.name for m in measures if m.pillar != "cost"]
costs = [m.name for m in measures if m.pillar == "cost"]
default_cost = name if name in costs else next((c for c in costs if catalogue[c].paired_with == name), costs[0])
default_driver = catalogue[default_cost].paired_with or (name if name in drivers else drivers[0])
driver_col, outcome_col = st.columns(2)
with driver_col:
    driver = st.selectbox("Collaboration measure", drivers, index=drivers.index(default_driver),
                          key=f"lag_driver_{default_cost}", format_func=lambda n: catalogue[n].label)
with outcome_col:
    outcome = st.selectbox("Cost measure", costs, index=costs.index(default_cost), key=f"lag_outcome_{name}",
                           format_func=lambda n: catalogue[n].label)
link = analysis.lag(data, catalogue[driver], catalogue[outcome], grain=grain, start=start, end=end)
if link.warning:
    st.warning(link.warning, icon=":material/warning:")
if link.profile_note:
    st.warning(link.profile_note, icon=":material/warning:")
st.plotly_chart(lag_figure(link, driver=catalogue[driver].label, outcome=catalogue[outcome].label),
                key="lag_chart", config={"displaylogo": False})
st.markdown(link.explanation)
