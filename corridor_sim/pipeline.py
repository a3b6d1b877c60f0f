"""The pipeline for one scenario: corridor, demand, engine, indicators, result files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridor_sim import progress, settings
from corridor_sim.corridor import Corridor, build_corridor, corridor_from_alignment
from corridor_sim.engine.runner import Run
from corridor_sim.engine.size import check_run_size
from corridor_sim.evaluation import run_and_evaluate
from corridor_sim.results.files import writable_folder
from corridor_sim.results.reader import RunFolder
from corridor_sim.results.writer import write_run_folder
from corridor_sim.scenario import Scenario, load_scenario, run_id


@dataclass(frozen=True)
class RunOutput:
    """A run with its summary and where its files went."""

    run: Run
    summary: dict[str, Any]
    folder: Path
    files: dict[str, Path]


def run_scenario(scenario: Scenario, out: Path | None = None, corridor: Corridor | None = None, force: bool = False) -> RunOutput:
    """Build the corridor, simulate, summarize and write ``results/<scenario>/<run-id>/``.

    With ``mode_choice.enabled`` the BRT's demand is found by iterating mode choice with the
    simulation (:mod:`corridor_sim.mode_choice.equilibrium`); the summary gains ``mode_choice``
    and ``minibus`` sections, and today's minibus service is written in full to ``minibus/``.
    The folder is written by :func:`corridor_sim.results.writer.write_run_folder`, so figures
    and reports can be made from it alone.

    Parameters
    ----------
    scenario
        The validated scenario.
    out
        Run folder (default: ``<results>/<scenario name>/<run id>``).
    corridor
        A corridor already built on the same alignment (same stations and sources): its line and
        road attributes are reused, and the scenario's own design values applied to them.
    force
        Run even if the run's estimated size is over the limits of :mod:`corridor_sim.engine.size`.

    Raises
    ------
    RunTooLargeError
        If the run would be very large and ``force`` is not given.
    OutputError
        If the run folder cannot be written (checked before simulating).

    Returns
    -------
    RunOutput
        The run, its summary and files.
    """
    check_run_size(scenario, force)
    rid = run_id(scenario)
    folder = writable_folder(out or settings.current().results_folder / scenario.name / rid)
    with progress.stage("corridor"):
        corridor = build_corridor(scenario) if corridor is None else corridor_from_alignment(scenario, corridor.alignment)
    evaluation = run_and_evaluate(scenario, corridor, rid, minibus_folder=folder / "minibus")
    with progress.stage("writing the run folder"):
        files = write_run_folder(evaluation, folder)
    return RunOutput(run=evaluation.run, summary=evaluation.summary, folder=folder, files=files)


def run_folder_for(path: Path) -> RunFolder:
    """A run folder: ``path`` itself if it is a folder, else the run of the scenario file ``path`` (made now).

    Raises
    ------
    DataFileError
        If ``path`` is a folder without a ``summary.json``.
    ScenarioError
        If ``path`` is not a valid scenario file.
    """
    path = Path(path)
    return RunFolder(path) if path.is_dir() else RunFolder(run_scenario(load_scenario(path)).folder)
