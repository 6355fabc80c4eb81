"""What it is worth: the pilot's isolated effects in money against what the programme costs
(Phillips ROI), with every assumption sourced, editable and saved with the data."""
import streamlit as st

import ui
from lookdown.formats import fmt
from lookdown.present.analysis_charts import (
    ASSUMPTION_FIELDS,
    MONEY_FIELDS,
    PERCENT_FIELDS,
    assumption_label,
    cost_formulas,
    currency_problem,
    from_shown,
    money,
    shown_value,
)
from lookdown.present.safe_text import markdown_text
from ui import analysis
from ui.banner import long_date

FIELD_KEYS = [f"money_{name}" for name in ASSUMPTION_FIELDS]


def save_panel(data) -> None:
    """Save what the panel holds (runs before the page, so the whole page shows what was saved)."""
    values = {name: st.session_state[f"money_{name}"] for name in ASSUMPTION_FIELDS}
    try:
        edited = from_shown(values, analysis.currency(data))
    except ValueError as exc:
        st.session_state["money_error"] = f"Not saved: {exc}"
        return
    try:
        analysis.save_money_assumptions(data, edited)
    except PermissionError as refused:  # a viewer (the core checks the role)
        st.session_state["money_error"] = f"Not saved: {refused}"
    else:
        st.session_state["money_notice"] = "Saved with the data."


def change_currency(data) -> None:
    """Keep the chosen currency; amounts typed in another one are forgotten, not relabelled."""
    analysis.set_currency(data, st.session_state["money_currency"])
    for name in MONEY_FIELDS:
        st.session_state.pop(f"money_{name}", None)


def restore_defaults(data) -> None:
    """Forget the saved assumptions and what the panel holds, so it shows the defaults again."""
    analysis.reset_money_assumptions(data)
    for key in FIELD_KEYS:
        st.session_state.pop(key, None)
    st.session_state["money_notice"] = "The documented defaults are restored."


data = ui.start_page("What it is worth")
st.markdown(
    "The **Phillips ROI**: the first-year value of what the pilot isolated (its change beyond the "
    "rest of the organisation, from the pilot vs rest comparison), against what the programme "
    "costs. Only costs with a defensible unit value are turned into money; the rest is listed as "
    "intangible benefits, on purpose."
)
if data.empty:
    st.warning("Nothing to show yet: load the demo or your own files first.")
    st.stop()
loaded = analysis.cohort_list(data)
if not loaded:
    st.warning("No pilot cohort is loaded, so no effect can be isolated: add a cohorts file "
               "(cohort, department or person_id, started_on).")
    st.stop()

stored = analysis.assumptions(data)
assumptions = stored.assumptions
currency = analysis.currency(data)
mismatch = currency_problem(assumptions, currency, saved=stored.saved)
if stored.problem:
    st.warning(markdown_text(stored.problem))
notice = st.session_state.pop("money_notice", None)
if notice:
    st.success(notice, icon=":material/check_circle:")
error = st.session_state.pop("money_error", None)
if error:
    st.error(error)

with st.expander("Assumptions: unit values and programme costs", expanded=not stored.saved,
                 icon=":material/tune:"):
    st.caption(
        ("**Saved with the data**: everyone who opens this database sees these figures."
         if stored.saved else "**The documented defaults** (nothing saved yet).")
        + " Replace them with your organisation's own figures and save."
    )
    sources = assumptions.sources()
    offered = list(analysis.CURRENCIES) if currency in analysis.CURRENCIES else [currency, *analysis.CURRENCIES]
    st.selectbox("The currency your money is in", offered, index=offered.index(currency), key="money_currency",
                 on_change=change_currency, args=(data,),
                 help="A unit, not a label: the amounts in your files (training costs, marketing spend) are read "
                      "in it, every money figure on every page and export shows it, and the unit values below "
                      "must be in it too. The documented defaults are US figures in US dollars.")
    if mismatch:
        st.warning(mismatch, icon=":material/currency_exchange:")
    with st.form("money_assumptions", border=False):
        columns = st.columns(2)
        for index, name in enumerate(ASSUMPTION_FIELDS):
            with columns[index % 2]:
                shown = shown_value(assumptions, name)
                if name == "participants":
                    st.number_input(assumption_label(name, currency), min_value=0, step=1,
                                                   value=int(shown), key=f"money_{name}")
                else:
                    # An amount made in another currency is not shown as if it were in this one.
                    asked = mismatch and name in MONEY_FIELDS
                    st.number_input(
                        assumption_label(name, currency), min_value=0.0, value=None if asked else float(shown),
                        step=1.0 if name in PERCENT_FIELDS else 0.1 if shown < 100 else 10.0,
                        format="%.2f", key=f"money_{name}",
                        placeholder=f"your figure in {currency}" if asked else None)
                st.caption(f"Source: {sources[name]}" if not (mismatch and name in MONEY_FIELDS) else
                           f"Your figure in {currency}. The default, {shown:,.2f} {assumptions.currency}, "
                           f"comes from: {sources[name]}")
        st.form_submit_button("Save with the data", icon=":material/save:", type="primary",
                              on_click=save_panel, args=(data,), disabled=data.db.read_only or not data.can_edit,
                              help=None if data.can_edit else "Only the team's editors save assumptions.")
    st.button("Restore the defaults", icon=":material/restart_alt:", key="money_restore",
              on_click=restore_defaults, args=(data,),
              disabled=not stored.saved or data.db.read_only or not data.can_edit)
    if data.db.read_only:
        st.caption(f"The assumptions cannot be saved: {markdown_text(data.db.read_only_message)}")
if mismatch:
    st.stop()
names = [name for name, _ in loaded]
starts = dict(loaded)
pick_col, clear_col = st.columns([2, 2], vertical_alignment="bottom")
with pick_col:
    cohort = st.selectbox("Pilot cohort", names, key="money_cohort",
                          format_func=lambda n: f"{n} (from {long_date(starts[n])})")
with clear_col:
    only_clear = st.toggle("Count only effects clear of chance", value=True, key="money_only_clear",
                           help="On: an effect whose 95% confidence interval includes zero is listed but not "
                                "counted (the conservative choice). Off: every estimate counts, and the "
                                "low/high band shows how uncertain it is.")

worth = analysis.pilot_worth(data, cohort, assumptions, only_clear=only_clear)
comparisons, items, result, headcount = worth.comparisons, worth.items, worth.result, worth.headcount
by_name = {item.name: item for item in items}

st.subheader("First-year return")
if assumptions.participants == 0:
    st.warning(
        "**Participants is 0**, so licences cost nothing in this calculation and the ROI is flattering. "
        + (f"The pilot had about {fmt(headcount)} people; " if headcount else "")
        + "enter the number of people the programme pays licences for, and save.",
        icon=":material/warning:")
costs_text = " + ".join(f"{money(v, currency)} {k}" for k, v in result.cost_lines.items())
benefit_text = " + ".join(f"{money(line.benefit, currency)} ({line.label})" for line in result.lines) or "nothing"
cols = st.columns(5)
cols[0].metric(f"Benefits ({currency})", fmt(result.total_benefits), border=True,
               help=f"Sum of the counted measures' first-year values: {benefit_text}.")
cols[1].metric(f"Costs ({currency})", fmt(result.programme_costs), border=True,
               help=f"Licences + administration + other: {costs_text}.")
cols[2].metric(f"Net benefit ({currency})", fmt(result.net_benefit), border=True,
               help=f"Benefits − costs = {fmt(result.total_benefits)} − {fmt(result.programme_costs)}.")
cols[3].metric("ROI", "n/a" if result.roi_pct is None else f"{fmt(result.roi_pct)}%", border=True,
               help=f"(Benefits − costs) ÷ costs × 100 = {fmt(result.net_benefit)} ÷ "
                    f"{fmt(result.programme_costs)} × 100.")
cols[4].metric("Benefit–cost ratio", "n/a" if result.benefit_cost_ratio is None else
               f"{fmt(result.benefit_cost_ratio)} : 1", border=True,
               help=f"Benefits ÷ costs = {fmt(result.total_benefits)} ÷ {fmt(result.programme_costs)}.")
band = [
    {"scenario": label, f"benefits ({currency})": s.total_benefits, f"net benefit ({currency})": s.net_benefit,
     "ROI %": s.roi_pct, "benefit–cost ratio": s.benefit_cost_ratio}
    for label, s in (("low", result.low), ("expected", result.expected), ("high", result.high))
]
st.dataframe(band, hide_index=True, key="money_band",
             column_config={f"benefits ({currency})": st.column_config.NumberColumn(format="%,.0f"),
                            f"net benefit ({currency})": st.column_config.NumberColumn(format="%,.0f"),
                            "ROI %": st.column_config.NumberColumn(format="%,.0f%%"),
                            "benefit–cost ratio": st.column_config.NumberColumn(format="%.2f")})
st.caption(f"**Low and high:** {result.band_method}")

st.subheader("Benefits, measure by measure")
st.caption(
    "Isolated reduction a year (the pilot's difference-in-differences against the rest, per person per "
    "month, × 12 × the pilot's average headcount since its start) × what one unit is worth. "
    "Monthly comparison over every whole month loaded; first year only."
)
for line in result.lines:
    item = by_name[line.measure]
    comparison = comparisons[line.measure]
    with st.expander(f"{line.label}: {money(line.benefit, currency)} a year "
                     f"(low {money(line.benefit_low, currency)}, high {money(line.benefit_high, currency)})"):
        st.markdown(
            f"- {item.reduction_formula()}\n"
            f"- {analysis.value_formula(line, assumptions, unit=item.unit)}\n"
            f"- Low/high from the {line.band_source}: {money(line.benefit_low, currency)} to "
            f"{money(line.benefit_high, currency)}"
        )
        st.caption(comparison.did.explanation)
not_counted = [item for item in items if item.status != analysis.COUNTED]
if not_counted:
    st.markdown("**Not counted:**\n" + "\n".join(
        f"- **{item.label}** ({item.status}): {item.reason}"
        for item in not_counted))

st.subheader("Programme costs, a year")
formulas = cost_formulas(assumptions)
st.markdown("\n".join(f"- **{name.capitalize()}:** {formulas[name]}" for name in result.cost_lines))

st.subheader("Deliberately not converted to money")
st.markdown(
    "These benefits are real but have no defensible price, so they are reported, not invented:\n"
    + "\n".join(f"- {item}" for item in result.intangibles)
)
st.caption(result.explanation)
