"""Your data: what is loaded, which months it covers, what was rejected, how much activity can be
split by department, the installation's settings, and removing an upload."""
import streamlit as st

import ui
from lookdown.present.inventory import (
    REJECTED_COLUMNS,
    coverage_figure,
    gaps_text,
    rejected_count,
    rejected_csv,
    upload_label,
)
from lookdown.present.labels import heading
from lookdown.present.safe_text import markdown_text
from ui import imports

data = ui.start_page("Your data")

message = st.session_state.pop("data-message", None)
if message:
    st.success(message, icon=":material/check_circle:")

# -- What is loaded ----------------------------------------------------------------------------
st.subheader("What is loaded")
tables = imports.tables(data)
st.dataframe(
    tables.drop(columns=["table"]).assign(label=tables["label"].map(heading)), hide_index=True,
    column_config={
        "label": "Table", "rows": st.column_config.NumberColumn("Rows", format="localized"),
        "first": st.column_config.DateColumn("From"), "last": st.column_config.DateColumn("To"),
        "uploads": "Uploads", "gap_months": "Months without rows",
    },
)
st.caption("People are dated by hire date and cohorts by start date; every other table by the day of "
           "each row.")

st.subheader("Months covered")
coverage = imports.coverage(data)
if coverage.empty:
    st.markdown("No dated rows yet.")
else:
    st.plotly_chart(coverage_figure(coverage), key="coverage", config={"displaylogo": False})
    lines = gaps_text(coverage)
    if lines:
        st.warning("**Gaps:** a month without rows reads as a drop to zero in the charts.\n\n"
                   + "\n".join(f"- {line}" for line in lines), icon=":material/warning:")
    else:
        st.caption("No gaps: every table has rows in every month between its first and its last.")

# -- Uploads -----------------------------------------------------------------------------------
st.subheader("Uploads")
uploads = imports.uploads(data)
st.dataframe(
    uploads, hide_index=True,
    column_config={
        "upload_id": "Upload", "file": "File", "kind": "Read as", "tables": "Into",
        "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="D MMM YYYY, HH:mm"),
        "rows_now": st.column_config.NumberColumn("Rows now", format="localized",
                                                  help="Rows of this upload still loaded (a newer "
                                                       "export of the same source may replace some)"),
        "first": st.column_config.DateColumn("From"), "last": st.column_config.DateColumn("To"),
        "loaded": "Loaded", "rejected": "Rejected", "duplicates": "Duplicates skipped",
        "updated": "Updated", "replaced": "Replaced",
    },
)

# -- Rejected rows -----------------------------------------------------------------------------
st.subheader("Rejected rows")
rejected = imports.rejected(data)
if rejected.empty:
    st.markdown("No rows were rejected.")
else:
    labels = {int(r.upload_id): upload_label(r) for r in uploads.itertuples(index=False)}
    choices = [None, *sorted({int(u) for u in rejected["upload_id"]}, reverse=True)]
    chosen = st.selectbox("Upload", choices, key="quarantine-upload",
                          format_func=lambda u: "All uploads" if u is None else labels.get(u, f"#{u}"))
    shown = rejected if chosen is None else rejected[rejected["upload_id"] == chosen]
    st.caption(f"Rejected: {rejected_count(shown)}. Person identifiers are never kept, so their "
               "value is empty.")
    st.dataframe(shown[["upload_id", *REJECTED_COLUMNS]], hide_index=True,
                 column_config={"upload_id": "Upload", "file": "File", "line": "Line", "column": "Column",
                                "value": "Value", "reason": "Reason"})
    st.download_button("Download these rejected rows (CSV)", rejected_csv(shown),
                       file_name="rejected_rows.csv" if chosen is None else f"rejected_rows_upload_{chosen}.csv",
                       mime="text/csv", icon=":material/download:", key="download-quarantine")

# -- Identity coverage ---------------------------------------------------------------------------
st.subheader("Activity that can be split by department")
identity = imports.identity(data)
if not identity.events:
    st.markdown("No collaboration activity is loaded yet.")
else:
    whole, people = st.columns(2)
    whole.metric("Activity joined to a department", f"{identity.share:.0%}",
                 help="Events whose person is in the people table, so their department is known.",
                 delta_description=f"{identity.joined_events:,} of {identity.events:,} events", border=True)
    people.metric("People active in the platforms found in HR data",
                  f"{identity.joined_people:,} of {identity.people:,}", border=True)
    if len(identity.by_platform) > 1:
        st.dataframe(identity.by_platform, hide_index=True, column_config={
            "platform": "Platform", "events": "Events", "joined_events": "Joined to a department",
            "people": "People", "joined_people": "In HR data",
            "share": st.column_config.ProgressColumn("Share joined", format="percent", min_value=0, max_value=1),
        })
    if identity.advice:
        st.warning(identity.advice, icon=":material/person_search:")

# -- Settings ----------------------------------------------------------------------------------
st.subheader("Settings")
if data.db.read_only:
    st.caption(f"Settings cannot be changed: {markdown_text(data.db.read_only_message)}")
tz_column, size_column = st.columns(2)
with tz_column:
    imports.timezone_setting(data, key="data-timezone", label="Time zone")
with size_column:
    imports.group_size_setting(data, key="data-group-size")

# -- Remove an upload ------------------------------------------------------------------------------
st.subheader("Remove an upload")
if uploads.empty:
    st.markdown("Nothing to remove.")
elif data.db.read_only:
    st.caption(f"Uploads cannot be removed: {markdown_text(data.db.read_only_message)}")
elif not data.can_edit:
    st.caption("Only the team's editors can remove uploads.")
else:
    st.caption("Removes everything that came from one upload: its rows in every table, its rejected rows "
               "and so its part in every figure. Other uploads stay as they are.")
    labels = {int(r.upload_id): upload_label(r) for r in uploads.itertuples(index=False)}
    target = st.selectbox("Upload to remove", list(labels), format_func=labels.get, key="remove-upload")
    pending = st.session_state.get("remove-pending")
    if pending != target:
        if st.button("Remove this upload…", key="remove", icon=":material/delete:"):
            st.session_state["remove-pending"] = target
            st.rerun()
    else:
        contents = imports.upload_contents_text(data, target)
        st.warning(f"Remove {markdown_text(labels[target])}? This deletes {contents}. It cannot be undone; "
                   "you can load the file again later.", icon=":material/warning:")
        yes, no = st.columns([1, 4])
        if yes.button("Yes, remove it", type="primary", key="remove-confirm"):
            removed = imports.remove_upload(data, target)
            st.session_state.pop("remove-pending", None)
            total = sum(n for t, n in removed.items() if t != "quarantine")
            st.session_state["data-message"] = f"Removed upload #{target}: {total:,} rows deleted."
            st.rerun()
        if no.button("Cancel", key="remove-cancel"):
            st.session_state.pop("remove-pending", None)
            st.rerun()

# -- Who changed what ------------------------------------------------------------------------------
st.subheader("Who changed what")
trail = imports.audit_trail(data)
if trail.empty:
    st.markdown("No change recorded yet.")
else:
    st.caption("Every upload, removal, column mapping, setting and money assumption, latest first. It holds "
               "file and table names, counts and settings, never a value from an uploaded file.")
    st.dataframe(trail, hide_index=True, key="audit-trail", column_config={
        "changed_at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm"),
        "actor": "Who", "role": "Role", "action": "What", "detail": "Detail"})
