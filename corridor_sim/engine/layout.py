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
    """

    station_m: np.ndarray
    bounds_m: np.ndarray
    speed_ms: np.ndarray
    signal_m: np.ndarray
    cycle_s: np.ndarray
    green_s: np.ndarray
    offset_s: np.ndarray


def direction_layouts(
    corridor: Corridor, speed_ms: np.ndarray, rng: np.random.Generator
) -> tuple[DirectionLayout, DirectionLayout]:
    """Both directions' layouts.

    Parameters
    ----------
    corridor
        The corridor.
    speed_ms
        Cruise speed per traffic bin and segment, direction 0 order (m/s).
    rng
        Draws each signal's offset, uniform over its cycle (signals are not coordinated; both
        directions of a junction share the offset).
    """
    chain = corridor.station_chainage_m - corridor.station_chainage_m[0]
    total = chain[-1]
    seg = np.clip(np.searchsorted(corridor.station_chainage_m, corridor.signal_m, side="right") - 1, 0, corridor.n_segments - 1)
    signal_m = corridor.signal_m - corridor.station_chainage_m[0]
    cycle = corridor.signal_cycle_s[seg].astype(float)
    green = cycle * corridor.green_share[seg]
    offset = rng.random(len(signal_m)) * cycle
    forward = DirectionLayout(
        station_m=chain,
        bounds_m=chain.copy(),
        speed_ms=np.ascontiguousarray(speed_ms),
        signal_m=np.ascontiguousarray(signal_m),
        cycle_s=cycle,
        green_s=green,
        offset_s=offset,
    )
    backward = DirectionLayout(
        station_m=total - chain,
        bounds_m=(total - chain)[::-1].copy(),
        speed_ms=np.ascontiguousarray(speed_ms[:, ::-1]),
        signal_m=np.ascontiguousarray((total - signal_m)[::-1]),
        cycle_s=cycle[::-1].copy(),
        green_s=green[::-1].copy(),
        offset_s=offset[::-1].copy(),
    )
    return forward, backward
