"""Mode-shift benchmark: what the fixed point costs on a full service day, against one simulation.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/mode_shift.py [scenario.toml] [--repeat 3]

In one process (numba kernels from the on-disk cache, compiled by a first call), warm, median of
``--repeat``: one BRT simulation (for scale), building today's minibus service from GTFS, its
simulation, the walking distances and catchments, one round of level of service + generalized
cost + logit (the part of an iteration that is not the simulation), and
:func:`corridor_sim.mode_choice.equilibrium.shift_modes` as a whole, with its iterations.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np
from _timing import timed

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios/nairobi/thika_road_brt_mode_shift.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from corridor_sim.corridor import build_corridor
    from corridor_sim.demand import build_demand
    from corridor_sim.engine.runner import simulate
    from corridor_sim.mode_choice.access import walk_distances, zone_access
    from corridor_sim.mode_choice.costs import generalized_cost_min
    from corridor_sim.mode_choice.equilibrium import MINIBUS, shift_modes, today_mode_shares
    from corridor_sim.mode_choice.logit import logit_shares
    from corridor_sim.mode_choice.service_levels import service_levels
    from corridor_sim.paratransit.baseline import match_demand, minibus_baseline, stop_demand
    from corridor_sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    corridor = build_corridor(scenario)
    shift = shift_modes(scenario, corridor)  # warm-up: compiles or loads the kernels, caches the walk graph
    demand = build_demand(scenario)
    target = today_mode_shares(scenario)

    t_sim, run = timed(lambda: simulate(scenario, corridor), args.repeat)
    t_build, minibus = timed(lambda: minibus_baseline(scenario, corridor), args.repeat)
    stop_od = stop_demand(minibus, demand, demand.peak_od_pax_h * target[MINIBUS])
    minibus = match_demand(minibus, stop_od.peak_od_pax_h, scenario.paratransit.design_load)
    t_minibus, minibus_run = timed(lambda: simulate(minibus.scenario, minibus.corridor, stop_od), args.repeat)
    chain = minibus.stops["chainage_m"].to_numpy()
    t_walk, distances = timed(lambda: walk_distances(scenario, corridor, chain), args.repeat)
    access = zone_access(scenario, corridor, distances, "scenario")
    minibus_levels = service_levels(minibus_run)

    def one_round() -> np.ndarray:
        cost = generalized_cost_min(scenario, corridor, access, minibus_levels, minibus.station_stop, service_levels(run), False)
        return logit_shares(cost, shift.constants, scenario.mode_choice.scale_per_min)

    t_round, _ = timed(one_round, args.repeat)
    t_shift, shift = timed(lambda: shift_modes(scenario, corridor), args.repeat)
    result = {
        "scenario": scenario.name,
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
        "stations": len(corridor.station_name),
        "minibus_routes": len(minibus.routes),
        "minibus_stops": len(minibus.stops),
        "trip_ends": len(distances.points),
        "iterations": len(shift.iterations),
        "simulate_s": round(t_sim, 3),
        "minibus_build_s": round(t_build, 3),
        "minibus_simulate_s": round(t_minibus, 3),
        "walk_distances_s": round(t_walk, 3),
        "cost_and_logit_round_s": round(t_round, 4),
        "shift_modes_s": round(t_shift, 3),
        "shift_over_simulate": round(t_shift / t_sim, 2),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
