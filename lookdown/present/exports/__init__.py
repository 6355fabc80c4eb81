"""The executive pack, each format laid out from one `Story` (lookdown.present.story): an
editable PowerPoint deck (deck), a self-contained HTML report (report), its PDF printed by
headless Chromium (pdf), and every chart as titled PNG and SVG images (images)."""
