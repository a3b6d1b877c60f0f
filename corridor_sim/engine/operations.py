"""What the engine runs: services with their departures, the directions' layouts, the bus, dwell
and station parameters, all drawn from a scenario and its corridor."""

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
from corridor_sim.scenario import Scenario


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
    """

    name: str
    stations: np.ndarray
    departures_s: tuple[np.ndarray, np.ndarray]
    substop: int = 0


@dataclass(frozen=True)
class Operations:
    """Everything the engine needs besides the corridor and the passengers."""

    services: tuple[ServicePlan, ...]
    layouts: tuple[DirectionLayout, DirectionLayout]
    traffic: TrafficState
    vehicle: VehicleType
    dwell: DwellModel
    fleet: int
    layover_s: float
    berths: np.ndarray
    substops: np.ndarray
    passing_lane: np.ndarray
    clearance_s: float
    green_extension_s: float
    start_s: float
    end_s: float
    finish_trips: bool


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
        If the scenario has no services or no fleet.
    """
    where = scenario.path or scenario.name
    if not scenario.services:
        raise ScenarioError(f"{where}: no services; add a [services.<name>] table with peak_headway_min")
    if scenario.fleet is None:
        raise ScenarioError(f"{where}: fleet is missing; give the number of buses available (fleet = N)")
    names = list(corridor.station_name)
    start, end = float(scenario.period.start_s), float(scenario.period.end_s)
    peaks = peak_windows(scenario)
    plans = []
    for k, (name, service) in enumerate(scenario.services.items()):
        stations = np.arange(len(names)) if service.stops == "all" else np.array([names.index(s) for s in service.stops])
        stagger = k / len(scenario.services)
        departures = tuple(departures_s(service, start, end, peaks, stagger, timetable_rng) for _ in range(2))
        plans.append(ServicePlan(name=name, stations=stations, departures_s=departures, substop=service.substop - 1))
    vehicle = vehicle_type(scenario.vehicle)
    signals = direction_signals(corridor, signal_rng)
    traffic = simulate_traffic(corridor, scenario.traffic, signals, start, end)
    return Operations(
        services=tuple(plans),
        layouts=_layouts_in(traffic, signals, vehicle),
        traffic=traffic,
        vehicle=vehicle,
        dwell=dwell_model(scenario.dwell, vehicle.door_channels),
        fleet=scenario.fleet,
        layover_s=scenario.layover_min * 60.0,
        berths=corridor.berths,
        substops=corridor.substops,
        passing_lane=corridor.passing_lane,
        clearance_s=scenario.corridor.berth_clearance_s,
        green_extension_s=scenario.signals.green_extension_s if scenario.signals.priority else 0.0,
        start_s=start,
        end_s=end,
        finish_trips=scenario.period.finish_trips,
    )


def with_buses_in_traffic(ops: Operations, buses: tuple[BusesInTraffic, BusesInTraffic]) -> Operations:
    """The operations with the general traffic run again carrying ``buses`` (their capacity taken), and the bus speeds it gives."""
    signals = tuple(layout.signals() for layout in ops.layouts)
    first = ops.traffic
    traffic = simulate_traffic(first.corridor, first.traffic, signals, first.start_s, first.end_s, buses)
    return replace(ops, traffic=traffic, layouts=_layouts_in(traffic, signals, ops.vehicle))


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
