"""Today's minibuses stop on demand: only where someone alights or hails them, on the real Addis
Ababa Bole Road minibus service (AddisMap GTFS routes); the BRT keeps stopping at every station."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PRESETS

from corridor_sim.corridor import Corridor, corridor_from_alignment
from corridor_sim.demand import Demand, build_demand
from corridor_sim.engine.bus_traffic import buses_in_traffic
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.evaluation import evaluate
from corridor_sim.indicators import passenger_counts, station_stats
from corridor_sim.kernels.on_demand import destination_chains, hailed, next_stop
from corridor_sim.mode_choice.equilibrium import MINIBUS, today_mode_shares
from corridor_sim.mode_choice.service_levels import service_levels
from corridor_sim.paratransit.baseline import MinibusBaseline, match_demand, minibus_baseline, stop_demand
from corridor_sim.scenario import load_scenario
from corridor_sim.vehicle_travel import brt_legs, brt_travel, leg_segments

MODE_SHIFT = PRESETS["addis_ababa"].with_name("bole_road_brt_mode_shift.toml")


@pytest.fixture(scope="module")
def addis(corridors: dict[str, Corridor]):
    """The Addis Ababa mode-shift scenario, its corridor and today's minibus service (feed frequencies)."""
    # no warm-up: these tests follow every bus and rider from the start (the warm-up has its own, test_warm_up.py)
    scenario = load_scenario(MODE_SHIFT, {"period.warm_up_min": 0})
    corridor = corridor_from_alignment(scenario, corridors["addis_ababa"].alignment)
    return scenario, corridor, minibus_baseline(scenario, corridor)


def today(scenario, baseline: MinibusBaseline) -> tuple[MinibusBaseline, Demand]:
    """The service as the mode shift runs it: today's minibus riders, frequencies matched to them."""
    demand = build_demand(scenario)
    od = stop_demand(baseline, demand, demand.peak_od_pax_h * today_mode_shares(scenario)[MINIBUS])
    return match_demand(baseline, od.peak_od_pax_h, scenario.paratransit.design_load), od


@pytest.fixture(scope="module")
def minibus_run(addis) -> Run:
    """Today's minibus service on a morning of Bole Road, stopping on demand."""
    scenario, _, baseline = addis
    matched, od = today(scenario, baseline)
    assert all(service.stops_on_demand for service in matched.scenario.services.values())
    return simulate(matched.scenario, matched.corridor, od)


def only(baseline: MinibusBaseline, demand: Demand, pairs: dict[tuple[int, int], float]) -> Demand:
    """``demand``'s profile with peak flows only between the given stops (pax/h)."""
    n = len(baseline.stops)
    od = np.zeros((n, n))
    for (a, b), pax_h in pairs.items():
        od[a, b] = pax_h
    return Demand(peak_od_pax_h=od, profile=demand.profile, reverse_after_s=demand.reverse_after_s)


def inner_stops(run: Run):
    """Stop events other than each trip's first and last."""
    stops = run.trace.stops.sort_values(["trip", "arrive_s"])
    ends = stops.groupby("trip").head(1).index.union(stops.groupby("trip").tail(1).index)
    return stops.drop(index=ends)


def test_a_minibus_stops_only_where_someone_boards_or_alights(addis) -> None:
    scenario, _, baseline = addis
    demand = build_demand(scenario)
    a, b, c = 3, 10, 6  # riders from Shewa Dabo to the informal stop at 2.0 km; Bole Printing Press between
    one_pair = only(baseline, demand, {(a, b): 60.0})
    run = simulate(baseline.scenario, baseline.corridor, one_pair)
    inner = inner_stops(run)
    assert set(inner["station"]) == {a, b}  # nowhere else, neither direction
    assert (inner["direction"] == 0).all()
    at_a, at_b = inner[inner["station"] == a], inner[inner["station"] == b]
    assert (at_a["alighted"] == 0).all() and (at_b["boarded"] == 0).all() and (at_b["alighted"] > 0).all()
    assert at_a["boarded"].sum() == at_b["alighted"].sum() == passenger_counts(run)["delivered"] > 10
    assert (run.trace.stops["station"] != c).all()

    # with riders waiting there too, it stops there
    with_c = simulate(baseline.scenario, baseline.corridor, only(baseline, demand, {(a, b): 60.0, (c, b): 30.0}))
    at_c = inner_stops(with_c).query("station == @c")
    assert len(at_c) > 0 and (at_c["boarded"] > 0).mean() > 0.9  # (the rest: its rider boarded a bus just ahead)

    # every minibus stopping at every stop, as before: the same riders, many more stops
    all_stop = load_scenario(MODE_SHIFT, {"paratransit.stops_on_demand": False, "period.warm_up_min": 0})
    every = minibus_baseline(all_stop, baseline.corridor)
    assert not any(service.stops_on_demand for service in every.scenario.services.values())
    all_run = simulate(every.scenario, every.corridor, one_pair)
    assert (all_run.trace.stops["station"] == c).sum() > 0
    assert len(all_run.trace.stops) > 3 * len(run.trace.stops)
    assert passenger_counts(all_run)["generated"] == passenger_counts(run)["generated"]


def test_passengers_are_conserved_in_the_minibus_run(minibus_run: Run) -> None:
    t = minibus_run.trace
    counts = passenger_counts(minibus_run)
    assert counts["generated"] == counts["delivered"] + counts["waiting"] + counts["on_board"] > 5000
    boarded = t.board_trip >= 0
    assert t.stops["boarded"].sum() == boarded.sum() and t.stops["alighted"].sum() == counts["delivered"]
    # a full minibus passing riders waiting for it leaves each behind once, like a full one at the stop
    assert len(t.passes) > 0 and (t.passes["passed_up"] > 0).all()
    assert t.stops["denied"].sum() + t.passes["passed_up"].sum() == t.left_behind.sum()
    assert station_stats(minibus_run)["denied"].sum() == t.left_behind.sum()
    # every rider boarded a trip that stopped at the destination, after it boarded
    on = np.flatnonzero(boarded & np.isfinite(t.alight_s))
    assert np.all(t.alight_s[on] >= t.board_s[on])


def test_a_minibus_runs_straight_through_the_stops_it_skips(minibus_run: Run) -> None:
    stops = minibus_run.trace.stops
    legs = brt_legs(minibus_run)
    assert (np.abs(legs["to_station"] - legs["from_station"]) > 1).mean() > 0.3  # many legs pass stops by
    # the emissions' replay of each leg, stop to stop, is the engine's run: one start where it leaves
    pieces = leg_segments(minibus_run)
    replayed = (pieces["moving_s"] + pieces["red_s"]).groupby(pieces["leg"]).sum()
    assert np.allclose(replayed, (legs["arrive_s"] - legs["depart_s"])[replayed.index], atol=1e-6)
    starts = brt_travel(minibus_run, terminal_idle=False)["starts"].sum()
    assert starts == pytest.approx(len(legs) + legs["signal_stops"].sum())
    # the kerb lane is closed only where and while a minibus stands at a stop it made
    buses = buses_in_traffic(minibus_run.corridor, minibus_run.operations.layouts, stops, 0.0)
    assert sum(len(d.stop_m) for d in buses) == len(stops)
    assert sum(d.blocking_h for d in buses) == pytest.approx(float((stops["depart_s"] - stops["arrive_s"]).sum()) / 3600.0)


def test_minibus_service_levels_count_the_stops_passed(minibus_run: Run) -> None:
    levels = service_levels(minibus_run)
    n = len(minibus_run.corridor.station_name)
    assert np.all(np.isfinite(levels.wait_min)) and np.all(np.diag(levels.in_vehicle_min) == 0)
    # the in-vehicle time to the end of the corridor grows stop by stop, for the trips that ran it
    assert np.all(np.diff(levels.in_vehicle_min[0, 1:]) > 0) and np.all(np.diff(levels.in_vehicle_min[1:, 0]) > 0)
    # end to end, as the trips that ran the whole corridor took (the estimate adds up every segment's
    # trips, which ran at other times of the morning's growing queue)
    stops = minibus_run.trace.stops
    for direction, a, z in ((0, 0, n - 1), (1, n - 1, 0)):
        s = stops[stops["direction"] == direction]
        first, last = s[s["station"] == a].set_index("trip"), s[s["station"] == z].set_index("trip")
        measured = (last["arrive_s"] - first["depart_s"]).dropna().mean() / 60.0
        assert levels.in_vehicle_min[a, z] == pytest.approx(measured, rel=0.1)


def test_same_seed_same_summary_other_seed_differs(addis) -> None:
    scenario, _, baseline = addis
    matched, od = today(scenario, baseline)
    a, b = (simulate(matched.scenario, matched.corridor, od) for _ in range(2))
    assert a.trace.stops.equals(b.trace.stops) and a.trace.passes.equals(b.trace.passes)
    assert evaluate(a, "x")[0] == evaluate(b, "x")[0]
    other = simulate(matched.scenario.model_copy(update={"seed": scenario.seed + 1}), matched.corridor, od)
    assert evaluate(other, "x")[0]["wait_min"] != evaluate(a, "x")[0]["wait_min"]


def test_the_brt_still_stops_at_every_station_of_its_pattern(corridors: dict[str, Corridor]) -> None:
    run = simulate(load_scenario(PRESETS["addis_ababa"]), corridors["addis_ababa"])
    assert not any(plan.on_demand for plan in run.operations.services) and run.trace.passes.empty
    whole = run.simulated  # with the warm-up's trips, whose stops before the period do not count
    trips = whole.trips.dropna(subset=["end_s"])
    made = whole.stops.groupby("trip").size()
    assert (made[trips["trip"]].to_numpy() == trips["stops"].to_numpy()).all()


def test_the_kernels_stop_for_alighters_and_hailers_and_pass_full_buses_by() -> None:
    # one direction of 5 stations 400 m apart, at 10 m/s; passengers: 2 waiting at station 2 for 4, 1 at 3 for 4
    n = 5
    stop_m = np.arange(n) * 400.0
    stations = np.arange(n)
    bounds, speed = np.arange(n) * 400.0, np.full((1, n - 1), 10.0)  # one traffic bin
    no_signal = np.empty(0)
    arrive_s = np.array([0.0, 10.0, 5.0])
    destination = np.array([4, 4, 4])
    queue_start, queue_end = np.array([0, 0, 0, 2, 3]), np.array([0, 0, 2, 3, 3])
    head, next_same = destination_chains(destination, queue_start, queue_end, n)
    board_trip = np.full(3, -1)
    onboard = np.zeros((1, n), dtype=np.int64)
    left_behind = np.zeros(3, dtype=np.int32)

    def ahead(first: int):
        return next_stop(
            0.0, stop_m[first - 1], True, 0.0, stop_m[first - 1], 0, first, stop_m, stations, stations, bounds, speed,
            300.0, 1.0, 1.0, no_signal, no_signal, no_signal, no_signal, 0.0, np.empty((1, 0), dtype=np.bool_), no_signal,
            4.0, 0, n, head, next_same, arrive_s, board_trip, onboard,
        )  # fmt: skip

    k, pass_s, rest_s, signal_stops, sure = ahead(1)
    assert (k, sure, signal_stops) == (2, False, 0)  # station 1 is skipped; someone may be waiting at 2
    assert pass_s == pytest.approx(5.0 + 80.0) and rest_s == pytest.approx(pass_s + 5.0)  # start, cruise, braking losses
    onboard[0, 2] = 1
    assert ahead(1)[4]  # someone alights at 2: it stops there for certain
    onboard[0, 2] = 0
    board_trip[:2] = 0  # both boarded another bus: nobody hails it at 2 any more
    assert hailed(85.0, 2, 2, stations[3:], 0, 14, 3, n, head, next_same, arrive_s, board_trip, left_behind, onboard) == 0
    assert ahead(3)[0] == 3  # the rider at 3
    assert hailed(85.0, 3, 3, stations[4:], 0, 14, 3, n, head, next_same, arrive_s, board_trip, left_behind, onboard) == -1
    assert hailed(85.0, 3, 3, stations[4:], 0, 14, 14, n, head, next_same, arrive_s, board_trip, left_behind, onboard) == 1
    assert left_behind.tolist() == [0, 0, 1]  # a full bus passed the rider at 3
    assert hailed(4.0, 3, 3, stations[4:], 0, 14, 3, n, head, next_same, arrive_s, board_trip, left_behind, onboard) == 0
