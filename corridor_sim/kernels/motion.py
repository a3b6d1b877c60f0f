"""Bus motion between two stops: acceleration, cruise by segment, signals, deceleration.

A bus leaves a stop from rest and reaches the next served stop at rest. Over distance ``d`` at
cruise speed ``v`` the run takes ``d / v`` plus ``v / (2 a)`` to accelerate from rest and
``v / (2 b)`` to brake to rest (the time lost against cruising the same distance). Cruise speed
varies by segment. A signal met in its red phase holds the bus until green, and the stop costs
the same acceleration and braking loss again. A leg too short to reach cruise speed
(``d < v^2 / (2 a) + v^2 / (2 b)``) takes ``sqrt(2 d (a + b) / (a b))``. With signal priority, a bus arriving no later than
``green_extension_s`` after the end of green is let through.

Signal state: green while ``(t - offset) mod cycle < green``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _free_time_s(x0_m: float, x1_m: float, bounds_m: np.ndarray, speed_ms: np.ndarray) -> float:
    """Cruise time from ``x0_m`` to ``x1_m`` over segments with bounds ``bounds_m``."""
    total = 0.0
    k = max(np.searchsorted(bounds_m, x0_m, side="right") - 1, 0)
    x = x0_m
    while x < x1_m and k < len(speed_ms):
        end = min(bounds_m[k + 1], x1_m)
        total += (end - x) / speed_ms[k]
        x = end
        k += 1
    return total


@njit(cache=True)
def _speed_at(x_m: float, bounds_m: np.ndarray, speed_ms: np.ndarray) -> float:
    k = np.searchsorted(bounds_m, x_m, side="right") - 1
    return speed_ms[min(max(k, 0), len(speed_ms) - 1)]


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

    Returns
    -------
    run_s : float
        Time from leaving ``from_m`` to stopping at ``to_m`` (s).
    signal_stops : int
        Signals that stopped the bus.
    """
    v0 = _speed_at(from_m, bounds_m, speed_ms)
    t = t0_s + v0 / (2.0 * accel_ms2)
    x = from_m
    stops = 0
    first = np.searchsorted(signal_m, from_m, side="left")
    for s in range(first, len(signal_m)):
        pos = signal_m[s]
        if pos >= to_m:
            break
        t += _free_time_s(x, pos, bounds_m, speed_ms)
        x = pos
        phase = (t - offset_s[s]) % cycle_s[s]
        if phase >= green_s[s] and phase - green_s[s] >= green_extension_s:
            v = _speed_at(pos, bounds_m, speed_ms)
            t += cycle_s[s] - phase + v / (2.0 * accel_ms2) + v / (2.0 * decel_ms2)
            stops += 1
    t += _free_time_s(x, to_m, bounds_m, speed_ms)
    v1 = _speed_at(max(to_m - 1e-6, from_m), bounds_m, speed_ms)
    t += v1 / (2.0 * decel_ms2)
    d = to_m - from_m
    if stops == 0 and d < v0 * v0 / (2.0 * accel_ms2) + v0 * v0 / (2.0 * decel_ms2):
        return np.sqrt(2.0 * d * (accel_ms2 + decel_ms2) / (accel_ms2 * decel_ms2)), 0
    return t - t0_s, stops
