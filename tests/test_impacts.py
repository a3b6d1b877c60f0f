"""Emissions and road safety: the factor table, idling, electric buses, the power model, crash
modification factors, the Monte Carlo band, and a real preset run with its comparison."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PRESETS
from typer.testing import CliRunner

from corridor_sim import vehicle_travel
from corridor_sim._errors import ScenarioError
from corridor_sim.cli import app
from corridor_sim.corridor import Corridor
from corridor_sim.emissions import factors as ef
from corridor_sim.emissions.inventory import _KG, emit, scenario_factors, segment_emissions
from corridor_sim.indicators import segment_loads
from corridor_sim.kernels.emissions import OUTPUTS, row_emissions
from corridor_sim.kernels.group_sums import group_sums
from corridor_sim.kernels.safety import casualties
from corridor_sim.pipeline import RunOutput, run_scenario
from corridor_sim.safety import factors as sf
from corridor_sim.safety.model import estimate, mean_speed_kmh, safety_inputs, standard_normals
from corridor_sim.scenario import load_scenario

COL = {name: j for j, name in enumerate(OUTPUTS)}
GRID = 100.0


def emissions_of(
    name: str, speed_kmh: float, km: float, idle_s: float, real_world: float = 1.0, starts: float = 0.0
) -> np.ndarray:
    """One row through the kernel, for the documented class ``name``."""
    arrays = ef.factor_arrays(ef.VEHICLE_CLASSES, real_world, real_world)
    i = arrays.names.index(name)
    return row_emissions(
        np.array([i]), np.array([speed_kmh]), np.array([km]), np.array([idle_s]), np.array([starts]), arrays.coef,
        arrays.idle_per_s, arrays.carbon_g_per_g, arrays.real_world, arrays.start_g, np.asarray(ef.SPEEDS_KMH), GRID,
        ef.V_MIN_KMH, ef.V_MAX_KMH,
    )[0]  # fmt: skip


@pytest.mark.parametrize("name", ["bus_18m_euro_iii", "bus_12m_euro_ii", "minibus_14", "bus_18m_electric"])
def test_a_start_from_rest_costs_the_documented_grams(name: str) -> None:
    row = ef.VEHICLE_CLASSES[name]
    co2, nox = ef.start_g(row)
    for speed, g_co2, g_nox in zip(ef.SPEEDS_KMH, co2, nox, strict=True):
        extra = emissions_of(name, speed, 1.0, 0.0, starts=3.0) - emissions_of(name, speed, 1.0, 0.0)
        assert extra[COL["co2_g"]] == pytest.approx(3.0 * g_co2)
        assert extra[COL["nox_g"]] == pytest.approx(3.0 * g_nox)
    # between the points linearly, from nothing at rest; the SUMO rows as derived (benchmarks/start_emissions.py)
    half = emissions_of(name, 25.0, 1.0, 0.0, starts=1.0) - emissions_of(name, 25.0, 1.0, 0.0)
    assert half[COL["co2_g"]] == pytest.approx((co2[1] + co2[2]) / 2.0)
    if row.hbefa_proxy in ef.START_G and row.fuel != "electric":
        assert co2[1] == pytest.approx(
            ef.START_G[row.hbefa_proxy]["co2"][1] * row.co2_g_km[1] / ef.HBEFA4_G_PER_KM[row.hbefa_proxy]["co2"][0]
        )
    else:
        assert co2 == nox == (0.0, 0.0, 0.0, 0.0)


@pytest.mark.parametrize("name", ef.CLASS_NAMES)
def test_factors_reproduce_the_documented_table(name: str) -> None:
    # The coefficients are solved from the points, so this pins the kernel's form, its speed
    # bounds and the fuel conversion, and fails if a point is changed without its curve.
    row = ef.VEHICLE_CLASSES[name]
    for k, speed in enumerate(ef.SPEEDS_KMH):
        out = emissions_of(name, speed, 1.0, 0.0)
        assert out[COL["co2_g"]] == pytest.approx(row.co2_g_km[k], rel=1e-9, abs=1e-9)
        assert out[COL["nox_g"]] == pytest.approx(row.nox_g_km[k], rel=1e-9, abs=1e-12)
        assert out[COL["pm25_g"]] == pytest.approx(row.pm25_g_km[k], rel=1e-9, abs=1e-12)
        assert out[COL["energy_kwh"]] == pytest.approx(row.energy_kwh_km[k], rel=1e-9, abs=1e-12)
        carbon = ef.CARBON_G_PER_G[row.fuel]
        assert out[COL["fuel_g"]] == pytest.approx(row.co2_g_km[k] / carbon if carbon else 0.0, rel=1e-9)
    # held at the bounds outside [10, 60] km/h, and never negative inside
    assert emissions_of(name, 3.0, 1.0, 0.0)[COL["co2_g"]] == emissions_of(name, 10.0, 1.0, 0.0)[COL["co2_g"]]
    assert emissions_of(name, 90.0, 1.0, 0.0)[COL["nox_g"]] == emissions_of(name, 60.0, 1.0, 0.0)[COL["nox_g"]]
    assert min(emissions_of(name, v, 1.0, 0.0).min() for v in np.linspace(10, 60, 101)) >= 0.0


@pytest.mark.parametrize("name", ["bus_18m_euro_iii", "minibus_14", "bus_12m_electric", "motorcycle"])
def test_idling_adds_rate_times_time(name: str) -> None:
    row = ef.VEHICLE_CLASSES[name]
    moving = emissions_of(name, 27.0, 2.5, 0.0)
    both = emissions_of(name, 27.0, 2.5, 137.0)
    idle_h = 137.0 / 3600.0
    assert both[COL["co2_g"]] - moving[COL["co2_g"]] == pytest.approx(row.idle_co2_g_h * idle_h, rel=1e-12, abs=1e-9)
    assert both[COL["nox_g"]] - moving[COL["nox_g"]] == pytest.approx(row.idle_nox_g_h * idle_h, rel=1e-12, abs=1e-9)
    assert both[COL["pm25_g"]] - moving[COL["pm25_g"]] == pytest.approx(row.idle_pm25_g_h * idle_h, rel=1e-12, abs=1e-9)
    assert both[COL["energy_kwh"]] - moving[COL["energy_kwh"]] == pytest.approx(row.idle_kw * idle_h, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", ["bus_12m_electric", "bus_18m_electric"])
def test_electric_bus_has_no_tailpipe_emissions_and_grid_co2_is_energy_times_factor(name: str) -> None:
    for speed, km, idle in ((12.0, 3.0, 0.0), (35.0, 1.2, 300.0), (55.0, 0.0, 60.0)):
        out = emissions_of(name, speed, km, idle, real_world=2.0)
        assert out[[COL["co2_g"], COL["co2_real_world_g"], COL["nox_g"], COL["pm25_g"], COL["fuel_g"]]].tolist() == [0.0] * 5
        assert out[COL["energy_kwh"]] > 0
        assert out[COL["grid_co2_g"]] == pytest.approx(out[COL["energy_kwh"]] * GRID, rel=1e-12)


def test_real_world_factor_is_its_own_line() -> None:
    base = emissions_of("minibus_14", 20.0, 1.0, 0.0, real_world=1.0)
    doubled = emissions_of("minibus_14", 20.0, 1.0, 0.0, real_world=2.0)
    assert doubled[COL["co2_g"]] == base[COL["co2_g"]] == pytest.approx(498.0)
    assert doubled[COL["co2_real_world_g"]] == pytest.approx(498.0)
    assert doubled[COL["fuel_g"]] == pytest.approx(2 * base[COL["fuel_g"]])
    assert doubled[COL["nox_g"]] == base[COL["nox_g"]]


def test_every_deviation_from_hbefa4_over_20_percent_is_explained() -> None:
    explained = set(re.findall(r"``(\w+/\w+)``", ef.__doc__ or ""))
    deviations = ef.hbefa_deviations()
    large = {key for key, dev in deviations.items() if dev > 0.20}
    assert large <= explained, f"unexplained: {sorted(large - explained)}"
    assert {key for key in explained if key in deviations} <= large, "explained but within 20 %"
    assert deviations["bus_12m_euro_iii/co2"] == 0.0 and deviations["car/nox"] == 0.0


def synthetic(n_segments: int = 3) -> tuple[np.ndarray, ...]:
    exposure = np.arange(1, len(sf.GROUPS) * n_segments + 1, dtype=float).reshape(len(sf.GROUPS), n_segments) * 1e6
    cmf, _ = sf.cmf_matrix()
    rate = np.array([2e-8, 1e-8, 3e-8, 1.5e-8, 0.5e-8])
    return exposure, cmf, rate


def test_a_ten_percent_speed_cut_multiplies_deaths_by_0_9_to_the_4th() -> None:
    exposure, cmf, rate = synthetic()
    presence = np.zeros((3, len(sf.FEATURES)))
    before = casualties(exposure, np.ones(3), presence, cmf, rate, 10.0, 4.0, 3.0)
    after = casualties(exposure, np.full(3, 0.9), presence, cmf, rate, 10.0, 4.0, 3.0)
    np.testing.assert_allclose(after[0], before[0] * 0.9**4, rtol=1e-12)
    np.testing.assert_allclose(after[1], before[1] * 0.9**3, rtol=1e-12)
    np.testing.assert_allclose(before[0], rate[:, None] * exposure, rtol=1e-12)  # nothing else applied


def test_each_cmf_applies_only_where_its_feature_is_present_and_they_multiply() -> None:
    exposure, cmf, rate = synthetic()
    plain = casualties(exposure, np.ones(3), np.zeros((3, len(sf.FEATURES))), cmf, rate, 10.0, 4.0, 3.0)[0]
    f = {name: k for k, name in enumerate(sf.FEATURES)}
    presence = np.zeros((3, len(sf.FEATURES)))
    presence[0, f["refuge_islands"]] = 1.0
    presence[0, f["median_busway"]] = 1.0
    presence[1, f["sidewalks"]] = 0.5
    deaths = casualties(exposure, np.ones(3), presence, cmf, rate, 10.0, 4.0, 3.0)[0]
    g = {name: k for k, name in enumerate(sf.GROUPS)}
    refuge, busway, sidewalk = sf.CMF["refuge_islands"].value, sf.CMF["median_busway"].value, sf.CMF["sidewalks"].value
    assert deaths[g["pedestrian"], 0] == pytest.approx(plain[g["pedestrian"], 0] * refuge * busway, rel=1e-12)
    assert deaths[g["car_occupant"], 0] == pytest.approx(plain[g["car_occupant"], 0] * busway, rel=1e-12)
    assert deaths[g["pedestrian"], 1] == pytest.approx(plain[g["pedestrian"], 1] * (1 + 0.5 * (sidewalk - 1)), rel=1e-12)
    for group in ("cyclist", "motorcyclist", "car_occupant", "bus_occupant"):
        assert deaths[g[group], 1] == pytest.approx(plain[g[group], 1], rel=1e-12)  # sidewalks: pedestrians only
    np.testing.assert_allclose(deaths[:, 2], plain[:, 2], rtol=1e-12)  # nothing on segment 2


@pytest.fixture(scope="module")
def addis_run(corridors: dict[str, Corridor], tmp_path_factory: pytest.TempPathFactory) -> RunOutput:
    scenario = load_scenario(PRESETS["addis_ababa"])
    return run_scenario(scenario, tmp_path_factory.mktemp("addis"), corridors["addis_ababa"])


def test_monte_carlo_band_contains_the_estimate_and_narrows_with_the_spread(addis_run: RunOutput) -> None:
    run = addis_run.run
    from corridor_sim.indicators import segment_loads

    travel = vehicle_travel.alternatives(run, segment_loads(run))
    base_speed = mean_speed_kmh(travel["baseline"], run.corridor.n_segments)
    inputs = safety_inputs(run, travel["scenario"], "scenario", base_speed)
    widths = []
    for scale in (1.0, 0.5, 0.1):
        scenario = run.scenario.model_copy(update={"safety": run.scenario.safety.model_copy(update={"uncertainty_scale": scale})})
        res = estimate(inputs, scenario, standard_normals(scenario))
        draws = res.death_draws.sum(axis=(1, 2))
        p5, p95 = np.percentile(draws, [5, 95])
        assert p5 < res.deaths.sum() < p95
        widths.append(p95 - p5)
    assert widths[0] > widths[1] > widths[2] > 0
    assert widths[2] < 0.2 * widths[0]  # the band scales with the spread


def test_run_reports_emissions_and_safety_that_add_up(addis_run: RunOutput) -> None:
    summary, folder = addis_run.summary, addis_run.folder
    em = pd.read_parquet(folder / "segment_emissions.parquet")
    days = addis_run.run.scenario.operating_days_per_year
    brt = em[em["source"] == "brt"]
    # the replayed legs run exactly the bus-km of the trace, and the buses idle where they stood
    assert brt["vehicle_km"].sum() == pytest.approx(summary["bus_km"], abs=0.1)
    stops = addis_run.run.trace.stops
    assert brt["idle_h"].sum() * 3600 >= (stops["depart_s"] - stops["arrive_s"]).sum()
    for alt in ("scenario", "baseline"):
        part = em[em["alternative"] == alt]
        total = (part["co2_kg"] + part["co2_real_world_kg"] + part["grid_co2_kg"]).sum() * days / 1000
        assert summary["emissions"][alt]["co2_t"] == pytest.approx(total, rel=1e-4)
    # the general traffic is the same in both, so the change is the BRT against the vehicles it replaces
    traffic = em[em["source"] == "traffic"].groupby("alternative")["co2_kg"].sum()
    assert traffic["scenario"] == pytest.approx(traffic["baseline"])
    replaced = em[em["source"] == "baseline"]
    change = (brt["co2_kg"] + brt["co2_real_world_kg"]).sum() - (replaced["co2_kg"] + replaced["co2_real_world_kg"]).sum()
    assert summary["emissions"]["change"]["co2_t"] == pytest.approx(change * days / 1000, abs=0.02)
    # passenger-km carried by the BRT = the replaced vehicles' km x occupancy / share, mode by mode
    loads = pd.read_parquet(folder / "segment_loads.parquet")
    pkm = (loads["pax"] * addis_run.run.corridor.length_m[loads["segment"]] / 1000).sum()
    for mode, share in vehicle_travel.baseline_shares(addis_run.run.scenario).items():
        if mode in ("walk", "cycle"):
            continue
        vkm = replaced.loc[replaced["vehicle_class"] == mode, "vehicle_km"].sum()
        assert vkm == pytest.approx(pkm * share / addis_run.run.scenario.baseline.occupancy_pax[mode], rel=1e-9)
    safety = pd.read_parquet(folder / "segment_safety.parquet")
    for alt in ("scenario", "baseline"):
        block = summary["safety"][alt]["deaths_per_year"]
        assert block["estimate"] == pytest.approx(safety.loc[safety["alternative"] == alt, "deaths_per_year"].sum(), abs=1e-3)
        assert block["p5"] <= block["estimate"] <= block["p95"]
    assert set(safety["group"]) == set(sf.GROUPS)
    assert {"from", "to"} <= set(em.columns) and {"from", "to"} <= set(safety.columns)


def test_group_sums_add_up_bit_for_bit_as_pandas() -> None:
    rng = np.random.default_rng(7)
    group = rng.integers(0, 40, 50_000)
    values = rng.standard_normal((50_000, 3)) * 10.0 ** rng.integers(-8, 12, (50_000, 3))
    values[rng.integers(0, 50_000, 50), 1] = np.nan
    values[rng.integers(0, 50_000, 2), 2] = np.inf
    sums, counts = group_sums(group, values, 40)
    expected = pd.DataFrame(values).groupby(group).sum()
    assert np.array_equal(sums[expected.index], expected.to_numpy())  # Kahan's sums in row order, NaN skipped
    assert np.array_equal(counts, np.bincount(group, minlength=40))


def test_segment_emissions_are_the_groupby_of_the_emitted_rows(addis_run: RunOutput) -> None:
    run = addis_run.run
    travel = vehicle_travel.alternatives(run, segment_loads(run))
    factors, grid = scenario_factors(run.scenario)
    rows = pd.concat(
        [emit(r, factors, grid).assign(alternative=name, idle_h=r["idle_s"] / 3600.0) for name, r in travel.items()],
        ignore_index=True,
    )
    rows = rows.astype({"vehicle_class": "str", "source": "str"}).rename(columns={"distance_km": "vehicle_km"})
    keys = ["alternative", "segment", "vehicle_class", "source"]
    expected = rows.groupby(keys, as_index=False)[["vehicle_km", "idle_h", *OUTPUTS]].sum()
    for grams, kg in _KG.items():
        expected[kg] = expected.pop(grams) / 1000.0
    pd.testing.assert_frame_equal(segment_emissions(travel, run.scenario), expected, check_exact=True)


def test_bus_rows_summed_by_speed_change_the_emissions_only_in_their_last_bits(
    addis_run: RunOutput, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = addis_run.run
    summed = vehicle_travel.brt_travel(run)
    keys = ["segment", "vehicle_class", "speed_kmh"]
    assert not summed.duplicated(keys).any()
    # the same rows unsummed: one per leg and segment, per stop and per layover
    monkeypatch.setattr(
        vehicle_travel,
        "_summed_by_speed",
        lambda blocks: {n: np.concatenate([b[n] for b in blocks]) for n in vehicle_travel.COLUMNS},
    )
    rows = vehicle_travel.brt_travel(run)
    assert len(rows) > 5 * len(summed)
    expected = rows.groupby(keys, observed=True)[["distance_km", "idle_s", "starts"]].sum()
    got = summed.set_index(keys)[["distance_km", "idle_s", "starts"]].loc[expected.index]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-12, atol=1e-9)
    factors, grid = scenario_factors(run.scenario)
    np.testing.assert_allclose(
        emit(summed, factors, grid)[list(OUTPUTS)].sum().to_numpy(),
        emit(rows, factors, grid)[list(OUTPUTS)].sum().to_numpy(),
        rtol=1e-12,
    )


def test_bus_legs_replayed_by_segment_add_up_to_the_engines_run_times(addis_run: RunOutput) -> None:
    run = addis_run.run
    legs = vehicle_travel.brt_legs(run)
    pieces = vehicle_travel.leg_segments(run).groupby("leg")[["moving_s", "red_s", "distance_m"]].sum()
    np.testing.assert_allclose(
        pieces["moving_s"] + pieces["red_s"], (legs["arrive_s"] - legs["depart_s"]).loc[pieces.index], atol=1e-6
    )
    chain = run.corridor.station_chainage_m
    gap_m = np.abs(chain[legs["to_station"].to_numpy()] - chain[legs["from_station"].to_numpy()])
    np.testing.assert_allclose(pieces["distance_m"], gap_m[pieces.index], atol=1e-6)


def test_electric_fleet_saves_tailpipe_and_counts_grid_co2(corridors: dict[str, Corridor], tmp_path: Path) -> None:
    scenario = load_scenario(PRESETS["addis_ababa"], {"vehicle.propulsion": "electric"})
    out = run_scenario(scenario, tmp_path / "e", corridors["addis_ababa"])
    em = pd.read_parquet(out.folder / "segment_emissions.parquet")
    brt = em[em["source"] == "brt"]
    assert set(brt["vehicle_class"]) == {"bus_18m_electric"}
    assert brt[["co2_kg", "nox_kg", "pm25_kg", "fuel_kg"]].to_numpy().sum() == 0.0
    _, grid = scenario_factors(scenario)
    assert brt["grid_co2_kg"].sum() == pytest.approx(brt["energy_kwh"].sum() * grid / 1000.0, rel=1e-12)
    assert out.summary["emissions"]["scenario"]["co2_grid_t"] > 0


def test_bad_traffic_mix_and_factor_class_are_named() -> None:
    with pytest.raises(ScenarioError, match=r"traffic.mix .*'matatu' is not a vehicle class; allowed: .*minibus_14"):
        load_scenario(PRESETS["nairobi"], {"traffic.mix": {"car": 0.5, "matatu": 0.5}})
    with pytest.raises(ScenarioError, match=r"shares sum to 0\.9; they must sum to 1"):
        load_scenario(PRESETS["nairobi"], {"baseline.mode_shares": {"minibus_14": 0.6, "walk": 0.3}})
    with pytest.raises(ScenarioError, match=re.escape("vehicle.propulsion = 'hydrogen'")):
        load_scenario(PRESETS["nairobi"], {"vehicle.propulsion": "hydrogen"})


def test_compare_two_run_folders_side_by_side(addis_run: RunOutput, corridors: dict[str, Corridor], tmp_path: Path) -> None:
    slower = load_scenario(PRESETS["addis_ababa"], {"services.all_stop.peak_headway_min": 8})
    other = run_scenario(slower, tmp_path / "b", corridors["addis_ababa"])
    table_path = tmp_path / "cmp.parquet"
    result = CliRunner().invoke(app, ["compare", str(addis_run.folder), str(other.folder), "--out", str(table_path)])
    assert result.exit_code == 0, result.output
    assert "wait_min.mean" in result.output and "safety.scenario.deaths" in result.output.replace("\n", "").replace(
        "│", ""
    ).replace(" ", "")
    table = pd.read_parquet(table_path).set_index("indicator")
    wait = table.loc["wait_min.mean"]
    assert wait["a"] == addis_run.summary["wait_min"]["mean"] and wait["b"] == other.summary["wait_min"]["mean"]
    assert wait["difference"] == pytest.approx(wait["b"] - wait["a"]) and wait["difference"] > 0
    assert table.loc["emissions.scenario.co2_t", "difference"] < 0  # fewer buses, less CO2
    bad = CliRunner().invoke(app, ["compare", str(tmp_path), str(other.folder)])
    assert bad.exit_code == 2 and "no summary.json" in bad.output
