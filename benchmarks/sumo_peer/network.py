"""The corridor as a SUMO network: netconvert from the shared OSM extract, the line's route in
each direction, a median bus lane (or none: buses in mixed traffic), the assumed signals and the
stations as bus stops.

Three netconvert passes. The first converts the OSM file as it is. The second applies a
plain-XML patch: every edge of the line gets an extra leftmost lane for buses only (the median
busway; not in mixed traffic) and corridor-sim's speed limit, and an edge is split where
corridor-sim puts a signal that no node of the SUMO network is near; those points become
traffic lights (``--tls.set``). The third connects the bus lane from edge to edge (a loaded
network keeps its connections, so the added lanes have none); in mixed traffic it adds the
lanes netconvert left unconnected along the line at a fork (:func:`_through_connections`).
"""

from __future__ import annotations

import bz2
import itertools
import math
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corridor_sim.corridor import Corridor

#: netconvert options of the first pass (the OSM conversion SUMO's own osmWebWizard uses,
#: restricted to roads buses and cars may use).
OSM_OPTIONS = [
    "--geometry.remove", "--roundabouts.guess", "--ramps.guess", "--junctions.join", "--tls.guess-signals",
    "--tls.discard-simple", "--tls.join", "--output.street-names", "--remove-edges.isolated",
    "--keep-edges.by-vclass", "bus,passenger",
]  # fmt: skip
#: A station is matched to an edge within this distance whose heading is within ~37 degrees of
#: the direction of travel (m, cosine).
MATCH_RADIUS_M, MATCH_COSINE = 100.0, 0.8
#: A signal within this distance of a node of the route is put on that node instead of a split (m).
SNAP_TO_NODE_M = 12.0


def sumo_home() -> Path:
    """SUMO_HOME of the ``eclipse-sumo`` package; puts its ``tools`` (sumolib) on the path."""
    try:
        import sumo
    except ImportError as err:
        raise SystemExit("eclipse-sumo is not installed: pip install -e '.[bench]'") from err
    home = Path(sumo.SUMO_HOME)
    if str(home / "tools") not in sys.path:
        sys.path.append(str(home / "tools"))
    return home


def binary(name: str) -> str:
    """Path of a SUMO program (``sumo``, ``netconvert``)."""
    path = sumo_home() / "bin" / name
    return str(path) if path.exists() else shutil.which(name) or name


def sumo_version() -> str:
    """SUMO's version number, from the first line of ``sumo --version`` (``Eclipse SUMO sumo 1.28.0``)."""
    out = subprocess.run([binary("sumo"), "--version"], capture_output=True, text=True).stdout
    first = out.splitlines()[0].split() if out else []
    return first[-1] if first and first[0] == "Eclipse" else "?"


@dataclass(frozen=True)
class BusStop:
    """A station platform in one direction: a stretch of the bus lane (in mixed traffic, of the rightmost lane)."""

    id: str
    station: int
    direction: int
    lane: str
    start_m: float
    end_m: float


@dataclass(frozen=True)
class Signal:
    """A traffic light on the line: its node, corridor-sim's signal index and the links it gives green with the line."""

    node: str
    signal: int
    line_links: tuple[bool, ...]


@dataclass(frozen=True)
class LineNetwork:
    """The line on the SUMO network, per direction (0: the stations' order, 1: against it)."""

    net_file: Path
    routes: tuple[list[str], list[str]]
    stops: tuple[list[BusStop], list[BusStop]]
    signals: list[Signal]


def build_network(
    osm_file: Path, corridor: Corridor, work: Path, berth_length_m: float, berths: int, bus_lane: bool = True
) -> LineNetwork:
    """Convert the OSM extract and lay the line on it.

    Parameters
    ----------
    osm_file
        The shared ``.osm.bz2`` extract the scenario's corridor was built from.
    corridor
        corridor-sim's corridor (stations, signals, speed limits).
    work
        Folder for SUMO's files (outside the repository: they derive from ODbL data).
    berth_length_m, berths
        A bus stop holds ``berths`` buses of this length (m, including the gap).
    bus_lane
        Add the median bus-only lane and put the stops on it; if False the buses run in mixed
        traffic and stop on the rightmost through lane (:func:`_through_lanes`), blocking it
        while they dwell.
    """
    sumo_home()
    import sumolib

    work.mkdir(parents=True, exist_ok=True)
    osm_xml = work / "corridor.osm"
    with bz2.open(osm_file) as src, open(osm_xml, "wb") as dst:
        shutil.copyfileobj(src, dst)
    base = work / "base.net.xml"
    _netconvert(["--osm-files", str(osm_xml), *OSM_OPTIONS, "-o", str(base)])

    net = sumolib.net.readNet(str(base))
    lonlat = np.column_stack([corridor.station_lon, corridor.station_lat])
    routes, offsets = zip(*(_route(net, lonlat, d) for d in (0, 1)), strict=True)
    patch, tls_nodes = _patch(net, corridor, routes, offsets, bus_lane)
    patch_file = work / "line.edg.xml"
    ET.ElementTree(patch).write(patch_file)
    widened = work / "widened.net.xml"
    _netconvert(["-s", str(base), "-e", str(patch_file), "--tls.set", ",".join(n for n, _ in tls_nodes), "-o", str(widened)])

    net = sumolib.net.readNet(str(widened))
    routes, _ = zip(*(_route(net, lonlat, d) for d in (0, 1)), strict=True)
    connections_file = work / "line.con.xml"
    connections = _bus_lane_connections(net, routes) if bus_lane else _through_connections(net, routes)
    ET.ElementTree(connections).write(connections_file)
    net_file = work / "line.net.xml"
    _netconvert(["-s", str(widened), "-x", str(connections_file), "-o", str(net_file)])

    net = sumolib.net.readNet(str(net_file))
    routes, offsets = zip(*(_route(net, lonlat, d) for d in (0, 1)), strict=True)
    if bus_lane:
        stop_lane = {e: net.getEdge(e).getLaneNumber() - 1 for r in routes for e in r}
    else:
        stop_lane = _through_lanes(net, routes[0]) | _through_lanes(net, routes[1])
    stops = tuple(_stops(net, routes[d], offsets[d], d, stop_lane, berth_length_m * berths) for d in (0, 1))
    routes = tuple(_trim(routes[d], stops[d]) for d in (0, 1))
    line_edges = {e for r in routes for e in r}
    signals = [Signal(node, k, _line_links(net, node, line_edges)) for node, k in tls_nodes]
    return LineNetwork(net_file=net_file, routes=routes, stops=stops, signals=signals)


def _netconvert(args: list[str]) -> None:
    done = subprocess.run([binary("netconvert"), "--no-warnings", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"netconvert failed ({' '.join(args[:2])}):\n{done.stderr[-2000:]}")


def _heading(edge, x: float, y: float) -> tuple[float, float]:
    """Unit heading of ``edge`` where it passes nearest to (x, y)."""
    import sumolib

    shape = edge.getShape()
    pos = sumolib.geomhelper.polygonOffsetWithMinimumDistanceToPoint((x, y), shape)
    acc = 0.0
    for a, b in itertools.pairwise(shape):
        step = math.dist(a, b)
        if acc + step >= pos and step > 0:
            return (b[0] - a[0]) / step, (b[1] - a[1]) / step
        acc += step
    a, b = shape[-2], shape[-1]
    step = max(math.dist(a, b), 1e-9)
    return (b[0] - a[0]) / step, (b[1] - a[1]) / step


def _station_edge(net, xy: np.ndarray, i: int, direction: int):
    """The bus-allowed edge nearest station ``i`` heading in the direction of travel."""
    j0, j1 = max(i - 1, 0), min(i + 1, len(xy) - 1)
    dx, dy = (xy[j1] - xy[j0]) / np.linalg.norm(xy[j1] - xy[j0]) * (1 if direction == 0 else -1)
    best = None
    for edge, dist in net.getNeighboringEdges(float(xy[i, 0]), float(xy[i, 1]), MATCH_RADIUS_M):
        if not edge.allows("bus") or edge.getFunction() == "internal":
            continue
        hx, hy = _heading(edge, float(xy[i, 0]), float(xy[i, 1]))
        if hx * dx + hy * dy >= MATCH_COSINE and (best is None or dist < best[1]):
            best = (edge, dist)
    if best is None:
        raise RuntimeError(f"no SUMO edge within {MATCH_RADIUS_M} m of station {i} heading in direction {direction}")
    return best[0]


def _route(net, lonlat: np.ndarray, direction: int) -> tuple[list[str], np.ndarray]:
    """Edges of the line in one direction and each station's offset along them (m, station order of direction 0).

    Offsets count edge lengths only (junction interiors excluded), the measure in which edges are split.
    """
    import sumolib

    xy = np.array([net.convertLonLat2XY(lon, lat) for lon, lat in lonlat])
    order = range(len(xy)) if direction == 0 else range(len(xy) - 1, -1, -1)
    route = []
    for i in order:
        edge = _station_edge(net, xy, i, direction)
        if not route:
            route = [edge]
        elif edge != route[-1]:
            path, _ = net.getShortestPath(route[-1], edge, vClass="bus")
            if path is None:
                raise RuntimeError(f"no bus route to station {i} in direction {direction}")
            route += path[1:]
    start = np.concatenate([[0.0], np.cumsum([e.getLength() for e in route])])
    offsets = np.empty(len(xy))
    for i in order:
        best = min(
            range(len(route)),
            key=lambda k: sumolib.geomhelper.distancePointToPolygon(tuple(xy[i]), route[k].getShape()),
        )
        offsets[i] = start[best] + sumolib.geomhelper.polygonOffsetWithMinimumDistanceToPoint(
            tuple(xy[i]), route[best].getShape()
        )
    return [e.getID() for e in route], offsets


def _edge_at(net, route: list[str], offset_m: float) -> tuple[str, float]:
    """The edge of ``route`` at ``offset_m`` and the position on it (m)."""
    acc = 0.0
    for edge_id in route:
        length = net.getEdge(edge_id).getLength()
        if offset_m <= acc + length:
            return edge_id, max(offset_m - acc, 0.0)
        acc += length
    return route[-1], net.getEdge(route[-1]).getLength()


def _patch(net, corridor: Corridor, routes, offsets, bus_lane: bool = True) -> tuple[ET.Element, list[tuple[str, int]]]:
    """Plain-XML edge patch (bus lane if ``bus_lane``, speed, signal splits) and the traffic-light nodes with their signal index."""
    root = ET.Element("edges")
    elements: dict[str, ET.Element] = {}
    seg_bounds = corridor.station_chainage_m
    for direction in (0, 1):
        starts = np.concatenate([[0.0], np.cumsum([net.getEdge(e).getLength() for e in routes[direction]])])
        for k, edge_id in enumerate(routes[direction]):
            if edge_id in elements:
                continue
            edge = net.getEdge(edge_id)
            segment = _segment_at(offsets[direction], direction, starts[k] + edge.getLength() / 2)
            n = edge.getLaneNumber()
            lanes = {"numLanes": str(n + 1)} if bus_lane else {}
            el = ET.SubElement(root, "edge", id=edge_id, **lanes, speed=f"{corridor.speed_limit_kmh[segment] / 3.6:.3f}")
            if bus_lane:
                ET.SubElement(el, "lane", index=str(n), allow="bus")
            elements[edge_id] = el
    nodes: list[tuple[str, int]] = []
    for j, chainage in enumerate(corridor.signal_m):
        k = int(np.clip(np.searchsorted(seg_bounds, chainage, side="right") - 1, 0, corridor.n_segments - 1))
        f = (chainage - seg_bounds[k]) / (seg_bounds[k + 1] - seg_bounds[k])
        for direction in (0, 1):
            o = offsets[direction]
            edge_id, pos = _edge_at(net, routes[direction], o[k] + f * (o[k + 1] - o[k]))
            edge = net.getEdge(edge_id)
            if pos < SNAP_TO_NODE_M:
                node = edge.getFromNode().getID()
            elif edge.getLength() - pos < SNAP_TO_NODE_M:
                node = edge.getToNode().getID()
            else:
                node = f"signal{j}_{direction}"
                ET.SubElement(elements[edge_id], "split", pos=f"{pos:.2f}", id=node)
            if node not in {n for n, _ in nodes}:
                nodes.append((node, j))
    return root, nodes


def _bus_lane_connections(net, routes) -> ET.Element:
    """Connections that carry the bus lane from each edge of the line to the next (the added
    lanes have none: netconvert keeps a loaded network's connections)."""
    root = ET.Element("connections")
    for route in routes:
        for a, b in itertools.pairwise(route):
            from_lane, to_lane = net.getEdge(a).getLaneNumber() - 1, net.getEdge(b).getLaneNumber() - 1
            ET.SubElement(root, "connection", attrib={"from": a, "to": b, "fromLane": str(from_lane), "toLane": str(to_lane)})
    return root


def _through_connections(net, routes) -> ET.Element:
    """Connections that carry as many lanes of the line on as both edges have where netconvert
    guessed fewer (at a fork it gives the branch the line takes only its side's lanes: on Bole
    Road one lane of two toward Bole Dildiy, a one-lane bottleneck no lane count of the road has).

    The edge's lanes nearest those already connected are added, lane ``i`` to the next edge's lane
    ``i`` (``i`` plus the lanes it gains where it is wider), up to the narrower edge's lane count
    (a lane drop stays a lane drop).
    """
    root = ET.Element("connections")
    for route in routes:
        for a, b in itertools.pairwise(route):
            edge_a, edge_b = net.getEdge(a), net.getEdge(b)
            n_a, n_b = edge_a.getLaneNumber(), edge_b.getLaneNumber()
            connected = {c.getFromLane().getIndex() for c in edge_a.getOutgoing().get(edge_b, [])}
            missing = min(n_a, n_b) - len(connected)
            if not connected or missing <= 0:
                continue
            spare = sorted(set(range(n_a)) - connected, key=lambda i: min(abs(i - j) for j in connected))[:missing]
            for i in spare:
                to_lane = min(i + max(n_b - n_a, 0), n_b - 1)
                ET.SubElement(root, "connection", attrib={"from": a, "to": b, "fromLane": str(i), "toLane": str(to_lane)})
    return root


def _through_lanes(net, route: list[str]) -> dict[str, int]:
    """Per edge of ``route``, its rightmost lane that carries the route on: the lowest index with a
    connection to the next edge (on the last edge, the lowest reached from the one before).

    Mostly lane 0; not where lane 0 only turns off, or is a lane that netconvert's ramp guess
    added for a side road's merge or a turn, which the route's vehicles never use.
    """
    lanes = {}
    for k, edge_id in enumerate(route):
        edge = net.getEdge(edge_id)
        if k + 1 < len(route):
            usable = [c.getFromLane().getIndex() for c in edge.getOutgoing().get(net.getEdge(route[k + 1]), [])]
        elif k > 0:
            usable = [c.getToLane().getIndex() for c in net.getEdge(route[k - 1]).getOutgoing().get(edge, [])]
        else:
            usable = []
        lanes[edge_id] = min(usable, default=0)
    return lanes


def _segment_at(offsets: np.ndarray, direction: int, offset_m: float) -> int:
    """The corridor segment (direction-0 index) at ``offset_m`` along a direction's route, given the stations' offsets."""
    n_segments = len(offsets) - 1
    if direction == 0:
        return int(np.clip(np.searchsorted(offsets, offset_m, side="right") - 1, 0, n_segments - 1))
    return int(np.clip(n_segments - np.searchsorted(offsets[::-1], offset_m, side="right"), 0, n_segments - 1))


def _stops(
    net, route: list[str], offsets: np.ndarray, direction: int, stop_lane: dict[str, int], length_m: float
) -> list[BusStop]:
    """A bus stop at each station on the lane ``stop_lane`` gives its edge, on one edge; shorter where the edge is."""
    order = range(len(offsets)) if direction == 0 else range(len(offsets) - 1, -1, -1)
    stops = []
    for i in order:
        edge_id, pos = _platform_edge(net, route, offsets[i], length_m)
        edge_len = net.getEdge(edge_id).getLength()
        end = min(max(pos + length_m / 2, min(length_m, edge_len)), edge_len)
        start = max(end - length_m, 0.0)
        lane = f"{edge_id}_{stop_lane[edge_id]}"
        stops.append(BusStop(f"st{i}_{direction}", i, direction, lane, round(float(start), 2), round(float(end), 2)))
    return stops


def _platform_edge(net, route: list[str], offset_m: float, length_m: float) -> tuple[str, float]:
    """The edge for a platform at ``offset_m``: the one there, or the nearest within a platform's
    length that is long enough for it (junctions split the road into short edges), and the
    station's position on it (m, clipped to the edge)."""
    starts = np.concatenate([[0.0], np.cumsum([net.getEdge(e).getLength() for e in route])])
    best = None
    for k, edge_id in enumerate(route):
        if starts[k + 1] < offset_m - length_m or starts[k] > offset_m + length_m:
            continue
        usable = min(starts[k + 1] - starts[k], length_m)
        distance = max(starts[k] - offset_m, offset_m - starts[k + 1], 0.0)
        score = (round(usable, 1), -distance)
        if best is None or score > best[0]:
            best = (score, edge_id, float(np.clip(offset_m - starts[k], 0.0, starts[k + 1] - starts[k])))
    return best[1], best[2]


def _trim(route: list[str], stops: list[BusStop]) -> list[str]:
    """The route from the first stop's edge to the last stop's edge."""
    first, last = (s.lane.rsplit("_", 1)[0] for s in (stops[0], stops[-1]))
    return route[route.index(first) : route.index(last) + 1]


def _line_links(net, node: str, line_edges: set[str]) -> tuple[bool, ...]:
    """For each link index of the traffic light at ``node``: whether it comes from an edge of the line."""
    tls = net.getTLS(node)
    links: dict[int, bool] = {}
    for in_lane, _out_lane, index in tls.getConnections():
        links[index] = links.get(index, False) or in_lane.getEdge().getID() in line_edges
    return tuple(links[i] for i in range(max(links) + 1))
