"""corridor-sim against Eclipse SUMO on the same line: Addis Ababa Bole Road, 07:00-10:00.

Needs the ``bench`` extra (``pip install -e '.[bench]'``: the ``eclipse-sumo`` wheel). From the
repository root::

    CORRIDOR_SIM_DATA=../shared/data CORRIDOR_SIM_OFFLINE=1 python benchmarks/sumo_compare.py

It runs the line once in corridor-sim, converts the same OSM extract with netconvert, hands SUMO
the run's departures, passengers and signal offsets, then runs SUMO micro and meso and
corridor-sim three times each. It prints the comparison table and the line
``speed-up vs SUMO micro: N.Nx`` (SUMO micro's own "Duration" over corridor-sim's engine time,
medians), and with ``--readme`` writes the table into benchmarks/README.md.

SUMO's files go to ``--work`` (a temporary folder by default); they derive from the ODbL
extract and are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _readme import write_between
from _timing import timed
from sumo_peer.inputs import write_inputs
from sumo_peer.line import SCENARIO, load_line, run_figures
from sumo_peer.network import binary, build_network, sumo_version
from sumo_peer.outputs import sumo_duration_s, sumo_figures

from corridor_sim.data import data_file
from corridor_sim.emissions.factors import bus_class
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.network.osm import covering_extracts

TABLE_START, TABLE_END = "<!-- sumo-table -->", "<!-- /sumo-table -->"
#: Rows of the table: key, label, decimals.
ROWS = [
    ("run_time_s_0", "bus run time, Meskel -> Bole Dildiy (s, mean)", 1),
    ("run_time_s_1", "bus run time, Bole Dildiy -> Meskel (s, mean)", 1),
    ("dwell_s", "dwell per stop (s, mean)", 2),
    ("wait_s", "passenger wait (s, mean of boarded)", 1),
    ("bus_co2_kg", "bus CO2 (kg, all trips)", 1),
    ("bus_nox_kg", "bus NOx (kg, all trips)", 2),
    ("trips", "bus trips with all 7 stops", 0),
    ("boarded_pax", "passengers boarded", 0),
    ("sim_s", "simulation time (s, median of 3)", 3),
    ("process_s", "whole process (s, median of 3)", 2),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each for the wall times (median)")
    parser.add_argument("--work", type=Path, default=None, help="folder for SUMO's files (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep SUMO's files")
    parser.add_argument("--readme", action="store_true", help="write the table into benchmarks/README.md")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="corridor-sim-sumo-"))

    scenario, corridor = load_line()
    engine_s, run = timed(lambda: simulate(scenario, corridor), args.repeat)
    ours = run_figures(run) | {"sim_s": engine_s, "process_s": _median_wall(_corridor_sim_command(work), args.repeat)}

    extract = covering_extracts(scenario.city, list(corridor.station_lat), list(corridor.station_lon))[0].file
    t0 = time.perf_counter()
    spec = scenario.corridor
    line = build_network(data_file(extract), corridor, work, berth_length_m=18.0 + 2.5, berths=spec.berths)
    print(f"netconvert and the line on SUMO's network: {time.perf_counter() - t0:.1f} s (not timed below)")
    emission_class = bus_class(run.operations.fleets[0].vehicle.name, run.operations.fleets[0].propulsion)
    sumo = {}
    for name, meso in (("micro", False), ("meso", True)):
        config = write_inputs(run, line, emission_class, work, meso)
        logs, walls = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            done = subprocess.run([binary("sumo"), "-c", str(config)], capture_output=True, text=True, cwd=work, check=True)
            walls.append(time.perf_counter() - t)
            logs.append(done.stdout)
        figures = sumo_figures(work / name, len(corridor.station_name), logs[-1])
        sim = [sumo_duration_s(log) for log in logs]
        sumo[name] = figures | {"sim_s": statistics.median(sim), "process_s": statistics.median(walls)}

    table = comparison_table(ours, sumo["micro"], sumo["meso"])
    speedup = sumo["micro"]["sim_s"] / ours["sim_s"]
    notes = explanations(run, sumo["micro"])
    print(table)
    print(notes)
    print(f"speed-up vs SUMO micro: {speedup:.1f}x")
    print(
        f"whole process: corridor-sim {ours['process_s']:.2f} s, SUMO meso {sumo['meso']['process_s']:.2f} s, micro {sumo['micro']['process_s']:.2f} s"
    )
    print(f"SUMO teleports: micro {sumo['micro']['teleports']:.0f}, meso {sumo['meso']['teleports']:.0f}")
    if args.readme:
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SUMO {sumo_version()}"
        write_between(
            TABLE_START,
            TABLE_END,
            f"{table}\n\n{notes}\n\n`speed-up vs SUMO micro: {speedup:.1f}x` ({machine}; {time.strftime('%Y-%m-%d')})\n",
        )
    if args.work is None and not args.keep:
        shutil.rmtree(work)
    else:
        print(f"SUMO's files are in {work}; they derive from OSM data (ODbL): keep them out of the repository")


def explanations(run: Run, micro: dict[str, float]) -> str:
    """The dwell difference recomputed under SUMO's rule, from corridor-sim's own run.

    SUMO boards and alights one passenger after another at ``boarding_s / door channels`` each,
    with no door time; corridor-sim adds the doors and rounds up per channel. (Starts from rest
    are in corridor-sim's emissions since issue 20: ``benchmarks/start_emissions.py``.)
    """
    stops, ops = run.trace.stops, run.operations
    per_pax_s = ops.fleets[0].dwell.boarding_s / ops.fleets[0].dwell.boarding_channels
    sequential = ((stops["alighted"] + stops["boarded"]) * per_pax_s).mean()
    return (
        f"- corridor-sim's dwell under SUMO's rule (all passengers in one stream, {per_pax_s:.3f} s each, "
        f"no door time): {sequential:.2f} s (SUMO micro {micro['dwell_s']:.2f} s; SUMO counts whole 1 s steps)"
    )


def _corridor_sim_command(work: Path) -> list[str]:
    """The product's own command for the line, tables but no figures (SUMO draws none either)."""
    return [sys.executable, "-m", "corridor_sim.cli", "run", str(SCENARIO), "--no-plots", "--out", str(work / "corridor_sim_run")]


def _median_wall(command: list[str], repeat: int) -> float:
    walls = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def comparison_table(ours: dict[str, float], micro: dict[str, float], meso: dict[str, float]) -> str:
    """Markdown table: each figure for corridor-sim, SUMO micro and meso, and corridor-sim's ratio to each."""
    lines = [
        "| figure | corridor-sim | SUMO micro | SUMO meso | corridor-sim / micro | corridor-sim / meso |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label, digits in ROWS:
        a, b, c = ours[key], micro[key], meso[key]
        ratio = _speed if key in ("sim_s", "process_s") else _ratio
        lines.append(f"| {label} | {a:,.{digits}f} | {b:,.{digits}f} | {c:,.{digits}f} | {ratio(a, b)} | {ratio(a, c)} |")
    return "\n".join(lines)


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3f}" if b else "-"


def _speed(ours: float, theirs: float) -> str:
    """A time ratio as corridor-sim's speed: ``N.Nx faster`` (or slower)."""
    return f"{theirs / ours:.1f}x faster" if theirs >= ours else f"{ours / theirs:.1f}x slower"


if __name__ == "__main__":
    main()
