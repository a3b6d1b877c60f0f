"""The Python API, for notebooks and scripts; the command line calls the same functions.

::

    import corridor_sim as cs

    bole = cs.load("scenarios/addis_ababa/bole_road_brt.toml")
    faster = cs.override(bole, {"services.all_stop.peak_headway_min": 3})
    a, b = cs.run(bole), cs.run(faster)
    a.headline                      # the headline indicators, a DataFrame
    a.table("stop_events")          # any result table, a DataFrame
    a.plot("load_profile")          # a matplotlib Figure, shown inline in a notebook
    cs.compare(a, b)                # every indicator of both, and B - A

Every result is also on disk, in the run folder :func:`run` writes
(``results/<scenario>/<run id>/``), exactly as ``corridor-sim run`` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corridor_sim.results.headline import headline_rows
from corridor_sim.results.reader import RunFolder
from corridor_sim.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from corridor_sim.corridor import Corridor

__all__ = ["Result", "compare", "load", "open_run", "override", "run"]


def load(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file, with values set by dotted path.

    Parameters
    ----------
    path
        The scenario TOML file (a preset under ``scenarios/<city>/`` or your own).
    overrides
        Values by dotted path, as ``corridor-sim run --set`` takes them, e.g.
        ``{"services.all_stop.peak_headway_min": 3, "vehicle.propulsion": "electric"}``.

    Returns
    -------
    Scenario
        The validated scenario, every default resolved.

    Raises
    ------
    ScenarioError
        Naming the file, the field, the value and what is allowed.
    """
    return load_scenario(path, overrides)


def override(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The same scenario file with more values set (the scenario's own overrides kept).

    Defaults are resolved again, so changing ``vehicle.type`` also changes the capacity the
    new type has by default.

    Raises
    ------
    ScenarioError
        If the scenario was not read from a file, or a path or value is invalid.
    """
    if scenario.path is None:
        from corridor_sim._errors import ScenarioError

        raise ScenarioError(f"{scenario.name}: not read from a file; load it with corridor_sim.load(path) to override it")
    return load_scenario(scenario.path, {**scenario.overrides, **overrides})


@dataclass(frozen=True)
class Result:
    """A finished run: its summary, tables and figures, read from its run folder.

    Attributes
    ----------
    folder
        The run folder (:class:`corridor_sim.results.reader.RunFolder`).
    """

    folder: RunFolder

    @property
    def path(self) -> Path:
        """Where the run's files are."""
        return self.folder.path

    @property
    def summary(self) -> dict[str, Any]:
        """``summary.json``, as a dictionary."""
        return self.folder.summary

    @cached_property
    def headline(self) -> pd.DataFrame:
        """The headline indicators against the run's own baseline: indicator, unit, scenario, baseline, change."""
        return pd.DataFrame(headline_rows(self.summary), columns=["indicator", "unit", "scenario", "baseline", "change"])

    def table(self, name: str) -> pd.DataFrame:
        """A result table by name (``stop_events``, ``segment_loads``, ``station_stats``, ...)."""
        return self.folder.table(name)

    def plot(self, name: str, baseline: Result | None = None) -> Figure:
        """One of the standard figures (``corridor_map``, ``time_space``, ``headways``,
        ``load_profile``, ``stations``, ``comparison``), drawn in the standard style."""
        from corridor_sim.plots.figures import FIGURES, figure_names
        from corridor_sim.plots.style import style

        (name,) = figure_names([name])
        with style():
            return FIGURES[name].draw(self.folder, baseline.folder if baseline is not None else None)


def run(scenario: Scenario, out: str | Path | None = None, corridor: Corridor | None = None, force: bool = False) -> Result:
    """Simulate a scenario and write its run folder (as ``corridor-sim run --no-plots`` does).

    Parameters
    ----------
    scenario
        From :func:`load` or :func:`override`.
    out
        The run folder (default ``results/<scenario>/<run id>``).
    corridor
        A corridor already built on the same line, to reuse (its design is the scenario's).
    force
        Run even if the run's estimated size is over the limits (:mod:`corridor_sim.engine.size`).
    """
    from corridor_sim.pipeline import run_scenario

    output = run_scenario(scenario, Path(out) if out is not None else None, corridor, force)
    return Result(RunFolder(output.folder))


def open_run(path: str | Path) -> Result:
    """A run folder written earlier (by :func:`run`, ``corridor-sim run`` or a sweep's ``--keep-runs``)."""
    return Result(RunFolder(Path(path)))


def compare(a: Result, b: Result) -> pd.DataFrame:
    """Every numeric indicator of two runs: ``a``, ``b``, ``difference`` (b - a), ``change`` (relative), headline first."""
    from corridor_sim.results.compare import comparison_table

    return comparison_table(a.summary, b.summary)
