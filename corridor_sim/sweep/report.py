"""Reading a sweep's table: the best designs by an indicator, and the Pareto front of two."""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from corridor_sim._errors import CorridorSimError


def numeric_column(table: pd.DataFrame, column: str) -> pd.Series:
    """A numeric column of a sweep table.

    Raises
    ------
    CorridorSimError
        If there is no such column (naming the closest ones) or it is not numeric.
    """
    if column not in table.columns:
        close = difflib.get_close_matches(column, [str(c) for c in table.columns], n=5, cutoff=0.4)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise CorridorSimError(f"no column {column!r} in the sweep table{hint}")
    values = pd.to_numeric(table[column], errors="coerce")
    if values.notna().sum() == 0 and table[column].notna().any():
        raise CorridorSimError(f"column {column!r} is not numeric")
    return values


def best_runs(table: pd.DataFrame, by: str, top: int = 10, maximize: bool = False) -> pd.DataFrame:
    """The ``top`` finished runs by column ``by`` (smallest first, or largest with ``maximize``).

    Failed runs and runs without a value are left out; ties keep plan order. With replications
    (a ``<by>.ci95`` column: the mean's 95 % half-width) the column ``like_the_best`` says which
    runs the best cannot be told apart from: their intervals overlap (a conservative test; a
    paired ``corridor-sim compare`` of two run folders can separate closer designs).
    """
    ok = table[table["status"] == "ok"].assign(_key=lambda t: numeric_column(t, by)).dropna(subset=["_key"])
    best = ok.sort_values("_key", ascending=not maximize, kind="stable").head(top)
    if f"{by}.ci95" in best.columns and len(best):
        half = numeric_column(best, f"{by}.ci95").fillna(0.0).to_numpy(float)
        gap = np.abs(best["_key"].to_numpy(float) - best["_key"].iloc[0])
        best = best.assign(like_the_best=gap <= half + half[0])
    return best.drop(columns="_key")


def pareto_front(table: pd.DataFrame, x: str, y: str, maximize: tuple[bool, bool] = (False, False)) -> pd.DataFrame:
    """The finished runs no other run beats on both ``x`` and ``y``, sorted by ``x``.

    A run is on the front when no run is at least as good on both columns and better on one
    (smaller is better unless ``maximize`` says otherwise for that column). Of runs with equal
    values in both, the first in plan order stands for them.
    """
    ok = table[table["status"] == "ok"]
    xs, ys = numeric_column(ok, x).to_numpy(float), numeric_column(ok, y).to_numpy(float)
    keep = ~(np.isnan(xs) | np.isnan(ys))
    ok, xs, ys = ok[keep], xs[keep] * (-1 if maximize[0] else 1), ys[keep] * (-1 if maximize[1] else 1)
    order = np.lexsort((np.arange(len(xs)), ys, xs))  # by x, then y, then plan order
    best_y_before = np.minimum.accumulate(np.concatenate([[np.inf], ys[order]]))[:-1]
    on_front = order[ys[order] < best_y_before]
    return ok.iloc[on_front]
