"""General traffic against UXsim (Newell's kinematic-wave model) on the same corridor (issue 19).

Usage (from the repo root; ``pip install -e ".[bench]"`` brings uxsim)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/uxsim_compare.py [--volumes 500,700,1000]

Both models get the same road: the Bole Road preset's corridor toward Meskel Square (direction 1),
its lanes rounded to whole lanes (UXsim's links take whole lanes), one link per segment with its
length, lanes and speed limit, the same signals (cycle, green and offset drawn from one seed) as
stop lines, the same triangular fundamental diagram (capacity 1,800 veh/h/lane and jam density
150 veh/km/lane: UXsim's reaction time is set so its diagram is the same), and the same entry
flow for two hours. UXsim moves single vehicles (``deltan = 1``). Like for like, per volume:

- the mean travel time over the corridor of the vehicles entering it in each 15-minute window
  (corridor-sim: the traffic bins' segment travel times chained along the road from the entry
  time; UXsim: each vehicle's logged entry to its first link and its arrival);
- the vehicles on the corridor over time (queues hold them), and those still waiting to enter at
  the end.
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

PRESET = Path(__file__).resolve().parents[1] / "scenarios/addis_ababa/bole_road_brt.toml"
START_S, HOURS = 7 * 3600.0, 2.0
WINDOW_S = 900.0


def corridor_and_signals():
    from corridor_sim.corridor import build_corridor
    from corridor_sim.engine.layout import direction_signals
    from corridor_sim.scenario import load_scenario

    scenario = load_scenario(PRESET)
    corridor = build_corridor(scenario)
    corridor = replace(corridor, lanes=np.maximum(np.round(corridor.lanes), 1.0))
    signals = direction_signals(corridor, np.random.default_rng(7))
    return scenario, corridor, signals


def ours(scenario, corridor, signals, volume: float):
    from corridor_sim.engine.traffic import SNAPSHOT_S, simulate_traffic, time_bin

    traffic = scenario.traffic.model_copy(update={"volume_vph_per_lane": {"07:00": volume}, "turn_share": 0.0})
    started = time.perf_counter()
    state = simulate_traffic(corridor, traffic, signals, START_S, START_S + HOURS * 3600.0)
    elapsed = time.perf_counter() - started
    d = state.directions[1]
    times = d.travel_time_s(corridor.n_segments)[:, ::-1]  # direction 1's segment order
    windows = []
    for w0 in np.arange(START_S, START_S + HOURS * 3600.0, WINDOW_S):
        samples = []
        for t_enter in np.arange(w0, w0 + WINDOW_S, 60.0):
            t = t_enter
            for k in range(corridor.n_segments):
                t += times[time_bin(t), k]
            samples.append(t - t_enter)
        windows.append(float(np.mean(samples)))
    on_road = d.snapshots.sum(axis=1)
    snap_t = d.snapshot_t0_s + np.arange(len(on_road)) * SNAPSHOT_S
    return (
        windows,
        snap_t,
        on_road,
        float(d.queued_veh[int((START_S + HOURS * 3600 - d.snapshot_t0_s) // SNAPSHOT_S), 0]),
        elapsed,
    )


def uxsim(scenario, corridor, signals, volume: float):
    from uxsim import World

    cap = scenario.traffic.saturation_flow_vphpl / 3600.0
    jam = scenario.traffic.jam_density_vpkm_per_lane / 1000.0
    order = np.arange(corridor.n_segments)[::-1]
    free = corridor.speed_limit_kmh[order] / 3.6
    wave = cap / (jam - cap / free.mean())
    lead = 1800.0
    world = World(name="", deltan=1, reaction_time=1.0 / (wave * jam), tmax=lead + HOURS * 3600.0 + 7200.0,
                  print_mode=0, save_mode=0, show_mode=0, random_seed=0)  # fmt: skip
    sig = signals[1]
    bounds = np.concatenate([[0.0], np.cumsum(corridor.length_m[order])])
    points = sorted({*bounds.tolist(), *sig["signal_m"].tolist()})
    nodes = []
    for i, x in enumerate(points):
        s = np.flatnonzero(np.isclose(sig["signal_m"], x, atol=0.5))
        if len(s):
            k = int(s[0])
            green, cycle = sig["green_s"][k], sig["cycle_s"][k]
            # green while (t - offset) mod cycle < green; UXsim's clock starts ``lead`` before 07:00
            offset = (sig["offset_s"][k] - (START_S - lead)) % cycle
            nodes.append(world.addNode(f"n{i}", x, 0, signal=[green, cycle - green], signal_offset=offset))
        else:
            nodes.append(world.addNode(f"n{i}", x, 0))
    for i in range(len(points) - 1):
        k = min(int(np.searchsorted(bounds, points[i], side="right")) - 1, corridor.n_segments - 1)
        world.addLink(f"l{i}", nodes[i], nodes[i + 1], length=points[i + 1] - points[i], free_flow_speed=float(free[k]),
                      jam_density_per_lane=jam, number_of_lanes=int(corridor.lanes[order][k]), signal_group=[0])  # fmt: skip
    entry_lanes = float(corridor.lanes[order][0])
    world.adddemand(nodes[0], nodes[-1], 0.0, lead + HOURS * 3600.0 + 7200.0, flow=volume * entry_lanes / 3600.0)
    started = time.perf_counter()
    world.exec_simulation()
    elapsed = time.perf_counter() - started
    entries, travel = [], []
    for veh in world.VEHICLES.values():
        if veh.state == "end" and len(veh.log_t_link) > 1:
            t_in = veh.log_t_link[1][0] + START_S - lead
            entries.append(t_in)
            travel.append(veh.arrival_time * world.DELTAT + START_S - lead - t_in)
    entries, travel = np.array(entries), np.array(travel)
    windows = [
        float(travel[(entries >= w0) & (entries < w0 + WINDOW_S)].mean())
        for w0 in np.arange(START_S, START_S + HOURS * 3600.0, WINDOW_S)
    ]
    snap_t = np.arange(0.0, lead + HOURS * 3600.0 + 1.0, 60.0)
    on_road = np.array([sum(link.num_vehicles_t(t) for link in world.LINKS) for t in snap_t])
    t_end = lead + HOURS * 3600.0
    generated = volume * entry_lanes / 3600.0 * t_end
    entered_by_end = sum(1 for v in world.VEHICLES.values() if len(v.log_t_link) > 1 and v.log_t_link[1][0] <= t_end)
    return windows, snap_t + START_S - lead, on_road, generated - entered_by_end * world.DELTAN, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volumes", default="500,700,1000")
    args = parser.parse_args()
    scenario, corridor, signals = corridor_and_signals()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print("| veh/h/lane | window | travel time corridor-sim (s) | UXsim (s) | ratio |")
    print("| ---: | --- | ---: | ---: | ---: |")
    summary = []
    for volume in (float(v) for v in args.volumes.split(",")):
        a = ours(scenario, corridor, signals, volume)
        b = uxsim(scenario, corridor, signals, volume)
        for k, (x, y) in enumerate(zip(a[0], b[0], strict=True)):
            clock = START_S + k * WINDOW_S
            print(f"| {volume:.0f} | {int(clock // 3600):02d}:{int(clock % 3600 // 60):02d} | {x:.0f} | {y:.0f} | {x / y:.3f} |")
        checks = [START_S + m * 1800.0 for m in range(1, int(HOURS * 2) + 1)]
        on_a = [float(np.interp(t, a[1], a[2])) for t in checks]
        on_b = [float(np.interp(t, b[1], b[2])) for t in checks]
        summary.append((volume, on_a, on_b, a[3], b[3], a[4], b[4]))
    print()
    print(
        "| veh/h/lane | vehicles on the corridor at 07:30 / 08:00 / 08:30 / 09:00, corridor-sim | UXsim | waiting to enter at 09:00, corridor-sim / UXsim | model run s, corridor-sim / UXsim |"
    )
    print("| ---: | --- | --- | --- | --- |")
    for volume, on_a, on_b, wait_a, wait_b, t_a, t_b in summary:
        print(
            f"| {volume:.0f} | {' / '.join(f'{v:.0f}' for v in on_a)} | {' / '.join(f'{v:.0f}' for v in on_b)} | {wait_a:.0f} / {wait_b:.0f} | {t_a:.2f} / {t_b:.1f} |"
        )


if __name__ == "__main__":
    main()
