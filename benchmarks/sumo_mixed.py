"""Buses in mixed traffic on Addis Ababa Bole Road: corridor-sim against Eclipse SUMO micro (meso for timing too).

Needs the ``bench`` extra (``pip install -e '.[bench]'``: the ``eclipse-sumo`` wheel). From the
repository root::

    CORRIDOR_SIM_DATA=../shared/data CORRIDOR_SIM_OFFLINE=1 python benchmarks/sumo_mixed.py [--volumes 400,800] [--readme]

The line of ``benchmarks/sumo_compare.py`` (07:00-10:00, the same buses, passengers and
signals) with no bus lane: the buses run with the cars and stop on the rightmost through lane
(``sumo_peer/bole_road_mixed_3h.toml``; nothing turns off at the junctions). For each volume
(cars/h/lane, ``traffic.volume_vph_per_lane``) it runs corridor-sim once in the process for the
figures and once as ``corridor-sim run`` for the wall time, writes SUMO's inputs from that run
and runs SUMO micro and meso. The cars enter each direction at the volume times the lanes of
that direction's first segment, from 30 minutes before the period (corridor-sim's lead, cars
only) to two hours after it (its tail), as corridor-sim's traffic model feeds them.

The figures, defined the same way in both tools (per direction where it says so):

- bus run time: first station's doors closing to last station's doors opening, mean over the
  buses that made all stops (SUMO inserts a bus at its first stop when that lane has room for
  it, so where the cars' queue reaches the entry some buses start late or never); dwell per
  stop: mean over all stop events;
- car travel time over the corridor: mean over the cars entering in the period. SUMO: the
  cars' tripinfo ``duration`` (insertion to arrival; the cars inserted in the period that had not
  arrived when SUMO stopped are left out and counted). corridor-sim: the traffic bins' segment
  travel times (:meth:`~corridor_sim.engine.traffic.DirectionTraffic.travel_time_s`) chained
  along the road from each minute's entry, weighted by the vehicles leaving the first cell in
  that minute's bin. Neither counts the wait to enter;
- car delay: SUMO's ``timeLoss``; corridor-sim's travel time less the free time (length over the
  speed limit);
- longest queued road length (m): SUMO, at each ``--queue-output`` step (every 60 s), per edge of
  the route the longest lane queue (``queueing_length``: the lane's end back to its last vehicle
  under ``--queue-output.speed-threshold``, 1.39 m/s), summed over the route's edges;
  corridor-sim, at each density snapshot (every 60 s), the lengths of the cells denser than
  1.05 x the density at capacity (as ``traffic_summary`` counts queued cells), summed; both the
  maximum over the period;
- cars waiting to enter at the period's end: SUMO, the flow's cars due by then less those
  inserted; corridor-sim, its entry queue;
- SUMO's teleports over the whole run; the state is "gridlocked" where SUMO teleports or cars
  wait to enter (corridor-sim: cars waiting to enter, its own check; "queue over capacity"
  where a queue did not clear for 15 minutes);
- whole process (s): ``corridor-sim run <scenario> --set ... --no-plots --out ...`` against
  ``sumo -c micro.sumocfg`` and ``sumo -c meso.sumocfg`` (median of ``--repeat``). SUMO meso
  has one queue per edge (see :func:`sumo_peer.inputs.write_inputs`) and no queue output.

The six volumes take about 40 minutes on two cores, SUMO micro most of it (its insertion
backlog grows with the volume).

It prints the table, and with ``--readme`` writes it into benchmarks/README.md. SUMO's files
go to ``--work`` (a temporary folder by default); they derive from the ODbL extract and are
deleted at the end unless ``--keep``.
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
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from _readme import write_between
from sumo_compare import _median_wall
from sumo_peer.inputs import write_inputs
from sumo_peer.line import run_figures
from sumo_peer.network import LineNetwork, binary, build_network, sumo_version
from sumo_peer.outputs import car_figures, queued_length_m, sumo_figures, sumo_insertion

from corridor_sim.corridor import Corridor, build_corridor
from corridor_sim.data import data_file
from corridor_sim.emissions.factors import bus_class
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.engine.traffic import SNAPSHOT_S, DirectionTraffic, time_bin, traffic_summary
from corridor_sim.network.osm import covering_extracts
from corridor_sim.scenario import load_scenario

SCENARIO = Path(__file__).with_name("sumo_peer") / "bole_road_mixed_3h.toml"
VOLUME_KEY = "traffic.volume_vph_per_lane.07:00"
VOLUMES_VPH = (200, 300, 400, 800, 1200, 1600)
TABLE_START, TABLE_END = "<!-- sumo-mixed-table -->", "<!-- /sumo-mixed-table -->"
#: Entries of each direction's chained car travel time (s apart).
ENTRY_EVERY_S = 60.0
#: Rows of the table per volume: key, label, decimals.
ROWS = [
    ("state", "state", None),
    ("run_time_s_0", "bus run time, Meskel -> Bole Dildiy (s, mean)", 0),
    ("run_time_s_1", "bus run time, Bole Dildiy -> Meskel (s, mean)", 0),
    ("trips", "bus trips with all 7 stops", 0),
    ("dwell_s", "dwell per stop (s, mean)", 1),
    ("car_travel_s_0", "car travel time, Meskel -> Bole Dildiy (s, mean)", 0),
    ("car_travel_s_1", "car travel time, Bole Dildiy -> Meskel (s, mean)", 0),
    ("car_delay_s_0", "car delay, Meskel -> Bole Dildiy (s, mean)", 0),
    ("car_delay_s_1", "car delay, Bole Dildiy -> Meskel (s, mean)", 0),
    ("queue_m_0", "longest queued road length, Meskel -> Bole Dildiy (m)", 0),
    ("queue_m_1", "longest queued road length, Bole Dildiy -> Meskel (m)", 0),
    ("waiting_veh_0", "cars waiting to enter at 10:00, Meskel -> Bole Dildiy", 0),
    ("waiting_veh_1", "cars waiting to enter at 10:00, Bole Dildiy -> Meskel", 0),
    ("teleports", "SUMO teleports (whole run)", 0),
    ("process_s", "whole process (s)", 1),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", default=",".join(map(str, VOLUMES_VPH)), help="cars/h/lane, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each for the wall times (median)")
    parser.add_argument("--work", type=Path, default=None, help="folder for SUMO's files (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep SUMO's files")
    parser.add_argument("--readme", action="store_true", help="write the table into benchmarks/README.md")
    args = parser.parse_args()
    volumes = [int(v) for v in args.volumes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="corridor-sim-sumo-mixed-"))

    scenario = load_scenario(SCENARIO, {VOLUME_KEY: volumes[0]})
    corridor = build_corridor(scenario)
    extract = covering_extracts(scenario.city, list(corridor.station_lat), list(corridor.station_lon))[0].file
    t0 = time.perf_counter()
    line = build_network(
        data_file(extract), corridor, work, berth_length_m=18.0 + 2.5, berths=scenario.corridor.berths, bus_lane=False
    )
    print(f"netconvert and the line on SUMO's network: {time.perf_counter() - t0:.1f} s (not timed below)")

    results: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    for volume in volumes:
        scenario = load_scenario(SCENARIO, {VOLUME_KEY: volume})
        run = simulate(scenario, corridor)
        ours = corridor_sim_figures(run) | {"process_s": _median_wall(_corridor_sim_command(volume, work), args.repeat)}
        emission_class = bus_class(run.operations.fleets[0].vehicle.name, run.operations.fleets[0].propulsion)
        sumo = {name: run_sumo(run, line, emission_class, work, name == "meso", args.repeat) for name in ("micro", "meso")}
        results.append((volume, ours, sumo["micro"], sumo["meso"]))
        print(
            f"{volume} cars/h/lane: corridor-sim {ours['process_s']:.1f} s, SUMO micro {sumo['micro']['process_s']:.1f} s, "
            f"meso {sumo['meso']['process_s']:.1f} s; SUMO micro at its end: {sumo['micro']['insertion']}, "
            f"cars of the period not arrived {sumo['micro']['unfinished_veh']:.0f}",
            flush=True,
        )

    table = comparison_table(results)
    print(table)
    if args.readme:
        machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, SUMO {sumo_version()}"
        write_between(TABLE_START, TABLE_END, f"{table}\n\n({machine}; {time.strftime('%Y-%m-%d')})\n")
    if args.work is None and not args.keep:
        shutil.rmtree(work)
    else:
        print(f"SUMO's files are in {work}; they derive from OSM data (ODbL): keep them out of the repository")


def corridor_sim_figures(run: Run) -> dict[str, Any]:
    """The compared figures of a corridor-sim run in mixed traffic (see the module docstring)."""
    ours: dict[str, Any] = dict(run_figures(run))
    state = run.operations.traffic
    corridor = run.corridor
    for direction, d in enumerate(state.directions):
        travel_s, free_s = _car_travel_s(d, corridor, direction, state.start_s, state.end_s)
        ours[f"car_travel_s_{direction}"] = travel_s
        ours[f"car_delay_s_{direction}"] = travel_s - free_s
        first, last = (
            min(max(int((t - d.snapshot_t0_s) // SNAPSHOT_S), 0), len(d.snapshots) - 1) for t in (state.start_s, state.end_s)
        )
        queued = d.snapshots[first : last + 1] > (d.cells.critical_vpm * d.cells.length_m)[None, :] * 1.05
        ours[f"queue_m_{direction}"] = float((queued * d.cells.length_m[None, :]).sum(axis=1).max())
        ours[f"waiting_veh_{direction}"] = float(d.queued_veh[last, 0])
    summary, _ = traffic_summary(state)
    if any(s["waiting_to_enter_at_end_veh"] > 1.0 for s in summary["directions"]):
        ours["state"] = "gridlocked"
    elif any(s["over_capacity"] for s in summary["directions"]):
        ours["state"] = "queue over capacity"
    else:
        ours["state"] = "flowing"
    ours["teleports"] = None
    return ours


def _car_travel_s(d: DirectionTraffic, corridor: Corridor, direction: int, start_s: float, end_s: float) -> tuple[float, float]:
    """Mean car travel time over the corridor in one direction for entries in ``[start_s, end_s)``, and the free time (s).

    Each minute's entry is carried segment by segment through the bins' travel times, and
    weighted by the vehicles leaving the direction's first cell in its bin.
    """
    times = d.travel_time_s(corridor.n_segments)
    if direction == 1:
        times = times[:, ::-1]
    entries = np.arange(start_s, end_s, ENTRY_EVERY_S)
    samples = np.empty(len(entries))
    for j, t_enter in enumerate(entries):
        t = t_enter
        for k in range(corridor.n_segments):
            t += times[time_bin(t), k]
        samples[j] = t - t_enter
    weights = np.array([d.passed_veh[time_bin(t), 0] for t in entries])
    free_s = float((d.cells.length_m / d.cells.free_ms).sum())
    return float(np.average(samples, weights=weights)) if weights.sum() > 0 else float("nan"), free_s


def run_sumo(run: Run, line: LineNetwork, emission_class: str, work: Path, mesoscopic: bool, repeat: int) -> dict[str, Any]:
    """Run SUMO (micro or meso) ``repeat`` times on the run's inputs; its figures and median wall time."""
    name = "meso" if mesoscopic else "micro"
    config = write_inputs(run, line, emission_class, work, mesoscopic, mixed_traffic=True)
    logs, walls = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        done = subprocess.run([binary("sumo"), "-c", str(config)], capture_output=True, text=True, cwd=work, check=True)
        walls.append(time.perf_counter() - t)
        logs.append(done.stdout + done.stderr)
    out = work / name
    start_s, end_s = run.operations.start_s, run.operations.end_s
    figures: dict[str, Any] = dict(sumo_figures(out, len(run.corridor.station_name), logs[-1]))
    cars = car_figures(out / "tripinfo.xml", start_s, end_s)
    due = _cars_due(work / "traffic.rou.xml", end_s)
    for d in (0, 1):
        figures[f"car_travel_s_{d}"] = cars[d]["travel_s"]
        figures[f"car_delay_s_{d}"] = cars[d]["delay_s"]
        figures[f"waiting_veh_{d}"] = max(due[d] - cars[d]["inserted_by_end_veh"], 0.0)
    figures["route_m"] = [cars[d]["route_m"] for d in (0, 1)]
    figures["unfinished_veh"] = sum(cars[d]["unfinished_veh"] for d in (0, 1))
    if mesoscopic:
        figures["queue_m_0"] = figures["queue_m_1"] = None
    else:
        figures["queue_m_0"], figures["queue_m_1"] = queued_length_m(out / "queues.xml", line.routes, start_s, end_s)
    waiting = max(figures["waiting_veh_0"], figures["waiting_veh_1"])
    figures["state"] = "gridlocked" if figures["teleports"] > 0 or waiting > 1.0 else "flowing"
    figures["insertion"] = sumo_insertion(logs[-1])
    figures["process_s"] = statistics.median(walls)
    return figures


def _cars_due(routes: Path, at_s: float) -> tuple[float, float]:
    """Cars of the flows ``traffic_0`` and ``traffic_1`` due to depart before ``at_s`` (SUMO spaces a flow's cars evenly from its begin)."""
    due = [0.0, 0.0]
    for flow in ET.parse(routes).getroot().iter("flow"):
        begin, end, vph = float(flow.get("begin")), float(flow.get("end")), float(flow.get("vehsPerHour"))
        span = max(min(at_s, end) - begin, 0.0)
        due[int(flow.get("id").rsplit("_", 1)[1])] = float(np.ceil(span * vph / 3600.0))
    return due[0], due[1]


def _corridor_sim_command(volume: int, work: Path) -> list[str]:
    """The product's own command for the line at one volume, tables but no figures (SUMO draws none either)."""
    return [sys.executable, "-m", "corridor_sim.cli", "run", str(SCENARIO), "--set", f"{VOLUME_KEY}={volume}",
            "--no-plots", "--out", str(work / f"corridor_sim_{volume}")]  # fmt: skip


def comparison_table(results: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, Any]]]) -> str:
    """Markdown table: per volume and figure, corridor-sim, SUMO micro, SUMO meso and corridor-sim's ratio to micro."""
    lines = [
        "| cars/h/lane | figure | corridor-sim | SUMO micro | SUMO meso | corridor-sim / micro |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for volume, ours, micro, meso in results:
        for key, label, digits in ROWS:
            a, b, c = ours[key], micro[key], meso[key]
            if key == "process_s":
                ratio = f"{b / a:.1f}x faster" if b >= a else f"{a / b:.1f}x slower"
            elif digits is not None and a is not None and b:
                ratio = f"{a / b:.3f}"
            else:
                ratio = "-"
            lines.append(f"| {volume:,} | {label} | {_cell(a, digits)} | {_cell(b, digits)} | {_cell(c, digits)} | {ratio} |")
    return "\n".join(lines)


def _cell(value: Any, digits: int | None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    return str(value) if digits is None else f"{value:,.{digits}f}"


if __name__ == "__main__":
    main()
