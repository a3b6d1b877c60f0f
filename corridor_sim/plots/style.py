"""The one style of corridor-sim's figures: readable in greyscale, units on every axis, sources named.

Alternatives and directions differ by lightness *and* by line style, marker or hatch, so a figure
printed in black and white still tells them apart; colour only adds to that. Text is embedded as
TrueType in PDFs (``pdf.fonttype = 42``) so a report's words can be searched and copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from corridor_sim.results.files import atomic_path

#: Attribution required on every map drawn from OpenStreetMap data (ODbL 1.0).
OSM_CREDIT = "(c) OpenStreetMap contributors"

#: matplotlib settings of every figure.
STYLE = {
    "figure.figsize": (8.0, 5.0),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "savefig.bbox": "tight",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#4d4d4d",
    "image.cmap": "cividis",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}

#: The scenario against the baseline: dark solid against light hatched.
SCENARIO = {"color": "#252525", "hatch": "", "linestyle": "-", "marker": "o"}
BASELINE = {"color": "#bdbdbd", "hatch": "//", "linestyle": "--", "marker": "s"}
#: Direction 0 and 1 (first terminal to last, and back).
DIRECTIONS = (
    {"color": "#252525", "linestyle": "-", "marker": "o"},
    {"color": "#8c8c8c", "linestyle": "--", "marker": "s"},
)
#: A limit to respect (capacity, scheduled headway): mid-grey dash-dot.
LIMIT = {"color": "#636363", "linestyle": "-.", "linewidth": 1.2}
#: Something to notice (bunching, saturation above the design limit).
HIGHLIGHT = {"color": "#b2182b", "marker": "x"}


def style() -> matplotlib.rc_context:
    """A context applying :data:`STYLE`: draw and save figures inside it."""
    return matplotlib.rc_context(STYLE)


def new_figure(
    nrows: int = 1, ncols: int = 1, width_in: float = 8.0, height_in: float = 5.0, **subplots
) -> tuple[Figure, object]:
    """A figure (not registered with pyplot, so nothing leaks between figures) and its axes.

    Call inside :func:`style`. ``subplots`` go to :meth:`matplotlib.figure.Figure.subplots`.
    """
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    return fig, fig.subplots(nrows, ncols, **subplots)


def source_note(fig: Figure, *sources: str) -> None:
    """Name the figure's data sources at its foot (one line each, small grey text)."""
    lines = [s for s in sources if s]
    if lines:
        fig.supxlabel("\n".join(lines), x=0.0, ha="left", fontsize=6.5, color="#4d4d4d")


def save_figure(fig: Figure, folder: Path, name: str, formats: Iterable[str] = ("png", "pdf")) -> list[Path]:
    """Write ``<folder>/<name>.<format>`` for each format, atomically. Returns the files."""
    paths = []
    with style():
        for fmt in formats:
            path = Path(folder) / f"{name}.{fmt}"
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt)
            paths.append(path)
    return paths
