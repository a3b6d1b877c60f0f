"""What a city's sources are, and which of them are here: data folder, cache, or only a URL."""

from __future__ import annotations

import json
from dataclasses import dataclass

from corridor_sim import settings
from corridor_sim.network.manifest import load_manifest


@dataclass(frozen=True)
class SourceStatus:
    """One source of a city and where it can be had.

    Attributes
    ----------
    kind
        ``osm extract``, ``gtfs``, ``road layer`` or ``osm graph (cached)``.
    name
        The manifest key or file.
    where
        What is on this machine: a path in the data folder or the cache, or why it is not.
    origin
        Where it came from (public URL or the cached graph's source).
    """

    kind: str
    name: str
    where: str
    origin: str


def _local(relative: str | None) -> str:
    folder = settings.current().data_folder
    if relative is None:
        return "no local file"
    if folder is None:
        return "CORRIDOR_SIM_DATA not set"
    path = folder / relative
    return f"data folder: {path}" if path.is_file() else f"missing: {path}"


def source_status(city: str) -> list[SourceStatus]:
    """Every source of ``city``'s manifest and every cached graph of the city.

    Parameters
    ----------
    city
        City key.

    Returns
    -------
    list of SourceStatus
        Manifest sources first, then cached OSM graphs.
    """
    manifest = load_manifest(city)
    cache = settings.current().cache_folder
    rows = [SourceStatus("osm extract", e.file, _local(e.file), e.note) for e in manifest.osm_extracts]
    for key, feed in manifest.gtfs.items():
        where = _local(feed.file)
        cached = sorted((cache / "downloads").glob(f"*-{city}-{key}-gtfs.zip"))
        if cached:
            where += f"; cached download: {cached[0]}"
        rows.append(SourceStatus("gtfs", key, where, feed.url or "no public URL recorded"))
    rows += [SourceStatus("road layer", key, _local(layer.file), layer.note) for key, layer in manifest.road_layers.items()]
    for note_file in sorted((cache / "osm").glob(f"{city}-*.json")):
        if note_file.name.endswith(".graph.json"):
            continue
        try:
            note = json.loads(note_file.read_text())
            origin = f"{note['source']} {note['detail']}, made {note['created']}"
            where = f"cache: {note['cache_file']} ({note['nodes']} nodes, {note['edges']} edges)"
        except (OSError, ValueError, KeyError, TypeError):
            rows.append(SourceStatus("osm graph (cached)", note_file.stem, f"unreadable note {note_file}", "rebuilt on next use"))
            continue
        rows.append(SourceStatus("osm graph (cached)", note_file.stem, where, origin))
    return rows
