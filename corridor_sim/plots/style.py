"""The one style of corridor-sim's figures: readable in greyscale, units on every axis, sources named.

Alternatives and directions differ by lightness *and* by line style, marker or hatch, so a figure
printed in black and white still tells them apart; colour only adds to that. Text is embedded as
TrueType in PDFs (``pdf.fonttype = 42``) so a report's words can be searched and copied.

Figures are laid out by matplotlib's constrained layout and saved cropped to their tight bounding box
(long source notes reach past the figure's width). :func:`save_figure` lays a figure out and crops it
once for all its formats; text is not hinted (``text.hinting = "none"``), so it measures the same in a
PNG at any resolution as in the PDF, and one crop fits both.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

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
    "text.hinting": "none",  # text as wide in a PNG as in the PDF: one layout and crop fit both
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
}

#: zlib level of the PNGs: on these figures 3 is faster than zlib's default of 6 and the files smaller.
PNG_COMPRESS_LEVEL = 3

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
    """Write ``<folder>/<name>.<format>`` for each format, atomically. Returns the files.

    The figure is laid out and its bounding box found once (:func:`_laid_out`), not again for
    each format.
    """
    paths = []
    with style(), _laid_out(fig) as bbox_inches:
        for fmt in formats:
            path = Path(folder) / f"{name}.{fmt}"
            png = {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}} if fmt == "png" else {}
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, bbox_inches=bbox_inches, **png)
            paths.append(path)
    return paths


@contextmanager
def _laid_out(fig: Figure) -> Iterator[Bbox | None]:
    """Lay ``fig`` out with its layout engine, then switch the engine off until the block ends.

    Call inside :func:`style`. With a layout engine, or a tight ``savefig.bbox``, every ``savefig``
    would first draw the figure to lay it out and measure it. The layout holds for every format:
    positions are fractions of the figure and, unhinted, text measures the same (to a fraction of a
    point) at any resolution.
    It is made at ``savefig.dpi``, for the PNG to reuse the text sizes (matplotlib keeps them per
    resolution).

    Yields
    ------
    matplotlib.transforms.Bbox or None
        The part of the figure to save (inches): its tight bounding box padded by
        ``savefig.pad_inches`` if ``savefig.bbox`` is ``"tight"``, else None (the whole figure).
    """
    engine, dpi = fig.get_layout_engine(), fig.get_dpi()
    saving_dpi = matplotlib.rcParams["savefig.dpi"]
    fig.set_dpi(dpi if saving_dpi == "figure" else saving_dpi)
    try:
        if engine is not None:
            engine.execute(fig)
        tight = matplotlib.rcParams["savefig.bbox"] == "tight"
        bbox = fig.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"]) if tight else None
        fig.set_dpi(dpi)
        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # None, not "none": a placeholder engine still makes savefig draw twice
        yield bbox
    finally:
        fig.set_dpi(dpi)
        if engine is not None:
            fig.set_layout_engine(engine)
