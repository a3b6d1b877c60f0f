"""Two runs side by side: every numeric indicator of their summaries, A, B and the difference.

Each side is a run folder (holding ``summary.json``) or a scenario file, which is run first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor_sim.sweep.worker import summary_row

#: Indicators shown first, in this order (flattened summary keys); the table holds every numeric one.
HEADLINE = (
    "mode_choice.brt_peak_pax_h",
    *(f"mode_choice.shares_scenario.{mode}" for mode in ("brt", "minibus", "car", "walk", "cycle")),
    "wait_min.mean",
    "wait_min.p95",
    "in_vehicle_min.mean",
    "journey_min.mean",
    "passengers.delivered",
    "passengers.denied_boardings",
    "stations.dwell_mean_s",
    "stations.max_saturation",
    "fleet.used",
    "bus_km",
    "emissions.scenario.co2_t",
    "emissions.scenario.nox_t",
    "emissions.scenario.pm25_t",
    "emissions.change.co2_t",
    "emissions.change.nox_t",
    "emissions.change.pm25_t",
    "safety.scenario.deaths_per_year.estimate",
    "safety.scenario.deaths_per_year.p5",
    "safety.scenario.deaths_per_year.p95",
    "safety.scenario.serious_injuries_per_year.estimate",
    "safety.change.deaths_per_year.estimate",
    "safety.change.serious_injuries_per_year.estimate",
)


def read_summary(path: Path) -> tuple[str, dict[str, Any]]:
    """A side's label and summary: a run folder's ``summary.json``, or a scenario file run now.

    Raises
    ------
    CorridorSimError
        If ``path`` is neither a run folder with a ``summary.json`` nor a scenario file.
    """
    from corridor_sim.pipeline import run_folder_for

    folder = run_folder_for(path)
    return folder.label, folder.summary


def comparison_table(a: dict[str, Any], b: dict[str, Any]) -> pd.DataFrame:
    """Every numeric indicator of either summary: ``a``, ``b``, ``difference`` (b - a) and ``change`` (relative).

    Rows: the :data:`HEADLINE` indicators first, then the others in summary order.
    """
    rows_a, rows_b = summary_row(a), summary_row(b)
    keys = [k for k in HEADLINE if k in rows_a or k in rows_b]
    keys += [k for k in {**rows_a, **rows_b} if k not in keys and (_number(rows_a.get(k)) or _number(rows_b.get(k)))]
    va = np.array([rows_a.get(k) if _number(rows_a.get(k)) else np.nan for k in keys], dtype=float)
    vb = np.array([rows_b.get(k) if _number(rows_b.get(k)) else np.nan for k in keys], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(va != 0, (vb - va) / np.abs(va), np.nan)
    return pd.DataFrame({"indicator": keys, "a": va, "b": vb, "difference": vb - va, "change": change})


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
