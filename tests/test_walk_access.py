"""Walking access to stops, on the real data: the Addis Ababa walk network (OSM extract of Bole
Road, 2020-06) and the detour factor for Nairobi and Kampala, which have no walk network."""

from __future__ import annotations

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from corridor_sim.corridor import Corridor
from corridor_sim.network import osm
from corridor_sim.nmt import walk_access
from corridor_sim.nmt.walk_network import to_walk_graph, walk_graph

BUDGET_5_MIN_M = walk_access.WALK_SPEED_MS * 300.0  # 360 m


def _stop_xy(corridor: Corridor) -> np.ndarray:
    """The stations on the corridor line (metres)."""
    return shapely.get_coordinates(shapely.line_interpolate_point(corridor.alignment.line, corridor.station_chainage_m))


def _graph(corridor: Corridor) -> tuple[nx.MultiGraph, str] | None:
    return walk_graph(
        corridor.city,
        list(corridor.station_lat),
        list(corridor.station_lon),
        corridor.alignment.crs,
    )


@pytest.fixture(scope="module")
def addis(corridors: dict[str, Corridor]) -> tuple[Corridor, nx.MultiGraph]:
    """The Bole Road corridor and its walk graph, read once (the first read parses the .osm.bz2)."""
    corridor = corridors["addis_ababa"]
    found = _graph(corridor)
    assert found is not None, "the Bole Road extract covers the corridor: there must be a walk graph"
    graph, detail = found
    assert "addis_bole_road_2020-06.osm.bz2" in detail
    return corridor, graph


@pytest.fixture(scope="module")
def addis_distances(addis: tuple[Corridor, nx.MultiGraph]) -> pd.DataFrame:
    corridor, graph = addis
    points = walk_access.trip_ends(corridor.alignment.line, graph, reach_m=800.0)
    return points.join(walk_access.walk_distance_m(points, _stop_xy(corridor), graph))


def test_walk_graph_is_an_undirected_walk_network(
    addis: tuple[Corridor, nx.MultiGraph],
) -> None:
    corridor, walk = addis
    assert isinstance(walk, nx.MultiGraph) and not walk.is_directed()
    assert nx.is_connected(walk)
    classes = {h for *_, hw in walk.edges(data="highway") for h in (hw if isinstance(hw, list) else [hw])}
    assert classes & {"footway", "path", "pedestrian"}, "a walk network has footways or paths"
    assert not classes & {"motorway", "motorway_link"}
    assert any(foot is not None for *_, foot in walk.edges(data="foot")), "foot tags are kept on the edges"
    # the drive graph from the same extract, in the same plane and undirected, has less street length
    drive, _ = osm.street_graph("addis_ababa", list(corridor.station_lat), list(corridor.station_lon), 1000)
    drive_classes = {h for *_, hw in drive.edges(data="highway") for h in (hw if isinstance(hw, list) else [hw])}
    assert not drive_classes & {"footway", "path", "pedestrian"}
    drive_length_m = sum(length for *_, length in to_walk_graph(drive, corridor.alignment.crs).edges(data="length"))
    walk_length_m = sum(length for *_, length in walk.edges(data="length"))
    assert walk_length_m > drive_length_m


def test_edge_lengths_are_the_geometry_lengths_in_metres(
    addis: tuple[Corridor, nx.MultiGraph],
) -> None:
    _, walk = addis
    for u, v, data in walk.edges(data=True):
        ends = np.array([(walk.nodes[n]["x"], walk.nodes[n]["y"]) for n in (u, v)])
        # an edge is no shorter than its chord
        assert data["length"] >= np.hypot(*(ends[0] - ends[1])) - 1e-9
    # hundreds of km of streets: metres, not degrees
    assert 100_000 < sum(length for *_, length in walk.edges(data="length")) < 500_000


def test_network_distance_never_shorter_than_straight_line(
    addis_distances: pd.DataFrame,
) -> None:
    found = addis_distances
    assert (found["method"] == walk_access.WALK_NETWORK).all()
    reached = found[found["distance_m"].notna()]
    assert len(reached) > 0.9 * len(found), "most points within 800 m reach a stop on the walk network"
    # 1e-9 m: float rounding where the walk follows the straight line
    assert (reached["distance_m"] >= reached["straight_m"] - 1e-9).all()
    # the detour is real: on average the walk is longer than the straight line, but not absurdly so
    ratio = reached["distance_m"].sum() / reached["straight_m"].sum()
    assert 1.05 < ratio < 2.0


def test_nearest_stop_is_nearest_on_the_network(addis: tuple[Corridor, nx.MultiGraph], addis_distances: pd.DataFrame) -> None:
    corridor, graph = addis
    # stops set off the network, each by its own distance, so the snapping legs count
    offset_m = np.column_stack([np.linspace(5.0, 60.0, 7), np.linspace(-40.0, 30.0, 7)])
    stop_xy = _stop_xy(corridor) + offset_m
    points = addis_distances[["x", "y", "node"]]
    together = walk_access.walk_distance_m(points, stop_xy, graph)
    each = np.column_stack([walk_access.walk_distance_m(points, stop_xy[[k]], graph)["distance_m"] for k in range(len(stop_xy))])
    np.testing.assert_allclose(together["distance_m"], each.min(axis=1), rtol=1e-12)
    reached = together["distance_m"].notna()
    assert (together["distance_m"] >= together["straight_m"] - 1e-9)[reached].all()


@pytest.mark.parametrize("station", range(7))
def test_five_minute_catchment_of_a_station(addis: tuple[Corridor, nx.MultiGraph], station: int) -> None:
    corridor, graph = addis
    line, stop_xy = corridor.alignment.line, _stop_xy(corridor)[[station]]
    points = walk_access.trip_ends(line, graph)
    found = walk_access.walk_distance_m(points, stop_xy, graph)
    within = found[found["distance_m"] <= BUDGET_5_MIN_M]
    assert (within["straight_m"] <= BUDGET_5_MIN_M).all()
    table = walk_access.catchment(line, stop_xy, graph, minutes=(5.0, 10.0)).set_index("minutes")
    assert table.loc[5.0, "points_reached"] == len(within)
    assert 0 < table.loc[5.0, "points_reached"] < table.loc[10.0, "points_reached"]
    assert 0 < table.loc[5.0, "network_share"] < table.loc[10.0, "network_share"] <= 1.0
    assert table.loc[5.0, "corridor_share"] <= min(1.0, 2 * BUDGET_5_MIN_M / line.length) + 1e-12


def test_corridor_catchment_within_walking_speed_bounds(
    addis: tuple[Corridor, nx.MultiGraph],
) -> None:
    corridor, graph = addis
    line, stop_xy = corridor.alignment.line, _stop_xy(corridor)
    table = walk_access.catchment(line, stop_xy, graph).set_index("minutes")
    assert (table["method"] == walk_access.WALK_NETWORK).all()
    bound = min(1.0, len(stop_xy) * 2 * BUDGET_5_MIN_M / line.length)
    assert 0 < table.loc[5.0, "corridor_share"] <= bound + 1e-12
    assert table.loc[5.0, "corridor_share"] < table.loc[10.0, "corridor_share"] <= 1.0
    assert table.loc[5.0, "network_share"] < table.loc[10.0, "network_share"]


@pytest.mark.parametrize("city", ["nairobi", "kampala"])
def test_detour_factor_without_walk_network(corridors: dict[str, Corridor], city: str) -> None:
    corridor = corridors[city]
    assert _graph(corridor) is None
    line, stop_xy = corridor.alignment.line, _stop_xy(corridor)
    points = walk_access.trip_ends(line, None, reach_m=800.0, spacing_m=50.0)
    assert (points["node"] == -1).all() and (points["offset_m"] <= 800.0).all()
    found = walk_access.walk_distance_m(points, stop_xy, None)
    assert (found["method"] == walk_access.DETOUR).all()
    np.testing.assert_allclose(
        found["distance_m"],
        walk_access.DETOUR_FACTOR * found["straight_m"],
        rtol=1e-12,
        atol=0,
    )
    # the straight line is to the nearest stop
    gaps = np.hypot(
        points["x"].to_numpy()[:, None] - stop_xy[:, 0],
        points["y"].to_numpy()[:, None] - stop_xy[:, 1],
    )
    np.testing.assert_allclose(found["straight_m"], gaps.min(axis=1), rtol=1e-12)
    table = walk_access.catchment(line, stop_xy, None).set_index("minutes")
    assert (table["method"] == walk_access.DETOUR).all()
    reached_5 = int((found["distance_m"] <= BUDGET_5_MIN_M).sum())
    assert table.loc[5.0, "points_reached"] == reached_5
    assert table.loc[5.0, "network_share"] == pytest.approx(reached_5 / len(points))
    assert table.loc[5.0, "corridor_share"] <= min(1.0, len(stop_xy) * 2 * BUDGET_5_MIN_M / line.length) + 1e-12


def test_walk_graph_served_from_cache_without_touching_drive_settings(
    addis: tuple[Corridor, nx.MultiGraph],
) -> None:
    corridor, first = addis
    tags_before = list(ox.settings.useful_tags_way)
    found = _graph(corridor)
    assert found is not None and "served from cache" in found[1]
    again, _ = found
    assert (len(again), again.number_of_edges()) == (
        len(first),
        first.number_of_edges(),
    )
    # the walk tags are added only while the extract is read
    assert ox.settings.useful_tags_way == tags_before
    assert "foot" not in ox.settings.useful_tags_way
