"""Attribute conflation: road-layer attributes onto an alignment that has none (a GTFS shape, a
GeoJSON line).

The alignment is cut into :data:`PIECE_M` pieces. A piece takes the attributes of the nearest
road line within :data:`MATCH_DISTANCE_M` of its midpoint whose direction at that point is
within :data:`MATCH_BEARING_DEG` of the piece's (undirected: a two-way road matches both ways).
Junctions are read from the layer's topology: line end points within 1 m of each other are one
node; a node with three or more distinct neighbours within :data:`MATCH_DISTANCE_M` of a matched
piece is a junction, and its legs are its neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from corridor_sim import attributes
from corridor_sim._errors import DataFileError
from corridor_sim.data import data_file
from corridor_sim.network.manifest import load_manifest
from corridor_sim.network.vector import read_vector

PIECE_M = 20.0
MATCH_DISTANCE_M = 25.0
MATCH_BEARING_DEG = 30.0
_TANGENT_M = 5.0
_LAYER_COLUMNS = ("highway", "lanes", "lanes:psv", "maxspeed", "oneway", "name")
#: osm2po's road class codes (``CLAZZ``) as OSM highway classes: the ``wtr.tag.highway.*`` lines of
#: osm2po's default configuration (osm2po.config, e.g. ``primary = 1, 15, 70, car``). osm2po's
#: ``KMH`` is that class's default speed, not a ``maxspeed`` tag, so it is not read.
OSM2PO_CLASSES = {
    11: "motorway", 12: "motorway_link", 13: "trunk", 14: "trunk_link", 15: "primary", 16: "primary_link",
    21: "secondary", 22: "secondary_link", 31: "tertiary", 32: "tertiary_link", 41: "residential", 42: "road",
    43: "unclassified", 51: "service", 62: "pedestrian", 63: "living_street",
}  # fmt: skip
#: osm2po's reverse cost of a one-way edge (it cannot be driven backwards).
_OSM2PO_NO_REVERSE = 1e6


@dataclass(frozen=True)
class Conflation:
    """Result of matching a road layer onto an alignment.

    Attributes
    ----------
    pieces
        One row per piece: start_m, end_m, matched (bool), highway, name, lanes,
        speed_limit_kmh (NaN where the matched road has no tag).
    junctions_m, junction_legs
        Junctions of the layer on the matched stretches.
    """

    pieces: pd.DataFrame
    junctions_m: np.ndarray
    junction_legs: np.ndarray

    @property
    def matched_share(self) -> float:
        """Share of the alignment's length matched to a road of the layer."""
        length = self.pieces["end_m"] - self.pieces["start_m"]
        return float(length[self.pieces["matched"]].sum() / length.sum())


def load_road_layer(city: str, key: str, crs: str) -> gpd.GeoDataFrame:
    """Read a road layer of the city manifest, as single lines in ``crs``.

    Raises
    ------
    DataFileError
        If the key is unknown or the file is missing or unreadable.
    """
    layers = load_manifest(city).road_layers
    if key not in layers:
        raise DataFileError(f"road layer {key!r} is not in networks/{city}.toml; known: {', '.join(layers) or 'none'}")
    path = data_file(layers[key].file)
    try:
        if layers[key].kind == "osm2po":
            frame = _osm2po_as_osm(read_vector(path, ["CLAZZ", "OSM_NAME", "REVERSE_CO"], "road layer"))
        else:
            frame = read_vector(path, list(_LAYER_COLUMNS), "road layer")
    except DataFileError as exc:
        raise DataFileError(f"{exc}. Restore it from its source in PROVENANCE.md.") from None
    frame = frame[frame.geometry.notna()].to_crs(crs).explode(index_parts=False)
    frame = frame[frame.geometry.geom_type == "LineString"].reset_index(drop=True)
    frame["geometry"] = shapely.force_2d(frame.geometry.values)
    return frame


def _osm2po_as_osm(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """An osm2po edge table with OSM-style columns: highway from ``CLAZZ``, name, oneway."""
    highway = [OSM2PO_CLASSES.get(int(c)) if pd.notna(c) else None for c in frame.get("CLAZZ", [None] * len(frame))]
    reverse = pd.to_numeric(frame.get("REVERSE_CO", pd.Series(np.nan, index=frame.index)), errors="coerce")
    return gpd.GeoDataFrame(
        {
            "highway": highway,
            "name": frame.get("OSM_NAME", pd.Series(None, index=frame.index)),
            "oneway": np.where(reverse >= _OSM2PO_NO_REVERSE, "yes", "no"),
        },
        geometry=frame.geometry,
        crs=frame.crs,
    )


def _bearing(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(dx, dy)) % 180.0  # axial: 0..180


def conflate(line: LineString, roads: gpd.GeoDataFrame) -> Conflation:
    """Match ``roads`` onto ``line`` (both in the same projected CRS).

    Parameters
    ----------
    line
        The alignment, metres.
    roads
        Road lines with OSM-style columns (``highway``, ``lanes``, ``maxspeed``, ``oneway``,
        ``name``; missing columns count as untagged).

    Returns
    -------
    Conflation
        Attributes per piece and junctions on the matched stretches.
    """
    starts = np.arange(0.0, line.length, PIECE_M)
    ends = np.minimum(starts + PIECE_M, line.length)
    mids = shapely.line_interpolate_point(line, (starts + ends) / 2)
    a, b = shapely.line_interpolate_point(line, starts), shapely.line_interpolate_point(line, ends)
    piece_bearing = _bearing(shapely.get_x(b) - shapely.get_x(a), shapely.get_y(b) - shapely.get_y(a))

    geoms = roads.geometry.values
    piece_idx, road_idx = shapely.STRtree(geoms).query(mids, predicate="dwithin", distance=MATCH_DISTANCE_M)
    road_geoms = geoms[road_idx]
    along = shapely.line_locate_point(road_geoms, mids[piece_idx])
    ta = shapely.line_interpolate_point(road_geoms, along - _TANGENT_M)
    tb = shapely.line_interpolate_point(road_geoms, along + _TANGENT_M)
    road_bearing = _bearing(shapely.get_x(tb) - shapely.get_x(ta), shapely.get_y(tb) - shapely.get_y(ta))
    diff = np.abs(road_bearing - piece_bearing[piece_idx])
    diff = np.minimum(diff, 180.0 - diff)
    ok = diff <= MATCH_BEARING_DEG
    dist = shapely.distance(mids[piece_idx], road_geoms)
    order = np.lexsort((dist[ok], piece_idx[ok]))
    pieces_ok, roads_ok = piece_idx[ok][order], road_idx[ok][order]
    best_piece, first = np.unique(pieces_ok, return_index=True)
    best_road = roads_ok[first]

    frame = pd.DataFrame({"start_m": starts, "end_m": ends, "matched": False})
    frame[["highway", "name"]] = None
    frame[["lanes", "speed_limit_kmh"]] = np.nan
    matched = roads.iloc[best_road]
    column = lambda name: matched[name] if name in matched else pd.Series([None] * len(matched))  # noqa: E731
    frame.loc[best_piece, "matched"] = True
    frame.loc[best_piece, "highway"] = np.array([attributes.highway_class(v) for v in column("highway")], dtype=object)
    frame.loc[best_piece, "name"] = np.array([attributes.first(v) for v in column("name")], dtype=object)
    frame.loc[best_piece, "lanes"] = [
        attributes.lanes_per_direction(n, o, psv=p)
        for n, o, p in zip(column("lanes"), column("oneway"), column("lanes:psv"), strict=True)
    ]
    frame.loc[best_piece, "speed_limit_kmh"] = [attributes.parse_maxspeed_kmh(v) for v in column("maxspeed")]
    junctions_m, legs = _layer_junctions(line, roads.iloc[np.unique(best_road)] if len(best_road) else roads.iloc[:0], roads)
    return Conflation(frame, junctions_m, legs)


def _layer_junctions(line: LineString, matched: gpd.GeoDataFrame, roads: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Junctions at end points of matched roads: nodes with 3+ distinct neighbours in the layer."""
    if matched.empty:
        return np.array([]), np.array([], dtype=np.int64)
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(roads.geometry.values, i)) for i in (0, -1)])
    keys = np.round(ends).astype(np.int64)
    n = len(roads)
    node_key = [tuple(k) for k in keys]
    neighbours: dict[tuple, set] = {}
    for i in range(n):
        s, e = node_key[i], node_key[n + i]
        if s != e:
            neighbours.setdefault(s, set()).add(e)
            neighbours.setdefault(e, set()).add(s)
    matched_ends = {node_key[i] for i in matched.index} | {node_key[n + i] for i in matched.index}
    found = [(k, len(v)) for k, v in neighbours.items() if len(v) >= 3 and k in matched_ends]
    if not found:
        return np.array([]), np.array([], dtype=np.int64)
    points = shapely.points(np.array([k for k, _ in found], dtype=float))
    near = shapely.distance(points, line) <= MATCH_DISTANCE_M
    chainage = shapely.line_locate_point(line, points[near])
    legs = np.array([d for (_, d), keep in zip(found, near, strict=True) if keep], dtype=np.int64)
    order = np.argsort(chainage)
    return chainage[order], legs[order]
