"""The executive pack, each format laid out from one `Story` (lookdown.present.story): an
editable PowerPoint deck (deck), a self-contained HTML report (report), its PDF printed by
headless Chromium (pdf), and every chart as titled PNG and SVG images (images)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from lookdown.measures import Catalogue
from lookdown.store import Database

KINDS = ("deck", "report", "pdf")


def write_pack(db: Database, kind: str, out: Path, *, cohort: str | None = None,
               departments: list[str] | None = None, start_on: date | None = None, start: date | None = None,
               end: date | None = None, measures: list[str] | None = None) -> str:
    """Write one format of the pack to `out` (the command line's `export`, and the running app
    when a scheduled job hands it the export); returns a sentence saying what was written."""
    from lookdown.present.story import build_story

    if kind not in KINDS:
        raise ValueError(f"Export one of {', '.join(KINDS)}, not '{kind}'.")
    story = build_story(db, Catalogue.load(), cohort=cohort, departments=departments, start_on=start_on,
                        start=start, end=end, measures=measures)
    if kind == "deck":
        from lookdown.present.exports.deck import build_deck

        content: bytes = build_deck(story)
    elif kind == "report":
        from lookdown.present.exports.report import build_report

        content = build_report(story).encode("utf-8")
    else:
        from lookdown.present.exports.pdf import build_pdf

        content = build_pdf(story)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    return (f"Wrote {out} ({len(content):,} bytes): {story.pilot_text}, {story.period_text}, "
            f"{len(story.effects)} headline measure(s).")


def export_request(db: Database, request: Path, asked: dict) -> dict:
    """The running app's answer to an export a scheduled job handed over (lookdown.ingest.inbox)."""
    dates = {name: date.fromisoformat(asked[name]) if asked.get(name) else None
             for name in ("start_on", "start", "end")}
    said = write_pack(db, asked["kind"], Path(asked["out"]), cohort=asked.get("cohort"),
                      departments=asked.get("departments"), measures=asked.get("measures"), **dates)
    return {"said": said}
