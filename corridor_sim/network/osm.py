"""OSM street graphs for a corridor: from the cache, a local extract, or an Overpass download.

Whatever the origin, the graph is prepared the same way: only drivable highway classes, ways
split where lanes / speed limit / class change, and nodes that carry a ``highway`` tag (traffic
signals, crossings) kept as graph nodes, so signals and crossings along a path can be read off
its nodes. Prepared graphs are cached in ``networks/cache/osm/`` with a JSON note of where they
came from, as graph files that hold data only (:mod:`corridor_sim.network.graph_file`: JSON and
WKB, never a pickle, so a cache folder from elsewhere cannot run code). A cached graph is keyed
by the content of its source (the extract file's SHA-256, or the Overpass URL and box) and by
:data:`BUILD`, so a changed extract or a new way of preparing graphs is a miss, and by names
relative to the cache folder, so a moved cache still hits. A cache entry that cannot be read
(damaged, cut short, of another version, or a note of the wrong shape) is a miss and is rebuilt;
a cache folder that cannot be written is used without caching, with a warning. The cache is
safe to delete.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import osmnx as ox
import requests

from corridor_sim import settings
from corridor_sim._errors import DataFileError, SourceUnavailableError
from corridor_sim.data import data_file
from corridor_sim.network.graph_file import GraphFileError, read_graph, write_graph
from corridor_sim.network.manifest import OsmExtract, load_manifest
from corridor_sim.results.files import atomic_path

#: Highway classes a bus may use (OSM ``highway=*``; service roads and tracks are excluded).
DRIVE_HIGHWAYS = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
        "residential", "living_street", "road", "busway",
    }
)  # fmt: skip

_NODE_TAGS = ("highway", "crossing", "junction", "ref")
_WAY_TAGS = ("highway", "lanes", "lanes:forward", "lanes:backward", "maxspeed", "name", "oneway", "junction", "ref")
_BBOX = tuple[float, float, float, float]  # west, south, east, north (degrees)
#: What reading a damaged or foreign cache entry may raise: each is a cache miss.
_UNREADABLE = (OSError, ValueError, GraphFileError, KeyError, TypeError, AttributeError)
#: How graphs are prepared; part of every cache key, so changing it (or the tags kept) rebuilds them.
BUILD = f"drive graph 2|{sorted(DRIVE_HIGHWAYS)}|{_NODE_TAGS}|{_WAY_TAGS}"


class CacheWarning(UserWarning):
    """The cache folder cannot be written: corridor-sim goes on without caching."""


_WARNED: set[Path] = set()  # cache folders already warned about in this process


@dataclass(frozen=True)
class GraphOrigin:
    """Where a street graph came from.

    Attributes
    ----------
    source
        ``"osm extract"`` (a local file) or ``"overpass"`` (a download).
    detail
        The file or the Overpass URL and box.
    served_from
        ``"cache"`` or ``"source"`` (read or downloaded in this call).
    cache_file
        The graph's file in the cache (its name; the folder is the cache folder).
    created
        When the cached graph was made (UTC, ISO 8601).
    """

    source: str
    detail: str
    served_from: str
    cache_file: str
    created: str


def _configure_osmnx() -> None:
    ox.settings.useful_tags_node = list(_NODE_TAGS)
    ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | set(_WAY_TAGS))
    ox.settings.overpass_url = settings.current().overpass_url
    ox.settings.use_cache = False  # corridor-sim caches the prepared graph itself
    ox.settings.log_console = False


def bbox_around(lats: list[float], lons: list[float], buffer_m: float) -> _BBOX:
    """Box around points, widened by ``buffer_m`` on every side.

    Returns
    -------
    tuple of float
        (west, south, east, north) in degrees.
    """
    lat_deg = buffer_m / 111_320.0
    lon_deg = buffer_m / (111_320.0 * math.cos(math.radians(sum(lats) / len(lats))))
    return (min(lons) - lon_deg, min(lats) - lat_deg, max(lons) + lon_deg, max(lats) + lat_deg)


def _covers(bbox: _BBOX, lats: list[float], lons: list[float]) -> bool:
    return bbox[0] <= min(lons) and bbox[1] <= min(lats) and bbox[2] >= max(lons) and bbox[3] >= max(lats)


def covering_extracts(city: str, lats: list[float], lons: list[float]) -> list[OsmExtract]:
    """The city's local OSM extracts whose box covers every point, in manifest order."""
    return [e for e in load_manifest(city).osm_extracts if _covers(e.bbox, lats, lons)]


def _is_drive(highway: object) -> bool:
    values = highway if isinstance(highway, list) else [highway]
    return any(v in DRIVE_HIGHWAYS for v in values)


def prepare_drive_graph(raw: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Keep the drivable part of an unsimplified OSM graph and simplify it.

    Parameters
    ----------
    raw
        Graph from osmnx with ``simplify=False``.

    Returns
    -------
    networkx.MultiDiGraph
        Largest weakly connected drivable component, simplified while keeping tagged nodes
        (signals, crossings) and splitting ways where class, lanes or speed limit change.
    """
    graph = largest_part_where(raw, lambda data: _is_drive(data.get("highway")), "drivable roads")
    return ox.simplify_graph(graph, node_attrs_include=["highway"], edge_attrs_differ=["highway", "lanes", "maxspeed"])


def largest_part_where(raw: nx.MultiDiGraph, keep: Callable[[dict], bool], what: str) -> nx.MultiDiGraph:
    """The largest weakly connected part of ``raw`` made of the edges whose data ``keep`` accepts.

    Raises
    ------
    DataFileError
        If no edge is kept (``what`` names them in the message).
    """
    drop = [(u, v, k) for u, v, k, data in raw.edges(keys=True, data=True) if not keep(data)]
    graph = raw.copy()
    graph.remove_edges_from(drop)
    graph.remove_nodes_from([n for n in list(graph.nodes) if graph.degree(n) == 0])
    if graph.number_of_edges() == 0:
        raise DataFileError(f"the OSM data holds no {what} in the study area")
    return ox.truncate.largest_component(graph, strongly=False)


def _cache_folder() -> Path:
    return settings.current().cache_folder / "osm"


def _cache_files(city: str, key: str) -> tuple[Path, Path]:
    digest = hashlib.sha256(f"{BUILD}|{key}".encode()).hexdigest()[:12]
    folder = _cache_folder()
    return folder / f"{city}-{digest}.graph.json", folder / f"{city}-{digest}.json"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content (the cache key of a graph made from it)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_or_warn(write: Callable[[], object], where: Path) -> None:
    """Write a cache entry (to ``where``); if it cannot be written, warn (once per cache folder) and go on without it."""
    try:
        write()
    except OSError as exc:
        folder = settings.current().cache_folder
        if folder in _WARNED:
            return
        _WARNED.add(folder)
        warnings.warn(
            CacheWarning(
                f"cache folder {folder} cannot be written ({exc.strerror or exc}); running without caching "
                "(set CORRIDOR_SIM_CACHE to a writable folder to keep prepared graphs and tables)"
            ),
            stacklevel=3,
        )


def _store(
    graph: nx.MultiDiGraph, graph_file: Path, note_file: Path, source: str, detail: str
) -> tuple[nx.MultiDiGraph, GraphOrigin]:
    created = datetime.now(UTC).isoformat(timespec="seconds")
    origin = GraphOrigin(source, detail, "source", graph_file.name, created)
    note = asdict(origin) | {"nodes": len(graph), "edges": graph.number_of_edges()}

    def write() -> None:
        write_graph(graph, graph_file)
        with atomic_path(note_file) as tmp:  # the note last: an entry is whole once its note is there
            tmp.write_text(json.dumps(note, indent=2))

    write_or_warn(write, graph_file)
    return graph, origin


def _from_cache(graph_file: Path, note_file: Path) -> tuple[nx.MultiDiGraph, GraphOrigin] | None:
    if not (graph_file.is_file() and note_file.is_file()):
        return None
    try:
        note = json.loads(note_file.read_text())
        origin = GraphOrigin(str(note["source"]), str(note["detail"]), "cache", graph_file.name, str(note["created"]))
        graph = read_graph(graph_file)
    except _UNREADABLE:
        return None
    return graph, origin


def derived_cached(origin: GraphOrigin, label: str, make: Callable[[], nx.Graph]) -> nx.Graph:
    """``make()``, a graph made from a cached graph (its projection, say), cached beside it.

    Projecting a graph takes 0.3 s, a third of a warm run's corridor; the result is stored
    under a name made of the graph's cache file name, its creation time and ``label`` (which
    must name everything else the result depends on), so a rebuilt graph is never paired with
    an old projection. An unreadable file is made again.
    """
    digest = hashlib.sha256(f"{origin.cache_file}|{origin.created}|{label}".encode()).hexdigest()[:12]
    stem = origin.cache_file.removesuffix(".graph.json")
    path = _cache_folder() / f"{stem}-{digest}.graph.json"
    try:
        return read_graph(path)
    except _UNREADABLE:
        pass
    value = make()
    write_or_warn(lambda: write_graph(value, path), path)
    return value


def street_graph(city: str, lats: list[float], lons: list[float], buffer_m: float) -> tuple[nx.MultiDiGraph, GraphOrigin]:
    """The prepared drive graph around a corridor's stations.

    Looks in order at the cache, the city's local OSM extracts in the data folder (the first
    whose box covers every station), and an Overpass download of the stations' box widened by ``buffer_m`` (unless
    offline).

    Parameters
    ----------
    city
        City key of the manifest.
    lats, lons
        Station positions (degrees).
    buffer_m
        Margin around the stations' box for a download.

    Returns
    -------
    tuple of (networkx.MultiDiGraph, GraphOrigin)
        The graph (unprojected, lat/lon) and where it came from.

    Raises
    ------
    SourceUnavailableError
        If no extract covers the area and the download is off or fails.
    DataFileError
        If a local extract is missing or cannot be read.
    """
    _configure_osmnx()
    data_folder = settings.current().data_folder
    for extract in covering_extracts(city, lats, lons):
        if data_folder is None or not (data_folder / extract.file).is_file():
            continue
        files = _cache_files(city, f"extract:{extract.file}:{file_digest(data_folder / extract.file)}")
        cached = _from_cache(*files)
        if cached:
            return cached
        return _store(_read_extract(extract.file), *files, "osm extract", extract.file)
    url = settings.current().overpass_url
    area = bbox_around(lats, lons, buffer_m)
    rounded = tuple(round(x, 4) for x in area)
    files = _cache_files(city, f"overpass:{url}:{rounded}")
    span = f"stations span lon {min(lons):.4f}..{max(lons):.4f}, lat {min(lats):.4f}..{max(lats):.4f}"
    return _from_cache(*files) or _store(_download(area, span), *files, "overpass", f"{url} bbox {rounded}")


def _read_extract(relative: str) -> nx.MultiDiGraph:
    path = data_file(relative)
    try:
        raw = ox.graph_from_xml(path, simplify=False, retain_all=True)
    except Exception as exc:  # noqa: BLE001 - osmnx and the XML parser raise many types for a broken file
        raise DataFileError(
            f"{path}: cannot read this OSM extract ({exc.__class__.__name__}: {exc}). "
            f"Restore the file from the source named in its PROVENANCE.md."
        ) from None
    return prepare_drive_graph(raw)


def _download(area: _BBOX, span: str) -> nx.MultiDiGraph:
    current = settings.current()
    if current.offline:
        raise SourceUnavailableError(f"OSM street graph: no local extract covers the corridor ({span}), and downloads are off")
    try:
        # osmnx waits 60 s when its rate-limit check cannot reach the server: check first.
        requests.get(f"{current.overpass_url}/status", timeout=15).raise_for_status()
        raw = ox.graph_from_bbox(area, network_type="drive", simplify=False, retain_all=True, truncate_by_edge=True)
    except (requests.RequestException, ox._errors.InsufficientResponseError, ValueError) as exc:
        raise SourceUnavailableError(
            f"OSM street graph: no local extract covers the corridor ({span}) and the Overpass download from "
            f"{current.overpass_url} failed ({exc.__class__.__name__}: {exc}). Connect to the internet, "
            f"or set CORRIDOR_SIM_OVERPASS_URL to a reachable Overpass server."
        ) from None
    return prepare_drive_graph(raw)
