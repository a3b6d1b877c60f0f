"""The passenger core: alighting and first-come boarding at one stop event.

Passengers live in arrays sorted by queue (``direction * n_stations + origin``) and then by
arrival time; ``queue_head[q]`` is the first passenger of queue ``q`` who may still be waiting and
``queue_end[q]`` one past its last. ``board_trip`` is -1 until a passenger boards. Passengers on a
bus are counted by destination in ``onboard[trip, station]``.

Boarding is first come, first served among the passengers present when the doors open whose
destination the bus serves, up to the bus's capacity; then, by the door-closing rule of
:mod:`corridor_sim.engine.dwell`, those who reach the platform before the doors start to close.
Every passenger left behind by a full bus counts one denied boarding.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def dwell_time_s(alighting_pax: int, boarding_pax: int, standees: bool, params: np.ndarray) -> float:
    """Dwell of one stop (s), by :mod:`corridor_sim.engine.dwell`'s formula.

    ``params``: door open and close, per alighter, per boarder, crowding penalty (s), boarding
    channels, alighting channels, and 1 where the two streams use separate doors at once.
    """
    door_s, alight_s, board_s, crowd_s = params[0], params[1], params[2], params[3]
    board_ch, alight_ch = int(params[4]), int(params[5])
    alighting = -(-alighting_pax // alight_ch) * alight_s
    boarding = -(-boarding_pax // board_ch) * (board_s + (crowd_s if standees else 0.0))
    if params[6] > 0.0:
        return door_s + max(alighting, boarding)
    return door_s + alighting + boarding


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
    seats: int,
    dwell_params: np.ndarray,
) -> tuple[int, int, int, int, float, float]:
    """Alight the bus's passengers for ``station``, board the waiting ones, then the late ones; the dwell.

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
    seats
        The bus's seats (boarders beyond them are slower).
    dwell_params
        As for :func:`dwell_time_s`.

    Returns
    -------
    alighted, boarded, denied, load_pax : int
        Passengers who left, who boarded (late boarders included), who were left behind, and the
        load on departure.
    dwell_s : float
        Doors open to doors closed (s).
    last_call_s : float
        When the doors began to close to new passengers (clock s).
    """
    alighted = onboard[trip, station]
    onboard[trip, station] = 0
    load = load_pax - alighted
    boarded = 0
    denied = 0
    k = queue_head[queue]
    end = queue_end[queue]
    prefix = True
    half_door_s = 0.5 * dwell_params[0]
    closing_s = last_call_s = now_s  # the present crowd first, then whoever arrives before the doors start to close
    for late in range(2):
        while k < end and arrive_s[k] <= last_call_s:
            if board_trip[k] < 0 and serves[destination[k]]:
                if load < capacity_pax:
                    board_trip[k] = trip
                    board_s[k] = max(arrive_s[k], now_s)
                    onboard[trip, destination[k]] += 1
                    load += 1
                    boarded += 1
                    if late == 1:  # holds the doors one boarding time from arrival
                        per_s = dwell_params[2] + (dwell_params[3] if load > seats else 0.0)
                        closing_s = max(closing_s, arrive_s[k] + per_s)
                else:
                    left_behind[k] += 1
                    denied += 1
            if prefix and board_trip[k] >= 0:
                queue_head[queue] = k + 1
            else:
                prefix = False
            k += 1
        if late == 0:
            last_call_s = closing_s = now_s + dwell_time_s(alighted, boarded, load > seats, dwell_params) - half_door_s
    return alighted, boarded, denied, load, closing_s + half_door_s - now_s, last_call_s
