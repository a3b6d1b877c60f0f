"""Replications: a scenario run on independent random draws, each headline indicator as a mean
with its 95 % confidence interval; alternatives compared on common random numbers.

- **Seeds.** Replication 0 runs on the scenario's ``seed`` (so a run with one replication is the
  plain run, and a replicated run's tables and figures are replication 0's); replication
  ``k >= 1`` on :func:`replication_seed` of (seed, k). Each seed starts the run's three streams:
  passenger arrivals, irregular headways and **signal offsets, drawn again per replication**.
- **Common random numbers.** Two scenarios with the same ``seed`` run replication ``k`` on the
  same seed, so their passengers and signals are the same draws wherever their inputs agree (the
  same demand and signals give the same arrivals and offsets): the paired difference then holds
  the design's effect, not the draws'. Two identical scenarios differ by exactly zero.
- **Interval.** Student's t: ``mean +- t(0.975, n - 1) x sd / sqrt(n)`` over the replications
  (``scipy.stats.t``); with one replication there is no interval.
- **Precision.** With ``replications.precision`` (a relative half-width, e.g. 0.05), replications
  are added after ``count`` until every headline indicator's half-width is at most that share of
  its mean's magnitude, at most ``max_count``; the summary says whether it was met and which
  indicator was the widest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from corridor_sim import progress
from corridor_sim.results.summary import flatten, headline

#: Replications before the precision rule may stop (an interval from two is too wide to trust).
MIN_FOR_PRECISION = 3


def replication_seed(seed: int, k: int) -> int:
    """The seed of replication ``k`` of a scenario with ``seed``: the seed itself for ``k = 0``."""
    if k == 0:
        return seed
    return int(np.random.SeedSequence([seed, k]).generate_state(1, dtype=np.uint32)[0])


def interval(values: np.ndarray) -> tuple[float, float]:
    """Mean and 95 % half-width (Student's t) of replications' values; half-width NaN for fewer than two."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, float("nan")
    sd = float(values.std(ddof=1))
    from scipy import stats  # imported here: scipy.stats takes 0.6 s to import, and a run of one replication never needs it

    return mean, float(stats.t.ppf(0.975, len(values) - 1) * sd / np.sqrt(len(values)))


def indicator_values(summary: dict[str, Any]) -> dict[str, float]:
    """The numeric headline indicators of one run's summary and their stored changes, by flattened key
    (a band as its estimate)."""
    row = flatten(summary)
    keys = [
        f"{key}.estimate" if indicator.band else key
        for indicator in headline(summary)
        for key in (indicator.key, indicator.change_key)
        if key is not None
    ]
    return {k: float(row[k]) for k in keys if isinstance(row.get(k), int | float) and not isinstance(row.get(k), bool)}


def replicate(
    first: dict[str, Any],
    run_one: Callable[[int], dict[str, Any]],
    seed: int,
    count: int,
    precision: float | None,
    max_count: int,
) -> dict[str, Any]:
    """The ``replications`` summary section: replication 0's summary ``first`` and more from ``run_one``.

    Parameters
    ----------
    first
        Replication 0's summary (the scenario's own seed).
    run_one
        Runs the scenario on a seed and returns its summary.
    seed
        The scenario's seed.
    count
        Replications to run (1: none beyond the first).
    precision
        Target relative half-width (``None``: exactly ``count``).
    max_count
        Most replications the precision rule may run.

    Returns
    -------
    dict
        ``count``, ``seeds``, ``precision``, ``precision_met``, ``widest`` (the indicator with the
        largest relative half-width) and ``indicators``: per key ``mean``, ``half_width``,
        ``low``, ``high`` and the replications' ``values``.
    """
    seeds = [seed]
    rows = [indicator_values(first)]
    target = count if precision is None else max(count, MIN_FOR_PRECISION)
    while True:
        while len(rows) < target:
            k = len(rows)
            seeds.append(replication_seed(seed, k))
            progress.step(f"replication {k + 1} (seed {seeds[-1]})", k, target)
            rows.append(indicator_values(run_one(seeds[-1])))
        widest, relative = _widest(rows)
        if precision is None or relative <= precision or len(rows) >= max_count:
            break
        target = len(rows) + 1
    keys = [k for k in rows[0] if all(k in r for r in rows)]
    indicators = {}
    for key in keys:
        values = np.array([r[key] for r in rows])
        mean, half = interval(values)
        indicators[key] = {
            "mean": _r(mean),
            "half_width": _r(half),
            "low": _r(mean - half),
            "high": _r(mean + half),
            "values": [_r(v) for v in values],
        }
    return {
        "count": len(rows),
        "seeds": seeds,
        "precision": precision,
        "precision_met": None if precision is None else bool(relative <= precision),
        "widest": widest,
        "widest_relative_half_width": _r(relative),
        "indicators": indicators,
    }


def paired_difference(a: dict[str, Any], b: dict[str, Any], key: str) -> dict[str, Any] | None:
    """B - A of one indicator over two runs' replications, paired where they share seeds (common random numbers).

    Returns ``difference`` (mean), ``half_width`` (95 %), ``paired`` and ``significant`` (the
    interval excludes 0; a difference with no spread at all is significant unless it is 0), or
    ``None`` when either run lacks that indicator or has one replication.
    """
    ra, rb = a.get("replications") or {}, b.get("replications") or {}
    ia, ib = ra.get("indicators", {}).get(key), rb.get("indicators", {}).get(key)
    if ia is None or ib is None or ra["count"] < 2 or rb["count"] < 2:
        return None
    n = min(ra["count"], rb["count"])
    paired = ra["seeds"][:n] == rb["seeds"][:n]
    va, vb = np.array(ia["values"], dtype=float), np.array(ib["values"], dtype=float)
    if paired:
        mean, half = interval(vb[:n] - va[:n])
    else:  # Welch: independent draws
        ma, ha = interval(va)
        mb, hb = interval(vb)
        mean, half = mb - ma, float(np.hypot(ha, hb))
    return {
        "difference": _r(mean),
        "half_width": _r(half),
        "paired": paired,
        "significant": bool(abs(mean) > half) if half > 0 else bool(mean != 0),
    }


def _widest(rows: list[dict[str, float]]) -> tuple[str | None, float]:
    """The indicator with the largest relative half-width over ``rows``, and that share (NaN: one replication)."""
    if len(rows) < 2:
        return None, float("nan")
    best, worst = None, 0.0
    for key in rows[0]:
        values = np.array([r.get(key, np.nan) for r in rows])
        if np.isnan(values).any():
            continue
        mean, half = interval(values)
        relative = half / abs(mean) if mean != 0 else (0.0 if half == 0 else np.inf)
        if best is None or relative > worst:
            best, worst = key, relative
    return best, float(worst)


def _r(value: float, digits: int = 4) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def sweep_indicators(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary as one sweep row (:func:`~corridor_sim.results.summary.flatten`); with replications each
    replicated indicator is its mean, ``<key>.ci95`` its 95 % half-width, and ``replications.count`` the runs."""
    row = {k: v for k, v in flatten(summary).items() if not k.startswith("replications.")}
    replicated = summary.get("replications")
    if replicated:
        row["replications.count"] = replicated["count"]
        for key, cell in replicated["indicators"].items():
            row[key], row[f"{key}.ci95"] = cell["mean"], cell["half_width"]
    return row
