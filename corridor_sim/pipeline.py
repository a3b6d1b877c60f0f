"""The pipeline for one scenario: corridor, demand, engine, indicators, result files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridor_sim import settings
from corridor_sim.corridor import Corridor, build_corridor
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.evaluation import evaluate
from corridor_sim.results import write_run
from corridor_sim.scenario import Scenario, run_id


@dataclass(frozen=True)
class RunOutput:
    """A run with its summary and where its files went."""

    run: Run
    summary: dict[str, Any]
    folder: Path
    files: dict[str, Path]


def run_scenario(scenario: Scenario, out: Path | None = None, corridor: Corridor | None = None) -> RunOutput:
    """Build the corridor, simulate, summarize and write ``results/<scenario>/<run-id>/``.

    Parameters
    ----------
    scenario
        The validated scenario.
    out
        Run folder (default: ``<results>/<scenario name>/<run id>``).
    corridor
        The scenario's corridor, if already built.

    Returns
    -------
    RunOutput
        The run, its summary and files.
    """
    corridor = corridor if corridor is not None else build_corridor(scenario)
    run = simulate(scenario, corridor)
    rid = run_id(scenario)
    summary, tables = evaluate(run, rid)
    folder = out or settings.current().results_folder / scenario.name / rid
    return RunOutput(run=run, summary=summary, folder=folder, files=write_run(corridor, summary, tables, folder))
