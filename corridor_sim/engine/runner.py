"""One simulation run: plan the operations, draw the passengers, run the SimPy model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corridor_sim.corridor import Corridor
from corridor_sim.demand import Demand, build_demand, sample_passengers
from corridor_sim.engine.bus_traffic import buses_in_traffic
from corridor_sim.engine.operations import Operations, plan_operations, served_pairs, with_buses_in_traffic
from corridor_sim.engine.simulation import Simulation
from corridor_sim.engine.trace import Trace
from corridor_sim.scenario import Scenario


@dataclass(frozen=True)
class Run:
    """A finished run: its inputs and its trace."""

    scenario: Scenario
    corridor: Corridor
    operations: Operations
    demand: Demand
    served: np.ndarray
    trace: Trace


def simulate(scenario: Scenario, corridor: Corridor, demand: Demand | None = None) -> Run:
    """Run a scenario on its corridor.

    The scenario's seed starts three independent random streams: passenger arrivals, irregular
    headways and signal offsets. The same scenario and seed give the same run. Where buses run
    in mixed traffic the run couples them with it (:mod:`corridor_sim.engine.bus_traffic`): the
    traffic is run again with the first pass's buses in it, then the buses again in that traffic.

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
    demand_rng, timetable_rng, signal_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(scenario.seed).spawn(3))
    operations = plan_operations(scenario, corridor, timetable_rng, signal_rng)
    demand = demand if demand is not None else build_demand(scenario)
    served = served_pairs(operations, len(corridor.station_name))
    passengers = sample_passengers(demand, operations.start_s, operations.end_s, served, demand_rng)
    trace = Simulation(corridor, operations, passengers).run()
    if operations.traffic.active.any():
        buses = buses_in_traffic(corridor, operations.layouts, trace.stops, scenario.traffic.bus_pcu)
        if buses is not None:
            operations = with_buses_in_traffic(operations, buses)
            trace = Simulation(corridor, operations, passengers).run()
    return Run(scenario=scenario, corridor=corridor, operations=operations, demand=demand, served=served, trace=trace)
