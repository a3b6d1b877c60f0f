"""Today's minibus patterns kept in the cache folder: the same table as made afresh, made again when damaged."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from corridor_sim.corridor import Corridor
from corridor_sim.network.gtfs import LoadedFeed, load_feed
from corridor_sim.network.manifest import load_manifest
from corridor_sim.network.osm import CacheWarning
from corridor_sim.paratransit import pattern_cache
from corridor_sim.paratransit.pattern_cache import cached_corridor_patterns, pattern_file
from corridor_sim.paratransit.routes import corridor_patterns


@pytest.fixture(scope="module")
def nairobi_feed() -> LoadedFeed:
    return load_feed("nairobi", next(iter(load_manifest("nairobi").gtfs)))


@pytest.fixture()
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CORRIDOR_SIM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _args(corridor: Corridor, buffer_m: float = 40.0) -> tuple:
    return corridor.alignment.line, corridor.alignment.crs, buffer_m, 500.0


def test_cached_patterns_are_those_made_afresh_and_read_back_without_matching_again(
    nairobi_feed: LoadedFeed, corridors: dict[str, Corridor], own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = _args(corridors["nairobi"])
    fresh = corridor_patterns(nairobi_feed.feed, *args)
    assert len(fresh) > 10  # Thika Road: dozens of matatu patterns
    first = cached_corridor_patterns(nairobi_feed, *args)
    assert_frame_equal(first, fresh)
    assert pattern_file(nairobi_feed, *args).is_file()

    def no_matching(*_: object) -> None:
        raise AssertionError("the patterns were matched again instead of read from the cache")

    monkeypatch.setattr(pattern_cache, "corridor_patterns", no_matching)
    assert_frame_equal(cached_corridor_patterns(nairobi_feed, *args), fresh)  # column types included


def test_other_matching_settings_or_line_are_other_files(
    nairobi_feed: LoadedFeed, corridors: dict[str, Corridor], own_cache: Path
) -> None:
    base = pattern_file(nairobi_feed, *_args(corridors["nairobi"]))
    assert pattern_file(nairobi_feed, *_args(corridors["nairobi"], buffer_m=60.0)) != base
    assert pattern_file(nairobi_feed, *_args(corridors["kampala"])) != base


@pytest.mark.parametrize("damage", [b"", b"PAR1 not a parquet file", b"garbage"])
def test_a_damaged_cache_file_is_made_again(
    nairobi_feed: LoadedFeed, corridors: dict[str, Corridor], own_cache: Path, damage: bytes
) -> None:
    args = _args(corridors["nairobi"])
    fresh = cached_corridor_patterns(nairobi_feed, *args)
    path = pattern_file(nairobi_feed, *args)
    path.write_bytes(damage)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # made again quietly: the cache is the tool's, not the user's
        assert_frame_equal(cached_corridor_patterns(nairobi_feed, *args), fresh)
    assert path.stat().st_size > len(damage)  # and written again whole


def test_an_unwritable_cache_folder_warns_once_and_the_patterns_still_come(
    nairobi_feed: LoadedFeed, corridors: dict[str, Corridor], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("CORRIDOR_SIM_CACHE", str(blocker / "cache"))
    args = _args(corridors["nairobi"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        patterns = cached_corridor_patterns(nairobi_feed, *args)
        again = cached_corridor_patterns(nairobi_feed, *args)
    said = [w for w in caught if issubclass(w.category, CacheWarning)]
    assert len(said) == 1 and "cannot be written" in str(said[0].message)  # once per cache folder, not per entry
    assert_frame_equal(patterns, corridor_patterns(nairobi_feed.feed, *args))
    assert_frame_equal(again, patterns)
