"""The engine's models against their formulas: motion, signals, speed-flow, dwell, Furness."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PRESETS

from corridor_sim._errors import ScenarioError
from corridor_sim.demand import build_demand, furness, sample_passengers
from corridor_sim.engine.dwell import dwell_model
from corridor_sim.kernels.motion import leg_run_time_s
from corridor_sim.kernels.passengers import serve_stop
from corridor_sim.scenario import Dwell, load_scenario

A, B, V = 1.0, 1.2, 15.0  # m/s2, m/s2, m/s
BOUNDS = np.array([0.0, 400.0, 1000.0, 2000.0])
SPEED = np.full(3, V)
NONE = np.zeros(0)


def run(t0: float, to_m: float, signals: tuple = (), extension: float = 0.0) -> tuple[float, int]:
    pos, cycle, green, offset = (np.array(x, dtype=float) for x in (zip(*signals, strict=True) if signals else (NONE,) * 4))
    return leg_run_time_s(
        t0, 0.0, to_m, BOUNDS, SPEED, A, B, pos, cycle, green, offset, extension, np.zeros(len(pos), dtype=bool), NONE, NONE,
        NONE, NONE, 0.0,
    )  # fmt: skip


def test_run_time_is_cruise_plus_acceleration_and_braking_losses() -> None:
    t, stops = run(0.0, 1500.0)
    assert t == pytest.approx(1500.0 / V + V / (2 * A) + V / (2 * B))
    assert stops == 0


def test_short_leg_never_reaches_cruise_speed() -> None:
    d = 100.0  # < V^2/2A + V^2/2B = 206 m
    t, _ = run(0.0, d)
    assert t == pytest.approx(np.sqrt(2 * d * (A + B) / (A * B)))


def test_segment_speeds_add_up() -> None:
    speed = np.array([10.0, 20.0, 5.0])
    t, _ = leg_run_time_s(
        0.0, 0.0, 2000.0, BOUNDS, speed, A, B, NONE, NONE, NONE, NONE, 0.0, np.zeros(0, dtype=bool), NONE, NONE, NONE, NONE, 0.0
    )
    assert t == pytest.approx(400 / 10 + 600 / 20 + 1000 / 5 + 10 / (2 * A) + 5 / (2 * B))


def test_red_signal_holds_the_bus_until_green_and_costs_a_stop() -> None:
    x, cycle, green = 750.0, 120.0, 50.0
    reach = V / (2 * A) + x / V  # when the bus gets to the signal leaving at t = 0
    offset = reach - (green + 5.0)  # arrives 5 s into red
    t, stops = run(0.0, 1500.0, ((x, cycle, green, offset),))
    free = 1500.0 / V + V / (2 * A) + V / (2 * B)
    assert stops == 1
    assert t == pytest.approx(free + (cycle - green - 5.0) + V / (2 * A) + V / (2 * B))
    t_green, stops_green = run(0.0, 1500.0, ((x, cycle, green, reach - 10.0),))  # arrives 10 s into green
    assert (t_green, stops_green) == (pytest.approx(free), 0)
    t_priority, stops_priority = run(0.0, 1500.0, ((x, cycle, green, offset),), extension=10.0)
    assert (t_priority, stops_priority) == (pytest.approx(free), 0)  # 5 s late: green extended


def test_mean_signal_delay_over_arrival_times_matches_the_red_share() -> None:
    x, cycle, green = 750.0, 100.0, 40.0
    starts = np.arange(0.0, cycle, 0.25)
    delays = np.array([run(t0, 1500.0, ((x, cycle, green, 0.0),))[0] for t0 in starts]) - run(0.0, 1500.0)[0]
    stop_loss = V / (2 * A) + V / (2 * B)
    red = cycle - green
    # uniform arrival: P(red) = red / C, mean wait given red = red / 2
    assert delays.mean() == pytest.approx(red / cycle * (red / 2 + stop_loss), rel=0.01)


def test_dwell_is_doors_plus_slowest_channel_with_crowding() -> None:
    model = dwell_model(Dwell(), 4, None, None)
    assert (model.boarding_s, model.boarding_channels, model.alighting_channels, model.concurrent) == (2.5, 4, 4, False)
    # 9 alighting and 10 boarding over 4 channels, one after the other: the slowest channel has 3 and 3
    assert model.dwell_s(9, 10, standees=False) == pytest.approx(3.5 + 3 * 1.8 + 3 * 2.5)
    assert model.dwell_s(9, 10, standees=True) == pytest.approx(3.5 + 3 * 1.8 + 3 * 3.0)
    # fares paid to the driver: boarding by the front door only, alighting by the other three at the same time
    front = dwell_model(Dwell(fare_collection="on_board"), 4, None, None)
    assert (front.boarding_s, front.boarding_channels, front.alighting_channels, front.concurrent) == (3.5, 1, 3, True)
    assert front.dwell_s(9, 10, standees=False) == pytest.approx(3.5 + max(3 * 1.8, 10 * 3.5))
    # so each boarder lengthens the dwell by the documented 3.5 s against 2.5 s / 4 channels off-board
    assert front.dwell_s(0, 21, False) - front.dwell_s(0, 20, False) == pytest.approx(3.5)
    assert model.dwell_s(0, 24, False) - model.dwell_s(0, 20, False) == pytest.approx(2.5)
    # set channels win over the fare rule; a one-door minibus stays single file
    assert dwell_model(Dwell(fare_collection="on_board"), 4, 2, None).dwell_s(0, 10, False) == pytest.approx(3.5 + 5 * 3.5)
    assert dwell_model(Dwell(fare_collection="on_board"), 1, None, None).dwell_s(2, 3, False) == pytest.approx(
        3.5 + 2 * 1.8 + 3 * 3.5
    )


def test_a_passenger_reaching_the_platform_while_the_doors_are_open_boards_that_bus() -> None:
    model = dwell_model(Dwell(), 4, None, None)
    # one queue; 5 waiting at the doors' opening (t = 100 s), one arriving 5 s later, one 9 s later
    arrive = np.array([90.0, 91.0, 92.0, 93.0, 94.0, 105.0, 109.0])
    n = len(arrive)
    destination = np.ones(n, dtype=np.int64)
    board_s, board_trip, left = np.full(n, np.nan), np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int32)
    head, end = np.zeros(1, dtype=np.int64), np.array([n], dtype=np.int64)
    onboard = np.zeros((1, 2), dtype=np.int64)
    _, boarded, _, load, dwell, last_call = serve_stop(
        100.0, 0, 0, 0, 150, 0, np.ones(2, dtype=np.bool_), arrive, destination, head, end, board_s, board_trip, left,
        onboard, 40, model.params,
    )  # fmt: skip
    # five at the doors: 3.5 + 2 x 2.5 = 8.5 s; the doors start closing at 106.75 s. The one at 105 s boards and
    # holds them to 107.5 s; the one at 109 s is too late
    assert (boarded, load) == (6, 6) and board_s[5] == 105.0 and board_trip[6] == -1
    assert dwell == pytest.approx(107.5 + 1.75 - 100.0) and last_call == pytest.approx(106.75)
    assert head[0] == 6  # the late one still waits at the head of the queue


def test_furness_matches_boardings_and_alightings() -> None:
    b = np.array([500.0, 100.0, 300.0, 50.0, 800.0])
    a = np.array([900.0, 200.0, 300.0, 100.0, 200.0])
    od = furness(b, a)
    assert np.diag(od) == pytest.approx(0.0)
    assert od.sum(axis=1) == pytest.approx(b, rel=1e-8)
    assert od.sum(axis=0) == pytest.approx(a * b.sum() / a.sum(), rel=1e-8)
    with pytest.raises(ScenarioError, match="cannot be balanced"):
        furness(np.array([100.0, 0.0, 0.0]), np.array([100.0, 0.0, 0.0]))


def test_poisson_arrivals_follow_the_profile_and_reverse() -> None:
    scenario = load_scenario(PRESETS["nairobi"])
    demand = build_demand(scenario)
    rng = np.random.default_rng(1)
    served = ~np.eye(len(demand.peak_od_pax_h), dtype=bool)
    pax = sample_passengers(demand, 5 * 3600, 23 * 3600, served, rng)
    hours = (pax.arrive_s // 3600).astype(int)
    expected = {h: demand.peak_od_pax_h.sum() * demand.factor(h * 3600.0) for h in range(5, 23)}
    for hour, count in zip(*np.unique(hours, return_counts=True), strict=True):
        assert count == pytest.approx(expected[hour], rel=0.05), hour
    morning, evening = (hours >= 7) & (hours < 8), (hours >= 17) & (hours < 18)
    to_cbd = pax.destination < pax.origin
    assert to_cbd[morning].mean() == pytest.approx(1 - to_cbd[evening].mean(), abs=0.02)  # evening mirrors morning
    assert (np.diff(pax.arrive_s[pax.queue_start[0] : pax.queue_end[0]]) >= 0).all()  # sorted within a queue


def test_bad_operations_fields_are_named() -> None:
    with pytest.raises(ScenarioError, match=r"services\.express\.stops\[1\] = 'Nowhere' is not a station"):
        load_scenario(PRESETS["addis_ababa"], {"services.express": {"stops": ["Olympia", "Nowhere"], "peak_headway_min": 4}})
    with pytest.raises(ScenarioError, match="skips Bole Printing Press, Wollo Sefer, which have no passing lane"):
        load_scenario(PRESETS["addis_ababa"], {"services.express": {"stops": ["Olympia", "Rwanda"], "peak_headway_min": 4}})
    with pytest.raises(
        ScenarioError, match=r"services\.all_stop\.peak_headway_min = 0: Input should be greater than or equal to 0\.1"
    ):
        load_scenario(PRESETS["addis_ababa"], {"services.all_stop.peak_headway_min": 0})
    with pytest.raises(ScenarioError, match=r"vehicle\.capacity_pax = 30 is below the 40 seats of a brt_18m; set vehicle\.seats"):
        load_scenario(PRESETS["addis_ababa"], {"vehicle.capacity_pax": 30})
    with pytest.raises(ScenarioError, match=r"demand\.stations\[0\]: 'Piazza' is not a station"):
        load_scenario(PRESETS["addis_ababa"], {"demand.stations.0.name": "Piazza"})
