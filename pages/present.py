"""Present: the story for executives, in large type for a projector and in print, with the deck,
the report, the PDF and every chart's pictures to download: all made from the same story."""
from datetime import timedelta

import streamlit as st

import ui
from lookdown.periods import month_starts, next_period
from lookdown.present.analysis_charts import measure_option
from lookdown.present.exports.deck import MIME as DECK_MIME
from lookdown.present.exports.images import FORMATS, file_name
from lookdown.present.exports.pdf import MIME as PDF_MIME
from lookdown.present.exports.report import MIME as REPORT_MIME
from lookdown.present.story import long_date
from lookdown.present.story_charts import effects_chart, money_chart, pilot_chart, projection_chart
from ui import analysis, present
from ui.banner import long_date as short_date

# Large type on a projector; in print no sidebar, no controls, charts whole, a page per section.
STYLE = """<style>
.st-key-story p, .st-key-story li { font-size: 1.3rem; line-height: 1.5; }
.st-key-story h2 { font-size: 2.2rem; }
.st-key-story [data-testid="stMetricValue"] { font-size: 3rem; color: %(accent)s; }
.st-key-story .question { font-size: 2.4rem; font-weight: 700; color: %(accent)s; }
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"], .st-key-controls,
  .st-key-downloads, .stDownloadButton, [data-testid="stAlert"] { display: none !important; }
  [data-testid="stMain"] { margin: 0 !important; padding: 0 !important; }
  .stPlotlyChart { break-inside: avoid; page-break-inside: avoid; }
  [class*="st-key-section-"] { break-before: page; page-break-before: always; }
}
</style>"""

data = ui.start_page("Present")
if data.empty:
    st.warning("Nothing to show yet: load the demo or your own files first.")
    st.stop()
brand = present.branding(data)
st.html(STYLE % {"accent": brand.accent})

LOADED, CHOSEN = "loaded", "departments"
loaded = analysis.cohort_list(data)
months = month_starts(data.coverage.start, data.coverage.end)
costs = data.catalogue.by_pillar("cost")
with st.container(key="controls"):
    with st.expander("Pilot, period and measures", icon=":material/tune:", expanded=not loaded):
        source = st.radio("Pilot group", ([LOADED] if loaded else []) + [CHOSEN], horizontal=True,
                          key="present_source",
                          format_func=lambda s: "A cohort from the cohorts file" if s == LOADED
                          else "Departments chosen here")
        cohort, departments, start_on = None, (), None
        if source == LOADED:
            starts = dict(loaded)
            cohort = st.selectbox("Cohort", list(starts), key="present_cohort",
                                  format_func=lambda n: f"{n} (from {short_date(starts[n])})")
        else:
            groups = list(analysis.department_groups_shown(data))
            departments = tuple(st.multiselect("Departments in the pilot group", groups, key="present_departments"))
            start_on = st.date_input("The pilot started on", value=loaded[0][1] if loaded else months[len(months) // 2],
                                     min_value=data.coverage.start, max_value=data.coverage.end,
                                     key="present_start_on", format="YYYY-MM-DD")
        first, last = st.select_slider("Period", options=months, value=(months[0], months[-1]),
                                       format_func=lambda m: f"{m:%b %Y}", key="present_period")
        chosen = st.multiselect("Lead with these cost measures", [m.name for m in costs], key="present_measures",
                                format_func=lambda n: measure_option(data.catalogue[n]),
                                placeholder="The clearest reductions (chosen by their result)")
    with st.expander("Organisation, logo and colour (on this page and in every export)", icon=":material/palette:"):
        with st.form("present_branding", border=False):
            organisation = st.text_input("Organisation name", value=brand.organisation, max_chars=120)
            accent = st.color_picker("Accent colour", value=brand.accent)
            logo = st.file_uploader("Logo (PNG or JPEG)", type=["png", "jpg", "jpeg"])
            forget = st.checkbox("Remove the saved logo", disabled=brand.logo is None)
            if st.form_submit_button("Save with the data", icon=":material/save:"):
                try:
                    present.save_organisation(data, organisation=organisation, accent=accent,
                                              logo=logo.getvalue() if logo else None, forget_logo=forget)
                except ValueError as exc:
                    st.error(str(exc))
                else:
                    st.rerun()
        if brand.logo is not None:
            st.image(brand.logo.data, width=160, caption="The saved logo")

if source == CHOSEN and not departments:
    st.info("Choose the departments that make up the pilot group.", icon=":material/group_add:")
    st.stop()
end = min(next_period(last, "month") - timedelta(days=1), data.coverage.end)
try:
    story = present.story(data, cohort=cohort, departments=departments, start_on=start_on, start=first, end=end,
                          measures=tuple(chosen))
except ValueError as exc:
    st.warning(str(exc), icon=":material/info:")
    st.stop()
key = id(story)

with st.container(key="downloads", horizontal=True):
    stem = story.file_stem()
    st.download_button("Deck (PowerPoint)", data=lambda: present.deck(story, key), file_name=f"{stem}.pptx",
                       mime=DECK_MIME, icon=":material/slideshow:", on_click="ignore", key="download_deck",
                       type="primary")
    st.download_button("Report (HTML)", data=lambda: present.report(story, key), file_name=f"{stem}.html",
                       mime=REPORT_MIME, icon=":material/article:", on_click="ignore", key="download_report")
    st.download_button("PDF", data=lambda: present.pdf(story, key), file_name=f"{stem}.pdf", mime=PDF_MIME,
                       icon=":material/picture_as_pdf:", on_click="ignore", key="download_pdf")


def chart(item, name: str) -> None:
    """A chart of the story, with its pictures to take away."""
    st.plotly_chart(item.figure, key=f"chart_{name}", config={"displaylogo": False})
    st.caption(f"Source: {item.source}.")
    columns = st.columns(len(FORMATS) + 3)
    for column, fmt in zip(columns, FORMATS):
        column.download_button(
            f"{fmt.upper()}", data=lambda fmt=fmt: present.image(story, item, (key, item.key, fmt)),
            file_name=file_name(item, story, fmt), mime=FORMATS[fmt], on_click="ignore",
            icon=":material/image:", key=f"image_{name}_{fmt}", help=f"{item.title}, as a {fmt.upper()} picture")


with st.container(key="story"):
    with st.container(key="section-cover"):
        if brand.logo is not None:
            st.image(brand.logo.data, width=180)
        st.markdown(f"## {story.organisation}")
        st.html(f'<p class="question">{story.question}</p>')
        st.markdown(f"Pilot: **{story.pilot_text}**. Data from {long_date(story.start)} to {long_date(story.end)}.")
        st.markdown("\n".join(f"- {e.title} ({e.points_interval}). {e.agreement_words}." for e in story.effects)
                    or "No cost measure shrank clearly beyond the rest of the organisation in this period.")
        st.markdown(f"**{story.money.range_text if story.money.ready else story.money.problem}**")
    for index, effect in enumerate(story.effects):
        with st.container(key=f"section-effect-{index}"):
            st.markdown(f"## {effect.title}")
            chart_col, figures_col = st.columns([2.6, 1])
            with chart_col:
                chart(pilot_chart(effect, story), f"effect_{index}")
            with figures_col:
                st.metric("Beyond the rest", effect.points, help=effect.did.method)
                st.markdown(f"{effect.points_interval}.  \n**{effect.agreement_words}.**")
                st.markdown(f"Pilot {effect.figures.pilot}, rest {effect.figures.rest} {effect.figures.unit}.")
            projection = projection_chart(effect, story)
            if projection is not None:
                with st.expander("Against the pilot's own earlier trend"):
                    chart(projection, f"projection_{index}")
    if story.effects:
        with st.container(key="section-pilot"):
            st.markdown(f"## The pilot against the rest: {story.pilot}")
            chart(effects_chart(story), "effects")
    if story.collaboration:
        with st.container(key="section-collaboration"):
            st.markdown("## The collaboration behind it")
            for index, effect in enumerate(story.collaboration):
                st.markdown(f"**{effect.title}** ({effect.points_interval}).")
                chart(pilot_chart(effect, story), f"collaboration_{index}")
    with st.container(key="section-money"):
        money = story.money
        st.markdown("## What it is worth")
        if money.ready:
            low, high = money.result.low.total_benefits, money.result.high.total_benefits
            st.metric(f"First-year benefits ({money.currency})", f"{money.amount(low)} to {money.amount(high)}",
                      help=money.result.band_method)
            st.markdown(f"{money.range_text}. {money.roi_text}.")
            worth = money_chart(story)
            if worth is not None:
                chart(worth, "money")
        else:
            st.warning(money.problem, icon=":material/currency_exchange:")
    with st.container(key="section-methods"):
        st.markdown("## Methods and limits")
        st.markdown("\n".join(f"- {line}" for line in (*story.methods, *story.caveats)))
        st.caption(story.footer)
