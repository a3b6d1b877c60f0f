"""Walking access to a corridor's stops: walking distances, and walking catchments.

Distances are measured on the OSM walk network (:func:`corridor_sim.nmt.walk_network.walk_graph`)
where a local extract has it, else as the straight line times a detour factor. Everything is in
the corridor's projected CRS (metres).

Constants (evidence tags: [M] manual / design standard, [L] literature):

``WALK_SPEED_MS = 1.2`` [M]
    Design walking speed, 1.2 m/s (4 ft/s): Highway Capacity Manual (TRB, HCM 6th ed., 2016,
    pedestrian crossing time) and Transit Capacity and Quality of Service Manual (TRB, TCRP
    Report 165, 3rd ed., 2013, walking access to stops).
``DETOUR_FACTOR = 1.3`` [L]
    Network walking distance over straight-line distance for urban trips: route circuity is
    about 1.2 to 1.3 in cities (Levinson, D. & El-Geneidy, A., 2009, "The minimum circuity frontier
    and the journey to work", Regional Science and Urban Economics 39(6), 732-738); 1.3 is the
    upper end, for street grids with few footpaths.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

#: Design walking speed (m/s), HCM / TCQSM [M].
WALK_SPEED_MS = 1.2
#: Walking distance over straight-line distance without a walk network [L] (Levinson & El-Geneidy 2009).
DETOUR_FACTOR = 1.3
#: ``method`` values.
WALK_NETWORK = "walk network"
DETOUR = "detour factor"

#: The virtual node every stop hangs from in the multi-source search.
_SOURCE = "__stops__"


def _node_xy(graph: nx.MultiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Node ids (int64) and their coordinates (n, 2)."""
    nodes = np.fromiter(graph.nodes, dtype=np.int64, count=len(graph))
    xy = np.array([(data["x"], data["y"]) for _, data in graph.nodes(data=True)], dtype=float).reshape(-1, 2)
    return nodes, xy


def _grid(line: LineString, reach_m: float, spacing_m: float) -> np.ndarray:
    """Points of a square grid (aligned on multiples of ``spacing_m``) within ``reach_m`` of ``line``."""
    west, south, east, north = line.bounds
    xs = (
        np.arange(
            np.floor((west - reach_m) / spacing_m),
            np.ceil((east + reach_m) / spacing_m) + 1,
        )
        * spacing_m
    )
    ys = (
        np.arange(
            np.floor((south - reach_m) / spacing_m),
            np.ceil((north + reach_m) / spacing_m) + 1,
        )
        * spacing_m
    )
    gx, gy = np.meshgrid(xs, ys)
    # a cheap first cut (a buffer holding every point within reach, with a grid step to spare for
    # its polygonal arcs), then the exact distance test on what is left
    zone = line.buffer(reach_m + spacing_m)
    shapely.prepare(zone)
    near = shapely.contains_xy(zone, gx.ravel(), gy.ravel())
    xy = np.column_stack([gx.ravel()[near], gy.ravel()[near]])
    shapely.prepare(line)
    return xy[shapely.dwithin(shapely.points(xy), line, reach_m)]


#: The last trip ends found, by line, reach and spacing, with the graph they were found on: a run asks
#: for the same ones three times (the zones' walking distances, the catchment shares and the map).
_TRIP_ENDS: dict[tuple[bytes, float, float], tuple[nx.MultiGraph | None, pd.DataFrame]] = {}


def trip_ends(
    line: LineString,
    graph: nx.MultiGraph | None,
    reach_m: float = 800.0,
    spacing_m: float = 50.0,
) -> pd.DataFrame:
    """Where walking trips to or from the corridor start or end (a copy of the last found, if the same were asked for).

    Parameters
    ----------
    line
        The corridor (metres, projected CRS).
    graph
        The walk network in the same CRS, or None.
    reach_m
        Straight-line distance from the line within which points are kept.
    spacing_m
        Grid spacing when there is no graph.

    Returns
    -------
    pandas.DataFrame
        One row per point: ``x``, ``y``, ``node`` (walk graph node id, -1 for grid points),
        ``chainage_m`` (position of the point's projection along the line) and ``offset_m``
        (straight-line distance to the line). With a graph the points are its nodes within
        ``reach_m`` of the line; without, a square grid at ``spacing_m``.
    """
    key = (shapely.to_wkb(line), float(reach_m), float(spacing_m))
    found = _TRIP_ENDS.get(key)
    if found is not None and found[0] is graph:
        return found[1].copy()
    points = _trip_ends(line, graph, reach_m, spacing_m)
    _TRIP_ENDS.clear()  # one corridor at a time
    _TRIP_ENDS[key] = (graph, points)
    return points.copy()


def _trip_ends(line: LineString, graph: nx.MultiGraph | None, reach_m: float, spacing_m: float) -> pd.DataFrame:
    if graph is not None:
        nodes, xy = _node_xy(graph)
        keep = shapely.dwithin(shapely.points(xy), line, reach_m)
        nodes, xy = nodes[keep], xy[keep]
    else:
        xy = _grid(line, reach_m, spacing_m)
        nodes = np.full(len(xy), -1, dtype=np.int64)
    points = shapely.points(xy)
    return pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "node": nodes,
            "chainage_m": shapely.line_locate_point(line, points),
            "offset_m": shapely.distance(points, line),
        }
    )


def _snap(xy: np.ndarray, node_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest node to each point and the straight-line distance to it."""
    tree = shapely.STRtree(shapely.points(node_xy))
    (query, nearest), distance_m = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    order = np.argsort(query)
    return nearest[order], distance_m[order]


def _length_graph(graph: nx.MultiGraph) -> nx.Graph:
    """A simple graph holding, per node pair, the shortest parallel edge's ``length``."""
    simple = nx.Graph()
    simple.add_nodes_from(graph)
    for u, v, length_m in graph.edges(data="length"):
        if not simple.has_edge(u, v) or length_m < simple[u][v]["length"]:
            simple.add_edge(u, v, length=length_m)
    return simple


def _network_distances(graph: nx.MultiGraph, stop_xy: np.ndarray) -> pd.DataFrame:
    """Walking distance from every graph node to its nearest stop.

    Each stop is snapped to its nearest node; the stop nodes hang from one virtual source by
    edges as long as their snapping distances, so one Dijkstra search from that source gives a
    multi-source search in which each stop starts with its own walk to the network.

    Returns
    -------
    pandas.DataFrame
        Indexed by node id (reached nodes only): ``distance_m`` and ``stop`` (index into ``stop_xy``).
    """
    nodes, node_xy = _node_xy(graph)
    nearest, snap_m = _snap(np.asarray(stop_xy, dtype=float).reshape(-1, 2), node_xy)
    search = _length_graph(graph)
    stop_of_node: dict[int, int] = {}
    # closest stop last: it wins a node shared by several stops
    for stop in np.argsort(snap_m, kind="stable")[::-1]:
        stop_of_node[int(nodes[nearest[stop]])] = int(stop)
    search.add_weighted_edges_from(
        ((_SOURCE, node, float(snap_m[stop])) for node, stop in stop_of_node.items()),
        weight="length",
    )
    distance, paths = nx.single_source_dijkstra(search, _SOURCE, weight="length")
    del distance[_SOURCE], paths[_SOURCE]
    reached = list(distance)
    return pd.DataFrame(
        {
            "distance_m": [distance[n] for n in reached],
            "stop": [stop_of_node[paths[n][1]] for n in reached],
        },
        index=pd.Index(reached, dtype=np.int64, name="node"),
    )


def _straight_nearest(xy: np.ndarray, stop_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest stop of each point and the straight-line distance to it."""
    gap = np.hypot(xy[:, None, 0] - stop_xy[None, :, 0], xy[:, None, 1] - stop_xy[None, :, 1])
    stop = gap.argmin(axis=1)
    return stop, gap[np.arange(len(xy)), stop]


def _on_network(points: pd.DataFrame, stop_xy: np.ndarray, graph: nx.MultiGraph, table: pd.DataFrame) -> pd.DataFrame:
    """Points' walking distances from the node distances ``table`` (see :func:`_network_distances`)."""
    xy = points[["x", "y"]].to_numpy(dtype=float)
    nodes, node_xy = _node_xy(graph)
    position = pd.Series(np.arange(len(nodes)), index=nodes)
    given = points["node"].to_numpy(dtype=np.int64)
    index = position.reindex(given).to_numpy()
    missing = np.isnan(index)
    index = np.where(missing, 0, index).astype(np.int64)
    if missing.any():
        # grid points, or nodes of another graph: snap to the nearest node
        index[missing] = _snap(xy[missing], node_xy)[0]
    snap_m = np.hypot(*(xy - node_xy[index]).T)
    found = table.reindex(nodes[index])
    distance_m = snap_m + found["distance_m"].to_numpy()
    stop = found["stop"].fillna(-1).to_numpy(dtype=np.int64)
    reached = stop >= 0
    straight_m = np.full(len(xy), np.nan)
    straight_m[reached] = np.hypot(*(xy[reached] - stop_xy[stop[reached]]).T)
    return pd.DataFrame(
        {
            "stop": stop,
            "distance_m": distance_m,
            "straight_m": straight_m,
            "method": WALK_NETWORK,
        },
        index=points.index,
    )


def walk_distance_m(
    points: pd.DataFrame,
    stop_xy: np.ndarray,
    graph: nx.MultiGraph | None,
    detour_factor: float = DETOUR_FACTOR,
) -> pd.DataFrame:
    """Walking distance from each point to its nearest stop.

    With a graph: the point's straight walk to its node (its own node, or the nearest one), the
    shortest path over edge ``length`` to the nearest stop's node (a multi-source Dijkstra
    search), and the straight walk from there to the stop. Each leg is at least the straight
    line it spans (edge lengths are measured in the same plane), so the total is never shorter
    than the straight line from point to stop. Without a graph: the straight line to the nearest
    stop times ``detour_factor`` (:data:`DETOUR_FACTOR` by default).

    Parameters
    ----------
    points
        With columns ``x``, ``y`` and ``node`` (see :func:`trip_ends`; -1: no node).
    stop_xy
        Stop positions (n_stops, 2), same CRS.
    graph
        The walk network, or None.
    detour_factor
        Walking over straight-line distance where there is no graph.

    Returns
    -------
    pandas.DataFrame
        Same index as ``points``: ``stop`` (index into ``stop_xy``; -1 if not reached),
        ``distance_m`` (walking distance; NaN if not reached), ``straight_m`` (straight-line
        distance to that stop) and ``method`` (``"walk network"`` or ``"detour factor"``).
    """
    stop_xy = np.asarray(stop_xy, dtype=float).reshape(-1, 2)
    if graph is not None:
        return _on_network(points, stop_xy, graph, _network_distances(graph, stop_xy))
    stop, straight_m = _straight_nearest(points[["x", "y"]].to_numpy(dtype=float), stop_xy)
    return pd.DataFrame(
        {
            "stop": stop,
            "distance_m": straight_m * detour_factor,
            "straight_m": straight_m,
            "method": DETOUR,
        },
        index=points.index,
    )


def _line_share(chainage_m: np.ndarray, radius_m: float, length_m: float) -> float:
    """Share of [0, length_m] covered by the union of the intervals chainage ± radius."""
    start = np.clip(np.sort(chainage_m) - radius_m, 0.0, length_m)
    end = np.clip(np.sort(chainage_m) + radius_m, 0.0, length_m)
    covered_before = np.concatenate([[0.0], np.maximum.accumulate(end)[:-1]])
    return float(np.clip(end - np.maximum(start, covered_before), 0.0, None).sum() / length_m)


def _edges_near(graph: nx.MultiGraph, line: LineString, reach_m: float) -> pd.DataFrame:
    """Edges whose midpoint lies within ``reach_m`` of the line: u, v, length_m."""
    rows = list(graph.edges(data=True))
    middle = shapely.line_interpolate_point([data["geometry"] for *_, data in rows], 0.5, normalized=True)
    edges = pd.DataFrame(
        {
            "u": [u for u, _, _ in rows],
            "v": [v for _, v, _ in rows],
            "length_m": [data["length"] for *_, data in rows],
        }
    )
    return edges[shapely.dwithin(middle, line, reach_m)]


def _reached_length_m(edges: pd.DataFrame, table: pd.DataFrame, budget_m: float) -> np.ndarray:
    """Length of each edge within ``budget_m`` walking from the nearest stop.

    Walking in from end u covers ``budget - d(u)`` of the edge, from end v ``budget - d(v)``
    (each at least 0); together at most the edge's length. Exact for an edge with no stop on it.
    """
    far = table["distance_m"]
    from_u = np.clip(budget_m - far.reindex(edges["u"]).fillna(np.inf).to_numpy(), 0.0, None)
    from_v = np.clip(budget_m - far.reindex(edges["v"]).fillna(np.inf).to_numpy(), 0.0, None)
    return np.minimum(edges["length_m"].to_numpy(), from_u + from_v)


def catchment(
    line: LineString,
    stop_xy: np.ndarray,
    graph: nx.MultiGraph | None,
    minutes: tuple[float, ...] = (5.0, 10.0),
    speed_ms: float = WALK_SPEED_MS,
    reach_m: float = 800.0,
    spacing_m: float = 50.0,
    detour_factor: float = DETOUR_FACTOR,
) -> pd.DataFrame:
    """Walking catchments of the stops, per time budget.

    Parameters
    ----------
    line
        The corridor (metres, projected CRS).
    stop_xy
        Stop positions (n_stops, 2), same CRS.
    graph
        The walk network, or None.
    minutes
        Walking time budgets (minutes).
    speed_ms
        Walking speed (m/s).
    reach_m, spacing_m
        Study area and grid spacing for the trip ends (see :func:`trip_ends`).
    detour_factor
        Walking over straight-line distance where there is no graph.

    Returns
    -------
    pandas.DataFrame
        One row per budget: ``minutes``; ``corridor_share``: share of the line's length within
        ``speed * time`` of a stop walking along the line (union of chainage ± speed * time,
        clipped to the line); ``network_share``: with a graph, share of the length of the edges
        whose midpoint lies within ``reach_m`` of the line that is reachable in time (an edge
        counts by the part reachable from its two ends, see :func:`_reached_length_m`), without
        a graph the share of the grid points reached; ``points_reached``: trip ends
        (:func:`trip_ends`) reached in time, of ``points``; ``method``: ``"walk network"`` or ``"detour factor"``.
    """
    stop_xy = np.asarray(stop_xy, dtype=float).reshape(-1, 2)
    chainage_m = shapely.line_locate_point(line, shapely.points(stop_xy))
    points = trip_ends(line, graph, reach_m, spacing_m)
    if graph is not None:
        table = _network_distances(graph, stop_xy)
        distance_m = _on_network(points, stop_xy, graph, table)["distance_m"].to_numpy()
        edges = _edges_near(graph, line, reach_m)
    else:
        distance_m = walk_distance_m(points, stop_xy, None, detour_factor)["distance_m"].to_numpy()
    rows = []
    for budget_min in minutes:
        budget_m = speed_ms * budget_min * 60.0
        reached = int(np.sum(distance_m <= budget_m))
        if graph is not None:
            total_m = edges["length_m"].sum()
            share = float(_reached_length_m(edges, table, budget_m).sum() / total_m) if total_m > 0 else np.nan
        else:
            share = reached / len(points) if len(points) else np.nan
        rows.append(
            {
                "minutes": budget_min,
                "corridor_share": _line_share(chainage_m, budget_m, line.length),
                "network_share": share,
                "points_reached": reached,
                "points": len(points),
                "method": WALK_NETWORK if graph is not None else DETOUR,
            }
        )
    return pd.DataFrame(rows)


def catchment_areas(
    line: LineString,
    stop_xy: np.ndarray,
    graph: nx.MultiGraph | None,
    minutes: tuple[float, ...] = (5.0, 10.0),
    speed_ms: float = WALK_SPEED_MS,
    reach_m: float = 800.0,
    spacing_m: float = 50.0,
    detour_factor: float = DETOUR_FACTOR,
) -> pd.DataFrame:
    """The areas the stops' walking catchments cover, for maps.

    Each stop's area for a budget is the concave hull (shapely, ratio 0.5) of the trip ends
    (:func:`trip_ends`) that walk to it within ``speed_ms * minutes``, widened by half the grid
    spacing; a budget's area is the union over the stops. The distances are those of
    :func:`catchment` (walk network or detour factor), so the map shows the same catchments the
    shares describe.

    Parameters
    ----------
    line, stop_xy, graph, minutes, speed_ms, reach_m, spacing_m, detour_factor
        As for :func:`catchment`.

    Returns
    -------
    pandas.DataFrame
        One row per budget: ``minutes``, ``geometry`` (shapely polygon or multipolygon in the
        line's CRS; empty if no trip end is reached) and ``method``.
    """
    stop_xy = np.asarray(stop_xy, dtype=float).reshape(-1, 2)
    points = trip_ends(line, graph, reach_m, spacing_m)
    walked = walk_distance_m(points, stop_xy, graph, detour_factor)
    xy = points[["x", "y"]].to_numpy(dtype=float)
    stop, distance_m = walked["stop"].to_numpy(), walked["distance_m"].to_numpy()
    rows = []
    for budget_min in minutes:
        within = distance_m <= speed_ms * budget_min * 60.0
        parts = [
            shapely.concave_hull(shapely.multipoints(xy[within & (stop == s)]), ratio=0.5).buffer(spacing_m / 2.0)
            for s in np.unique(stop[within])
        ]
        rows.append(
            {
                "minutes": budget_min,
                "geometry": shapely.union_all(parts) if parts else shapely.Polygon(),
                "method": WALK_NETWORK if graph is not None else DETOUR,
            }
        )
    return pd.DataFrame(rows)
