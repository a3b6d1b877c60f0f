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

import copy
import hashlib
import tomllib
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from corridor_sim._errors import ScenarioError

#: A city key: any city with a city file ``networks/<city>.toml`` (checked when the scenario is resolved).
City = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", description="city with a city file in the networks folder")]
RunningWay = Literal["median_busway", "curbside_bus_lane", "mixed_traffic"]
VehicleTypeName = Literal["brt_18m", "brt_12m", "minibus_14", "minibus_33"]
Propulsion = Literal["diesel_euro_ii", "diesel_euro_iii", "diesel_euro_v", "diesel_euro_vi", "cng", "electric"]
#: Longest warm-up a scenario may ask for (minutes): 12 hours, far beyond any corridor's cycle.
MAX_WARM_UP_MIN = 720.0


class _Strict(BaseModel):
    # NaN and infinity are never a valid scenario value (a NaN volume once gave 0 t of CO2)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Station(_Strict):
    """A BRT station: its name, position and, if not the corridor's, its berths.

    The position is either ``lat`` and ``lon`` (WGS84 degrees) or ``distance_m``, metres along the
    alignment's line from the line's start as its source gives it (a GTFS shape's first point, a
    line file's first vertex); a station placed by distance needs a line source (``gtfs`` or
    ``geojson``). ``source`` says where the position comes from (an OSM node, a GTFS stop, a
    drawing), for the run's record.
    """

    name: str = Field(min_length=1)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    distance_m: float | None = Field(default=None, ge=0, le=500_000, description="metres along the alignment line from its start")
    source: str | None = Field(default=None, min_length=1, description="where the position comes from")
    berths: int | None = Field(default=None, ge=1, le=8, description="berths per stopping area and direction")
    substops: int | None = Field(default=None, ge=1, le=4, description="separate stopping areas (sub-stops) per direction")
    passing_lane: bool | None = Field(default=None, description="buses can overtake at the station")
    access: StationAccess | None = Field(default=None, description="how passengers cross to it (default corridor.station_access)")

    @model_validator(mode="after")
    def _one_position(self) -> Station:
        by_coordinates = (self.lat is not None, self.lon is not None)
        if by_coordinates[0] != by_coordinates[1]:
            raise ValueError(f"station {self.name!r}: give both lat and lon")
        if by_coordinates[0] == (self.distance_m is not None):
            raise ValueError(
                f"station {self.name!r}: give its position as lat and lon, or as distance_m along the line (one of them)"
            )
        return self

    @property
    def placed_by_distance(self) -> bool:
        """Whether the station is placed by ``distance_m`` along the line (not by coordinates)."""
        return self.distance_m is not None


class SignalSpec(_Strict):
    """A signalized junction the scenario places on the corridor (a stated assumption, or a signal
    inventory's entry), in one of three ways:

    ``at_m``
        metres along the corridor from its first station;
    ``lat``, ``lon``
        a point (WGS84), projected onto the line (it must lie within 50 m of it);
    ``cross_street``
        the name of a street in the scenario's road layers: the signal stands where that street
        meets the corridor (one place; a street that meets it at several is refused, use ``at_m``).
    """

    name: str | None = Field(default=None, min_length=1, description="the junction's name, for tables and maps")
    at_m: float | None = Field(default=None, ge=0, le=500_000)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    cross_street: str | None = Field(default=None, min_length=1, description="a street name in the road layers")

    @model_validator(mode="after")
    def _one_position(self) -> SignalSpec:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon")
        given = [k for k, v in (("at_m", self.at_m), ("lat/lon", self.lat), ("cross_street", self.cross_street)) if v is not None]
        if len(given) != 1:
            raise ValueError(f"place the signal by one of at_m, lat/lon or cross_street (given: {', '.join(given) or 'none'})")
        return self

    @property
    def label(self) -> str:
        """Its name, else how it is placed."""
        if self.name:
            return self.name
        if self.cross_street:
            return self.cross_street
        return f"{self.at_m:.0f} m" if self.at_m is not None else f"{self.lat:.6f}, {self.lon:.6f}"


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
    """The corridor follows a line in a vector file (a consultant's own, a road layer, an OSM
    route relation): GeoJSON, a Shapefile, a GeoPackage or any file
    :func:`corridor_sim.network.vector.read_vector` reads.

    ``path`` is relative to the scenario file, or to the data folder when it starts with
    ``data:``. ``where`` selects features by property values; their lines are merged in order.
    """

    source: Literal["geojson"]
    path: str = Field(min_length=1)
    where: dict[str, str | int | float] = Field(default_factory=dict)
    licence: str = Field(default="", description="the line's licence and credit, for maps and the report")


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
    refuge_islands: bool | None = None
    sidewalk_coverage: float | None = Field(default=None, ge=0, le=1)
    cycle_lane: bool | None = None
    counterflow: bool | None = None


StationAccess = Literal["signalized", "unsignalized", "grade_separated"]


class CorridorSpec(_Strict):
    """The corridor: stations, alignment sources, running way and attribute values."""

    stations: list[Station] = Field(min_length=2)
    alignment: list[Alignment] = Field(min_length=1, description="sources in order of preference")
    running_way: RunningWay = "mixed_traffic"
    road_layers: list[str] = Field(default_factory=list, description="road layer keys in the city manifest")
    assume: Assumptions = Field(default_factory=Assumptions)
    segments: list[SegmentOverride] = Field(default_factory=list)
    berths: int = Field(default=1, ge=1, le=8, description="berths per stopping area, station and direction")
    substops: int = Field(
        default=1, ge=1, le=4, description="separate stopping areas per station and direction, one behind the other"
    )
    passing_lanes: bool = Field(default=False, description="stations have a passing lane (overtaking)")
    berth_clearance_s: float = Field(
        default=10.0, ge=0, le=60, description="time a berth stays blocked after a bus leaves it (TCQSM t_c)"
    )
    refuge_islands: bool = Field(default=False, description="pedestrian refuges on the crossings")
    sidewalk_coverage: float = Field(default=0.5, ge=0, le=1, description="share of the kerb length with a sidewalk")
    cycle_lane: bool = Field(default=False, description="a separated cycle lane along the corridor")
    counterflow: bool = Field(default=False, description="buses run against the general traffic")
    station_access: StationAccess = Field(default="signalized", description="how passengers cross to the stations")
    protected_crossing_spacing_m: float | None = Field(
        default=None, ge=50, le=5000, description="signalized pedestrian crossings this far apart, replacing unsignalized ones"
    )
    signals: list[SignalSpec] = Field(
        default_factory=list,
        description="signalized junctions placed by the scenario; where the data has no signals they replace assume.signals_per_km",
    )

    def station_design(self, station: Station) -> dict[str, Any]:
        """A station's berths, sub-stops, passing lane and access: its own values, else the corridor's."""
        return {
            "berths": station.berths if station.berths is not None else self.berths,
            "substops": station.substops if station.substops is not None else self.substops,
            "passing_lane": station.passing_lane if station.passing_lane is not None else self.passing_lanes,
            "access": station.access if station.access is not None else self.station_access,
        }

    @field_validator("stations")
    @classmethod
    def _unique_names(cls, stations: list[Station]) -> list[Station]:
        names = [s.name for s in stations]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"station names must be unique; repeated: {', '.join(repeated)}")
        return stations

    @model_validator(mode="after")
    def _signals_one_way(self) -> CorridorSpec:
        if self.signals and self.assume.signals_per_km is not None:
            raise ValueError(
                "give the signals where the data has none as corridor.signals (their places) or as "
                "corridor.assume.signals_per_km (spread evenly), not both"
            )
        return self

    @model_validator(mode="after")
    def _overrides_name_stations(self) -> CorridorSpec:
        index = {s.name: i for i, s in enumerate(self.stations)}
        for k, seg in enumerate(self.segments):
            for field, name in (("from", seg.from_station), ("to", seg.to_station)):
                if name not in index:
                    raise ValueError(f"segments[{k}].{field} = {name!r} is not a station; stations are: " + ", ".join(index))
            if index[seg.from_station] >= index[seg.to_station]:
                raise ValueError(f"segments[{k}]: station {seg.from_station!r} must come before {seg.to_station!r}")
        return self


class Period(_Strict):
    """The counted service period, clock times ``HH:MM`` on one day, and the warm-up before it.

    Buses, general traffic and passengers run from ``start - warm_up_min`` on; every indicator
    counts from ``start``: the passengers who reach a platform from then on, the stop events a bus
    leaves from then on, the trips dispatched from then on, berth time, loads, traffic, emissions
    and safety inside the period. The warm-up's own passengers ride the buses (they take room and
    dwell time) but are not counted. ``warm_up_min`` unset: one cycle of the longest service (both
    directions' run time plus a layover at each end), estimated on the corridor when the run
    starts and written into the run's scenario (:mod:`corridor_sim.engine.warm_up`); 0: no warm-up,
    the corridor starts empty at ``start``. The warm-up may not begin before 00:00.
    """

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")
    finish_trips: bool = Field(
        default=True, description="buses dispatched before the end finish their trips (else stop at the end)"
    )
    warm_up_min: float | None = Field(
        default=None,
        ge=0,
        le=MAX_WARM_UP_MIN,
        description="minutes simulated before start and not counted (unset: the longest service's cycle, estimated)",
    )

    @field_validator("warm_up_min")
    @classmethod
    def _after_midnight(cls, warm_up_min: float | None, info: ValidationInfo) -> float | None:
        start = info.data.get("start")
        if warm_up_min is None or start is None or warm_up_min * 60.0 <= clock_s(start):
            return warm_up_min
        raise ValueError(
            f"the warm-up would begin before 00:00 (start {start} less {warm_up_min:g} min); a run's clock begins at "
            f"00:00 of its day, so allowed 0 to {clock_s(start) // 60} for this start (or start later)"
        )

    @property
    def start_s(self) -> int:
        """Start as seconds after midnight."""
        return clock_s(self.start)

    @property
    def end_s(self) -> int:
        """End as seconds after midnight."""
        return clock_s(self.end)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end_s <= self.start_s:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


Clock = Annotated[str, Field(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]
#: Shortest headway a service may have (minutes): 6 s, a bus rate far above the record of about
#: 350 buses/h through a station (anchors.md 2.2); anything shorter is a typo, not a design.
MIN_HEADWAY_MIN = 0.1
#: Most general traffic a lane can be given (vehicles/h/lane): above any saturation flow (HCM
#: base 1,900), so demand above capacity can be modelled, but not a typo of orders of magnitude.
MAX_VOLUME_VPH_PER_LANE = 4000.0
#: Largest factor of the peak hour a demand profile may apply.
MAX_PROFILE_FACTOR = 10.0
VolumePerLane = Annotated[float, Field(ge=0, le=MAX_VOLUME_VPH_PER_LANE)]
ProfileFactor = Annotated[float, Field(ge=0, le=MAX_PROFILE_FACTOR)]
Share = Annotated[float, Field(ge=0, le=1)]
TurnShare = Annotated[float, Field(ge=0, le=0.8)]
#: Most passengers per hour one station or OD pair may be given: beyond any recorded corridor.
MAX_STATION_PAX_H = 100_000.0
ClockRange = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")]


class Service(_Strict):
    """A service pattern run in both directions between its first and last stop.

    ``stops`` is ``"all"`` (all-stop) or the station names served, in running order
    (limited-stop / express). Headways hold during ``peak_hours``; outside them
    ``offpeak_headway_min`` (no service if unset). With ``stops_on_demand`` its buses stop at a
    station of the pattern only if someone on board alights there or someone waiting there for a
    station it serves hails it with room on board (the terminals always); otherwise they run
    through (see :mod:`corridor_sim.kernels.on_demand`).
    """

    stops: Literal["all"] | list[str] = "all"
    peak_headway_min: float = Field(ge=MIN_HEADWAY_MIN, le=120)
    offpeak_headway_min: float | None = Field(default=None, ge=MIN_HEADWAY_MIN, le=120)
    headway_cv: float = Field(
        default=0.0, ge=0, le=2, description="coefficient of variation of dispatch headways at the terminals"
    )
    substop: int = Field(
        default=1,
        ge=1,
        le=4,
        description="stopping area its buses use at stations with sub-stops (1: the first in running order)",
    )
    vehicle: str | None = Field(
        default=None,
        min_length=1,
        description="the [vehicles.<key>] bus type its buses are, from that type's fleet (none: the scenario's vehicle)",
    )
    enabled: bool = Field(
        default=True, description="false: the service is switched off (not run; listed in services_off), e.g. with --set"
    )
    stops_on_demand: bool = Field(
        default=False,
        description="stop only where a passenger on board alights or one waiting for a stop it serves hails it (minibuses)",
    )


class Vehicle(_Strict):
    """A bus type; unset fields come from the type's documented defaults (door streams also from the fare collection)."""

    type: VehicleTypeName = "brt_18m"
    propulsion: Propulsion = Field(default="diesel_euro_v", description="engine and emission standard (emission factor class)")
    capacity_pax: int | None = Field(default=None, ge=1, le=300)
    seats: int | None = Field(default=None, ge=0, le=120)
    door_channels: int | None = Field(default=None, ge=1, le=12)
    accel_ms2: float | None = Field(default=None, gt=0, le=3)
    decel_ms2: float | None = Field(default=None, gt=0, le=3)
    max_speed_kmh: float | None = Field(default=None, gt=0, le=120)
    length_m: float | None = Field(default=None, ge=4, le=30, description="length over all (bus queues at stations)")
    boarding_channels: int | None = Field(
        default=None, ge=1, le=12, description="door channels passengers board by (on-board fares: the front door, 1)"
    )
    alighting_channels: int | None = Field(
        default=None, ge=1, le=12, description="door channels passengers alight by (on-board fares: the other doors)"
    )


class FleetVehicle(Vehicle):
    """A named bus type with its own fleet (``[vehicles.<key>]``), for the services that name it."""

    buses: int = Field(ge=1, le=2000, description="buses of this type available to the services that name it")


class Dwell(_Strict):
    """Dwell-time parameters; unset fields come from the documented defaults."""

    fare_collection: Literal["off_board", "on_board"] = "off_board"
    door_open_close_s: float | None = Field(default=None, ge=0, le=30)
    alighting_s: float | None = Field(default=None, ge=0, le=10, description="seconds per alighter per door channel")
    boarding_s: float | None = Field(default=None, ge=0, le=15, description="seconds per boarder per door channel")
    crowding_penalty_s: float | None = Field(
        default=None, ge=0, le=5, description="extra seconds per boarder when standees are on board"
    )


class Traffic(_Strict):
    """General traffic along the corridor: a kinematic-wave model (:mod:`corridor_sim.engine.traffic`).

    ``volume_vph_per_lane`` is the through flow entering at each end, per lane of the first
    segment; the fundamental diagram is triangular: free speed the speed limit, capacity
    ``saturation_flow_vphpl`` per lane (also a signal's saturation flow), jam density
    ``jam_density_vpkm_per_lane``.
    """

    volume_vph_per_lane: dict[Clock, VolumePerLane] = Field(
        default_factory=dict, description="general traffic per lane from each clock time on (veh/h/lane), times in order"
    )
    saturation_flow_vphpl: float = Field(
        default=1800.0, gt=0, le=2400, description="capacity and saturation flow per lane (veh/h/lane; HCM base 1,900)"
    )
    jam_density_vpkm_per_lane: float = Field(
        default=150.0, ge=60, le=250, description="vehicles per km and lane at a standstill (HCM about 120, UXsim 200)"
    )
    turn_share: TurnShare | dict[Clock, TurnShare] = Field(
        default=0.0,
        description="share of the flow that turns off at each junction, as much entering there: one share, or one from each clock time on",
    )
    mix: dict[str, Share] = Field(default_factory=dict, description="share of the traffic by vehicle class (default: the city's)")
    bus_pcu: float = Field(
        default=2.0,
        ge=0,
        le=4,
        description="passenger-car units of a bus in mixed traffic (HCM 2010 heavy vehicle E_T 2.0); 0 where the "
        "vehicles are already counted in volume_vph_per_lane (the minibus baseline)",
    )

    @field_validator("volume_vph_per_lane", "turn_share")
    @classmethod
    def _times_in_order(cls, table: Any) -> Any:
        times = list(table) if isinstance(table, dict) else []
        if times != sorted(times, key=clock_s):
            raise ValueError(f"clock times {', '.join(times)} are out of order; list them from the earliest on")
        return table

    @field_validator("mix")
    @classmethod
    def _mix_is_shares(cls, mix: dict[str, float]) -> dict[str, float]:
        return _shares(mix, "vehicle class", _vehicle_classes())


def _vehicle_classes() -> tuple[str, ...]:
    from corridor_sim.emissions.factors import CLASS_NAMES

    return CLASS_NAMES


def _known_keys(keys: Any, what: str, allowed: tuple[str, ...]) -> None:
    """Check that every key is one of the ``allowed`` names."""
    for key in keys:
        if key not in allowed:
            raise ValueError(f"{key!r} is not a {what}; allowed: {', '.join(allowed)}")


def _shares(shares: dict[str, float], what: str, allowed: tuple[str, ...]) -> dict[str, float]:
    """Check that ``shares`` are keyed by ``allowed`` names, non-negative, and sum to 1."""
    _known_keys(shares, what, allowed)
    for key, value in shares.items():
        if value < 0:
            raise ValueError(f"share of {key!r} is {value}; shares are >= 0")
    if shares and abs(sum(shares.values()) - 1.0) > 1e-3:
        raise ValueError(f"shares sum to {sum(shares.values()):.4g}; they must sum to 1")
    return shares


class FactorPoints(_Strict):
    """A scenario's replacement for documented emission factor points (10, 20, 30, 50 km/h)."""

    co2_g_km: tuple[float, float, float, float] | None = None
    nox_g_km: tuple[float, float, float, float] | None = None
    pm25_g_km: tuple[float, float, float, float] | None = None
    energy_kwh_km: tuple[float, float, float, float] | None = None
    idle_co2_g_h: float | None = Field(default=None, ge=0)
    idle_nox_g_h: float | None = Field(default=None, ge=0)
    idle_pm25_g_h: float | None = Field(default=None, ge=0)
    idle_kw: float | None = Field(default=None, ge=0)


class Emissions(_Strict):
    """Emission accounting; unset values come from the documented city tables
    (:mod:`corridor_sim.emissions.factors`)."""

    real_world_factor: float | None = Field(
        default=None, ge=0.5, le=5, description="fuel and CO2 multiplier of the existing fleet (minibuses, cars, motorcycles)"
    )
    bus_real_world_factor: float = Field(default=1.0, ge=0.5, le=5, description="the same for the new BRT buses")
    grid_gco2_per_kwh: float | None = Field(default=None, ge=0, le=2000, description="grid emission factor")
    terminal_idle_max_min: float = Field(
        default=5.0, ge=0, le=120, description="engine-on minutes of each layover at a terminal (at most)"
    )
    factors: dict[str, FactorPoints] = Field(default_factory=dict, description="replaced factor points by vehicle class")

    @field_validator("factors")
    @classmethod
    def _known_classes(cls, factors: dict[str, FactorPoints]) -> dict[str, FactorPoints]:
        _known_keys(factors, "vehicle class", _vehicle_classes())
        return factors


class Safety(_Strict):
    """Road-safety estimation; unset values come from :mod:`corridor_sim.safety.factors`."""

    base_deaths_per_100m_vkm: float | None = Field(
        default=None, gt=0, le=1000, description="deaths per 100 million vehicle-km on the corridor today"
    )
    serious_per_death: float | None = Field(default=None, gt=0, le=100)
    pedestrian_crossings_per_km_h: float = Field(
        default=500.0, ge=0, le=100000, description="pedestrians crossing the road per km and hour besides the BRT's passengers"
    )
    draws: int = Field(default=1000, ge=10, le=100000, description="Monte Carlo draws")
    uncertainty_scale: float = Field(default=1.0, ge=0, le=10, description="multiplies the spread of every uncertain input")


TRAVEL_MODES_BEYOND_VEHICLES = ("walk", "cycle")


class Baseline(_Strict):
    """The corridor today, against which the scenario's emissions and casualties are counted.

    The scenario's passengers travelled by ``mode_shares`` (vehicle classes, ``walk``, ``cycle``)
    at ``occupancy_pax`` per vehicle, in mixed traffic on a road without the scenario's safety
    features; the general traffic is the scenario's.
    """

    mode_shares: dict[str, Share] = Field(
        default_factory=dict, description="previous mode of the passengers (default: the city's)"
    )
    occupancy_pax: dict[str, Annotated[float, Field(gt=0, le=300)]] = Field(
        default_factory=dict, description="passengers per vehicle (default: the city's)"
    )
    speed_kmh: float | None = Field(default=None, gt=0, le=130, description="their mean speed (default: the general traffic's)")
    sidewalk_coverage: float = Field(default=0.5, ge=0, le=1)

    @field_validator("mode_shares")
    @classmethod
    def _mode_shares(cls, shares: dict[str, float]) -> dict[str, float]:
        return _shares(shares, "travel mode", _vehicle_classes() + TRAVEL_MODES_BEYOND_VEHICLES)

    @field_validator("occupancy_pax")
    @classmethod
    def _occupancy(cls, occupancy: dict[str, float]) -> dict[str, float]:
        _known_keys(occupancy, "vehicle class", _vehicle_classes())
        for key, value in occupancy.items():
            if value <= 0:
                raise ValueError(f"occupancy of {key!r} is {value}; it must be > 0")
        return occupancy


class Paratransit(_Strict):
    """Today's minibus service on the corridor (matatus, taxis, daladala), simulated as the baseline.

    Its routes are the GTFS feed's routes whose shapes run along the corridor (only the overlap
    counts), at the feed's frequencies; they stop at the feed's stops on the corridor, or every
    ``stop_spacing_m`` where the feed has none (see :mod:`corridor_sim.paratransit`), on demand:
    only where someone alights or hails them (``stops_on_demand``). Where no feed has the routes,
    ``routes`` names a route layer of lines instead (GPS traces): every line along the corridor is
    a route at ``headway_min``, stopping every ``stop_spacing_m`` at most.
    """

    simulate: bool = Field(
        default=True,
        description="simulate today's minibus service with the scenario's riders in every run (the do-nothing baseline's times)",
    )
    feed: str | None = Field(default=None, description="GTFS feed key in networks/<city>.toml (default: the first)")
    routes: str | None = Field(
        default=None,
        min_length=1,
        description="a route layer key in networks/<city>.toml (route lines, e.g. GPS traces) instead of a GTFS feed; "
        "it has no frequencies, so headway_min is required",
    )
    vehicle: Literal["minibus_14", "minibus_33"] = "minibus_14"
    buffer_m: float = Field(default=40.0, gt=0, le=200, description="a shape this close to the corridor runs on it")
    min_overlap_m: float = Field(default=1000.0, ge=0, le=50000, description="routes overlapping less are left out")
    stop_offset_m: float = Field(default=40.0, gt=0, le=200, description="feed stops this close to the corridor are its stops")
    stop_spacing_m: float = Field(default=300.0, ge=50, le=2000, description="informal stop spacing where the feed has none")
    headway_min: float | None = Field(default=None, gt=0, le=120, description="every route's headway, replacing the feed's")
    match_demand: bool = Field(
        default=True, description="raise every route's frequency until today's minibus riders fit (operators wait to fill)"
    )
    design_load: float = Field(
        default=0.85, gt=0, le=1, description="with match_demand: peak load over seats on the busiest segment"
    )
    stops_on_demand: bool = Field(
        default=True, description="minibuses stop only where someone alights or hails them (false: at every stop of the route)"
    )

    @model_validator(mode="after")
    def _route_layer(self) -> Paratransit:
        if self.routes is not None and self.feed is not None:
            raise ValueError("give the minibus routes as a GTFS feed or as a route layer (routes), not both")
        if self.routes is not None and self.headway_min is None:
            raise ValueError(
                f"routes = {self.routes!r}: a route layer has no frequencies; state them as paratransit.headway_min "
                "(the run reports it as an assumption)"
            )
        return self


class ModeChoice(_Strict):
    """Mode shift: a multinomial logit over BRT, minibus, car, walking and cycling on generalized
    cost, iterated with the simulation to a fixed point (see :mod:`corridor_sim.mode_choice`).

    With it, ``[demand]`` is every trip between the stations' catchments today, by all modes;
    the BRT carries the share the logit gives it. Unset values are the city's documented defaults.
    """

    enabled: bool = False
    value_of_time_per_h: float | None = Field(default=None, gt=0, description="local currency per hour")
    brt_fare: float | None = Field(default=None, ge=0, description="local currency per trip")
    minibus_fare: float | None = Field(default=None, ge=0, description="local currency per trip")
    car_cost_per_km: float | None = Field(default=None, ge=0, description="fuel and parking, local currency per km")
    car_access_min: float = Field(default=5.0, ge=0, le=60, description="walking to and parking the car")
    wait_weight: float = Field(default=2.0, ge=1, le=5, description="a minute waiting in in-vehicle minutes")
    walk_weight: float = Field(default=2.0, ge=1, le=5, description="a minute walking to a stop in in-vehicle minutes")
    transfer_penalty_min: float = Field(default=10.0, ge=0, le=60, description="changing minibus where no route serves the trip")
    scale_per_min: float = Field(default=0.1, gt=0, le=2, description="logit scale: utility per generalized minute")
    brt_constant_min: float = Field(default=0.0, ge=-60, le=60, description="BRT's bonus over the minibus, minutes")
    tolerance: float = Field(default=0.01, gt=0, le=0.5, description="stop when the demand gap falls below this share")
    max_iterations: int = Field(default=15, ge=1, le=100)


class Nmt(_Strict):
    """Walking and cycling: access to stops, catchments and the walking and cycling modes."""

    walk_speed_ms: float = Field(default=1.2, gt=0.3, le=2.5)
    detour_factor: float = Field(
        default=1.3, ge=1, le=3, description="walking distance over straight line without a walk network"
    )
    reach_m: float = Field(default=800.0, ge=100, le=3000, description="trip ends this close to the corridor use it")
    no_sidewalk_speed_factor: float = Field(default=0.8, gt=0, le=1, description="walking speed where there is no sidewalk")
    cycle_speed_kmh: float = Field(default=12.0, gt=3, le=30)
    no_cycle_lane_time_weight: float = Field(
        default=1.5, ge=1, le=5, description="a minute cycling in traffic, in cycle-lane minutes"
    )


class Signals(_Strict):
    """Traffic signal operation for buses."""

    priority: bool = False
    green_extension_s: float = Field(default=10.0, ge=0, le=60, description="with priority: longest green extension")


class StationDemand(_Strict):
    """Peak-hour boardings and alightings at a station (both directions, passengers per hour)."""

    name: str
    boardings_per_h: float = Field(ge=0, le=MAX_STATION_PAX_H)
    alightings_per_h: float = Field(ge=0, le=MAX_STATION_PAX_H)


class OdFlow(_Strict):
    """A peak-hour origin-destination flow (passengers per hour)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_station: str = Field(alias="from")
    to_station: str = Field(alias="to")
    pax_per_h: float = Field(ge=0, le=MAX_STATION_PAX_H)


class Demand(_Strict):
    """Passenger demand: the peak hour's OD flows and an hourly profile.

    Give either ``od`` (flows by origin and destination) or ``stations`` (boardings and alightings
    per station, turned into OD flows by biproportional fitting; see :mod:`corridor_sim.demand`).
    ``profile`` scales the peak hour's flows from each clock time on (1.0 if not given);
    from ``reverse_after`` on, the flows run the other way (the evening mirrors the morning).
    """

    od: list[OdFlow] = Field(default_factory=list)
    stations: list[StationDemand] = Field(default_factory=list)
    profile: dict[Clock, ProfileFactor] = Field(default_factory=dict)
    reverse_after: Clock | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Demand:
        if bool(self.od) == bool(self.stations):
            raise ValueError("give exactly one of od (flows) or stations (boardings and alightings)")
        return self


#: A money amount in US dollars (constant prices of the city profile's values).
Usd = Annotated[float, Field(ge=0, le=1e11)]
#: Low and high multipliers of an appraisal input for the risk analysis (low <= 1 <= high).
Range = tuple[Annotated[float, Field(ge=0, le=10)], Annotated[float, Field(ge=0, le=10)]]


class AppraisalCosts(_Strict):
    """Unit costs of the appraisal, US dollars. Unset (or a table's missing keys): the city profile's.

    The tables and what each key costs are documented in :mod:`corridor_sim.appraisal.costs`.
    """

    running_way_usd_per_km: dict[RunningWay, Usd] = Field(default_factory=dict, description="per km of corridor, both directions")
    station_usd: dict[Literal["station", "extra_berth", "extra_substop", "passing_lane"], Usd] = Field(default_factory=dict)
    terminal_usd: Usd | None = Field(default=None, description="per terminal station of a service")
    depot_usd_per_bus: Usd | None = Field(default=None, description="depot land and works per bus of the fleet")
    bus_usd: dict[VehicleTypeName, Usd] = Field(default_factory=dict, description="price of a diesel bus by type")
    propulsion_price_factor: dict[Propulsion, Annotated[float, Field(gt=0, le=5)]] = Field(
        default_factory=dict, description="a bus's price over its diesel price"
    )
    fare_its_usd: dict[Literal["per_station", "per_bus"], Usd] = Field(
        default_factory=dict, description="fare collection and ITS"
    )
    nmt_works_usd: dict[Literal["sidewalk_per_km", "cycle_lane_per_km", "crossing", "refuge"], Usd] = Field(default_factory=dict)
    land_usd: Usd = Field(default=0.0, description="right of way and resettlement, the whole project")
    contingency_share: float = Field(default=0.15, ge=0, le=1, description="physical contingency on the works and systems")
    bus_operating_usd: dict[Literal["per_bus_km", "per_bus_hour"], Usd] = Field(default_factory=dict)
    vehicle_operating_usd_per_km: dict[str, Usd] = Field(
        default_factory=dict, description="vehicle operating cost of today's vehicles by class (economic, per vehicle-km)"
    )
    pollution_damage_usd_per_t: dict[Literal["nox", "pm25"], Usd] = Field(default_factory=dict)

    @field_validator("vehicle_operating_usd_per_km")
    @classmethod
    def _known_classes(cls, rates: dict[str, float]) -> dict[str, float]:
        _known_keys(rates, "vehicle class", _vehicle_classes())
        return rates


class CarbonPrice(_Strict):
    """Shadow price of carbon, US$ per t CO2: low and high paths through 2020 and 2030, on at their slope."""

    low_2020: Usd = 40.0
    low_2030: Usd = 50.0
    high_2020: Usd = 80.0
    high_2030: Usd = 100.0


class AppraisalRisk(_Strict):
    """The Monte Carlo over the appraisal's inputs: each a triangular multiplier (low, 1, high)."""

    draws: int = Field(default=10_000, ge=100, le=1_000_000)
    capex: Range = (0.9, 1.45)
    opex: Range = (0.8, 1.3)
    demand: Range = (0.6, 1.2)
    value_of_time: Range = (0.7, 1.3)
    vehicle_operating: Range = (0.8, 1.2)
    pollution_damage: Range = (0.5, 2.0)

    @field_validator("capex", "opex", "demand", "value_of_time", "vehicle_operating", "pollution_damage")
    @classmethod
    def _around_one(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        low, high = bounds
        if not low <= 1.0 <= high:
            raise ValueError(f"({low}, {high}) must hold 1 between low and high: (low <= 1 <= high)")
        return bounds


class Appraisal(_Strict):
    """The economic and financial appraisal over the project's life (:mod:`corridor_sim.appraisal`).

    Needs today's minibus baseline (``paratransit.simulate``): without it there is no time saved.
    """

    enabled: bool = True
    funder: Literal["world_bank", "adb", "afdb"] = Field(default="world_bank", description="whose discount rate applies")
    discount_rate: float | None = Field(default=None, ge=0, le=0.5, description="a share per year (default: the funder's)")
    hurdle_rate: float | None = Field(default=None, ge=0, le=0.5, description="EIRR to reach (default: the discount rate)")
    first_year: int = Field(default=2027, ge=2000, le=2100, description="calendar year construction starts")
    construction_years: int = Field(default=3, ge=1, le=10)
    horizon_years: int = Field(default=20, ge=1, le=60, description="years of operation appraised")
    ramp_up: list[Annotated[float, Field(gt=0, le=1.5)]] = Field(
        default_factory=lambda: [0.7, 0.85, 1.0], description="demand in the first years of operation, over the simulated"
    )
    demand_growth: float = Field(default=0.03, ge=-0.2, le=0.2, description="a share per year, from the second year of operation")
    wait_walk_weight: float = Field(default=1.5, ge=1, le=5, description="a minute waiting or walking in in-vehicle minutes")
    serious_injury_share_of_vsl: float = Field(default=0.25, gt=0, le=1, description="value of a serious injury over the VSL")
    infrastructure_life_years: int = Field(default=30, ge=1, le=100)
    bus_life_years: int = Field(default=12, ge=1, le=40)
    systems_life_years: int = Field(default=10, ge=1, le=40, description="fare collection and ITS")
    carbon_case: Literal["low", "high"] = Field(default="low", description="the carbon price path of the base case")
    carbon_price: CarbonPrice = Field(default_factory=CarbonPrice)
    costs: AppraisalCosts = Field(default_factory=AppraisalCosts)
    risk: AppraisalRisk = Field(default_factory=AppraisalRisk)


class Replications(_Strict):
    """Runs of the scenario on independent draws, for confidence intervals (:mod:`corridor_sim.replications`)."""

    count: int = Field(default=1, ge=1, le=200, description="replications to run (1: the seed's run alone)")
    precision: float | None = Field(
        default=None,
        gt=0,
        le=0.5,
        description="add replications until every headline indicator's 95 % half-width is this share of its mean",
    )
    max_count: int = Field(default=30, ge=2, le=200, description="most replications the precision target may run")

    @model_validator(mode="after")
    def _cap(self) -> Replications:
        if self.max_count < self.count:
            raise ValueError(f"max_count = {self.max_count} is below count = {self.count}; allowed: count or more")
        return self


class Scenario(_Strict):
    """A validated scenario. Build it with :func:`load_scenario`."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", description="lower-case slug, used in result paths")
    title: str = ""
    city: City
    seed: int = Field(ge=0)
    period: Period
    corridor: CorridorSpec
    services: dict[str, Service] = Field(default_factory=dict, description="service patterns by name")
    services_off: dict[str, Service] = Field(
        default_factory=dict, description="services switched off (enabled = false): kept for the record, not run"
    )
    fleet: int | None = Field(
        default=None, ge=1, le=2000, description="buses of the scenario's vehicle, for the services that name no other"
    )
    layover_min: float = Field(default=5.0, ge=0, le=120, description="minimum turnaround at a terminal")
    peak_hours: list[ClockRange] = Field(default_factory=list, description="peak periods; none: all of it")
    vehicle: Vehicle = Field(default_factory=Vehicle, description="the bus type of the services that name no other")
    vehicles: dict[str, FleetVehicle] = Field(
        default_factory=dict, description="other bus types by key, each with its own fleet (buses)"
    )
    dwell: Dwell = Field(default_factory=Dwell)
    traffic: Traffic = Field(default_factory=Traffic)
    signals: Signals = Field(default_factory=Signals)
    demand: Demand | None = None
    emissions: Emissions = Field(default_factory=Emissions)
    safety: Safety = Field(default_factory=Safety)
    baseline: Baseline = Field(default_factory=Baseline)
    paratransit: Paratransit = Field(default_factory=Paratransit)
    mode_choice: ModeChoice = Field(default_factory=ModeChoice)
    nmt: Nmt = Field(default_factory=Nmt)
    replications: Replications = Field(default_factory=Replications)
    appraisal: Appraisal = Field(default_factory=Appraisal)
    operating_days_per_year: float = Field(
        default=300.0, gt=0, le=366, description="days a year like the simulated period (annual = period x days)"
    )
    path: Path | None = Field(default=None, exclude=True, description="the file it was read from")
    overrides: dict[str, Any] = Field(default_factory=dict, exclude=True, description="the values set by dotted path when read")

    @model_validator(mode="before")
    @classmethod
    def _switch_off(cls, data: Any) -> Any:
        """Services with ``enabled = false`` move to ``services_off``: the scenario as run lists them apart."""
        if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
            return data

        def enabled(service: Any) -> bool:
            flag = service.get("enabled", True) if isinstance(service, dict) else getattr(service, "enabled", True)
            return flag is not False

        services = data["services"]
        off = {key: service for key, service in services.items() if not enabled(service)}
        if not off:
            return data
        return {
            **data,
            "services": {key: service for key, service in services.items() if key not in off},
            "services_off": {**(data.get("services_off") or {}), **off},
        }

    @model_validator(mode="after")
    def _runs(self) -> Scenario:
        """What ``run`` needs besides each field's own range, so ``validate`` and ``run`` agree."""
        if self.mode_choice.enabled and not self.paratransit.simulate:
            raise ValueError(
                "paratransit.simulate = false: mode choice needs today's minibus service simulated; "
                "set it true or mode_choice.enabled = false"
            )
        if not self.services:
            if self.services_off:
                raise ValueError(f"services: every service is switched off ({', '.join(self.services_off)}); leave one on")
            raise ValueError("services: none given; add a services.<name> table with peak_headway_min")
        for key, service in self.services_off.items():
            if service.enabled:
                raise ValueError(f"services_off.{key}: lists services switched off; set enabled = false, or move it to services")
            if key in self.services:
                raise ValueError(f"services_off.{key}: a service is either run (services) or switched off, not both")
        users: dict[str | None, list[str]] = {}
        for key, service in [*self.services.items(), *self.services_off.items()]:
            if service.vehicle is not None and service.vehicle not in self.vehicles:
                known = ", ".join(self.vehicles) or "none defined"
                where = "services" if key in self.services else "services_off"
                raise ValueError(
                    f"{where}.{key}.vehicle = {service.vehicle!r} is not a [vehicles.<key>] table; vehicles are: {known}"
                )
            if key in self.services:
                users.setdefault(service.vehicle, []).append(key)
        switched_off = {service.vehicle for service in self.services_off.values()} - set(users)
        if None in users and self.fleet is None:
            raise ValueError(
                f"fleet: required; give the number of buses of the scenario's vehicle for {', '.join(users[None])} (fleet = N)"
            )
        if None not in users and self.fleet is not None and None not in switched_off:
            raise ValueError(
                f"fleet = {self.fleet}: every service names its vehicle, so no service uses these buses; "
                "remove fleet or give the buses to a vehicles.<key>.buses"
            )
        if None in users and self.vehicle.type in self.vehicles:
            raise ValueError(
                f"vehicles.{self.vehicle.type}: the key is the type of the scenario's vehicle, which names its fleet; "
                "choose another key"
            )
        fleets = {"fleet": (self.fleet, users.get(None, []))}
        fleets |= {f"vehicles.{key}.buses": (v.buses, users.get(key, [])) for key, v in self.vehicles.items()}
        for where, (buses, services) in fleets.items():
            if where != "fleet" and not services and where.removeprefix("vehicles.").removesuffix(".buses") not in switched_off:
                raise ValueError(f"{where.removesuffix('.buses')}: no service names it; set services.<name>.vehicle or remove it")
            if buses is not None and buses < len(services):
                raise ValueError(f"{where} = {buses}: fewer buses than its {len(services)} services; each needs one at least")
        for where, v in [("vehicle", self.vehicle), *((f"vehicles.{k}", v) for k, v in self.vehicles.items())]:
            if v.seats is not None and v.capacity_pax is not None and v.seats > v.capacity_pax:
                raise ValueError(
                    f"{where}.seats = {v.seats} is more than {where}.capacity_pax = {v.capacity_pax}; seats are part of the capacity"
                )
        return self

    @model_validator(mode="after")
    def _names_are_stations(self) -> Scenario:
        names = [s.name for s in self.corridor.stations]
        index = {n: i for i, n in enumerate(names)}
        known = ", ".join(names)
        for key, service in self.services.items():
            if service.stops == "all":
                continue
            for k, stop in enumerate(service.stops):
                if stop not in index:
                    raise ValueError(f"services.{key}.stops[{k}] = {stop!r} is not a station; stations are: {known}")
            order = [index[s] for s in service.stops]
            if len(order) < 2 or order != sorted(set(order)):
                raise ValueError(f"services.{key}.stops: give two or more stations, each once, in running order")
            stations = self.corridor.stations
            skipped = [
                stations[i].name
                for i in range(order[0] + 1, order[-1])
                if i not in order and not self.corridor.station_design(stations[i])["passing_lane"]
            ]
            if skipped:
                raise ValueError(
                    f"services.{key} skips {', '.join(skipped)}, which have no passing lane: an express bus would "
                    "queue behind the stopping ones. Set passing_lane = true there (or corridor.passing_lanes) or serve them"
                )
        for station in self.corridor.stations:
            design = self.corridor.station_design(station)
            if design["substops"] > 1 and not design["passing_lane"]:
                raise ValueError(
                    f"station {station.name!r} has substops = {design['substops']} and no passing lane: a bus for the second "
                    "stopping area could not pass the first. Set passing_lane = true there (or corridor.passing_lanes)"
                )
        for key, service in self.services.items():
            served = (
                self.corridor.stations
                if service.stops == "all"
                else [s for s in self.corridor.stations if s.name in service.stops]
            )
            short = [s.name for s in served if self.corridor.station_design(s)["substops"] < service.substop]
            if short:
                raise ValueError(
                    f"services.{key}.substop = {service.substop}, but {', '.join(short)} "
                    f"{'has' if len(short) == 1 else 'have'} fewer stopping areas; allowed 1 to the fewest sub-stops it serves"
                )
        if self.demand is not None:
            flows = [(f"demand.od[{k}]", f.from_station, f.to_station) for k, f in enumerate(self.demand.od)]
            flows += [(f"demand.stations[{k}]", d.name, d.name) for k, d in enumerate(self.demand.stations)]
            for where, a, b in flows:
                for name in {a, b}:
                    if name not in index:
                        raise ValueError(f"{where}: {name!r} is not a station; stations are: {known}")
        return self


def clock_s(hhmm: str) -> int:
    """Seconds after midnight of a clock time ``HH:MM`` (``24:00`` allowed)."""
    hours, minutes = hhmm.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"osm", "gtfs", "geojson"} and out.endswith("]"):
            continue  # pydantic's discriminator tag, not a field
        elif isinstance(part, str) and (part.startswith(("constrained-", "function-")) or "[" in part):
            continue  # the member of a union (a share, or a table of shares) that was tried
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(error: dict[str, Any]) -> str:
    path = _field_path(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if not path:  # a check across fields: the message names them
        return message
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
        The validated scenario, every default resolved (:mod:`corridor_sim.resolve`).

    Raises
    ------
    ScenarioError
        Listing every invalid field with its path, value and what is allowed; or naming a
        city without a city file.
    """
    from corridor_sim.resolve import resolve

    scenario = _validated(data, source)
    scenario = _validated(resolve(scenario, str(source)), source)
    if isinstance(source, Path):
        scenario = scenario.model_copy(update={"path": source.resolve()})
    return scenario


def _validated(data: dict[str, Any], source: str | Path) -> Scenario:
    for key in ("path", "overrides"):  # set by the loader, never by a file
        if key in data:
            raise ScenarioError(f"{source}: invalid scenario\n  {key} = {data[key]!r}: unknown field (check the spelling)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        seen: dict[str, str] = {}  # one message per field: a union's first member says what is wrong
        for error in exc.errors(include_url=False):
            message = _describe(error)
            seen.setdefault(_field_path(error["loc"]) or message, message)
        problems = "\n".join(f"  {message}" for message in seen.values())
        raise ScenarioError(f"{source}: invalid scenario\n{problems}") from None


def _members(annotation: Any) -> list[Any]:
    """The concrete types an annotation allows (``Annotated``, ``X | None`` and unions unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in get_args(annotation) if arg is not type(None) for m in _members(arg)]
    return [annotation]


def _inner(annotation: Any, part: str) -> list[Any]:
    """The types found one step below ``annotation`` at key ``part``."""
    found: list[Any] = []
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            by_name = {f.alias or name: f for name, f in member.model_fields.items()}
            if part in by_name:
                found.append(by_name[part].annotation)
        elif get_origin(member) is dict:
            found.append(get_args(member)[1])
        elif get_origin(member) is list and part.isdigit():
            found.append(get_args(member)[0])
    return found


def _check_new_key(parts: list[str], depth: int, existing: list[str], whole_table: bool) -> None:
    """Refuse a key the file lacks unless the schema has a field of that name there.

    Keys of free mappings (``traffic.volume_vph_per_lane``, ``demand.profile``) may be new when
    their values are plain numbers. In a mapping of tables (``services``) a new key must be given
    a whole table (``services.express = {...}``); a path through it (``services.expres.stops``)
    is a typo.
    """
    annotations: list[Any] = [Scenario]
    for part in parts[:depth]:
        annotations = [t for a in annotations for t in _inner(a, part)]
    dotted, where = ".".join(parts), ".".join(parts[:depth]) or "the scenario"
    allowed = set(existing)
    for annotation in annotations:
        for member in _members(annotation):
            if get_origin(member) is dict:
                values = _members(get_args(member)[1])
                if whole_table or not any(isinstance(v, type) and issubclass(v, BaseModel) for v in values):
                    return
            elif isinstance(member, type) and issubclass(member, BaseModel):
                if _inner(member, parts[depth]):
                    return
                allowed |= {f.alias or name for name, f in member.model_fields.items() if name not in ("path", "overrides")}
    raise ScenarioError(f"override {dotted}: {parts[depth]!r} is not a field of {where} (allowed: {', '.join(sorted(allowed))})")


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set values by dotted path (``services.all_stop.peak_headway_min``) in a copy of ``data``.

    A list element is addressed by its index (``corridor.stations.3.berths``). A key the file
    lacks must be a field of the schema there (``fleet``, ``signals.priority``); its table is
    created on the way.

    Raises
    ------
    ScenarioError
        If a path names no field, an index out of range, or runs through a plain value.
    """
    out = copy.deepcopy(data)
    for dotted, value in overrides.items():
        node: Any = out
        parts = dotted.split(".")
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ScenarioError(f"override {dotted}: {where} is not an index of a list of {len(node)}")
                part = int(part)
            elif not isinstance(node, dict):
                raise ScenarioError(f"override {dotted}: {'.'.join(parts[:depth])} is a value, not a table")
            elif part not in node:
                _check_new_key(parts, depth, list(node), whole_table=last and isinstance(value, dict))
            if last:
                node[part] = copy.deepcopy(value)  # a table set here must not be the caller's, which later paths would change
            else:
                if isinstance(node, dict) and part not in node:
                    node[part] = {}
                node = node[part]
    return out


def run_id(scenario: Scenario) -> str:
    """A stable id for a scenario's run: its seed and a hash of every field (same inputs, same id)."""
    digest = hashlib.sha256(scenario.model_dump_json(exclude={"path"}).encode()).hexdigest()[:10]
    return f"seed{scenario.seed}-{digest}"


def read_value(text: str) -> Any:
    """A value typed on the command line, read as TOML (``3``, ``2.5``, ``true``, ``"07:00"``), else as text."""
    try:
        return tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return text.strip()


#: The presets shipped with corridor-sim: any scenario may extend one of them.
PRESETS_FOLDER = Path(__file__).resolve().parents[1] / "scenarios"


def read_scenario_data(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario TOML file into a dictionary, without validating it.

    A file with ``extends = "other.toml"`` (relative to it) is that file's data with its own
    merged on top: tables merge key by key, any other value (arrays too) replaces the parent's.
    A variant thus states only what it changes.

    Raises
    ------
    ScenarioError
        If the file (or one it extends) is missing, is not valid TOML, or extends itself.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        where = f" (extended by {_seen[-1]})" if _seen else " (presets are under scenarios/<city>/)"
        raise ScenarioError(f"{path}: scenario file not found{where}") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder; give a scenario file (.toml) in it") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (not UTF-8); a scenario is a TOML text file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends = {parent!r}: give the path of a scenario file, relative to this one")
    parent_path = (path.parent / parent).resolve()
    if parent_path in _seen or parent_path == path.resolve():
        raise ScenarioError(f"{path}: extends {parent!r}, which extends it again (a cycle)")
    top = (_seen[0] if _seen else path.resolve()).parent
    if not (parent_path.is_relative_to(top) or parent_path.is_relative_to(PRESETS_FOLDER)):
        raise ScenarioError(
            f"{path}: extends = {parent!r} lies outside this scenario's folder ({top}) and the presets "
            f"({PRESETS_FOLDER}); copy the file it should extend next to the scenario"
        )
    return _merged(read_scenario_data(parent_path, (*_seen, path.resolve())), data)


def _merged(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``top`` on it: tables merge recursively, other values replace."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path
        The scenario file.
    overrides
        Values to set by dotted path before validation (see :func:`apply_overrides`).

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
    data = apply_overrides(read_scenario_data(path), overrides or {})
    return parse_scenario(data, path).model_copy(update={"overrides": dict(overrides or {})})
