"""The corridor's line and its stations, from the first source of the scenario that can be had.

Sources (``[[corridor.alignment]]``, tried in order):

``osm``
    the route through the stations on the OSM drive graph (:mod:`corridor_sim.network.osm`);
    lanes, speed limits, classes, signals, crossings and junctions come from OSM tags.
``gtfs``
    a GTFS shape; ``geojson``: a line from a vector file (GeoJSON, a Shapefile, any file
    :mod:`corridor_sim.network.vector` reads). Both carry no road attributes, so the scenario's
    ``road_layers`` are conflated onto them (:mod:`corridor_sim.network.conflate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from shapely import ops
from shapely.geometry import LineString, MultiLineString

from corridor_sim import attributes
from corridor_sim._errors import CorridorBuildError, DataFileError, SourceUnavailableError
from corridor_sim.data import data_file
from corridor_sim.network import conflate, gtfs, osm, osm_path, vector
from corridor_sim.scenario import GeojsonAlignment, GtfsAlignment, OsmAlignment, Scenario

#: A station farther than this from a line alignment is a scenario error.
MAX_STATION_OFFSET_M = 150.0


@dataclass(frozen=True)
class Alignment:
    """A corridor's line, stations and raw attributes, before scenario values are applied.

    Attributes
    ----------
    source
        ``"osm"``, ``"gtfs"`` or ``"geojson"``.
    detail
        What exactly was read (file, shape id, cache), for the run's record.
    crs
        The projected CRS of ``line`` (local UTM zone).
    line
        The corridor from the first to the last station, metres.
    station_chainage_m, station_offset_m
        Each station's position along ``line`` and its distance from it.
    pieces
        Attribute pieces along the line: start_m, end_m, highway, name, lanes, speed_limit_kmh,
        and for lanes, speed_limit_kmh, highway, signals, crossings and junctions a
        ``<attr>_source`` column: ``osm tag``, ``road layer``, or None where the piece's value
        (or, for point features, their presence) is not known.
    signals_m, crossings_m, junctions_m, junction_legs
        Point features along the line.
    backdrop
        Lines to draw under the corridor on a map (EPSG:4326) and their credit.
    path_nodes, station_nodes
        OSM node ids of the route and of the stations, in order (``osm`` source only; a negative
        station node is a point on an edge, between OSM nodes).
    station_lat, station_lon
        Where each station stands (degrees): its coordinates, or the point at its ``distance_m``.
    streets
        Named streets near the line (``name``, geometry in ``crs``): the OSM graph's, or the road
        layers' features, to place signals at junctions by street name.
    notes
        What was tried and what to know (sources unavailable, matched shares, missing tables,
        detours).
    """

    source: str
    detail: str
    crs: str
    line: LineString
    station_chainage_m: np.ndarray
    station_offset_m: np.ndarray
    pieces: pd.DataFrame
    signals_m: np.ndarray
    crossings_m: np.ndarray
    junctions_m: np.ndarray
    junction_legs: np.ndarray
    backdrop: gpd.GeoDataFrame
    backdrop_credit: str
    path_nodes: tuple[int, ...] = ()
    station_nodes: tuple[int, ...] = ()
    station_lat: np.ndarray = field(default_factory=lambda: np.array([]))
    station_lon: np.ndarray = field(default_factory=lambda: np.array([]))
    streets: gpd.GeoDataFrame | None = None
    notes: list[str] = field(default_factory=list)


def utm_crs(lats: list[float], lons: list[float]) -> str:
    """The UTM zone's CRS (``EPSG:...``) for points in degrees."""
    points = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs="EPSG:4326")
    return points.estimate_utm_crs().to_string()


def _station_xy(scenario: Scenario, crs: str) -> np.ndarray:
    """The stations placed by coordinates, in ``crs`` (NaN rows for those placed by distance)."""
    stations = scenario.corridor.stations
    xy = np.full((len(stations), 2), np.nan)
    known = [k for k, s in enumerate(stations) if not s.placed_by_distance]
    if known:
        lons, lats = [stations[k].lon for k in known], [stations[k].lat for k in known]
        points = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs="EPSG:4326")
        xy[known] = shapely.get_coordinates(points.to_crs(crs).values)
    return xy


def _lonlat(xy: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    points = gpd.GeoSeries(shapely.points(xy), crs=crs).to_crs("EPSG:4326")
    return points.y.to_numpy(), points.x.to_numpy()


def build_alignment(scenario: Scenario, prefer: str | None = None) -> Alignment:
    """The alignment from the first source that can be had.

    Parameters
    ----------
    scenario
        The scenario.
    prefer
        ``"osm"``, ``"gtfs"`` or ``"geojson"`` to use only that source (``None``: try the
        scenario's sources in order, skipping those unavailable here).

    Returns
    -------
    Alignment
        With ``notes`` saying which sources were skipped and why.

    Raises
    ------
    SourceUnavailableError
        If no source can be had (each reason is listed).
    CorridorBuildError
        If a source is available but the corridor cannot be built on it.
    """
    specs = scenario.corridor.alignment
    if prefer is not None:
        specs = [s for s in specs if s.source == prefer]
        if not specs:
            offered = ", ".join(s.source for s in scenario.corridor.alignment)
            raise CorridorBuildError(f"{scenario.name}: alignment source {prefer!r} is not in the scenario (it offers {offered})")
    skipped: list[str] = []
    for spec in specs:
        try:
            alignment = _BUILDERS[type(spec)](scenario, spec)
        except SourceUnavailableError as exc:
            skipped.append(f"{spec.source} unavailable: {exc}")
            continue
        return alignment if not skipped else _with_notes(alignment, skipped)
    raise SourceUnavailableError(f"{scenario.name}: no alignment source can be had here:\n  " + "\n  ".join(skipped))


def _with_notes(alignment: Alignment, notes: list[str]) -> Alignment:
    return Alignment(**{**alignment.__dict__, "notes": notes + alignment.notes})


def _from_osm(scenario: Scenario, spec: OsmAlignment) -> Alignment:
    stations = scenario.corridor.stations
    by_distance = [s.name for s in stations if s.placed_by_distance]
    if by_distance:
        raise SourceUnavailableError(
            f"it routes through the stations' coordinates, and {', '.join(by_distance)} "
            f"{'is' if len(by_distance) == 1 else 'are'} placed by distance_m along a line (a gtfs or geojson source)"
        )
    lats, lons = [s.lat for s in stations], [s.lon for s in stations]
    graph, origin = osm.street_graph(scenario.city, lats, lons, spec.buffer_m)
    crs = utm_crs(lats, lons)
    label = f"drive graph in {crs}, route cost {sorted(osm_path.ROUTE_COST_FACTOR.items())} {osm_path.MINOR_ROAD_FACTOR}"
    projected = osm.derived_cached(origin, label, lambda: osm_path.project(graph, crs))
    xy = _station_xy(scenario, crs)
    names = [s.name for s in stations]
    match = osm_path.match_stations(projected, xy, names)
    route = osm_path.trace_path(match.graph, match.nodes)
    notes = osm_path.check_route(match.graph, xy, names, match, route)
    pieces = route.pieces.copy()
    for attr in ("lanes", "speed_limit_kmh"):
        pieces[f"{attr}_source"] = np.where(pieces[attr].notna(), "osm tag", None)
    pieces[["signals_source", "crossings_source", "junctions_source"]] = "osm tag"
    pieces["highway_source"] = np.where(pieces["highway"].notna(), "osm tag", None)
    edges = ox.convert.graph_to_gdfs(graph, nodes=False).reset_index(drop=True)
    named = edges.reindex(columns=["name", "geometry"]).assign(name=lambda e: e["name"].map(attributes.first))
    streets = gpd.GeoDataFrame(named[named["name"].notna()], geometry="geometry", crs=edges.crs).to_crs(crs)
    return Alignment(
        source="osm",
        detail=f"{origin.source} {origin.detail} (served from {origin.served_from}, graph made {origin.created})",
        crs=crs,
        line=route.line,
        station_chainage_m=route.station_chainage_m,
        station_offset_m=match.offset_m,
        pieces=pieces,
        signals_m=route.signals_m,
        crossings_m=route.crossings_m,
        junctions_m=route.junctions_m,
        junction_legs=route.junction_legs,
        backdrop=edges[["geometry"]],
        backdrop_credit=f"streets and road attributes: OSM {origin.source} {origin.detail}, ODbL 1.0",
        path_nodes=route.path_nodes,
        station_nodes=tuple(int(n) for n in match.nodes),
        station_lat=np.array(lats, dtype=float),
        station_lon=np.array(lons, dtype=float),
        streets=streets,
        notes=notes,
    )


def _from_gtfs(scenario: Scenario, spec: GtfsAlignment) -> Alignment:
    loaded = gtfs.load_feed(scenario.city, spec.feed)
    shape_id = spec.shape_id or gtfs.route_shape_id(loaded.feed, spec.route)
    line = gtfs.shape_line(loaded.feed, shape_id)
    notes = [] if loaded.has_stop_times else [f"GTFS feed {spec.feed!r} has no stop_times.txt"]
    detail = f"GTFS feed {spec.feed} ({loaded.path.name}, from {loaded.found_in}), shape_id {shape_id}"
    backdrop = gpd.GeoDataFrame(geometry=[line], crs="EPSG:4326")
    return _from_line(scenario, line, "gtfs", detail, backdrop, f"route shape: {loaded.licence}", notes)


def _from_geojson(scenario: Scenario, spec: GeojsonAlignment) -> Alignment:
    if spec.path.startswith("data:"):
        path = data_file(spec.path.removeprefix("data:"))
    else:
        base = scenario.path.parent if scenario.path else Path.cwd()
        path = (base / spec.path).resolve()
        if not path.is_file():
            raise DataFileError(f"{path}: alignment line file not found (paths are relative to the scenario file)")
    frame = vector.read_vector(path, what="alignment line").to_crs("EPSG:4326")
    for key, value in spec.where.items():
        if key not in frame:
            raise DataFileError(f"{path}: has no property {key!r} (where.{key}); it has {', '.join(map(str, frame.columns))}")
        frame = frame[frame[key].astype(str) == str(value)]
    shapes = [g for g in shapely.force_2d(frame.geometry.values) if g is not None and not g.is_empty]
    lines = [g for g in shapes if g.geom_type in ("LineString", "MultiLineString")]
    if not lines:
        found = f" (it has {', '.join(sorted({g.geom_type for g in shapes}))})" if shapes else ""
        raise DataFileError(
            f"{path}: no line features match {spec.where or 'the file'}{found}; a corridor follows a LineString "
            "or MultiLineString"
        )
    merged = ops.linemerge(MultiLineString([p for g in lines for p in getattr(g, "geoms", [g])]))
    if merged.geom_type != "LineString":
        raise CorridorBuildError(f"{path}: the selected lines do not join into one continuous line ({len(merged.geoms)} pieces)")
    detail = f"line file {path.name}" + (f" where {spec.where}" if spec.where else "")
    detail += f" ({spec.licence})" if spec.licence else ""
    backdrop = gpd.GeoDataFrame(geometry=[merged], crs="EPSG:4326")
    credit = f"line: {path.name}" + (f", {spec.licence}" if spec.licence else "")
    return _from_line(scenario, merged, "geojson", detail, backdrop, credit, [])


def _from_line(
    scenario: Scenario, line_deg: LineString, source: str, detail: str,
    backdrop: gpd.GeoDataFrame, credit: str, notes: list[str],
) -> Alignment:  # fmt: skip
    stations = scenario.corridor.stations
    placed = [s for s in stations if not s.placed_by_distance]
    if placed:
        crs = utm_crs([s.lat for s in placed], [s.lon for s in placed])
    else:
        coords = np.asarray(line_deg.coords)
        crs = utm_crs(list(coords[:, 1]), list(coords[:, 0]))
    full = gpd.GeoSeries([line_deg], crs="EPSG:4326").to_crs(crs).iloc[0]
    xy = _station_xy(scenario, crs)
    names = [s.name for s in stations]
    for k, station in enumerate(stations):
        if station.placed_by_distance:
            if station.distance_m > full.length:
                raise CorridorBuildError(
                    f"station {station.name!r}: distance_m = {station.distance_m:.0f} is beyond the end of the {source} "
                    f"line ({full.length:.0f} m long)"
                )
            foot = full.interpolate(station.distance_m)
            xy[k] = (foot.x, foot.y)
    points = shapely.points(xy)
    chainage = shapely.line_locate_point(full, points)
    if chainage[0] > chainage[-1]:  # the line runs the other way: follow the stations
        full = full.reverse()
        chainage = shapely.line_locate_point(full, points)
    offset = shapely.distance(points, full)
    for name, off in zip(names, offset, strict=True):
        if off > MAX_STATION_OFFSET_M:
            raise CorridorBuildError(
                f"station {name!r} is {off:.0f} m from the {source} line (limit {MAX_STATION_OFFSET_M:.0f} m): check its lat/lon"
            )
    for i in range(1, len(names)):
        if chainage[i] <= chainage[i - 1]:
            raise CorridorBuildError(
                f"station {names[i]!r} lies before {names[i - 1]!r} along the {source} line: list the stations in running order"
            )
    line = ops.substring(full, chainage[0], chainage[-1])
    chainage = chainage - chainage[0]
    pieces, junctions_m, legs, streets = _conflate_layers(scenario, line, crs, notes)
    lat, lon = _lonlat(xy, crs)
    if scenario.corridor.road_layers:
        credit += f"; road attributes: OSM road layers {', '.join(scenario.corridor.road_layers)}, ODbL 1.0"
    return Alignment(
        source=source,
        detail=detail,
        crs=crs,
        line=line,
        station_chainage_m=chainage,
        station_offset_m=offset,
        pieces=pieces,
        signals_m=np.array([]),
        crossings_m=np.array([]),
        junctions_m=junctions_m,
        junction_legs=legs,
        backdrop=backdrop,
        backdrop_credit=credit,
        station_lat=lat,
        station_lon=lon,
        streets=streets,
        notes=notes,
    )


#: Named streets this close to the line are kept in :attr:`Alignment.streets` (metres).
STREETS_NEAR_M = 100.0


def _conflate_layers(
    scenario: Scenario, line: LineString, crs: str, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, gpd.GeoDataFrame]:
    """Attribute pieces for a line: each road layer in turn fills the pieces still unmatched."""
    pieces: pd.DataFrame | None = None
    junctions_m, legs = np.array([]), np.array([], dtype=np.int64)
    near_line = line.buffer(STREETS_NEAR_M)
    streets = [gpd.GeoDataFrame({"name": []}, geometry=[], crs=crs)]
    for key in scenario.corridor.road_layers:
        roads = conflate.load_road_layer(scenario.city, key, crs)
        if "name" in roads:
            named = roads[roads["name"].notna() & roads.intersects(near_line)]
            streets.append(named[["name", "geometry"]])
        result = conflate.conflate(line, roads)
        notes.append(f"road layer {key!r} matched {result.matched_share:.0%} of the corridor length")
        found = result.pieces
        for attr in ("lanes", "speed_limit_kmh"):
            found[f"{attr}_source"] = np.where(found[attr].notna(), "road layer", None)
        found[["signals_source", "crossings_source"]] = None  # road layers carry no node tags
        found["junctions_source"] = np.where(found["matched"], "road layer", None)
        found["highway_source"] = np.where(found["highway"].notna(), "road layer", None)
        if pieces is None:
            pieces = found
        else:
            fill = ~pieces["matched"] & found["matched"]
            pieces.loc[fill] = found.loc[fill]
        junctions_m = np.concatenate([junctions_m, result.junctions_m])
        legs = np.concatenate([legs, result.junction_legs])
    if pieces is None:
        starts = np.arange(0.0, line.length, conflate.PIECE_M)
        pieces = pd.DataFrame({"start_m": starts, "end_m": np.minimum(starts + conflate.PIECE_M, line.length), "matched": False})
        sources = [
            "lanes_source",
            "speed_limit_kmh_source",
            "highway_source",
            "signals_source",
            "crossings_source",
            "junctions_source",
        ]
        pieces[["highway", "name", *sources]] = None
        pieces[["lanes", "speed_limit_kmh"]] = np.nan
    order = np.argsort(junctions_m)
    named = gpd.GeoDataFrame(pd.concat(streets, ignore_index=True), geometry="geometry", crs=crs)
    return pieces.drop(columns="matched"), junctions_m[order], legs[order], named


_BUILDERS = {OsmAlignment: _from_osm, GtfsAlignment: _from_gtfs, GeojsonAlignment: _from_geojson}
