"""The time a BRT trip saves against the way its rider travels today, per trip and per year.

Every trip is timed between the same two stations, platform to platform or kerb to kerb (walking
to the stations, parking and the trip's ends beyond the corridor are in none of them):

- **BRT**: the run's journey time of each delivered passenger (wait + in vehicle);
- **minibus** (and any ``bus_*`` class): today's minibus service simulated in the same traffic
  with the BRT's riders who ride it today (their OD flows x :func:`minibus_share`;
  :func:`corridor_sim.paratransit.baseline.today_minibuses`), its mean journey time (wait + in
  vehicle) over its delivered passengers;
- **car** and **motorcycle**: today's general traffic's travel time between the two stations
  (the traffic of the minibus run, with today's minibuses at their stops;
  :meth:`~corridor_sim.engine.traffic.TrafficState.minutes_along`, period mean of both
  directions), averaged over the BRT's passengers;
- **walk** and **cycle**: the distance along the corridor at ``nmt.walk_speed_ms`` and
  ``nmt.cycle_speed_kmh``.

The riders' previous modes are ``baseline.mode_shares`` (the scenario's or the city's), the same
split the emissions and safety baselines use. A year is the simulated period times
``operating_days_per_year``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from corridor_sim.engine.runner import Run
from corridor_sim.indicators import _r
from corridor_sim.scenario import Scenario


def rides_minibus_today(mode: str) -> bool:
    """Whether riders of a previous mode (a ``baseline.mode_shares`` key) ride today's minibus service."""
    return mode.startswith(("minibus", "bus_"))


def minibus_share(scenario: Scenario) -> float:
    """The share of the BRT's riders who ride today's minibuses (``baseline.mode_shares``)."""
    shares = scenario.baseline.mode_shares
    return sum(v for m, v in shares.items() if rides_minibus_today(m)) / max(sum(shares.values()), 1e-12)


def previous_mode_minutes(run: Run, drive_min: np.ndarray, minibus_journey_min: float) -> dict[str, float]:
    """Mean minutes between the BRT passengers' stations by each previous mode (see the module docstring);
    ``drive_min`` is :func:`drive_minutes` of the minibus run, whose traffic is today's."""
    scenario, trace = run.scenario, run.trace
    p = trace.passengers
    delivered = ~np.isnan(trace.alight_s)
    chain = run.corridor.station_chainage_m
    origin, destination = p.origin[delivered], p.destination[delivered]
    distance_m = np.abs(chain[destination] - chain[origin])
    drive_mean_min = float(np.abs(drive_min[destination] - drive_min[origin]).mean()) if delivered.any() else float("nan")
    out = {}
    for mode in scenario.baseline.mode_shares:
        if rides_minibus_today(mode):
            out[mode] = minibus_journey_min
        elif mode == "walk":
            out[mode] = float(distance_m.mean() / scenario.nmt.walk_speed_ms / 60.0)
        elif mode == "cycle":
            out[mode] = float(distance_m.mean() / (scenario.nmt.cycle_speed_kmh / 3.6) / 60.0)
        else:  # car, motorcycle: in the general traffic
            out[mode] = drive_mean_min
    return out


def drive_minutes(today: Run, station_chainage_m: np.ndarray) -> np.ndarray:
    """Today's general traffic's minutes from the corridor's start to each station (period mean of both
    directions; :meth:`~corridor_sim.engine.traffic.TrafficState.minutes_along`), from the minibus run."""
    return today.operations.traffic.minutes_along(station_chainage_m)


def time_saved(run: Run, summary: dict[str, Any], drive_min: np.ndarray, minibus_summary: dict[str, Any]) -> dict[str, Any]:
    """The ``time_saved`` section: per previous mode and on average, per trip and per year.

    Parameters
    ----------
    run
        The BRT run.
    summary
        Its summary (``journey_min``, ``passengers``).
    drive_min
        :func:`drive_minutes` of today's minibus run (in today's traffic), at the run's stations.
    minibus_summary
        Its summary (its ``journey_min``).

    Returns
    -------
    dict
        ``brt_journey_min``; ``by_previous_mode``: per mode its ``share`` of the BRT's riders,
        ``today_min`` and ``saved_min_per_trip``; ``saved_min_per_trip`` (share-weighted);
        ``trips_per_year``; ``person_hours_saved_per_year``; ``definition``.
    """
    scenario = run.scenario
    brt_min = summary["journey_min"]["mean"]
    minutes = previous_mode_minutes(run, drive_min, minibus_summary["journey_min"]["mean"] or float("nan"))
    shares = scenario.baseline.mode_shares
    total = sum(shares.values())
    by_mode = {
        mode: {"share": _r(share / total, 4), "today_min": _r(minutes[mode]), "saved_min_per_trip": _r(minutes[mode] - brt_min)}
        for mode, share in shares.items()
    }
    saved = sum(shares[m] / total * (minutes[m] - brt_min) for m in shares) if brt_min is not None else float("nan")
    trips = summary["passengers"]["delivered"] * scenario.operating_days_per_year
    return {
        "definition": "between the same two stations, platform to platform (BRT and minibus: wait + in vehicle; "
        "car and motorcycle: the general traffic's time; walk and cycle: the corridor distance); access not included",
        "brt_journey_min": brt_min,
        "by_previous_mode": by_mode,
        "saved_min_per_trip": _r(saved),
        "trips_per_year": _r(trips, 0),
        "person_hours_saved_per_year": _r(saved * trips / 60.0, 0),
    }
