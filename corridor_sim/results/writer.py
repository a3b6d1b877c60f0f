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
    walking catchments); and today's minibus run (unless switched off) in ``minibus/`` (the same
    files but the map; written in a thread beside the rest). ``summary.json`` is written last.

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
    """
    from corridor_sim.map_layers import map_layers, station_catchments

    run = evaluation.run
    with beside("minibus-folder") as executor:
        # today's minibuses have a folder of their own, written beside this one (Parquet is encoded without the GIL)
        minibus = None if evaluation.minibus is None else executor.submit(write_run_folder, evaluation.minibus, folder / "minibus", False)
        files = {name: write_table(frame, folder / f"{name}.parquet") for name, frame in evaluation.tables.items()}
        files["corridor"] = write_json(corridor_summary(run.corridor), folder / "corridor.json")
        files["scenario"] = write_json(run.scenario.model_dump(mode="json"), folder / "scenario.json")
        if with_map:
            layers = map_layers(run.corridor, station_catchments(run.scenario, run.corridor))
            files["map_layers"] = write_table(layers, folder / "map_layers.parquet")
        if minibus is not None:
            files |= {f"minibus/{name}": path for name, path in minibus.result().items()}
    check_summary(evaluation.summary, str(folder))
    files["summary"] = write_json(evaluation.summary, folder / "summary.json")
    return files
