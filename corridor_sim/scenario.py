"""Scenario files: TOML validated into typed objects.

A scenario names a city, a seed, a service period and a corridor: its stations (name, lat/lon,
in running order), where its line comes from (``[[corridor.alignment]]`` sources in order of
preference: ``osm``, ``gtfs`` or ``geojson``), the running way, and attribute values that the
data lacks (``[corridor.assume]``) or that the design fixes (``[[corridor.segments]]``).

Every problem is reported with the file, the field path, the bad value and what is allowed::

    scenarios/x.toml: corridor.running_way = 'median': Input should be 'median_busway',
    'curbside_bus_lane' or 'mixed_traffic'
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from corridor_sim._errors import ScenarioError

City = Literal["nairobi", "kampala", "addis_ababa"]
RunningWay = Literal["median_busway", "curbside_bus_lane", "mixed_traffic"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Station(_Strict):
    """A BRT station: its name and position (WGS84 degrees)."""

    name: str = Field(min_length=1)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class OsmAlignment(_Strict):
    """The corridor follows the OSM drive graph through the stations in order.

    The graph comes from the cache, else a local OSM extract in the data folder that covers the
    stations, else an Overpass download of the stations' bounding box plus ``buffer_m``.
    """

    source: Literal["osm"]
    buffer_m: float = Field(default=1000.0, gt=0, le=20000)


class GtfsAlignment(_Strict):
    """The corridor follows a GTFS shape: ``shape_id``, or the longest shape of ``route``."""

    source: Literal["gtfs"]
    feed: str = Field(min_length=1, description="feed key in the city manifest (networks/<city>.toml)")
    shape_id: str | None = None
    route: str | None = Field(default=None, description="route_id or route_short_name")

    @model_validator(mode="after")
    def _one_selector(self) -> GtfsAlignment:
        if (self.shape_id is None) == (self.route is None):
            raise ValueError("give exactly one of shape_id or route")
        return self


class GeojsonAlignment(_Strict):
    """The corridor follows a line in a GeoJSON file (a consultant's own, or a road layer).

    ``path`` is relative to the scenario file, or to the data folder when it starts with
    ``data:``. ``where`` selects features by property values; their lines are merged in order.
    """

    source: Literal["geojson"]
    path: str = Field(min_length=1)
    where: dict[str, str | int | float] = Field(default_factory=dict)


Alignment = Annotated[OsmAlignment | GtfsAlignment | GeojsonAlignment, Field(discriminator="source")]


class Assumptions(_Strict):
    """Attribute values used wherever the alignment's data lacks them (source ``scenario``)."""

    lanes: int | None = Field(default=None, ge=1, le=8, description="general traffic lanes per direction")
    speed_limit_kmh: float | None = Field(default=None, gt=0, le=130)
    signals_per_km: float | None = Field(default=None, ge=0, le=10)
    crossings_per_km: float | None = Field(default=None, ge=0, le=20)
    signal_cycle_s: float | None = Field(default=None, ge=30, le=240)
    green_share: float | None = Field(default=None, gt=0, le=1)


class SegmentOverride(_Strict):
    """Design values for the segments from station ``from`` to station ``to`` (inclusive range)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_station: str = Field(alias="from")
    to_station: str = Field(alias="to")
    running_way: RunningWay | None = None
    lanes: int | None = Field(default=None, ge=1, le=8)
    speed_limit_kmh: float | None = Field(default=None, gt=0, le=130)
    signals: int | None = Field(default=None, ge=0, le=50, description="signals per segment")
    crossings: int | None = Field(default=None, ge=0, le=50, description="unsignalized crossings per segment")
    signal_cycle_s: float | None = Field(default=None, ge=30, le=240)
    green_share: float | None = Field(default=None, gt=0, le=1)


class CorridorSpec(_Strict):
    """The corridor: stations, alignment sources, running way and attribute values."""

    stations: list[Station] = Field(min_length=2)
    alignment: list[Alignment] = Field(min_length=1, description="sources in order of preference")
    running_way: RunningWay = "mixed_traffic"
    road_layers: list[str] = Field(default_factory=list, description="road layer keys in the city manifest")
    assume: Assumptions = Field(default_factory=Assumptions)
    segments: list[SegmentOverride] = Field(default_factory=list)

    @field_validator("stations")
    @classmethod
    def _unique_names(cls, stations: list[Station]) -> list[Station]:
        names = [s.name for s in stations]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"station names must be unique; repeated: {', '.join(repeated)}")
        return stations

    @model_validator(mode="after")
    def _overrides_name_stations(self) -> CorridorSpec:
        index = {s.name: i for i, s in enumerate(self.stations)}
        for k, seg in enumerate(self.segments):
            for field, name in (("from", seg.from_station), ("to", seg.to_station)):
                if name not in index:
                    raise ValueError(
                        f"segments[{k}].{field} = {name!r} is not a station; stations are: "
                        + ", ".join(index)
                    )
            if index[seg.from_station] >= index[seg.to_station]:
                raise ValueError(
                    f"segments[{k}]: station {seg.from_station!r} must come before {seg.to_station!r}"
                )
        return self


class Period(_Strict):
    """The simulated service period, clock times ``HH:MM`` on one day."""

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")

    @property
    def start_s(self) -> int:
        """Start as seconds after midnight."""
        return _clock_s(self.start)

    @property
    def end_s(self) -> int:
        """End as seconds after midnight."""
        return _clock_s(self.end)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end_s <= self.start_s:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class Scenario(_Strict):
    """A validated scenario. Build it with :func:`load_scenario`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", description="lower-case slug, used in result paths")
    title: str = ""
    city: City
    seed: int = Field(ge=0)
    period: Period
    corridor: CorridorSpec
    path: Path | None = Field(default=None, exclude=True, description="the file it was read from")


def _clock_s(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"osm", "gtfs", "geojson"} and out.endswith("]"):
            continue  # pydantic's discriminator tag, not a field
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(error: dict[str, Any]) -> str:
    path = _field_path(error["loc"]) or "(top level)"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"{path}: required field is missing"
    if error["type"] == "extra_forbidden":
        return f"{path} = {error['input']!r}: unknown field (check the spelling; see docs of its table)"
    return f"{path} = {error['input']!r}: {message}"


def parse_scenario(data: dict[str, Any], source: str | Path = "<scenario>") -> Scenario:
    """Validate a scenario given as a dictionary (as read from TOML).

    Parameters
    ----------
    data
        The scenario's fields.
    source
        Where it came from, for error messages.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        Listing every invalid field with its path, value and what is allowed.
    """
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  {_describe(e)}" for e in exc.errors(include_url=False))
        raise ScenarioError(f"{source}: invalid scenario\n{problems}") from None
    if isinstance(source, Path):
        scenario = scenario.model_copy(update={"path": source.resolve()})
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path
        The scenario file.

    Returns
    -------
    Scenario
        The validated scenario, remembering its path.

    Raises
    ------
    ScenarioError
        If the file is missing, is not valid TOML, or does not validate.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: scenario file not found (presets are under scenarios/<city>/)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    return parse_scenario(data, path)
