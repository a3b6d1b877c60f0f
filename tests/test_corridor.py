"""Corridors built from the real shared data: lengths against independent measures, stations on
the line, conflation and provenance, and the guard against stations matched to the wrong street."""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from conftest import PRESETS
from pyproj import Geod
from shapely import ops
from shapely.geometry import LineString

from corridor_sim._errors import CorridorBuildError
from corridor_sim.corridor import TRACKED, Corridor, build_corridor
from corridor_sim.network import conflate, gtfs, osm
from corridor_sim.scenario import load_scenario, parse_scenario

GEOD = Geod(ellps="WGS84")


def _geodesic_between_stations(line_deg: LineString, corridor: Corridor) -> float:
    """Geodesic length (WGS84) of a lon/lat line between the first and last stations' projections."""
    first = shapely.Point(corridor.station_lon[0], corridor.station_lat[0])
    last = shapely.Point(corridor.station_lon[-1], corridor.station_lat[-1])
    a, b = line_deg.project(first), line_deg.project(last)
    if a > b:
        line_deg, a, b = line_deg.reverse(), line_deg.length - a, line_deg.length - b
    return GEOD.geometry_length(ops.substring(line_deg, a, b))


def test_osm_corridor_length_matches_graph_path(corridors: dict[str, Corridor]) -> None:
    corridor = corridors["addis_ababa"]
    assert corridor.alignment.source == "osm"
    graph, _ = osm.street_graph("addis_ababa", list(corridor.station_lat), list(corridor.station_lon), 1000)
    nodes = corridor.alignment.path_nodes
    # osmnx's own great-circle edge lengths along the same node path, an independent measure
    graph_length = sum(min(d["length"] for d in graph[u][v].values()) for u, v in itertools.pairwise(nodes))
    assert corridor.total_length_m == pytest.approx(graph_length, rel=0.02)
    # and the path is no longer than 15 % over the shortest drivable route (no detours)
    stations = corridor.alignment.station_nodes
    shortest = sum(nx.shortest_path_length(graph, a, b, weight="length") for a, b in itertools.pairwise(stations))
    assert corridor.total_length_m <= 1.15 * shortest
    assert 3500 < corridor.total_length_m < 4000  # Bole Road, Meskel approach to Bole Dildiy


@pytest.mark.parametrize("city", sorted(PRESETS))
def test_every_station_within_50_m_of_the_path(corridors: dict[str, Corridor], city: str) -> None:
    corridor = corridors[city]
    assert corridor.station_offset_m.max() <= 50.0
    assert np.all(np.diff(corridor.station_chainage_m) > 0)
    assert corridor.station_chainage_m[0] == 0.0
    assert corridor.station_chainage_m[-1] == pytest.approx(corridor.total_length_m)


@pytest.mark.parametrize(
    ("city", "feed", "shape_id"), [("nairobi", "digital_matatus", "20145111"), ("kampala", "tfc", "taxi_IC155_R_shape")]
)
def test_gtfs_corridor_length_matches_geodesic_shape_length(
    corridors: dict[str, Corridor], city: str, feed: str, shape_id: str
) -> None:
    corridor = corridors[city]
    assert corridor.alignment.source == "gtfs"  # no OSM graph here offline: the preset fell back
    assert any("osm unavailable" in note for note in corridor.alignment.notes)
    line = gtfs.shape_line(gtfs.load_feed(city, feed).feed, shape_id)
    assert corridor.total_length_m == pytest.approx(_geodesic_between_stations(line, corridor), rel=0.02)


def test_kampala_reports_missing_stop_times(corridors: dict[str, Corridor]) -> None:
    notes = corridors["kampala"].alignment.notes
    assert "GTFS feed 'tfc' has no stop_times.txt" in notes


def test_geojson_corridor_from_official_road_line() -> None:
    """The UNRA A001 Kampala - Mukono link as the alignment, stations from the Kampala preset."""
    data = load_scenario(PRESETS["kampala"]).model_dump(by_alias=True, exclude={"path"})
    keep = {"City Oil Nakawa", "Kyambogo", "Lakhani Motors", "Hass Petrol Station (Banda)", "Kireka"}
    data["corridor"]["stations"] = [s for s in data["corridor"]["stations"] if s["name"] in keep]
    data["corridor"]["segments"] = []
    data.pop("demand")  # its counts name the preset's stations
    data["corridor"]["alignment"] = [
        {
            "source": "geojson",
            "path": "data:kampala/uganda_unra_national_roads_fy25-26.geojson",
            "where": {"link_id": "A001_Link01"},
        }
    ]
    corridor = build_corridor(parse_scenario(data))
    assert corridor.alignment.source == "geojson"
    assert corridor.station_offset_m.max() <= 50.0
    import geopandas as gpd

    from corridor_sim.data import data_file

    roads = gpd.read_file(data_file("kampala/uganda_unra_national_roads_fy25-26.geojson"))
    line = shapely.force_2d(roads[roads["link_id"] == "A001_Link01"].geometry.iloc[0])
    line = ops.linemerge(line) if line.geom_type == "MultiLineString" else line
    assert corridor.total_length_m == pytest.approx(_geodesic_between_stations(line, corridor), rel=0.02)


def test_conflation_takes_tags_of_the_matching_road_only(shared_data) -> None:
    """A line drawn along a real CBD edge matches it; the same line turned 90 degrees matches nothing."""
    roads = conflate.load_road_layer("nairobi", "cbd_drive", "EPSG:32737")
    tagged = roads[roads["lanes"].notna() & roads["maxspeed"].notna()]
    edge = tagged.loc[tagged.geometry.length.idxmax()]
    along = edge.geometry
    result = conflate.conflate(along, roads)
    assert result.matched_share == 1.0
    lanes = result.pieces["lanes"].to_numpy()
    speed = result.pieces["speed_limit_kmh"].to_numpy()
    expected_lanes = float(str(edge["lanes"]).strip("[]'\" ").split(",")[0].split(";")[0])
    # most pieces take this edge's own tags (near junctions another edge may be as close)
    assert np.mean(speed == float(str(edge["maxspeed"]).strip("[]'\" ").split(",")[0])) > 0.8
    assert (
        np.mean(
            lanes
            == (
                expected_lanes
                if "True" in str(edge["oneway"]) or "true" in str(edge["oneway"]).lower()
                else max(1.0, expected_lanes / 2)
            )
        )
        > 0.8
    )
    centre = along.interpolate(0.5, normalized=True)
    across = shapely.affinity.rotate(
        LineString([(centre.x - 60, centre.y), (centre.x + 60, centre.y)]), 90 + _bearing(along), origin=centre
    )
    crossing = conflate.conflate(across, roads)
    assert crossing.pieces.loc[(crossing.pieces["start_m"] > 30) & (crossing.pieces["end_m"] < 90), "matched"].sum() <= 1


def _bearing(line: LineString) -> float:
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    return float(np.degrees(np.arctan2(y1 - y0, x1 - x0)))


@pytest.mark.parametrize("city", sorted(PRESETS))
def test_provenance_accounts_for_every_metre(corridors: dict[str, Corridor], city: str) -> None:
    corridor = corridors[city]
    per_segment = corridor.provenance.groupby(["attribute", "segment"])["length_m"].sum().unstack()
    for attr in TRACKED:
        assert per_segment.loc[attr].to_numpy() == pytest.approx(corridor.length_m, rel=1e-9)
    shares = corridor.source_shares()
    assert shares.sum(axis=1).to_numpy() == pytest.approx(np.ones(len(TRACKED)))


def test_road_layer_supplies_part_of_kampala(corridors: dict[str, Corridor]) -> None:
    shares = corridors["kampala"].source_shares().fillna(0.0)
    assert 0.3 < shares.loc["highway", "road layer"] <= 1.0
    assert shares.loc["lanes", "scenario assumption"] > 0  # where HOT-OSM has gaps (Nakawa, Namboole)


def test_scenario_values_override_data_on_their_segments_only(corridors: dict[str, Corridor]) -> None:
    corridor = corridors["nairobi"]
    names = list(corridor.station_name)
    cbd = slice(0, names.index("Ngara"))
    assert set(corridor.running_way[cbd]) == {"curbside_bus_lane"}
    assert set(corridor.running_way[names.index("Ngara") :]) == {"median_busway"}
    assert np.all(corridor.signal_count[cbd] == 2)
    prov = corridor.provenance
    cbd_speed = prov[(prov["attribute"] == "speed_limit_kmh") & (prov["segment"] < names.index("Ngara"))]
    assert set(cbd_speed["source"]) == {"scenario"}
    assert np.all(corridor.speed_limit_kmh[cbd] == 50.0)


def test_osm_signals_and_crossings_come_from_node_tags(shared_data) -> None:
    """On the 2026 Meskel extract (which tags signals), signals along the path are OSM-tagged."""
    data = load_scenario(PRESETS["addis_ababa"]).model_dump(by_alias=True, exclude={"path"})
    data["corridor"]["stations"] = [
        {"name": "Meskel Square", "lat": 9.0115736, "lon": 38.7626152},  # a signal node on the square
        {"name": "Olympia", "lat": 9.001885, "lon": 38.769314},
    ]
    data["corridor"]["segments"] = []
    data.pop("demand")  # its counts name the preset's stations
    corridor = build_corridor(parse_scenario(data))
    assert "addis_meskel_bole_2026-01" in corridor.alignment.detail
    assert corridor.station_offset_m.max() <= 50.0
    shares = corridor.source_shares().fillna(0.0)
    assert shares.loc["signals", "osm tag"] == pytest.approx(1.0)
    assert len(corridor.signal_m) >= 1


# --- the snapping guard: a station off its carriageway is found or refused, never a silent detour ----

#: Bole Road stations moved by (metres east, metres north): across the dual carriageway, along it, off it.
MOVES = [(83.0, 0.0), (0.0, 83.0), (-83.0, 0.0), (0.0, -83.0), (59.0, 59.0), (-59.0, -59.0), (40.0, -40.0), (120.0, 0.0)]


def _moved(station, east_m: float, north_m: float) -> dict[str, float]:
    return {"lat": station.lat + north_m / 110_574.0, "lon": station.lon + east_m / (111_320.0 * np.cos(np.radians(station.lat)))}


def _xy(corridor: Corridor, lats, lons) -> np.ndarray:
    points = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs="EPSG:4326").to_crs(corridor.alignment.crs)
    return shapely.get_coordinates(points.values)


@pytest.mark.parametrize("station", [1, 3, 5])
@pytest.mark.parametrize("move", MOVES)
def test_a_station_off_its_carriageway_is_found_or_refused_never_a_silent_detour(
    corridors: dict[str, Corridor], station: int, move: tuple[float, float]
) -> None:
    """Moved off its carriageway, a station gives a clear error, or a corridor whose legs are all within
    twice their straight distance, or a warning; its offset is its distance from the point it was
    matched to (the old output said a few metres while the route detoured)."""
    import warnings

    from corridor_sim.network.osm_path import RouteWarning

    stations = load_scenario(PRESETS["addis_ababa"]).corridor.stations
    place = _moved(stations[station], *move)
    scenario = load_scenario(PRESETS["addis_ababa"], {f"corridor.stations.{station}.{k}": v for k, v in place.items()})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            corridor = build_corridor(scenario)
        except CorridorBuildError as exc:
            assert stations[station].name in str(exc) and " m" in str(exc)  # names the station and the distances
            return
    lats = [s.lat for s in stations]
    lons = [s.lon for s in stations]
    lats[station], lons[station] = place["lat"], place["lon"]
    xy = _xy(corridor, lats, lons)
    ratio = np.diff(corridor.station_chainage_m) / np.hypot(*np.diff(xy, axis=0).T)
    warned = [w for w in caught if issubclass(w.category, RouteWarning)]
    assert ratio.max() <= 2.0 or warned, f"a leg {ratio.max():.1f} x its straight distance without a warning"
    if warned:
        assert any("straight distance" in note for note in corridor.alignment.notes)
    on_route = shapely.points([corridor.alignment.line.interpolate(c).coords[0] for c in corridor.station_chainage_m])
    assert corridor.station_offset_m == pytest.approx(shapely.distance(shapely.points(xy), on_route), abs=1.0)


def test_a_station_far_from_every_node_is_matched_on_its_street(corridors: dict[str, Corridor]) -> None:
    """Halfway along Bole Road's 656 m first edge a station is over 300 m from every node: it is matched
    to its foot on the edge (it used to be refused as far from every street node)."""
    preset = corridors["addis_ababa"]
    mid = gpd.GeoSeries([preset.alignment.line.interpolate(320.0)], crs=preset.alignment.crs).to_crs("EPSG:4326").iloc[0]
    data = load_scenario(PRESETS["addis_ababa"]).model_dump(by_alias=True, exclude={"path"})
    data["corridor"]["stations"].insert(1, {"name": "Mid-block", "lat": mid.y, "lon": mid.x})
    data["corridor"]["segments"] = []
    data.pop("demand")
    corridor = build_corridor(parse_scenario(data))
    assert corridor.total_length_m == pytest.approx(preset.total_length_m, abs=1.0)
    assert corridor.station_chainage_m[1] == pytest.approx(320.0, abs=2.0)
    assert corridor.station_offset_m[1] < 1.0 and corridor.alignment.station_nodes[1] < 0  # a point on the edge
    assert set(corridor.alignment.path_nodes) == set(preset.alignment.path_nodes)  # OSM nodes only


def test_a_leg_over_twice_its_straight_distance_warns(corridors: dict[str, Corridor], monkeypatch: pytest.MonkeyPatch) -> None:
    """Within the allowance for turning, a long leg is built but warned of, and listed in the notes."""
    from corridor_sim.network import osm_path

    monkeypatch.setattr(osm_path, "DETOUR_FACTOR", 1.0)  # every real leg is a little longer than its straight line
    with pytest.warns(osm_path.RouteWarning, match="times their straight distance"):
        corridor = build_corridor(load_scenario(PRESETS["addis_ababa"]))
    assert sum("times their straight distance" in note for note in corridor.alignment.notes) >= 1
    assert corridor.total_length_m == pytest.approx(corridors["addis_ababa"].total_length_m)
