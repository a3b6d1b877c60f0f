"""The corridor as each direction of travel sees it: chainages, segment speeds and signals.

Direction 0 runs in the stations' order, direction 1 against it, on the same segments (one
alignment for both directions: right for a median busway, an approximation where the two
carriageways part). Chainage in direction 1 is measured from the last station.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corridor_sim.corridor import Corridor


@dataclass(frozen=True)
class DirectionLayout:
    """One direction of travel.

    Attributes
    ----------
    station_m
        Chainage of each station (indexed by station, running order of direction 0) in this
        direction (m).
    bounds_m
        Segment bounds in this direction's order (m, n_segments + 1).
    speed_ms
        Cruise speed per traffic bin and segment in this direction's order (m/s).
    signal_m, cycle_s, green_s, offset_s
        Signals in this direction's order: chainage (m), cycle, green and offset (s).
    signal_in_traffic
        (bins, signals): the bus meets the signal inside general traffic, whose speed holds its delay.
    """

    station_m: np.ndarray
    bounds_m: np.ndarray
    speed_ms: np.ndarray
    signal_m: np.ndarray
    cycle_s: np.ndarray
    green_s: np.ndarray
    offset_s: np.ndarray
    signal_in_traffic: np.ndarray

    def bus_capacity_per_h(self, headway_s: float) -> np.ndarray:
        """Buses an hour each signal passes (:mod:`corridor_sim.kernels.motion`'s rule: one per ``headway_s``
        while a headway of green is left): ``3600 / C x (floor((g - h) / h) + 1)``."""
        per_cycle = np.floor((self.green_s - headway_s) / headway_s + 1e-9) + 1.0
        return 3600.0 / self.cycle_s * np.maximum(per_cycle, 0.0)

    def signals(self) -> dict[str, np.ndarray]:
        """The signals as :func:`direction_signals` gives them: ``signal_m``, ``cycle_s``, ``green_s``, ``offset_s``."""
        return {"signal_m": self.signal_m, "cycle_s": self.cycle_s, "green_s": self.green_s, "offset_s": self.offset_s}


def direction_signals(corridor: Corridor, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Both directions' signals in their order: ``signal_m``, ``cycle_s``, ``green_s``, ``offset_s``.

    Each signal's offset is drawn uniform over its cycle (signals are not coordinated; both
    directions of a junction share the offset); buses and general traffic see the same signals.
    """
    chain = corridor.station_chainage_m - corridor.station_chainage_m[0]
    total = chain[-1]
    seg = np.clip(np.searchsorted(corridor.station_chainage_m, corridor.signal_m, side="right") - 1, 0, corridor.n_segments - 1)
    signal_m = corridor.signal_m - corridor.station_chainage_m[0]
    cycle = corridor.signal_cycle_s[seg].astype(float)
    green = cycle * corridor.green_share[seg]
    offset = rng.random(len(signal_m)) * cycle
    forward = {"signal_m": np.ascontiguousarray(signal_m), "cycle_s": cycle, "green_s": green, "offset_s": offset}
    backward = {
        "signal_m": np.ascontiguousarray((total - signal_m)[::-1]),
        "cycle_s": cycle[::-1].copy(),
        "green_s": green[::-1].copy(),
        "offset_s": offset[::-1].copy(),
    }
    return forward, backward


def direction_layouts(
    corridor: Corridor,
    signals: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
    speed_ms: tuple[np.ndarray, np.ndarray],
    in_traffic: tuple[np.ndarray, np.ndarray],
) -> tuple[DirectionLayout, DirectionLayout]:
    """Both directions' layouts.

    Parameters
    ----------
    corridor
        The corridor.
    signals
        Per direction, from :func:`direction_signals`.
    speed_ms
        Per direction, cruise speed per traffic bin and segment in that direction's order (m/s).
    in_traffic
        Per direction, (bins, signals): signals met inside general traffic.
    """
    chain = corridor.station_chainage_m - corridor.station_chainage_m[0]
    total = chain[-1]
    forward = DirectionLayout(
        station_m=chain, bounds_m=chain.copy(), speed_ms=speed_ms[0], **signals[0], signal_in_traffic=in_traffic[0]
    )
    backward = DirectionLayout(
        station_m=total - chain,
        bounds_m=(total - chain)[::-1].copy(),
        speed_ms=speed_ms[1],
        **signals[1],
        signal_in_traffic=in_traffic[1],
    )
    return forward, backward
