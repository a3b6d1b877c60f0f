"""Minibus GTFS routes along a corridor: how far each runs on it, how often, and its stops.

Overlap: the part of each projected shape inside the line's ``buffer_m`` buffer is cut into
pieces of at most :data:`STEP_M` metres. A piece runs along the line if its chainage (its ends
projected on the line) changes by cos 45 deg to 1 / cos 45 deg per metre travelled: about 1
beside the line, about 0 across it (the upper bound drops projection jumps at the line's bends).
A crossing at over 45 deg adds nothing, a route joining at a shallower angle counts from where
it runs within 45 deg of the line, and a route leaving the corridor adds only its overlap. This
holds where a route runs beside the line, leaves it briefly or crosses it at a junction, which
keeping only long pieces inside the buffer does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from corridor_sim._errors import CorridorBuildError

if TYPE_CHECKING:  # for the hints only: importing gtfs_kit takes 0.35 s
    import gtfs_kit

#: Shapes are cut into pieces no longer than this (metres) before they are compared.
STEP_M = 10.0
#: A piece runs along the line if its heading is within this angle of the line's (degrees).
MAX_ANGLE_DEG = 45.0

PATTERN_COLUMNS = [
    "route_id",
    "route_short_name",
    "route_long_name",
    "direction_id",
    "shape_id",
    "shape_length_m",
    "overlap_m",
    "start_m",
    "end_m",
    "runs_with_corridor",
]


def corridor_patterns(
    feed: gtfs_kit.Feed,
    line: LineString,
    crs: str,
    buffer_m: float = 40.0,
    min_overlap_m: float = 500.0,
) -> pd.DataFrame:
    """Trip patterns whose shape runs along the corridor, and how much of it.

    Parameters
    ----------
    feed
        The GTFS feed (needs shapes.txt).
    line
        The corridor polyline in metres, in ``crs``.
    crs
        Projected CRS of ``line`` (e.g. ``corridor.alignment.crs``).
    buffer_m
        Greatest distance of a shape from ``line`` still on the corridor (metres).
    min_overlap_m
        Patterns overlapping less than this are left out (metres).

    Returns
    -------
    pandas.DataFrame
        One row per (route_id, direction_id, shape_id) with the columns of
        :data:`PATTERN_COLUMNS`: shape_length_m, overlap_m (metres of the shape running along
        the line, see the module docstring), start_m and end_m (chainage range on ``line`` of
        those metres; a gap between two overlapping stretches lies inside the range) and
        runs_with_corridor (the overlap mostly runs towards increasing chainage). Sorted by
        route_id, direction_id.

    Raises
    ------
    CorridorBuildError
        If the feed has no shapes.txt.
    """
    if feed.shapes is None or feed.shapes.empty:
        raise CorridorBuildError(
            "the GTFS feed has no shapes.txt, so its routes cannot be placed on the corridor; "
            "use a feed with shapes (or add shapes.txt, e.g. with gtfs_kit's create_shapes)"
        )
    per_shape = shape_overlaps(_projected_shapes(feed.shapes, crs), line, buffer_m, min_overlap_m)
    trips = feed.trips.reindex(columns=["route_id", "direction_id", "shape_id"])
    trips = trips.dropna(subset=["shape_id"]).astype({"shape_id": str})
    names = feed.routes.reindex(columns=PATTERN_COLUMNS[:3])
    table = trips.drop_duplicates().merge(per_shape, left_on="shape_id", right_index=True)
    table = table.merge(names, on="route_id", how="left")
    table = table.sort_values(["route_id", "direction_id", "shape_id"])
    return table[PATTERN_COLUMNS].reset_index(drop=True)


def layer_patterns(
    routes: gpd.GeoDataFrame, id_field: str, name_field: str, line: LineString, crs: str,
    buffer_m: float = 40.0, min_overlap_m: float = 500.0,
) -> pd.DataFrame:  # fmt: skip
    """Routes of a route layer (one line feature each, run both ways) that run along the corridor.

    Parameters
    ----------
    routes
        The layer's features (any CRS).
    id_field, name_field
        Columns with each route's id and name.
    line, crs, buffer_m, min_overlap_m
        As :func:`corridor_patterns`.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`PATTERN_COLUMNS`, one row per route (direction_id 0, shape_id the
        route id).
    """
    missing = [f for f in (id_field, name_field) if f not in routes]
    if missing:
        raise CorridorBuildError(f"the route layer has no column {missing[0]!r}; it has {', '.join(map(str, routes.columns))}")
    lines = routes[routes.geometry.notna()].to_crs(crs)
    lines = lines[lines.geometry.geom_type.isin(["LineString", "MultiLineString"])]
    ids = lines[id_field].astype(str)
    shapes = gpd.GeoSeries(shapely.force_2d(lines.geometry.values), index=pd.Index(ids, name="shape_id"), crs=crs)
    shapes = shapes[~shapes.index.duplicated()]
    per_shape = shape_overlaps(shapes, line, buffer_m, min_overlap_m)
    names = pd.Series(lines[name_field].astype(str).to_numpy(), index=ids.to_numpy())
    names = names[~names.index.duplicated()]
    table = per_shape.reset_index()
    table["route_id"] = table["shape_id"]
    table["direction_id"] = 0
    table["route_short_name"] = table["shape_id"]
    table["route_long_name"] = table["shape_id"].map(names)
    return table.sort_values("route_id")[PATTERN_COLUMNS].reset_index(drop=True)


def shape_overlaps(shapes: gpd.GeoSeries, line: LineString, buffer_m: float, min_overlap_m: float) -> pd.DataFrame:
    """Per shape (the index) along ``line``: overlap_m, start_m, end_m, runs_with_corridor and
    shape_length_m (see the module docstring); shapes overlapping less than ``min_overlap_m`` left out."""
    zone = line.buffer(buffer_m)
    near = shapes[shapes.intersects(zone)]
    inside = near.intersection(zone).to_numpy()
    parts, owner = shapely.get_parts(inside, return_index=True)
    lines = shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING
    dense = shapely.segmentize(parts[lines], STEP_M)
    xy, part = shapely.get_coordinates(dense, return_index=True)
    chain_m = shapely.line_locate_point(line, shapely.points(xy))
    same = part[1:] == part[:-1]
    owner = owner[lines][part[:-1][same]]
    length_m = np.hypot(*(xy[1:] - xy[:-1])[same].T)
    ca, cb = chain_m[:-1][same], chain_m[1:][same]
    rate = np.abs(cb - ca) / np.maximum(length_m, 1e-9)
    cos = np.cos(np.radians(MAX_ANGLE_DEG))
    along = (rate >= cos) & (rate <= 1 / cos)
    pieces = pd.DataFrame(
        {
            "shape_id": near.index.to_numpy()[owner[along]],
            "overlap_m": length_m[along],
            "start_m": np.minimum(ca, cb)[along],
            "end_m": np.maximum(ca, cb)[along],
            "advance_m": (cb - ca)[along],
        }
    )
    agg = {"overlap_m": "sum", "start_m": "min", "end_m": "max", "advance_m": "sum"}
    per_shape = pieces.groupby("shape_id").agg(agg)
    per_shape = per_shape[per_shape["overlap_m"] >= min_overlap_m]
    per_shape["runs_with_corridor"] = per_shape.pop("advance_m") > 0
    per_shape["shape_length_m"] = shapes.length.reindex(per_shape.index)
    return per_shape


def pattern_vehicles_per_h(
    feed: gtfs_kit.Feed,
    shape_ids: Sequence[str],
    start_s: float,
    end_s: float,
    step_s: float = 3600.0,
) -> pd.DataFrame:
    """Vehicles per hour of each pattern in time bins.

    Parameters
    ----------
    feed
        The GTFS feed.
    shape_ids
        Patterns, by shape_id (e.g. from :func:`corridor_patterns`).
    start_s, end_s
        Period, in seconds after midnight; bins ``[t, t + step_s)`` start at
        ``start_s, start_s + step_s, ...`` below ``end_s``.
    step_s
        Bin width (seconds).

    Returns
    -------
    pandas.DataFrame
        Columns shape_id, bin_start_s, vehicles_per_h, source. A trip with frequencies.txt rows
        adds, per row, the seconds the row overlaps the bin divided by its headway_secs; a trip
        without adds one vehicle to the bin holding its first departure in stop_times. source is
        ``"frequencies"`` if any of the pattern's trips has frequency rows, else
        ``"stop_times"`` if any has stop times, else ``"none"`` (vehicles_per_h 0). Every
        trip is counted, whatever its service_id.
    """
    bins = np.arange(start_s, end_s, step_s, dtype=float)
    ids = pd.Index(pd.unique(pd.Series(list(shape_ids), dtype=str)), name="shape_id")
    trips = feed.trips[["trip_id", "shape_id"]].astype(str)
    trips = trips[trips["shape_id"].isin(ids)]
    vehicles = pd.DataFrame(0.0, index=ids, columns=bins)
    source = pd.Series("none", index=ids)

    freq = trips.iloc[:0]
    if feed.frequencies is not None:
        freq = trips.merge(feed.frequencies.astype({"trip_id": str}))
    if not freq.empty:
        start = _seconds(freq["start_time"])[:, None]
        end = _seconds(freq["end_time"])[:, None]
        seconds = np.minimum(end, bins + step_s) - np.maximum(start, bins)
        runs = np.clip(seconds, 0, None) / freq["headway_secs"].to_numpy(float)[:, None]
        runs = pd.DataFrame(runs, columns=bins).groupby(freq["shape_id"].to_numpy()).sum()
        vehicles = vehicles.add(runs, fill_value=0.0)
        source[freq["shape_id"].unique()] = "frequencies"

    timed = trips[~trips["trip_id"].isin(freq["trip_id"])]
    if feed.stop_times is not None and not timed.empty:
        st = feed.stop_times.astype({"trip_id": str}).merge(timed, on="trip_id")
        st = st.sort_values(["trip_id", "stop_sequence"])
        st["t"] = _seconds(st["departure_time"].fillna(st["arrival_time"]))
        first = st.groupby("trip_id")[["shape_id", "t"]].first()
        first["k"] = np.floor((first["t"] - start_s) / step_s)
        first = first[(first["k"] >= 0) & (first["k"] < len(bins))]
        counts = first.groupby(["shape_id", "k"]).size().unstack(fill_value=0)
        counts.columns = bins[counts.columns.astype(int)]
        vehicles = vehicles.add(counts, fill_value=0.0)
        source[source.index.isin(st["shape_id"]) & (source == "none")] = "stop_times"

    table = (vehicles * 3600.0 / step_s).rename_axis(columns="bin_start_s").stack()
    table = table.rename("vehicles_per_h").reset_index()
    table["source"] = table["shape_id"].map(source)
    return table[["shape_id", "bin_start_s", "vehicles_per_h", "source"]]


def corridor_stops(
    feed: gtfs_kit.Feed,
    line: LineString,
    crs: str,
    max_offset_m: float = 40.0,
    min_spacing_m: float = 150.0,
) -> pd.DataFrame:
    """The feed's stops on the corridor, at least ``min_spacing_m`` apart along it.

    Parameters
    ----------
    feed
        The GTFS feed.
    line
        The corridor polyline in metres, in ``crs``.
    crs
        Projected CRS of ``line``.
    max_offset_m
        Greatest distance of a stop from ``line`` (metres).
    min_spacing_m
        Least distance along ``line`` between two kept stops (metres).

    Returns
    -------
    pandas.DataFrame
        Columns stop_id, stop_name, lat, lon, chainage_m, offset_m, sorted by chainage_m.
        Going up the line, a stop is kept if it lies at least ``min_spacing_m`` beyond the last
        kept one (the first of a cluster is kept, so stops on both sides of the road merge and
        a long run of close stops is thinned rather than dropped).
    """
    stops = feed.stops.dropna(subset=["stop_lat", "stop_lon"])
    points = gpd.GeoSeries(gpd.points_from_xy(stops["stop_lon"], stops["stop_lat"]), crs="EPSG:4326").to_crs(crs)
    table = pd.DataFrame(
        {
            "stop_id": stops["stop_id"].to_numpy(),
            "stop_name": stops["stop_name"].to_numpy(),
            "lat": stops["stop_lat"].to_numpy(float),
            "lon": stops["stop_lon"].to_numpy(float),
            "chainage_m": shapely.line_locate_point(line, points.to_numpy()),
            "offset_m": shapely.distance(points.to_numpy(), line),
        }
    )
    table = table[table["offset_m"] <= max_offset_m]
    table = table.sort_values(["chainage_m", "offset_m"]).reset_index(drop=True)
    keep, last_m = [], -np.inf
    # a loop over the stops near the line only: a few hundred at most
    for chainage_m in table["chainage_m"]:
        keep.append(chainage_m - last_m >= min_spacing_m)
        last_m = chainage_m if keep[-1] else last_m
    return table[keep].reset_index(drop=True)


def _projected_shapes(points: pd.DataFrame, crs: str) -> gpd.GeoSeries:
    """The feed's shapes as lines in ``crs``, indexed by shape_id (shapes of 2+ points)."""
    points = points.astype({"shape_id": str})
    points = points.sort_values(["shape_id", "shape_pt_sequence"])
    points = points[points.groupby("shape_id")["shape_id"].transform("size") >= 2]
    xy = gpd.GeoSeries(
        gpd.points_from_xy(points["shape_pt_lon"], points["shape_pt_lat"]),
        crs="EPSG:4326",
    ).to_crs(crs)
    codes, ids = pd.factorize(points["shape_id"])
    lines = shapely.linestrings(shapely.get_coordinates(xy.to_numpy()), indices=codes)
    return gpd.GeoSeries(lines, index=pd.Index(ids, name="shape_id"), crs=crs)


def _seconds(times: pd.Series) -> np.ndarray:
    """GTFS times ``H:MM:SS`` (hours may exceed 23 or lack a leading zero) as seconds."""
    parts = times.astype("string").str.split(":", expand=True)
    hms = parts.reindex(columns=[0, 1, 2]).apply(pd.to_numeric, errors="coerce")
    return hms.to_numpy(float) @ np.array([3600.0, 60.0, 1.0])
