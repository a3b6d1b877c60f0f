"""How big a run will be, estimated before simulating: trips, stop events, passengers.

The estimates are upper bounds from the scenario alone (every service at its shorter headway,
every stop served, the demand at its profile's highest factor for the whole period), cheap enough
to make before any corridor is built. A run above a limit stops with the estimate and how to go
on (``--force``), instead of growing until the machine runs out of memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridor_sim._errors import ScenarioError
from corridor_sim.scenario import Scenario

#: Limits of a run without ``--force`` (a Nairobi day: about 2,200 trips, 60,000 stop events and
#: 250,000 passengers; these allow some 20 times that).
MAX_TRIPS = 50_000
MAX_STOP_EVENTS = 1_500_000
MAX_PASSENGERS = 5_000_000


class RunTooLargeError(ScenarioError):
    """A run's estimated size is over a limit; the message gives the estimate and how to go on."""


@dataclass(frozen=True)
class RunSize:
    """Upper estimates of a run's size."""

    trips: int
    stop_events: int
    passengers: int


def estimate_run(scenario: Scenario) -> RunSize:
    """Upper estimates of the trips, stop events and passengers of a run of ``scenario``.

    The period counts with the warm-up the scenario sets; an unset warm-up is resolved on the
    corridor after this check (about one cycle of the longest service, within the limits' margin).
    """
    hours = (scenario.period.end_s - scenario.period.start_s) / 3600.0 + (scenario.period.warm_up_min or 0.0) / 60.0
    n_stations = len(scenario.corridor.stations)
    trips = stops = 0.0
    for service in scenario.services.values():
        headway = min(service.peak_headway_min, service.offpeak_headway_min or service.peak_headway_min)
        both_ways = 2.0 * hours * 60.0 / headway
        trips += both_ways
        stops += both_ways * (n_stations if service.stops == "all" else len(service.stops))
    passengers = 0.0
    if scenario.demand is not None:
        demand = scenario.demand
        peak = sum(f.pax_per_h for f in demand.od) or sum(s.boardings_per_h for s in demand.stations)
        passengers = peak * hours * max([1.0, *demand.profile.values()])
    return RunSize(trips=round(trips), stop_events=round(stops), passengers=round(passengers))


def check_run_size(scenario: Scenario, force: bool = False) -> RunSize:
    """The run's estimated size; over a limit, an error unless ``force``.

    Raises
    ------
    RunTooLargeError
        Naming each estimate over its limit and how to proceed.
    """
    size = estimate_run(scenario)
    over = [
        f"{what} about {value:,} (limit {limit:,})"
        for what, value, limit in (
            ("trips", size.trips, MAX_TRIPS),
            ("stop events", size.stop_events, MAX_STOP_EVENTS),
            ("passengers", size.passengers, MAX_PASSENGERS),
        )
        if value > limit
    ]
    if over and not force:
        raise RunTooLargeError(
            f"{scenario.path or scenario.name}: this run would be very large: {'; '.join(over)}. Check the headways, "
            "the period and the demand for a typo; to run it anyway, give --force (corridor_sim.run(..., force=True))"
        )
    return size
