"""Dwell time at a station: doors, boarding and alighting by door channel, crowding, late boarders.

Fare collection decides the doors. **Off-board** (pre-paid at the platform): every door channel
is for both, alighting first, then boarding through the same doors::

    dwell = door_open_close + ceil(A / c) * alighting_s + ceil(B / c) * boarding_s

**On-board** (paid to the driver): boarding through the front door only, one channel, while
passengers alight by the others at the same time (TCQSM's separate-door case)::

    dwell = door_open_close + max(ceil(A / c_a) * alighting_s, B * boarding_s)

Passengers spread evenly over their channels, so the slowest serves the rounded-up share. Each
boarder takes ``crowding_penalty_s`` longer once the bus has standees.

**Door-closing rule**: the *last call* is half the door time before the dwell of the passengers
present at the doors' opening ends. A passenger who reaches the platform by then boards (if the
bus has room and serves the destination) on arrival (the rule takes a channel to be free for
them: the crowd's boarding is nearly done by the last call), and the
doors close half the door time after the later of the last call and the last such boarder's
boarding (arrival plus one boarding time). Late boarders add at most one boarding time, so a
steady stream of arrivals cannot hold a bus. The kernel
(:func:`corridor_sim.kernels.passengers.serve_stop`) applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corridor_sim.kernels.passengers import dwell_time_s
from corridor_sim.scenario import Dwell

#: Seconds per boarder per door channel by fare collection. Off-board (pre-paid, level platform):
#: TCQSM 3rd ed. Exhibit 6-4 pre-payment 2.25-2.75 s, midpoint 2.5 ([L], recalled). On-board
#: smart card: 3.5 s (SimMobility dwell model [M]; TCQSM smart card 3.0-3.7 s [L]).
BOARDING_S = {"off_board": 2.5, "on_board": 3.5}

#: Other defaults. Alighting 1.8 s per passenger and channel (TCQSM linear model as implemented in
#: rustsim-transit [M]); door opening and closing 3.5 s (SimMobility [M]); crowding penalty
#: 0.5 s per boarder when standees are present (TCQSM 3rd ed. ch. 6 [L]).
DEFAULTS = {"door_open_close_s": 3.5, "alighting_s": 1.8, "crowding_penalty_s": 0.5}


@dataclass(frozen=True)
class DwellModel:
    """Dwell-time parameters (see the module docstring for the formula).

    Attributes
    ----------
    door_open_close_s, alighting_s, boarding_s, crowding_penalty_s
        Seconds: doors, per alighter and per boarder on a channel, extra per boarder with standees.
    boarding_channels, alighting_channels
        Door channels for each stream.
    concurrent
        Whether the two streams use separate doors at the same time (on-board fares).
    """

    door_open_close_s: float
    alighting_s: float
    boarding_s: float
    crowding_penalty_s: float
    boarding_channels: int
    alighting_channels: int
    concurrent: bool

    @property
    def params(self) -> np.ndarray:
        """The parameters as the kernels take them (:func:`~corridor_sim.kernels.passengers.dwell_time_s`)."""
        return np.array([
            self.door_open_close_s, self.alighting_s, self.boarding_s, self.crowding_penalty_s,
            self.boarding_channels, self.alighting_channels, float(self.concurrent),
        ])  # fmt: skip

    def dwell_s(self, alighting_pax: int, boarding_pax: int, standees: bool) -> float:
        """Dwell time of one stop with no late boarders (s).

        Parameters
        ----------
        alighting_pax, boarding_pax
            Passengers leaving and entering the bus.
        standees
            Whether passengers stand once the alighters have left.
        """
        return dwell_time_s(alighting_pax, boarding_pax, standees, self.params)


def dwell_model(spec: Dwell, door_channels: int, boarding_channels: int | None, alighting_channels: int | None) -> DwellModel:
    """A bus type's dwell model: the documented defaults with the scenario's set fields applied.

    Parameters
    ----------
    spec
        The scenario's ``[dwell]``.
    door_channels
        The bus's door channels on the platform side.
    boarding_channels, alighting_channels
        The vehicle's set door streams (``None``: all doors with off-board fares; with on-board
        fares the front door for boarding and the others for alighting).
    """
    on_board = spec.fare_collection == "on_board"
    return DwellModel(
        door_open_close_s=_pick(spec.door_open_close_s, DEFAULTS["door_open_close_s"]),
        alighting_s=_pick(spec.alighting_s, DEFAULTS["alighting_s"]),
        boarding_s=_pick(spec.boarding_s, BOARDING_S[spec.fare_collection]),
        crowding_penalty_s=_pick(spec.crowding_penalty_s, DEFAULTS["crowding_penalty_s"]),
        boarding_channels=_pick(boarding_channels, 1 if on_board else door_channels),
        alighting_channels=_pick(alighting_channels, max(door_channels - 1, 1) if on_board else door_channels),
        concurrent=on_board and door_channels > 1,
    )


def _pick(value: float | int | None, default: float | int) -> float | int:
    return default if value is None else value
