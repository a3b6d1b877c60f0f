"""Test set-up: real shared data read in place, a temporary cache, no network but 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from corridor_sim.corridor import Corridor, build_corridor, corridor_from_alignment
from corridor_sim.scenario import load_scenario

if TYPE_CHECKING:
    from corridor_sim.pipeline import RunOutput

REPO = Path(__file__).resolve().parents[1]
PRESETS = {
    "addis_ababa": REPO / "scenarios/addis_ababa/bole_road_brt.toml",
    "nairobi": REPO / "scenarios/nairobi/thika_road_brt.toml",
    "kampala": REPO / "scenarios/kampala/jinja_road_brt.toml",
}
#: The Addis Ababa walking-and-cycling variant (mode shift, minibuses, sidewalks, crossings, cycle lane).
ADDIS_NMT = REPO / "scenarios/addis_ababa/bole_road_brt_nmt.toml"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder (CORRIDOR_SIM_DATA), which every test reads in place."""
    value = os.environ.get("CORRIDOR_SIM_DATA")
    if not value or not Path(value).is_dir():
        pytest.fail("set CORRIDOR_SIM_DATA to the shared data folder (e.g. ../shared/data) to run the tests")
    return Path(value).resolve()


@pytest.fixture(scope="session", autouse=True)
def _environment(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Downloads off (tests that download turn them on against 127.0.0.1), a temporary cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CORRIDOR_SIM_OFFLINE", "1")
        patch.setenv("CORRIDOR_SIM_CACHE", str(tmp_path_factory.mktemp("cache")))
        patch.setenv("CORRIDOR_SIM_RESULTS", str(tmp_path_factory.mktemp("results")))
        patch.delenv("CORRIDOR_SIM_NETWORKS", raising=False)
        patch.delenv("CORRIDOR_SIM_OVERPASS_URL", raising=False)
        yield


@pytest.fixture(scope="session")
def corridors() -> dict[str, Corridor]:
    """The three city presets' corridors, built once from the shared data."""
    return {city: build_corridor(load_scenario(path)) for city, path in PRESETS.items()}


@pytest.fixture(scope="session")
def addis_nmt_run(corridors: dict[str, Corridor], tmp_path_factory: pytest.TempPathFactory) -> RunOutput:
    """The Addis Ababa walking-and-cycling variant run once through the pipeline, for every module.

    Its corridor is the preset's alignment with the variant's own design (sidewalks, refuges, cycle
    lane are corridor arrays), not the plain preset's corridor. Its folder is shared: a test that
    writes into it (a report, say) copies it first.
    """
    from corridor_sim.pipeline import run_scenario

    scenario = load_scenario(ADDIS_NMT)
    corridor = corridor_from_alignment(scenario, corridors["addis_ababa"].alignment)
    return run_scenario(scenario, tmp_path_factory.mktemp("addis_nmt") / "run", corridor)
