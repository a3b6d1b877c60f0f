"""The corridor's path on an OSM drive graph: stations matched to the streets, the route through
them, and what lies along it (attribute pieces, signals, crossings, junctions).

Nearest-node snapping fails on dual carriageways (a station can snap to the opposite direction's
node and force U-turns) and on long edges (a station halfway along a 600 m edge is 300 m from
every node, while the right carriageway passes a few metres away). Stations are therefore matched
like a map-matching problem: each has up to :data:`MAX_CANDIDATES` candidates within
:data:`CANDIDATE_RADIUS_M`, street nodes and the station's foot on every nearby edge (a point
between nodes, which splits that edge in a copy of the graph), and the combination with the least
total route length (plus a small penalty per metre of offset) is chosen by dynamic programming over
consecutive stations.

Then the route is checked (:func:`check_route`): a station farther than the radius from every
street, a leg longer than :data:`DETOUR_FACTOR` times its stations' straight distance plus
:data:`DETOUR_ALLOWANCE_M`, or a station that pulls the route off the road, is an error; a leg
longer than :data:`DETOUR_FACTOR` times the straight distance but within the allowance is a
warning (:class:`RouteWarning`), also listed in the alignment's notes. A station's offset is its
distance from the point it was matched to, not from the nearest point of the route, so a station
matched across the road shows its real offset.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from shapely import ops
from shapely.geometry import LineString

from corridor_sim import attributes
from corridor_sim._errors import CorridorBuildError

CANDIDATE_RADIUS_M = 80.0
#: A station's foot on an edge closer than this to one of the edge's nodes is that node.
SNAP_TO_NODE_M = 5.0
#: A leg of the route between consecutive stations may be at most this many times their straight
#: distance, plus :data:`DETOUR_ALLOWANCE_M` (U-turns, roundabouts); a longer one means a station on
#: the wrong carriageway or out of order, and the corridor is refused. Over the factor alone, a
#: warning.
DETOUR_FACTOR = 2.0
DETOUR_ALLOWANCE_M = 200.0
#: Most route a station may add to the path between its neighbours (metres): twice the snapping
#: radius and a junction's turn; more means the station is off the corridor's road.
STATION_DETOUR_M = 400.0
MAX_CANDIDATES = 8
OFFSET_PENALTY = 2.0  # metres of route per metre of station-to-street offset
SIGNAL_CLUSTER_M = 30.0  # signal nodes closer than this along the path are one signalized junction
CROSSING_CLUSTER_M = 20.0
JUNCTION_CLUSTER_M = 40.0

#: Routing cost per metre by highway class: buses keep to main roads unless the stations force
#: them off (a BRT line does not cut through residential streets to save 50 m).
ROUTE_COST_FACTOR = {"motorway": 1.0, "trunk": 1.0, "primary": 1.0, "secondary": 1.1, "tertiary": 1.3, "busway": 1.0}
MINOR_ROAD_FACTOR = 2.5


class RouteWarning(UserWarning):
    """The OSM route is built but a leg is longer than :data:`DETOUR_FACTOR` times its straight line."""


@dataclass(frozen=True)
class StationMatch:
    """Where the stations were matched on the street graph.

    Attributes
    ----------
    graph
        The graph the route runs on: the input graph, or a copy whose edges are split at the
        stations' feet (points between nodes get negative ids).
    nodes
        The node of each station (negative: a point on an edge, between OSM nodes).
    offset_m
        Each station's distance from its node or point.
    """

    graph: nx.MultiDiGraph
    nodes: list[int]
    offset_m: np.ndarray


@dataclass(frozen=True)
class OsmPath:
    """The corridor's route on a projected OSM graph.

    Attributes
    ----------
    line
        The route, projected metres, from the first station's node to the last's.
    station_chainage_m
        Chainage of each station's node.
    station_node
        Node id of each station (negative: a point on an edge).
    pieces
        One row per edge: start_m, end_m, highway, name, lanes, speed_limit_kmh (NaN if untagged).
    signals_m, crossings_m, junctions_m, junction_legs
        Signalized junctions/crossings, unsignalized crossings and junctions along the route.
    path_nodes
        OSM node ids of the route in order (points on edges left out).
    """

    line: LineString
    station_chainage_m: np.ndarray
    station_node: np.ndarray
    pieces: pd.DataFrame
    signals_m: np.ndarray
    crossings_m: np.ndarray
    junctions_m: np.ndarray
    junction_legs: np.ndarray
    path_nodes: tuple[int, ...]


def _edge_feet(graph: nx.MultiDiGraph, station_xy: np.ndarray) -> list[list[tuple[float, tuple, float]]]:
    """Per station: (distance, edge (u, v, k), position along its u -> v geometry) of the station's
    foot on each edge within the radius; a two-way street counts once, and feet near a node are left
    out (the node is a candidate)."""
    keys, geoms, seen = [], [], set()
    for u, v, k, data in graph.edges(keys=True, data=True):
        street = (min(u, v), max(u, v), round(float(data["length"])))
        if street in seen:
            continue  # the other direction of a two-way street: the same geometry reversed
        seen.add(street)
        keys.append((u, v, k))
        geoms.append(data.get("geometry") or _straight(graph, u, v))
    geoms_arr = np.array(geoms, dtype=object)
    points = shapely.points(station_xy)
    station_idx, edge_idx = shapely.STRtree(geoms_arr).query(points, predicate="dwithin", distance=CANDIDATE_RADIUS_M)
    along = shapely.line_locate_point(geoms_arr[edge_idx], points[station_idx])
    dist = shapely.distance(points[station_idx], geoms_arr[edge_idx])
    feet: list[list[tuple[float, tuple, float]]] = [[] for _ in station_xy]
    for i, e, a, d in zip(station_idx, edge_idx, along, dist, strict=True):
        if SNAP_TO_NODE_M < a < geoms_arr[e].length - SNAP_TO_NODE_M:
            feet[i].append((float(d), keys[e], float(a)))
    return [sorted(f)[:MAX_CANDIDATES] for f in feet]


def _straight(graph: nx.MultiDiGraph, u: int, v: int) -> LineString:
    return LineString([(graph.nodes[u]["x"], graph.nodes[u]["y"]), (graph.nodes[v]["x"], graph.nodes[v]["y"])])


def _split(graph: nx.MultiDiGraph, key: tuple, cuts: list[tuple[float, int]]) -> None:
    """Split edge ``key`` = (u, v, k), and its reverse on a two-way street, at the positions along
    its u -> v geometry in ``cuts`` (metres, node id), into a chain through those new nodes."""
    u, v, k = key
    forward = graph[u][v][k]
    geom = forward.get("geometry") or _straight(graph, u, v)
    cuts = sorted(cuts)
    for along, node in cuts:
        point = geom.interpolate(along)
        graph.add_node(node, x=point.x, y=point.y, station_foot=True)
    reverse = [kk for kk, d in graph.get_edge_data(v, u, default={}).items() if abs(d["length"] - forward["length"]) < 1.0]
    edges = [(u, v, k, [a for a, _ in cuts], [n for _, n in cuts])]
    if reverse and u != v:
        length = geom.length
        edges.append((v, u, reverse[0], [length - a for a, _ in reversed(cuts)], [n for _, n in reversed(cuts)]))
    for a, b, kk, positions, nodes in edges:
        edge = graph[a][b][kk]
        g = edge.get("geometry") or _straight(graph, a, b)
        bounds = [0.0, *positions, g.length]
        chain = [a, *nodes, b]
        for (start, end), (x, y) in zip(itertools.pairwise(bounds), itertools.pairwise(chain), strict=True):
            share = (end - start) / g.length
            part = {**edge, "geometry": ops.substring(g, start, end), "length": edge["length"] * share}
            if "route_cost" in edge:
                part["route_cost"] = edge["route_cost"] * share
            graph.add_edge(x, y, **part)
        graph.remove_edge(a, b, kk)


def _candidates(node_xy: np.ndarray, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dist = np.hypot(node_xy[:, 0] - point[0], node_xy[:, 1] - point[1])
    order = np.argsort(dist)
    near = order[dist[order] <= CANDIDATE_RADIUS_M][:MAX_CANDIDATES]
    if len(near) == 0:
        near = order[:3]
    return near, dist[near]


def match_stations(graph: nx.MultiDiGraph, station_xy: np.ndarray, names: list[str]) -> StationMatch:
    """Nodes or points on edges for the stations that make the cheapest route through them in order.

    Parameters
    ----------
    graph
        Projected drive graph from :func:`project` (node ``x``, ``y`` in metres; edge ``route_cost``).
        It is not changed: feet on edges are added to a copy.
    station_xy
        Station positions in the graph's CRS, shape (n, 2).
    names
        Station names, for messages.

    Returns
    -------
    StationMatch
        The graph to route on, one node per station and each station's offset from it.

    Raises
    ------
    CorridorBuildError
        If some pair of consecutive stations has no drivable route between them.
    """
    ids = np.array(list(graph.nodes))
    node_xy = np.array([[graph.nodes[n]["x"], graph.nodes[n]["y"]] for n in ids])
    feet = _edge_feet(graph, station_xy)
    cuts: dict[tuple, list[tuple[float, int]]] = {}
    cands: list[tuple[np.ndarray, np.ndarray]] = []
    for i, point in enumerate(station_xy):
        near, dist = _candidates(node_xy, point)
        options = [(float(d), int(ids[n])) for n, d in zip(near, dist, strict=True)]
        for d, key, along in feet[i]:
            node = -1 - sum(len(c) for c in cuts.values())
            cuts.setdefault(key, []).append((along, node))
            options.append((d, node))
        options = sorted(options)[:MAX_CANDIDATES]
        cands.append((np.array([n for _, n in options]), np.array([d for d, _ in options])))
    if cuts:
        graph = graph.copy()
        for key, at in cuts.items():
            _split(graph, key, at)
    cost = OFFSET_PENALTY * cands[0][1]
    back: list[np.ndarray] = []
    for i in range(1, len(station_xy)):
        prev_nodes, _ = cands[i - 1]
        nodes_i, offset = cands[i]
        straight = float(np.hypot(*(station_xy[i] - station_xy[i - 1])))
        table = np.full((len(prev_nodes), len(nodes_i)), np.inf)
        for a, p in enumerate(prev_nodes):
            lengths = nx.single_source_dijkstra_path_length(graph, p, cutoff=8 * straight + 4000, weight="route_cost")
            table[a] = [lengths.get(c, np.inf) for c in nodes_i]
        total = cost[:, None] + table + OFFSET_PENALTY * offset[None, :]
        if not np.isfinite(total).any():
            raise CorridorBuildError(
                f"no drivable route from station {names[i - 1]!r} to {names[i]!r} on the OSM graph "
                f"(one-way streets or a gap in the extract); move a station or use another alignment source"
            )
        back.append(np.argmin(total, axis=0))
        cost = total.min(axis=0)
    choice = [int(np.argmin(cost))]
    for pointers in reversed(back):
        choice.append(int(pointers[choice[-1]]))
    choice.reverse()
    nodes = [int(cands[i][0][c]) for i, c in enumerate(choice)]
    offsets = np.array([float(cands[i][1][c]) for i, c in enumerate(choice)])
    for i in range(1, len(nodes)):
        if nodes[i] == nodes[i - 1]:
            raise CorridorBuildError(
                f"stations {names[i - 1]!r} and {names[i]!r} match the same street node: move them further apart"
            )
    return StationMatch(graph, nodes, offsets)


def _edge(graph: nx.MultiDiGraph, u: int, v: int) -> dict:
    data = min(graph[u][v].values(), key=lambda d: d["length"])
    if "geometry" not in data:
        data = dict(
            data, geometry=LineString([(graph.nodes[u]["x"], graph.nodes[u]["y"]), (graph.nodes[v]["x"], graph.nodes[v]["y"])])
        )
    return data


def _cluster(chainage: list[float], gap_m: float) -> np.ndarray:
    """Merge chainages closer than ``gap_m`` into their first member."""
    out: list[float] = []
    for c in sorted(chainage):
        if not out or c - out[-1] > gap_m:
            out.append(c)
    return np.array(out, dtype=float)


def trace_path(graph: nx.MultiDiGraph, station_nodes: list[int]) -> OsmPath:
    """Route through the station nodes in order and read what lies along the route.

    Parameters
    ----------
    graph
        Projected drive graph.
    station_nodes
        Node per station, from :func:`match_stations`.

    Returns
    -------
    OsmPath
        The route and its attributes.
    """
    path = [station_nodes[0]]
    station_pos = [0]
    for a, b in itertools.pairwise(station_nodes):
        path += nx.shortest_path(graph, a, b, weight="route_cost")[1:]
        station_pos.append(len(path) - 1)
    coords: list[tuple[float, float]] = [(graph.nodes[path[0]]["x"], graph.nodes[path[0]]["y"])]
    rows, node_chainage = [], [0.0]
    for u, v in itertools.pairwise(path):
        data = _edge(graph, u, v)
        start = node_chainage[-1]
        node_chainage.append(start + data["geometry"].length)
        coords += list(data["geometry"].coords)[1:]
        rows.append(
            {
                "start_m": start,
                "end_m": node_chainage[-1],
                "highway": attributes.highway_class(data.get("highway")),
                "name": attributes.first(data.get("name")),
                "lanes": attributes.lanes_per_direction(data.get("lanes"), data.get("oneway"), data.get("lanes:forward")),
                "speed_limit_kmh": attributes.parse_maxspeed_kmh(data.get("maxspeed")),
            }
        )
    signals, crossings, junctions = [], [], []
    on_path = set(path)
    for i, node in enumerate(path):
        tags = graph.nodes[node]
        if tags.get("highway") == "traffic_signals" or tags.get("crossing") == "traffic_signals":
            signals.append(node_chainage[i])
        elif tags.get("highway") == "crossing":
            crossings.append(node_chainage[i])
        side = (set(graph.successors(node)) | set(graph.predecessors(node))) - on_path
        if 0 < i < len(path) - 1 and side:
            junctions.append((node_chainage[i], side))
    signals_m = _cluster(signals, SIGNAL_CLUSTER_M)
    crossings_m = _cluster(crossings, CROSSING_CLUSTER_M)
    if len(signals_m):
        near_signal = np.min(np.abs(crossings_m[:, None] - signals_m[None, :]), axis=1) <= SIGNAL_CLUSTER_M
        crossings_m = crossings_m[~near_signal]
    junctions_m, legs = _junctions(junctions)
    return OsmPath(
        line=LineString(coords),
        station_chainage_m=np.array([node_chainage[p] for p in station_pos]),
        station_node=np.array(station_nodes),
        pieces=pd.DataFrame(rows),
        signals_m=signals_m,
        crossings_m=crossings_m,
        junctions_m=junctions_m,
        junction_legs=legs,
        path_nodes=tuple(int(n) for n in path if not graph.nodes[n].get("station_foot")),
    )


def _junctions(found: list[tuple[float, set[int]]]) -> tuple[np.ndarray, np.ndarray]:
    """Cluster junction nodes along the route; legs = 2 (the corridor) + distinct side neighbours."""
    chainage: list[float] = []
    sides: list[set[int]] = []
    for c, side in found:
        if chainage and c - chainage[-1] <= JUNCTION_CLUSTER_M:
            sides[-1] |= side
        else:
            chainage.append(c)
            sides.append(set(side))
    return np.array(chainage, dtype=float), np.array([2 + len(s) for s in sides], dtype=np.int64)


def project(graph: nx.MultiDiGraph, crs: str) -> nx.MultiDiGraph:
    """Project a lat/lon osmnx graph to ``crs`` (metres) and add the ``route_cost`` edge weight."""
    projected = ox.project_graph(graph, to_crs=crs)
    for _, _, data in projected.edges(data=True):
        factor = ROUTE_COST_FACTOR.get(attributes.highway_class(data.get("highway")), MINOR_ROAD_FACTOR)
        data["route_cost"] = data["length"] * factor
    return projected


def check_route(
    graph: nx.MultiDiGraph, station_xy: np.ndarray, names: list[str], match: StationMatch, path: OsmPath
) -> list[str]:
    """Refuse a route that cannot be the corridor meant: a station far from every street, a leg far
    longer than the straight line between its stations (out of order, wrong carriageway), or a
    station that pulls the route off the road between its neighbours; warn of a leg over
    :data:`DETOUR_FACTOR` times its straight line.

    Returns
    -------
    list of str
        The warnings (each also issued as a :class:`RouteWarning`), for the alignment's notes.

    Raises
    ------
    CorridorBuildError
        Naming the stations and the distances.
    """
    nodes = match.nodes
    for name, off in zip(names, match.offset_m, strict=True):
        if off > CANDIDATE_RADIUS_M:
            raise CorridorBuildError(
                f"station {name!r} is {off:.0f} m from the nearest street it can be matched to (limit "
                f"{CANDIDATE_RADIUS_M:.0f} m): check its lat/lon, or that the OSM extract covers its street"
            )
    legs = np.diff(path.station_chainage_m)
    straight = np.hypot(*np.diff(station_xy, axis=0).T)
    notes = []
    for i, (leg, line) in enumerate(zip(legs, straight, strict=True)):
        said = (
            f"the route from station {names[i]!r} to {names[i + 1]!r} is {leg:.0f} m, {leg / max(line, 1.0):.1f} times "
            f"their straight distance of {line:.0f} m"
        )
        if leg > DETOUR_FACTOR * line + DETOUR_ALLOWANCE_M:
            raise CorridorBuildError(
                f"{said} (limit {DETOUR_FACTOR:g} x + {DETOUR_ALLOWANCE_M:.0f} m): the stations are out of running "
                "order, or one sits on the other carriageway; check their order and lat/lon"
            )
        if leg > DETOUR_FACTOR * line:
            notes.append(
                f"{said} (over {DETOUR_FACTOR:g} x, within the {DETOUR_ALLOWANCE_M:.0f} m allowed for turning): "
                f"a U-turn or a station on the other carriageway? stations matched {match.offset_m[i]:.0f} and "
                f"{match.offset_m[i + 1]:.0f} m from their streets; check their lat/lon"
            )
            warnings.warn(notes[-1], RouteWarning, stacklevel=2)
    for i in range(1, len(nodes) - 1):
        try:
            direct = nx.shortest_path_length(graph, nodes[i - 1], nodes[i + 1], weight="length")
        except nx.NetworkXNoPath:
            continue
        detour = legs[i - 1] + legs[i] - direct
        if detour > STATION_DETOUR_M:
            raise CorridorBuildError(
                f"station {names[i]!r} pulls the route {detour:.0f} m off the road between {names[i - 1]!r} and "
                f"{names[i + 1]!r} (limit {STATION_DETOUR_M:.0f} m; with it the two legs are {legs[i - 1] + legs[i]:.0f} m, "
                f"without it {direct:.0f} m): it is off the corridor's road; check its lat/lon"
            )
    return notes
