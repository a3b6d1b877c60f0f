"""Stops on demand: where a bus that stops only when needed stops next, and whether it is hailed.

A bus of an on-demand service (today's minibuses) stops at a station of its pattern only if a
passenger on board alights there, or a passenger waiting there for a station it serves hails it
and it has room; its last stop always. Elsewhere it runs through: no deceleration, no dwell, no
start from rest. A run from one stop it makes to the next is one leg: a start, cruise and signals
as in :func:`~corridor_sim.kernels.motion.leg_run_time_s`, a stop at its end, and at each station
passed between the traffic read again (the speeds and signals of the bin it is in when it gets
there, as it would read them leaving that station had it stopped), so a long run through a
growing queue is not run at the speed of the queue's start. :func:`leg_profiles_on_demand` replays
such legs the same way for the emissions, the service levels and the kerb lanes.

Passengers are drawn before the run and only ever leave a queue (by boarding), so from the moment
the bus leaves a stop it is known where it *might* stop: at the first station ahead where
someone on board alights (then it surely stops), or where a passenger for it has reached the
platform by the time the bus gets there and has not boarded yet (:func:`next_stop`). Only at
such a station does the engine take the decision, when the bus gets there, from the queue as it
is then (:func:`hailed`): another bus may have taken those passengers meanwhile, and a full bus
passes them by (each counts a denied boarding). The stations between are passed without looking.
Each queue's passengers are chained by destination (:func:`destination_chains`), so a look costs
one step per station the bus serves beyond, not one per passenger waiting for other buses.

The bus gets to a station at ``pass_s`` (running through at cruise) and, if it stops, is at rest
there at ``arrive_s``: ``pass_s`` plus the braking loss ``v / (2 b)``, or the short-leg time of
:mod:`corridor_sim.kernels.motion` from its last start when the two stops are too close to reach
cruise speed. It decides at the earlier of the two.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from corridor_sim.kernels.motion import _free_time_s, _segment_at, _speed_at, profile_rows, put_profile_rows, run_through
from corridor_sim.kernels.on_demand_queues import waiting_in_range


@njit(cache=True)
def destination_chains(
    destination: np.ndarray, queue_start: np.ndarray, queue_end: np.ndarray, n_stations: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each queue's passengers chained by destination, so a bus finds those bound for its stations at once.

    Parameters
    ----------
    destination, queue_start, queue_end
        As for :func:`~corridor_sim.kernels.passengers.serve_stop` (passengers sorted by queue, then arrival).
    n_stations
        Stations of the corridor.

    Returns
    -------
    head : numpy.ndarray
        Per queue and destination (``queue * n_stations + destination``), its first passenger
        (index; -1: none). The waiting-passenger kernels move it past those who boarded.
    next_same : numpy.ndarray
        Per passenger, the next one of the same queue and destination (-1: none).
    """
    head = np.full(len(queue_start) * n_stations, -1, dtype=np.int64)
    next_same = np.full(len(destination), -1, dtype=np.int64)
    for q in range(len(queue_start)):
        for k in range(queue_end[q] - 1, queue_start[q] - 1, -1):
            slot = q * n_stations + destination[k]
            next_same[k] = head[slot]
            head[slot] = k
    return head, next_same


@njit(cache=True)
def _first_waiting(
    now_s: float,
    queue: int,
    bound_for: np.ndarray,
    n_stations: int,
    head: np.ndarray,
    next_same: np.ndarray,
    arrive_s: np.ndarray,
    board_trip: np.ndarray,
) -> int:
    """The earliest passenger of ``queue`` on the platform at ``now_s``, not boarded, bound for one of
    ``bound_for`` (index), or -1. Moves ``head`` past those who boarded."""
    for d in bound_for:
        slot = queue * n_stations + d
        h = head[slot]
        while h >= 0 and board_trip[h] >= 0:
            h = next_same[h]
        head[slot] = h
        if h >= 0 and arrive_s[h] <= now_s:
            return h
    return -1


@njit(cache=True)
def _bin(t_s: float, bin_s: float, n_bins: int) -> int:
    """The traffic bin of clock time ``t_s`` (as :func:`corridor_sim.engine.traffic.time_bin`)."""
    return min(int(t_s // bin_s), n_bins - 1)


@njit(cache=True)
def _at_rest_s(
    pass_s: float,
    at_m: float,
    origin_s: float,
    origin_m: float,
    signal_stops: int,
    reach_m: float,
    bounds_m: np.ndarray,
    speed_ms: np.ndarray,
    accel_ms2: float,
    decel_ms2: float,
) -> float:
    """When a bus passing ``at_m`` at ``pass_s`` would be at rest there had it braked for it (clock s): the braking
    loss, or the short-leg time from its last start (``origin_s`` at ``origin_m``) if it never reached cruise
    (``reach_m``: the distance it needs) and no signal stopped it."""
    d = at_m - origin_m
    if signal_stops == 0 and d < reach_m:  # never reaches cruise: as leg_run_time_s
        return origin_s + np.sqrt(2.0 * d * (accel_ms2 + decel_ms2) / (accel_ms2 * decel_ms2))
    return pass_s + _speed_at(max(at_m - 1e-6, origin_m), bounds_m, speed_ms) / (2.0 * decel_ms2)


@njit(cache=True)
def next_stop(
    t_s: float,
    x_m: float,
    from_rest: bool,
    origin_s: float,
    origin_m: float,
    signal_stops: int,
    first: int,
    stop_m: np.ndarray,
    stop_station: np.ndarray,
    stop_queue: np.ndarray,
    bounds_m: np.ndarray,
    speed_ms: np.ndarray,
    bin_s: float,
    accel_ms2: float,
    decel_ms2: float,
    signal_m: np.ndarray,
    cycle_s: np.ndarray,
    green_s: np.ndarray,
    offset_s: np.ndarray,
    green_extension_s: float,
    in_traffic: np.ndarray,
    signal_free_s: np.ndarray,
    headway_s: float,
    trip: int,
    n_stations: int,
    head: np.ndarray,
    next_same: np.ndarray,
    arrive_s: np.ndarray,
    board_trip: np.ndarray,
    onboard: np.ndarray,
    waiting: np.ndarray | None = None,
) -> tuple[int, float, float, int, bool]:
    """Run a bus on from ``x_m`` to the first station ahead where it may stop.

    Parameters
    ----------
    t_s, x_m
        Where the bus is (m along its direction) and when (clock s): leaving a stop, or passing one.
    from_rest
        Whether it starts from rest there (it leaves a stop; else it passes at cruise).
    origin_s, origin_m, signal_stops
        When and where it last left a stop, and the signals that have stopped it since.
    first
        The next station of its pattern (index into ``stop_m``).
    stop_m, stop_station, stop_queue
        Its pattern in running order: chainage in this direction (m), station and platform queue.
    bounds_m
        Segment bounds in this direction (m, n + 1).
    speed_ms, in_traffic
        Per traffic bin: cruise speed per segment (m/s, bins x n) and whether each signal is met
        inside general traffic (bins x signals), as :func:`~corridor_sim.kernels.motion.leg_run_time_s`
        takes one bin's. The bus reads them for the bin it is in when it leaves and again at each
        station it passes (as it would, stopping there).
    bin_s
        Width of a traffic bin (s).
    accel_ms2, decel_ms2, signal_m, cycle_s, green_s, offset_s, green_extension_s, signal_free_s, headway_s
        As for :func:`~corridor_sim.kernels.motion.leg_run_time_s` (the stop lines it crosses on the
        way are booked).
    trip
        The bus's trip.
    n_stations, head, next_same
        Stations of the corridor, and the queues' :func:`destination_chains` (``head`` is moved on
        past passengers who boarded).
    arrive_s, board_trip, onboard
        As for :func:`~corridor_sim.kernels.passengers.serve_stop` (read only).
    waiting
        Per queue, the segment tree of when the first passenger still waiting for each destination
        reached the platform (:func:`~corridor_sim.kernels.on_demand_queues.waiting_tree`), kept by
        the compiled day for a pattern of consecutive stations: then whether someone waits is read
        from it (the stations beyond are a range), not from the chains.

    Returns
    -------
    stop : int
        The station where it may stop (index into ``stop_m``).
    pass_s, arrive_s : float
        When it gets there running through, and when it is at rest there if it stops (clock s).
    signal_stops : int
        Signals that have stopped it since ``origin_s``.
    sure : bool
        Whether it stops there for certain (a passenger alights, or the last station); else it
        decides there (:func:`hailed`).
    """
    no_split = np.empty(0)
    n_bins = speed_ms.shape[0]
    b = _bin(t_s, bin_s, n_bins)
    speed, traffic = speed_ms[b], in_traffic[b]
    t = t_s
    if from_rest:
        t += _speed_at(x_m, bounds_m, speed) / (2.0 * accel_ms2)
    x = x_m
    s = np.searchsorted(signal_m, x_m, side="left")
    last = len(stop_m) - 1
    v0 = _speed_at(origin_m, bounds_m, speed_ms[_bin(origin_s, bin_s, n_bins)])
    reach_m = v0 * v0 / (2.0 * accel_ms2) + v0 * v0 / (2.0 * decel_ms2)
    for k in range(first, last + 1):
        to_m = stop_m[k]
        if s < len(signal_m) and signal_m[s] < to_m:
            t, s, held = run_through(
                t, x, to_m, s, bounds_m, speed, accel_ms2, decel_ms2, signal_m, cycle_s, green_s, offset_s, green_extension_s,
                traffic, no_split, no_split, no_split, signal_free_s, headway_s,
            )  # fmt: skip
            signal_stops += held
        else:  # no signal on the way: run_through would only cruise (fewer arrays passed, in the loop that runs most)
            t += _free_time_s(x, to_m, bounds_m, speed, no_split)
        x = to_m
        sure = k == last or onboard[trip, stop_station[k]] > 0
        if sure:
            hailed = False
        elif waiting is not None:
            hailed = waiting_in_range(waiting, stop_queue[k], stop_station[k + 1], stop_station[last], t)
        else:
            hailed = (
                _first_waiting(t, stop_queue[k], stop_station[k + 1 :], n_stations, head, next_same, arrive_s, board_trip) >= 0
            )
        if sure or hailed:
            at_rest = _at_rest_s(t, to_m, origin_s, origin_m, signal_stops, reach_m, bounds_m, speed, accel_ms2, decel_ms2)
            return k, t, at_rest, signal_stops, sure
        now_bin = _bin(t, bin_s, n_bins)  # passing the station: the traffic as it is now
        if now_bin != b:
            b = now_bin
            speed, traffic = speed_ms[b], in_traffic[b]
    return last, t, t, signal_stops, True  # not reached: the last station returns above


@njit(cache=True, nogil=True)  # nogil: the minibus run is evaluated in a thread (corridor_sim.evaluation)
def leg_profiles_on_demand(
    depart_s: np.ndarray,
    from_m: np.ndarray,
    to_m: np.ndarray,
    via_start: np.ndarray,
    via_m: np.ndarray,
    bounds_m: np.ndarray,
    speed_ms: np.ndarray,
    bin_s: float,
    accel_ms2: float,
    decel_ms2: float,
    signal_m: np.ndarray,
    cycle_s: np.ndarray,
    green_s: np.ndarray,
    offset_s: np.ndarray,
    green_extension_s: float,
    in_traffic: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Replay legs of buses that stop on demand, as :func:`next_stop` ran them, split by segment.

    As :func:`~corridor_sim.kernels.motion.leg_profiles`, but each leg passes stations of its
    pattern without stopping (``via_m[via_start[i]:via_start[i + 1]]``, ascending, in this
    direction's chainage) and reads the traffic bin again at each of them. Returns the same
    columns; a row's ``speed_ms`` is that of the bin the bus entered the segment in.
    """
    n = len(bounds_m) - 1
    n_bins = speed_ms.shape[0]
    rows = profile_rows(from_m, to_m, bounds_m)
    leg_moving = np.zeros(n)
    leg_red = np.zeros(n)
    leg_starts = np.zeros(n)
    seg_speed = np.zeros(n)
    no_queue = np.empty(0)
    row = 0
    for i in range(len(depart_s)):
        leg_moving[:] = 0.0
        leg_red[:] = 0.0
        leg_starts[:] = 0.0
        a, z = from_m[i], to_m[i]
        b = _bin(depart_s[i], bin_s, n_bins)
        speed, traffic = speed_ms[b], in_traffic[b]
        v0 = _speed_at(a, bounds_m, speed)
        t = depart_s[i] + v0 / (2.0 * accel_ms2)
        leg_moving[_segment_at(a, bounds_m, n)] += v0 / (2.0 * accel_ms2)
        leg_starts[_segment_at(a, bounds_m, n)] += 1.0
        x = a
        s = np.searchsorted(signal_m, a, side="left")
        stops = 0
        for v in range(via_start[i], via_start[i + 1] + 1):
            p = via_m[v] if v < via_start[i + 1] else z
            for k in range(_segment_at(x, bounds_m, n), _segment_at(max(p - 1e-6, x), bounds_m, n) + 1):
                seg_speed[k] = speed[k]
            if s < len(signal_m) and signal_m[s] < p:
                t, s, held = run_through(
                    t, x, p, s, bounds_m, speed, accel_ms2, decel_ms2, signal_m, cycle_s, green_s, offset_s, green_extension_s,
                    traffic, leg_moving, leg_red, leg_starts, no_queue, 0.0,
                )  # fmt: skip
                stops += held
            else:  # no signal on the way: as next_stop, only the cruise
                t += _free_time_s(x, p, bounds_m, speed, leg_moving)
            x = p
            if v < via_start[i + 1]:
                now_bin = _bin(t, bin_s, n_bins)
                if now_bin != b:
                    b = now_bin
                    speed, traffic = speed_ms[b], in_traffic[b]
        end = max(z - 1e-6, a)
        leg_moving[_segment_at(end, bounds_m, n)] += _speed_at(end, bounds_m, speed) / (2.0 * decel_ms2)
        d = z - a
        if stops == 0 and d < v0 * v0 / (2.0 * accel_ms2) + v0 * v0 / (2.0 * decel_ms2):  # never reaches cruise
            short = np.sqrt(2.0 * d * (accel_ms2 + decel_ms2) / (accel_ms2 * decel_ms2))
            leg_moving[:] = 0.0
            for k in range(n):
                overlap = min(bounds_m[k + 1], z) - max(bounds_m[k], a)
                if overlap > 0.0:
                    leg_moving[k] = short * overlap / d
        row = put_profile_rows(rows, row, i, a, z, bounds_m, seg_speed, accel_ms2, decel_ms2, leg_moving, leg_red, leg_starts)
    return rows


@njit(cache=True)
def hailed(
    now_s: float,
    queue: int,
    station: int,
    bound_for: np.ndarray,
    trip: int,
    capacity_pax: int,
    load_pax: int,
    n_stations: int,
    head: np.ndarray,
    next_same: np.ndarray,
    arrive_s: np.ndarray,
    board_trip: np.ndarray,
    left_behind: np.ndarray,
    onboard: np.ndarray,
) -> int:
    """Whether a bus reaching a station at ``now_s`` stops there; the passengers it passes by if not.

    It stops if a passenger on board alights there, or one waiting there for a station it serves
    hails it and it has room. A full bus passes those waiting for it: each is left behind once
    (``left_behind`` is updated in place).

    Parameters
    ----------
    now_s
        When the bus gets there (clock s).
    queue, station
        The platform's queue and its station.
    bound_for
        The stations the bus serves after this one.
    trip, capacity_pax, load_pax
        The bus's trip, capacity and load.
    n_stations, head, next_same
        As for :func:`next_stop`.
    arrive_s, board_trip, left_behind, onboard
        As for :func:`~corridor_sim.kernels.passengers.serve_stop`.

    Returns
    -------
    int
        -1 if it stops, else the passengers it passed by (0: nobody was waiting for it any more).
    """
    if onboard[trip, station] > 0:
        return -1
    if _first_waiting(now_s, queue, bound_for, n_stations, head, next_same, arrive_s, board_trip) < 0:
        return 0
    if load_pax < capacity_pax:
        return -1
    passed = 0
    for d in bound_for:
        h = head[queue * n_stations + d]
        while h >= 0 and arrive_s[h] <= now_s:
            if board_trip[h] < 0:
                left_behind[h] += 1
                passed += 1
            h = next_same[h]
    return passed
