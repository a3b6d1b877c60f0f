"""A station platform in one direction: berths as a SimPy resource, and departure order.

A bus takes a free berth (queueing, first come first served, when all are taken), dwells, and
leaves; the berth stays blocked for the clearance time (TCQSM ``t_c``: the bus pulling out and the
next pulling in). Without a passing lane a bus cannot leave before the bus ahead of it has left.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy


@dataclass(frozen=True)
class Visit:
    """One bus at a platform: when it got a berth, how long it dwelled, when it left (s)."""

    berth_s: float
    dwell_s: float
    depart_s: float


class Platform:
    """Berths at one station for one direction of travel.

    Parameters
    ----------
    env
        The simulation environment.
    berths
        Loading areas (sub-stops).
    passing_lane
        Whether buses can overtake at the station.
    clearance_s
        Time a berth stays blocked after its bus leaves (s).
    """

    def __init__(self, env: simpy.Environment, berths: int, passing_lane: bool, clearance_s: float) -> None:
        self.env = env
        self.berths = simpy.Resource(env, capacity=berths)
        self.passing_lane = passing_lane
        self.clearance_s = clearance_s
        self._last_departure_s = -np.inf

    def visit(self, dwell_s: Callable[[], float]) -> Generator[simpy.Event, object, Visit]:
        """SimPy process body for one bus: queue for a berth, open the doors, fix the departure.

        Returns when the doors open; the bus leaves at ``Visit.depart_s``, which is known then
        (the end of its dwell, or later if the bus ahead leaves later and cannot be passed), so
        the caller waits for it together with its next run (one event instead of two).

        Parameters
        ----------
        dwell_s
            Called when the bus gets its berth (the doors open); returns the dwell time (s).
        """
        env = self.env
        request = self.berths.request()
        yield request
        berth = env.now
        dwell = dwell_s()
        depart = berth + dwell
        if not self.passing_lane:
            depart = max(depart, self._last_departure_s)
            self._last_departure_s = depart
        env.timeout(depart - berth + self.clearance_s).callbacks.append(lambda _: self.berths.release(request))
        return Visit(berth_s=berth, dwell_s=dwell, depart_s=depart)
