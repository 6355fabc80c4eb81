"""`python serve.py [STREAMLIT OPTIONS]`: `streamlit run app.py` in this process, ready before its
first visitor (what `python -m lookdown serve` runs).

`streamlit run` starts the server at once but runs no app code until a browser connects: the
first visitor waited for the app's modules, the database and the measure catalogue, and the inbox
was watched only from then on. Here a thread does that work while the server starts. What it opens
is what every page uses: ui.data keeps them as cached resources, shared by the whole process.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path


def warm_up() -> None:
    """What the first view would otherwise do first: import the pages' modules (pandas, Plotly,
    the measure engine), draw a first figure (Plotly loads its validators then), open the
    database and the catalogue and start watching the inbox (ui.data.start_serving)."""
    import plotly.graph_objects as go

    import ui
    import ui.analysis
    import ui.imports  # noqa: F401
    from ui.data import start_serving

    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], name="a")
    figure.add_bar(x=[0], y=[1], name="b")
    figure.add_heatmap(z=[[0, 1]])
    figure.update_layout(title="warm-up", xaxis_title="x", yaxis_title="y", legend_orientation="h")
    figure.add_annotation(text="a", x=0, y=0)
    figure.add_vline(x=0.5)
    figure.to_json()
    start_serving()


def _warm_up_once_running() -> None:
    from streamlit.runtime import Runtime

    # Cached functions look for Streamlit's runtime when they are defined (it starts in a moment;
    # this file is run as a script, so the ui package is not imported before).
    deadline = time.monotonic() + 60
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.05)
    warm_up()


def main(argv: list[str]) -> int:
    from streamlit.web import cli

    threading.Thread(target=_warm_up_once_running, name="lookdown-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(Path(__file__).with_name("app.py")), *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
