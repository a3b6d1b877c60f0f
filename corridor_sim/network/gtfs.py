"""GTFS feeds through gtfs-kit: loading (data folder, cache or download), shapes and stops."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from shapely.geometry import LineString

from corridor_sim._errors import CorridorBuildError, DataFileError
from corridor_sim.data import source_file
from corridor_sim.network.manifest import load_manifest

if TYPE_CHECKING:  # gtfs_kit (with folium) takes 0.35 s to import; only GTFS corridors need it
    import gtfs_kit


@dataclass(frozen=True)
class LoadedFeed:
    """A GTFS feed and where it came from.

    Attributes
    ----------
    feed
        The gtfs-kit feed (distances in km).
    key
        Its key in the city manifest.
    path
        The zip file read.
    found_in
        ``"data folder"``, ``"cache"`` or ``"download"``.
    licence
        Licence text from the manifest.
    """

    feed: gtfs_kit.Feed
    key: str
    path: Path
    found_in: str
    licence: str

    @property
    def has_stop_times(self) -> bool:
        """Whether the feed has a stop_times table (Kampala's does not)."""
        return self.feed.stop_times is not None and not self.feed.stop_times.empty


@cache
def _read(path: Path, mtime_ns: int) -> gtfs_kit.Feed:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
        if bad is not None:
            raise zipfile.BadZipFile(f"corrupt member {bad}")
        import gtfs_kit

        return gtfs_kit.read_feed(path, dist_units="km")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise DataFileError(
            f"{path}: not a readable GTFS zip ({exc.__class__.__name__}: {exc}). Replace it with the "
            f"original from the source in PROVENANCE.md, or delete it from the cache to download it again."
        ) from None


def load_feed(city: str, key: str) -> LoadedFeed:
    """Load the GTFS feed ``key`` of ``city``'s manifest.

    Parameters
    ----------
    city
        City key.
    key
        Feed key in ``networks/<city>.toml`` (``[gtfs.<key>]``).

    Returns
    -------
    LoadedFeed
        The feed, from the data folder, the cache or a download (in that order).

    Raises
    ------
    DataFileError
        If the key is unknown, the file cannot be found or fetched, or it is broken.
    """
    manifest = load_manifest(city)
    if key not in manifest.gtfs:
        raise DataFileError(f"GTFS feed {key!r} is not in networks/{city}.toml; known: {', '.join(manifest.gtfs)}")
    entry = manifest.gtfs[key]
    path, found_in = source_file(entry.file, entry.url, f"{city}-{key}-gtfs.zip")
    return LoadedFeed(_read(path, path.stat().st_mtime_ns), key, path, found_in, entry.licence)


def shape_line(feed: gtfs_kit.Feed, shape_id: str) -> LineString:
    """The polyline of a GTFS shape, in shape_pt_sequence order (lon/lat degrees).

    Raises
    ------
    CorridorBuildError
        If the feed has no such shape.
    """
    if feed.shapes is None:
        raise CorridorBuildError("the GTFS feed has no shapes.txt; use alignment source osm or geojson")
    points = feed.shapes[feed.shapes["shape_id"].astype(str) == str(shape_id)]
    if len(points) < 2:
        raise CorridorBuildError(f"GTFS shape_id {shape_id!r} is not in the feed (or has under 2 points)")
    points = points.sort_values("shape_pt_sequence")
    return LineString(points[["shape_pt_lon", "shape_pt_lat"]].to_numpy())


def route_shape_id(feed: gtfs_kit.Feed, route: str) -> str:
    """The longest shape used by a route's trips; ``route`` is a route_id or route_short_name.

    Raises
    ------
    CorridorBuildError
        If no route matches or its trips have no shapes.
    """
    routes = feed.routes
    match = routes[(routes["route_id"].astype(str) == route) | (routes["route_short_name"].astype(str) == route)]
    if match.empty:
        raise CorridorBuildError(f"GTFS route {route!r} matches no route_id or route_short_name in the feed")
    trips = feed.trips[feed.trips["route_id"].isin(match["route_id"])]
    shape_ids = trips["shape_id"].dropna().astype(str).unique()
    if len(shape_ids) == 0:
        raise CorridorBuildError(f"GTFS route {route!r} has no trips with a shape_id")
    return max(shape_ids, key=lambda sid: shape_line(feed, sid).length)


def stops_table(feed: gtfs_kit.Feed) -> pd.DataFrame:
    """The feed's stops: stop_id, stop_name, stop_lat, stop_lon."""
    return feed.stops[["stop_id", "stop_name", "stop_lat", "stop_lon"]].copy()
