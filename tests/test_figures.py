"""Figures: every standard figure of a real preset run, the sweep figures, and `corridor-sim plot`."""

from __future__ import annotations

import os
import re
import shutil
import threading
import warnings
from pathlib import Path

import matplotlib.colors as mcolors
import matplotlib.image as mpimg
import numpy as np
import pytest
from conftest import PRESETS, REPO
from typer.testing import CliRunner

from corridor_sim.cli import app
from corridor_sim.corridor import Corridor
from corridor_sim.pipeline import RunOutput, run_scenario
from corridor_sim.plots import figures as figures_module
from corridor_sim.plots import style as figure_style
from corridor_sim.plots.figures import FIGURES, _pool_context, draw_figures
from corridor_sim.plots.sweep_figures import SWEEP_FIGURES, draw_sweep_figures
from corridor_sim.results.reader import RunFolder
from corridor_sim.scenario import load_scenario

runner = CliRunner()

#: Axis labels each figure must carry (x, y) on at least one of its axes: the units a reader needs.
AXIS_LABELS = {
    "corridor_map": [("longitude (degrees)", "latitude (degrees)")],
    "appraisal_tornado": [("economic NPV at 12 % (US$ M)", "")],
    "time_space": [("time of day (hh:mm)", "distance along the corridor (km)")],
    "headways": [("headway (min)", "share of bus arrivals (%)"), ("wait (min)", "share of boarded passengers (%)")],
    "load_profile": [("distance from Meskel Square approach (km)", "passengers per hour per direction (pax/h)")],
    "stations": [("station saturation (share of the period)", ""), ("bus queue before a berth (s)", "")],
    "comparison": [
        ("", "travel time (min)"),
        ("", "deaths per year"),
        ("", "serious injuries per year"),
        ("", "CO2 (t/year)"),
        ("", "NOx (t/year)"),
        ("", "PM2.5 exhaust (t/year)"),
    ],
}
#: Smallest standard deviation of a figure's pixel values (0-1 scale): a blank canvas has 0.
MIN_PIXEL_STD = 0.05


@pytest.fixture(scope="module")
def nmt_run(addis_nmt_run: RunOutput) -> RunFolder:
    """The Addis Ababa walking-and-cycling variant (the session's run): mode shift, minibuses and catchments."""
    return RunFolder(addis_nmt_run.folder)


@pytest.fixture(scope="module")
def plain_run(corridors: dict[str, Corridor], tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """The Addis Ababa preset itself (no mode shift)."""
    output = run_scenario(
        load_scenario(PRESETS["addis_ababa"]), tmp_path_factory.mktemp("plain") / "run", corridors["addis_ababa"]
    )
    return RunFolder(output.folder)


def _labels(fig) -> set[tuple[str, str]]:
    return {(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes}


def _texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text")))


def _assert_drawn(path: Path) -> None:
    assert path.stat().st_size > 10_000, path
    if path.suffix == ".png":
        pixels = mpimg.imread(path)[..., :3]
        assert pixels.std() > MIN_PIXEL_STD, f"{path} looks blank (pixel std {pixels.std():.3f})"
    else:
        assert path.read_bytes().startswith(b"%PDF"), path


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_renders_from_a_real_run_with_its_axis_labels(nmt_run: RunFolder, name: str, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with figure_style.style():
            fig = FIGURES[name].draw(nmt_run, None)
        files = draw_figures(nmt_run, [name], folder=tmp_path)[name]
    labels = _labels(fig)
    for x, y in AXIS_LABELS[name]:
        assert any((x == lx or not x) and (y == ly or not y) for lx, ly in labels), (
            f"{name}: no axes labelled {(x, y)} in {labels}"
        )
    for ax in fig.axes:  # units on every labelled axis: in parentheses, or a rate per year
        for label in (ax.get_xlabel(), ax.get_ylabel()):
            assert not label or "(" in label or label.endswith("per year"), f"{name}: axis label {label!r} has no unit"
    assert "corridor-sim" in _texts(fig) or name == "corridor_map"  # data source named
    assert [p.suffix for p in files] == [".png", ".pdf"]
    for path in files:
        _assert_drawn(path)


def test_the_map_shows_catchments_and_credits_openstreetmap(nmt_run: RunFolder) -> None:
    layers = nmt_run.table("map_layers")
    catchments = layers[layers["layer"] == "catchment"].set_index("minutes")
    assert list(catchments.index) == [5.0, 10.0]
    area = catchments.to_crs(layers.estimate_utm_crs()).area
    assert 0 < area[5.0] < area[10.0]  # the 10-minute catchment holds the 5-minute one
    stations = layers[layers["layer"] == "station"]
    assert stations.within(catchments.geometry[5.0].buffer(1e-4)).all()  # every station is in its own catchment
    with figure_style.style():
        fig = FIGURES["corridor_map"].draw(nmt_run, None)
    text = _texts(fig)
    assert "(c) OpenStreetMap contributors" in text and "within 5 min walk of a station" in text


def test_style_reads_in_greyscale() -> None:
    """Scenario against baseline, and the two directions, differ in lightness and in line style or hatch."""

    def lightness(color: str) -> float:
        r, g, b = mcolors.to_rgb(color)
        return 0.299 * r + 0.587 * g + 0.114 * b

    for a, b in ((figure_style.SCENARIO, figure_style.BASELINE), figure_style.DIRECTIONS):
        assert abs(lightness(a["color"]) - lightness(b["color"])) > 0.25
        assert a["linestyle"] != b["linestyle"] and a["marker"] != b["marker"]
    assert figure_style.SCENARIO["hatch"] != figure_style.BASELINE["hatch"]
    assert figure_style.STYLE["pdf.fonttype"] == 42  # text stays text in PDFs


def test_comparison_against_a_baseline_run_folder(nmt_run: RunFolder, plain_run: RunFolder) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with figure_style.style():
            own = FIGURES["comparison"].draw(plain_run, None)
            against = FIGURES["comparison"].draw(nmt_run, plain_run)
    assert "today:\nminibus" in _texts(own)  # every run simulates today's minibuses with its riders
    assert plain_run.label in _texts(against)


def _without_creation_date(pdf: bytes) -> bytes:
    """A PDF's bytes without the one thing that differs between two drawings of it: when it was made."""
    return re.sub(rb"/CreationDate \(D:\d+Z\)", b"", pdf)


def test_figures_drawn_in_several_processes_are_those_drawn_in_one(nmt_run: RunFolder, tmp_path: Path) -> None:
    one = draw_figures(nmt_run, folder=tmp_path / "one", processes=1)
    shared = draw_figures(nmt_run, folder=tmp_path / "shared", processes=3)
    assert list(shared) == list(one) == [name for name in FIGURES if FIGURES[name].applies(nmt_run)]
    for name, files in one.items():
        assert [p.name for p in shared[name]] == [p.name for p in files]
        for mine, theirs in zip(files, shared[name], strict=True):
            if mine.suffix == ".png":
                assert mine.read_bytes() == theirs.read_bytes(), mine.name
            else:
                assert _without_creation_date(mine.read_bytes()) == _without_creation_date(theirs.read_bytes()), mine.name


def test_drawing_processes_fork_only_a_single_thread(nmt_run: RunFolder, tmp_path: Path) -> None:
    """Forking copies only the calling thread: with another alive (a progress display) the processes start afresh,
    and what they draw is the same."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert _pool_context().get_start_method() in {"forkserver", "spawn"}
        files = draw_figures(nmt_run, ["stations", "headways"], formats=("png",), folder=tmp_path, processes=2)
    finally:
        release.set()
        other.join()
    assert list(files) == ["stations", "headways"]
    alone = draw_figures(nmt_run, ["stations", "headways"], formats=("png",), folder=tmp_path / "alone", processes=1)
    for name, paths in files.items():
        assert paths[0].read_bytes() == alone[name][0].read_bytes(), name
    if threading.active_count() == 1:
        assert _pool_context().get_start_method() == "fork"


def _die(*args: object) -> None:
    """A drawing process that dies (killed, out of memory) before it draws."""
    os._exit(1)


def test_figures_a_drawing_process_did_not_draw_are_drawn_here(
    nmt_run: RunFolder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures_module, "_draw_in_child", _die)
    if figures_module._pool_context().get_start_method() != "fork":
        pytest.skip("the dying stand-in reaches only forked processes")
    files = draw_figures(nmt_run, ["stations", "headways", "load_profile"], formats=("png",), folder=tmp_path, processes=2)
    assert list(files) == ["stations", "headways", "load_profile"]
    for paths in files.values():
        _assert_drawn(paths[0])


def test_plot_command_draws_one_figure_or_says_which_exist(plain_run: RunFolder, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["plot", str(plain_run.path), "--figure", "load_profile", "--format", "png", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load_profile.png"]
    _assert_drawn(tmp_path / "load_profile.png")
    result = runner.invoke(app, ["plot", str(plain_run.path), "--figure", "load_profle"])
    assert result.exit_code == 2
    assert "no figure 'load_profle' (did you mean load_profile?)" in " ".join(result.output.split())
    result = runner.invoke(app, ["plot", str(plain_run.path), "--format", "gif"])
    assert result.exit_code == 2 and "allowed are png, pdf, svg" in result.output


def test_plot_an_old_run_folder_names_the_missing_file(plain_run: RunFolder, tmp_path: Path) -> None:
    old = tmp_path / "old"
    shutil.copytree(plain_run.path, old, ignore=shutil.ignore_patterns("map_layers.parquet", "figures"))
    result = runner.invoke(app, ["plot", str(old), "--figure", "corridor_map"])
    assert result.exit_code == 2
    assert "has no map_layers" in " ".join(result.output.split())


def test_run_saves_the_standard_figures_unless_told_not_to(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", str(PRESETS["addis_ababa"]), "--out", str(tmp_path / "with"), "--set", "period.end=08:00"]
    )
    assert result.exit_code == 0, result.output
    drawn = sorted(p.name for p in (tmp_path / "with" / "figures").iterdir())
    assert drawn == sorted(f"{name}.{fmt}" for name in FIGURES for fmt in ("png", "pdf"))
    result = runner.invoke(
        app, ["run", str(PRESETS["addis_ababa"]), "--out", str(tmp_path / "without"), "--no-plots", "--set", "period.end=08:00"]
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "without" / "figures").exists()


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Addis Ababa sweep file's six runs (headway x berths)."""
    folder = tmp_path_factory.mktemp("sweep") / "sweep"
    result = runner.invoke(
        app, ["sweep", str(REPO / "scenarios/addis_ababa/bole_road_sweep.toml"), "--out", str(folder), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    return folder


def test_sweep_heatmap_and_pareto(sweep_folder: Path, tmp_path: Path) -> None:
    folder = sweep_folder
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        written = draw_sweep_figures(folder, out=tmp_path / "all")
    assert list(written) == list(SWEEP_FIGURES)
    for paths in written.values():
        for path in paths:
            _assert_drawn(path)
    result = runner.invoke(
        app, ["plot", str(folder), "--figure", "sweep_pareto", "--format", "png", "--out", str(tmp_path / "p")]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "p").iterdir()] == ["sweep_pareto.png"]
    result = runner.invoke(app, ["plot", str(folder), "--indicator", "journey_mins.mean"])
    assert result.exit_code == 2 and "closest: journey_min.mean" in " ".join(result.output.split())


def test_load_profile_draws_the_critical_segment_and_the_capacity(nmt_run: RunFolder) -> None:
    """Each direction's plotted peak equals the summary's critical segment, under the offered capacity line."""
    from matplotlib.patches import StepPatch

    with figure_style.style():
        fig = FIGURES["load_profile"].draw(nmt_run, None)
    panels = [ax for ax in fig.axes if any(isinstance(a, StepPatch) for a in ax.patches)]
    assert len(panels) == 2
    for ax, direction in zip(panels, nmt_run.summary["directions"], strict=True):
        steps = {p.get_label(): p.get_data().values for p in ax.patches if isinstance(p, StepPatch) and p.get_label()}
        load = next(v for k, v in steps.items() if k.startswith("passengers on board"))
        critical = direction["critical_segment"]
        assert load.max() == critical["pphpd"]
        assert steps["offered capacity"][load.argmax()] == critical["offered_capacity_pphpd"]


def test_sweep_heatmap_cells_are_the_table_values(sweep_folder: Path) -> None:
    from corridor_sim.plots.sweep_figures import draw_heatmap
    from corridor_sim.sweep.store import SweepStore

    store = SweepStore(sweep_folder)
    plan = store.load_plan()
    table = store.read([r["run_id"] for r in plan["runs"]])
    with figure_style.style():
        fig = draw_heatmap(table, plan, "wait_min.mean")
    cells = np.ma.filled(fig.axes[0].collections[0].get_array(), np.nan).reshape(2, 3)  # berths x headways
    expected = table.pivot(index="corridor.berths", columns="services.all_stop.peak_headway_min", values="wait_min.mean")
    np.testing.assert_allclose(cells, expected.to_numpy())


def test_random_arrival_wait_of_the_measured_headways_matches_the_simulated_waits(nmt_run: RunFolder) -> None:
    """E[W] = E[H]/2 (1 + CV^2) (Osuna & Newell 1972) less those who find the doors still open, the headways
    figure's reference line, holds for the simulated Poisson passengers where no bus is full: within 5 % over the
    corridor, boarding-weighted."""
    from corridor_sim.plots.headways import random_arrival_wait_s, station_headways

    assert random_arrival_wait_s(np.full(10, 300.0)) == 150.0  # regular buses: half the headway
    assert random_arrival_wait_s(np.array([100.0, 500.0])) == pytest.approx(300 / 2 * (1 + (200 / 300) ** 2))
    stats = nmt_run.table("station_stats").set_index(["station", "direction"])
    assert stats["denied"].sum() == 0
    headways = station_headways(nmt_run.table("stop_events"), nmt_run.scenario["services"])
    assert random_arrival_wait_s(np.full(10, 300.0), np.full(10, 20.0)) == pytest.approx(
        280.0**2 / 600.0
    )  # boarding the bus before
    expected = headways.groupby(["station", "direction"]).apply(
        lambda g: random_arrival_wait_s(g["headway_s"].to_numpy(), g["open_before_s"].to_numpy())
    )
    served = stats[stats["boardings"] > 0].join(expected.rename("expected_s"))
    weighted = np.average(served["expected_s"], weights=served["boardings"])
    assert weighted == pytest.approx(np.average(served["wait_mean_s"], weights=served["boardings"]), rel=0.05)
