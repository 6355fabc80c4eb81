"""Charts as pictures: PNG and SVG at presentation resolution, drawn by Kaleido in Debian's
Chromium, with the title, period, source and organisation drawn into them.

Kaleido starts one browser and keeps it for the whole process (a cold start costs seconds per
image, a warm one well under a second), with MathJax off: it would be fetched from the network,
and there is none. It never downloads a browser: it uses the system's Chromium (BROWSER_PATH,
else `chromium` on PATH).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import kaleido

from lookdown.present.story import Story
from lookdown.present.story_charts import Chart, titled

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
# 1280 × 720 drawn at 1.5×: a 1920 × 1080 PNG, sharp on a projector and on a 16:9 slide.
WIDTH, HEIGHT, SCALE = 1280, 720, 1.5
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}

_lock = threading.Lock()


def _server() -> None:
    """Start the one Kaleido server of this process, if it is not running yet."""
    if SYSTEM_CHROMIUM.exists():
        os.environ.setdefault("BROWSER_PATH", str(SYSTEM_CHROMIUM))
    kaleido.start_sync_server(mathjax=False, silence_warnings=True)


def render(figure, *, fmt: str = "png", width: int = WIDTH, height: int = HEIGHT, scale: float = SCALE) -> bytes:
    """A figure as PNG or SVG bytes. One request at a time: the server answers them in turn."""
    if fmt not in FORMATS:
        raise ValueError(f"An image is one of {', '.join(FORMATS)}, not '{fmt}'.")
    spec = figure.to_dict() if hasattr(figure, "to_dict") else figure
    with _lock:
        _server()
        return kaleido.calc_fig_sync(spec, opts={"format": fmt, "width": width, "height": height,
                                                 "scale": scale if fmt == "png" else 1})


@dataclass(frozen=True)
class Image:
    file_name: str
    mime: str
    data: bytes


def file_name(chart: Chart, story: Story, fmt: str) -> str:
    """'lookdown-social-learning-pilot-2023-01-to-2025-12-training-requests-pilot-vs-rest.png'."""
    return f"{story.file_stem()}-{chart.key}.{fmt}"


def chart_image(chart: Chart, story: Story, fmt: str = "png") -> Image:
    """One chart, titled, as a picture to take away."""
    figure = titled(chart, story, width=WIDTH, height=HEIGHT)
    return Image(file_name(chart, story, fmt), FORMATS[fmt], render(figure, fmt=fmt))


__all__ = ["FORMATS", "HEIGHT", "WIDTH", "Image", "chart_image", "file_name", "render"]
