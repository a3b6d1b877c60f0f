"""One simulation run: resolve the warm-up, plan the operations, draw the passengers, run the SimPy model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corridor_sim.corridor import Corridor
from corridor_sim.demand import Demand, build_demand, sample_passengers
from corridor_sim.engine.bus_traffic import buses_in_traffic
from corridor_sim.engine.operations import Operations, plan_operations, served_pairs, with_buses_in_traffic
from corridor_sim.engine.simulation import Simulation
from corridor_sim.engine.trace import Trace
from corridor_sim.resolve import resolve_warm_up
from corridor_sim.scenario import Scenario


@dataclass(frozen=True)
class Run:
    """A finished run: its inputs and its trace.

    ``scenario`` is the scenario as run: its warm-up resolved (:func:`corridor_sim.resolve.resolve_warm_up`).
    ``trace`` is what counts (after a warm-up, from the period's start: :meth:`Trace.counted_from`);
    ``simulated`` everything the engine ran, the warm-up included (the same object without one).
    """

    scenario: Scenario
    corridor: Corridor
    operations: Operations
    demand: Demand
    served: np.ndarray
    trace: Trace
    simulated: Trace


def simulate(scenario: Scenario, corridor: Corridor, demand: Demand | None = None) -> Run:
    """Run a scenario on its corridor.

    The scenario's seed starts three independent random streams: passenger arrivals, irregular
    headways and signal offsets. The same scenario and seed give the same run. Where buses run
    in mixed traffic the run couples them with it (:mod:`corridor_sim.engine.bus_traffic`): the
    traffic is run again with the first pass's buses in it, then the buses again in that traffic.
    Buses, traffic and passengers start ``period.warm_up_min`` before the period (its default
    resolved here, on the corridor); the run's trace counts from the period's start
    (:mod:`corridor_sim.engine.warm_up`).

    Parameters
    ----------
    scenario
        The validated scenario (its ``seed`` is used).
    corridor
        The scenario's corridor.
    demand
        OD flows by time; the scenario's ``[demand]`` if not given.

    Returns
    -------
    Run
        The trace and what produced it.
    """
    demand = demand if demand is not None else build_demand(scenario)
    scenario = resolve_warm_up(scenario, corridor, demand)
    demand_rng, timetable_rng, signal_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(scenario.seed).spawn(3))
    operations = plan_operations(scenario, corridor, timetable_rng, signal_rng)
    served = served_pairs(operations, len(corridor.station_name))
    start = operations.start_s
    arrivals = demand.held_in_warm_up(operations.run_start_s, start)
    passengers = sample_passengers(arrivals, operations.run_start_s, operations.end_s, served, demand_rng)
    trace = Simulation(corridor, operations, passengers).run()
    if operations.traffic.active.any():
        buses = buses_in_traffic(corridor, operations.layouts, trace.stops, scenario.traffic.bus_pcu)
        if buses is not None:
            operations = with_buses_in_traffic(operations, buses)
            trace = Simulation(corridor, operations, passengers).run()
    counted = trace if operations.warm_up_s == 0 else trace.counted_from(start, operations.run_start_s)
    return Run(
        scenario=scenario, corridor=corridor, operations=operations, demand=demand, served=served, trace=counted, simulated=trace
    )
