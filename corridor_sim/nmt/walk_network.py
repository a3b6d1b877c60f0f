"""The walkable street graph of a corridor, from the city's local OSM extracts.

The graph is read from the first of the city's extracts (``networks/<city>.toml``) whose box
covers every given point, with every way a pedestrian may use (see :func:`is_walkable`), and
cached beside the drive graph (:mod:`corridor_sim.network.osm`), under its own key.
There is no Overpass download: without a covering extract, :func:`walk_graph` returns None and
walking distances fall back to a detour factor (:mod:`corridor_sim.nmt.walk_access`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import networkx as nx
import osmnx as ox
import shapely
from shapely.geometry import LineString

from corridor_sim import settings
from corridor_sim._errors import DataFileError
from corridor_sim.data import data_file
from corridor_sim.network.osm import (
    _cache_files,
    _configure_osmnx,
    _from_cache,
    _store,
    covering_extracts,
    derived_cached,
    file_digest,
    largest_part_where,
)

#: Highway classes pedestrians may not use, whatever their other tags (OSM ``highway=*``).
NO_WALK_HIGHWAYS = frozenset(
    {
        "motorway", "motorway_link", "construction", "proposed", "abandoned", "razed",
        "raceway", "bus_guideway", "busway",
    }
)  # fmt: skip
#: ``foot=*`` values that forbid walking.
FOOT_FORBIDDEN = frozenset({"no", "private"})
#: ``access=*`` values that forbid walking unless ``foot`` allows it.
ACCESS_FORBIDDEN = frozenset({"no", "private"})
#: ``foot=*`` values that allow walking even where ``access`` forbids it.
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
#: Way tags kept on the walk graph's edges (added to the drive graph's only while reading).
WALK_WAY_TAGS = ("foot", "access", "sidewalk", "footway", "highway", "service")

#: Bump when the walkability rules change, so cached graphs made under the old rules are not reused.
_RULES_VERSION = 1


def _values(tag: object) -> set[str]:
    """A tag's values as a set (osmnx gives a list where merged ways disagree)."""
    if tag is None or (isinstance(tag, float) and math.isnan(tag)):
        return set()
    return {str(v) for v in tag} if isinstance(tag, list) else {str(tag)}


def is_walkable(edge: dict) -> bool:
    """Whether a pedestrian may use an OSM way, from its tags.

    Rules: the way must have a ``highway`` tag outside :data:`NO_WALK_HIGHWAYS` (trunk roads are
    kept: pedestrians may use them unless tagged otherwise); ``foot=no|private`` drops it;
    ``access=no|private`` drops it unless ``foot=yes|designated|permissive``.

    Parameters
    ----------
    edge
        The edge's attributes (OSM way tags) from an unsimplified osmnx graph.

    Returns
    -------
    bool
        True if the way is walkable.
    """
    highway = _values(edge.get("highway"))
    if not highway or highway & NO_WALK_HIGHWAYS:
        return False
    foot = _values(edge.get("foot"))
    if foot & FOOT_FORBIDDEN:
        return False
    return not (_values(edge.get("access")) & ACCESS_FORBIDDEN) or bool(foot & FOOT_ALLOWED)


def prepare_walk_graph(raw: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep the walkable part of an unsimplified OSM graph and simplify it.

    Parameters
    ----------
    raw
        Graph from osmnx ``graph_from_xml(..., simplify=False, retain_all=True)``.

    Returns
    -------
    networkx.MultiDiGraph
        The largest (weakly) connected walkable component, simplified (lat/lon). It is still
        directed, as osmnx builds it; :func:`walk_graph` makes it undirected after projecting.

    Raises
    ------
    DataFileError
        If no way in the data is walkable.
    """
    graph = largest_part_where(raw, is_walkable, "walkable ways")
    return ox.simplify_graph(graph, edge_attrs_differ=["highway"])


@contextmanager
def _walk_tags() -> Iterator[None]:
    """osmnx configured as for the drive graph, plus the walk tags, only while reading."""
    _configure_osmnx()
    before = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = sorted(set(before) | set(WALK_WAY_TAGS))
    try:
        yield
    finally:
        ox.settings.useful_tags_way = before


def _read_extract(relative: str) -> nx.MultiDiGraph:
    path = data_file(relative)
    try:
        with _walk_tags():
            raw = ox.graph_from_xml(path, simplify=False, retain_all=True)
    # osmnx, bz2 and the XML parser raise many types for a broken file: report any of them
    except Exception as exc:  # noqa: BLE001
        raise DataFileError(
            f"{path}: cannot read this OSM extract ({exc.__class__.__name__}: {exc}). "
            f"Restore the file from the source named in its PROVENANCE.md."
        ) from None
    return prepare_walk_graph(raw)


def _osmids(osmid: object) -> frozenset:
    return frozenset(osmid) if isinstance(osmid, list) else frozenset([osmid])


def _undirected(graph: nx.MultiDiGraph) -> nx.MultiGraph:
    """One undirected edge per way piece: the two directions of a two-way piece become one.

    A faster stand-in for ``osmnx.convert.to_undirected``: the two directions of a piece share
    their end nodes, OSM way ids and length; parallel pieces (ring halves, dual ways) differ in
    ids or length and are kept. Edges without a geometry get the straight line between their nodes.
    """
    undirected = nx.MultiGraph(**graph.graph)
    undirected.add_nodes_from(graph.nodes(data=True))
    seen: set[tuple] = set()
    for u, v, data in graph.edges(data=True):
        key = (
            min(u, v),
            max(u, v),
            _osmids(data.get("osmid")),
            round(data["length"], 1),
        )
        if key in seen:
            continue
        seen.add(key)
        if "geometry" in data:
            geometry = data["geometry"]
        else:
            geometry = LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (u, v)])
        undirected.add_edge(u, v, **{**data, "geometry": geometry})
    return undirected


def to_walk_graph(graph: nx.MultiDiGraph, crs: str) -> nx.MultiGraph:
    """Project a prepared lat/lon walk graph and make it undirected.

    Parameters
    ----------
    graph
        From :func:`prepare_walk_graph` (or the cache).
    crs
        Projected CRS in metres (the corridor's local UTM zone).

    Returns
    -------
    networkx.MultiGraph
        Undirected (pedestrians ignore ``oneway``); node ``x``, ``y`` and edge ``geometry`` in
        ``crs``; edge ``length`` is the length of the edge's geometry in ``crs`` (metres), so a
        path is never shorter than the straight line between its ends in the same plane.
    """
    undirected = _undirected(ox.project_graph(graph, to_crs=crs))
    edges = list(undirected.edges(data=True))
    lengths = shapely.length([data["geometry"] for *_, data in edges])
    for (*_, data), length_m in zip(edges, lengths, strict=True):
        data["length"] = float(length_m)
    return undirected


def walk_graph(city: str, lats: list[float], lons: list[float], crs: str) -> tuple[nx.MultiGraph, str] | None:
    """The walk network around points (e.g. a corridor's stations), if a local extract has it.

    Looks at the city's OSM extracts in manifest order; for the first whose box covers every
    point, the prepared graph comes from the cache, else from the extract in the data folder
    (then cached).

    Parameters
    ----------
    city
        City key of the manifest.
    lats, lons
        Points that must lie inside the extract's box (degrees).
    crs
        Projected CRS (metres) to return the graph in, e.g. the alignment's UTM zone.

    Returns
    -------
    tuple of (networkx.MultiGraph, str) or None
        The undirected walk graph in ``crs`` (see :func:`to_walk_graph`) and a description of
        its source (file, where it was served from, cache file); None when no extract in the
        data folder covers the points.

    Raises
    ------
    DataFileError
        If the covering extract cannot be read or holds no walkable ways.
    """
    data_folder = settings.current().data_folder
    for extract in covering_extracts(city, lats, lons):
        if data_folder is None or not (data_folder / extract.file).is_file():
            continue
        files = _cache_files(city, f"walk-extract:v{_RULES_VERSION}:{extract.file}:{file_digest(data_folder / extract.file)}")
        found = _from_cache(*files) or _store(_read_extract(extract.file), *files, "osm extract", extract.file)
        if found is not None:
            graph, origin = found
            detail = (
                f"walk network from {origin.source} {origin.detail} (served from {origin.served_from}, "
                f"graph made {origin.created}, cache {origin.cache_file})"
            )
            return derived_cached(origin, f"walk graph in {crs}", lambda: to_walk_graph(graph, crs)), detail  # noqa: B023 - built within this iteration
    return None
