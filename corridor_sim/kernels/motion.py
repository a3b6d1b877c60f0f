"""Bus motion between two stops: acceleration, cruise by segment, signals, deceleration.

A bus leaves a stop from rest and reaches the next stop it makes at rest (one that stops on
demand runs through the stations between: :mod:`corridor_sim.kernels.on_demand`). Over distance ``d`` at
cruise speed ``v`` the run takes ``d / v`` plus ``v / (2 a)`` to accelerate from rest and
``v / (2 b)`` to brake to rest (the time lost against cruising the same distance). Cruise speed
varies by segment. A signal met in its red phase holds the bus until green, and the stop costs
the same acceleration and braking loss again. A leg too short to reach cruise speed
(``d < v^2 / (2 a) + v^2 / (2 b)``) takes ``sqrt(2 d (a + b) / (a b))``. With signal priority, a
bus arriving no later than ``green_extension_s`` after the end of green is let through.

Buses share each stop line: a signal lets one bus through per ``headway_s`` of green (the
saturation headway), so at most ``3600 g / (C headway)`` buses an hour pass it. Each signal
keeps the earliest time its next bus may cross (``signal_free_s``); a bus reaching it before
then queues, and if its turn leaves it less than a headway of green, waits for the next green.
Buses take the stop line in the order they leave their previous stop.

Signal state: green while ``(t - offset) mod cycle < green``.

Given arrays to fill, the run is also split by segment into time moving (cruise plus the
acceleration and braking losses, each on the segment where it happens) and time standing at red
signals; the emissions replay each leg this way (:func:`leg_profiles`).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _free_time_s(x0_m: float, x1_m: float, bounds_m: np.ndarray, speed_ms: np.ndarray, moving_s: np.ndarray) -> float:
    """Cruise time from ``x0_m`` to ``x1_m`` over segments with bounds ``bounds_m`` (added to
    ``moving_s`` by segment if it is not empty)."""
    total = 0.0
    k = max(np.searchsorted(bounds_m, x0_m, side="right") - 1, 0)
    x = x0_m
    while x < x1_m and k < len(speed_ms):
        end = min(bounds_m[k + 1], x1_m)
        step = (end - x) / speed_ms[k]
        total += step
        if len(moving_s):
            moving_s[k] += step
        x = end
        k += 1
    return total


@njit(cache=True)
def _segment_at(x_m: float, bounds_m: np.ndarray, n_segments: int) -> int:
    k = np.searchsorted(bounds_m, x_m, side="right") - 1
    return min(max(k, 0), n_segments - 1)


@njit(cache=True)
def _speed_at(x_m: float, bounds_m: np.ndarray, speed_ms: np.ndarray) -> float:
    return speed_ms[_segment_at(x_m, bounds_m, len(speed_ms))]


@njit(cache=True)
def signal_cross_s(
    s: int,
    t_s: float,
    cycle_s: np.ndarray,
    green_s: np.ndarray,
    offset_s: np.ndarray,
    green_extension_s: float,
    signal_free_s: np.ndarray,
    headway_s: float,
) -> float:
    """When a bus reaching signal ``s`` at ``t_s`` crosses its stop line (s), its turn booked in ``signal_free_s``.

    Parameters are as for :func:`leg_run_time_s`; ``signal_free_s`` empty: the stop line is not shared.
    """
    phase = (t_s - offset_s[s]) % cycle_s[s]
    cross = t_s
    if phase >= green_s[s] and phase - green_s[s] >= green_extension_s:
        cross = t_s + cycle_s[s] - phase  # red: the next green
    if len(signal_free_s) > 0:
        if signal_free_s[s] > cross:  # buses ahead still crossing: its turn, in green
            cross = signal_free_s[s]
            turn = (cross - offset_s[s]) % cycle_s[s]
            if turn > green_s[s] - headway_s:  # a queued bus must clear the line within the green
                cross += cycle_s[s] - turn
        signal_free_s[s] = cross + headway_s
    return cross


@njit(cache=True)
def run_through(
    t_s: float,
    x_m: float,
    to_m: float,
    signal: int,
    bounds_m: np.ndarray,
    speed_ms: np.ndarray,
    accel_ms2: float,
    decel_ms2: float,
    signal_m: np.ndarray,
    cycle_s: np.ndarray,
    green_s: np.ndarray,
    offset_s: np.ndarray,
    green_extension_s: float,
    in_traffic: np.ndarray,
    moving_s: np.ndarray,
    red_s: np.ndarray,
    starts_n: np.ndarray,
    signal_free_s: np.ndarray,
    headway_s: float,
) -> tuple[float, int, int]:
    """A bus cruising from ``x_m`` (at ``t_s``) to ``to_m``, held by the signals from index ``signal`` on.

    No start or stop at either end: :func:`leg_run_time_s` adds those. Parameters are as there.

    Returns
    -------
    t_s : float
        When it gets to ``to_m`` (s).
    signal : int
        The first signal at or beyond ``to_m``.
    signal_stops : int
        Signals that stopped it on the way.
    """
    record = len(moving_s) > 0
    n = len(speed_ms)
    t = t_s
    x = x_m
    stops = 0
    s = signal
    while s < len(signal_m):
        pos = signal_m[s]
        if pos >= to_m:
            break
        t += _free_time_s(x, pos, bounds_m, speed_ms, moving_s)
        x = pos
        if not in_traffic[s]:
            cross = signal_cross_s(s, t, cycle_s, green_s, offset_s, green_extension_s, signal_free_s, headway_s)
            if cross > t:
                v = _speed_at(pos, bounds_m, speed_ms)
                stops += 1
                if record:
                    k = _segment_at(pos, bounds_m, n)
                    red_s[k] += cross - t
                    moving_s[k] += v / (2.0 * accel_ms2) + v / (2.0 * decel_ms2)
                    starts_n[k] += 1.0
                t = cross + v / (2.0 * accel_ms2) + v / (2.0 * decel_ms2)
        s += 1
    t += _free_time_s(x, to_m, bounds_m, speed_ms, moving_s)
    return t, s, stops


@njit(cache=True)
def leg_run_time_s(
    t0_s: float,
    from_m: float,
    to_m: float,
    bounds_m: np.ndarray,
    speed_ms: np.ndarray,
    accel_ms2: float,
    decel_ms2: float,
    signal_m: np.ndarray,
    cycle_s: np.ndarray,
    green_s: np.ndarray,
    offset_s: np.ndarray,
    green_extension_s: float,
    in_traffic: np.ndarray,
    moving_s: np.ndarray,
    red_s: np.ndarray,
    starts_n: np.ndarray,
    signal_free_s: np.ndarray,
    headway_s: float,
) -> tuple[float, int]:
    """Run time of a bus from a stop at ``from_m`` to a stop at ``to_m``, leaving at ``t0_s``.

    Parameters
    ----------
    t0_s
        Departure time (s).
    from_m, to_m
        Chainages of the two stops in the direction of travel (m), ``from_m < to_m``.
    bounds_m, speed_ms
        Segment bounds (m, n + 1) and cruise speed on each segment (m/s, n).
    accel_ms2, decel_ms2
        Acceleration and deceleration (m/s2).
    signal_m, cycle_s, green_s, offset_s
        Signals in the direction of travel: chainage (sorted), cycle, green time, offset (s).
    green_extension_s
        Signal priority's longest green extension (0: no priority).
    in_traffic
        Per signal: met inside general traffic, whose cruise speed already holds the signal's
        delay (the bus does not stop there again).
    moving_s, red_s, starts_n
        Per segment (n), zeros on entry: filled with this leg's seconds moving, standing at red
        signals, and its starts from rest (the stop it leaves, each signal that held it). Pass
        empty arrays not to record.
    signal_free_s, headway_s
        Per signal, the earliest time the next bus may cross its stop line (updated in place), and
        the buses' saturation headway (s). Pass an empty array for buses that do not share the
        stop lines (a replay).

    Returns
    -------
    run_s : float
        Time from leaving ``from_m`` to stopping at ``to_m`` (s).
    signal_stops : int
        Signals that stopped the bus.
    """
    record = len(moving_s) > 0
    n = len(speed_ms)
    v0 = _speed_at(from_m, bounds_m, speed_ms)
    t = t0_s + v0 / (2.0 * accel_ms2)
    if record:
        moving_s[_segment_at(from_m, bounds_m, n)] += v0 / (2.0 * accel_ms2)
        starts_n[_segment_at(from_m, bounds_m, n)] += 1.0
    first = np.searchsorted(signal_m, from_m, side="left")
    t, _, stops = run_through(
        t, from_m, to_m, first, bounds_m, speed_ms, accel_ms2, decel_ms2, signal_m, cycle_s, green_s, offset_s,
        green_extension_s, in_traffic, moving_s, red_s, starts_n, signal_free_s, headway_s,
    )  # fmt: skip
    end = max(to_m - 1e-6, from_m)
    v1 = _speed_at(end, bounds_m, speed_ms)
    t += v1 / (2.0 * decel_ms2)
    if record:
        moving_s[_segment_at(end, bounds_m, n)] += v1 / (2.0 * decel_ms2)
    d = to_m - from_m
    if stops == 0 and d < v0 * v0 / (2.0 * accel_ms2) + v0 * v0 / (2.0 * decel_ms2):
        short = np.sqrt(2.0 * d * (accel_ms2 + decel_ms2) / (accel_ms2 * decel_ms2))
        if record:  # never reaches cruise: the time is shared by distance
            moving_s[:] = 0.0
            for k in range(n):
                overlap = min(bounds_m[k + 1], to_m) - max(bounds_m[k], from_m)
                if overlap > 0.0:
                    moving_s[k] = short * overlap / d
        return short, 0
    return t - t0_s, stops


@njit(cache=True, nogil=True)  # nogil: runs are evaluated in threads side by side (corridor_sim.evaluation)
def leg_profiles(
    depart_s: np.ndarray,
    from_m: np.ndarray,
    to_m: np.ndarray,
    bounds_m: np.ndarray,
    speed_ms: np.ndarray,
    bin_s: float,
    accel_ms2: float,
    decel_ms2: float,
    signal_m: np.ndarray,
    cycle_s: np.ndarray,
    green_s: np.ndarray,
    offset_s: np.ndarray,
    green_extension_s: float,
    in_traffic: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Replay legs of one direction and split each by segment, as the engine ran them.

    Parameters
    ----------
    depart_s, from_m, to_m
        Per leg: departure (clock s) and the two stops' chainages in this direction (m).
    bounds_m
        Segment bounds in this direction (m, n + 1).
    speed_ms
        Cruise speed per traffic bin and segment (m/s, n_bins x n); a leg runs at its departure's bin.
    bin_s
        Width of a traffic bin (s).
    accel_ms2, decel_ms2, signal_m, cycle_s, green_s, offset_s, green_extension_s
        As for :func:`leg_run_time_s`.
    in_traffic
        (bins, signals): as for :func:`leg_run_time_s`, by the departure's bin.

    Returns
    -------
    leg, segment : numpy.ndarray
        One row per leg and segment it crosses (segment in this direction's order).
    distance_m, moving_s, red_s : numpy.ndarray
        Per row: metres run, seconds moving and seconds standing at red signals.
    speed_ms, starts : numpy.ndarray
        Per row: the speed run at (the segment's cruise speed, or the top speed of a leg too
        short to reach it; m/s) and starts from rest on the segment.
    """
    n = len(bounds_m) - 1
    rows = profile_rows(from_m, to_m, bounds_m)
    leg_moving = np.zeros(n)
    leg_red = np.zeros(n)
    leg_starts = np.zeros(n)
    no_queue = np.empty(0)
    row = 0
    for i in range(len(depart_s)):
        leg_moving[:] = 0.0
        leg_red[:] = 0.0
        leg_starts[:] = 0.0
        b = min(int(depart_s[i] // bin_s), speed_ms.shape[0] - 1)
        leg_run_time_s(
            depart_s[i], from_m[i], to_m[i], bounds_m, speed_ms[b], accel_ms2, decel_ms2,
            signal_m, cycle_s, green_s, offset_s, green_extension_s, in_traffic[b], leg_moving, leg_red, leg_starts, no_queue, 0.0,
        )  # fmt: skip
        row = put_profile_rows(
            rows, row, i, from_m[i], to_m[i], bounds_m, speed_ms[b], accel_ms2, decel_ms2, leg_moving, leg_red, leg_starts
        )
    return rows


@njit(cache=True)
def profile_rows(
    from_m: np.ndarray, to_m: np.ndarray, bounds_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The empty columns of :func:`leg_profiles` (leg, segment, distance, moving, red, speed, starts):
    a row per leg and segment it crosses."""
    n = len(bounds_m) - 1
    n_rows = 0
    for i in range(len(from_m)):
        n_rows += _segment_at(max(to_m[i] - 1e-6, from_m[i]), bounds_m, n) - _segment_at(from_m[i], bounds_m, n) + 1
    return (
        np.empty(n_rows, dtype=np.int64),
        np.empty(n_rows, dtype=np.int64),
        np.empty(n_rows),
        np.empty(n_rows),
        np.empty(n_rows),
        np.empty(n_rows),
        np.empty(n_rows),
    )


@njit(cache=True)
def put_profile_rows(
    rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    row: int,
    leg_index: int,
    from_m: float,
    to_m: float,
    bounds_m: np.ndarray,
    speed_ms: np.ndarray,
    accel_ms2: float,
    decel_ms2: float,
    leg_moving: np.ndarray,
    leg_red: np.ndarray,
    leg_starts: np.ndarray,
) -> int:
    """Write one leg's rows of :func:`profile_rows` from ``row`` on; the next free row.

    Per segment it crosses: the metres run, its moving and red seconds and starts (``leg_*``, by
    segment), and the speed run at: the segment's (``speed_ms``) or the top speed of a leg too
    short to reach it.
    """
    leg, segment, distance, moving, red, run_speed, starts = rows
    n = len(bounds_m) - 1
    top = np.sqrt(
        2.0 * (to_m - from_m) * accel_ms2 * decel_ms2 / (accel_ms2 + decel_ms2)
    )  # a leg too short for cruise peaks here
    for k in range(_segment_at(from_m, bounds_m, n), _segment_at(max(to_m - 1e-6, from_m), bounds_m, n) + 1):
        leg[row] = leg_index
        segment[row] = k
        distance[row] = max(min(bounds_m[k + 1], to_m) - max(bounds_m[k], from_m), 0.0)
        moving[row] = leg_moving[k]
        red[row] = leg_red[k]
        run_speed[row] = min(speed_ms[k], top)
        starts[row] = leg_starts[k]
        row += 1
    return row
