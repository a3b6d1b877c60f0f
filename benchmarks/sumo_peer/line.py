"""The compared line in corridor-sim: its scenario, one run, and the figures both tools report."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corridor_sim.corridor import Corridor, build_corridor
from corridor_sim.emissions.inventory import emit, scenario_factors
from corridor_sim.engine.runner import Run
from corridor_sim.scenario import Scenario, load_scenario
from corridor_sim.vehicle_travel import brt_travel

#: The line: the Addis Ababa Bole Road preset over 07:00-10:00 with the assumptions SUMO can express.
SCENARIO = Path(__file__).with_name("bole_road_3h.toml")


def load_line() -> tuple[Scenario, Corridor]:
    """The bench scenario and its corridor (from the shared OSM extract)."""
    scenario = load_scenario(SCENARIO)
    return scenario, build_corridor(scenario)


def run_figures(run: Run) -> dict[str, float]:
    """The compared figures of a corridor-sim run.

    Returns
    -------
    dict
        ``run_time_s_0`` / ``run_time_s_1`` (mean, doors closing at the first station to doors
        opening at the last, per direction), ``dwell_s`` (mean over stop events), ``wait_s``
        (mean over boarded passengers, from reaching the platform until the boarded bus leaves:
        SUMO's ``waitingTime`` of a ride), ``bus_co2_kg`` and ``bus_nox_kg`` (the trips from the
        first station's arrival to the last station's departure; layovers left out), ``trips``,
        ``boarded_pax``.
    """
    stops = run.trace.stops.sort_values(["trip", "arrive_s"])
    n_stations = len(run.corridor.station_name)
    full = stops.groupby("trip").filter(lambda g: len(g) == n_stations)
    first = full.groupby("trip").first()
    last = full.groupby("trip").last()
    run_time = last["berth_s"] - first["depart_s"]
    boarded = run.trace.board_trip >= 0
    rows = brt_travel(run, terminal_idle=False)
    factors, grid = scenario_factors(run.scenario)
    emitted = emit(rows, factors, grid)
    return {
        "run_time_s_0": float(run_time[first["direction"] == 0].mean()),
        "run_time_s_1": float(run_time[first["direction"] == 1].mean()),
        "dwell_s": float(stops["dwell_s"].mean()),
        "wait_s": float(np.mean(_departure_of_boarded(run)[boarded] - run.trace.passengers.arrive_s[boarded])),
        "bus_co2_kg": float(emitted["co2_g"].sum() / 1000.0),
        "bus_nox_kg": float(emitted["nox_g"].sum() / 1000.0),
        "trips": float(len(first)),
        "boarded_pax": float(boarded.sum()),
    }


def _departure_of_boarded(run: Run) -> np.ndarray:
    """Per passenger: when the bus boarded left the origin (NaN: never boarded)."""
    stops, t = run.trace.stops, run.trace
    depart = np.full((int(stops["trip"].max()) + 1, len(run.corridor.station_name)), np.nan)
    depart[stops["trip"].to_numpy(), stops["station"].to_numpy()] = stops["depart_s"].to_numpy()
    out = np.full(len(t.passengers), np.nan)
    on = t.board_trip >= 0
    out[on] = depart[t.board_trip[on], t.passengers.origin[on]]
    return out
