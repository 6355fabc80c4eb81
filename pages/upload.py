"""Upload: bring your own exports. See what Lookdown recognised in each file before anything is
written, map the columns of unknown exports once, then load everything in one click."""
import streamlit as st

import ui
from lookdown.present.safe_text import markdown_text
from ui import imports

data = ui.start_page("Upload your data")
if data.db.read_only:
    st.warning(f"Uploads are not available: {markdown_text(data.db.read_only_message)}", icon=":material/lock:")
    st.stop()
if not data.can_edit:
    st.info(f"You are a viewer here ({markdown_text(data.actor.email or data.actor.name)}): you can look at every "
            "page and download what they show, but only the team's editors load files.", icon=":material/visibility:")
    st.stop()

limit = st.get_option("server.maxUploadSize")
inbox = data.inbox.folder
inbox.mkdir(parents=True, exist_ok=True)

st.markdown(
    "Drop your exports here: the CSV templates (`people.csv`, `training.csv`, ...), LMS or HR reports "
    "with their own column names (CSV or Excel), a Slack workspace export (ZIP), the Teams user "
    "activity report, a Viva Engage export, a Stack Exchange data dump (`Posts.xml` with "
    "`Users.xml`) or an identity map. **Nothing is written until you press Load**: first you see what "
    "Lookdown recognised in each file, which rows it would reject and why."
)
imports.timezone_setting(data, key="upload-timezone")

round_ = st.session_state.get(imports.ROUND_KEY, 0)
files = st.file_uploader(
    "Files to load", type=imports.UPLOAD_TYPES, accept_multiple_files=True, key=f"files-{round_}",
    help=f"Up to {limit} MB per file in the browser.",
)
st.caption(
    f"The browser accepts files of up to **{limit} MB** each. Larger exports go into the folder "
    f"`{inbox}` (see the bottom of this page), or run `python -m lookdown import FILE...` in the "
    "Lookdown folder: while the app runs, the command hands the files to it and prints what it loaded."
)

if files:
    items = imports.pending_items(files)
    detections = [imports.detect(data, item) for item in items]
    for index, (item, detection) in enumerate(zip(items, detections)):
        imports.show_detection(data, index, item, detection)
    ready = [item for item, d in zip(items, detections) if d.understood]
    waiting = [item.source.name for item, d in zip(items, detections) if d.kind == "needs_mapping"]
    if waiting:
        st.caption(f"Waiting for a saved column mapping: {markdown_text(', '.join(waiting))}.")
    noun = "file" if len(ready) == 1 else "files"
    if st.button(f"Load {len(ready)} {noun}", type="primary", disabled=not ready, key="load",
                 icon=":material/upload:"):
        imports.load_files(data, ready)

run = st.session_state.get(imports.RESULTS_KEY)
if run is not None:
    imports.show_results(data, run)

imports.inbox_section(data)
