"""Departures from a terminal: regular and irregular headways, breaks in service, and the draws taken."""

import numpy as np
import pytest

from corridor_sim.engine.timetable import departures_s
from corridor_sim.scenario import Service

PEAKS = [(7 * 3600.0, 9 * 3600.0), (17 * 3600.0, 19 * 3600.0)]


def _service(peak_min: float, offpeak_min: float | None, cv: float) -> Service:
    return Service.model_construct(peak_headway_min=peak_min, offpeak_headway_min=offpeak_min, headway_cv=cv, stops=["A", "B"])


def test_regular_departures_follow_the_headway_of_each_period_and_resume_after_a_break() -> None:
    times = departures_s(_service(5.0, None, 0.0), 6 * 3600.0, 20 * 3600.0, PEAKS, 0.5, np.random.default_rng(1))
    morning = 7 * 3600.0 + 150.0 + 300.0 * np.arange(24)  # staggered half a headway, every 5 min to 09:00
    evening = 17 * 3600.0 + 150.0 + 300.0 * np.arange(24)  # no off-peak service: it resumes at 17:00, staggered again
    np.testing.assert_array_equal(times, np.concatenate([morning, evening]))


def test_off_peak_departures_run_at_their_own_headway() -> None:
    times = departures_s(_service(4.0, 10.0, 0.0), 9 * 3600.0, 10 * 3600.0, PEAKS, 0.0, np.random.default_rng(1))
    np.testing.assert_array_equal(times, 9 * 3600.0 + 600.0 * np.arange(6))


def test_irregular_headways_have_the_scheduled_mean_and_cv_and_take_one_draw_each() -> None:
    cv, rng = 0.4, np.random.default_rng(7)
    times = departures_s(_service(2.0, 2.0, cv), 0.0, 400 * 3600.0, PEAKS, 0.0, rng)
    gaps = np.diff(times)
    assert gaps.mean() == pytest.approx(120.0, rel=3 * cv / np.sqrt(len(gaps)))  # three standard errors
    assert gaps.std() / gaps.mean() == pytest.approx(cv, rel=0.05)
    twin = np.random.default_rng(7)
    twin.standard_gamma(1.0 / cv**2, size=len(times))
    assert rng.random() == twin.random()  # the next service draws on from the same place
