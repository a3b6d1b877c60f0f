"""Two runs side by side: every numeric indicator of their summaries, A, B and the difference.

Each side is a run folder (holding ``summary.json``) or a scenario file, which is run first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor_sim.results.summary import headline_keys


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

    Rows: the headline indicators (:func:`corridor_sim.results.summary.headline_keys`) first,
    then the others in summary order; ``headline`` says which is which. Where both runs have
    replications, a replicated indicator's ``a`` and ``b`` are their means, ``difference`` the
    mean of the paired differences (common random numbers where the seeds agree),
    ``half_width`` its 95 % interval and ``significant`` whether the interval excludes 0
    (:func:`corridor_sim.replications.paired_difference`).
    """
    from corridor_sim.replications import paired_difference, sweep_indicators

    rows_a, rows_b = sweep_indicators(a), sweep_indicators(b)
    keys = list(dict.fromkeys(k for k in headline_keys(a) + headline_keys(b) if k in rows_a or k in rows_b))
    first = set(keys)
    keys += [
        k
        for k in {**rows_a, **rows_b}
        if k not in keys and not k.endswith(".ci95") and (_number(rows_a.get(k)) or _number(rows_b.get(k)))
    ]
    va = np.array([rows_a.get(k) if _number(rows_a.get(k)) else np.nan for k in keys], dtype=float)
    vb = np.array([rows_b.get(k) if _number(rows_b.get(k)) else np.nan for k in keys], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(va != 0, (vb - va) / np.abs(va), np.nan)
    pairs = [paired_difference(a, b, k) for k in keys]
    return pd.DataFrame(
        {
            "indicator": keys,
            "headline": [k in first for k in keys],
            "a": va,
            "b": vb,
            "difference": [p["difference"] if p else d for p, d in zip(pairs, vb - va, strict=True)],
            "change": change,
            "half_width": [p["half_width"] if p else np.nan for p in pairs],
            "significant": [p["significant"] if p else None for p in pairs],
        }
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
