"""The command line as a consultant uses it."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest
from conftest import PRESETS, REPO
from typer.testing import CliRunner

from corridor_sim.cli import app
from corridor_sim.corridor import Corridor

runner = CliRunner()


def test_validate_presets_and_reject_bad_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", *map(str, PRESETS.values())])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == 3
    bad = tmp_path / "bad.toml"
    bad.write_text(PRESETS["kampala"].read_text().replace("seed = 2020", "seed = -1"))
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "seed = -1" in result.output and "greater than or equal to 0" in result.output


def test_validate_takes_sweep_files_with_their_plan_and_base_scenario(tmp_path: Path) -> None:
    files = sorted((REPO / "scenarios").glob("*/*.toml"))
    result = runner.invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok ") == len(files) == 16
    assert "sweep nairobi_thika_road_headway_fleet: 8 runs" in " ".join(result.output.split())
    sweep = tmp_path / "sweep.toml"
    text = (REPO / "scenarios/nairobi/thika_road_sweep.toml").read_text()
    sweep.write_text(
        text.replace('scenario = "thika_road_brt.toml"', f'scenario = "{REPO}/scenarios/nairobi/thika_road_brt.toml"')
    )
    assert runner.invoke(app, ["validate", str(sweep)]).exit_code == 0
    sweep.write_text(sweep.read_text().replace("peak_headway_min", "peak_headwy_min"))
    result = runner.invoke(app, ["validate", str(sweep)])
    assert result.exit_code == 1 and "peak_headwy_min" in result.output


def test_corridor_show_writes_map_tables_and_summary(tmp_path: Path, corridors: dict[str, Corridor]) -> None:
    out = tmp_path / "show"
    result = runner.invoke(app, ["corridor", "show", str(PRESETS["addis_ababa"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "alignment: osm" in result.output
    summary = json.loads((out / "corridor.json").read_text())
    corridor = corridors["addis_ababa"]
    assert summary["length_km"] == pytest.approx(corridor.total_length_m / 1000, abs=1e-3)
    assert summary["stations"] == 7
    assert summary["source_shares"]["signals"] == {"scenario": 1.0}
    assert "(c) OpenStreetMap contributors (ODbL)" in summary["credits"]
    segments = pd.read_parquet(out / "segments.parquet")
    assert list(segments["from"]) == list(corridor.station_name[:-1])
    assert segments["length_m"].sum() == pytest.approx(corridor.total_length_m)
    image = mpimg.imread(out / "map.png")
    assert image.shape[0] > 500 and image[..., :3].std() > 0.05  # a drawn map, not a blank canvas


def test_corridor_show_says_which_source_it_used(tmp_path: Path) -> None:
    result = runner.invoke(app, ["corridor", "show", str(PRESETS["kampala"]), "--out", str(tmp_path), "--no-map"])
    assert result.exit_code == 0, result.output
    assert "alignment: gtfs" in result.output
    assert "osm unavailable" in result.output
    assert "has no stop_times.txt" in result.output
    result = runner.invoke(app, ["corridor", "show", str(PRESETS["addis_ababa"]), "--alignment", "gtfs"])
    assert result.exit_code == 2
    assert "alignment source 'gtfs' is not in the scenario" in result.output


def test_network_info_lists_sources_and_cache(corridors: dict[str, Corridor]) -> None:
    result = runner.invoke(app, ["network", "info", "addis_ababa"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "addis_bole_road_2020-06.osm.bz2" in result.output
    assert "osm graph (cached)" in result.output  # built by the corridors fixture
    result = runner.invoke(app, ["network", "info", "lagos"])
    assert result.exit_code == 2
    assert (
        "city 'lagos' has no city file" in result.output
        and "known cities: addis_ababa, dar_es_salaam, kampala, nairobi" in result.output
    )


def test_run_prints_json_honours_seed_and_out(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(PRESETS["addis_ababa"]), "--json", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["seed"] == 7
    assert json.loads((out / "summary.json").read_text()) == summary
    assert summary["passengers"]["conserved"] and summary["passengers"]["generated"] > 5000
    again = runner.invoke(
        app, ["run", str(PRESETS["addis_ababa"]), "--json", "--no-plots", "--seed", "7", "--out", str(tmp_path / "again")]
    )
    assert json.loads(again.output) == summary  # same seed, same summary


def test_run_table_and_default_folder() -> None:
    result = runner.invoke(
        app,
        ["run", str(PRESETS["addis_ababa"]), "--no-plots", "--set", "services.all_stop.peak_headway_min=4"],
        env={"COLUMNS": "240"},
    )
    assert result.exit_code == 0, result.output
    folder = Path(result.output.split("written:")[1].split()[0])
    summary = json.loads((folder / "summary.json").read_text())
    # the terminal shows the headline indicators with the summary's values as stored
    cells = {
        line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
        for line in result.output.splitlines()
        if line.count("│") >= 5
    }
    assert cells["Mean wait at the platform"][:2] == ["min", str(summary["wait_min"]["mean"])]
    assert cells["CO2, tailpipe + grid"][3].startswith(str(summary["emissions"]["change"]["co2_t"]))
    assert any(label.startswith("Critical segment, to Bole Dildiy") for label in cells)
    assert f"passengers generated {summary['passengers']['generated']} = delivered" in result.output
    assert folder.parent.name == "addis_ababa_bole_road_brt" and folder.name.startswith("seed2020-")
    assert (folder / "stop_events.parquet").exists()


def test_run_rejects_a_misspelt_override() -> None:
    result = runner.invoke(app, ["run", str(PRESETS["addis_ababa"]), "--set", "services.all_stop.peak_headwy_min=2"])
    assert result.exit_code == 2
    message = " ".join(result.output.split())
    assert "override services.all_stop.peak_headwy_min: 'peak_headwy_min' is not a field of services.all_stop" in message
    assert "peak_headway_min" in message.split("allowed:")[1]
