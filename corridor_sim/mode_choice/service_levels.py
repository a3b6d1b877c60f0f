"""Level of service a finished run offers between any two of its stops: waits and in-vehicle times.

Waits are measured per stop and direction from the simulated passengers (a passenger still
waiting at the end counts the time waited so far); a stop where nobody was drawn gets half the
mean interval between departures. In-vehicle time between two stops is the sum of the mean run
time of each segment between them (from one stop's departure to the next stop's arrival, over
the trips that stop at both) and of the mean dwell at each stop in between, so every pair gets a
time even if few passengers travelled it. A segment that trips pass without stopping at its ends
gets the direction's mean speed; a segment no trip runs over makes the pairs across it unserved
(``inf``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor_sim.engine.runner import Run


@dataclass(frozen=True)
class ServiceLevels:
    """Between the stops of a run (stops in running order).

    Attributes
    ----------
    wait_min
        Mean wait per stop and direction (n, 2), minutes (``inf``: no departures).
    in_vehicle_min
        Mean in-vehicle time from stop i (row) to stop j (column), minutes; ``inf`` where no
        trip runs over the whole way, 0 on the diagonal.
    direct
        Whether some service serves the pair without a change.
    """

    wait_min: np.ndarray
    in_vehicle_min: np.ndarray
    direct: np.ndarray


def service_levels(run: Run) -> ServiceLevels:
    """Waits and in-vehicle times between every pair of the run's stops."""
    n = len(run.corridor.station_name)
    stops = run.trace.stops.sort_values(["trip", "arrive_s"])
    ivt = np.zeros((n, n))
    for direction in (0, 1):
        run_s, dwell_s = _segment_times(stops[stops["direction"] == direction], n, direction, run.corridor.length_m)
        # position along the direction of travel: cumulative run + dwell at each stop passed;
        # gaps (segments no trip runs over) are counted apart so pairs beyond a gap stay served
        order = np.arange(n) if direction == 0 else np.arange(n)[::-1]
        seg = run_s if direction == 0 else run_s[::-1]
        dwell = np.nan_to_num(dwell_s[order], nan=0.0)
        gap = np.concatenate([[0], np.cumsum(~np.isfinite(seg))])
        arrive = np.concatenate([[0.0], np.cumsum(np.where(np.isfinite(seg), seg, 0.0) + dwell[:-1])])
        leave = arrive + dwell
        a, lv, g = np.empty(n), np.empty(n), np.empty(n)
        a[order], lv[order], g[order] = arrive, leave, gap
        times = np.where(g[None, :] == g[:, None], a[None, :] - lv[:, None], np.inf)
        mask = np.triu(np.ones((n, n), dtype=bool), 1) if direction == 0 else np.tril(np.ones((n, n), dtype=bool), -1)
        ivt[mask] = times[mask] / 60.0
    ivt[~np.isfinite(ivt) | (ivt < 0)] = np.inf
    np.fill_diagonal(ivt, 0.0)
    return ServiceLevels(wait_min=_waits_min(run, stops, n), in_vehicle_min=ivt, direct=run.served.copy())


def _segment_times(stops: pd.DataFrame, n: int, direction: int, length_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean run time per segment (n - 1; segment k joins stops k and k + 1) and mean dwell per stop (n)."""
    dwell = stops.groupby("station")["dwell_s"].mean().reindex(range(n)).to_numpy()
    same_trip = stops["trip"].to_numpy()[1:] == stops["trip"].to_numpy()[:-1]
    a, b = stops["station"].to_numpy()[:-1][same_trip], stops["station"].to_numpy()[1:][same_trip]
    elapsed = (stops["arrive_s"].to_numpy()[1:] - stops["depart_s"].to_numpy()[:-1])[same_trip]
    low, high = np.minimum(a, b), np.maximum(a, b)
    adjacent = high - low == 1
    run = pd.Series(elapsed[adjacent]).groupby(low[adjacent]).mean().reindex(range(n - 1)).to_numpy()
    covered = np.zeros(n, dtype=int)  # +1 at each hop's start, -1 at its end: segments passed
    np.add.at(covered, low, 1)
    np.add.at(covered, high, -1)
    passed = np.cumsum(covered)[:-1] > 0
    observed = ~np.isnan(run)
    speed_ms = length_m[observed].sum() / run[observed].sum() if observed.any() else np.nan
    run = np.where(observed, run, length_m / speed_ms)
    return np.where(passed, run, np.inf), dwell


def _waits_min(run: Run, stops: pd.DataFrame, n: int) -> np.ndarray:
    t = run.trace
    p = t.passengers
    waited = np.where(np.isnan(t.board_s), t.end_s, t.board_s) - p.arrive_s
    measured = pd.Series(waited).groupby([p.origin, p.direction]).mean()
    wait = np.full((n, 2), np.nan)
    if len(measured):
        idx = measured.index.to_frame().to_numpy()
        wait[idx[:, 0], idx[:, 1]] = measured.to_numpy()
    period_s = run.operations.end_s - run.operations.start_s
    departures = stops.groupby(["station", "direction"]).size()
    half_headway = np.full((n, 2), np.inf)
    if len(departures):
        idx = departures.index.to_frame().to_numpy()
        half_headway[idx[:, 0], idx[:, 1]] = period_s / departures.to_numpy() / 2.0
    return np.where(np.isnan(wait), half_headway, wait) / 60.0
