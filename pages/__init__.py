"""One thin file per page: widgets, calls into ui and lookdown.present, charts. (A package only so
the import contracts can check the pages; Streamlit skips this file.)"""
