"""The standard figures of a run, by name, and drawing them into the run folder's ``figures/``."""

from __future__ import annotations

import difflib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from corridor_sim._errors import CorridorSimError
from corridor_sim.forked import fork_is_safe
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
    weight
        About how long it takes to draw and save, in seconds on Thika Road's mode-shift day
        (``benchmarks/README.md``): figures drawn in several processes are handed out longest first.
    """

    name: str
    title: str
    draw: Callable[[RunFolder, RunFolder | None], Figure]
    needs: tuple[str, ...]
    applies: Callable[[RunFolder], bool] = lambda run: True
    weight: float = 1.0


FIGURES: dict[str, FigureSpec] = {
    spec.name: spec
    for spec in (
        FigureSpec("corridor_map", "corridor, running way, stations, signals and walking catchments", corridor_map.draw, ("map_layers", "corridor"), weight=0.8),
        FigureSpec("time_space", "time-space diagram of the bus trips, bunching marked", time_space.draw, ("trajectories", "stop_events", "scenario"), weight=1.4),
        FigureSpec("headways", "headways at the stations and passengers' waits", headways.draw, ("stop_events", "wait_distribution", "scenario"), weight=0.8),
        FigureSpec("load_profile", "peak-hour passenger load along the corridor, by direction, with capacity", load_profile.draw, ("segment_loads", "stop_events"), weight=1.0),
        FigureSpec("stations", "station saturation and buses queueing for a berth", stations.draw, ("station_stats",), weight=1.1),
        FigureSpec("comparison", "baseline against scenario: travel time, emissions, deaths and serious injuries", comparison.draw, (), weight=1.1),
        FigureSpec("appraisal_tornado", "economic NPV with one appraisal input at each end of its range", tornado.draw, (), tornado.applies, weight=0.7),
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
    processes: int | None = None,
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
    processes
        Processes drawing at once (:func:`drawing_processes` by default; 1: all in this process).
        matplotlib draws on one core, so figures are shared out to other processes (forked where
        that is safe, :func:`_pool_context`), each taking the longest one left when it is done;
        the files are the same as drawn one after the other.

    Returns
    -------
    dict of str to list of Path
        The files written, by figure name, in the order of ``names``.

    Raises
    ------
    CorridorSimError
        For an unknown figure, or one whose inputs the run folder lacks.
    """
    folder = Path(folder) if folder is not None else run.path / "figures"
    formats = tuple(formats)
    chosen = []
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
        chosen.append(name)
    processes = min(drawing_processes() if processes is None else processes, len(chosen))
    if processes <= 1:
        return {name: _draw(run, baseline, name, folder, formats) for name in chosen}
    written = _draw_shared_out(run, baseline, chosen, folder, formats, processes)
    return {name: written[name] for name in chosen}


#: The most processes :func:`draw_figures` uses by default (a run has seven figures at most).
MAX_DRAWING_PROCESSES = 4


def drawing_processes() -> int:
    """Processes :func:`draw_figures` draws in by default: the CPUs this process may use, at most
    :data:`MAX_DRAWING_PROCESSES`; 1 in a daemonic worker process (which may not start others)."""
    if multiprocessing.current_process().daemon:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, MAX_DRAWING_PROCESSES))


def _draw(run: RunFolder, baseline: RunFolder | None, name: str, folder: Path, formats: tuple[str, ...]) -> list[Path]:
    """Draw one figure and save it in each format."""
    with style():
        fig = FIGURES[name].draw(run, baseline)
    return save_figure(fig, folder, name, formats)


def _draw_in_child(run: Path, baseline: Path | None, name: str, folder: Path, formats: tuple[str, ...]) -> list[Path]:
    """:func:`_draw` in a drawing process, from the folders' paths."""
    return _draw(RunFolder(run), None if baseline is None else RunFolder(baseline), name, folder, formats)


def _draw_shared_out(
    run: RunFolder, baseline: RunFolder | None, names: list[str], folder: Path, formats: tuple[str, ...], processes: int
) -> dict[str, list[Path]]:
    """Draw ``names`` in ``processes`` processes, the longest first (by :attr:`FigureSpec.weight`), each taking the
    next one as soon as it is done. Forked processes start at once, so ``processes`` of them draw while this
    one waits; processes started afresh import the engine first (a second or two), so this one draws too,
    from the front of the list, while ``processes - 1`` others take figures from its back. If the other
    processes cannot start or die, this one draws what they did not."""
    context = _pool_context()
    forks = context.get_start_method() == "fork"
    todo = deque(sorted(names, key=lambda name: FIGURES[name].weight, reverse=True))
    workers = processes if forks else processes - 1
    written: dict[str, list[Path]] = {}
    running: dict[Future, str] = {}
    base = None if baseline is None else baseline.path
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:

            def hand_out() -> None:
                for done in [future for future in running if future.done()]:
                    written[running.pop(done)] = done.result()
                while todo and len(running) < workers:
                    name = todo.popleft() if forks else todo.pop()
                    running[pool.submit(_draw_in_child, run.path, base, name, folder, formats)] = name

            hand_out()
            while todo and not forks:
                name = todo.popleft()
                written[name] = _draw(run, baseline, name, folder, formats)
                hand_out()
            while running:
                wait(running, return_when=FIRST_COMPLETED)
                hand_out()
    except BrokenProcessPool:
        for name in names:
            if name not in written:
                written[name] = _draw(run, baseline, name, folder, formats)
    return written


def _pool_context() -> multiprocessing.context.BaseContext:
    """How drawing processes start: forked from this one where that is safe (:func:`corridor_sim.forked.fork_is_safe`:
    Linux, this thread the only one), so they need not import matplotlib and the engine again; else started afresh."""
    if fork_is_safe():
        return multiprocessing.get_context("fork")
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
