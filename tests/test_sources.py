"""Data sources: missing and broken files say which file and what to do; downloads go through a
real HTTP server on 127.0.0.1 once, then come from the cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PRESETS, REPO
from local_server import LocalDataServer

from corridor_sim._errors import DataFileError, SourceUnavailableError
from corridor_sim.corridor import Corridor, build_corridor
from corridor_sim.data import data_file
from corridor_sim.network import gtfs
from corridor_sim.scenario import load_scenario


@pytest.fixture
def empty_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with nothing in it, and a fresh cache."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("CORRIDOR_SIM_DATA", str(folder))
    monkeypatch.setenv("CORRIDOR_SIM_CACHE", str(tmp_path / "cache"))
    return folder


def test_missing_data_file_names_file_and_fix(empty_data: Path) -> None:
    with pytest.raises(DataFileError) as err:
        data_file("nairobi/digitalmatatus_gtfs_2019.zip")
    message = str(err.value)
    assert str(empty_data / "nairobi/digitalmatatus_gtfs_2019.zip") in message
    assert "CORRIDOR_SIM_DATA" in message


def test_feed_without_file_or_url_is_unavailable(empty_data: Path) -> None:
    with pytest.raises(SourceUnavailableError) as err:
        gtfs.load_feed("kampala", "tfc")
    assert "kampala/kampala_tfc_gtfs_2020_no_stop_times.zip" in str(err.value)


def test_broken_gtfs_zip_names_file_and_fix(empty_data: Path) -> None:
    broken = empty_data / "nairobi" / "digitalmatatus_gtfs_2019.zip"
    broken.parent.mkdir()
    broken.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(DataFileError) as err:
        gtfs.load_feed("nairobi", "digital_matatus")
    assert str(broken) in str(err.value)
    assert "not a readable GTFS zip" in str(err.value)


def test_broken_osm_extract_names_file_and_fix(empty_data: Path) -> None:
    broken = empty_data / "addis_ababa" / "addis_bole_road_2020-06.osm.bz2"
    broken.parent.mkdir()
    broken.write_bytes(b"BZh9 truncated")
    with pytest.raises(DataFileError) as err:
        build_corridor(load_scenario(PRESETS["addis_ababa"]))
    assert str(broken) in str(err.value)
    assert "PROVENANCE.md" in str(err.value)


def test_offline_preset_without_any_source_lists_every_reason(empty_data: Path) -> None:
    with pytest.raises(SourceUnavailableError) as err:
        build_corridor(load_scenario(PRESETS["nairobi"]))
    message = str(err.value)
    assert "osm unavailable" in message and "downloads are off" in message
    assert "gtfs unavailable" in message and "nairobi/digitalmatatus_gtfs_2019.zip" in message


def test_overpass_download_once_then_cache(
    empty_data: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch, corridors: dict[str, Corridor]
) -> None:
    """No local extract: the Bole Road graph comes from Overpass (served from the shared OSM file)."""
    monkeypatch.setenv("CORRIDOR_SIM_OFFLINE", "0")
    with LocalDataServer(shared_data, osm_file=shared_data / "addis_ababa/addis_bole_road_2020-06.osm.bz2") as server:
        monkeypatch.setenv("CORRIDOR_SIM_OVERPASS_URL", server.overpass_url)
        scenario = load_scenario(PRESETS["addis_ababa"])
        first = build_corridor(scenario)
        assert first.alignment.detail.startswith(f"overpass {server.overpass_url}")
        assert "served from source" in first.alignment.detail
        assert server.hits["/api/interpreter"] == 1
        second = build_corridor(scenario)
        assert "served from cache" in second.alignment.detail
        assert server.hits["/api/interpreter"] == 1
    # the downloaded graph gives the same corridor as the local extract
    local = corridors["addis_ababa"]
    assert second.total_length_m == pytest.approx(local.total_length_m, rel=0.005)
    assert len(second.station_name) == len(local.station_name)


def test_gtfs_download_once_then_cache(
    empty_data: Path, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_SIM_OFFLINE", "0")
    networks = tmp_path / "networks"
    networks.mkdir()
    with LocalDataServer(shared_data) as server:
        url = f"{server.url}/files/nairobi/digitalmatatus_gtfs_2019.zip"
        manifest = (REPO / "networks/nairobi.toml").read_text()
        manifest = "\n".join(f'url = "{url}"' if line.startswith("url = ") else line for line in manifest.splitlines())
        (networks / "nairobi.toml").write_text(manifest)
        monkeypatch.setenv("CORRIDOR_SIM_NETWORKS", str(networks))
        first = gtfs.load_feed("nairobi", "digital_matatus")
        second = gtfs.load_feed("nairobi", "digital_matatus")
        assert server.hits["/files/nairobi/digitalmatatus_gtfs_2019.zip"] == 1
    assert (first.found_in, second.found_in) == ("download", "cache")
    assert first.path == second.path and first.path.is_relative_to(tmp_path / "cache")
    assert first.path.read_bytes() == (shared_data / "nairobi/digitalmatatus_gtfs_2019.zip").read_bytes()
    assert len(second.feed.routes) == 136  # PROVENANCE.md: 136 routes
    assert not list(first.path.parent.glob("*.part"))  # atomic: no partial file left


def test_failed_download_leaves_no_file(
    empty_data: Path, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corridor_sim.data import cached_download

    monkeypatch.setenv("CORRIDOR_SIM_OFFLINE", "0")
    with LocalDataServer(shared_data) as server, pytest.raises(SourceUnavailableError, match="404"):
        cached_download(f"{server.url}/files/nairobi/no_such_feed.zip", "missing.zip")
    assert not (tmp_path / "cache" / "downloads").exists() or not any((tmp_path / "cache" / "downloads").iterdir())


def test_unreadable_cached_graph_is_rebuilt_from_the_extract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corridors: dict[str, Corridor]
) -> None:
    """A cache file that cannot be read (here: truncated) is rebuilt, not fatal."""
    monkeypatch.setenv("CORRIDOR_SIM_CACHE", str(tmp_path / "cache"))
    scenario = load_scenario(PRESETS["addis_ababa"])
    assert "served from source" in build_corridor(scenario).alignment.detail
    (note,) = [p for p in (tmp_path / "cache" / "osm").glob("*.json") if not p.name.endswith(".graph.json")]
    cached = note.with_name(note.name.replace(".json", ".graph.json"))
    cached.write_bytes(cached.read_bytes()[:100])
    rebuilt = build_corridor(scenario)
    assert "served from source" in rebuilt.alignment.detail
    assert rebuilt.total_length_m == pytest.approx(corridors["addis_ababa"].total_length_m)
    assert "served from cache" in build_corridor(scenario).alignment.detail
