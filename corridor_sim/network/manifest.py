"""City files (``networks/<city>.toml``): a city's data sources and its profile of defaults.

The networks folder (``CORRIDOR_SIM_NETWORKS``) holds one file per city; a scenario's ``city`` is
any city with a file there. The ``[profile]`` table is :class:`corridor_sim.city_profile.CityProfile`.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corridor_sim import settings
from corridor_sim._errors import DataFileError, ScenarioError, UnknownCityError
from corridor_sim.city_profile import CityProfile, city_file_template
from corridor_sim.results.files import write_text


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
    """A road layer to conflate attributes from: any vector file :mod:`corridor_sim.network.vector`
    reads (GeoJSON, Shapefile, GeoPackage, Overpass JSON).

    ``kind = "osm"`` layers carry OSM tags (highway, lanes, ``lanes:psv``, maxspeed, oneway); lanes
    and speed are read from them. ``kind = "osm2po"``: an osm2po routing edge table, which gives
    the highway class (``CLAZZ``), the name and one-way edges but no lanes or speed limits. The
    ``file`` is read in place from the data folder.
    """

    file: str
    kind: Literal["osm", "osm2po"] = "osm"
    licence: str
    note: str = ""


class RouteLayer(_Strict):
    """Today's minibus routes as lines in a vector file (GPS traces, a route map), for the minibus
    baseline where no GTFS feed has them (``paratransit.routes``).

    Each line feature is a route run both ways; ``id_field`` and ``name_field`` name its columns.
    A route layer has no frequencies and no stops: a scenario that uses it states
    ``paratransit.headway_min``, and its minibuses stop every ``paratransit.stop_spacing_m``.
    """

    file: str
    licence: str
    id_field: str = "route_id"
    name_field: str = "route_long_name"
    note: str = ""


class CityManifest(_Strict):
    """What one city's corridors can be built from."""

    city: str
    title: str
    country: str = Field(pattern=r"^[A-Z]{2}$")
    osm_extracts: list[OsmExtract] = Field(default_factory=list)
    gtfs: dict[str, GtfsFeed] = Field(default_factory=dict)
    road_layers: dict[str, RoadLayer] = Field(default_factory=dict)
    route_layers: dict[str, RouteLayer] = Field(default_factory=dict)
    profile: CityProfile


@cache
def _load(path: Path, mtime_ns: int) -> CityManifest:
    try:
        return CityManifest.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(
            f"{path}: unreadable city file ({exc}); restore it or write a new one with corridor-sim city new"
        ) from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))} = {e.get('input')!r}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise DataFileError(f"{path}: broken city file: {problems}") from None


def known_cities() -> list[str]:
    """The cities with a file in the networks folder, sorted."""
    folder = settings.current().networks_folder
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def city_file(city: str) -> Path:
    """Where ``city``'s file is (it may not exist)."""
    return settings.current().networks_folder / f"{city}.toml"


def load_manifest(city: str) -> CityManifest:
    """Load the file of ``city`` from the networks folder.

    Parameters
    ----------
    city
        City key, e.g. ``"nairobi"``.

    Returns
    -------
    CityManifest
        The city's sources and profile.

    Raises
    ------
    UnknownCityError
        If there is no file for the city; the message lists the known cities and how to add one.
    DataFileError
        If the file is broken, naming it and what is wrong.
    """
    path = city_file(city)
    if not path.is_file():
        known = ", ".join(known_cities()) or "none"
        raise UnknownCityError(
            f"city {city!r} has no city file {path}; known cities: {known}. Add one with "
            f"'corridor-sim city new {city} --country CC' and replace its placeholder values, "
            "or set CORRIDOR_SIM_NETWORKS to the folder that holds it"
        )
    manifest = _load(path, path.stat().st_mtime_ns)
    if manifest.city != city:
        raise DataFileError(f"{path}: says city = {manifest.city!r}; a city file's city must be its file name ({city!r})")
    return manifest


def write_city_template(city: str, country: str, title: str | None, currency: str, folder: Path | None = None) -> Path:
    """Write ``<folder>/<city>.toml`` from the template (:func:`corridor_sim.city_profile.city_file_template`).

    Raises
    ------
    ScenarioError
        If the name, country or currency is malformed, or the file exists already.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]*", city):
        raise ScenarioError(f"city name {city!r}: use lower-case letters, digits and _ (e.g. dar_es_salaam)")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise ScenarioError(f"--country {country!r}: give the ISO 3166 alpha-2 code, e.g. TZ")
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ScenarioError(f"--currency {currency!r}: give the ISO 4217 code, e.g. TZS")
    path = (folder or settings.current().networks_folder) / f"{city}.toml"
    if path.exists():
        raise ScenarioError(f"{path} exists already; edit it, or remove it to start again from the template")
    text = city_file_template(city, country, title or city.replace("_", " ").title(), currency)
    CityManifest.model_validate(tomllib.loads(text))  # the template is a valid city file
    return write_text(text, path)
