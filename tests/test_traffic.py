"""General traffic as a kinematic wave: signals discharge saturation flow x g/C, queues grow at arrival minus
capacity and back up at the wave speed, lane drops cap the flow, vehicles are conserved, and buses in mixed
traffic are delayed by it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import PRESETS

from corridor_sim._errors import ScenarioError
from corridor_sim.corridor import Corridor
from corridor_sim.engine.runner import simulate
from corridor_sim.engine.traffic import BIN_S, N_BINS, cells_for, time_bin, turn_share_by_bin
from corridor_sim.evaluation import evaluate
from corridor_sim.kernels.traffic_flow import run_cells
from corridor_sim.scenario import load_scenario

CAPACITY = 1800.0 / 3600.0  # veh/s/lane
JAM = 0.15  # veh/m/lane
FREE = 50.0 / 3.6
DT = 4.0
CELL = FREE * DT
WAVE = CAPACITY / (JAM - CAPACITY / FREE)


def _road(
    cells: int,
    inflow_vph: float,
    hours: float,
    lanes: np.ndarray | None = None,
    signal_at: int = -1,
    cycle: float = 120.0,
    green: float = 60.0,
    junction_at: int = -1,
    turn_share: float = 0.0,
    bus_pcu_vps: np.ndarray | None = None,
    blocks: tuple[tuple[int, float, float], ...] = (),
) -> tuple:
    """A straight road of ``cells`` cells, ``inflow_vph`` entering, a signal at the end of cell ``signal_at``,
    buses' passenger-car flow (bins, cells) and lane closures ``(cell, from_s, to_s)``."""
    lanes = np.ones(cells) if lanes is None else lanes
    stop = np.full(cells, -1, dtype=np.int64)
    if signal_at >= 0:
        stop[signal_at] = 0
    inflow = np.full(N_BINS, inflow_vph / 3600.0)
    junction = np.zeros(cells)
    if junction_at >= 0:
        junction[junction_at] = 1.0
    turns = np.full(N_BINS, turn_share)
    steps = int(hours * 3600 / DT)
    buses = np.zeros((1, cells)) if bus_pcu_vps is None else bus_pcu_vps
    block_cell = np.array([b[0] for b in blocks], dtype=np.int64)
    block_from, block_to = np.array([b[1] for b in blocks], dtype=float), np.array([b[2] for b in blocks], dtype=float)
    return run_cells(
        np.full(cells, CELL), lanes, np.full(cells, FREE), CAPACITY, JAM, np.full(cells, WAVE), stop,
        np.array([cycle]), np.array([green]), np.array([0.0]), junction, turns, inflow, BIN_S, buses, block_cell,
        block_from, block_to, 0.0, DT, steps, BIN_S, N_BINS, int(60 / DT),
    )  # fmt: skip


def test_a_signalized_lane_discharges_saturation_flow_times_g_over_c() -> None:
    _, passed, *_ = _road(60, 1500.0, 3.0, signal_at=30, cycle=120.0, green=54.0)
    hour_bins = slice(int(3600 / BIN_S), int(3 * 3600 / BIN_S))  # after the first hour
    downstream_vph = passed[hour_bins, 40].sum() / 2.0
    assert downstream_vph == pytest.approx(1800.0 * 54.0 / 120.0, rel=0.02)


def test_a_queue_grows_at_arrival_minus_capacity_and_its_tail_moves_back_at_the_wave_speed() -> None:
    # arrivals at capacity into a blocked stop line: the queue's tail runs back at w = Q / (k_j - k_c)
    *_, snapshots, _, _, _ = _road(150, 1800.0, 0.75, signal_at=149, green=1e-9)
    halfway = (CAPACITY / FREE + JAM) / 2.0 * CELL  # vehicles in a cell halfway from capacity to jam density
    tails = []
    for k in (14, 34):  # minutes, once the first vehicles (10 min to the stop line) have formed the queue
        tails.append(np.flatnonzero(snapshots[k] > halfway).min() * CELL)
    tail_speed = (tails[0] - tails[1]) / 1200.0
    assert tail_speed == pytest.approx(WAVE, rel=0.05)
    # below capacity a bottleneck stores arrival - capacity: 1200 veh/h into a 900 veh/h signal
    *_, snapshots, queued, _, _ = _road(500, 1200.0, 2.0, signal_at=400, cycle=120.0, green=60.0)
    held = snapshots[:, :401].sum(axis=1) + queued[:, 0]
    growth_vph = held[110] - held[50]  # vehicles held between minute 50 and minute 110
    assert growth_vph == pytest.approx(1200.0 - 900.0, rel=0.05)


def test_a_lane_drop_caps_the_flow_downstream() -> None:
    lanes = np.r_[np.full(30, 2.0), np.full(30, 1.0)]
    _, passed, *_ = _road(60, 2 * 1100.0, 2.0, lanes=lanes)
    downstream_vph = passed[int(3600 / BIN_S) : int(2 * 3600 / BIN_S), 45].sum()
    assert downstream_vph == pytest.approx(1800.0, rel=0.01)


def test_vehicles_are_conserved_with_signals_and_turning() -> None:
    *_, totals, demand = _road(80, 1500.0, 1.0, signal_at=40, junction_at=20, turn_share=0.3)
    entered, side, left, turned, on_road, waiting, side_waiting = totals
    assert turned > 0 and side > 0
    assert entered + side == pytest.approx(left + turned + on_road, rel=1e-9)
    assert demand.sum() == pytest.approx(entered + side + waiting + side_waiting, rel=1e-9)


def test_a_junction_turns_its_share_off_and_lets_as_much_in() -> None:
    _, passed, *_ = _road(60, 800.0, 2.0, junction_at=30, turn_share=0.3)
    hour = slice(int(3600 / BIN_S), int(2 * 3600 / BIN_S))
    # cell 30 passes everything arriving (70 % on, 30 % off); cell 31 carries the 70 % plus the side street's 30 %
    assert passed[hour, 30].sum() == pytest.approx(800.0, rel=0.01)
    assert passed[hour, 31].sum() == pytest.approx(800.0, rel=0.01)
    assert passed[hour, 31].sum() - 0.7 * passed[hour, 30].sum() == pytest.approx(0.3 * 800.0, rel=0.02)


def test_a_bus_dwelling_at_the_kerb_closes_its_lane_and_buses_in_the_flow_take_their_pcu() -> None:
    # 10 minutes of a bus at a stop in cell 30 (07:00-07:10, two whole bins): one lane passes nothing, two lanes one lane's capacity
    closure = ((30, 3600.0, 4200.0),)
    dwell_bins = slice(int(3600 / BIN_S), int(4200 / BIN_S))
    _, one_lane, *_, totals, _ = _road(60, 1000.0, 2.0, blocks=closure)
    assert one_lane[dwell_bins, 30].sum() == 0.0 and one_lane[dwell_bins, 10].sum() > 0.0  # the queue builds upstream
    entered, _, left, _, on_road, _, _ = totals
    assert entered == pytest.approx(left + on_road, rel=1e-9)
    _, two_lanes, *_ = _road(60, 2 * 1000.0, 2.0, lanes=np.full(60, 2.0), blocks=closure)
    assert two_lanes[dwell_bins, 30].sum() == pytest.approx(1800.0 * 600.0 / 3600.0, rel=0.02)
    _, free, *_ = _road(60, 2 * 1000.0, 2.0, lanes=np.full(60, 2.0))
    assert free[dwell_bins, 30].sum() == pytest.approx(2000.0 * 600.0 / 3600.0, rel=0.02)
    # 60 buses an hour at 2 pcu from cell 30 on leave 1,800 - 120 veh/h to the cars of a saturated lane
    bus_flow = np.zeros((N_BINS, 60))
    bus_flow[:, 30:] = 60 * 2.0 / 3600.0
    _, passed, *_ = _road(60, 1800.0, 2.0, bus_pcu_vps=bus_flow)
    assert passed[int(3600 / BIN_S) : int(7200 / BIN_S), 45].sum() == pytest.approx(1800.0 - 120.0, rel=0.01)


def test_buses_in_mixed_traffic_load_the_traffic_they_run_in(corridors: dict[str, Corridor]) -> None:
    from corridor_sim.corridor import corridor_from_alignment
    from corridor_sim.engine.traffic import simulate_traffic

    bole = corridors["addis_ababa"]
    overrides = {"corridor.running_way": "mixed_traffic", "traffic.volume_vph_per_lane": {"07:00": 700.0}, "period.end": "08:00"}
    scenario = load_scenario(PRESETS["addis_ababa"], overrides)
    run = simulate(scenario, corridor_from_alignment(scenario, bole.alignment))
    state = run.operations.traffic
    assert state.buses is not None
    signals = tuple(layout.signals() for layout in run.operations.layouts)
    without = simulate_traffic(state.corridor, state.traffic, signals, state.start_s, state.end_s, warm_up_s=state.warm_up_s)
    for d in (0, 1):
        # the first pass's stops close the kerb lane for as long as those buses stood there
        assert state.buses[d].blocking_h > state.buses[d].blocking_from_h(state.start_s) > 0.5  # the warm-up's closures too
        # cars lose time to the buses (vehicle-hours over the period) and none is lost
        assert state.vehicle_h(d)[: time_bin(8 * 3600)].sum() > without.vehicle_h(d)[: time_bin(8 * 3600)].sum()
        entered, side, left, turned, on_road = state.directions[d].totals[:5]
        assert entered + side == pytest.approx(left + turned + on_road, rel=1e-9)
    busway = simulate(load_scenario(PRESETS["addis_ababa"], {"period.end": "08:00"}), bole)
    assert busway.operations.traffic.buses is None


def test_a_run_reports_queues_and_over_capacity_loudly(corridors: dict[str, Corridor]) -> None:
    bole = corridors["addis_ababa"]
    for volume, loud in ((300.0, False), (1200.0, True)):
        scenario = load_scenario(
            PRESETS["addis_ababa"], {"traffic.volume_vph_per_lane": {"07:00": volume}, "period.end": "08:00"}
        )
        summary, _ = evaluate(simulate(scenario, bole), "t")
        directions = summary["traffic"]["directions"]
        assert all(d["conserved"] for d in directions)
        over = [c for c in summary["checks"] if "demand above capacity" in c]
        assert bool(over) == loud, summary["checks"]
        if loud:
            assert max(d["longest_queue_m"] for d in directions) > 300 and any("GRIDLOCKED" in c for c in summary["checks"])


def test_buses_in_mixed_traffic_are_delayed_by_it_and_an_empty_street_runs_as_a_busway(corridors: dict[str, Corridor]) -> None:
    bole = corridors["addis_ababa"]
    run_min = {}
    for volume in (0.0, 300.0, 700.0, 1000.0):
        scenario = load_scenario(
            PRESETS["addis_ababa"],
            # no warm-up: the runs this test always compared; with one, 300 veh/h/lane and an empty street are a near tie
            # (the light traffic's signal delay comes through its mean speed, a busway's as red holds), within 1.5 % either way
            {
                "corridor.running_way": "mixed_traffic",
                "traffic.volume_vph_per_lane": {"07:00": volume},
                "period.end": "08:00",
                "period.warm_up_min": 0,
            },
        )
        from corridor_sim.corridor import corridor_from_alignment

        run = simulate(scenario, corridor_from_alignment(scenario, bole.alignment))
        trips = run.trace.trips.dropna(subset=["end_s"])
        run_min[volume] = float((trips["end_s"] - trips["dispatch_s"]).mean() / 60.0)
    busway = simulate(
        load_scenario(
            PRESETS["addis_ababa"],
            {"traffic.volume_vph_per_lane": {"07:00": 0.0}, "period.end": "08:00", "period.warm_up_min": 0},
        ),
        bole,
    )
    trips = busway.trace.trips.dropna(subset=["end_s"])
    assert run_min[0.0] == pytest.approx(float((trips["end_s"] - trips["dispatch_s"]).mean() / 60.0), rel=1e-9)
    assert run_min[0.0] <= run_min[300.0] < run_min[700.0] < run_min[1000.0]
    assert run_min[1000.0] > 1.5 * run_min[0.0]  # over capacity the queues, not a speed factor, set the run time


def test_bad_traffic_input_is_named(corridors: dict[str, Corridor]) -> None:
    with pytest.raises(ScenarioError, match=r"clock times 08:00, 07:00 are out of order"):
        load_scenario(PRESETS["addis_ababa"], {"traffic.volume_vph_per_lane": {"08:00": 500.0, "07:00": 600.0}})
    dense = {"traffic.jam_density_vpkm_per_lane": 60, "traffic.saturation_flow_vphpl": 2400}
    scenario = load_scenario(PRESETS["addis_ababa"], dense)
    slow = replace(corridors["addis_ababa"], speed_limit_kmh=np.full(corridors["addis_ababa"].n_segments, 20.0))
    with pytest.raises(
        ScenarioError, match=r"jam_density_vpkm_per_lane = 60 is at or below the density at capacity \(120 veh/km"
    ):
        cells_for(slow, scenario.traffic, 0, np.array([]))
    with pytest.raises(ScenarioError, match=r"corridor\.assume\.lanes = 0"):
        load_scenario(PRESETS["addis_ababa"], {"corridor.assume.lanes": 0})
    with pytest.raises(ScenarioError, match=r"traffic\.turn_share = 0\.95"):
        load_scenario(PRESETS["addis_ababa"], {"traffic.turn_share": 0.95})
    with pytest.raises(ScenarioError, match=r"clock times 08:00, 07:00 are out of order"):
        load_scenario(PRESETS["addis_ababa"], {"traffic.turn_share": {"08:00": 0.2, "07:00": 0.1}})
    by_time = load_scenario(PRESETS["addis_ababa"], {"traffic.turn_share": {"07:00": 0.1, "08:00": 0.2}})
    shares = turn_share_by_bin(by_time.traffic)
    assert shares[time_bin(7.5 * 3600)] == 0.1 and shares[time_bin(8.5 * 3600)] == 0.2 and shares[time_bin(6 * 3600)] == 0.0
