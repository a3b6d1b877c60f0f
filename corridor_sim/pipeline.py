"""The pipeline for one scenario: corridor, demand, engine, indicators, result files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridor_sim import settings
from corridor_sim.corridor import Corridor, build_corridor
from corridor_sim.data import write_json, write_table
from corridor_sim.engine.runner import Run
from corridor_sim.evaluation import evaluate, run_and_evaluate
from corridor_sim.map_layers import map_layers, station_catchments
from corridor_sim.mode_choice.outputs import minibus_summary
from corridor_sim.results import write_run
from corridor_sim.run_folder import RunFolder
from corridor_sim.scenario import Scenario, load_scenario, run_id


@dataclass(frozen=True)
class RunOutput:
    """A run with its summary and where its files went."""

    run: Run
    summary: dict[str, Any]
    folder: Path
    files: dict[str, Path]


def run_scenario(scenario: Scenario, out: Path | None = None, corridor: Corridor | None = None) -> RunOutput:
    """Build the corridor, simulate, summarize and write ``results/<scenario>/<run-id>/``.

    With ``mode_choice.enabled`` the BRT's demand is found by iterating mode choice with the
    simulation (:mod:`corridor_sim.mode_choice.equilibrium`); the summary gains ``mode_choice``
    and ``minibus`` sections, and today's minibus service is written in full to ``minibus/``.
    Besides the tables of :func:`corridor_sim.results.write_run`, the folder gets
    ``scenario.json`` (the validated scenario, every default filled in) and
    ``map_layers.parquet`` (:func:`corridor_sim.map_layers.map_layers`, with the stations'
    walking catchments), so figures and reports can be made from the folder alone.

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
    rid = run_id(scenario)
    folder = out or settings.current().results_folder / scenario.name / rid
    run, summary, tables, shift = run_and_evaluate(scenario, corridor, rid)
    files = {}
    if shift is not None:
        minibus, minibus_tables = evaluate(shift.minibus_run, rid)
        summary["minibus"] = minibus_summary(shift, minibus)
        written = write_run(shift.minibus.corridor, minibus, minibus_tables, folder / "minibus")
        files = {f"minibus/{name}": path for name, path in written.items()}
    files["scenario"] = write_json(scenario.model_dump(mode="json"), folder / "scenario.json")
    layers = map_layers(corridor, station_catchments(scenario, corridor))
    files["map_layers"] = write_table(layers, folder / "map_layers.parquet")
    return RunOutput(run=run, summary=summary, folder=folder, files=files | write_run(corridor, summary, tables, folder))


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
