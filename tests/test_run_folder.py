"""The run contract: one summary with one headline list, one writer, resolved values, readable files, the API."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from conftest import PRESETS, REPO

import corridor_sim as cs
from corridor_sim._errors import CorridorSimError, ScenarioError
from corridor_sim.corridor import Corridor
from corridor_sim.report.content import report_content
from corridor_sim.results.compare import comparison_table
from corridor_sim.results.headline import headline_rows
from corridor_sim.results.schema import check_summary, unit_of
from corridor_sim.results.summary import flatten, headline, headline_keys
from corridor_sim.scenario import parse_scenario


@pytest.fixture(scope="module")
def runs(corridors: dict[str, Corridor], tmp_path_factory: pytest.TempPathFactory) -> dict[str, cs.Result]:
    """Bole Road as shipped, and with no door time, written under the ordinary umask 022."""
    folder = tmp_path_factory.mktemp("contract")
    bole = cs.load(PRESETS["addis_ababa"])
    old = os.umask(0o022)
    try:
        shipped = cs.run(bole, folder / "shipped", corridors["addis_ababa"])
        no_doors = cs.run(cs.override(bole, {"dwell.door_open_close_s": 0}), folder / "no_doors", corridors["addis_ababa"])
    finally:
        os.umask(old)
    return {"shipped": shipped, "no_doors": no_doors}


def test_the_report_states_the_door_time_the_engine_used(runs: dict[str, cs.Result]) -> None:
    shipped, no_doors = runs["shipped"], runs["no_doors"]
    assert json.loads((no_doors.path / "scenario.json").read_text())["dwell"]["door_open_close_s"] == 0.0
    assert json.loads((shipped.path / "scenario.json").read_text())["dwell"]["door_open_close_s"] == 3.5
    # the engine used it: the mean dwell is shorter by about the 3.5 s door time
    gap = shipped.summary["stations"]["dwell_mean_s"] - no_doors.summary["stations"]["dwell_mean_s"]
    assert gap == pytest.approx(3.5, abs=0.3)
    assert any(item.startswith("Dwell: 0 s for the doors") for item in report_content(no_doors.folder).assumptions)
    assert any(item.startswith("Dwell: 3.5 s for the doors") for item in report_content(shipped.folder).assumptions)


def test_scenario_json_holds_every_default_resolved(runs: dict[str, cs.Result]) -> None:
    data = json.loads((runs["shipped"].path / "scenario.json").read_text())
    vehicle = data["vehicle"]
    assert (vehicle["capacity_pax"], vehicle["seats"], vehicle["door_channels"]) == (150, 40, 4)
    assert data["dwell"]["boarding_s"] == 2.5  # off-board fare collection
    assert sum(data["traffic"]["mix"].values()) == pytest.approx(1.0)
    assert all(s["berths"] is not None and s["access"] is not None for s in data["corridor"]["stations"])
    # and reading it back gives the same scenario: resolution is idempotent
    again = parse_scenario(data, "scenario.json")
    assert again.model_dump(mode="json") == data


def test_run_files_are_readable_like_any_tool_s_outputs(runs: dict[str, cs.Result]) -> None:
    files = [p for p in runs["shipped"].path.rglob("*") if p.is_file()]
    assert len(files) >= 12
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}
    assert not list(runs["shipped"].path.rglob("*.part"))


def test_terminal_compare_and_report_share_one_headline_list(runs: dict[str, cs.Result]) -> None:
    summary = runs["shipped"].summary
    indicators = headline(summary)
    rows = headline_rows(summary)
    assert [r.label for r in rows][:3] == [
        "Passengers delivered",
        "Passengers left behind by a full bus at least once",
        "Mean wait at the platform",
    ]
    assert len(rows) == len(indicators) and all(r.unit for r in rows)
    assert report_content(runs["shipped"].folder).headline == tuple(rows)
    table = comparison_table(summary, runs["no_doors"].summary)
    assert table.loc[table["headline"], "indicator"].tolist() == headline_keys(summary)
    flat = flatten(summary)
    assert all(k in flat for k in headline_keys(summary))
    # every headline value is printed as the summary stores it
    wait = next(r for r in rows if r.label == "Mean wait at the platform")
    assert wait.scenario == str(summary["wait_min"]["mean"])


def test_the_api_loads_overrides_runs_tables_plots_and_compares(runs: dict[str, cs.Result]) -> None:
    shipped = runs["shipped"]
    bole = cs.load(PRESETS["addis_ababa"])
    smaller = cs.override(bole, {"vehicle.type": "brt_12m"})
    assert (bole.vehicle.capacity_pax, smaller.vehicle.capacity_pax) == (150, 80)  # defaults resolved again
    assert smaller.overrides == {"vehicle.type": "brt_12m"}
    stops = shipped.table("stop_events")
    assert stops.equals(pd.read_parquet(shipped.path / "stop_events.parquet"))
    assert shipped.headline.columns.tolist() == ["indicator", "unit", "scenario", "baseline", "change"]
    figure = shipped.plot("load_profile")
    assert figure.axes and figure.axes[0].get_ylabel()
    same = cs.compare(shipped, cs.open_run(shipped.path))
    assert (same["difference"].fillna(0.0) == 0.0).all()
    changed = cs.compare(shipped, runs["no_doors"]).set_index("indicator")
    assert changed.loc["stations.dwell_mean_s", "difference"] < 0


def test_a_scenario_file_cannot_set_what_the_loader_sets(tmp_path: Path) -> None:
    data = tomllib.loads(PRESETS["kampala"].read_text())
    with pytest.raises(ScenarioError, match=r"overrides = .*unknown field"):
        parse_scenario({**data, "overrides": {"fleet": 1}}, tmp_path / "x.toml")


def test_the_readme_python_example_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "README.md").read_text()
    block = text.split("## From Python")[1].split("```python\n")[1].split("```")[0]
    monkeypatch.chdir(REPO)
    scope: dict = {}
    exec(compile(block, "README.md", "exec"), scope)
    a, b = scope["a"], scope["b"]
    assert b.summary["emissions"]["scenario"]["co2_t"] < a.summary["emissions"]["scenario"]["co2_t"]  # electric buses
    assert scope["electric"].vehicle.propulsion == "electric"


def test_the_summary_keeps_its_typed_contract_and_every_headline_has_a_unit(runs: dict[str, cs.Result]) -> None:
    summary = runs["shipped"].summary
    check_summary(summary, "shipped")
    assert unit_of("wait_min.mean") == "min" and unit_of("emissions.change.co2_t") == "t/year"
    assert unit_of("directions.to Meskel Square approach.services.all_stop.commercial_speed_kmh") == "km/h"
    assert unit_of("safety.scenario.deaths_per_year.p95") == "per year"
    assert all(i.unit for i in headline(summary))
    drifted = {**summary, "wait_min": {"average": 1.6}}
    with pytest.raises(CorridorSimError, match=r"wait_min\.average: Extra inputs are not permitted"):
        check_summary(drifted, "drifted")
