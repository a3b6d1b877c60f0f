"""Minibus baseline on demand (issue 21): today's minibus run of the Nairobi mode-shift day, and the whole command.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/minibus_on_demand.py [--repeat 3] [--all-stop] [--no-command]

1. Today's minibus service of ``scenarios/nairobi/thika_road_brt_mode_shift.toml`` is built as the
   mode shift builds it (GTFS routes along Thika Road, frequencies matched to today's riders) and
   simulated, coupled with the traffic (two passes), in this process after a warm-up run, median
   of ``--repeat``: the stop events, the passes of full minibuses, wall and CPU time. With
   ``--all-stop`` also with every minibus stopping at every stop of its route
   (``paratransit.stops_on_demand = false``, the model before issue 21; about a minute a run).
2. The whole command ``corridor-sim run <scenario> --out <temporary folder>`` (figures included)
   and the same with ``--no-plots``, each in a fresh process, median of ``--repeat``: wall time and
   the process's user + system CPU time.
3. With ``--baseline-ratio``: the plain preset ``scenarios/nairobi/thika_road_brt.toml --no-plots --json``
   with today's minibuses and with ``--no-baseline``, alternately, and their ratio (target: under 2).

The machine is shared: the CPU time is the steadier figure; the load average is printed with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO / "scenarios/nairobi/thika_road_brt_mode_shift.toml"
PLAIN = REPO / "scenarios/nairobi/thika_road_brt.toml"
sys.path.insert(0, str(REPO))  # this checkout's corridor_sim, as the timed command runs it


def minibus_runs(scenario_path: Path, stops_on_demand: bool, repeat: int) -> dict[str, float | int]:
    """Today's minibus run of the scenario: its size and its median wall and CPU time (s)."""
    from corridor_sim.corridor import build_corridor
    from corridor_sim.demand import build_demand
    from corridor_sim.engine.runner import simulate
    from corridor_sim.mode_choice.equilibrium import MINIBUS, today_mode_shares
    from corridor_sim.paratransit.baseline import match_demand, minibus_baseline, stop_demand
    from corridor_sim.scenario import load_scenario

    scenario = load_scenario(scenario_path, {"paratransit.stops_on_demand": stops_on_demand})
    corridor = build_corridor(scenario)
    demand = build_demand(scenario)
    service = minibus_baseline(scenario, corridor)
    od = stop_demand(service, demand, demand.peak_od_pax_h * today_mode_shares(scenario)[MINIBUS])
    service = match_demand(service, od.peak_od_pax_h, scenario.paratransit.design_load)
    run = simulate(service.scenario, service.corridor, od)  # warm-up: kernels from numba's cache
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run = simulate(service.scenario, service.corridor, od)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    trace = run.trace
    return {
        "stops_on_demand": stops_on_demand,
        "routes": len(service.scenario.services),
        "trips": len(trace.trips),
        "stop_events": len(trace.stops),
        "stops_per_trip": round(len(trace.stops) / len(trace.trips), 2),
        "full_minibus_passes": len(trace.passes),
        "passengers": len(trace.passengers),
        "simulate_wall_s": round(statistics.median(walls), 2),
        "simulate_cpu_s": round(statistics.median(cpus), 2),
    }


def command(scenario_path: Path, extra: list[str], repeat: int) -> dict[str, float | str]:
    """``corridor-sim run`` of the scenario in a fresh process: median wall and CPU time (s)."""
    walls, cpus = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "corridor_sim.cli", "run", str(scenario_path), "--out", str(Path(out) / "run"), *extra],
                check=True,
                stdout=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": str(REPO)},
            )
            walls.append(time.perf_counter() - wall)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {
        "command": " ".join(["corridor-sim run", str(scenario_path.relative_to(REPO)), *extra]),
        "wall_s": round(statistics.median(walls), 1),
        "cpu_s": round(statistics.median(cpus), 1),
        "runs_wall_s": [round(w, 1) for w in walls],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all-stop", action="store_true", help="also time every minibus stopping at every stop")
    parser.add_argument("--no-command", action="store_true", help="only the minibus runs, not the whole command")
    parser.add_argument("--baseline-ratio", action="store_true", help="also time the plain preset with and without its baseline")
    args = parser.parse_args()
    path = Path(args.scenario).resolve()
    result: dict[str, object] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average": os.getloadavg(),
        "minibus": [minibus_runs(path, True, args.repeat)],
    }
    if args.all_stop:
        result["minibus"].append(minibus_runs(path, False, 1))
    if not args.no_command:
        result["command"] = [command(path, [], args.repeat), command(path, ["--no-plots"], args.repeat)]
    if args.baseline_ratio:
        runs = [
            command(PLAIN, extra, 1)
            for _ in range(args.repeat)
            for extra in (["--no-plots", "--json"], ["--no-plots", "--json", "--no-baseline"])
        ]
        with_baseline = statistics.median(r["wall_s"] for r in runs[0::2])
        alone = statistics.median(r["wall_s"] for r in runs[1::2])
        result["baseline_ratio"] = {
            "with_baseline_wall_s": [r["wall_s"] for r in runs[0::2]],
            "with_baseline_cpu_s": [r["cpu_s"] for r in runs[0::2]],
            "no_baseline_wall_s": [r["wall_s"] for r in runs[1::2]],
            "no_baseline_cpu_s": [r["cpu_s"] for r in runs[1::2]],
            "ratio_of_medians": round(with_baseline / alone, 2),
        }
    result["load_average_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
