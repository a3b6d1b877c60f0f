"""A vehicle per service: each service's buses come from its own fleet, carry that type's passengers,
dwell by its doors and emit by its class; the summary and the emissions give each type."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PRESETS

from corridor_sim._errors import ScenarioError
from corridor_sim.corridor import Corridor
from corridor_sim.engine.runner import simulate
from corridor_sim.evaluation import evaluate
from corridor_sim.scenario import load_scenario
from corridor_sim.vehicle_travel import brt_travel

#: Bole Road with Dar es Salaam's pattern: an all-stop service of 18 m buses (the scenario's
#: vehicle) and an express of 12 m buses from their own, short fleet, overtaking at the stations.
MIXED = {
    "corridor.passing_lanes": True,
    "fleet": 10,
    "vehicles.standard": {"type": "brt_12m", "buses": 4, "propulsion": "diesel_euro_iii"},
    "services.express": {
        "stops": ["Meskel Square approach", "Wollo Sefer", "Bole Dildiy (Africa-China Square)"],
        "peak_headway_min": 4,
        "vehicle": "standard",
    },
}


@pytest.fixture(scope="module")
def mixed_run(corridors: dict[str, Corridor]):
    from corridor_sim.corridor import corridor_from_alignment

    scenario = load_scenario(PRESETS["addis_ababa"], MIXED)
    return simulate(scenario, corridor_from_alignment(scenario, corridors["addis_ababa"].alignment))


def test_each_service_runs_the_buses_of_its_own_fleet(mixed_run) -> None:
    trips = mixed_run.trace.trips
    by_vehicle = trips.groupby("service")["vehicle"].unique()
    assert list(by_vehicle["all_stop"]) == ["brt_18m"] and list(by_vehicle["express"]) == ["standard"]
    # bus numbers never cross fleets, and no fleet lends more buses than it has
    buses = trips.groupby("vehicle")["bus"].agg(["min", "max", "nunique"])
    assert buses.loc["brt_18m", "max"] < 10 <= buses.loc["standard", "min"] and buses.loc["standard", "max"] < 14
    assert buses.loc["standard", "nunique"] <= 4
    assert set(trips.loc[trips["vehicle"] == "standard", "capacity_pax"]) == {80}
    assert set(trips.loc[trips["vehicle"] == "brt_18m", "capacity_pax"]) == {150}


def test_a_bus_never_carries_more_than_its_own_type_holds(mixed_run) -> None:
    stops, trips = mixed_run.trace.stops, mixed_run.trace.trips
    capacity = trips["capacity_pax"].to_numpy()[stops["trip"].to_numpy()]
    assert (stops["load_pax"].to_numpy() <= capacity).all()
    # the 4 express buses at a 4-minute headway are too few: the express runs late rather than borrowing
    express = trips[trips["service"] == "express"]
    assert (express["dispatch_s"] - express["scheduled_s"]).max() > 60.0


def test_the_summary_and_the_emissions_give_each_type(mixed_run) -> None:
    summary, tables = evaluate(mixed_run, "t")
    fleet = summary["fleet"]
    by = fleet["by_vehicle"]
    assert set(by) == {"brt_18m", "standard"}
    assert (by["brt_18m"]["available"], by["standard"]["available"], fleet["available"]) == (10, 4, 14)
    assert by["brt_18m"]["used"] + by["standard"]["used"] == fleet["used"]
    assert by["brt_18m"]["trips"] + by["standard"]["trips"] == fleet["trips"]
    assert by["brt_18m"]["bus_km"] + by["standard"]["bus_km"] == pytest.approx(summary["bus_km"], abs=0.11)
    # offered capacity on a segment is the sum of the buses' own capacities
    loads = tables["segment_loads"]
    assert ((loads["capacity_pax"] >= 80 * loads["buses"]) & (loads["capacity_pax"] <= 150 * loads["buses"])).all()
    assert (loads["capacity_pax"] % 10 == 0).all() and np.any(loads["capacity_pax"] % 150 != 0)
    # each fleet emits by its own class: the Euro III 12 m buses and the Euro V 18 m ones
    rows = brt_travel(mixed_run)
    km = rows.groupby("vehicle_class")["distance_km"].sum()
    assert len(km) == 2 and km.sum() == pytest.approx(summary["bus_km"], rel=0.01)


def test_vehicle_names_and_fleets_are_checked() -> None:
    with pytest.raises(ScenarioError, match=r"services\.express\.vehicle = 'articulated' is not a \[vehicles.<key>\] table"):
        load_scenario(PRESETS["addis_ababa"], {**MIXED, "services.express.vehicle": "articulated"})
    with pytest.raises(ScenarioError, match=r"vehicles\.spare: no service names it"):
        load_scenario(PRESETS["addis_ababa"], {**MIXED, "vehicles.spare": {"type": "brt_18m", "buses": 2}})
    with pytest.raises(ScenarioError, match=r"vehicles\.standard\.buses = 0"):
        load_scenario(PRESETS["addis_ababa"], {**MIXED, "vehicles.standard.buses": 0})
    with pytest.raises(ScenarioError, match=r"fleet = 10: every service names its vehicle"):
        load_scenario(PRESETS["addis_ababa"], {**MIXED, "services.all_stop.vehicle": "standard"})
    with pytest.raises(ScenarioError, match=r"vehicles\.brt_18m: the key is the type of the scenario's vehicle"):
        load_scenario(
            PRESETS["addis_ababa"],
            {**MIXED, "vehicles.brt_18m": {"type": "brt_12m", "buses": 2}, "services.express.vehicle": "brt_18m"},
        )


def test_each_type_dwells_by_its_own_doors() -> None:
    # on-board fares: boarding by the front door, alighting by the others, per type (4 channels on 18 m, 3 on 12 m)
    scenario = load_scenario(PRESETS["addis_ababa"], {**MIXED, "dwell.fare_collection": "on_board"})
    assert (scenario.vehicle.boarding_channels, scenario.vehicle.alighting_channels) == (1, 3)
    standard = scenario.vehicles["standard"]
    assert (standard.boarding_channels, standard.alighting_channels, standard.door_channels) == (1, 2, 3)
    assert standard.capacity_pax == 80 and standard.buses == 4
