"""Corridor map: running way by type, stations, signals and walking catchments over the streets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from corridor_sim.corridor import Corridor
from corridor_sim.map_layers import map_layers
from corridor_sim.plots.style import OSM_CREDIT, new_figure, save_figure, source_note, style
from corridor_sim.results.reader import RunFolder
from corridor_sim.results.writer import corridor_summary

#: Running ways: distinct in line style and lightness as well as colour.
RUNNING_WAY_STYLE = {
    "median_busway": {"color": "#b2182b", "linestyle": "-", "linewidth": 3.5, "label": "median busway"},
    "curbside_bus_lane": {"color": "#ef8a62", "linestyle": "--", "linewidth": 3.0, "label": "curbside bus lane"},
    "mixed_traffic": {"color": "#2166ac", "linestyle": ":", "linewidth": 3.0, "label": "mixed traffic"},
}
#: Catchment fills, nearest first (darker) so the 5-minute area reads on top of the 10-minute one.
CATCHMENT_FILL = ("#bdbdbd", "#e6e6e6", "#f2f2f2")


def draw(run: RunFolder, baseline: RunFolder | None = None) -> Figure:
    """The map of a run folder (``map_layers.parquet`` and ``corridor.json``); ``baseline`` is unused."""
    return map_figure(run.table("map_layers"), run.corridor)


def draw_corridor_map(corridor: Corridor, path: Path) -> Path:
    """Draw a corridor's map (without catchments) to a PNG or PDF, by suffix, atomically."""
    path = Path(path)
    with style():
        fig = map_figure(map_layers(corridor), corridor_summary(corridor))
    return save_figure(fig, path.parent, path.stem, (path.suffix.lstrip(".") or "png",))[0]


def map_figure(layers: gpd.GeoDataFrame, corridor: dict[str, Any]) -> Figure:
    """The map from :func:`corridor_sim.map_layers.map_layers` and a corridor summary.

    Parameters
    ----------
    layers
        The map's features (EPSG:4326).
    corridor
        :func:`corridor_sim.results.writer.corridor_summary`: title, length, stations, credits.
    """
    fig, ax = new_figure(width_in=8.0, height_in=8.0)
    layer = layers["layer"]
    catchments = layers[layer == "catchment"].sort_values("minutes", ascending=False)
    legend = []
    for k, row in enumerate(catchments.itertuples()):
        fill = CATCHMENT_FILL[min(len(catchments) - 1 - k, len(CATCHMENT_FILL) - 1)]
        gpd.GeoSeries([row.geometry], crs=layers.crs).plot(ax=ax, color=fill, edgecolor="#969696", linewidth=0.4, zorder=1)
        legend.append(Patch(facecolor=fill, edgecolor="#969696", label=f"within {row.minutes:g} min walk of a station"))
    streets = layers[layer == "street"]
    if len(streets):
        streets.plot(ax=ax, color="#9e9e9e", linewidth=0.5, zorder=2)
    segments = layers[layer == "segment"]
    for way, line_style in RUNNING_WAY_STYLE.items():
        part = segments[segments["running_way"] == way]
        if len(part):
            part.plot(ax=ax, zorder=3, **line_style)
    signals = layers[layer == "signal"]
    if len(signals):
        ax.scatter(
            signals.geometry.x,
            signals.geometry.y,
            marker="s",
            s=18,
            color="#1a9850",
            edgecolor="black",
            zorder=4,
            label="traffic signal",
        )
    stations = layers[layer == "station"]
    ax.scatter(stations.geometry.x, stations.geometry.y, s=36, color="white", edgecolor="black", zorder=5, label="station")
    step = max(1, len(stations) // 15)
    for row in stations.iloc[::step].itertuples():
        ax.annotate(row.name, (row.geometry.x, row.geometry.y), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=6)
    minx, miny, maxx, maxy = segments.total_bounds if len(segments) else layers.total_bounds
    pad = 0.08 * max(maxx - minx, maxy - miny, 0.005)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect(1 / np.cos(np.radians((miny + maxy) / 2)))
    ax.set_xlabel("longitude (degrees)")
    ax.set_ylabel("latitude (degrees)")
    ax.set_title(
        f"{corridor['title']}\n{corridor['length_km']:.1f} km, {corridor['stations']} stations, "
        f"alignment from {corridor['alignment_source']}"
    )
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + legend, loc="best")
    credits = [c for c in corridor.get("credits", []) if c and not c.startswith("(c) OpenStreetMap")]
    method = catchments["method"].iloc[0] if len(catchments) and "method" in catchments else None
    source_note(
        fig,
        f"Map data {OSM_CREDIT} (ODbL 1.0). " + "; ".join(credits),
        f"Walking catchments: {method}, corridor-sim" if method else "",
    )
    return fig
