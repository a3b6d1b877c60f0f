"""Every user setting in one place.

Settings are read from environment variables each time :func:`current` is called, so a shell,
a CI script or a test can change them without touching code.

``CORRIDOR_SIM_DATA``
    Folder holding the shared data (``<city>/...`` OSM extracts, GTFS feeds, road layers).
    Files are read in place and never copied. Unset: no local data, sources are downloaded.
``CORRIDOR_SIM_NETWORKS``
    Folder of the city manifests (``<city>.toml``). Default: the ``networks/`` folder of the
    source checkout.
``CORRIDOR_SIM_CACHE``
    Folder of downloads and prepared graphs. Default: ``cache/`` in the networks folder.
``CORRIDOR_SIM_OVERPASS_URL``
    Overpass API endpoint osmnx downloads OSM data from. Default: osmnx's own
    (``https://overpass-api.de/api``).
``CORRIDOR_SIM_OFFLINE``
    ``1`` forbids every download; sources that would need one are reported unavailable.
``CORRIDOR_SIM_RESULTS``
    Folder where runs and maps are written. Default: ``results/`` in the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_CHECKOUT_NETWORKS = Path(__file__).resolve().parents[1] / "networks"
_DEFAULT_OVERPASS_URL = "https://overpass-api.de/api"


@dataclass(frozen=True)
class Settings:
    """A snapshot of the user settings (see the module docstring)."""

    data_folder: Path | None
    networks_folder: Path
    cache_folder: Path
    overpass_url: str
    offline: bool
    results_folder: Path


def current() -> Settings:
    """Read the settings from the environment.

    Returns
    -------
    Settings
        The settings in force now.
    """
    data = os.environ.get("CORRIDOR_SIM_DATA")
    networks = Path(os.environ.get("CORRIDOR_SIM_NETWORKS", _CHECKOUT_NETWORKS)).resolve()
    return Settings(
        data_folder=Path(data).expanduser().resolve() if data else None,
        networks_folder=networks,
        cache_folder=Path(os.environ.get("CORRIDOR_SIM_CACHE", networks / "cache")).resolve(),
        overpass_url=os.environ.get("CORRIDOR_SIM_OVERPASS_URL", _DEFAULT_OVERPASS_URL).rstrip("/"),
        offline=os.environ.get("CORRIDOR_SIM_OFFLINE", "0").strip().lower() in {"1", "true", "yes"},
        results_folder=Path(os.environ.get("CORRIDOR_SIM_RESULTS", "results")).resolve(),
    )
