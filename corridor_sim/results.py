"""Result files: Parquet tables and JSON summaries, written atomically under results/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from corridor_sim.corridor import Corridor
from corridor_sim.data import write_json, write_table


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
        }
    )
    return {
        "segments": write_table(corridor.segment_table(), folder / "segments.parquet"),
        "stations": write_table(stations, folder / "stations.parquet"),
        "provenance": write_table(corridor.provenance, folder / "provenance.parquet"),
        "summary": write_json(corridor_summary(corridor), folder / "corridor.json"),
    }


def write_run(corridor: Corridor, summary: dict[str, Any], tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    """Write a run's summary, tables and corridor into ``folder``.

    Files: ``summary.json``; one Parquet file per table (see
    :func:`corridor_sim.indicators.result_tables`: bus time-space points, stop events, station
    statistics, segment loads per direction, segment and hour, OD summary); ``corridor.json``.

    Returns
    -------
    dict of str to Path
        The files written, by name.
    """
    files = {name: write_table(frame, folder / f"{name}.parquet") for name, frame in tables.items()}
    files["corridor"] = write_json(corridor_summary(corridor), folder / "corridor.json")
    files["summary"] = write_json(summary, folder / "summary.json")
    return files
