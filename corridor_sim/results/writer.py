"""The one run-folder writer (``results/<scenario>/<run id>/``) and the corridor's own folder.

:func:`write_run_folder` is what ``corridor-sim run``, a sweep's ``--keep-runs``, the mode-shift
run and its minibus sub-run all write with, so every run folder can be plotted and reported
(:class:`corridor_sim.results.reader.RunFolder` reads it back).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from corridor_sim.beside import beside
from corridor_sim.corridor import Corridor
from corridor_sim.results.files import write_json, write_table
from corridor_sim.results.schema import check_summary

if TYPE_CHECKING:
    from corridor_sim.evaluation import Evaluation


def corridor_summary(corridor: Corridor) -> dict[str, Any]:
    """The corridor's headline figures and attribute provenance, JSON-ready."""
    shares = corridor.source_shares().fillna(0.0)
    spacing = corridor.length_m
    return {
        "scenario": corridor.name,
        "title": corridor.title,
        "city": corridor.city,
        "alignment_source": corridor.alignment.source,
        "alignment_detail": corridor.alignment.detail,
        "notes": corridor.alignment.notes,
        "length_km": round(corridor.total_length_m / 1000.0, 3),
        "stations": len(corridor.station_name),
        "station_spacing_m": {
            "min": float(spacing.min()),
            "median": float(pd.Series(spacing).median()),
            "max": float(spacing.max()),
        },
        "max_station_offset_m": float(corridor.station_offset_m.max()),
        "signals": len(corridor.signal_m),
        "placed_signals": [
            {"name": str(r.name), "at_m": round(float(r.at_m), 1), "placed_by": str(r.placed_by)}
            for r in corridor.placed_signals.itertuples(index=False)
        ],
        "unsignalized_crossings": len(corridor.crossing_m),
        "junctions": len(corridor.junction_m),
        "source_shares": {attr: {src: round(float(v), 4) for src, v in row.items() if v > 0} for attr, row in shares.iterrows()},
        "credits": ["(c) OpenStreetMap contributors (ODbL)", corridor.alignment.backdrop_credit],
    }


def write_corridor(corridor: Corridor, folder: Path) -> dict[str, Path]:
    """Write a corridor's tables and summary into ``folder``.

    Files: ``segments.parquet`` (one row per segment), ``stations.parquet``,
    ``provenance.parquet`` (segment, attribute, source, length_m) and ``corridor.json``.

    Returns
    -------
    dict of str to Path
        The files written, by name.
    """
    stations = pd.DataFrame(
        {
            "name": corridor.station_name,
            "lat": corridor.station_lat,
            "lon": corridor.station_lon,
            "chainage_m": corridor.station_chainage_m,
            "offset_m": corridor.station_offset_m,
            "source": corridor.station_source if len(corridor.station_source) else None,
        }
    )
    return {
        "segments": write_table(corridor.segment_table(), folder / "segments.parquet"),
        "stations": write_table(stations, folder / "stations.parquet"),
        "provenance": write_table(corridor.provenance, folder / "provenance.parquet"),
        "summary": write_json(corridor_summary(corridor), folder / "corridor.json"),
    }


def write_run_folder(evaluation: Evaluation, folder: Path, with_map: bool = True) -> dict[str, Path]:
    """Write a run's folder: everything figures and reports are made from.

    Files: ``summary.json``; one Parquet file per table (see
    :func:`corridor_sim.indicators.result_tables` and :func:`corridor_sim.evaluation.evaluate`);
    ``corridor.json``; ``scenario.json`` (the scenario as run, every default resolved);
    ``map_layers.parquet`` (:func:`corridor_sim.map_layers.map_layers`, with the stations'
    walking catchments); and it lists today's minibus run (unless switched off) in ``minibus/``
    (the same files but the map), written where and while that run was evaluated
    (:func:`~corridor_sim.evaluation.run_and_evaluate`'s ``minibus_folder``). ``summary.json`` is
    written last.

    Parameters
    ----------
    evaluation
        The evaluated run (:func:`corridor_sim.evaluation.run_and_evaluate`).
    folder
        The run folder.
    with_map
        Write ``map_layers.parquet``.

    Returns
    -------
    dict of str to Path
        The files written, by name (``minibus/<name>`` for the sub-run's).

    Raises
    ------
    ValueError
        If the evaluation has today's minibus run but its folder is not ``folder / "minibus"``.
    """
    from corridor_sim.map_layers import map_layers, station_catchments

    run, tables = evaluation.run, evaluation.tables
    # the tables shared out, largest first, between a thread and this one (Parquet is encoded without the GIL)
    largest_first = sorted(tables, key=lambda name: -len(tables[name]))
    with beside("run-folder") as executor:
        there = {name: executor.submit(write_table, tables[name], folder / f"{name}.parquet") for name in largest_first[0::2]}
        here = {name: write_table(tables[name], folder / f"{name}.parquet") for name in largest_first[1::2]}
        files = {name: there[name].result() if name in there else here[name] for name in tables}
    files["corridor"] = write_json(corridor_summary(run.corridor), folder / "corridor.json")
    files["scenario"] = write_json(run.scenario.model_dump(mode="json"), folder / "scenario.json")
    if with_map:
        layers = map_layers(run.corridor, station_catchments(run.scenario, run.corridor))
        files["map_layers"] = write_table(layers, folder / "map_layers.parquet")
    if evaluation.minibus is not None:
        minibus = folder / "minibus"
        misplaced = sorted(str(path) for path in evaluation.minibus.files.values() if path.resolve().parent != minibus.resolve())
        if misplaced or not evaluation.minibus.files:
            raise ValueError(
                f"today's minibus run was written to {misplaced[0] if misplaced else 'no folder'}, not {minibus}: "
                "evaluate with run_and_evaluate(..., minibus_folder=<this folder>/minibus)"
            )
        files |= {f"minibus/{name}": path for name, path in evaluation.minibus.files.items()}
    check_summary(evaluation.summary, str(folder))
    files["summary"] = write_json(evaluation.summary, folder / "summary.json")
    return files
