"""Hostile input: every bad scenario, data, cache or output location gets a clear error, and nothing is lost.

Each case asserts the exit code, that the message names the file or field and the value, that no
traceback is printed, and that nothing half-written is left behind.
"""

from __future__ import annotations

import bz2
import json
import pickle
import shutil
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import PRESETS
from typer.testing import CliRunner

from corridor_sim._errors import ScenarioError
from corridor_sim.cli import EXIT_RUNS_FAILED, app
from corridor_sim.corridor import build_corridor
from corridor_sim.engine.size import MAX_PASSENGERS, RunTooLargeError, check_run_size, estimate_run
from corridor_sim.kernels._cache import CACHE_FOLDER, check_kernel_cache, drop_stale_kernels
from corridor_sim.scenario import load_scenario, parse_scenario, read_scenario_data
from corridor_sim.sweep.store import SweepStore

runner = CliRunner()
ADDIS, NAIROBI, KAMPALA = PRESETS["addis_ababa"], PRESETS["nairobi"], PRESETS["kampala"]
ONE_HOUR = ["--set", "period.start=07:00", "--set", "period.end=08:00"]


def _variant(folder: Path, text: str, base: Path = ADDIS, name: str = "variant.toml") -> Path:
    """A scenario file that extends a preset and states what changes."""
    path = folder / name
    path.write_text(f'extends = "{base}"\n{text}\n')
    return path


def _invoke(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})
    output = " ".join(result.output.split())
    assert "Traceback" not in result.output and not isinstance(result.exception, AssertionError), result.output
    return result.exit_code, output


def _no_partial_files(folder: Path) -> None:
    assert not list(folder.rglob("*.part")), list(folder.rglob("*.part"))


# --- scenario values: validate and run agree ------------------------------------------------------

BAD_VALUES = {
    "volume NaN": ('[traffic.volume_vph_per_lane]\n"07:00" = nan', "traffic.volume_vph_per_lane.07:00 = nan"),
    "volume infinite": ('[traffic.volume_vph_per_lane]\n"07:00" = inf', "traffic.volume_vph_per_lane.07:00 = inf"),
    "volume negative": ('[traffic.volume_vph_per_lane]\n"07:00" = -5', "greater than or equal to 0"),
    "volume absurd": ('[traffic.volume_vph_per_lane]\n"07:00" = 1e12', "less than or equal to 4000"),
    "traffic share NaN": ("[traffic.mix]\ncar = nan\nmotorcycle = 1.0", "traffic.mix.car = nan"),
    "profile NaN": ('[demand.profile]\n"07:00" = nan', "demand.profile.07:00 = nan"),
    "profile infinite": ('[demand.profile]\n"07:00" = inf', "demand.profile.07:00 = inf"),
    "profile negative": ('[demand.profile]\n"07:00" = -1', "demand.profile.07:00 = -1"),
    "headway 1e-9": ("[services.all_stop]\npeak_headway_min = 1e-9", "greater than or equal to 0.1"),
    "seats over capacity": (
        "[vehicle]\nseats = 100\ncapacity_pax = 10",
        "vehicle.seats = 100 is more than vehicle.capacity_pax = 10",
    ),
    "fleet 0": ("fleet = 0", "fleet = 0: Input should be greater than or equal to 1"),
    "unknown city": ('city = "lagos"', "city 'lagos' has no city file"),
    "alignment missing": ("[corridor]\nalignment = []", "corridor.alignment = []"),
    "markup in a name": ('title = "x"\nname = "[/b]"', "name = '[/b]'"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_a_bad_value_is_named_by_validate_and_by_run_before_anything_is_written(case: str, tmp_path: Path) -> None:
    text, expected = BAD_VALUES[case]
    path = _variant(tmp_path, text)
    code, output = _invoke(["validate", path])
    assert code == 1 and str(path) in output and expected in output, output
    out = tmp_path / "run"
    code, output = _invoke(["run", path, "--out", out, "--no-plots"])
    assert code == 2 and expected in output, output
    assert not out.exists()


def test_fleet_below_the_services_and_missing_services_are_refused(tmp_path: Path) -> None:
    code, output = _invoke(["validate", _variant(tmp_path, "fleet = 2", base=NAIROBI)])
    assert code == 1 and "fleet = 2: fewer buses than its 3 services" in output
    data = read_scenario_data(NAIROBI)
    with pytest.raises(ScenarioError, match="services: none given"):
        parse_scenario({k: v for k, v in data.items() if k != "services"}, "no services")
    with pytest.raises(ScenarioError, match="fleet: required"):
        parse_scenario({k: v for k, v in data.items() if k != "fleet"}, "no fleet")


def test_a_demand_name_that_is_no_station_is_refused(tmp_path: Path) -> None:
    path = _variant(tmp_path, '[[demand.stations]]\nname = "Nowhere"\nboardings_per_h = 1\nalightings_per_h = 1')
    code, output = _invoke(["validate", path])
    assert code == 1 and "'Nowhere' is not a station" in output


# --- files that are not scenarios ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "run", "sweep", "compare"])
@pytest.mark.parametrize("kind", ["folder", "binary"])
def test_a_scenario_path_that_is_no_text_file_gets_a_named_error(command: str, kind: str, tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    if kind == "folder":
        path.mkdir()
        expected = "no summary.json; give a run folder" if command == "compare" else "is a folder; give a scenario file"
    else:
        path.write_bytes(bz2.compress(b"\x00\xff" * 100))
        expected = "not a text file (not UTF-8)"
    args = {"validate": [path], "run": [path], "sweep": [path], "compare": [path, path]}[command]
    code, output = _invoke([command, *args])
    assert code in (1, 2) and str(path) in output and expected in output, output


def test_data_paths_stay_inside_the_data_folder(tmp_path: Path) -> None:
    path = _variant(tmp_path, '[corridor]\nalignment = [{ source = "geojson", path = "data:../../../../etc/passwd" }]')
    code, output = _invoke(["corridor", "show", path, "--out", tmp_path / "show"])
    assert code == 2 and "a data path must stay inside the data folder" in output and "../../../../etc/passwd" in output


def test_extends_stays_inside_the_scenario_s_folder_or_the_presets(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "base.toml"
    outside.parent.mkdir()
    shutil.copy(ADDIS, outside)
    study = tmp_path / "study"
    study.mkdir()
    path = study / "variant.toml"
    path.write_text('extends = "../elsewhere/base.toml"\nseed = 1\n')
    code, output = _invoke(["validate", path])
    assert code == 1 and "lies outside this scenario's folder" in output and "../elsewhere/base.toml" in output
    path.write_text(f'extends = "{ADDIS}"\nseed = 1\n')  # a preset may always be extended
    assert _invoke(["validate", path])[0] == 0


@pytest.mark.parametrize(
    ("geometry", "found"),
    [
        ({"type": "Point", "coordinates": [38.76, 9.0]}, "Point"),
        ({"type": "Polygon", "coordinates": [[[38.76, 9.0], [38.77, 9.0], [38.77, 9.01], [38.76, 9.0]]]}, "Polygon"),
    ],
)
def test_a_geojson_alignment_that_is_not_a_line_is_refused(geometry: dict, found: str, tmp_path: Path) -> None:
    layer = tmp_path / "line.geojson"
    layer.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]})
    )
    path = tmp_path / "variant.toml"
    path.write_text(f'extends = "{ADDIS}"\n[corridor]\nalignment = [{{ source = "geojson", path = "line.geojson" }}]\n')
    code, output = _invoke(["corridor", "show", path, "--out", tmp_path / "show"])
    assert code == 2 and str(layer) in output and f"(it has {found})" in output and "LineString" in output


# --- the OSM alignment never builds a wrong corridor in silence -------------------------------------

WRONG_STATIONS = {
    "out of order": (
        lambda st: {
            "corridor.stations.2.lat": st[4].lat,
            "corridor.stations.2.lon": st[4].lon,
            "corridor.stations.4.lat": st[2].lat,
            "corridor.stations.4.lon": st[2].lon,
        },
        "times their straight distance",
    ),
    "600 m off the road": (lambda st: {"corridor.stations.3.lon": st[3].lon + 600 / 110_000}, "off the road between"),
    "1,500 m off the road": (lambda st: {"corridor.stations.3.lon": st[3].lon + 1500 / 110_000}, "off the road between"),
    "far from every street": (
        lambda st: {"corridor.stations.3.lat": st[3].lat + 1500 / 110_000},
        "from the nearest street it can",
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_STATIONS))
def test_the_osm_alignment_refuses_stations_it_cannot_follow(case: str, corridors: dict) -> None:
    move, expected = WRONG_STATIONS[case]
    stations = load_scenario(ADDIS).corridor.stations
    with pytest.raises(Exception, match=expected) as caught:
        build_corridor(load_scenario(ADDIS, move(stations)))
    assert type(caught.value).__name__ == "CorridorBuildError" and "'Wollo Sefer'" in str(caught.value) + "'Rwanda'"
    assert corridors["addis_ababa"].total_length_m == pytest.approx(3698, abs=5)  # the preset still builds


# --- resource limits and output locations ---------------------------------------------------------


def test_a_run_far_too_large_stops_with_its_estimate_before_simulating(tmp_path: Path) -> None:
    path = _variant(tmp_path, '[demand.profile]\n"07:00" = 10.0\n[services.all_stop]\npeak_headway_min = 0.1', base=NAIROBI)
    huge = load_scenario(path, {"period.start": "00:00", "period.end": "24:00"})
    size = estimate_run(huge)
    with pytest.raises(RunTooLargeError, match=r"passengers about [\d,]+ \(limit 5,000,000\).*--force"):
        check_run_size(huge)
    assert size.passengers > MAX_PASSENGERS and check_run_size(huge, force=True) == size
    started = time.perf_counter()
    code, output = _invoke(
        ["run", path, "--set", "period.start=00:00", "--set", "period.end=24:00", "--no-plots", "--out", tmp_path / "run"]
    )
    assert code == 2 and "--force" in output and time.perf_counter() - started < 10
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("where", ["an existing file", "below a file"])
def test_an_output_location_that_cannot_be_written_fails_before_simulating(where: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = blocker if where == "an existing file" else blocker / "run"
    started = time.perf_counter()
    code, output = _invoke(["run", ADDIS, "--out", out, "--no-plots"])
    assert code == 2 and str(out) in output and time.perf_counter() - started < 5
    assert blocker.read_text() == "not a folder"


# --- caches: no code from them, never stale, never fatal --------------------------------------------


class _Payload:
    def __reduce__(self):  # what a hostile pickle does when it is loaded
        return (Path.write_text, (Path(MARKER), "the cache ran code"))


MARKER = "/tmp/corridor-sim-hostile-cache-marker"


def _osm_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CORRIDOR_SIM_CACHE", str(cache))
    return cache / "osm"


def _notes(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.json") if not p.name.endswith(".graph.json"))


def test_a_pickle_in_the_graph_cache_never_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Path(MARKER).unlink(missing_ok=True)
    folder = _osm_cache(tmp_path, monkeypatch)
    scenario = load_scenario(ADDIS)
    build_corridor(scenario)
    hostile = pickle.dumps(_Payload())
    for graph_file in folder.glob("*.graph.json"):
        graph_file.write_bytes(hostile)  # every cached graph replaced by a hostile pickle
    (folder / "addis_ababa-000000000000.pickle").write_bytes(hostile)
    rebuilt = build_corridor(scenario)
    assert not Path(MARKER).exists()
    assert "served from source" in rebuilt.alignment.detail and rebuilt.total_length_m == pytest.approx(3698, abs=5)


@pytest.mark.parametrize("damage", ["note is {}", "note is garbage", "graph is []", "graph cut short"])
def test_a_malformed_cache_entry_is_a_miss(damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _osm_cache(tmp_path, monkeypatch)
    scenario = load_scenario(ADDIS)
    build_corridor(scenario)
    note = _notes(folder)[0]
    graph = note.with_name(note.name.replace(".json", ".graph.json"))
    {
        "note is {}": lambda: note.write_text("{}"),
        "note is garbage": lambda: note.write_bytes(b"\x00garbage"),
        "graph is []": lambda: graph.write_text("[]"),
        "graph cut short": lambda: graph.write_bytes(graph.read_bytes()[:500]),
    }[damage]()
    assert "served from source" in build_corridor(scenario).alignment.detail
    assert "served from cache" in build_corridor(scenario).alignment.detail
    code, output = _invoke(["network", "info", "addis_ababa"])
    assert code == 0 and "osm graph (cached)" in output


def test_a_changed_extract_is_never_served_from_the_old_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    _osm_cache(tmp_path, monkeypatch)
    data = tmp_path / "data"
    for city in ("addis_ababa",):
        (data / city).mkdir(parents=True)
        for source in (shared_data / city).iterdir():
            (data / city / source.name).symlink_to(source)  # read in place, through links
    monkeypatch.setenv("CORRIDOR_SIM_DATA", str(data))
    scenario = load_scenario(ADDIS)
    assert "served from source" in build_corridor(scenario).alignment.detail
    assert "served from cache" in build_corridor(scenario).alignment.detail
    extract = data / "addis_ababa" / "addis_bole_road_2020-06.osm.bz2"
    same_osm = bz2.compress(bz2.decompress(extract.read_bytes()), compresslevel=1)  # other bytes, same ways
    extract.unlink()
    extract.write_bytes(same_osm)
    assert "served from source" in build_corridor(scenario).alignment.detail


def test_a_moved_cache_still_hits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _osm_cache(tmp_path, monkeypatch)
    scenario = load_scenario(ADDIS)
    build_corridor(scenario)
    shutil.move(tmp_path / "cache", tmp_path / "moved")
    monkeypatch.setenv("CORRIDOR_SIM_CACHE", str(tmp_path / "moved"))
    files = {p.name for p in (tmp_path / "moved" / "osm").iterdir()}
    assert "served from cache" in build_corridor(scenario).alignment.detail
    assert {p.name for p in (tmp_path / "moved" / "osm").iterdir()} == files  # the projection hit too


def test_an_unwritable_cache_runs_without_caching_and_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = runner.invoke(
        app, ["run", str(ADDIS), "--no-plots", "--out", str(tmp_path / "run")], env={"CORRIDOR_SIM_CACHE": str(blocker / "cache")}
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("warning: cache folder") == 1 and "running without caching" in result.output
    assert (tmp_path / "run" / "summary.json").is_file()


@pytest.mark.parametrize("damage", [b"", b"\x80\x04garbage", b"truncated"])
def test_a_damaged_kernel_cache_is_removed_and_compiled_again(damage: bytes, tmp_path: Path) -> None:
    folder = tmp_path / "__pycache__"
    shutil.copytree(CACHE_FOLDER, folder)
    index = sorted(folder.glob("safety.casualties-*.nbi"))[0]
    data = sorted(folder.glob(f"{index.name.removesuffix('.nbi')}.*.nbc"))[0]
    (data if damage == b"truncated" else index).write_bytes(data.read_bytes()[:40] if damage == b"truncated" else damage)
    with pytest.warns(UserWarning, match="removed .* damaged numba cache files"):
        removed = check_kernel_cache(folder)
    assert index in removed and not index.exists()
    assert check_kernel_cache(folder) == []  # the rest is sound


def test_a_kernel_cached_before_another_kernel_file_changed_is_compiled_again(tmp_path: Path) -> None:
    import os

    folder, sources = tmp_path / "__pycache__", tmp_path / "kernels"
    folder.mkdir()
    sources.mkdir()
    index, data = folder / "on_demand_day.run-10.py311.nbi", folder / "on_demand_day.run-10.py311.1.nbc"
    for path in (index, data):
        path.write_bytes(b"cached")
    callee = sources / "motion.py"
    callee.write_text("# a kernel the cached one calls")
    os.utime(index, (1_000, 1_000))  # cached before the callee's edit
    assert drop_stale_kernels(folder, sources) == [index, data] and not index.exists()
    index.write_bytes(b"cached again")  # numba's new index, after the edit
    assert drop_stale_kernels(folder, sources) == [] and index.exists()


# --- sweeps ------------------------------------------------------------------------------------------

SWEEP = [
    "sweep", str(ADDIS), *ONE_HOUR, "--grid", "services.all_stop.peak_headway_min=3,4", "--workers", "1",
]  # fmt: skip


def test_a_damaged_sweep_folder_remakes_its_damaged_rows_and_names_a_broken_plan(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    assert _invoke([*SWEEP, "--out", out])[0] == 0
    rows = sorted((out / "rows").glob("*.parquet"))
    rows[0].write_bytes(rows[0].read_bytes()[:30])
    code, output = _invoke([*SWEEP, "--out", out])
    assert code == 0 and "1 runs made (0 failed), 1 already finished" in output
    assert (rows[0].with_name(rows[0].name + ".damaged")).is_file() and pq.read_table(rows[0]).num_rows == 1
    assert _invoke(["sweep", "report", out])[0] == 0
    (out / "sweep.json").write_text("")
    code, output = _invoke(["sweep", "report", out])
    assert code == 2 and "sweep.json: the sweep's plan is unreadable" in output
    code, output = _invoke([*SWEEP, "--out", out])
    assert code == 2 and "sweep.json: the sweep's plan is unreadable" in output
    _no_partial_files(out)


def test_a_changed_plan_never_replaces_a_sweep_s_table(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    assert _invoke([*SWEEP, "--out", out])[0] == 0
    table = (out / "table.parquet").read_bytes()
    code, output = _invoke([*SWEEP, "--grid", "services.all_stop.peak_headway_min=3,4,5", "--out", out])
    assert code == 2 and "holds another sweep plan (2 runs; this one has 3" in output and "another --name" in output
    assert (out / "table.parquet").read_bytes() == table


def test_a_sweep_with_failed_runs_exits_non_zero(tmp_path: Path) -> None:
    lat = load_scenario(ADDIS).corridor.stations[3].lat
    code, output = _invoke([*SWEEP, "--grid", f"corridor.stations.3.lat={lat},{lat + 0.0135}", "--out", tmp_path / "s"])
    assert code == EXIT_RUNS_FAILED == 3 and "2 runs failed" in output


def test_sample_zero_is_refused(tmp_path: Path) -> None:
    code, output = _invoke([*SWEEP, "--sample", "0", "--out", tmp_path / "s"])
    assert code == 2 and "sweep.sample = 0" in output and "greater than or equal to 1" in output


def test_a_second_sweep_into_a_busy_folder_stops_at_once(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    with SweepStore(out).lock():
        code, output = _invoke([*SWEEP, "--out", out])
    assert code == 2 and "another sweep (pid" in output and "is writing to this folder" in output
    assert not (out / "rows").exists()


def test_user_text_with_rich_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    path = _variant(tmp_path, 'title = "Bole [/b] Road [red]x"')
    code, output = _invoke(["run", path, "--no-plots", "--out", tmp_path / "run"])
    assert code == 0 and "Bole [/b] Road [red]x" in output
    code, output = _invoke(["validate", _variant(tmp_path, "[corridor]\nberths = 99", name="[b]bad.toml")])
    assert code == 1 and "[b]bad.toml" in output and "corridor.berths = 99" in output
