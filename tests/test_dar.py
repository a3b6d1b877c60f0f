"""Dar es Salaam DART Phase 1: the fourth city built from its data, checked against the system that runs.

The preset's corridor against the OSM relation it follows, its stations and their sources; the preset
as shipped against DART's published end-to-end times, ridership and fleet (the figures are pinned:
README.md and benchmarks/README.md print them); and what the preset needed that any new corridor
needs: vector files of every kind, stations placed by distance, signals at named junctions or
positions, services switched off, minibus routes from a layer of lines.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import REPO
from pyproj import Geod

from corridor_sim import attributes
from corridor_sim._errors import CorridorBuildError, ScenarioError
from corridor_sim.corridor import Corridor, build_corridor, corridor_from_alignment
from corridor_sim.data import data_file
from corridor_sim.network import conflate
from corridor_sim.network.vector import read_vector
from corridor_sim.scenario import load_scenario

DART = REPO / "scenarios/dar_es_salaam/dart_phase1.toml"
VARIANTS = [REPO / f"scenarios/dar_es_salaam/dart_phase1_{v}.toml" for v in ("mode_shift", "nmt")]
RELATION = "relation/6892584"  # OSM UDART route relation Kimara_Kivukoni
GEOD = Geod(ellps="WGS84")

# The validation figures benchmarks/README.md and README.md print for the preset as shipped
# (corridor-sim run scenarios/dar_es_salaam/dart_phase1.toml), to their printed rounding.
PINNED = {
    "all_stop_min": (35.1, 32.1),  # to Kivukoni, to Kimara Mwisho: mean run time, min
    "express_min": (26.4, 26.6),
    "passengers": 162_459,  # generated over 05:00-23:00
    "fleet_used": {"brt_18m": 36, "standard": 84},
    "express_to_posta_min": 23.4,
    "peak_gap_mean_min": 0.9,
    "peak_gap_p95_min": 2.4,
    "denied_once_pct": 8.1,
}
#: The same with every run-time parameter at the slow end of its documented range (benchmarks/dar_validation.py --slow-end).
PINNED_SLOW_END = {"all_stop_min": (38.1, 35.6), "express_min": (28.9, 29.3)}
#: Published (The Citizen, 2016-05-10): express at most 40 minutes Kivukoni - Kimara, the all-stop at most an hour.
PUBLISHED_MAX_MIN = {"express": 40.0, "all_stop": 60.0}


@pytest.fixture(scope="module")
def dart() -> Corridor:
    return build_corridor(load_scenario(DART))


@pytest.fixture(scope="module")
def relation_line() -> shapely.LineString:
    routes = read_vector(data_file("dar_es_salaam/udart_routes_osm.shp"))
    return routes[routes["id"] == RELATION].geometry.iloc[0]


def _validation() -> Any:
    """benchmarks/dar_validation.py, which prints the validation table (loaded by path: benchmarks/ is no package)."""
    spec = importlib.util.spec_from_file_location("dar_validation", REPO / "benchmarks/dar_validation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dart_output(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The preset as shipped, run once (a day, 05:00-23:00) through the pipeline."""
    from corridor_sim.pipeline import run_scenario

    return run_scenario(load_scenario(DART), out=tmp_path_factory.mktemp("dart") / "run")


@pytest.fixture(scope="module")
def dart_run(dart_output: Any) -> dict[str, Any]:
    return dart_output.summary


# --- the corridor from its data -------------------------------------------------------------------


def test_corridor_follows_the_osm_relation_within_3_percent(dart: Corridor, relation_line: shapely.LineString) -> None:
    assert dart.alignment.source == "geojson" and "udart_routes_osm.shp" in dart.alignment.detail
    relation_m = GEOD.geometry_length(relation_line)  # an independent measure: geodesic, WGS84
    assert relation_m == pytest.approx(15_890, abs=30)  # PROVENANCE.md: 15.89 km
    assert dart.total_length_m == pytest.approx(relation_m, rel=0.03)
    assert 15_000 < dart.total_length_m < 16_000  # "16 km from the city centre to Kimara" (The Citizen)


def test_every_station_within_50_m_of_the_line_and_its_source_recorded(dart: Corridor) -> None:
    assert len(dart.station_name) == 25
    assert dart.station_offset_m.max() <= 50.0
    assert np.all(np.diff(dart.station_chainage_m) > 0)
    sources = list(dart.station_source)
    assert all(s.startswith(("OSM node/", "2015 planning feed")) for s in sources), sources
    assert sum(s.startswith("OSM node/") for s in sources) == 12  # 13 OSM DART stations, one of two Kimara Mwisho nodes
    given = [s.source for s in load_scenario(DART).corridor.stations]
    assert given == sources
    assert dart.station_name[0] == "Kimara Mwisho" and dart.station_name[-1] == "Kivukoni"


def test_road_attributes_come_from_the_three_osm_pieces(dart: Corridor) -> None:
    notes = " ".join(dart.alignment.notes)
    assert "'morogoro_road' matched" in notes and "'central_osm2po' matched" in notes
    shares = dart.source_shares().fillna(0.0)
    assert shares.loc["highway", "road layer"] > 0.99
    assert shares.loc["lanes", "road layer"] > 0.3  # Overpass lanes (lanes:psv taken off)
    assert shares.loc["signals", "scenario assumption"] == pytest.approx(1.0)  # no file tags a signal
    assert len(dart.signal_m) == 9 and dart.placed_signals["name"].iloc[0].startswith("Ubungo")


# --- the preset as shipped against the published operation ----------------------------------------


def test_published_end_to_end_times_are_reproduced(dart_run: dict[str, Any]) -> None:
    """Express at most 40 min, all-stop at most an hour, both ways; the figures as benchmarks/README.md prints them."""
    for k, direction in enumerate(dart_run["directions"]):
        services = direction["services"]
        for name, limit in PUBLISHED_MAX_MIN.items():
            assert 0 < services[name]["run_time_mean_min"] <= limit
        assert services["all_stop"]["run_time_mean_min"] == pytest.approx(PINNED["all_stop_min"][k], abs=0.05 + 1e-9)
        assert services["express"]["run_time_mean_min"] == pytest.approx(PINNED["express_min"][k], abs=0.05 + 1e-9)


def test_the_rest_of_the_validation_table(dart_run: dict[str, Any], dart_output: Any) -> None:
    """The planned time to the city centre, the time between buses, riders left behind (as printed)."""
    figures = _validation().validation_figures(dart_run, dart_output.folder)
    for key in ("express_to_posta_min", "peak_gap_mean_min", "peak_gap_p95_min"):
        assert figures[key] == pytest.approx(PINNED[key], abs=0.05 + 1e-9), key
    assert 100 * figures["denied_once_share"] == pytest.approx(PINNED["denied_once_pct"], abs=0.05 + 1e-9)
    assert figures["express_to_posta_min"] == pytest.approx(25.0, rel=0.07)  # the planning target, within 7 %


def test_the_published_45_minutes_is_out_of_reach_within_the_documented_ranges() -> None:
    """At the slow end of every run-time parameter's range the all-stop still runs under ITDP's 45 min."""
    module = _validation()
    slow = module.run(module.SLOW_END)
    for k in (0, 1):
        assert slow[f"all_stop_min[{k}]"] == pytest.approx(PINNED_SLOW_END["all_stop_min"][k], abs=0.05 + 1e-9)
        assert slow[f"express_min[{k}]"] == pytest.approx(PINNED_SLOW_END["express_min"][k], abs=0.05 + 1e-9)
        assert slow[f"all_stop_min[{k}]"] < 45.0


def test_the_capital_cost_of_the_works_against_the_published_one(dart_run: dict[str, Any]) -> None:
    """README's row: Phase 1's works (fleet and land apart) at the profile's assumed unit costs, per km."""
    a = dart_run["appraisal"]
    items = a["capital_cost_by_item_usd"]
    works_usd_per_km = (a["capital_cost_usd"] - items["fleet"] - items["land"]) / dart_run["corridor"]["length_km"]
    assert works_usd_per_km / 1e6 == pytest.approx(7.3, abs=0.05 + 1e-9)  # README: US$7.3 M/km
    published = (125e6 - 20e6) / 20.9  # ansoncfit: US$125 M incl. 20 M expropriation, 20.9 km
    assert works_usd_per_km / published == pytest.approx(1.45, abs=0.01)  # README: 45 % high


def test_ridership_and_fleet_as_published(dart_run: dict[str, Any]) -> None:
    passengers = dart_run["passengers"]
    assert passengers["generated"] == PINNED["passengers"]
    assert 160_000 <= passengers["generated"] <= 170_000  # >160,000 (2016, ITDP), about 170,000 (2017, The Citizen)
    assert passengers["delivered"] >= 0.99 * passengers["generated"]
    fleet = dart_run["fleet"]
    assert fleet["available"] == 140 and fleet["by_vehicle"]["brt_18m"]["available"] == 39
    assert {k: v["used"] for k, v in fleet["by_vehicle"].items()} == PINNED["fleet_used"]
    assert fleet["by_vehicle"]["standard"]["capacity_pax"] == 80 and fleet["by_vehicle"]["brt_18m"]["capacity_pax"] == 150
    assert dart_run["period"]["start"] == "05:00" and dart_run["period"]["end"] == "23:00"


def test_variants_and_sweep_validate() -> None:
    for path in VARIANTS:
        scenario = load_scenario(path)
        assert scenario.mode_choice.enabled and scenario.paratransit.routes == "daladala_2015"
    assert load_scenario(VARIANTS[1]).corridor.protected_crossing_spacing_m == 250


# --- what a new corridor needs ----------------------------------------------------------------------


def test_vector_files_of_every_kind_are_read(shared_data: Path) -> None:
    overpass = read_vector(shared_data / "dar_es_salaam/osm_overpass_morogoro_road_2026-02-04.json")
    assert len(overpass) == 72 and set(overpass.geometry.geom_type) == {"LineString"}
    assert overpass["osm_id"].str.startswith("way/").all() and (overpass["lanes:psv"] == "1").sum() == 20
    wrapped = read_vector(shared_data / "dar_es_salaam/daladala_routes_ally_2015_unordered.js.geojson")
    assert len(wrapped) == 244 and {"route_id", "route_long_name"} <= set(wrapped.columns)
    shapefile = read_vector(shared_data / "dar_es_salaam/udart_routes_osm.shp", columns=["id", "name"])
    assert len(shapefile) == 19 and list(shapefile.columns) == ["id", "name", "geometry"]


def test_lanes_reserved_for_buses_are_not_general_lanes() -> None:
    assert attributes.lanes_per_direction("3", "yes", psv="1") == 2.0
    assert attributes.lanes_per_direction("2", "yes", psv="1") == 1.0
    assert attributes.lanes_per_direction("4", "no", psv="1") == 2.0  # two-way: psv is not per direction
    assert attributes.lanes_per_direction("3", "yes") == 3.0


def test_an_osm2po_edge_table_gives_classes_names_and_one_ways() -> None:
    roads = conflate.load_road_layer("dar_es_salaam", "central_osm2po", "EPSG:32737")
    morogoro = roads[roads["name"].str.contains("Morogoro", na=False)]
    assert len(morogoro) == 40 and set(morogoro["highway"]) == {"primary"}  # PROVENANCE.md: 40 edges, osm2po class 15
    assert set(morogoro["oneway"]) == {"yes"}
    assert "maxspeed" not in roads and "lanes" not in roads  # osm2po's KMH is a class default, not a tag


def test_a_station_placed_by_distance_stands_where_its_coordinates_would(dart: Corridor, relation_line) -> None:
    scenario = load_scenario(DART)
    k = list(dart.station_name).index("Kibo")
    full = gpd.GeoSeries([relation_line], crs="EPSG:4326").to_crs(dart.alignment.crs).iloc[0]
    point = gpd.GeoSeries(gpd.points_from_xy([dart.station_lon[k]], [dart.station_lat[k]]), crs="EPSG:4326")
    along = float(full.project(point.to_crs(dart.alignment.crs).iloc[0]))
    moved = load_scenario(DART, {f"corridor.stations.{k}": {"name": "Kibo", "distance_m": along}})
    corridor = corridor_from_alignment(moved, build_corridor(moved).alignment)
    assert corridor.station_chainage_m[k] == pytest.approx(dart.station_chainage_m[k], abs=0.5)
    assert corridor.station_offset_m[k] == pytest.approx(0.0, abs=1e-6)
    assert corridor.station_source[k] == "distance along the line"
    assert abs(corridor.station_lat[k] - dart.station_lat[k]) < 1e-4 and abs(corridor.station_lon[k] - dart.station_lon[k]) < 1e-4
    beyond = load_scenario(DART, {f"corridor.stations.{len(dart.station_name) - 1}": {"name": "Kivukoni", "distance_m": 20_000}})
    with pytest.raises(CorridorBuildError, match="beyond the end"):
        build_corridor(beyond)
    with pytest.raises(ScenarioError, match="one of them"):
        load_scenario(DART, {f"corridor.stations.{k}.distance_m": along})
    assert scenario.corridor.stations[k].lat is not None  # the preset itself is unchanged


def test_a_station_placed_by_distance_skips_the_osm_source() -> None:
    data_osm = {"corridor.alignment": [{"source": "osm"}, *load_scenario(DART).model_dump()["corridor"]["alignment"]]}
    scenario = load_scenario(DART, {**data_osm, "corridor.stations.5": {"name": "Kibo", "distance_m": 3600.0}})
    corridor = build_corridor(scenario)
    assert corridor.alignment.source == "geojson"
    assert any(note.startswith("osm unavailable") and "distance_m" in note for note in corridor.alignment.notes)


def test_signals_are_placed_at_named_junctions_positions_and_coordinates(dart: Corridor) -> None:
    at = dart.placed_signals.set_index("name")["at_m"]
    kawawa = at["Magomeni (Kawawa Road)"]
    names = list(dart.station_name)
    assert (
        dart.station_chainage_m[names.index("Magomeni Usalama")]
        < kawawa
        < dart.station_chainage_m[names.index("Magomeni Mapipa")]
    )
    point = gpd.GeoSeries([dart.alignment.line.interpolate(kawawa)], crs=dart.alignment.crs).to_crs("EPSG:4326").iloc[0]
    overrides = {
        "corridor.signals": [
            {"name": "by distance", "at_m": 1000.0},
            {"name": "by coordinates", "lat": point.y, "lon": point.x},
            {"cross_street": "kawawa road"},  # names match without case
        ]
    }
    scenario = load_scenario(DART, overrides)
    placed = corridor_from_alignment(scenario, dart.alignment).placed_signals.set_index("name")["at_m"]
    assert placed["by distance"] == 1000.0
    assert placed["by coordinates"] == pytest.approx(kawawa, abs=1.0)
    assert placed["kawawa road"] == pytest.approx(kawawa, abs=1.0)
    for bad, message in (
        ({"cross_street": "No Such Street"}, "no street named 'No Such Street' meets the corridor"),
        ({"cross_street": "Sokoine Drive"}, "meets the corridor at"),  # it runs along the corridor and across
        ({"at_m": 99_000.0}, "beyond the corridor"),
    ):
        with pytest.raises(CorridorBuildError, match=message):
            corridor_from_alignment(load_scenario(DART, {"corridor.signals": [bad]}), dart.alignment)
    with pytest.raises(ScenarioError, match="one of at_m, lat/lon or cross_street"):
        load_scenario(DART, {"corridor.signals": [{"at_m": 5.0, "cross_street": "Kawawa Road"}]})
    with pytest.raises(ScenarioError, match="not both"):
        load_scenario(DART, {"corridor.assume.signals_per_km": 1.0})


def test_a_service_is_switched_off_with_set() -> None:
    scenario = load_scenario(DART, {"services.express.enabled": False})
    assert "express" not in scenario.services and scenario.services_off["express"].enabled is False
    # the 12 m buses still run the branch routes; the scenario as run lists what was off
    assert set(scenario.services) == {"all_stop", "kimara_gerezani", "kimara_morocco"}
    assert scenario.model_dump(mode="json")["services_off"]["express"]["stops"][0] == "Kimara Mwisho"
    only = load_scenario(DART, {f"services.{k}.enabled": False for k in ("express", "kimara_gerezani", "kimara_morocco")})
    assert set(only.services) == {"all_stop"}  # the 12 m fleet has no service left: unused, not an error
    with pytest.raises(ScenarioError, match="every service is switched off"):
        load_scenario(
            DART, {f"services.{k}.enabled": False for k in ("all_stop", "express", "kimara_gerezani", "kimara_morocco")}
        )
    from corridor_sim.engine.operations import _fleet_specs

    assert list(_fleet_specs(only)) == [None]  # only the scenario's 18 m buses are dispatched


def test_today_s_daladala_come_from_the_route_layer_at_a_stated_headway(dart: Corridor) -> None:
    from corridor_sim.paratransit.baseline import minibus_baseline

    scenario = load_scenario(VARIANTS[0])
    baseline = minibus_baseline(scenario, corridor_from_alignment(scenario, dart.alignment))
    routes = baseline.routes
    assert len(routes) >= 20 and (routes["peak_headway_min"] == 10.0).all()
    assert set(routes["frequency_source"]) == {"scenario assumption (paratransit.headway_min)"}
    assert any("a stated assumption" in note for note in baseline.notes)
    assert set(baseline.stops["source"]) == {"corridor end", "spacing"}
    with pytest.raises(ScenarioError, match="no frequencies"):
        load_scenario(VARIANTS[0], {"paratransit.headway_min": None})
