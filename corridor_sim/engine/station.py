"""A station platform in one direction: berths as a SimPy resource, and departure order.

A bus takes a free berth (queueing, first come first served, when all are taken), dwells, and
leaves; the berth stays blocked for the clearance time (TCQSM ``t_c``: the bus pulling out and the
next pulling in). Without a passing lane a bus cannot leave before the bus ahead of it has left.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

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
        self._last_departure: simpy.Event | None = None

    def visit(self, dwell_s: Callable[[], float]) -> Generator[simpy.Event, object, Visit]:
        """SimPy process body for one bus: queue for a berth, dwell, leave.

        Parameters
        ----------
        dwell_s
            Called when the bus gets its berth (the doors open); returns the dwell time (s).
        """
        env = self.env
        request = self.berths.request()
        yield request
        berth = env.now
        ahead = departed = None
        if not self.passing_lane:
            ahead, departed = self._last_departure, env.event()
            self._last_departure = departed
        dwell = dwell_s()
        yield env.timeout(dwell)
        if ahead is not None and not ahead.processed:
            yield ahead
        if departed is not None:
            departed.succeed()
        env.timeout(self.clearance_s).callbacks.append(lambda _: self.berths.release(request))
        return Visit(berth_s=berth, dwell_s=dwell, depart_s=env.now)
