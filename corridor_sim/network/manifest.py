"""City manifests (``networks/<city>.toml``): the study area's data sources and where they come from."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corridor_sim import settings
from corridor_sim._errors import DataFileError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OsmExtract(_Strict):
    """A local OSM XML extract in the data folder and the box it covers (west, south, east, north)."""

    file: str
    bbox: tuple[float, float, float, float]
    note: str = ""


class GtfsFeed(_Strict):
    """A GTFS feed: its file in the data folder and/or its public URL."""

    file: str | None = None
    url: str | None = None
    licence: str
    note: str = ""


class RoadLayer(_Strict):
    """A GeoJSON road layer to conflate attributes from.

    ``kind = "osm"`` layers carry OSM tags (highway, lanes, maxspeed, oneway); lanes and speed
    are read from them. The ``file`` is read in place from the data folder.
    """

    file: str
    kind: Literal["osm"] = "osm"
    licence: str
    note: str = ""


class CityManifest(_Strict):
    """What one city's corridors can be built from."""

    city: str
    title: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    osm_extracts: list[OsmExtract] = Field(default_factory=list)
    gtfs: dict[str, GtfsFeed] = Field(default_factory=dict)
    road_layers: dict[str, RoadLayer] = Field(default_factory=dict)


@cache
def _load(path: Path, mtime_ns: int) -> CityManifest:
    try:
        return CityManifest.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise DataFileError(f"{path}: broken city manifest: {exc}") from None


def load_manifest(city: str) -> CityManifest:
    """Load the manifest of ``city`` from the networks folder.

    Parameters
    ----------
    city
        City key, e.g. ``"nairobi"``.

    Returns
    -------
    CityManifest
        The city's sources.

    Raises
    ------
    DataFileError
        If the manifest is missing or invalid.
    """
    path = settings.current().networks_folder / f"{city}.toml"
    if not path.is_file():
        raise DataFileError(f"{path}: no manifest for city {city!r}; set CORRIDOR_SIM_NETWORKS to the repo's networks/ folder")
    return _load(path, path.stat().st_mtime_ns)
