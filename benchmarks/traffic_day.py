"""The general traffic model on a Nairobi day: its cost per cell and step, and the day's simulation (issue 19).

Usage (from the repo root)::

    CORRIDOR_SIM_DATA=../shared/data taskset -c 1 python benchmarks/traffic_day.py [--repeat 5]

Warm (numba cache on disk, median of ``--repeat``): the cell transmission model of both directions
of Thika Road over the preset's day (05:00-23:00, 30 minutes of lead and two hours after), and the
whole ``simulate`` of the day (traffic, buses, passengers), which must stay under 2 s; and the
same day with the buses in mixed traffic, where the run couples them with the traffic (a second
traffic and bus pass: :mod:`corridor_sim.engine.bus_traffic`).
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np
from _timing import timed

PRESET = Path(__file__).resolve().parents[1] / "scenarios/nairobi/thika_road_brt.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from corridor_sim.corridor import build_corridor, corridor_from_alignment
    from corridor_sim.engine import traffic
    from corridor_sim.engine.layout import direction_signals
    from corridor_sim.engine.runner import simulate
    from corridor_sim.scenario import load_scenario

    scenario = load_scenario(PRESET)
    corridor = build_corridor(scenario)
    signals = direction_signals(corridor, np.random.default_rng(1))
    start, end = scenario.period.start_s, scenario.period.end_s
    run_traffic = lambda: traffic.simulate_traffic(corridor, scenario.traffic, signals, start, end)  # noqa: E731
    run_traffic()
    t_traffic, state = timed(run_traffic, args.repeat)
    cells = sum(len(d.cells.length_m) for d in state.directions)
    steps = int(np.ceil((end + traffic.TAIL_S - max(start - traffic.LEAD_S, 0.0)) / traffic.STEP_S))
    simulate(scenario, corridor)
    t_sim, run = timed(lambda: simulate(scenario, corridor), args.repeat)
    t_summary, _ = timed(lambda: traffic.traffic_summary(run.operations.traffic), args.repeat)
    mixed = load_scenario(PRESET, {"corridor.running_way": "mixed_traffic"})
    mixed_corridor = corridor_from_alignment(mixed, corridor.alignment)
    simulate(mixed, mixed_corridor)
    t_mixed, mixed_run = timed(lambda: simulate(mixed, mixed_corridor), args.repeat)
    closed = sum(b.blocking_h for b in mixed_run.operations.traffic.buses)
    rows = [
        ("machine", f"{platform.machine()}, Python {platform.python_version()}"),
        ("cells (both directions) x steps", f"{cells} x {steps:,} = {cells * steps / 1e6:.1f} M cell-steps"),
        ("traffic model, both directions", f"{t_traffic:.3f} s ({t_traffic / (cells * steps) * 1e9:.0f} ns per cell and step)"),
        ("traffic summary (queues, checks)", f"{t_summary * 1000:.0f} ms"),
        ("whole simulate of the day (traffic, 2,152 bus trips, 252,711 passengers)", f"{t_sim:.2f} s"),
        (
            "the same day in mixed traffic, buses coupled with it (two passes)",
            f"{t_mixed:.2f} s ({closed:,.0f} kerb lane-hours closed)",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
