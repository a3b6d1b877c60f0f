"""The typed summary: every section of ``summary.json`` with the unit of each field.

:func:`check_summary` validates a summary against :class:`Summary` before the run folder is
written, so a section that drifts from its documented shape fails at once instead of in a
figure or a report months later. The units of the fields are each field's ``unit``
(:func:`unit_of` reads them by flattened key); :mod:`corridor_sim.results.summary` flattens the
summary and holds the headline list.

The emission, safety, mode-choice and minibus sections are checked for their headline fields;
their other fields (per-group and per-class breakdowns) are documented in the modules that make
them (:mod:`corridor_sim.emissions.inventory`, :mod:`corridor_sim.safety.model`,
:mod:`corridor_sim.mode_choice.outputs`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corridor_sim._errors import CorridorSimError


def _unit(unit: str, what: str, **default: Any) -> Any:
    return Field(description=what, json_schema_extra={"unit": unit}, **default)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Period(_Section):
    start: str = _unit("HH:MM", "start of the simulated period")
    end: str = _unit("HH:MM", "end of the simulated period")
    warm_up_min: float | None = _unit("min", "simulated before start and not counted (the default resolved)", default=None)
    simulated_until_s: float | None = _unit("s after midnight", "clock time the simulation ended (last trip finished)")


class CorridorFacts(_Section):
    length_km: float = _unit("km", "first station to the last along the line")
    stations: int = _unit("stations", "stations on the corridor")
    alignment: str = _unit("", "where the line came from: osm, gtfs or geojson")


class WarmUpPassengers(_Section):
    generated: int = _unit("passengers", "arrived at a platform in the warm-up (counted in no other figure)")
    waiting_at_start: int = _unit("passengers", "of them, still waiting when the period began")
    on_board_at_start: int = _unit("passengers", "of them, on a bus when the period began")


class Passengers(_Section):
    generated: int = _unit("passengers", "arrived at a platform during the period")
    delivered: int = _unit("passengers", "reached their destination")
    waiting: int = _unit("passengers", "still waiting at the end")
    on_board: int = _unit("passengers", "still on a bus at the end")
    conserved: bool = _unit("", "generated = delivered + waiting + on board")
    denied_boardings: int = _unit("times", "a passenger left behind by a full bus serving the destination")
    passengers_denied_at_least_once: int = _unit("passengers", "left behind at least once")
    unserved_peak_demand_pax_h: float | None = _unit("passengers/h", "peak-hour demand between stations no service links")
    warm_up: WarmUpPassengers | None = _unit("", "the warm-up's passengers, who ride but are not counted", default=None)


class Minutes(_Section):
    mean: float | None = _unit("min", "mean over the delivered (or boarded) passengers")
    p95: float | None = _unit("min", "95th percentile", default=None)


class Service(_Section):
    trips: int = _unit("trips", "trips finished in this direction")
    run_time_mean_min: float | None = _unit("min", "dispatch at the first terminal to doors closing at the last")
    commercial_speed_kmh: float | None = _unit("km/h", "trip length over run time")


class CriticalSegment(_Section):
    from_: str = Field(alias="from", description="segment start station")
    to: str = _unit("", "segment end station")
    clock_hour: str = _unit("HH:00", "the busiest clock hour")
    pphpd: int = _unit("passengers/h/direction", "passengers on board across the segment in that hour")
    buses_per_h: int = _unit("buses/h", "buses across the segment in that hour")
    offered_capacity_pphpd: int = _unit("passengers/h/direction", "buses x capacity")
    load_factor: float | None = _unit("load / capacity", "pphpd over offered capacity")


class Direction(_Section):
    direction: str = _unit("", "'to <last station>' or 'to <first station>'")
    services: dict[str, Service]
    critical_segment: CriticalSegment | None
    max_buses_per_h_at_a_station: int = _unit("buses/h", "most buses stopping at one station in a clock hour")


class StationOverCapacity(_Section):
    station: str = _unit("", "the station")
    direction: str = _unit("", "the direction")
    from_: str = Field(alias="from", description="HH:MM: the longest unbroken bus queue began")
    to: str = _unit("HH:MM", "and ended")
    buses_per_h: float = _unit("buses/h", "buses that got a berth in it")


class SignalAtCapacity(_Section):
    signal: str = _unit("m", "metres along the direction")
    direction: str = _unit("", "the direction")
    hour: str = _unit("HH:00", "the clock hour")
    buses_per_h: float = _unit("buses/h", "buses that set off toward it from the stop before in that hour")
    capacity_buses_per_h: float = _unit("buses/h", "3600 / C x whole saturation headways in the green")


class QueuePastSignal(_Section):
    station: str = _unit("", "the station")
    direction: str = _unit("", "the direction")
    signal_m: float = _unit("m", "how far upstream the signal's stop line is")
    queue_m: float = _unit("m", "the longest queue of buses waiting for a berth")
    minutes_past: float = _unit("min", "the time it stood past the stop line, in all (at least one cycle)")
    from_: str = Field(alias="from", description="HH:MM: the queue first reached back past the signal")
    to: str = _unit("HH:MM", "and last cleared it")


class Stations(_Section):
    max_saturation: float | None = _unit("share of time", "berth occupancy of the busiest station and direction")
    max_saturation_at: str | None = _unit("", "where")
    bus_queue_mean_s: float | None = _unit("s", "reaching a station to getting a berth, mean over stops")
    bus_queue_max_s: float | None = _unit("s", "the longest such wait")
    stop_events_queued_share: float | None = _unit("share of stops", "stops where the bus queued")
    dwell_mean_s: float | None = _unit("s", "doors open to departure, mean over stops")
    over_capacity: list[StationOverCapacity] = _unit("", "stations where buses queued for a berth without a break for 15 min")
    signals_at_capacity: list[SignalAtCapacity] = _unit(
        "", "signals whose bus demand in an hour reached what their stop line passes"
    )
    queues_past_signals: list[QueuePastSignal] = _unit("", "stations whose bus queue reached back through the signal upstream")


class VehicleFleet(_Section):
    type: str = _unit("", "the bus type")
    capacity_pax: int = _unit("passengers", "a bus's capacity at design load")
    available: int = _unit("buses", "buses of this type")
    used: int = _unit("buses", "of them, buses that made at least one trip")
    trips: int = _unit("trips", "trips dispatched with them in the period")
    bus_km: float | None = _unit("km", "bus-km they ran in the period (after its start)")


class Fleet(_Section):
    available: int = _unit("buses", "the scenario's fleets together")
    used: int = _unit("buses", "buses that made at least one trip")
    trips: int = _unit("trips", "trips dispatched in the period")
    trips_finished: int = _unit("trips", "of them, trips that reached their last station")
    by_vehicle: dict[str, VehicleFleet] = _unit("", "each fleet: the vehicles key, or the scenario vehicle's type")


class ReplicatedIndicator(_Section):
    mean: float | None = _unit("the indicator's", "mean over the replications")
    half_width: float | None = _unit("the indicator's", "95 % confidence half-width (Student's t)")
    low: float | None = _unit("the indicator's", "mean - half-width")
    high: float | None = _unit("the indicator's", "mean + half-width")
    values: list[float | None] = _unit("the indicator's", "each replication's value, in seed order")


class Replicated(_Section):
    count: int = _unit("runs", "replications run")
    seeds: list[int] = _unit("", "their seeds: the scenario's first, then SeedSequence([seed, k])")
    precision: float | None = _unit("share of the mean", "the target relative half-width, if any")
    precision_met: bool | None = _unit("", "every headline indicator reached the target")
    widest: str | None = _unit("", "the indicator with the largest relative half-width")
    widest_relative_half_width: float | None = _unit("share of the mean", "its half-width over its mean")
    indicators: dict[str, ReplicatedIndicator] = _unit("", "each headline indicator by its flattened key")


class PreviousModeTime(_Section):
    share: float | None = _unit("share of riders", "the BRT's riders who used this mode (baseline.mode_shares)")
    today_min: float | None = _unit("min", "the same trip by this mode today")
    saved_min_per_trip: float | None = _unit("min", "today's time minus the BRT journey")


class TimeSaved(_Section):
    definition: str = _unit("", "how each time is measured")
    brt_journey_min: float | None = _unit("min", "the BRT's mean journey (wait + in vehicle)")
    by_previous_mode: dict[str, PreviousModeTime]
    saved_min_per_trip: float | None = _unit("min", "share-weighted over the previous modes")
    trips_per_year: float | None = _unit("trips/year", "delivered passengers x operating days")
    person_hours_saved_per_year: float | None = _unit("person-hours/year", "saved per trip x trips per year")


class Pollutants(_Open):
    co2_t: float = _unit("t/year", "CO2, tailpipe + grid, real-world factor included")
    nox_t: float = _unit("t/year", "NOx")
    pm25_t: float = _unit("t/year", "exhaust PM2.5")


class EmissionsSection(_Open):
    per_year: str = _unit("", "how the period becomes a year")
    scenario: Pollutants
    baseline: Pollutants
    change: Pollutants


class Band(_Open):
    estimate: float = _unit("per year", "the estimate")
    p5: float = _unit("per year", "5th percentile of the Monte Carlo draws")
    p95: float = _unit("per year", "95th percentile")


class Casualties(_Open):
    deaths_per_year: Band
    serious_injuries_per_year: Band


class SafetySection(_Open):
    per_year: str = _unit("", "how the period becomes a year")
    scenario: Casualties
    baseline: Casualties
    change: Casualties


class OverCapacity(_Section):
    where: str = _unit("", "the signal or lane drop, metres along the direction and between which stations")
    from_: str = Field(alias="from", description="clock time the queue stopped clearing")
    to: str = _unit("HH:MM", "clock time it last had not cleared")


class TrafficDirection(_Section):
    direction: str = _unit("", "'to <last station>' or 'to <first station>'")
    entered_veh: float = _unit("vehicles", "entered the corridor (at its end and from side streets) in the model's run")
    left_veh: float = _unit("vehicles", "left it (at the far end or turning off)")
    on_road_at_end_veh: float = _unit("vehicles", "on the corridor at the end of the period")
    waiting_to_enter_at_end_veh: float = _unit("vehicles", "queued outside it, unable to enter, at the end of the period")
    conserved: bool = _unit("", "entered = left + on the road")
    longest_queue_m: float = _unit("m", "the longest run of queued cells during the period")
    longest_queue_veh: float = _unit("vehicles", "vehicles in it")
    longest_queue_at: str | None = _unit("HH:MM", "when")
    longest_queue_ends_at: str | None = _unit("", "the station downstream of its head")
    over_capacity: list[OverCapacity] = _unit("", "signals and lane drops whose queue did not clear for 15 min")
    bus_stop_closure_h: float = _unit("lane-hours", "kerb lane closed by buses standing at stops in mixed traffic")


class TrafficSection(_Section):
    model: str = _unit("", "the general traffic model")
    directions: list[TrafficDirection]


class CityProfileSection(_Section):
    country: str = _unit("", "the city's country")
    currency: str = _unit("ISO 4217", "currency of the city's money values")
    local_per_usd: float = _unit("local currency / US$", "exchange rate")
    gdp_per_capita_usd: float = _unit("US$", "GDP per capita")
    gni_per_capita_usd: float = _unit("US$", "GNI per capita, Atlas method")
    placeholders: list[str] = _unit("", "city-profile placeholders this run used: 'key = value (source)'")


class AppraisalSection(_Open):
    """The headline fields of the appraisal (the rest: :mod:`corridor_sim.appraisal.section`)."""

    currency: str = _unit("ISO 4217", "currency of every money value: US dollars")
    discount_rate: float = _unit("share a year", "the rate the present values use")
    hurdle_rate: float = _unit("share a year", "the EIRR the funder asks for")
    capital_cost_usd: float = _unit("US$", "capital cost, every item, undiscounted")
    capital_cost_usd_per_km: float | None = _unit("US$/km", "capital cost per km of corridor")
    npv_usd: float = _unit("US$", "economic net present value at the discount rate")
    eirr: float | None = _unit("share a year", "economic internal rate of return (None: no rate makes the NPV 0)")
    bcr: float | None = _unit("", "present benefits over present costs")
    fyrr: float | None = _unit("share", "first year's net benefits over the capital cost")
    firr: float | None = _unit("share a year", "financial internal rate of return (fares less every cost)")
    farebox_ratio: float | None = _unit("", "fares over operating cost, first year at full demand")
    meets_hurdle: bool = _unit("", "EIRR at or above the hurdle rate")


class SdgSection(_Open):
    """SDG 3.6, 11.2.1 and 11.6 (:mod:`corridor_sim.appraisal.sdg`)."""

    road_safety: dict[str, Any] = Field(alias="3.6", description="deaths and serious injuries a year, change with bands")
    access: dict[str, Any] | None = Field(alias="11.2.1", description="trip ends within 500 m and 1 km of a station")
    air_quality: dict[str, Any] = Field(alias="11.6", description="NOx and PM2.5 a year, change")


class Summary(_Section):
    """``summary.json`` of a run."""

    scenario: str = _unit("", "the scenario's name")
    title: str = _unit("", "the corridor's title")
    city: str = _unit("", "the city key")
    run_id: str = _unit("", "seed and a hash of every scenario value")
    seed: int = _unit("", "the random seed")
    period: Period
    corridor: CorridorFacts
    passengers: Passengers
    wait_min: Minutes
    in_vehicle_min: Minutes
    journey_min: Minutes
    directions: list[Direction]
    stations: Stations
    fleet: Fleet
    bus_km: float | None = _unit("km", "bus-km run in the simulated period")
    checks: list[str] = _unit("", "physical records or conservation laws the run breached")
    notes: list[str] = _unit("", "what the run left out, and why", default_factory=list)
    emissions: EmissionsSection
    safety: SafetySection
    traffic: TrafficSection
    city_profile: CityProfileSection
    mode_choice: dict[str, Any] | None = _unit("", "the mode-choice fixed point (mode_choice/outputs.py)", default=None)
    minibus: dict[str, Any] | None = _unit("", "today's simulated minibus service (mode_choice/outputs.py)", default=None)
    replications: Replicated | None = _unit("", "the headline indicators over replications (replications.py)", default=None)
    time_saved: TimeSaved | None = _unit("", "a BRT trip against its rider's previous mode (time_saved.py)", default=None)
    appraisal: AppraisalSection | None = _unit("", "costs, NPV, EIRR, BCR, risk and GHG (appraisal/section.py)", default=None)
    sdg: SdgSection | None = _unit("", "SDG 3.6, 11.2.1 and 11.6 from the run (appraisal/sdg.py)", default=None)


def check_summary(summary: dict[str, Any], where: str) -> None:
    """Validate a summary against :class:`Summary`.

    Raises
    ------
    CorridorSimError
        Naming each field that drifted from the contract (a bug in corridor-sim, not in the input).
    """
    try:
        Summary.model_validate(summary)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
        raise CorridorSimError(
            f"{where}: the run's summary breaks the summary contract ({problems}); please report this"
        ) from None


def unit_of(key: str) -> str | None:
    """The unit of a flattened summary key (``wait_min.mean`` -> ``min``), where the contract states one."""
    model: type[BaseModel] | None = Summary
    unit = None
    parts = key.split(".")
    k = 0
    while model is not None and k < len(parts):
        part = parts[k]
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        if model is Direction and part not in fields:  # the direction label of a flattened key
            k += 1
            continue
        field = fields.get(part)
        if field is None:
            return None
        unit = (field.json_schema_extra or {}).get("unit") if isinstance(field.json_schema_extra, dict) else None
        model = _model_of(field.annotation)
        k += 1
        if model is Service and k < len(parts):  # services.<name>
            k += 1
    return unit or None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The section model an annotation names (``X``, ``X | None``, ``list[X]``, ``dict[str, X]``)."""
    for arg in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        for inner in getattr(arg, "__args__", ()):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None
