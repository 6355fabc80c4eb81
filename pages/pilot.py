"""Pilot vs rest: did the pilot group change more than everyone else, and would it have anyway?"""
import streamlit as st

import ui
from lookdown.periods import GRAIN_NOUNS, GRAINS
from lookdown.present.analysis_charts import (
    AGREEMENT_COLOURS,
    did_figures,
    display_unit,
    measure_option,
    measures_by_pillar,
    pilot_figure,
    projection_figure,
    value_text,
)
from lookdown.present.privacy import pilot_groups_caption
from lookdown.present.safe_text import markdown_text
from ui import analysis
from ui.banner import long_date

LOADED, CHOSEN = "loaded", "departments"

data = ui.start_page("Pilot vs rest")
st.markdown(
    "Did the pilot group change **more than everyone else** over the same months? Whatever moved "
    "the whole organisation (seasons, a hiring freeze, a budget cut) cancels out; what is left is "
    "the pilot's extra change. A second method, the pilot's own earlier trend carried forward, "
    "checks the first."
)
if data.empty:
    st.warning("Nothing to show yet: load the demo or your own files first.")
    st.stop()

catalogue = data.catalogue
loaded = analysis.cohort_list(data)
sources = ([LOADED] if loaded else []) + [CHOSEN]
source_col, group_col = st.columns([1.3, 3], vertical_alignment="bottom")
with source_col:
    source = st.radio(
        "Pilot group", sources, key="pilot_source", horizontal=False,
        format_func=lambda s: "A cohort from the cohorts file" if s == LOADED else "Departments chosen here",
        help="Compare a pilot loaded from the cohorts file, or make one from departments to ask "
             "'what if the pilot had been these teams?'",
    )
with group_col:
    if source == LOADED:
        names = [name for name, _ in loaded]
        starts = dict(loaded)
        cohort = st.selectbox("Cohort", names, key="pilot_cohort",
                              format_func=lambda n: f"{n} (from {long_date(starts[n])})")
        start_on = starts[cohort]
        chosen = []
    else:
        groups = analysis.department_groups_shown(data)
        chosen = st.multiselect("Departments in the pilot group", list(groups), key="pilot_departments",
                                placeholder="Choose one or more departments")
        caption = pilot_groups_caption(groups, data.min_group_size)
        if caption:
            st.caption(caption)
        default_start = loaded[0][1] if loaded else data.coverage.start + (data.coverage.end - data.coverage.start) / 2
        start_on = st.date_input("The pilot started on", value=default_start, key="pilot_start_on",
                                 min_value=data.coverage.start, max_value=data.coverage.end, format="YYYY-MM-DD")
        cohort = "Chosen departments"

candidates = measures_by_pillar(m for m in catalogue if m.segmentable)
names = [m.name for m in candidates]
measure_col, grain_col = st.columns([3, 1.4], vertical_alignment="bottom")
with measure_col:
    name = st.selectbox("Measure", names, key="pilot_measure",
                        index=names.index("training_requests") if "training_requests" in names else 0,
                        format_func=lambda n: measure_option(catalogue[n]))
with grain_col:
    grain = st.segmented_control("View by", list(GRAINS), default="month", required=True, key="pilot_grain",
                                 format_func=lambda g: GRAIN_NOUNS[g][0].capitalize())
measure = catalogue[name]
currency = analysis.currency(data)
unit = display_unit(measure, currency)
st.caption(f"**{measure.label}**: {measure.description} **Source:** {measure.sources_text()}.")

span = analysis.whole_range(data, grain)
if span is None:
    st.warning(f"Less than one whole {GRAIN_NOUNS[grain][0]} is loaded.")
    st.stop()
try:
    if source == LOADED:
        comparison = analysis.comparison(data, measure, cohort=cohort, grain=grain, start=span[0], end=span[1],
                                         currency_code=currency)
    else:
        if not chosen:
            st.info("Choose the departments that make up the pilot group.", icon=":material/group_add:")
            st.stop()
        if not analysis.can_combine(measure):
            st.warning(analysis.NOT_ADDITIVE.format(label=measure.label), icon=":material/info:")
            st.stop()
        comparison = analysis.department_comparison(
            data, measure, chosen, start_on=start_on, grain=grain, start=span[0], end=span[1],
            currency_code=currency)
        st.caption(f"Pilot group: {markdown_text(', '.join(sorted(chosen)))}, added up department by department, then "
                   "compared per person. Every group is at least "
                   f"{data.min_group_size} people, and so is the difference between any two.")
except ValueError as exc:
    st.warning(str(exc), icon=":material/info:")
    st.stop()

did, projection, agreement = comparison.did, comparison.projection, comparison.agreement
figures = did_figures(did, measure, unit=unit)
per = GRAIN_NOUNS[grain][0]
st.subheader(f"{measure.label}: {markdown_text(comparison.cohort)} against the rest")
st.caption(
    f"Averages per {per}{' and per person' if did.per_head else ''}, before and from "
    f"{long_date(comparison.start)}: {did.periods_before} {GRAIN_NOUNS[grain][1]} before, "
    f"{did.periods_after} after"
    + (f" (the {per} {did.transition_period}, in which the pilot started, is left out)"
       if did.transition_period else "")
    + f". Whole {GRAIN_NOUNS[grain][1]} from {long_date(span[0])} to {long_date(span[1])}."
)
down = {"down": "inverse", "up": "normal"}.get(measure.direction, "off")
pilot_col, rest_col, did_col, points_col = st.columns(4)
pilot_col.metric("Pilot: before → after", figures.pilot, delta=figures.pilot_change or None, delta_color=down,
                 help=f"The pilot group's average {figures.unit} per {per} before the start and from it on.",
                 border=True)
rest_col.metric("Rest: before → after", figures.rest, delta=figures.rest_change or None, delta_color=down,
                help=f"Everyone else's average {figures.unit} per {per} over the same periods.", border=True)
did_col.metric("Difference-in-differences", figures.did,
               help="(pilot after − pilot before) − (rest after − rest before): the pilot's change beyond "
                    f"what changed for everyone, in {figures.unit} per {per}. {figures.did_interval}. "
                    f"{did.method}.", border=True)
points_col.metric("In points of the pilot's start", figures.points,
                  help="The difference-in-differences as a share of the pilot's average before the start, "
                       f"in percentage points. {figures.points_interval}.", border=True)
st.markdown(f"In **{figures.unit} per {per}**. Difference-in-differences **{figures.did}**, "
            f"{figures.did_interval} ({figures.points_interval}). {figures.verdict}")

st.plotly_chart(pilot_figure(comparison.result, comparison.cohort, did, unit=unit, start=comparison.start),
                key="pilot_chart", config={"displaylogo": False})
st.caption("Dashed lines: each group's average before and after the start, the four numbers compared. "
           "Gaps are periods hidden to protect small groups.")

check = did.parallel_trends
st.markdown("**Were the two groups moving together before the start?**")
if not check.tested:
    st.info(check.note, icon=":material/help:")
elif check.passed:
    st.success(check.note, icon=":material/check_circle:")
else:
    st.warning(check.note, icon=":material/warning:")

st.subheader("Against the pilot's own earlier trend")
if projection.status == "ok":
    def number(value, signed=False):
        return value_text(value, measure, unit="", signed=signed).strip()

    actual_col, projected_col, gap_col = st.columns(3)
    actual_col.metric("Actual after the start", number(projection.actual_after), border=True,
                      help=f"The pilot's average {figures.unit} per {per} from the start on.")
    projected_col.metric("Projected from the earlier trend", number(projection.projected_after), border=True,
                         help=f"The pilot's trend before the start, carried forward: average {figures.unit} per {per}.")
    gap_col.metric("Gap (actual − projected)", number(projection.average_gap, signed=True), border=True,
                   help=f"In {figures.unit} per {per}"
                        + ("" if projection.gap_ci_low is None else
                           f"; 95% interval {number(projection.gap_ci_low, True)} to "
                           f"{number(projection.gap_ci_high, True)}")
                        + ".")
    st.caption(f"In {figures.unit} per {per}.")
    st.plotly_chart(projection_figure(projection, cohort=comparison.cohort, unit=unit, measure=measure),
                    key="projection_chart", config={"displaylogo": False})
st.markdown(projection.explanation)

st.markdown("**Do the two methods agree?**")
st.badge(agreement.verdict, color=AGREEMENT_COLOURS.get(agreement.verdict, "gray"))
st.markdown(agreement.explanation)

st.subheader("What this shows, and what it does not")
st.markdown(did.explanation)
st.markdown("**Limits of the comparison with the rest:**\n" + "\n".join(f"- {item}" for item in did.limitations))
st.markdown("**Limits of the projection:**\n" + "\n".join(f"- {item}" for item in projection.caveats))
with st.expander("Methods"):
    st.markdown(f"- **Difference-in-differences:** {did.method}.\n- **Projection:** {projection.method}.")
