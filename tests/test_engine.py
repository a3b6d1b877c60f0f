"""The engine against queueing results, the TCQSM berth formula, conservation and determinism.

Runs use the real Addis Ababa Bole Road corridor (OSM extract) with scenario values changed by
dotted path, as a consultant would.
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
import simpy
from conftest import PRESETS

from corridor_sim.corridor import Corridor
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.engine.station import FOLLOW_S, Platform
from corridor_sim.indicators import passenger_counts, summarize
from corridor_sim.scenario import Scenario, load_scenario


def addis(**overrides: object) -> Scenario:
    return load_scenario(PRESETS["addis_ababa"], overrides)


@pytest.fixture(scope="module")
def bole(corridors: dict[str, Corridor]) -> Corridor:
    return corridors["addis_ababa"]


def long_uncrowded(**more: object) -> Scenario:
    """Six hours, 4-minute headways, buses never full, fleet never short; no warm-up (the laws hold from the first bus)."""
    return addis(
        **{
            "period.warm_up_min": 0,
            "period.start": "06:00",
            "period.end": "12:00",
            "services.all_stop.peak_headway_min": 4,
            "vehicle.capacity_pax": 300,
            "fleet": 60,
            **more,
        }
    )


def waits_at(run: Run, station: int, direction: int, window: tuple[float, float]) -> np.ndarray:
    p, t = run.trace.passengers, run.trace
    mine = (p.origin == station) & (p.direction == direction) & (p.arrive_s >= window[0]) & (p.arrive_s < window[1])
    assert (t.board_trip[mine] >= 0).all()
    return (t.board_s - p.arrive_s)[mine]


def bus_times(run: Run, station: int, direction: int) -> np.ndarray:
    stops = run.trace.stops
    return np.sort(stops.loc[(stops["station"] == station) & (stops["direction"] == direction), "berth_s"].to_numpy())


def expected_wait_s(run: Run, station: int, direction: int) -> float:
    """Mean wait of uniform arrivals: sum of gap^2 / 2 over the time, a gap from a bus's last call to the next bus's doors.

    With the doors shut between buses (no last call) it is E[H](1 + CV^2) / 2 for the headways H.
    """
    stops = run.trace.stops
    here = stops[(stops["station"] == station) & (stops["direction"] == direction)].sort_values("berth_s")
    opening = here["berth_s"].to_numpy()
    gaps = opening[1:] - here["last_call_s"].to_numpy()[:-1]
    return float((gaps**2).sum() / 2.0 / (opening[-1] - opening[0]))


def test_regular_headway_mean_wait_is_half_the_gap_between_last_call_and_the_next_bus(bole: Corridor) -> None:
    run = simulate(long_uncrowded(), bole)
    last = len(bole.station_name) - 1
    stops = run.trace.stops
    for station, direction in ((0, 0), (last, 1)):
        buses = bus_times(run, station, direction)
        assert np.allclose(np.diff(buses), 240.0)
        waits = waits_at(run, station, direction, (buses[0], buses[-1]))
        assert len(waits) > 3000
        # uniform arrivals: those between a bus's doors opening and its last call board it at once, the others wait
        # for the next bus's doors: mean wait = sum of gap^2 / 2 over the time, gap = next opening - last call
        here = stops[(stops["station"] == station) & (stops["direction"] == direction)].sort_values("berth_s")
        gaps = here["berth_s"].to_numpy()[1:] - here["last_call_s"].to_numpy()[:-1]
        assert 0.0 < gaps.min() and gaps.max() < 240.0
        assert waits.mean() == pytest.approx(expected_wait_s(run, station, direction), rel=0.03)
        assert (waits == 0.0).mean() == pytest.approx(1.0 - gaps.sum() / (buses[-1] - buses[0]), abs=0.02)


def test_irregular_headways_mean_wait_follows_the_cv_formula(bole: Corridor) -> None:
    run = simulate(long_uncrowded(**{"services.all_stop.headway_cv": 0.6}), bole)
    buses = bus_times(run, 0, 0)
    h = np.diff(buses)
    assert 0.45 < h.std() / h.mean() < 0.75  # the dispatch irregularity asked for
    waits = waits_at(run, 0, 0, (buses[0], buses[-1]))
    assert waits.mean() == pytest.approx(expected_wait_s(run, 0, 0), rel=0.05)
    regular = simulate(long_uncrowded(), bole)
    steady = bus_times(regular, 0, 0)
    assert waits.mean() > 1.2 * waits_at(regular, 0, 0, (steady[0], steady[-1])).mean()  # irregularity costs waiting time
    # downstream the headways are the engine's own (dwell and signals), the law still holds
    observed, predicted = 0.0, 0.0
    for station in range(1, len(bole.station_name) - 1):
        buses = bus_times(run, station, 0)
        w = waits_at(run, station, 0, (buses[0], buses[-1]))
        observed += w.sum()
        predicted += len(w) * expected_wait_s(run, station, 0)
    assert observed == pytest.approx(predicted, rel=0.05)


# --- one berth against the TCQSM loading-area formula ---------------------------------------


def one_berth(headway_s: float, dwell_s: np.ndarray, clearance_s: float) -> tuple[float, float]:
    """Buses every ``headway_s`` through one berth; returns (failure rate, buses per hour served)."""
    env = simpy.Environment()
    platform = Platform(env, berths=1, passing_lane=False, clearance_s=clearance_s)
    failures, departures = [], []

    def bus(k: int):
        yield env.timeout(k * headway_s)
        failures.append(platform.must_wait())
        visit = yield from platform.visit(lambda: float(dwell_s[k]))
        departures.append(visit.depart_s)

    for k in range(len(dwell_s)):
        env.process(bus(k))
    env.run()
    return float(np.mean(failures)), 3600.0 * (len(departures) - 1) / (max(departures) - min(departures))


@pytest.mark.parametrize("failure_rate", [0.10, 0.15, 0.25])
def test_one_berth_throughput_matches_tcqsm_loading_area_formula(failure_rate: float) -> None:
    t_d, c_v, t_c = 30.0, 0.6, 10.0  # the worked example in anchors.md 2.1
    rng = np.random.default_rng(7)
    dwell = np.clip(rng.normal(t_d, c_v * t_d, 4000), 1.0, None)
    lo, hi = t_c + 0.5 * t_d, t_c + 3.0 * t_d  # bisect for the headway giving the failure rate
    for _ in range(16):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if one_berth(mid, dwell, t_c)[0] > failure_rate else (lo, mid)
    _, simulated = one_berth(hi, dwell, t_c)
    z = NormalDist().inv_cdf(1 - failure_rate)
    tcqsm = 3600.0 * 1.0 / (t_c + 1.0 * t_d + z * c_v * t_d)  # g/C = 1 (no signal at the exit)
    assert simulated == pytest.approx(tcqsm, rel=0.10)


def test_saturated_berth_serves_one_bus_per_dwell_plus_clearance() -> None:
    dwell = np.full(500, 30.0)
    _, served = one_berth(0.0, dwell, clearance_s=10.0)  # every bus waiting from the start
    assert served == pytest.approx(3600.0 / 40.0, rel=0.01)


@pytest.mark.parametrize("passing_lane", [False, True])
def test_buses_overtake_only_where_the_station_has_a_passing_lane(passing_lane: bool) -> None:
    env = simpy.Environment()
    platform = Platform(env, berths=2, passing_lane=passing_lane, clearance_s=5.0)
    left: dict[str, float] = {}

    def bus(name: str, arrive_s: float, dwell_s: float):
        yield env.timeout(arrive_s)
        visit = yield from platform.visit(lambda: dwell_s)
        left[name] = visit.depart_s

    env.process(bus("slow", 0.0, 60.0))
    env.process(bus("quick", 1.0, 10.0))
    env.run()
    assert left["slow"] == 60.0
    assert left["quick"] == (11.0 if passing_lane else 60.0 + FOLLOW_S)  # in a linear stop it follows the bus in front


# --- conservation and determinism ------------------------------------------------------------


def check_conservation(run: Run) -> dict[str, int]:
    """The counted passengers' conservation, and every passenger's (a warm-up's too) in the stop events; returns the counts."""
    counts = passenger_counts(run)
    assert counts["generated"] == counts["delivered"] + counts["waiting"] + counts["on_board"]
    t = run.simulated  # everything the engine ran: every stop event accounts for every passenger
    boarded, delivered = t.board_trip >= 0, np.isfinite(t.alight_s)
    on_board = int((boarded & ~delivered).sum())
    stops = t.stops
    assert stops["boarded"].sum() - stops["alighted"].sum() == on_board
    assert stops["boarded"].sum() == delivered.sum() + on_board
    assert (stops["load_pax"] <= t.trips["capacity_pax"].to_numpy()[stops["trip"]]).all()
    assert stops["denied"].sum() == t.left_behind.sum()
    p = t.passengers
    on = t.board_trip >= 0
    assert (t.board_s[on] >= p.arrive_s[on]).all()
    alight = t.alight_s
    done = np.isfinite(alight)
    assert (alight[done] > t.board_s[done]).all()
    # buses: never more in service than the fleet, and each turns around after its layover
    trips = t.trips.sort_values(["bus", "dispatch_s"])
    gap = trips.groupby("bus")["dispatch_s"].shift(-1) - trips["end_s"]
    assert (gap.dropna() >= run.scenario.layover_min * 60.0 - 1e-6).all()
    assert t.fleet_used <= run.scenario.fleet
    return counts


def test_conservation_in_the_preset_run(bole: Corridor) -> None:
    counts = check_conservation(simulate(addis(), bole))
    assert counts["generated"] > 5000 and counts["on_board"] == 0


def test_capacity_starved_run_denies_boardings_and_conserves(bole: Corridor) -> None:
    run = simulate(addis(**{"vehicle.capacity_pax": 30, "vehicle.seats": 20, "services.all_stop.peak_headway_min": 8}), bole)
    counts = check_conservation(run)
    summary = summarize(run, "starved")
    assert summary["passengers"]["denied_boardings"] > 1000
    assert counts["waiting"] > 0
    assert run.trace.stops["load_pax"].max() == 30


def test_run_stopped_at_the_period_end_has_passengers_on_board(bole: Corridor) -> None:
    run = simulate(addis(**{"period.finish_trips": False}), bole)
    counts = check_conservation(run)
    assert counts["on_board"] > 0
    assert run.trace.end_s == run.operations.end_s


def test_same_seed_same_summary_other_seed_differs(bole: Corridor) -> None:
    first, again = simulate(addis(), bole), simulate(addis(), bole)
    assert summarize(first, "x") == summarize(again, "x")
    pd.testing.assert_frame_equal(first.trace.stops, again.trace.stops)
    other = simulate(addis(seed=2021), bole)
    assert summarize(other, "x") != summarize(first, "x")
    assert len(other.trace.passengers) != len(first.trace.passengers)


def test_fleet_shortfall_makes_departures_late(bole: Corridor) -> None:
    run = simulate(addis(**{"services.all_stop.peak_headway_min": 2, "fleet": 6}), bole)
    trips = run.trace.trips
    assert run.trace.fleet_used == 6
    late = trips["dispatch_s"] - trips["scheduled_s"]
    assert late.max() > 600.0  # six buses cannot keep a 2-minute headway on a 24-minute cycle
    check_conservation(run)


def test_results_folder_has_summary_and_tables(bole: Corridor, tmp_path: Path) -> None:
    from corridor_sim.pipeline import run_scenario

    output = run_scenario(addis(), out=tmp_path / "run", corridor=bole)
    names = {p.name for p in (tmp_path / "run").iterdir()}
    assert names == {
        "summary.json", "corridor.json", "trajectories.parquet", "stop_events.parquet",
        "station_stats.parquet", "segment_loads.parquet", "od_summary.parquet",
        "segment_emissions.parquet", "segment_safety.parquet", "wait_distribution.parquet",
        "scenario.json", "map_layers.parquet", "minibus", "appraisal_cash_flows.parquet",
    }  # fmt: skip
    assert (tmp_path / "run/minibus/summary.json").is_file()  # today's minibuses, as a run folder of their own
    pax = output.summary["passengers"]
    waits = pd.read_parquet(tmp_path / "run/wait_distribution.parquet")
    assert waits["passengers"].sum() == pax["generated"] - pax["waiting"]  # every boarded passenger, once
    od = pd.read_parquet(tmp_path / "run/od_summary.parquet")
    assert od["generated"].sum() == output.summary["passengers"]["generated"]
    loads = pd.read_parquet(tmp_path / "run/segment_loads.parquet")
    crit = output.summary["directions"][0]["critical_segment"]
    assert loads.loc[loads["direction"] == 0, "pax"].max() == crit["pphpd"]
    stations = pd.read_parquet(tmp_path / "run/station_stats.parquet")
    # the stop events count every boarding in the period: the counted passengers' and the warm-up's riders'
    sim, start = output.run.simulated, output.run.operations.start_s
    early = (sim.passengers.arrive_s < start) & (sim.board_trip >= 0)
    left_s = sim.stops.set_index(["trip", "station"])["depart_s"]
    boarding_stop = pd.MultiIndex.from_arrays([sim.board_trip[early], sim.passengers.origin[early]])
    riders = int((left_s.reindex(boarding_stop).to_numpy() >= start).sum())
    assert stations["boardings"].sum() == output.summary["passengers"]["delivered"] + riders
    assert riders > 0 and output.summary["passengers"]["warm_up"]["generated"] > 0
    assert (stations["saturation"].between(0, 1)).all()


def test_limited_stop_service_skips_stations_and_carries_only_its_pairs(corridors: dict[str, Corridor]) -> None:
    scenario = load_scenario(PRESETS["nairobi"], {"period.start": "06:30", "period.end": "08:30"})
    run = simulate(scenario, corridors["nairobi"])
    check_conservation(run)
    names = list(corridors["nairobi"].station_name)
    express = {names.index(s) for s in scenario.services["express"].stops}
    trips, stops = run.trace.trips, run.trace.stops
    express_trips = set(trips.loc[trips["service"] == "express", "trip"])
    assert set(stops.loc[stops["trip"].isin(express_trips), "station"]) == express
    p, t = run.trace.passengers, run.trace
    rode = np.isin(t.board_trip, list(express_trips))
    assert rode.sum() > 1000
    assert np.isin(p.origin[rode], list(express)).all() and np.isin(p.destination[rode], list(express)).all()
    summary = summarize(run, "x")
    for d in summary["directions"]:
        assert d["services"]["express"]["commercial_speed_kmh"] > d["services"]["all_stop"]["commercial_speed_kmh"]
        assert d["critical_segment"]["pphpd"] <= 45_000 and d["max_buses_per_h_at_a_station"] <= 350
    assert summary["checks"] == []
