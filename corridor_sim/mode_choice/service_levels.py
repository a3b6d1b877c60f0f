"""Level of service a finished run offers between any two of its stops: waits and in-vehicle times.

Waits are measured per stop and direction from the simulated passengers (a passenger still
waiting at the end counts the time waited so far); a stop where nobody was drawn gets half the
mean interval between departures. In-vehicle time between two stops is the sum of the mean run
time of each segment between them (from one stop's departure to the next stop's arrival, over
the trips that stop at both) and of the mean dwell at each stop in between, so every pair gets a
time even if few passengers travelled it. A segment that trips pass without stopping at its ends
gets the direction's mean speed; a segment no trip runs over makes the pairs across it unserved
(``inf``).

Buses that stop on demand (today's minibuses) run from a stop they make to the next one through
the stations between: each such leg's time is shared among its segments as the engine ran them
(:func:`~corridor_sim.vehicle_travel.leg_segments`), and a station's dwell is the mean over the
trips that passed it, stopping or not (a stop they make is a chance, not a rule). Where every
trip stops at every station of its pattern, these are the plain means above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor_sim.engine.runner import Run
from corridor_sim.kernels.group_sums import group_sums
from corridor_sim.vehicle_travel import brt_legs, leg_segment_columns


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
    on_demand, through, split = _on_demand_legs(run, n)
    ivt = np.zeros((n, n))
    for direction in (0, 1):
        run_s, dwell_s = _segment_times(
            stops[stops["direction"] == direction], n, direction, run.corridor.length_m, on_demand, through[:, direction],
            split[direction],
        )  # fmt: skip
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
    return ServiceLevels(wait_min=_waits_min(run, stops, n, through), in_vehicle_min=ivt, direct=run.served.copy())


def _on_demand_legs(run: Run, n: int) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """The legs of the trips that stop on demand, as :func:`_segment_times` takes them.

    Returns
    -------
    on_demand : numpy.ndarray
        Per trip, whether its service stops on demand.
    through : numpy.ndarray
        Per station and direction (n, 2): such trips that passed it without stopping.
    split : list of (numpy.ndarray, numpy.ndarray)
        Per direction, the seconds of such trips' legs on each segment (corridor order; each leg's
        time shared as the engine ran it) and the legs over each segment, (n - 1) each.
    """
    through = np.zeros((n, 2))
    split = [(np.zeros(n - 1), np.zeros(n - 1)) for _ in (0, 1)]
    patterns = {plan.name: np.isin(np.arange(n), plan.stations) for plan in run.operations.services if plan.on_demand}
    trip_service = run.trace.trips["service"].to_numpy()
    on_demand = np.isin(trip_service, list(patterns))
    if not on_demand.any():
        return on_demand, through, split
    every_leg = brt_legs(run)
    leg_on_demand = on_demand[every_leg["trip"].to_numpy()]
    legs = every_leg[leg_on_demand]
    service = trip_service[legs["trip"].to_numpy()]
    direction = legs["direction"].to_numpy()
    low = np.minimum(legs["from_station"], legs["to_station"]).to_numpy()
    high = np.maximum(legs["from_station"], legs["to_station"]).to_numpy()
    for name, pattern in patterns.items():  # the pattern's stations strictly between a leg's two stops
        mine = service == name
        span = np.zeros((2, n + 1))
        np.add.at(span, (direction[mine], low[mine] + 1), 1.0)
        np.add.at(span, (direction[mine], high[mine]), -1.0)
        through += (np.cumsum(span, axis=1)[:, :n] * pattern[None, :]).T
    pieces = leg_segment_columns(run)
    keep = leg_on_demand[pieces["leg"]]
    leg, direction, segment = pieces["leg"][keep], pieces["direction"][keep], pieces["segment"][keep]
    replayed = pieces["moving_s"][keep] + pieces["red_s"][keep]
    total = group_sums(leg, replayed[:, None], len(every_leg))[0][leg, 0]  # each leg's sum, as pandas adds it
    elapsed = (every_leg["arrive_s"].to_numpy() - every_leg["depart_s"].to_numpy())[leg]
    seconds = np.where(total > 0, elapsed * replayed / np.where(total > 0, total, 1.0), 0.0)
    for d in (0, 1):
        mine = direction == d
        split[d] = (
            np.bincount(segment[mine], weights=seconds[mine], minlength=n - 1)[: n - 1],
            np.bincount(segment[mine], minlength=n - 1)[: n - 1].astype(float),
        )
    return on_demand, through, split


def _segment_times(
    stops: pd.DataFrame,
    n: int,
    direction: int,
    length_m: np.ndarray,
    on_demand: np.ndarray,
    through: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Mean run time per segment (n - 1; segment k joins stops k and k + 1) and mean dwell per stop (n).

    ``on_demand``, ``through`` (this direction's) and ``split`` are :func:`_on_demand_legs`'s.
    """
    same_trip = stops["trip"].to_numpy()[1:] == stops["trip"].to_numpy()[:-1]
    a, b = stops["station"].to_numpy()[:-1][same_trip], stops["station"].to_numpy()[1:][same_trip]
    elapsed = (stops["arrive_s"].to_numpy()[1:] - stops["depart_s"].to_numpy()[:-1])[same_trip]
    low, high = np.minimum(a, b), np.maximum(a, b)
    adjacent = high - low == 1
    if not on_demand.any():
        dwell = stops.groupby("station")["dwell_s"].mean().reindex(range(n)).to_numpy()
        run = pd.Series(elapsed[adjacent]).groupby(low[adjacent]).mean().reindex(range(n - 1)).to_numpy()
    else:  # on-demand trips' legs come split by segment; the other trips' adjacent hops join them
        stopped = stops.groupby("station")["dwell_s"].agg(["sum", "size"]).reindex(range(n), fill_value=0)
        visits = stopped["size"].to_numpy() + through
        dwell = np.where(visits > 0, stopped["sum"].to_numpy() / np.where(visits > 0, visits, 1.0), np.nan)
        hop = adjacent & ~on_demand[stops["trip"].to_numpy()[1:][same_trip]]
        seconds = np.bincount(low[hop], weights=elapsed[hop], minlength=n - 1)[: n - 1] + split[0]
        legs = np.bincount(low[hop], minlength=n - 1)[: n - 1] + split[1]
        run = np.where(legs > 0, seconds / np.where(legs > 0, legs, 1.0), np.nan)
    covered = np.zeros(n, dtype=int)  # +1 at each hop's start, -1 at its end: segments passed
    np.add.at(covered, low, 1)
    np.add.at(covered, high, -1)
    passed = np.cumsum(covered)[:-1] > 0
    observed = ~np.isnan(run)
    speed_ms = length_m[observed].sum() / run[observed].sum() if observed.any() else np.nan
    run = np.where(observed, run, length_m / speed_ms)
    return np.where(passed, run, np.inf), dwell


def _waits_min(run: Run, stops: pd.DataFrame, n: int, through: np.ndarray) -> np.ndarray:
    """Mean wait per stop and direction (n, 2; minutes); where nobody was drawn, half the mean interval
    between the buses that stopped or ran through (``through``, (n, 2))."""
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
    buses = through.copy()
    if len(departures):
        idx = departures.index.to_frame().to_numpy()
        buses[idx[:, 0], idx[:, 1]] += departures.to_numpy()
    half_headway = np.where(buses > 0, period_s / np.where(buses > 0, buses, 1.0) / 2.0, np.inf)
    return np.where(np.isnan(wait), half_headway, wait) / 60.0
