"""A service's departures from one terminal, as one compiled scan (:func:`corridor_sim.engine.timetable.departures_s`)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def departure_times_s(
    start_s: float,
    end_s: float,
    peak_start_s: np.ndarray,
    peak_end_s: np.ndarray,
    boundaries_s: np.ndarray,
    peak_headway_s: float,
    offpeak_headway_s: float,
    stagger: float,
    cv2: float,
    draws: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Departures over ``[start_s, end_s)``: a headway after each, by the period it leaves in.

    Parameters
    ----------
    start_s, end_s
        The period (clock s).
    peak_start_s, peak_end_s
        The peak windows (clock s); a departure in one runs at ``peak_headway_s``, else at
        ``offpeak_headway_s`` (NaN: no service then, and it resumes at the next of
        ``boundaries_s``, sorted, with ``end_s`` last).
    stagger
        Fraction of a headway by which the first departure (and the first after a break) follows.
    cv2
        The squared coefficient of variation of the headways (0: regular).
    draws
        Standard gamma draws of shape ``1 / cv2``, one per departure: the headway after a departure
        is ``(h * cv2) * draw``, as ``rng.gamma(1 / cv2, h * cv2)`` draws it (not read when regular).

    Returns
    -------
    times : numpy.ndarray
        The departures (clock s), increasing.
    n : int
        How many there are; ``-1`` if ``draws`` ran out first (draw more and call again).
    """
    times = np.empty(max(len(draws), 16))
    n = 0
    t = start_s
    first = True
    while t < end_s:
        peak = False
        for w in range(len(peak_start_s)):
            if peak_start_s[w] <= t < peak_end_s[w]:
                peak = True
                break
        h = peak_headway_s if peak else offpeak_headway_s
        if np.isnan(h):  # no service now: resume at the next boundary
            nxt = end_s
            for b in boundaries_s:
                if b > t:
                    nxt = b
                    break
            t = nxt
            first = True
            continue
        if first:
            t += stagger * h
            first = False
            if t >= end_s:
                break
        if cv2 == 0.0:
            if n == len(times):
                grown = np.empty(2 * n)
                grown[:n] = times
                times = grown
            times[n] = t
            n += 1
            t += h
        else:
            if n == len(draws):
                return times[:0], -1
            times[n] = t
            t += (h * cv2) * draws[n]
            n += 1
    return times[:n], n
