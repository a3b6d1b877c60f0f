"""City profiles as data: every city default in its city file, any city with a file, placeholders said loudly."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import geopandas as gpd
import pytest
from conftest import PRESETS, REPO
from pypdf import PdfReader
from typer.testing import CliRunner

from corridor_sim._errors import DataFileError, ScenarioError
from corridor_sim.city_profile import COST_KEYS, ECONOMY, SCENARIO_PATHS, TEMPLATE_VALUES
from corridor_sim.cli import app
from corridor_sim.network.manifest import load_manifest
from corridor_sim.scenario import load_scenario, parse_scenario

runner = CliRunner()
#: A UDART route relation in the shared Dar es Salaam data: Ubungo to Kivukoni (OSM, ODbL).
UDART = "dar_es_salaam/udart_routes_osm.shp"
UBUNGO_KIVUKONI = "relation/6892627"


def test_no_city_default_is_written_in_code() -> None:
    """Each city default lives in its city file only: no module keys a table by a city."""
    cities = "|".join(p.stem for p in (REPO / "networks").glob("*.toml"))
    keyed = re.compile(rf"""["']({cities})["']\s*:""")
    offenders = [str(p.relative_to(REPO)) for p in (REPO / "corridor_sim").rglob("*.py") if keyed.search(p.read_text())]
    assert offenders == []


@pytest.mark.parametrize("city", sorted(PRESETS))
def test_a_preset_runs_on_its_city_profile(city: str) -> None:
    profile = load_manifest(city).profile
    scenario = load_scenario(PRESETS[city])
    data = scenario.model_dump(mode="json")
    given_file = tomllib.loads(PRESETS[city].read_text())
    for key, path in SCENARIO_PATHS.items():
        *sections, field = path.split(".")
        given, node = given_file, data
        for section in sections:
            given, node = given.get(section, {}), node[section]
        given = given.get(field)
        expected = getattr(profile, key).value
        if key == "occupancy_pax" or (key in COST_KEYS and isinstance(expected, dict)):
            expected = {**expected, **(given or {})}
        elif given is not None:
            expected = given
        assert node[field] == expected, key
    assert not any(getattr(profile, key).placeholder for key in SCENARIO_PATHS)


def test_an_override_replaces_the_profile_value_and_only_it() -> None:
    base = load_scenario(PRESETS["kampala"])
    changed = load_scenario(PRESETS["kampala"], {"safety.base_deaths_per_100m_vkm": 3.0})
    assert base.safety.base_deaths_per_100m_vkm == load_manifest("kampala").profile.base_deaths_per_100m_vkm.value == 7.0
    assert changed.safety.base_deaths_per_100m_vkm == 3.0
    assert changed.traffic.mix == base.traffic.mix


def test_an_unknown_city_lists_the_known_ones_and_how_to_add_one(tmp_path: Path) -> None:
    data = tomllib.loads(PRESETS["nairobi"].read_text())
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({**data, "city": "lagos"}, tmp_path / "lagos.toml")
    message = str(caught.value)
    assert "city = 'lagos'" in message and "known cities: addis_ababa, dar_es_salaam, kampala, nairobi" in message
    assert "corridor-sim city new lagos --country CC" in message
    result = runner.invoke(app, ["validate", str(PRESETS["nairobi"])], env={"CORRIDOR_SIM_NETWORKS": str(tmp_path)})
    assert result.exit_code == 1 and "city 'nairobi' has no city file" in result.output


def test_a_broken_city_file_names_the_file_and_the_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "networks/kampala.toml").read_text().replace('currency = "UGX"', 'currency = "shillings"')
    (tmp_path / "kampala.toml").write_text(text)
    monkeypatch.setenv("CORRIDOR_SIM_NETWORKS", str(tmp_path))
    with pytest.raises(DataFileError, match=r"kampala\.toml: broken city file: profile\.currency = 'shillings'"):
        load_manifest("kampala")


def test_city_new_refuses_bad_names_and_existing_files(tmp_path: Path) -> None:
    args = ["city", "new", "dar_test", "--country", "TZ", "--folder", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "exists already" in again.output
    bad = runner.invoke(app, ["city", "new", "Dar", "--country", "TZ", "--folder", str(tmp_path)])
    assert bad.exit_code == 2 and "city name 'Dar'" in bad.output
    bad = runner.invoke(app, ["city", "new", "dar2", "--country", "Tanzania", "--folder", str(tmp_path)])
    assert bad.exit_code == 2 and "--country 'Tanzania'" in bad.output


def _new_city_scenario(folder: Path, shared_data: Path) -> Path:
    """A corridor in a city made from the template: five stations along a UDART line, every 2.5 km."""
    frame = gpd.read_file(shared_data / UDART)
    line = frame[frame["id"] == UBUNGO_KIVUKONI].to_crs(32737).geometry.iloc[0]
    points = gpd.GeoSeries([line.interpolate(k * 2500.0) for k in range(5)], crs=32737).to_crs(4326)
    names = ["Ubungo", "Manzese", "Magomeni", "Jangwani", "Kisutu"]
    stations = "\n".join(
        f'[[corridor.stations]]\nname = "{n}"\nlat = {p.y:.6f}\nlon = {p.x:.6f}\n' for n, p in zip(names, points, strict=True)
    )
    path = folder / "udart.toml"
    path.write_text(
        f"""name = "dar_test_udart"
title = "Dar test: Ubungo to Kisutu on the UDART line"
city = "dar_test"
seed = 3
fleet = 20

[period]
start = "07:00"
end = "08:00"

[corridor]
running_way = "median_busway"

[[corridor.alignment]]
source = "geojson"
path = "data:{UDART}"
where = {{ id = "{UBUNGO_KIVUKONI}" }}

{stations}
[services.all_stop]
peak_headway_min = 4

[[demand.od]]
from = "Ubungo"
to = "Kisutu"
pax_per_h = 400

[[demand.od]]
from = "Kisutu"
to = "Manzese"
pax_per_h = 300
"""
    )
    return path


def test_a_new_city_runs_from_a_geojson_line_and_every_output_states_its_placeholders(tmp_path: Path, shared_data: Path) -> None:
    networks = tmp_path / "networks"
    env = {"CORRIDOR_SIM_NETWORKS": str(networks), "COLUMNS": "200"}
    made = runner.invoke(app, ["city", "new", "dar_test", "--country", "TZ", "--currency", "TZS"], env=env)
    assert made.exit_code == 0, made.output
    scenario = _new_city_scenario(tmp_path, shared_data)
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(scenario), "--out", str(out), "--no-plots"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["corridor"]["alignment"] == "geojson" and summary["passengers"]["conserved"]
    assert summary["corridor"]["length_km"] == pytest.approx(10.0, abs=0.05)
    placeholders = summary["city_profile"]["placeholders"]
    # the run read every template value but the mode-choice money (mode choice is off), and having no
    # minibus routes (so no time saved and no appraisal) neither the unit costs nor the economy
    used = {p.split(" = ")[0] for p in placeholders}
    money = {k for k, path in SCENARIO_PATHS.items() if path.startswith("mode_choice.")}
    assert "appraisal" not in summary
    assert used == set(TEMPLATE_VALUES) - money - set(ECONOMY) - set(COST_KEYS)
    assert summary["city_profile"]["currency"] == "TZS"
    for key in ("traffic_mix", "base_deaths_per_100m_vkm"):
        assert f"placeholder: {key} = " in result.output
    scenario_json = json.loads((out / "scenario.json").read_text())
    assert scenario_json["safety"]["base_deaths_per_100m_vkm"] == TEMPLATE_VALUES["base_deaths_per_100m_vkm"]
    report = runner.invoke(app, ["report", str(out)], env=env)
    assert report.exit_code == 0, report.output
    html = (out / "report.html").read_text()
    pdf = " ".join(page.extract_text() for page in PdfReader(out / "report.pdf").pages)
    for text in (html, " ".join(pdf.split())):
        assert "PLACEHOLDER VALUES" in text and "base_deaths_per_100m_vkm = 6.0" in text
