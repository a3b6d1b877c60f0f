"""A station platform in one direction: its berths, and who may enter and leave them when.

Without a passing lane the berths are **linear**, one behind the other in the bus lane (TCQSM's
on-line linear loading areas). A bus drives forward as far as it can: to the front berth of an
empty stop, else to the berth right behind the rearmost bus standing there; when that is the
last berth (the stop is full), it waits in the lane, first come first served. It leaves once its
dwell is over and every bus in front of it has left, at least ``follow_s`` after the last of them
(a bus starts behind another as a queue discharges). A berth is free again ``clearance_s`` after
its bus left (TCQSM ``t_c``: the bus pulling out and the next pulling in). So the front berths
idle while a bus behind finishes, and a stop of ``n`` berths serves fewer than ``n`` times the
buses of one: the berth efficiency TCQSM tabulates emerges from this rule, it is not a factor.

With a passing lane the berths are independent: a bus takes any free berth and leaves when its
dwell is over, overtaking those still standing.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from typing import NamedTuple

import simpy

from corridor_sim.engine.vehicles import SATURATION_HEADWAY_S

#: A bus behind another in a linear stop leaves at least this long after it (s): the buses' saturation headway.
FOLLOW_S = SATURATION_HEADWAY_S


class Visit(NamedTuple):
    """One bus at a platform: when it got a berth, which, how long it dwelled, when it left (s)."""

    berth_s: float
    dwell_s: float
    depart_s: float
    berth: int = 0


class Platform:
    """Berths at one station for one direction of travel.

    Parameters
    ----------
    env
        The simulation environment.
    berths
        Loading areas.
    passing_lane
        Whether buses can overtake at the station (independent berths); without one the berths are linear.
    clearance_s
        Time a berth stays blocked after its bus leaves (s).
    follow_s
        In a linear stop, the least time between a bus leaving and the one behind it leaving (s).
    """

    def __init__(
        self, env: simpy.Environment, berths: int, passing_lane: bool, clearance_s: float, follow_s: float = FOLLOW_S
    ) -> None:
        self.env = env
        self.passing_lane = passing_lane
        self.clearance_s = clearance_s
        self.follow_s = follow_s
        # per berth (plain lists: a stop has a few berths, and numpy costs more than it saves on so few)
        self.free_at_s = [-math.inf] * berths  # when each berth is free again
        self.depart_s = [-math.inf] * berths  # when its last bus left
        self.woken_at_s = [math.nan] * berths  # when a wake-up is due for it (only while buses wait)
        self.waiting: deque[simpy.Event] = deque()

    def must_wait(self) -> bool:
        """Whether a bus arriving now has to wait for a berth (the stop is full, or buses are waiting)."""
        return bool(self.waiting) or self._berth_free(self.env.now) < 0

    def _berth_free(self, now: float) -> int:
        """The berth a bus arriving now can take, or -1 if it must wait."""
        free_at = self.free_at_s
        if self.passing_lane:
            for berth, at in enumerate(free_at):
                if at <= now:
                    return berth
            return -1
        for berth in range(len(free_at) - 1, -1, -1):  # the rearmost bus standing there
            if free_at[berth] > now:
                return berth + 1 if berth + 1 < len(free_at) else -1
        return 0

    def _wake_when_free(self, berth: int) -> None:
        """Have the waiting buses woken when ``berth`` is free again (once per time it frees)."""
        at = self.free_at_s[berth]
        if at != self.woken_at_s[berth] and self.env.now < at < math.inf:
            self.woken_at_s[berth] = at
            self.env.timeout(at - self.env.now).callbacks.append(self._wake)

    def _wake(self, _event: simpy.Event | None = None) -> None:
        """A berth came free: let in the waiting buses that can now enter, in order."""
        now = self.env.now
        while self.waiting:
            berth = self._berth_free(now)
            if berth < 0:
                return
            self.free_at_s[berth] = math.inf  # held for the bus being let in
            self.waiting.popleft().succeed(berth)

    def visit(self, dwell_s: Callable[[], float]) -> Generator[simpy.Event, object, Visit]:
        """SimPy process body for one bus: queue for a berth, open the doors, fix the departure.

        Returns when the doors open; the bus leaves at ``Visit.depart_s``, which is known then
        (the end of its dwell, or later if a bus in front of it in a linear stop leaves later),
        so the caller waits for it together with its next run (one event instead of two).

        Parameters
        ----------
        dwell_s
            Called when the bus gets its berth (the doors open); returns the dwell time (s).
        """
        env = self.env
        berth = -1 if self.waiting else self._berth_free(env.now)
        if berth < 0:
            entry = env.event()
            self.waiting.append(entry)
            for taken in range(len(self.free_at_s)):
                self._wake_when_free(taken)
            berth = int((yield entry))
        now = env.now
        dwell = dwell_s()
        depart = now + dwell
        if not self.passing_lane and berth > 0:
            ahead = [left for left, free_at in zip(self.depart_s[:berth], self.free_at_s[:berth], strict=True) if free_at > now]
            if ahead:
                depart = max(depart, max(ahead) + self.follow_s)
        self.depart_s[berth] = depart
        self.free_at_s[berth] = depart + self.clearance_s
        if self.waiting:
            self._wake_when_free(berth)
        return Visit(berth_s=now, dwell_s=dwell, depart_s=depart, berth=berth)
