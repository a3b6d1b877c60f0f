"""Road attributes: reading OSM tags, defaults per highway class, and where each value came from.

Sources, from most to least specific (the words used in every provenance table):

``scenario``
    a per-segment value in the scenario's ``[[corridor.segments]]`` (a design decision);
``osm tag``
    a tag on the OSM way or node of the alignment's own street graph;
``road layer``
    a tag on the road line of a conflated layer that matched the alignment;
``osm default``
    the default for the road's highway class (:data:`HIGHWAY_DEFAULTS`), used where the way is
    known but the tag is missing;
``scenario assumption``
    the scenario's ``[corridor.assume]`` value, used where no road is known;
``global default``
    :data:`GLOBAL_DEFAULTS`, used where nothing else says.
"""

from __future__ import annotations

import math
import re

import numpy as np

SOURCES = ("scenario", "osm tag", "road layer", "osm default", "scenario assumption", "global default")

#: Lanes per direction and speed limit (km/h) by OSM highway class, for urban East African
#: roads where the way carries no ``lanes`` / ``maxspeed`` tag. Lanes follow the OSM wiki
#: (Key:lanes: two-way roads of these classes are usually mapped with 2 lanes in all, i.e. 1
#: per direction; trunks and motorways are dual carriageways with 2+ per direction). Speeds use
#: the general urban limit of 50 km/h of the three countries' traffic laws (an assumption to
#: check road by road), 80 km/h on limited-access motorways and 30 km/h on residential streets.
#: A scenario overrides any of them per segment.
HIGHWAY_DEFAULTS: dict[str, tuple[float, float]] = {
    "motorway": (3.0, 80.0),
    "trunk": (2.0, 60.0),
    "primary": (2.0, 50.0),
    "secondary": (1.0, 50.0),
    "tertiary": (1.0, 50.0),
    "unclassified": (1.0, 40.0),
    "residential": (1.0, 30.0),
    "living_street": (1.0, 20.0),
    "busway": (1.0, 50.0),
    "road": (1.0, 40.0),
}

#: Values used where nothing else is known: one lane per direction at the urban limit, no
#: signals or crossings known.
GLOBAL_DEFAULTS: dict[str, float] = {
    "lanes": 1.0,
    "speed_limit_kmh": 50.0,
    "signal_cycle_s": 90.0,
    "green_share": 0.5,
}

_MPH_KMH = 1.609344


def first(value: object) -> object:
    """First element of a list-valued attribute (osmnx merges ways into lists), else the value."""
    if isinstance(value, list | tuple | np.ndarray):
        return value[0] if len(value) else None
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        inner = [v.strip(" '\"") for v in value[1:-1].split(",") if v.strip(" '\"")]
        return inner[0] if inner else None
    return value


def highway_class(value: object) -> str | None:
    """The highway class without ``_link``, e.g. ``"primary"`` for ``"primary_link"``."""
    value = first(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value).removesuffix("_link")


def parse_number(value: object) -> float:
    """The first number in an OSM value (``"2"``, ``"2;3"``, ``"50 mph"``), or NaN."""
    value = first(value)
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    match = re.search(r"\d+(?:\.\d+)?", str(value))
    return float(match.group()) if match else math.nan


def parse_maxspeed_kmh(value: object) -> float:
    """An OSM ``maxspeed`` in km/h (``"50"``, ``"30 mph"``), NaN if not numeric (``"signals"``)."""
    number = parse_number(value)
    text = str(first(value) or "")
    return number * _MPH_KMH if "mph" in text else number


def is_oneway(value: object) -> bool:
    """Whether an OSM ``oneway`` value means one way (``yes``, ``true``, ``1``, ``-1``)."""
    value = first(value)
    return str(value).strip().lower() in {"yes", "true", "1", "-1"}


def lanes_per_direction(lanes: object, oneway: object, lanes_forward: object = None, psv: object = None) -> float:
    """General traffic lanes in the direction of travel, from OSM tags; NaN if untagged.

    ``lanes`` counts both directions on a two-way way, so it is halved (at least 1) unless
    ``lanes:forward`` is tagged; on a one-way way it is the lanes of this direction. Lanes
    reserved for buses (``lanes:psv``, on a one-way way) are not general traffic lanes and are
    taken off (at least 1 is left).
    """
    forward = parse_number(lanes_forward)
    if not math.isnan(forward):
        return forward
    total = parse_number(lanes)
    if math.isnan(total):
        return math.nan
    if not is_oneway(oneway):
        return max(1.0, total / 2.0)
    reserved = parse_number(psv)
    return max(1.0, total - reserved) if not math.isnan(reserved) else total


def class_default(highway: str | None, attribute: str) -> float:
    """The :data:`HIGHWAY_DEFAULTS` value of ``attribute`` (``lanes`` or ``speed_limit_kmh``), NaN if unknown."""
    if highway not in HIGHWAY_DEFAULTS:
        return math.nan
    lanes, speed = HIGHWAY_DEFAULTS[highway]
    return lanes if attribute == "lanes" else speed
