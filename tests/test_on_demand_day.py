"""The compiled minibus day (:mod:`corridor_sim.kernels.on_demand_day`) gives exactly the SimPy engine's
records: every stop, trip, pass and passenger, on Kampala's and Addis Ababa's real minibus services,
with a fleet too small for them (buses waiting at the terminals), one berth a stop (buses queueing
for it), and a run stopped at the period's end."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import PRESETS

from corridor_sim.corridor import Corridor, with_stops
from corridor_sim.demand import build_demand, sample_passengers
from corridor_sim.engine.bus_traffic import buses_in_traffic
from corridor_sim.engine.on_demand_day import covers
from corridor_sim.engine.operations import plan_operations, served_pairs, with_buses_in_traffic
from corridor_sim.engine.simulation import Simulation
from corridor_sim.engine.trace import Trace
from corridor_sim.paratransit.baseline import match_demand, minibus_baseline, stop_demand
from corridor_sim.resolve import resolve_warm_up
from corridor_sim.scenario import load_scenario
from corridor_sim.time_saved import minibus_share


def _same(a: Trace, b: Trace) -> None:
    pd.testing.assert_frame_equal(a.stops, b.stops, check_exact=True)
    pd.testing.assert_frame_equal(a.trips, b.trips, check_exact=True)
    pd.testing.assert_frame_equal(a.passes, b.passes, check_exact=True)
    for name in ("board_s", "board_trip", "left_behind", "alight_s"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a.end_s, a.fleet_used) == (b.end_s, b.fleet_used)


def _both_passes(city: str, corridors: dict[str, Corridor], fleet: int | None = None, berths: int | None = None, **period) -> int:
    """Run today's minibuses of ``city`` on both engines, both passes through the traffic; the stops made."""
    scenario = load_scenario(PRESETS[city], {f"period.{k}": v for k, v in period.items()})
    demand = build_demand(scenario)
    baseline = minibus_baseline(scenario, corridors[city])
    od = stop_demand(baseline, demand, demand.peak_od_pax_h * minibus_share(scenario))
    baseline = match_demand(baseline, od.peak_od_pax_h, scenario.paratransit.design_load)
    minibus, corridor = baseline.scenario, baseline.corridor
    if fleet is not None:
        minibus = minibus.model_copy(update={"fleet": fleet})
    if berths is not None:
        corridor = with_stops(
            corridor, corridor.station_chainage_m, list(corridor.station_name), berths=berths, passing_lane=True
        )
    minibus = resolve_warm_up(minibus, corridor, od)
    demand_rng, timetable_rng, signal_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(minibus.seed).spawn(3))
    ops = plan_operations(minibus, corridor, timetable_rng, signal_rng)
    assert covers(ops)
    arrivals = od.held_in_warm_up(ops.run_start_s, ops.start_s)
    passengers = sample_passengers(
        arrivals, ops.run_start_s, ops.end_s, served_pairs(ops, len(corridor.station_name)), demand_rng
    )
    stops = 0
    for _ in range(2):
        compiled = Simulation(corridor, ops, passengers).run()
        simpy_run = Simulation(corridor, ops, passengers, compiled=False).run()
        _same(compiled, simpy_run)
        stops += len(compiled.stops)
        buses = buses_in_traffic(corridor, ops.layouts, compiled.stops, minibus.traffic.bus_pcu)
        if buses is None:
            break
        ops = with_buses_in_traffic(ops, buses)
    return stops


@pytest.mark.parametrize("city", ["kampala", "addis_ababa"])
def test_the_compiled_minibus_day_is_the_simpy_one(city: str, corridors: dict[str, Corridor]) -> None:
    assert _both_passes(city, corridors) > 1000


def test_equal_with_buses_waiting_for_a_bus_and_for_a_berth(corridors: dict[str, Corridor]) -> None:
    assert _both_passes("kampala", corridors, fleet=60, berths=1, end="08:00", finish_trips=False) > 100


def test_the_brt_is_not_for_the_compiled_loop(corridors: dict[str, Corridor]) -> None:
    scenario = load_scenario(PRESETS["kampala"])
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(0).spawn(2)]
    ops = plan_operations(resolve_warm_up(scenario, corridors["kampala"], build_demand(scenario)), corridors["kampala"], *rngs)
    assert not covers(ops)
    assert not covers(
        replace(
            ops, services=tuple(replace(plan, on_demand=True) for plan in ops.services), passing_lane=ops.passing_lane & False
        )
    )
