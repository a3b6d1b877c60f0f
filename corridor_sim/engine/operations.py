"""What the engine runs: services with their departures, the fleets (a bus type, its buses and
dwell, the directions as it drives them), the station parameters, all drawn from a scenario and
its corridor."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from corridor_sim._errors import ScenarioError
from corridor_sim.corridor import Corridor
from corridor_sim.engine.bus_traffic import BusesInTraffic
from corridor_sim.engine.dwell import DwellModel, dwell_model
from corridor_sim.engine.layout import DirectionLayout, direction_layouts, direction_signals
from corridor_sim.engine.timetable import departures_s, peak_windows
from corridor_sim.engine.traffic import TrafficState, bus_speed_ms, signals_in_traffic, simulate_traffic
from corridor_sim.engine.vehicles import VehicleType, vehicle_type
from corridor_sim.scenario import Scenario, Vehicle


@dataclass(frozen=True)
class ServicePlan:
    """A service ready to run: its stations and departures per direction.

    Attributes
    ----------
    name
        Service key.
    stations
        Stations served, in direction-0 order (indices).
    substop
        Stopping area its buses use (0-based) where a station has sub-stops.
    departures_s
        Scheduled departures (clock s) from the first terminal of each direction.
    fleet
        The fleet its buses come from (index into :attr:`Operations.fleets`).
    on_demand
        Whether its buses stop only where someone alights or hails them (the terminals always).
    """

    name: str
    stations: np.ndarray
    departures_s: tuple[np.ndarray, np.ndarray]
    substop: int = 0
    fleet: int = 0
    on_demand: bool = False


@dataclass(frozen=True)
class Fleet:
    """Buses of one type for the services that name it.

    Attributes
    ----------
    name
        ``vehicles`` key, or the type of the scenario's ``vehicle``.
    vehicle
        The bus type.
    propulsion
        Engine and emission standard.
    buses
        Buses available.
    dwell
        Its dwell model (its door streams).
    layouts
        Both directions as these buses drive them (cruise speeds capped at their top speed).
    """

    name: str
    vehicle: VehicleType
    propulsion: str
    buses: int
    dwell: DwellModel
    layouts: tuple[DirectionLayout, DirectionLayout]


@dataclass(frozen=True)
class Operations:
    """Everything the engine needs besides the corridor and the passengers.

    ``start_s`` and ``end_s`` are the counted period (clock s); the run begins ``warm_up_s``
    before ``start_s`` (:attr:`run_start_s`).
    """

    services: tuple[ServicePlan, ...]
    fleets: tuple[Fleet, ...]
    traffic: TrafficState
    layover_s: float
    berths: np.ndarray
    substops: np.ndarray
    passing_lane: np.ndarray
    clearance_s: float
    green_extension_s: float
    start_s: float
    end_s: float
    finish_trips: bool
    warm_up_s: float = 0.0

    @property
    def run_start_s(self) -> float:
        """When buses, traffic and passengers begin: the period's start less the warm-up (clock s)."""
        return self.start_s - self.warm_up_s

    @property
    def layouts(self) -> tuple[DirectionLayout, DirectionLayout]:
        """Both directions' chainages and signals (as every fleet has them; speeds: the first fleet's)."""
        return self.fleets[0].layouts

    @property
    def buses(self) -> int:
        """Buses available in all fleets."""
        return sum(fleet.buses for fleet in self.fleets)


def plan_operations(
    scenario: Scenario, corridor: Corridor, timetable_rng: np.random.Generator, signal_rng: np.random.Generator
) -> Operations:
    """The scenario's operations on its corridor.

    Parameters
    ----------
    scenario, corridor
        The scenario and its corridor.
    timetable_rng
        Draws irregular headways (services with ``headway_cv > 0``).
    signal_rng
        Draws signal offsets (buses and the general traffic see the same signals).

    Raises
    ------
    ScenarioError
        If the scenario has no services, no fleet for the services of its vehicle, or its warm-up
        is not resolved (:func:`corridor_sim.resolve.resolve_warm_up`; ``simulate`` does it).
    """
    where = scenario.path or scenario.name
    if not scenario.services:
        raise ScenarioError(f"{where}: no services; add a [services.<name>] table with peak_headway_min")
    if scenario.period.warm_up_min is None:
        raise ScenarioError(f"{where}: period.warm_up_min is not resolved; resolve it on the corridor (resolve_warm_up)")
    names = list(corridor.station_name)
    start, end = float(scenario.period.start_s), float(scenario.period.end_s)
    warm_up = scenario.period.warm_up_min * 60.0
    peaks = peak_windows(scenario, start - warm_up)
    specs = _fleet_specs(scenario)
    keys = list(specs)
    plans = []
    for k, (name, service) in enumerate(scenario.services.items()):
        stations = np.arange(len(names)) if service.stops == "all" else np.array([names.index(s) for s in service.stops])
        stagger = k / len(scenario.services)
        departures = tuple(departures_s(service, start - warm_up, end, peaks, stagger, timetable_rng) for _ in range(2))
        fleet = keys.index(service.vehicle if service.vehicle is not None else None)
        plans.append(
            ServicePlan(name, stations, departures, substop=service.substop - 1, fleet=fleet, on_demand=service.stops_on_demand)
        )
    signals = direction_signals(corridor, signal_rng)
    traffic = simulate_traffic(corridor, scenario.traffic, signals, start, end, warm_up_s=warm_up)
    fleets = []
    for key, (spec, buses) in specs.items():
        vehicle = vehicle_type(spec)
        dwell = dwell_model(scenario.dwell, vehicle.door_channels, spec.boarding_channels, spec.alighting_channels)
        name = key if key is not None else vehicle.name
        fleets.append(Fleet(name, vehicle, spec.propulsion, buses, dwell, _layouts_in(traffic, signals, vehicle)))
    return Operations(
        services=tuple(plans),
        fleets=tuple(fleets),
        traffic=traffic,
        layover_s=scenario.layover_min * 60.0,
        berths=corridor.berths,
        substops=corridor.substops,
        passing_lane=corridor.passing_lane,
        clearance_s=scenario.corridor.berth_clearance_s,
        green_extension_s=scenario.signals.green_extension_s if scenario.signals.priority else 0.0,
        start_s=start,
        end_s=end,
        finish_trips=scenario.period.finish_trips,
        warm_up_s=warm_up,
    )


def _fleet_specs(scenario: Scenario) -> dict[str | None, tuple[Vehicle, int]]:
    """The fleets the services use, by ``vehicles`` key (``None``: the scenario's vehicle), with their buses."""
    used = {service.vehicle for service in scenario.services.values()}
    specs: dict[str | None, tuple[Vehicle, int]] = {}
    if None in used:
        if scenario.fleet is None:
            raise ScenarioError(f"{scenario.path or scenario.name}: fleet is missing; give the number of buses (fleet = N)")
        specs[None] = (scenario.vehicle, scenario.fleet)
    specs |= {key: (v, v.buses) for key, v in scenario.vehicles.items() if key in used}
    return specs


def with_buses_in_traffic(ops: Operations, buses: tuple[BusesInTraffic, BusesInTraffic]) -> Operations:
    """The operations with the general traffic run again carrying ``buses`` (their capacity taken), and the bus speeds it gives."""
    signals = tuple(layout.signals() for layout in ops.layouts)
    first = ops.traffic
    traffic = simulate_traffic(first.corridor, first.traffic, signals, first.start_s, first.end_s, buses, first.warm_up_s)
    fleets = tuple(replace(fleet, layouts=_layouts_in(traffic, signals, fleet.vehicle)) for fleet in ops.fleets)
    return replace(ops, traffic=traffic, fleets=fleets)


def _layouts_in(
    traffic: TrafficState, signals: tuple[dict[str, np.ndarray], dict[str, np.ndarray]], vehicle: VehicleType
) -> tuple[DirectionLayout, DirectionLayout]:
    speeds = tuple(bus_speed_ms(traffic, d, vehicle.max_speed_kmh) for d in (0, 1))
    in_traffic = tuple(signals_in_traffic(traffic, d, signals[d]["signal_m"]) for d in (0, 1))
    return direction_layouts(traffic.corridor, signals, speeds, in_traffic)


def served_pairs(ops: Operations, n_stations: int) -> np.ndarray:
    """(n, n) bool: OD pairs that some service carries (it stops at both)."""
    served = np.zeros((n_stations, n_stations), dtype=bool)
    for plan in ops.services:
        served[np.ix_(plan.stations, plan.stations)] = True
    np.fill_diagonal(served, False)
    return served
