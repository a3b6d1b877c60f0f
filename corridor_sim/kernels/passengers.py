"""The passenger core: alighting and first-come boarding at one stop event.

Passengers live in arrays sorted by queue (``direction * n_stations + origin``) and then by
arrival time; ``queue_head[q]`` is the first passenger of queue ``q`` who may still be waiting and
``queue_end[q]`` one past its last. ``board_trip`` is -1 until a passenger boards. Passengers on a
bus are counted by destination in ``onboard[trip, station]``.

Boarding is first come, first served among the passengers present when the doors open whose
destination the bus serves, up to the bus's capacity; every passenger left behind by a full bus
counts one denied boarding.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def serve_stop(
    now_s: float,
    queue: int,
    station: int,
    trip: int,
    capacity_pax: int,
    load_pax: int,
    serves: np.ndarray,
    arrive_s: np.ndarray,
    destination: np.ndarray,
    queue_head: np.ndarray,
    queue_end: np.ndarray,
    board_s: np.ndarray,
    board_trip: np.ndarray,
    left_behind: np.ndarray,
    onboard: np.ndarray,
) -> tuple[int, int, int, int]:
    """Alight the bus's passengers for ``station``, then board the waiting ones.

    Parameters
    ----------
    now_s
        Time the doors open (s).
    queue, station, trip
        The platform's queue, the station and the bus trip.
    capacity_pax, load_pax
        The bus's capacity and its load on arrival.
    serves
        Whether the trip stops at each station (bool, n_stations).
    arrive_s, destination, board_s, board_trip, left_behind
        Per passenger: arrival at the platform, destination, boarding time, boarded trip (-1: not
        yet) and times left behind by a full bus; updated in place.
    queue_head, queue_end
        Queue bounds in the passenger arrays; ``queue_head`` is advanced in place.
    onboard
        Passengers per trip and destination (n_trips, n_stations); updated in place.

    Returns
    -------
    alighted, boarded, denied, load_pax : int
        Passengers who left, who boarded, who were left behind, and the load on departure.
    """
    alighted = onboard[trip, station]
    onboard[trip, station] = 0
    load = load_pax - alighted
    boarded = 0
    denied = 0
    k = queue_head[queue]
    end = queue_end[queue]
    prefix = True
    while k < end and arrive_s[k] <= now_s:
        if board_trip[k] < 0 and serves[destination[k]]:
            if load < capacity_pax:
                board_trip[k] = trip
                board_s[k] = now_s
                onboard[trip, destination[k]] += 1
                load += 1
                boarded += 1
            else:
                left_behind[k] += 1
                denied += 1
        if prefix and board_trip[k] >= 0:
            queue_head[queue] = k + 1
        else:
            prefix = False
        k += 1
    return alighted, boarded, denied, load
