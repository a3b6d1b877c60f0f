"""Departures from the terminals: headways by period, staggered services, dispatch irregularity."""

from __future__ import annotations

import numpy as np

from corridor_sim.scenario import Scenario, Service, clock_s


def peak_windows(scenario: Scenario, run_start_s: float | None = None) -> list[tuple[float, float]]:
    """Peak periods as (start, end) clock seconds; if none are given, the whole run: from
    ``run_start_s`` (the warm-up's start; default the period's start) to the period's end."""
    if not scenario.peak_hours:
        start = float(scenario.period.start_s) if run_start_s is None else float(run_start_s)
        return [(start, float(scenario.period.end_s))]
    return [(float(clock_s(a)), float(clock_s(b))) for a, b in (r.split("-") for r in scenario.peak_hours)]


def headway_s(service: Service, t_s: float, peaks: list[tuple[float, float]]) -> float | None:
    """The service's headway at clock time ``t_s`` (s); ``None`` if it does not run then."""
    if any(a <= t_s < b for a, b in peaks):
        return service.peak_headway_min * 60.0
    return None if service.offpeak_headway_min is None else service.offpeak_headway_min * 60.0


def departures_s(
    service: Service, start_s: float, end_s: float, peaks: list[tuple[float, float]], stagger: float, rng: np.random.Generator
) -> np.ndarray:
    """Scheduled departures of a service from one terminal over ``[start_s, end_s)``.

    Parameters
    ----------
    service
        The service.
    start_s, end_s
        The period (clock s).
    peaks
        Peak windows (clock s).
    stagger
        Fraction of a headway by which the first departure follows ``start_s`` (spreads services).
    rng
        Draws headways from a gamma distribution with the scheduled mean and ``service.headway_cv``
        (regular when the CV is 0).

    Returns
    -------
    numpy.ndarray
        Departure times (clock s), increasing.
    """
    times = []
    t = start_s
    first = True
    boundaries = sorted({b for w in peaks for b in w} | {end_s})
    while t < end_s:
        h = headway_s(service, t, peaks)
        if h is None:  # no service now: resume at the next peak start
            t = next((b for b in boundaries if b > t), end_s)
            first = True
            continue
        if first:
            t += stagger * h
            first = False
            if t >= end_s:
                break
        times.append(t)
        cv = service.headway_cv
        t += h if cv == 0 else rng.gamma(1.0 / cv**2, h * cv**2)
    return np.asarray(times)
