"""Departures from the terminals: headways by period, staggered services, dispatch irregularity."""

from __future__ import annotations

import numpy as np

from corridor_sim.kernels.timetable import departure_times_s
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
    boundaries = np.array(sorted({b for w in peaks for b in w} | {end_s}), dtype=float)
    windows = np.array(peaks, dtype=float).reshape(-1, 2)
    offpeak_s = np.nan if service.offpeak_headway_min is None else service.offpeak_headway_min * 60.0
    timetable = (float(start_s), float(end_s), windows[:, 0].copy(), windows[:, 1].copy(), boundaries)
    headways = (service.peak_headway_min * 60.0, offpeak_s, float(stagger))
    cv = service.headway_cv
    if cv == 0:
        return departure_times_s(*timetable, *headways, 0.0, np.empty(0))[0]
    # a gamma draw per departure, as many taken from rng as used (the next service draws on from there)
    count = int((end_s - start_s) / (min(service.peak_headway_min, service.offpeak_headway_min or np.inf) * 60.0)) + 16
    while True:
        state = rng.bit_generator.state
        times, used = departure_times_s(*timetable, *headways, cv**2, rng.standard_gamma(1.0 / cv**2, size=count))
        rng.bit_generator.state = state
        if used >= 0:
            rng.standard_gamma(1.0 / cv**2, size=used)
            return times
        count *= 2
