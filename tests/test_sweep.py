"""Batch sweeps on the real Thika Road and Bole Road presets: plans, backends, resuming, failures, report."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PRESETS, REPO
from typer.testing import CliRunner

from corridor_sim._errors import ScenarioError
from corridor_sim.cli import app
from corridor_sim.engine.runner import simulate
from corridor_sim.indicators import summarize
from corridor_sim.results.summary import flatten
from corridor_sim.scenario import clock_s
from corridor_sim.sweep.execute import DaskCluster, LocalWorkers, run_sweep
from corridor_sim.sweep.plan import (
    SweepSpec,
    grid_values,
    latin_hypercube,
    load_sweep_file,
    plan_sweep,
)
from corridor_sim.sweep.report import best_runs, pareto_front
from corridor_sim.sweep.store import SweepStore

runner = CliRunner()
HALF_HOUR = {"period.start": "07:00", "period.end": "07:30"}
CLI = [sys.executable, "-m", "corridor_sim.cli"]


def _spec(**fields) -> SweepSpec:
    return SweepSpec(scenario=PRESETS["nairobi"], set=HALF_HOUR, **fields)


def test_grid_values_read_lists_and_stepped_ranges_with_both_ends() -> None:
    assert grid_values("fleet", "40:80:10") == [40, 50, 60, 70, 80]
    assert grid_values("x", "0.5:1.5:0.25") == [0.5, 0.75, 1.0, 1.25, 1.5]
    assert grid_values("x", "2,3.5,true") == [2, 3.5, True]
    assert grid_values("period.start", "07:00,08:00") == ["07:00", "08:00"]  # a clock time is not a range
    with pytest.raises(ScenarioError, match="fleet=80:40:10: give low:high:step"):
        grid_values("fleet", "80:40:10")


def test_latin_hypercube_puts_one_point_in_each_stratum_of_each_axis() -> None:
    unit = latin_hypercube(50, 3, np.random.default_rng(4))
    assert unit.shape == (50, 3) and ((unit >= 0) & (unit < 1)).all()
    for column in unit.T:
        assert sorted(np.floor(column * 50).astype(int)) == list(range(50))
    # A whole-number range with as many samples as values draws each value exactly once.
    plan = plan_sweep(_spec(range={"fleet": (100, 104)}, sample=5, seed=9))
    assert sorted(r.params["fleet"] for r in plan.runs) == [100, 101, 102, 103, 104]


def test_plan_is_the_grid_crossed_with_the_samples_with_stable_ids() -> None:
    spec = _spec(
        grid={"services.all_stop.peak_headway_min": [1.2, 2], "fleet": "100:150:50"}, range={"layover_min": (3.0, 8.0)}, sample=3
    )
    plan = plan_sweep(spec)
    assert len(plan.runs) == 2 * 2 * 3
    grid = [(r.params["services.all_stop.peak_headway_min"], r.params["fleet"]) for r in plan.runs[::3]]
    assert grid == list(itertools.product([1.2, 2], [100, 150]))
    assert all(3.0 <= r.params["layover_min"] < 8.0 for r in plan.runs)
    again = plan_sweep(spec)
    assert [r.run_id for r in again.runs] == [r.run_id for r in plan.runs] and again.name == plan.name
    # The id belongs to the scenario, not the sweep: the same run in another sweep has the same id.
    one, other = plan_sweep(_spec(grid={"fleet": [100, 150]})), plan_sweep(_spec(grid={"fleet": [150, 200]}))
    assert one.runs[1].run_id == other.runs[0].run_id and one.runs[0].run_id != other.runs[1].run_id
    assert len(plan_sweep(_spec(grid={"fleet": [150, 150]})).runs) == 1  # one scenario, one run
    # Sampling from a grid draws distinct combinations.
    drawn = plan_sweep(_spec(grid={"fleet": "100:190:10"}, sample=4, seed=2))
    assert len({r.params["fleet"] for r in drawn.runs}) == 4


def test_a_bad_path_or_value_fails_before_anything_runs(tmp_path: Path) -> None:
    base = ["sweep", str(PRESETS["nairobi"]), "--out", str(tmp_path / "sweep")]
    result = runner.invoke(app, [*base, "--grid", "services.all_stp.peak_headway_min=2,3"])
    message = " ".join(result.output.split())
    assert result.exit_code == 2
    assert (
        "override services.all_stp.peak_headway_min: 'all_stp' is not a field of services (allowed: all_stop, express, short_turn)"
        in message
    )
    result = runner.invoke(app, [*base, "--grid", "services.all_stop.peak_headway_min=2,-1"])
    message = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "sweep run with services.all_stop.peak_headway_min=-1" in message
    assert "services.all_stop.peak_headway_min = -1: Input should be greater than or equal to 0.1" in message
    result = runner.invoke(app, [*base, "--range", "layover_min=3:8", "--sample", "4", "--method", "lhc"])
    assert result.exit_code == 2 and "sweep.method = 'lhc': Input should be 'lhs' or 'random'" in " ".join(result.output.split())
    result = runner.invoke(app, [*base, "--grid", "fleet=100,150", "--range", "fleet=90:160", "--sample", "3"])
    assert result.exit_code == 2 and "fleet: give each path as a grid or as a range, not both" in result.output
    result = runner.invoke(app, [*base, "--range", "layover_min=3:8"])
    assert result.exit_code == 2 and "give sample = N (--sample N)" in " ".join(result.output.split())
    assert not (tmp_path / "sweep").exists()


def test_each_city_ships_a_sweep_of_one_peak_hour_runs() -> None:
    files = sorted(REPO.glob("scenarios/*/*sweep*.toml"))
    assert {f.parent.name for f in files} == {"nairobi", "kampala", "addis_ababa", "dar_es_salaam"}
    for file in files:
        plan = plan_sweep(load_sweep_file(file))
        assert 2 <= len(plan.runs) <= 12, file
        for run in plan.runs:
            assert clock_s(run.scenario.period.end) - clock_s(run.scenario.period.start) == 3600, file


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[SweepStore, object]:
    """Four half-hour Thika Road runs on two local worker processes."""
    plan = plan_sweep(_spec(grid={"services.all_stop.peak_headway_min": [1.2, 3.0], "seed": [1, 2]}))
    store = SweepStore(tmp_path_factory.mktemp("local"))
    outcome = run_sweep(plan, store, LocalWorkers(workers=2))
    assert (outcome.planned, outcome.ran, outcome.failed, outcome.skipped) == (4, 4, 0, 0)
    return store, plan


def test_local_workers_and_a_dask_local_cluster_give_identical_tables(local_sweep, tmp_path: Path) -> None:
    store, plan = local_sweep
    local = pd.read_parquet(store.folder / "table.parquet")
    outcome = run_sweep(plan, SweepStore(tmp_path), DaskCluster(address=None, workers=2))
    dask = pd.read_parquet(tmp_path / "table.parquet")
    pd.testing.assert_frame_equal(local, dask)
    assert outcome.ran == 4 and list(local["run_id"]) == [r.run_id for r in plan.runs]
    assert (local["status"] == "ok").all() and local["passengers.conserved"].all()
    # A row is the run's own summary: the same scenario run here gives the same indicators.
    first = plan.runs[0]
    from corridor_sim.corridor import build_corridor

    direct = flatten(summarize(simulate(first.scenario, build_corridor(first.scenario)), first.run_id))
    row = local.iloc[0]
    for column in ("passengers.generated", "wait_min.mean", "journey_min.mean", "fleet.used", "bus_km"):
        assert row[column] == direct[column], column
    # Shorter headways: shorter waits, in both seeds.
    waits = local.set_index(["seed", "services.all_stop.peak_headway_min"])["wait_min.mean"]
    assert all(waits[(s, 1.2)] < waits[(s, 3.0)] for s in (1, 2))


def test_a_run_that_raises_is_recorded_with_its_error_and_the_others_complete(tmp_path: Path) -> None:
    from corridor_sim.scenario import load_scenario

    lat = load_scenario(PRESETS["nairobi"]).corridor.stations[3].lat
    plan = plan_sweep(_spec(grid={"corridor.stations.3.lat": [lat, lat + 0.01], "seed": [1, 2]}))
    store = SweepStore(tmp_path)
    outcome = run_sweep(plan, store, LocalWorkers(workers=1), keep_runs=True)
    table = outcome.table
    assert (outcome.ran, outcome.failed) == (4, 2)
    failed = table[table["status"] == "failed"]
    assert set(failed["corridor.stations.3.lat"]) == {lat + 0.01}
    assert failed["error"].str.contains(r"CorridorBuildError: station 'Globe' is \d+ m from the gtfs line").all()
    assert failed["traceback"].str.contains("build_alignment").all()
    ok = table[table["status"] == "ok"]
    assert len(ok) == 2 and ok["passengers.generated"].gt(1000).all()
    for _, row in ok.iterrows():  # kept run folders hold the same summary as the row
        summary = json.loads((tmp_path / "runs" / row["run_id"] / "summary.json").read_text())
        assert summary["wait_min"]["mean"] == row["wait_min.mean"] and summary["bus_km"] == row["bus_km"]
    assert not (tmp_path / "runs" / failed["run_id"].iloc[0]).exists()
    # a kept run folder is a whole run folder: it plots and reports like any other
    kept = tmp_path / "runs" / ok["run_id"].iloc[0]
    plotted = CliRunner().invoke(app, ["plot", str(kept), "--figure", "corridor_map", "--format", "png"])
    assert plotted.exit_code == 0, plotted.output
    assert (kept / "figures" / "corridor_map.png").stat().st_size > 10_000
    reported = CliRunner().invoke(app, ["report", str(kept)])
    assert reported.exit_code == 0, reported.output
    assert (kept / "report.pdf").stat().st_size > 10_000 and (kept / "report.html").is_file()
    # Failed runs are finished: a re-run skips them unless asked to retry them.
    assert run_sweep(plan, store, LocalWorkers(workers=1)).ran == 0
    assert run_sweep(plan, store, LocalWorkers(workers=1), retry_failed=True).ran == 2
    assert best_runs(table, "wait_min.mean")["status"].eq("ok").all()


def _cli_sweep(folder: Path, *extra: str) -> subprocess.Popen:
    args = ["sweep", str(PRESETS["nairobi"]), "--out", str(folder), "--workers", "1", "--grid", "seed=1:8:1", *extra]
    args += [f"--set={k}={v}" for k, v in HALF_HOUR.items()]
    return subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)


def _wait_for_rows(folder: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 180
    while len(list((folder / "rows").glob("*.parquet"))) < count:
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "no run finished in 180 s"
        time.sleep(0.05)


def test_an_interrupted_sweep_resumes_with_every_run_exactly_once(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    first = _cli_sweep(folder)
    _wait_for_rows(folder, 1, first)
    first.send_signal(signal.SIGINT)
    output = first.communicate(timeout=120)[0]
    assert first.returncode == 130, output
    assert "interrupted" in output and "run the same command again" in " ".join(output.split())
    kept = {p.name: p.stat().st_mtime_ns for p in (folder / "rows").glob("*.parquet")}
    assert 1 <= len(kept) < 8
    second = _cli_sweep(folder)
    output = second.communicate(timeout=300)[0]
    assert second.returncode == 0, output
    assert f"{8 - len(kept)} runs made (0 failed), {len(kept)} already finished" in " ".join(output.split())
    table = pd.read_parquet(folder / "table.parquet")
    planned = [r["run_id"] for r in SweepStore(folder).load_plan()["runs"]]
    assert len(planned) == 8 and list(table["run_id"]) == planned and table["run_id"].is_unique
    assert sorted(table["seed"]) == list(range(1, 9))
    assert {p.name: p.stat().st_mtime_ns for p in (folder / "rows").glob("*.parquet") if p.name in kept} == kept
    assert not list(folder.rglob("*.part"))


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker through /proc")
def test_a_killed_worker_loses_no_run(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    process = _cli_sweep(folder, "--workers", "2")
    _wait_for_rows(folder, 1, process)
    workers = [p for p in _children(process.pid) if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    output = process.communicate(timeout=300)[0]
    assert process.returncode == 0, output
    table = pd.read_parquet(folder / "table.parquet")
    assert len(table) == 8 and table["run_id"].is_unique and (table["status"] == "ok").all()


def test_pareto_front_is_exactly_the_runs_no_other_beats() -> None:
    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {"run_id": [f"r{k}" for k in range(200)], "status": "ok", "x": rng.integers(0, 30, 200), "y": rng.random(200).round(2)}
    )
    table.loc[7, "status"] = "failed"
    front = pareto_front(table, "x", "y")
    ok = table[table["status"] == "ok"]
    x, y = ok["x"].to_numpy(), ok["y"].to_numpy()
    dominated = [((x <= a) & (y <= b) & ((x < a) | (y < b))).any() for a, b in zip(x, y, strict=True)]
    non_dominated = set(ok["run_id"][~np.array(dominated)])
    # Of runs equal on both, only the first stands on the front.
    first_of_ties = {
        r
        for r in non_dominated
        if ok.loc[
            (ok["x"] == ok.loc[ok["run_id"] == r, "x"].item()) & (ok["y"] == ok.loc[ok["run_id"] == r, "y"].item()), "run_id"
        ].iloc[0]
        == r
    }
    assert set(front["run_id"]) == first_of_ties and "r7" not in set(front["run_id"])
    assert front["x"].is_monotonic_increasing and front["y"].is_monotonic_decreasing
    flipped = pareto_front(table, "x", "y", maximize=(True, False))
    assert flipped["x"].iloc[0] == ok["x"].max()
    best = best_runs(table, "y", top=5)
    assert list(best["y"]) == sorted(ok["y"])[:5]


def test_sweep_report_lists_the_best_runs_and_the_front(local_sweep) -> None:
    store, _ = local_sweep
    result = runner.invoke(app, ["sweep", "report", str(store.folder), "--by", "wait_min.mean", "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "best 2 by wait_min.mean" in result.output and "Pareto front: fleet.used vs journey_min.mean" in result.output
    table = pd.read_parquet(store.folder / "table.parquet")
    best = pd.read_parquet(store.folder / "report_best.parquet")
    assert list(best["run_id"]) == list(table.sort_values("wait_min.mean", kind="stable")["run_id"][:2])
    front = pd.read_parquet(store.folder / "report_pareto.parquet")
    assert set(front["run_id"]) == set(pareto_front(table, "fleet.used", "journey_min.mean")["run_id"])
    bad = runner.invoke(app, ["sweep", "report", str(store.folder), "--by", "wait_min.men"])
    assert bad.exit_code == 2 and "no column 'wait_min.men'" in bad.output and "wait_min.mean" in bad.output
    # the funding case ranks too: --by npv is the appraisal's NPV, largest first
    by_npv = runner.invoke(app, ["sweep", "report", str(store.folder), "--by", "npv", "--top", "4"])
    assert by_npv.exit_code == 0, by_npv.output
    assert "best 4 by appraisal.npv_usd (largest first)" in by_npv.output
    best = pd.read_parquet(store.folder / "report_best.parquet")
    assert table["appraisal.npv_usd"].notna().all()
    assert list(best["run_id"]) == list(table.sort_values("appraisal.npv_usd", ascending=False, kind="stable")["run_id"])


def test_a_replicated_sweep_gives_one_row_per_design_with_intervals_and_says_which_tie(tmp_path: Path) -> None:
    # Bole Road, buses every 3, 3.5 and 8 minutes, three replications each on common seeds
    spec = SweepSpec(
        scenario=PRESETS["addis_ababa"],
        set={"replications.count": 3, "period.end": "08:00"},
        grid={"services.all_stop.peak_headway_min": [3.0, 3.5, 8.0]},
    )
    plan = plan_sweep(spec)
    store = SweepStore(tmp_path / "sweep")
    assert run_sweep(plan, store, LocalWorkers(workers=1)).ran == 3
    table = pd.read_parquet(store.folder / "table.parquet")
    assert len(table) == 3 and (table["replications.count"] == 3).all() and (table["wait_min.mean.ci95"] > 0).all()
    assert not any(c.startswith("replications.indicators") for c in table.columns)
    best = best_runs(table, "wait_min.mean")
    assert list(best["services.all_stop.peak_headway_min"]) == [3.0, 3.5, 8.0]
    assert list(best["like_the_best"]) == [True, *best["like_the_best"].iloc[1:2], False]
    result = runner.invoke(app, ["sweep", "report", str(store.folder), "--by", "wait_min.mean"])
    assert result.exit_code == 0, result.output
    assert "like_the_best" in result.output or "like_the_b" in result.output
