"""Replications: the interval covers what the model must give, its coverage is 95 % within sampling error,
common random numbers make identical designs differ by exactly zero, and a precision target adds runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import PRESETS

from corridor_sim.corridor import Corridor, corridor_from_alignment
from corridor_sim.engine.runner import simulate
from corridor_sim.evaluation import run_and_evaluate
from corridor_sim.replications import interval, paired_difference, replication_seed, sweep_indicators
from corridor_sim.results.compare import comparison_table
from corridor_sim.scenario import load_scenario

#: Bole Road without signals or traffic, a bus every 4 minutes that never fills: headways stay regular.
REGULAR = {
    "corridor.segments.0.signals": 0, "traffic.volume_vph_per_lane": {"07:00": 0.0},
    "services.all_stop.peak_headway_min": 4, "vehicle.capacity_pax": 300, "fleet": 30,
}  # fmt: skip


def test_the_interval_of_the_mean_wait_covers_the_regular_headway_law(corridors: dict[str, Corridor]) -> None:
    scenario = load_scenario(PRESETS["addis_ababa"], {**REGULAR, "replications.count": 6})
    corridor = corridor_from_alignment(scenario, corridors["addis_ababa"].alignment)
    summary = run_and_evaluate(scenario, corridor, "t", all_tables=False).summary
    cell = summary["replications"]["indicators"]["wait_min.mean"]
    assert summary["replications"]["count"] == 6 and len(cell["values"]) == 6 and cell["half_width"] > 0
    # each replication's law: uniform arrivals wait gap^2 / 2 over the time, a gap from a bus's last call to the
    # next bus's doors (H / 2 with the doors shut; a little less, since those who come while they are open board)
    expected = []
    for seed in summary["replications"]["seeds"]:
        trace = simulate(scenario.model_copy(update={"seed": seed}), corridor).trace
        stops = trace.stops.sort_values("berth_s")
        law_s, weight = 0.0, 0.0
        for (station, direction), here in stops.groupby(["station", "direction"]):
            gaps = here["berth_s"].to_numpy()[1:] - here["last_call_s"].to_numpy()[:-1]
            span = here["berth_s"].iloc[-1] - here["berth_s"].iloc[0]
            riders = ((trace.passengers.origin == station) & (trace.passengers.direction == direction)).sum()
            law_s += riders * (gaps**2).sum() / 2.0 / span
            weight += riders
        expected.append(law_s / weight / 60.0)
    assert cell["low"] <= np.mean(expected) <= cell["high"]
    # under H / 2 = 2 min by the open-door boarders (Meskel's 90-odd boarders a bus hold the doors for a minute)
    assert cell["mean"] < 2.0 and cell["half_width"] < 0.05 * cell["mean"]


def test_the_interval_covers_the_true_mean_95_percent_of_the_time() -> None:
    # a replication's indicator is a mean over many passengers: 4,000 sets of 8 replications, each the mean of 500
    # exponential waits (mean 2 min); the t interval covers 2 min 95 % of the time within three standard errors
    rng = np.random.default_rng(11)
    replications = rng.exponential(2.0, size=(4000, 8, 500)).mean(axis=2)
    covered = sum(abs(mean - 2.0) <= half for mean, half in map(interval, replications))
    share, se = covered / len(replications), np.sqrt(0.95 * 0.05 / len(replications))
    assert abs(share - 0.95) < 3 * se
    # and a 99 % claim would fail: the intervals are no wider than they must be
    assert share < 0.975


def test_common_random_numbers_make_identical_designs_differ_by_exactly_zero(corridors: dict[str, Corridor]) -> None:
    corridor = corridors["addis_ababa"]
    a = run_and_evaluate(load_scenario(PRESETS["addis_ababa"], {"replications.count": 4}), corridor, "a", False).summary
    b = run_and_evaluate(load_scenario(PRESETS["addis_ababa"], {"replications.count": 4}), corridor, "b", False).summary
    same = paired_difference(a, b, "journey_min.mean")
    assert same == {"difference": 0.0, "half_width": 0.0, "paired": True, "significant": False}
    # a real difference: buses every 6 minutes instead of 3 lengthen the wait, and the pairing says so
    slow = load_scenario(PRESETS["addis_ababa"], {"replications.count": 4, "services.all_stop.peak_headway_min": 6})
    c = run_and_evaluate(slow, corridor, "c", False).summary
    longer = paired_difference(a, c, "wait_min.mean")
    assert longer["paired"] and longer["significant"] and longer["difference"] > 0.8
    table = comparison_table(a, c).set_index("indicator")
    assert (
        table.loc["wait_min.mean", "significant"]
        and not comparison_table(a, b).set_index("indicator").loc["wait_min.mean", "significant"]
    )
    # the seeds: the scenario's own first, so replication 0 is the plain run
    assert a["replications"]["seeds"][:2] == [2020, replication_seed(2020, 1)] and replication_seed(2020, 1) != 2020


def test_a_precision_target_adds_replications_until_met_or_capped(corridors: dict[str, Corridor]) -> None:
    corridor = corridors["addis_ababa"]
    loose = load_scenario(PRESETS["addis_ababa"], {"replications.precision": 0.5})
    rep = run_and_evaluate(loose, corridor, "p", False).summary["replications"]
    assert rep["count"] == 3 and rep["precision_met"] and rep["widest_relative_half_width"] <= 0.5
    tight = load_scenario(PRESETS["addis_ababa"], {"replications.precision": 0.0001, "replications.max_count": 5})
    rep = run_and_evaluate(tight, corridor, "p", False).summary["replications"]
    assert rep["count"] == 5 and rep["precision_met"] is False and rep["widest"] is not None
    # a sweep's row is the means with their half-widths
    row = sweep_indicators(run_and_evaluate(tight, corridor, "p", False).summary)
    assert row["wait_min.mean"] == rep["indicators"]["wait_min.mean"]["mean"] and row["wait_min.mean.ci95"] > 0
    assert row["replications.count"] == 5 and not any(k.startswith("replications.indicators") for k in row)


def test_a_bad_replication_setting_is_named() -> None:
    from corridor_sim._errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"replications\.count = 0"):
        load_scenario(PRESETS["addis_ababa"], {"replications.count": 0})
    with pytest.raises(ScenarioError, match=r"max_count = 4 is below count = 6"):
        load_scenario(PRESETS["addis_ababa"], {"replications.count": 6, "replications.max_count": 4})


def test_the_terminal_and_compare_show_the_intervals_and_whether_a_difference_is_significant(tmp_path) -> None:
    from typer.testing import CliRunner

    from corridor_sim.cli import app

    runner = CliRunner()
    preset = str(PRESETS["addis_ababa"])
    a, b = tmp_path / "a", tmp_path / "b"
    out = runner.invoke(app, ["run", preset, "--replications", "3", "--no-plots", "--out", str(a)])
    assert out.exit_code == 0, out.output
    assert "over 3 replications" in out.output and "95 % interval" in out.output
    args = ["run", preset, "--replications", "3", "--no-plots", "--out", str(b), "--set", "services.all_stop.peak_headway_min=6"]
    assert runner.invoke(app, args).exit_code == 0
    compared = runner.invoke(app, ["compare", str(a), str(b), "--out", str(tmp_path / "c.parquet")])
    assert compared.exit_code == 0, compared.output
    assert "differs" in compared.output
    table = pd.read_parquet(tmp_path / "c.parquet").set_index("indicator")
    assert bool(table.loc["wait_min.mean", "significant"]) and table.loc["wait_min.mean", "half_width"] > 0


def test_a_run_tells_its_stages_and_the_terminal_alone_shows_them(corridors: dict[str, Corridor], tmp_path) -> None:
    from typer.testing import CliRunner

    from corridor_sim import progress
    from corridor_sim.cli import app
    from corridor_sim.pipeline import run_scenario

    class Recorder:
        def __init__(self) -> None:
            self.events: list[tuple] = []

        def begin(self, name: str) -> None:
            self.events.append(("begin", name))

        def step(self, detail: str, done: int | None = None, total: int | None = None) -> None:
            self.events.append(("step", detail, done, total))

        def end(self, name: str) -> None:
            self.events.append(("end", name))

    heard = Recorder()
    scenario = load_scenario(PRESETS["addis_ababa"].with_name("bole_road_brt_mode_shift.toml"), {"replications.count": 2})
    with progress.listening(heard):
        run_scenario(scenario, tmp_path / "run", corridors["addis_ababa"])
    begun = [e[1] for e in heard.events if e[0] == "begin"]
    assert begun[:3] == ["corridor", "baseline: today's minibuses", "simulation with mode shift"]
    assert {"evaluation", "replications", "writing the run folder"} <= set(begun)
    iterations = [e for e in heard.events if e[0] == "step" and e[1].startswith("mode shift iteration")]
    assert iterations and "gap" in iterations[0][1] and iterations[0][2] == 1
    assert ("step", f"replication 2 (seed {replication_seed(scenario.seed, 1)})", 1, 2) in heard.events
    assert heard.events.count(("begin", "corridor")) == 1 and len([e for e in heard.events if e[0] == "end"]) == len(begun)
    # nobody listens by default, and the command line is quiet when not on a terminal
    out = CliRunner().invoke(app, ["run", str(PRESETS["addis_ababa"]), "--no-plots", "--out", str(tmp_path / "quiet")])
    assert out.exit_code == 0 and "corridor:" not in out.output and "simulation:" not in out.output
