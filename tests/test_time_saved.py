"""Today's minibuses in every run: a plain run gives the time a BRT trip saves against each previous mode,
per trip and per year, from today's minibus service simulated with the same riders in today's traffic."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PRESETS

from corridor_sim._errors import ScenarioError
from corridor_sim.corridor import Corridor
from corridor_sim.evaluation import run_and_evaluate
from corridor_sim.scenario import load_scenario


@pytest.fixture(scope="module")
def addis(corridors: dict[str, Corridor]):
    return run_and_evaluate(load_scenario(PRESETS["addis_ababa"]), corridors["addis_ababa"], "t", all_tables=False)


def test_a_plain_run_times_its_riders_against_today(addis) -> None:
    summary = addis.summary
    saved, minibus = summary["time_saved"], summary["minibus"]
    # today's service carried the BRT's riders who ride minibuses today: conserved, that share of the BRT's
    today = minibus["passengers"]
    share = sum(
        v for k, v in load_scenario(PRESETS["addis_ababa"]).baseline.mode_shares.items() if k.startswith(("minibus", "bus_"))
    )
    assert today["conserved"] and today["generated"] == pytest.approx(share * summary["passengers"]["generated"], rel=0.05)
    modes = saved["by_previous_mode"]
    assert sum(m["share"] for m in modes.values()) == pytest.approx(1.0, abs=1e-3)
    assert modes["minibus_14"]["today_min"] == minibus["journey_min"]["mean"]
    assert saved["brt_journey_min"] == summary["journey_min"]["mean"]
    for mode in modes.values():
        assert mode["saved_min_per_trip"] == pytest.approx(mode["today_min"] - saved["brt_journey_min"], abs=0.01)
    weighted = sum(m["share"] * m["saved_min_per_trip"] for m in modes.values())
    assert saved["saved_min_per_trip"] == pytest.approx(weighted, abs=0.01)
    # a year: the period's delivered trips x operating days, each saving the mean
    assert saved["trips_per_year"] == summary["passengers"]["delivered"] * 300
    assert saved["person_hours_saved_per_year"] == pytest.approx(
        saved["saved_min_per_trip"] * saved["trips_per_year"] / 60, rel=1e-3
    )
    # walking and cycling the corridor distance at their speeds: cycling is 12 km/h / (1.2 m/s x 3.6) times faster
    assert modes["walk"]["today_min"] / modes["cycle"]["today_min"] == pytest.approx(12.0 / (1.2 * 3.6), rel=1e-3)


def test_the_baseline_can_be_skipped_but_not_under_mode_choice(corridors: dict[str, Corridor]) -> None:
    scenario = load_scenario(PRESETS["addis_ababa"], {"paratransit.simulate": False})
    evaluation = run_and_evaluate(scenario, corridors["addis_ababa"], "t", all_tables=False)
    assert "minibus" not in evaluation.summary and "time_saved" not in evaluation.summary and evaluation.minibus is None
    with pytest.raises(ScenarioError, match=r"paratransit.simulate = false: mode choice needs"):
        load_scenario(PRESETS["addis_ababa"].with_name("bole_road_brt_mode_shift.toml"), {"paratransit.simulate": False})


def test_the_headline_shows_today_for_every_plain_run(addis) -> None:
    from corridor_sim.results.headline import headline_rows

    rows = {row.label: row for row in headline_rows(addis.summary)}
    journey = rows["Mean journey time, platform to platform"]
    assert journey.baseline == str(addis.summary["minibus"]["journey_min"]["mean"])
    assert rows["Time saved per trip against the rider's mode today"].scenario == str(
        addis.summary["time_saved"]["saved_min_per_trip"]
    )
    assert np.isfinite(float(rows["Person-hours saved a year"].scenario))
