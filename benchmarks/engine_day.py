"""Engine benchmark: a preset's full run, warm and first-run (numba compile), time and memory.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/engine_day.py [scenario.toml] [--repeat 5]

It runs three phases in fresh processes so the numba cache is what a user has:

1. ``cold``: an empty numba cache (``NUMBA_CACHE_DIR`` in a temporary folder): the first run
   compiles the kernels;
2. ``cached``: a new process with that cache: the first run loads the compiled kernels;
3. ``warm``: in that process, the run repeated (median).

Times are for :func:`corridor_sim.engine.runner.simulate` (passenger draw, SimPy model, kernels)
and :func:`corridor_sim.indicators.summarize`; building the corridor (GTFS / OSM reading) and
imports are reported apart.
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
import tracemalloc
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios/nairobi/thika_road_brt.toml"


def measure(scenario_file: str, repeat: int) -> dict:
    """Run in this process: import, corridor, first run, then ``repeat`` warm runs."""
    t0 = time.perf_counter()
    from corridor_sim.corridor import build_corridor
    from corridor_sim.engine.runner import simulate
    from corridor_sim.indicators import summarize
    from corridor_sim.scenario import load_scenario

    imports = time.perf_counter() - t0
    scenario = load_scenario(scenario_file)
    t0 = time.perf_counter()
    corridor = build_corridor(scenario)
    build = time.perf_counter() - t0

    def once() -> tuple[float, float, object]:
        t0 = time.perf_counter()
        run = simulate(scenario, corridor)
        t1 = time.perf_counter()
        summarize(run, "bench")
        return t1 - t0, time.perf_counter() - t1, run

    first_sim, first_summary, run = once()
    warm = [once()[:2] for _ in range(repeat)]
    tracemalloc.start()
    simulate(scenario, corridor)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sim = statistics.median(w[0] for w in warm)
    return {
        "imports_s": imports,
        "corridor_s": build,
        "first_simulate_s": first_sim,
        "first_summary_s": first_summary,
        "warm_simulate_s": sim,
        "warm_summary_s": statistics.median(w[1] for w in warm),
        "passengers": len(run.trace.passengers),
        "stop_events": len(run.trace.stops),
        "trips": len(run.trace.trips),
        "passengers_per_s": len(run.trace.passengers) / sim,
        "simulate_peak_alloc_mb": peak / 2**20,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.scenario, args.repeat)))
        return
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "NUMBA_NUM_THREADS": "1"}
        cmd = [sys.executable, __file__, args.scenario, "--repeat", str(args.repeat), "--child"]
        if sys.platform == "linux":
            cmd = ["taskset", "-c", "0", *cmd]  # one core
        cold = json.loads(
            subprocess.run(cmd[:-3] + ["--repeat", "1", "--child"], env=env, check=True, capture_output=True, text=True).stdout
        )
        cached = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, pinned to one core"
    )
    print(f"scenario: {args.scenario}")
    print(f"passengers {cached['passengers']}, bus trips {cached['trips']}, stop events {cached['stop_events']}")
    print(f"imports {cached['imports_s']:.2f} s, corridor build {cached['corridor_s']:.2f} s")
    print(f"first run, empty numba cache (compile): simulate {cold['first_simulate_s']:.2f} s")
    print(f"first run, numba cache on disk:         simulate {cached['first_simulate_s']:.2f} s")
    print(
        f"warm (median of {args.repeat}): simulate {cached['warm_simulate_s']:.3f} s + summary {cached['warm_summary_s']:.3f} s"
    )
    print(f"passengers per second (warm simulate): {cached['passengers_per_s']:,.0f}")
    print(
        f"peak memory: simulate allocates {cached['simulate_peak_alloc_mb']:.0f} MB at most; process max RSS {cached['max_rss_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
