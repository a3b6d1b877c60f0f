"""Emissions and safety benchmark: their cost on a full service day, against the simulation.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/impacts_day.py [scenario.toml] [--repeat 5]

In one process (numba kernels from the on-disk cache, compiled by a first call), it times the
preset's run and, warm (median of ``--repeat``): the travel rows (bus legs replayed by segment,
general traffic, baseline), the emission inventory, the safety model with its Monte Carlo, and
:func:`corridor_sim.evaluation.evaluate` as a whole. It also times the emission kernel against
the same arithmetic in a plain Python loop over 20,000 rows, as a ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import numpy as np
from _timing import timed

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios/nairobi/thika_road_brt.toml"


def python_emissions(cls, speed, km, idle, coef, idle_per_s, v_min, v_max) -> np.ndarray:
    """The kernel's hot and idle arithmetic in plain Python, for the ratio."""
    out = np.zeros((len(cls), 4))
    for i in range(len(cls)):
        v = min(max(speed[i], v_min), v_max)
        for p in range(4):
            a, b, g, d = coef[cls[i], p]
            out[i, p] = (a * v * v + b * v + g + d / v) * km[i] + idle_per_s[cls[i], p] * idle[i]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from corridor_sim.corridor import build_corridor
    from corridor_sim.emissions.factors import V_MAX_KMH, V_MIN_KMH
    from corridor_sim.emissions.inventory import emit, scenario_factors, segment_emissions
    from corridor_sim.engine.runner import simulate
    from corridor_sim.evaluation import evaluate
    from corridor_sim.indicators import segment_loads
    from corridor_sim.safety.model import assess_safety
    from corridor_sim.scenario import load_scenario
    from corridor_sim.vehicle_travel import alternatives, leg_segments

    scenario = load_scenario(args.scenario)
    corridor = build_corridor(scenario)
    run = simulate(scenario, corridor)
    evaluate(run, "bench", all_tables=False)  # first call: kernels load or compile
    loads = segment_loads(run)
    t_sim, _ = timed(lambda: simulate(scenario, corridor), max(args.repeat // 2, 1))
    t_legs, pieces = timed(lambda: leg_segments(run), args.repeat)
    t_travel, travel = timed(lambda: alternatives(run, loads), args.repeat)
    t_emissions, _ = timed(lambda: segment_emissions(travel, scenario), args.repeat)
    t_safety, _ = timed(lambda: assess_safety(run, travel), args.repeat)
    t_evaluate, _ = timed(lambda: evaluate(run, "bench", all_tables=False), args.repeat)

    rows = travel["scenario"].iloc[:20_000]
    factors, grid = scenario_factors(scenario)
    index = {n: i for i, n in enumerate(factors.names)}
    cls = rows["vehicle_class"].map(index).to_numpy(np.int64)
    args_py = (
        cls.tolist(),
        rows["speed_kmh"].tolist(),
        rows["distance_km"].tolist(),
        rows["idle_s"].tolist(),
        factors.coef,
        factors.idle_per_s,
        V_MIN_KMH,
        V_MAX_KMH,
    )
    t_python, _ = timed(lambda: python_emissions(*args_py), 3)
    t_kernel, _ = timed(lambda: emit(rows, factors, grid), args.repeat)

    report = {
        "machine": f"{platform.machine()} {platform.processor() or ''} {platform.python_implementation()} {platform.python_version()}".strip(),
        "scenario": scenario.name,
        "bus_legs": int(pieces["leg"].nunique()),
        "leg_segment_rows": len(pieces),
        "travel_rows": {k: len(v) for k, v in travel.items()},
        "simulate_s": round(t_sim, 3),
        "replay_legs_s": round(t_legs, 3),
        "travel_rows_s": round(t_travel, 3),
        "emission_inventory_s": round(t_emissions, 3),
        "safety_with_monte_carlo_s": round(t_safety, 3),
        "safety_draws": scenario.safety.draws,
        "evaluate_s": round(t_evaluate, 3),
        "evaluate_over_simulate": round(t_evaluate / t_sim, 2),
        "emission_rows_python_loop_s": round(t_python, 3),
        "emission_rows_kernel_s": round(t_kernel, 4),
        "kernel_speedup_vs_python": round(t_python / t_kernel, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
