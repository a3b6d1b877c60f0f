"""Corridor map: the alignment by running way, stations, signals, over the street network or shape."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

from corridor_sim.corridor import Corridor  # noqa: E402
from corridor_sim.data import atomic_path  # noqa: E402

OSM_CREDIT = "(c) OpenStreetMap contributors"
RUNNING_WAY_STYLE = {
    "median_busway": {"color": "#b2182b", "linestyle": "-", "label": "median busway"},
    "curbside_bus_lane": {"color": "#ef8a62", "linestyle": "--", "label": "curbside bus lane"},
    "mixed_traffic": {"color": "#2166ac", "linestyle": ":", "label": "mixed traffic"},
}


def draw_corridor_map(corridor: Corridor, path: Path, dpi: int = 150) -> Path:
    """Draw the corridor map to a PNG (or PDF, by suffix), atomically.

    Parameters
    ----------
    corridor
        The corridor.
    path
        Output file.
    dpi
        Resolution.

    Returns
    -------
    Path
        The file written.
    """
    segments = corridor.segments_lonlat()
    fig, ax = plt.subplots(figsize=(8, 8))
    backdrop = corridor.alignment.backdrop
    if len(backdrop):
        backdrop.plot(ax=ax, color="#bbbbbb", linewidth=0.5, zorder=1)
    for way, style in RUNNING_WAY_STYLE.items():
        part = segments[segments["running_way"] == way]
        if len(part):
            part.plot(ax=ax, color=style["color"], linestyle=style["linestyle"], linewidth=3, label=style["label"], zorder=2)
    line_deg = segments.geometry.union_all()
    signals = _points_lonlat(corridor, corridor.signal_m)
    if len(signals):
        ax.scatter(signals[:, 0], signals[:, 1], marker="s", s=18, color="#1a9850", edgecolor="black", zorder=3, label="traffic signal")
    ax.scatter(corridor.station_lon, corridor.station_lat, s=36, color="white", edgecolor="black", zorder=4, label="station")
    step = max(1, len(corridor.station_name) // 15)
    for i in range(0, len(corridor.station_name), step):
        ax.annotate(corridor.station_name[i], (corridor.station_lon[i], corridor.station_lat[i]), xytext=(4, 4),
                    textcoords="offset points", fontsize=7, zorder=5)  # fmt: skip
    minx, miny, maxx, maxy = line_deg.bounds
    pad = 0.08 * max(maxx - minx, maxy - miny, 0.005)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect(1 / np.cos(np.radians((miny + maxy) / 2)))
    ax.set_xlabel("longitude (degrees)")
    ax.set_ylabel("latitude (degrees)")
    ax.set_title(f"{corridor.title}\n{corridor.total_length_m / 1000:.1f} km, {len(corridor.station_name)} stations, "
                 f"alignment from {corridor.alignment.source}", fontsize=10)  # fmt: skip
    ax.legend(loc="best", fontsize=8)
    credit = f"Map data {OSM_CREDIT}. {corridor.alignment.backdrop_credit}"
    fig.text(0.01, 0.01, credit, fontsize=6, ha="left", va="bottom", wrap=True)
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png", bbox_inches="tight")
    plt.close(fig)
    return path


def _points_lonlat(corridor: Corridor, chainage_m: np.ndarray) -> np.ndarray:
    if len(chainage_m) == 0:
        return np.empty((0, 2))
    import geopandas as gpd

    points = shapely.line_interpolate_point(corridor.alignment.line, chainage_m)
    return shapely.get_coordinates(gpd.GeoSeries(points, crs=corridor.alignment.crs).to_crs("EPSG:4326").values)
