"""Dwell time at a station: doors, the slowest door channel's flows, crowding.

``dwell = door_open_close + max over channels (alighters * alighting_s + boarders * boarding_s)``

Passengers spread evenly over the door channels, so the slowest channel serves the rounded-up
share: ``ceil(A / c)`` alighters then ``ceil(B / c)`` boarders (alighting first, through the same
door). Each boarder takes ``crowding_penalty_s`` longer once the bus has standees (load above the
seats after alighting).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Dwell-time parameters in seconds (see the module docstring for the formula)."""

    door_open_close_s: float
    alighting_s: float
    boarding_s: float
    crowding_penalty_s: float

    def dwell_s(self, alighting_pax: int, boarding_pax: int, door_channels: int, standees: bool) -> float:
        """Dwell time of one stop (seconds).

        Parameters
        ----------
        alighting_pax, boarding_pax
            Passengers leaving and entering the bus.
        door_channels
            Door channels on the platform side.
        standees
            Whether passengers stand once the alighters have left.
        """
        per_channel_a = -(-alighting_pax // door_channels)
        per_channel_b = -(-boarding_pax // door_channels)
        boarding_s = self.boarding_s + (self.crowding_penalty_s if standees else 0.0)
        return self.door_open_close_s + per_channel_a * self.alighting_s + per_channel_b * boarding_s


def dwell_model(spec: Dwell) -> DwellModel:
    """The scenario's dwell model: the documented defaults with its set fields applied."""
    return DwellModel(
        door_open_close_s=_pick(spec.door_open_close_s, DEFAULTS["door_open_close_s"]),
        alighting_s=_pick(spec.alighting_s, DEFAULTS["alighting_s"]),
        boarding_s=_pick(spec.boarding_s, BOARDING_S[spec.fare_collection]),
        crowding_penalty_s=_pick(spec.crowding_penalty_s, DEFAULTS["crowding_penalty_s"]),
    )


def _pick(value: float | None, default: float) -> float:
    return default if value is None else value
