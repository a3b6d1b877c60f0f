"""Scenario files: the presets validate; bad input names the file, the field, the value and what is allowed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import PRESETS

from corridor_sim._errors import ScenarioError
from corridor_sim.scenario import load_scenario, parse_scenario


def _preset(city: str) -> dict:
    return tomllib.loads(PRESETS[city].read_text())


@pytest.mark.parametrize("city", sorted(PRESETS))
def test_presets_validate(city: str) -> None:
    scenario = load_scenario(PRESETS[city])
    assert scenario.city == city
    assert len(scenario.corridor.stations) >= 7
    assert scenario.period.end_s > scenario.period.start_s


def _write(tmp_path: Path, text_edit: tuple[str, str]) -> Path:
    text = PRESETS["addis_ababa"].read_text().replace(*text_edit)
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


def test_bad_enum_names_path_value_and_allowed(tmp_path: Path) -> None:
    path = _write(tmp_path, ('running_way = "median_busway"', 'running_way = "median"'))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    message = str(err.value)
    assert str(path) in message
    assert "corridor.running_way = 'median'" in message
    assert "'median_busway'" in message and "'mixed_traffic'" in message


def test_out_of_range_value_names_list_index(tmp_path: Path) -> None:
    data = _preset("addis_ababa")
    data["corridor"]["stations"][2]["lat"] = 95.0
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, tmp_path / "x.toml")
    assert "corridor.stations[2].lat = 95.0" in str(err.value)
    assert "less than or equal to 90" in str(err.value)


def test_unknown_field_and_missing_field_are_reported_together() -> None:
    data = _preset("addis_ababa")
    data["corridor"]["runing_way"] = "mixed_traffic"
    del data["seed"]
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "typo.toml")
    message = str(err.value)
    assert "corridor.runing_way = 'mixed_traffic': unknown field" in message
    assert "seed: required field is missing" in message


def test_alignment_source_must_be_known() -> None:
    data = _preset("nairobi")
    data["corridor"]["alignment"][1]["source"] = "shapefile"
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "x.toml")
    assert "corridor.alignment[1]" in str(err.value) and "'shapefile'" in str(err.value)
    assert "'osm', 'gtfs', 'geojson'" in str(err.value)


def test_segment_override_must_name_stations_in_order() -> None:
    data = _preset("addis_ababa")
    data["corridor"]["segments"] = [{"from": "Rwanda", "to": "Olympia", "lanes": 2}]
    with pytest.raises(ScenarioError, match="must come before"):
        parse_scenario(data, "x.toml")
    data["corridor"]["segments"] = [{"from": "Bole", "to": "Olympia"}]
    with pytest.raises(ScenarioError, match="'Bole' is not a station"):
        parse_scenario(data, "x.toml")


def test_period_end_after_start() -> None:
    data = _preset("addis_ababa")
    data["period"] = {"start": "09:00", "end": "07:00"}
    with pytest.raises(ScenarioError, match="end 07:00 must be after start 09:00"):
        parse_scenario(data, "x.toml")


def test_broken_toml_and_missing_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    with pytest.raises(ScenarioError, match=re.escape("broken.toml: not valid TOML")):
        load_scenario(path)
    with pytest.raises(ScenarioError, match=re.escape("nowhere.toml: scenario file not found")):
        load_scenario(tmp_path / "nowhere.toml")
