"""Mode shift, the minibus baseline and walking access: the logit, its fixed point with the
simulation on every city, today's minibus service from GTFS, crossings and the NMT levers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import PRESETS
from typer.testing import CliRunner

from corridor_sim._errors import ScenarioError
from corridor_sim.cli import app
from corridor_sim.corridor import Corridor, corridor_from_alignment
from corridor_sim.demand import build_demand
from corridor_sim.engine.runner import simulate
from corridor_sim.engine.vehicles import vehicle_type
from corridor_sim.indicators import stop_events
from corridor_sim.mode_choice.access import walk_distances, zone_access
from corridor_sim.mode_choice.costs import generalized_cost_min
from corridor_sim.mode_choice.logit import aggregate_shares, calibrate_constants, logit_shares
from corridor_sim.mode_choice.service_levels import service_levels
from corridor_sim.nmt import crossing
from corridor_sim.paratransit.baseline import match_demand, minibus_baseline, stop_demand
from corridor_sim.pipeline import RunOutput, run_scenario
from corridor_sim.scenario import load_scenario

MODE_SHIFT = {city: path.with_name(path.stem + "_mode_shift.toml") for city, path in PRESETS.items()}
NMT = {city: path.with_name(path.stem + "_nmt.toml") for city, path in PRESETS.items()}


# --- the logit -------------------------------------------------------------------------------


def test_logit_shares_sum_to_one_and_move_toward_a_cheaper_mode() -> None:
    rng = np.random.default_rng(5)
    cost = rng.uniform(10, 90, size=(6, 6, 5))
    cost[0, 1, 2] = np.inf  # a mode unavailable to one pair
    constants = np.array([0.0, 0.3, -1.0, -2.0, -3.0])
    shares = logit_shares(cost, constants, 0.1)
    assert np.allclose(shares.sum(axis=-1), 1.0, atol=1e-12)
    assert shares[0, 1, 2] == 0.0
    cheaper = cost.copy()
    cheaper[..., 3] -= 5.0
    moved = logit_shares(cheaper, constants, 0.1)
    assert np.all(moved[..., 3] > shares[..., 3])
    others = np.delete(np.arange(5), 3)
    finite = np.isfinite(cost[..., others])
    assert np.all(moved[..., others][finite] < shares[..., others][finite])
    # the odds between two untouched modes do not change (independence of irrelevant alternatives)
    assert np.allclose(moved[..., 0] / moved[..., 1], shares[..., 0] / shares[..., 1])


def test_calibrated_constants_reproduce_the_observed_shares() -> None:
    rng = np.random.default_rng(7)
    cost = rng.uniform(10, 90, size=(8, 8, 5))
    trips = rng.uniform(0, 100, size=(8, 8))
    target = np.array([0.0, 0.6, 0.2, 0.15, 0.05])
    constants = calibrate_constants(cost, trips, target, 0.1)
    assert constants[0] == -np.inf
    assert np.allclose(aggregate_shares(logit_shares(cost, constants, 0.1), trips), target, atol=1e-8)


# --- crossings -------------------------------------------------------------------------------


def test_crossing_delays_follow_the_hcm_formulas() -> None:
    assert crossing.signalized_delay_s(np.array(120.0), np.array(0.45)) == pytest.approx((0.45 * 120) ** 2 / 240)
    v, lanes, speed = 600 / 3600, 2, 1.2
    t_c = lanes * crossing.LANE_WIDTH_M / speed + crossing.STARTUP_S
    expected = (np.exp(v * t_c) - v * t_c - 1) / v
    assert crossing.gap_delay_s(np.array(lanes), np.array(600.0), speed) == pytest.approx(expected)
    args = dict(lanes_per_direction=np.array([3.0]), carriageways=np.array([2]), flow_vph_per_lane=np.array([200.0]),
                cycle_s=np.array([120.0]), green_share=np.array([0.5]), walk_speed_ms=1.2)  # fmt: skip
    one_stage = crossing.crossing_time_s(np.array(["unsignalized"]), refuge=np.array([False]), **args)
    two_stage = crossing.crossing_time_s(np.array(["unsignalized"]), refuge=np.array([True]), **args)
    assert two_stage < one_stage  # a refuge halves the gap a walker needs
    walk_s = 6 * crossing.LANE_WIDTH_M / 1.2
    assert one_stage == pytest.approx(crossing.MAX_GAP_DELAY_S + walk_s)  # 1200 veh/h over 6 lanes: walkers force their way
    assert two_stage == pytest.approx(2 * crossing.gap_delay_s(np.array(3.0), np.array(600.0), 1.2) + walk_s)
    footbridge = crossing.crossing_time_s(np.array(["grade_separated"]), refuge=np.array([False]), **args)
    assert footbridge == pytest.approx(crossing.FOOTBRIDGE_S + walk_s)


# --- today's minibus service ------------------------------------------------------------------


@pytest.fixture(scope="module")
def kampala_minibus(corridors: dict[str, Corridor]):
    scenario = load_scenario(MODE_SHIFT["kampala"])
    return scenario, minibus_baseline(scenario, corridors["kampala"])


def test_minibus_stops_cover_the_corridor_and_routes_serve_their_overlap(kampala_minibus, corridors) -> None:
    scenario, baseline = kampala_minibus
    corridor = corridors["kampala"]
    chain = baseline.stops["chainage_m"].to_numpy()
    assert chain[0] == corridor.station_chainage_m[0] and chain[-1] == corridor.station_chainage_m[-1]
    assert np.all(np.diff(chain) > 0) and np.diff(chain).max() <= scenario.paratransit.stop_spacing_m + 1e-6
    assert set(baseline.stops["source"]) == {"corridor end", "feed", "spacing"}
    assert baseline.scenario.vehicle.type == "minibus_14" and set(baseline.corridor.running_way) == {"mixed_traffic"}
    names = list(baseline.stops["name"])
    for route in baseline.routes.itertuples():
        served = baseline.scenario.services[f"route_{route.route_id}"].stops
        at = chain[[names.index(s) for s in served]]
        assert at.min() >= route.start_m - scenario.paratransit.stop_spacing_m / 2 - 1e-6
        assert at.max() <= route.end_m + scenario.paratransit.stop_spacing_m / 2 + 1e-6
    # the re-cut road keeps its length and its lanes' lane-km
    assert baseline.corridor.total_length_m == pytest.approx(corridor.total_length_m)
    assert (baseline.corridor.lanes * baseline.corridor.length_m).sum() == pytest.approx(
        (corridor.lanes * corridor.length_m).sum()
    )
    assert any("stop_times" in note for note in baseline.notes)


def test_matched_frequencies_carry_the_riders_at_the_design_load(kampala_minibus) -> None:
    scenario, baseline = kampala_minibus
    demand = build_demand(scenario)
    od = stop_demand(baseline, demand, demand.peak_od_pax_h * 3.0).peak_od_pax_h
    assert od.sum() == pytest.approx(3.0 * demand.peak_od_pax_h.sum())  # every trip moved to a stop
    matched = match_demand(baseline, od, 0.85)
    assert matched.frequency_factor > 1.0
    n = len(baseline.stops)
    names = list(baseline.stops["name"])
    seats = np.zeros(n - 1)
    for service in matched.scenario.services.values():
        seats[names.index(service.stops[0]) : names.index(service.stops[-1])] += (
            60.0 / service.peak_headway_min * vehicle_type(matched.scenario.vehicle).capacity_pax
        )
    riders = np.array([[od[: k + 1, k + 1 :].sum(), od[k + 1 :, : k + 1].sum()] for k in range(n - 1)])
    assert np.max(riders / seats[:, None]) == pytest.approx(0.85)  # the busiest segment runs at the design load


@pytest.fixture(scope="module")
def addis_brt_run(corridors: dict[str, Corridor]):
    """The Addis Ababa mode-shift scenario's BRT simulated once (at the file's demand), and its service levels."""
    scenario = load_scenario(MODE_SHIFT["addis_ababa"])
    run = simulate(scenario, corridors["addis_ababa"])
    return scenario, run, service_levels(run)


def test_a_cycle_lane_divides_cyclings_cost_by_the_weight_and_raises_its_share(addis_brt_run, corridors) -> None:
    scenario, run, levels = addis_brt_run
    # a cycle lane divides cycling's cost by the documented weight and raises its share, nothing else
    corridor = corridors["addis_ababa"]
    access = zone_access(scenario, corridor, walk_distances(scenario, corridor, corridor.station_chainage_m), "scenario")
    stops = np.arange(len(corridor.station_name))
    car = run.operations.traffic.minutes_along(corridor.station_chainage_m)
    without, with_lane = (
        generalized_cost_min(scenario, corridor, access, levels, stops, levels, lane, car) for lane in (False, True)
    )
    pairs = np.isfinite(without[..., 4])
    assert np.allclose(with_lane[..., 4][pairs] * scenario.nmt.no_cycle_lane_time_weight, without[..., 4][pairs])
    assert np.array_equal(with_lane[..., :4], without[..., :4])
    constants = np.zeros(5)
    assert np.all(logit_shares(with_lane, constants, 0.1)[..., 4][pairs] > logit_shares(without, constants, 0.1)[..., 4][pairs])


def test_in_vehicle_times_add_up_to_the_buses_runs(addis_brt_run) -> None:
    _, run, levels = addis_brt_run
    stops = stop_events(run)
    last = len(run.corridor.station_name) - 1
    for direction, first, end in ((0, 0, last), (1, last, 0)):
        s = stops[stops["direction"] == direction]
        depart = s[s["station"] == first].set_index("trip")["depart_s"]
        arrive = s[s["station"] == end].set_index("trip")["arrive_s"]
        measured = (arrive - depart).dropna().mean() / 60.0
        assert levels.in_vehicle_min[first, end] == pytest.approx(measured, rel=0.01)
    assert np.all(np.isfinite(levels.wait_min)) and np.all(np.diag(levels.in_vehicle_min) == 0)


# --- the fixed point on every city -----------------------------------------------------------


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunOutput]:
    out = tmp_path_factory.mktemp("mode_shift")
    return {city: run_scenario(load_scenario(path), out=out / city) for city, path in MODE_SHIFT.items()}


@pytest.mark.parametrize("city", list(PRESETS))
def test_the_fixed_point_converges_on_every_preset(shifted: dict[str, RunOutput], city: str) -> None:
    summary = shifted[city].summary
    mc = summary["mode_choice"]
    assert mc["converged"] and mc["gap"] < mc["tolerance"] and 1 <= mc["iterations"] <= 15
    for world in ("shares_today", "shares_scenario"):
        assert sum(mc[world].values()) == pytest.approx(1.0, abs=1e-3)
    # with gridlocked general lanes (the presets' traffic exceeds their signals) the BRT may take nearly all trips
    assert mc["shares_today"]["brt"] == 0 and 0.05 < mc["shares_scenario"]["brt"] < 1.0
    assert mc["shares_scenario"]["minibus"] > 0  # today's service keeps riders
    # the run's demand is the shifted demand
    assert summary["passengers"]["conserved"]
    assert mc["brt_peak_pax_h"] == pytest.approx(mc["peak_trips_pax_h"] * mc["shares_scenario"]["brt"], rel=mc["tolerance"] * 2)
    folder = shifted[city].folder
    for table in ("mode_shares", "mode_choice_iterations", "station_access", "minibus_routes", "station_catchment"):
        assert (folder / f"{table}.parquet").is_file()
    minibus = (folder / "minibus" / "summary.json").read_text()
    assert '"conserved": true' in minibus


def test_kampala_runs_and_reports_the_missing_stop_times(shifted: dict[str, RunOutput]) -> None:
    notes = shifted["kampala"].summary["minibus"]["notes"]
    assert any("no stop_times.txt" in note for note in notes)
    assert all("stop_times" not in note for note in shifted["nairobi"].summary["minibus"]["notes"])


def test_run_prints_the_mode_shift_and_the_missing_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", str(MODE_SHIFT["kampala"]), "--no-plots", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "mode shift" in text and "converged" in text and "stop_times.txt" in text


# --- walking and cycling levers --------------------------------------------------------------


def test_sidewalks_speed_up_access_by_the_documented_factor(corridors: dict[str, Corridor]) -> None:
    alignment = corridors["addis_ababa"].alignment
    none = load_scenario(MODE_SHIFT["addis_ababa"], {"corridor.sidewalk_coverage": 0.0})
    full = load_scenario(MODE_SHIFT["addis_ababa"], {"corridor.sidewalk_coverage": 1.0})
    bare, paved = corridor_from_alignment(none, alignment), corridor_from_alignment(full, alignment)
    distances = walk_distances(none, bare, bare.station_chainage_m)
    slow, fast = zone_access(none, bare, distances, "scenario"), zone_access(full, paved, distances, "scenario")
    assert np.allclose(fast.brt_walk_min / slow.brt_walk_min, none.nmt.no_sidewalk_speed_factor)
    assert set(distances.method) == {"walk network"}
    assert np.all(distances.brt_m > 0) and np.allclose(distances.minibus_m, distances.brt_m)  # the same stops here


def test_a_segment_sidewalk_override_changes_walking_there_and_only_there(corridors: dict[str, Corridor]) -> None:
    alignment = corridors["addis_ababa"].alignment
    base = load_scenario(MODE_SHIFT["addis_ababa"], {"corridor.sidewalk_coverage": 0.0})
    names = [s.name for s in base.corridor.stations]
    paved_first = {"corridor.segments": [{"from": names[0], "to": names[2], "sidewalk_coverage": 1.0}]}
    part = load_scenario(MODE_SHIFT["addis_ababa"], {"corridor.sidewalk_coverage": 0.0, **paved_first})
    bare, half = corridor_from_alignment(base, alignment), corridor_from_alignment(part, alignment)
    assert list(half.sidewalk_coverage) == [1.0, 1.0] + [0.0] * (half.n_segments - 2)
    distances = walk_distances(base, bare, bare.station_chainage_m)
    slow, mixed = zone_access(base, bare, distances, "scenario"), zone_access(part, half, distances, "scenario")
    ratio = mixed.brt_walk_min / slow.brt_walk_min
    # zones 0 and 1 sit on the paved segments: walking there is 1 / 0.8 times as fast; elsewhere unchanged
    assert np.allclose(ratio[:2], base.nmt.no_sidewalk_speed_factor) and np.allclose(ratio[2:], 1.0)


def test_the_nmt_variant_shortens_access_and_saves_pedestrians(shifted: dict[str, RunOutput], addis_nmt_run: RunOutput) -> None:
    nmt = addis_nmt_run.summary
    base = shifted["addis_ababa"].summary
    access, base_access = nmt["mode_choice"]["access"]["scenario"], base["mode_choice"]["access"]["scenario"]
    assert access["walk_speed_ms"] == pytest.approx(1.2) and base_access["walk_speed_ms"] == pytest.approx(1.2 * 0.9)
    assert access["brt_walk_min"] < base_access["brt_walk_min"]
    assert access["minibus_cross_min"] < base_access["minibus_cross_min"]  # protected crossings
    assert nmt["mode_choice"]["shares_today"] == base["mode_choice"]["shares_today"]  # today is today
    deaths = lambda s: s["safety"]["scenario"]["deaths_per_year"]["estimate"]  # noqa: E731
    assert deaths(nmt) < deaths(base)


# --- variants --------------------------------------------------------------------------------


def test_a_variant_extends_its_preset_and_errors_name_the_file(tmp_path: Path) -> None:
    variant = load_scenario(NMT["nairobi"])
    parent = load_scenario(PRESETS["nairobi"])
    assert variant.corridor.stations == parent.corridor.stations and variant.services == parent.services
    assert variant.mode_choice.enabled and variant.paratransit.buffer_m == 70 and variant.corridor.cycle_lane
    loop = tmp_path / "a.toml"
    loop.write_text('extends = "a.toml"\nname = "a"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(loop)
    orphan = tmp_path / "b.toml"
    orphan.write_text('extends = "missing.toml"\n')
    with pytest.raises(ScenarioError, match=r"missing\.toml: scenario file not found \(extended by"):
        load_scenario(orphan)
    with pytest.raises(ScenarioError, match=r"paratransit\.vehicle = 'bus'.*minibus_14"):
        load_scenario(MODE_SHIFT["kampala"], {"paratransit.vehicle": "bus"})
    # tables merge key by key: the variant's own [corridor] keys replace the preset's, the rest is the preset's
    own = {"sidewalk_coverage": 1.0, "refuge_islands": True, "protected_crossing_spacing_m": 250, "cycle_lane": True,
           "station_access": "signalized"}  # fmt: skip
    assert variant.corridor.model_dump(include=set(own)) == own != parent.corridor.model_dump(include=set(own))
    assert variant.corridor.model_dump(exclude=set(own)) == parent.corridor.model_dump(exclude=set(own))
    assert (variant.name, parent.name) == ("nairobi_thika_road_brt_nmt", "nairobi_thika_road_brt")


def test_a_sweep_run_of_a_mode_shift_scenario_records_its_shares() -> None:
    from corridor_sim.sweep.worker import run_record

    row = run_record(load_scenario(MODE_SHIFT["addis_ababa"]), {"seed": 2020})
    assert row["status"] == "ok", row.get("error")
    assert row["mode_choice.converged"] is True
    assert 0.05 < row["mode_choice.shares_scenario.brt"] < 0.95
    assert row["passengers.generated"] > 0
