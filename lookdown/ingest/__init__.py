"""Bring your own data: detect, preview and import exports into the canonical tables.

Entry points for the pages and the CLI:
- `inspect_file(file, name)` -> Detection (no writes): kind, target table, column mapping, rows,
  date range, masked preview, problems and notices.
- `import_files(db, files, ...)` -> [FileReport]: each file one upload in one transaction.
- `remove_upload(db, upload_id)`, `list_uploads(db)`, `quarantined(db, upload_id)`.
- `suggest_mapping(headers, table)`, `save_mapping(db, headers, table, mapping)`,
  `saved_mapping(db, headers)` for exports with their own headers.
"""
from lookdown.ingest.importer import (
    Detection,
    FileReport,
    import_files,
    inspect_file,
    list_uploads,
    quarantined,
    remove_upload,
)
from lookdown.ingest.mapping import save_mapping, saved_mapping, suggest_mapping
from lookdown.ingest.readers import FILE_KINDS

__all__ = [
    "FILE_KINDS",
    "Detection",
    "FileReport",
    "import_files",
    "inspect_file",
    "list_uploads",
    "quarantined",
    "remove_upload",
    "save_mapping",
    "saved_mapping",
    "suggest_mapping",
]
