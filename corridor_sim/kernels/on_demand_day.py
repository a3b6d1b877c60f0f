"""A day of buses that stop on demand as one compiled event loop, equal event for event to the SimPy engine.

:class:`~corridor_sim.engine.simulation.Simulation` runs today's minibuses (every service stops
on demand, one fleet, platforms with a passing lane) through SimPy at about 12 us of Python per
event. :func:`run_on_demand_day` runs the same processes (dispatchers, trips, platforms, the
terminals' pools of buses) as a state machine over an event heap, calling the same kernels
(:func:`~corridor_sim.kernels.on_demand.next_stop`) or their equals on queues kept by destination
(:mod:`corridor_sim.kernels.on_demand_queues`, for :func:`~corridor_sim.kernels.passengers.serve_stop`
and :func:`~corridor_sim.kernels.on_demand.hailed`) in the same order, so its records are exactly SimPy's.

What makes the order the same: SimPy processes events by (time, priority, the order they were
scheduled in); a process starts with an urgent event, everything else is normal. Each event here
gets its time by the same float arithmetic (``now + (t - now)``, as ``env.timeout(t - env.now)``)
and a sequence number in the order SimPy would schedule it. The events no one waits for (a
process ending) are left out: they change nothing, and leaving them out keeps the order of the
others. A pool (``simpy.Store``) takes a returned bus at once but hands it to a waiting dispatcher
only when the put event is processed, and tries only the first waiting dispatcher each time, as
SimPy's does.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

from corridor_sim.kernels.on_demand import next_stop
from corridor_sim.kernels.on_demand_queues import (
    add_left_behind,
    chain_layout,
    hailed_from_chains,
    serve_from_chains,
    waiting_tree,
)

URGENT, NORMAL = 0, 1
# event kinds
_UNTIL, _DISPATCH, _GOT_BUS, _PUT, _TRIP_START, _DECIDE, _ARRIVE, _ENTRY, _WAKE, _LAST_DWELL, _LAY_UP = range(11)
#: Columns of the integer and float records of the stops (the trace's order is rebuilt from them).
STOP_INT = ("trip", "station", "direction", "alighted", "boarded", "denied", "load_pax", "signal_stops", "berth")
STOP_FLOAT = ("arrive_s", "berth_s", "depart_s", "dwell_s", "last_call_s")


@njit(cache=True)
def _grow(a: np.ndarray, rows: int) -> np.ndarray:
    """``a`` with room for at least ``rows`` rows (doubling)."""
    if rows <= a.shape[0]:
        return a
    out = np.empty((max(rows, 2 * a.shape[0]),) + a.shape[1:], dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _append(head: np.ndarray, tail: np.ndarray, nxt: np.ndarray, queue: int, item: int) -> None:
    """Put ``item`` last in the linked queue ``queue`` (``head``/``tail`` per queue, ``nxt`` per item; -1: none)."""
    if tail[queue] >= 0:
        nxt[tail[queue]] = item
    else:
        head[queue] = item
    tail[queue] = item
    nxt[item] = -1


@njit(cache=True)
def _pop(head: np.ndarray, tail: np.ndarray, nxt: np.ndarray, queue: int) -> int:
    """Take the first item of the linked queue ``queue`` (it must not be empty)."""
    item = head[queue]
    head[queue] = nxt[item]
    if head[queue] < 0:
        tail[queue] = -1
    return item


@njit(cache=True, nogil=True)  # nogil: the minibus baseline runs beside the BRT (corridor_sim.evaluation)
def run_on_demand_day(
    now: float,
    end_s: float,
    finish_trips: bool,
    n_stations: int,
    dep_start: np.ndarray,
    dep_s: np.ndarray,
    pat_start: np.ndarray,
    pat_m: np.ndarray,
    pat_station: np.ndarray,
    pat_queue: np.ndarray,
    pat_platform: np.ndarray,
    plat_berth_start: np.ndarray,
    clearance_s: float,
    layover_s: float,
    buses: int,
    capacity_pax: int,
    seats: int,
    dwell_params: np.ndarray,
    motion: tuple,
    signals: tuple,
    signal_free_s: np.ndarray,
    headway_s: float,
    chains: tuple,
    passengers: tuple,
) -> tuple:
    """Run the day: every dispatcher, trip, platform and pool, as SimPy would.

    Parameters
    ----------
    now, end_s, finish_trips
        The run's start, and its end (clock s): at ``end_s``, or once every trip has finished.
    n_stations
        Stations of the corridor.
    dep_start, dep_s
        Per dispatcher ``k = 2 * service + direction``: its departures are ``dep_s[dep_start[k]:dep_start[k + 1]]``.
    pat_start, pat_m, pat_station, pat_queue, pat_platform
        Per dispatcher, its pattern in running order (``[pat_start[k]:pat_start[k + 1]]``): chainage in
        its direction (m), station, platform queue and platform (index into ``plat_berth_start``).
    plat_berth_start
        Per platform, its berths ``[plat_berth_start[p]:plat_berth_start[p + 1]]`` (platforms with a passing lane).
    clearance_s, layover_s
        A berth's clearance, and the layover at the end of a trip (s).
    buses, capacity_pax, seats, dwell_params
        The fleet's buses, capacity, seats and dwell parameters (:func:`~corridor_sim.kernels.passengers.dwell_time_s`).
    motion
        ``(bounds_m, speed_ms, bin_s, accel_ms2, decel_ms2)``, the arrays stacked by direction.
    signals
        ``(signal_m, cycle_s, green_s, offset_s, green_extension_s, in_traffic)``, the arrays stacked by direction.
    signal_free_s
        (2, signals): when each stop line is free again (updated in place).
    headway_s
        Saturation headway at the stop lines (s).
    chains
        ``(head, next_same)`` of :func:`~corridor_sim.kernels.on_demand.destination_chains` (updated in place).
    passengers
        ``(arrive_s, destination, queue_head, queue_end, board_s, board_trip, left_behind, onboard)`` as
        :func:`~corridor_sim.kernels.passengers.serve_stop` takes them (updated in place).

    Returns
    -------
    tuple
        ``stop_int, stop_float, n_stops`` (columns :data:`STOP_INT`, :data:`STOP_FLOAT`), ``pass_int,
        pass_time, n_passes`` (trip, station, direction, passed up; time), ``trip_dispatcher, trip_bus,
        trip_scheduled, trip_dispatch, trip_end, n_trips``, the clock at the end and the buses left in the depot.
    """
    bounds_m, speed_ms, bin_s, accel, decel = motion
    signal_m, cycle_s, green_s, offset_s, green_ext, in_traffic = signals
    head, next_same = chains
    arrive_s, destination, queue_head, queue_end, board_s, board_trip, left_behind, onboard = passengers
    # the queues by destination, for boarding and passing by (kernels.on_demand_queues)
    c_start, c_members, c_arrive, c_head, c_first = chain_layout(destination, queue_head, queue_end, n_stations, arrive_s)
    c_waiting = waiting_tree(c_first, len(queue_head), n_stations)
    c_left_behind = np.zeros(len(c_members) + 1, dtype=np.int64)
    n_disp = len(dep_start) - 1
    n_plat = len(plat_berth_start) - 1
    max_trips = onboard.shape[0]

    # the heap: (time, priority, sequence, kind, who, value)
    heap = [(0.0, 0, 0, 0, 0, 0)]
    heap.pop()
    seq = 0
    # dispatchers
    d_next = dep_start[:-1].copy()
    # pools (per station): buses waiting (FIFO, linked by bus), dispatchers waiting (FIFO, linked by dispatcher)
    item_head = np.full(n_stations, -1, dtype=np.int64)
    item_tail = np.full(n_stations, -1, dtype=np.int64)
    item_next = np.full(max(buses, 1), -1, dtype=np.int64)
    get_head = np.full(n_stations, -1, dtype=np.int64)
    get_tail = np.full(n_stations, -1, dtype=np.int64)
    get_next = np.full(n_disp, -1, dtype=np.int64)
    depot = buses
    # platforms: berths, and trips waiting for one (FIFO, linked by trip)
    free_at = np.full(plat_berth_start[-1], -np.inf)
    woken_at = np.full(plat_berth_start[-1], np.nan)
    wait_head = np.full(n_plat, -1, dtype=np.int64)
    wait_tail = np.full(n_plat, -1, dtype=np.int64)
    wait_next = np.full(max_trips, -1, dtype=np.int64)
    # trips
    trip_dispatcher = np.full(max_trips, -1, dtype=np.int64)
    trip_bus = np.full(max_trips, -1, dtype=np.int64)
    trip_scheduled = np.full(max_trips, np.nan)
    trip_dispatch = np.full(max_trips, np.nan)
    trip_end = np.full(max_trips, np.nan)
    t_i = np.zeros(max_trips, dtype=np.int64)  # the stop of its pattern it is at, or making for
    t_load = np.zeros(max_trips, dtype=np.int64)
    t_signal_stops = np.zeros(max_trips, dtype=np.int64)
    t_arrive = np.zeros(max_trips)
    t_state_f = np.zeros((max_trips, 4))  # running on: from t (s), x (m); last left a stop at origin_s, origin_m
    t_pass = np.zeros(max_trips)
    t_rest = np.zeros(max_trips)
    t_from_rest = np.zeros(max_trips, dtype=np.bool_)
    t_nxt = np.zeros(max_trips, dtype=np.int64)
    n_trips = 0
    # records
    stop_int = np.empty((max(max_trips, 16), len(STOP_INT)), dtype=np.int64)
    stop_float = np.empty((max(max_trips, 16), len(STOP_FLOAT)))
    n_stops = 0
    pass_int = np.empty((16, 4), dtype=np.int64)
    pass_time = np.empty(16)
    n_passes = 0

    for k in range(n_disp):
        heapq.heappush(heap, (now, URGENT, seq, _DISPATCH, k, 0))
        seq += 1
    if not finish_trips:
        heapq.heappush(heap, (end_s, URGENT, seq, _UNTIL, 0, 0))
        seq += 1

    while heap:
        t_ev, _prio, _seq, kind, who, value = heapq.heappop(heap)
        now = t_ev
        if kind == _UNTIL:
            break
        # -- the events and their callbacks, by kind; `trip`, `k` and `run_on` say what to do after
        run_on = -1  # a trip to run on to its next decision
        arrive_trip = -1  # a trip reaching a platform
        open_trip, open_berth = -1, -1  # a trip whose doors open
        dispatch = -1  # a dispatcher to go on with
        launch_bus = -1
        if kind == _DISPATCH:
            dispatch = who
        elif kind == _GOT_BUS:
            dispatch, launch_bus = who, value
        elif kind == _PUT or kind == _LAY_UP:
            pool = who
            if kind == _LAY_UP:
                trip = value
                _append(item_head, item_tail, item_next, pool, trip_bus[trip])
                if get_head[pool] >= 0:  # someone waits: a put event, then the get
                    heapq.heappush(heap, (now, NORMAL, seq, _PUT, pool, 0))
                    seq += 1
            elif get_head[pool] >= 0 and item_head[pool] >= 0:  # the put processed: the first waiting get tries
                g = _pop(get_head, get_tail, get_next, pool)
                bus = _pop(item_head, item_tail, item_next, pool)
                heapq.heappush(heap, (now, NORMAL, seq, _GOT_BUS, g, bus))
                seq += 1
        elif kind == _TRIP_START:
            t_i[who] = 0
            t_load[who] = 0
            t_signal_stops[who] = 0
            arrive_trip = who
        elif kind == _ARRIVE:
            arrive_trip = who
        elif kind == _ENTRY:
            open_trip, open_berth = who, value
        elif kind == _WAKE:
            p = who
            b0, b1 = plat_berth_start[p], plat_berth_start[p + 1]
            while wait_head[p] >= 0:
                berth = -1
                for b in range(b0, b1):
                    if free_at[b] <= now:
                        berth = b - b0
                        break
                if berth < 0:
                    break
                free_at[b0 + berth] = np.inf  # held for the bus being let in
                trip = _pop(wait_head, wait_tail, wait_next, p)
                heapq.heappush(heap, (now, NORMAL, seq, _ENTRY, trip, berth))
                seq += 1
        elif kind == _LAST_DWELL:
            trip_end[who] = now
            heapq.heappush(
                heap, (now + layover_s, NORMAL, seq, _LAY_UP, pat_station[pat_start[trip_dispatcher[who] + 1] - 1], who)
            )
            seq += 1
        elif kind == _DECIDE:
            trip = who
            kd = trip_dispatcher[trip]
            o, e = pat_start[kd], pat_start[kd + 1]
            j = t_nxt[trip]
            a, b = pat_station[o + j + 1], pat_station[e - 1]  # the stations it serves beyond
            passed = hailed_from_chains(
                now, pat_queue[o + j], pat_station[o + j], min(a, b), max(a, b), trip, capacity_pax, t_load[trip],
                n_stations, c_start, c_arrive, c_head, c_first, c_waiting, c_left_behind, onboard,
            )  # fmt: skip
            if passed >= 0:  # it runs on
                if passed:
                    if n_passes == pass_int.shape[0]:
                        pass_int = _grow(pass_int, n_passes + 1)
                        pass_time = _grow(pass_time, n_passes + 1)
                    pass_int[n_passes, 0] = trip
                    pass_int[n_passes, 1] = pat_station[o + j]
                    pass_int[n_passes, 2] = kd % 2
                    pass_int[n_passes, 3] = passed
                    pass_time[n_passes] = now
                    n_passes += 1
                t_state_f[trip, 0] = t_pass[trip]
                t_state_f[trip, 1] = pat_m[o + j]
                t_from_rest[trip] = False
                t_nxt[trip] = j + 1
                run_on = trip
            else:
                t_i[trip] = j
                heapq.heappush(heap, (now + (t_rest[trip] - now), NORMAL, seq, _ARRIVE, trip, 0))
                seq += 1

        # -- a dispatcher goes on: departures due now, a bus for each
        waited = kind == _DISPATCH and value == 1  # back from waiting for this departure: no second look at the clock
        while dispatch >= 0:
            kd = dispatch
            if launch_bus < 0:
                if d_next[kd] == dep_start[kd + 1]:
                    break
                scheduled = dep_s[d_next[kd]]
                if scheduled > now and not waited:
                    heapq.heappush(heap, (now + (scheduled - now), NORMAL, seq, _DISPATCH, kd, 1))
                    seq += 1
                    break
                waited = False
                pool = pat_station[pat_start[kd]]
                if item_head[pool] >= 0 or depot == 0:  # a bus from the pool: a get (maybe waiting)
                    _append(get_head, get_tail, get_next, pool, kd)
                    if item_head[pool] >= 0:  # the first waiting get takes the first bus
                        g = _pop(get_head, get_tail, get_next, pool)
                        bus = _pop(item_head, item_tail, item_next, pool)
                        heapq.heappush(heap, (now, NORMAL, seq, _GOT_BUS, g, bus))
                        seq += 1
                    break
                launch_bus = buses - depot
                depot -= 1
            trip = n_trips
            n_trips += 1
            trip_dispatcher[trip] = kd
            trip_bus[trip] = launch_bus
            trip_scheduled[trip] = dep_s[d_next[kd]]
            trip_dispatch[trip] = now
            heapq.heappush(heap, (now, URGENT, seq, _TRIP_START, trip, 0))
            seq += 1
            d_next[kd] += 1
            launch_bus = -1

        # -- a trip reaches a platform: a free berth, or it waits
        if arrive_trip >= 0:
            trip = arrive_trip
            kd = trip_dispatcher[trip]
            p = pat_platform[pat_start[kd] + t_i[trip]]
            b0, b1 = plat_berth_start[p], plat_berth_start[p + 1]
            t_arrive[trip] = now
            berth = -1
            if wait_head[p] < 0:
                for b in range(b0, b1):
                    if free_at[b] <= now:
                        berth = b - b0
                        break
            if berth >= 0:
                open_trip, open_berth = trip, berth
            else:
                _append(wait_head, wait_tail, wait_next, p, trip)
                for b in range(b0, b1):
                    at = free_at[b]
                    if at != woken_at[b] and now < at < np.inf:
                        woken_at[b] = at
                        heapq.heappush(heap, (now + (at - now), NORMAL, seq, _WAKE, p, 0))
                        seq += 1

        # -- its doors open: the exchange, the dwell, the stop's record
        if open_trip >= 0:
            trip = open_trip
            kd = trip_dispatcher[trip]
            o, e = pat_start[kd], pat_start[kd + 1]
            i = t_i[trip]
            p = pat_platform[o + i]
            station = pat_station[o + i]
            first, last = 1, 0  # the stations it serves beyond: none at its last stop
            if o + i + 1 < e:
                first, last = min(pat_station[o + i + 1], pat_station[e - 1]), max(pat_station[o + i + 1], pat_station[e - 1])
            alighted, boarded, denied, load, dwell, last_call = serve_from_chains(
                now, pat_queue[o + i], station, first, last, trip, capacity_pax, t_load[trip], n_stations,
                c_start, c_members, c_arrive, c_head, c_first, c_waiting, destination, board_s, board_trip, c_left_behind, onboard,
                seats, dwell_params,
            )  # fmt: skip
            t_load[trip] = load
            depart = now + dwell
            b = plat_berth_start[p] + open_berth
            free_at[b] = depart + clearance_s
            if wait_head[p] >= 0:
                at = free_at[b]
                if at != woken_at[b] and now < at < np.inf:
                    woken_at[b] = at
                    heapq.heappush(heap, (now + (at - now), NORMAL, seq, _WAKE, p, 0))
                    seq += 1
            if n_stops == stop_int.shape[0]:
                stop_int = _grow(stop_int, n_stops + 1)
                stop_float = _grow(stop_float, n_stops + 1)
            stop_int[n_stops, 0] = trip
            stop_int[n_stops, 1] = station
            stop_int[n_stops, 2] = kd % 2
            stop_int[n_stops, 3] = alighted
            stop_int[n_stops, 4] = boarded
            stop_int[n_stops, 5] = denied
            stop_int[n_stops, 6] = load
            stop_int[n_stops, 7] = t_signal_stops[trip]
            stop_int[n_stops, 8] = open_berth
            stop_float[n_stops, 0] = t_arrive[trip]
            stop_float[n_stops, 1] = now
            stop_float[n_stops, 2] = depart
            stop_float[n_stops, 3] = dwell
            stop_float[n_stops, 4] = last_call
            n_stops += 1
            if i == e - o - 1:
                heapq.heappush(heap, (now + (depart - now), NORMAL, seq, _LAST_DWELL, trip, 0))
                seq += 1
            else:
                t_state_f[trip, 0] = depart
                t_state_f[trip, 1] = pat_m[o + i]
                t_state_f[trip, 2] = depart
                t_state_f[trip, 3] = pat_m[o + i]
                t_from_rest[trip] = True
                t_signal_stops[trip] = 0
                t_nxt[trip] = i + 1
                run_on = trip

        # -- a trip runs on to the next station where it stops or may stop
        if run_on >= 0:
            trip = run_on
            kd = trip_dispatcher[trip]
            d = kd % 2
            o, e = pat_start[kd], pat_start[kd + 1]
            j, pass_s, rest_s, signal_stops, sure = next_stop(
                t_state_f[trip, 0], t_state_f[trip, 1], t_from_rest[trip], t_state_f[trip, 2], t_state_f[trip, 3],
                t_signal_stops[trip], t_nxt[trip], pat_m[o:e], pat_station[o:e], pat_queue[o:e], bounds_m[d], speed_ms[d],
                bin_s, accel, decel, signal_m[d], cycle_s[d], green_s[d], offset_s[d], green_ext, in_traffic[d],
                signal_free_s[d], headway_s, trip, n_stations, head, next_same, arrive_s, board_trip, onboard, c_waiting,
            )  # fmt: skip
            t_signal_stops[trip] = signal_stops
            if not sure:  # someone may be waiting there for it: it decides when it gets there
                t_nxt[trip] = j
                t_pass[trip] = pass_s
                t_rest[trip] = rest_s
                heapq.heappush(heap, (now + (min(pass_s, rest_s) - now), NORMAL, seq, _DECIDE, trip, 0))
            else:
                t_i[trip] = j
                heapq.heappush(heap, (now + (rest_s - now), NORMAL, seq, _ARRIVE, trip, 0))
            seq += 1

    add_left_behind(left_behind, c_members, c_left_behind)
    return (
        stop_int[:n_stops], stop_float[:n_stops], pass_int[:n_passes], pass_time[:n_passes],
        trip_dispatcher[:n_trips], trip_bus[:n_trips], trip_scheduled[:n_trips], trip_dispatch[:n_trips],
        trip_end[:n_trips], now if finish_trips else end_s, depot,
    )  # fmt: skip
