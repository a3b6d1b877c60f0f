"""The warm-up before the counted period (``period.warm_up_min``, :mod:`corridor_sim.engine.warm_up`).

Runs use the real preset corridors (Kampala Jinja Road from its GTFS shape and road layers, Addis
Ababa Bole Road from its OSM extract, Nairobi Thika Road from its GTFS shape), with scenario
values changed by dotted path.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PRESETS

from corridor_sim._errors import ScenarioError
from corridor_sim.corridor import Corridor, corridor_from_alignment
from corridor_sim.demand import build_demand
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.engine.traffic import BIN_S, volume_per_lane
from corridor_sim.evaluation import evaluate
from corridor_sim.indicators import passenger_counts, segment_loads, station_stats, summarize
from corridor_sim.results.summary import flatten
from corridor_sim.scenario import clock_s, load_scenario

#: Seeds whose mean the one-hour test compares (one realization of a corridor near capacity varies by
#: some 5 % in its hour's mean wait; four give the mean within about 2 %).
SEEDS = (1, 2, 3, 4)


def run_of(city: str, corridors: dict[str, Corridor], **overrides: object) -> Run:
    scenario = load_scenario(PRESETS[city], overrides)
    return simulate(scenario, corridor_from_alignment(scenario, corridors[city].alignment))


def hour_wait_min(run: Run, from_s: float) -> float:
    """Mean wait of the passengers who reached a platform in the hour from ``from_s`` and boarded (min)."""
    t = run.trace
    arrive = t.passengers.arrive_s
    mine = (arrive >= from_s) & (arrive < from_s + 3600.0) & np.isfinite(t.board_s)
    return float((t.board_s[mine] - arrive[mine]).mean() / 60.0)


def one_hour_over_three(corridors: dict[str, Corridor], **overrides: object) -> float:
    """Kampala's 07:00-08:00 run against the same hour of a 06:00-09:00 run: ratio of their mean waits over :data:`SEEDS`.

    Jinja Road's demand and traffic are the same all morning (no profile), so a run that has reached its
    steady state gives the same hour whatever came before; its all-stop buses need 20-25 minutes end to end.
    """
    means = []
    for start, end in (("07:00", "08:00"), ("06:00", "09:00")):
        period = {"period.start": start, "period.end": end, **overrides}
        means.append(np.mean([hour_wait_min(run_of("kampala", corridors, seed=seed, **period), 7 * 3600.0) for seed in SEEDS]))
    return float(means[0] / means[1])


def test_one_hour_run_gives_the_same_hour_of_a_three_hour_run(corridors: dict[str, Corridor]) -> None:
    """With the default warm-up an hour's run measures that hour; without, it measures the empty start."""
    assert one_hour_over_three(corridors) == pytest.approx(1.0, abs=0.05)
    # the same comparison without a warm-up: the one-hour run's waits are more than doubled by its empty start
    assert one_hour_over_three(corridors, **{"period.warm_up_min": 0}) > 1.8


def test_default_is_one_cycle_of_the_longest_service(corridors: dict[str, Corridor]) -> None:
    """The estimate before the run against the cycle the run measures (both directions' mean run time and two layovers)."""
    for city, overrides, under in (
        ("kampala", {}, 0.05),
        ("addis_ababa", {}, 0.05),
        ("nairobi", {"period.start": "07:00", "period.end": "08:00"}, 0.15),  # berth and stop-line queues at 90 buses/h
    ):
        scenario = load_scenario(PRESETS[city], overrides)
        assert scenario.period.warm_up_min is None  # unset until the corridor is known
        run = simulate(scenario, corridor_from_alignment(scenario, corridors[city].alignment))
        warm_up = run.scenario.period.warm_up_min
        summary = summarize(run, "t")
        assert summary["period"]["warm_up_min"] == warm_up
        cycles = [
            sum(d["services"][name]["run_time_mean_min"] for d in summary["directions"]) + 2 * scenario.layover_min
            for name in scenario.services
        ]
        assert max(cycles) * (1 - under) <= warm_up <= max(cycles) * 1.05 + 1.0, (city, warm_up, cycles)  # rounded up
    # the default never reaches back before 00:00: a period starting at 00:20 warms up for 20 minutes
    late = run_of("addis_ababa", corridors, **{"period.start": "00:20", "period.end": "01:00"})
    assert late.scenario.period.warm_up_min == 20.0 and late.operations.run_start_s == 0.0


def test_warm_up_passengers_ride_but_are_not_counted(corridors: dict[str, Corridor]) -> None:
    run = run_of("kampala", corridors, **{"period.start": "07:00", "period.end": "08:00"})
    start = 7 * 3600.0
    t, everything = run.trace, run.simulated
    warm_up = t.warm_up
    assert warm_up is not None and warm_up.run_start_s == start - run.scenario.period.warm_up_min * 60.0
    # the counted passengers are those who reached a platform in the period; the others are the warm-up's
    assert (t.passengers.arrive_s >= start).all()
    early = everything.passengers.arrive_s < start
    assert warm_up.passengers == early.sum() > 0 and len(t.passengers) + early.sum() == len(everything.passengers)
    assert warm_up.waiting_at_start > 0 and warm_up.on_board_at_start > 1000  # the period starts with loaded buses
    # conservation of the counted passengers, and of everyone the stop events carried
    counts = passenger_counts(run)
    assert counts["generated"] == counts["delivered"] + counts["waiting"] + counts["on_board"]
    summary = summarize(run, "t")
    assert summary["passengers"]["conserved"] and not any("conservation" in c for c in summary["checks"])
    assert summary["passengers"]["warm_up"] == {
        "generated": warm_up.passengers,
        "waiting_at_start": warm_up.waiting_at_start,
        "on_board_at_start": warm_up.on_board_at_start,
    }
    stops = t.stops
    assert (
        stops["boarded"].sum() - stops["alighted"].sum() + warm_up.load_carried_in == counts["on_board"] + warm_up.on_board_at_end
    )
    assert stops["denied"].sum() >= t.left_behind.sum()  # stop events also leave warm-up passengers behind
    # the warm-up's riders take room: the counted stop events carry more than the counted passengers
    assert stops["boarded"].sum() > counts["delivered"] + counts["on_board"]
    # bus records count from the start: stop events the bus left in the period, trips dispatched in it, hours from 07:00
    assert (stops["depart_s"] >= start).all() and (everything.stops["depart_s"] < start).any()
    assert (t.period_trips["dispatch_s"] >= start).all() and summary["fleet"]["trips"] == len(t.period_trips)
    assert (everything.trips["dispatch_s"] < start).any()
    assert (segment_loads(run)["hour"] >= 7).all()
    assert station_stats(run)["saturation"].between(0.0, 1.0).all()


def test_zero_warm_up_is_the_run_before_the_warm_up(corridors: dict[str, Corridor]) -> None:
    """``warm_up_min = 0`` runs exactly as corridor-sim did before the warm-up (figures of the Bole Road preset then)."""
    run = run_of("addis_ababa", corridors, **{"period.warm_up_min": 0})
    assert run.trace is run.simulated and run.trace.warm_up is None and run.operations.run_start_s == 7 * 3600.0
    summary = flatten(evaluate(run, "t")[0])
    before = {
        "passengers.generated": 11089,
        "passengers.delivered": 10962,
        "passengers.waiting": 127,
        "wait_min.mean": 1.2,
        "wait_min.p95": 3.28,
        "journey_min.mean": 6.93,
        "in_vehicle_min.mean": 5.73,
        "fleet.used": 12,
        "fleet.trips": 80,
        "bus_km": 295.8,
        "stations.max_saturation": 0.152,
        "stations.dwell_mean_s": 26.4,
        "emissions.scenario.co2_t": 12202.13,
        "emissions.baseline.co2_t": 12962.64,
        "safety.scenario.deaths_per_year.estimate": 0.692,
        "passengers.warm_up.generated": 0,
        "period.warm_up_min": 0.0,
    }
    assert {k: summary[k] for k in before} == before


def test_warm_up_holds_the_clock_tables_before_their_first_entry(corridors: dict[str, Corridor]) -> None:
    """Nairobi's profile and volumes begin at 05:00: a warm-up before it runs at 05:00's values, not the peak's or none."""
    scenario = load_scenario(PRESETS["nairobi"])
    start, run_start = float(clock_s("05:00")), float(clock_s("03:30"))
    demand = build_demand(scenario)
    assert demand.factor(4 * 3600.0) == 1.0  # the profile's value before its first entry
    assert demand.held_in_warm_up(run_start, start).factor(4 * 3600.0) == pytest.approx(0.3)
    assert demand.held_in_warm_up(run_start, start).factor(6.5 * 3600.0) == demand.factor(6.5 * 3600.0)
    assert demand.held_in_warm_up(start, start) is demand
    bin_4am = int(4 * 3600 // BIN_S)
    assert volume_per_lane(scenario.traffic)[bin_4am] == 0.0
    assert volume_per_lane(scenario.traffic, run_start, start)[bin_4am] == 600.0
    # without peak_hours the warm-up is peak too: Bole Road's buses leave every 3 minutes before 07:00
    run = run_of("addis_ababa", corridors, **{"period.end": "08:00"})
    trips = run.simulated.trips
    early = np.sort(trips.loc[(trips["direction"] == 0) & (trips["scheduled_s"] < 7 * 3600.0), "scheduled_s"].to_numpy())
    assert len(early) >= 10 and np.allclose(np.diff(early), 180.0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (480, "period.warm_up_min = 480: the warm-up would begin before 00:00 (start 07:00 less 480 min)"),
        (-5, "period.warm_up_min = -5: Input should be greater than or equal to 0"),
        (800, "period.warm_up_min = 800: Input should be less than or equal to 720"),
        (float("nan"), "period.warm_up_min = nan: Input should be a finite number"),
    ],
)
def test_bad_warm_up_is_a_named_error(value: float, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        load_scenario(PRESETS["addis_ababa"], {"period.warm_up_min": value})
    assert message in str(error.value)
    if value == 480:
        assert "allowed 0 to 420 for this start" in str(error.value)
