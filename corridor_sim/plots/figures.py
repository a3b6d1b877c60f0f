"""The standard figures of a run, by name, and drawing them into the run folder's ``figures/``."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from corridor_sim._errors import CorridorSimError
from corridor_sim.plots import comparison, corridor_map, headways, load_profile, stations, time_space, tornado
from corridor_sim.plots.style import save_figure, style
from corridor_sim.results.reader import RunFolder


@dataclass(frozen=True)
class FigureSpec:
    """A standard figure: how to draw it and what it needs from the run folder.

    Attributes
    ----------
    name
        File name (without suffix) and ``--figure`` value.
    title
        One line on what it shows.
    draw
        ``draw(run, baseline)`` returning the figure; ``baseline`` is another run folder or None.
    needs
        Files (``<name>.parquet`` or ``.json``) the run folder must hold.
    applies
        Whether the run has what the figure shows (the appraisal's needs one); drawing every
        figure leaves out those that do not apply.
    """

    name: str
    title: str
    draw: Callable[[RunFolder, RunFolder | None], Figure]
    needs: tuple[str, ...]
    applies: Callable[[RunFolder], bool] = lambda run: True


FIGURES: dict[str, FigureSpec] = {
    spec.name: spec
    for spec in (
        FigureSpec("corridor_map", "corridor, running way, stations, signals and walking catchments", corridor_map.draw, ("map_layers", "corridor")),
        FigureSpec("time_space", "time-space diagram of the bus trips, bunching marked", time_space.draw, ("trajectories", "stop_events", "scenario")),
        FigureSpec("headways", "headways at the stations and passengers' waits", headways.draw, ("stop_events", "wait_distribution", "scenario")),
        FigureSpec("load_profile", "peak-hour passenger load along the corridor, by direction, with capacity", load_profile.draw, ("segment_loads", "stop_events")),
        FigureSpec("stations", "station saturation and buses queueing for a berth", stations.draw, ("station_stats",)),
        FigureSpec("comparison", "baseline against scenario: travel time, emissions, deaths and serious injuries", comparison.draw, ()),
        FigureSpec("appraisal_tornado", "economic NPV with one appraisal input at each end of its range", tornado.draw, (), tornado.applies),
    )
}  # fmt: skip


def figure_names(names: Iterable[str] | None, known: Iterable[str] = FIGURES, kind: str = "figure") -> list[str]:
    """The figures asked for, all ``known`` ones by default.

    Raises
    ------
    CorridorSimError
        For an unknown name, listing the known ones.
    """
    known = list(known)
    if names is None:
        return known
    chosen = list(dict.fromkeys(names))
    for name in chosen:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise CorridorSimError(f"no {kind} {name!r}{hint}; the {kind}s are: {', '.join(known)}")
    return chosen


def missing_inputs(spec: FigureSpec, run: RunFolder) -> list[str]:
    """The files ``spec`` needs that the run folder lacks."""
    return [name for name in spec.needs if not run.has(name)]


def draw_figures(
    run: RunFolder,
    names: Iterable[str] | None = None,
    formats: Iterable[str] = ("png", "pdf"),
    baseline: RunFolder | None = None,
    folder: Path | None = None,
) -> dict[str, list[Path]]:
    """Draw figures of a run into ``folder`` (default ``<run>/figures``).

    Parameters
    ----------
    run
        The run folder.
    names
        Figures to draw (:data:`FIGURES` keys); all by default.
    formats
        File formats, e.g. ``("png", "pdf")``.
    baseline
        Another run to compare against (the ``comparison`` figure); without it the run's own
        baseline (its summary's ``baseline`` sections and today's minibuses) is used.
    folder
        Where the files go.

    Returns
    -------
    dict of str to list of Path
        The files written, by figure name.

    Raises
    ------
    CorridorSimError
        For an unknown figure, or one whose inputs the run folder lacks.
    """
    folder = Path(folder) if folder is not None else run.path / "figures"
    formats = tuple(formats)
    written = {}
    for name in figure_names(names):
        spec = FIGURES[name]
        if names is None and not spec.applies(run):
            continue
        missing = missing_inputs(spec, run)
        if missing:
            raise CorridorSimError(
                f"figure {name}: the run folder {run.path} has no {', '.join(missing)}; "
                "run the scenario again with this version of corridor-sim"
            )
        with style():
            fig = spec.draw(run, baseline)
        written[name] = save_figure(fig, folder, name, formats)
    return written
