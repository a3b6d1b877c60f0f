"""The platform queues of the compiled minibus day, kept per destination, with the SimPy engine's results.

:func:`~corridor_sim.kernels.passengers.serve_stop` walks a platform's whole queue in arrival order
and :func:`~corridor_sim.kernels.on_demand.hailed` every passenger a full bus passes by: in a
gridlocked day (Thika Road) a minibus meets some 200 people waiting for it and for other routes
at each stop, and passes hundreds by, so most of the day's work was those walks. Here each queue's
passengers are split by destination into *chains* (arrival order, as arrays) and:

- a bus boards only from the chains of the stations it serves further on; within a chain the
  passengers board strictly in order (first come, first served, until the bus is full), so the
  boarded ones are always a prefix of the chain and the first one still waiting is ``head``;
- those present by a time are a range of the chain found by bisection; where they all fit they
  board in any order (nothing then depends on it), else the first ones by arrival across chains
  (a merge) take the room, exactly as the walk would;
- every passenger a full bus leaves behind is counted by adding 1 over a range of its chain
  (``left_behind_diff``, summed at the end of the day by :func:`add_left_behind`), not one by one;
- per chain, ``first_arrive`` holds when its first passenger still waiting reached the platform
  (inf: nobody); the patterns run over consecutive stations, so the stations a bus serves beyond
  one are a range, and whether anyone waits there for it is a range minimum: per queue a segment
  tree over its chains' ``first_arrive`` (:func:`waiting_tree`) answers it in a few steps
  (:func:`waiting_in_range`) where a scan took one per station beyond (a minibus passing 95 stops
  of a 99-stop route looked at some 50 chains at each).

:func:`serve_from_chains` returns what :func:`~corridor_sim.kernels.passengers.serve_stop` returns, and
:func:`hailed_from_chains` what :func:`~corridor_sim.kernels.on_demand.hailed` does, for a bus stopping
on demand whose pattern runs over consecutive stations; ``tests/test_on_demand_day.py`` checks the
day equal to the SimPy engine's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from corridor_sim.kernels.passengers import dwell_time_s


@njit(cache=True)
def chain_layout(
    destination: np.ndarray, queue_start: np.ndarray, queue_end: np.ndarray, n_stations: int, arrive_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each queue's passengers by destination, in arrival order.

    Returns
    -------
    start : numpy.ndarray
        Per chain (``queue * n_stations + destination``), where it begins in ``members`` (n_chains + 1).
    members, member_arrive : numpy.ndarray
        The passengers (index) chain by chain, and their arrivals.
    head : numpy.ndarray
        Per chain, its first passenger still waiting (a position in ``members``): its start.
    first_arrive : numpy.ndarray
        Per chain, that passenger's arrival (inf: nobody).
    """
    n_chains = len(queue_start) * n_stations
    count = np.zeros(n_chains + 1, dtype=np.int64)
    for q in range(len(queue_start)):
        for k in range(queue_start[q], queue_end[q]):
            count[q * n_stations + destination[k] + 1] += 1
    start = np.cumsum(count)
    fill = start[:-1].copy()
    members = np.empty(start[-1], dtype=np.int64)
    for q in range(len(queue_start)):
        for k in range(queue_start[q], queue_end[q]):
            c = q * n_stations + destination[k]
            members[fill[c]] = k
            fill[c] += 1
    member_arrive = arrive_s[members]
    head = start[:-1].copy()
    first_arrive = np.full(n_chains, np.inf)
    for c in range(n_chains):
        if head[c] < start[c + 1]:
            first_arrive[c] = member_arrive[head[c]]
    return start, members, member_arrive, head, first_arrive


@njit(cache=True)
def waiting_tree(first_arrive: np.ndarray, n_queues: int, n_stations: int) -> np.ndarray:
    """Per queue, a segment tree of the minimum of its chains' ``first_arrive``.

    Returns
    -------
    numpy.ndarray
        (queues, 2 x leaves), leaves the power of two at or above ``n_stations``: the chain of
        queue ``q`` for station ``d`` is at ``[q, leaves + d]``, node ``i``'s children at ``2 i``
        and ``2 i + 1`` (node 1: the whole queue; unused leaves inf).
    """
    leaves = 1
    while leaves < n_stations:
        leaves *= 2
    tree = np.full((n_queues, 2 * leaves), np.inf)
    for q in range(n_queues):
        tree[q, leaves : leaves + n_stations] = first_arrive[q * n_stations : (q + 1) * n_stations]
        for i in range(leaves - 1, 0, -1):
            tree[q, i] = min(tree[q, 2 * i], tree[q, 2 * i + 1])
    return tree


@njit(cache=True)
def _set_waiting(tree: np.ndarray, queue: int, station: int, first_arrive_s: float) -> None:
    """Set a chain's ``first_arrive`` in the tree, and the minima above it that change."""
    i = tree.shape[1] // 2 + station
    if tree[queue, i] == first_arrive_s:
        return
    tree[queue, i] = first_arrive_s
    i //= 2
    while i >= 1:
        low = min(tree[queue, 2 * i], tree[queue, 2 * i + 1])
        if tree[queue, i] == low:  # the minima above are as they were
            return
        tree[queue, i] = low
        i //= 2


@njit(cache=True)
def waiting_in_range(tree: np.ndarray, queue: int, a: int, b: int, now_s: float) -> bool:
    """Whether a passenger of ``queue`` for a station from ``a`` to ``b`` (either order) is on the platform
    at ``now_s`` and has not boarded: the tree's minimum over the range is at or before ``now_s``."""
    leaves = tree.shape[1] // 2
    lo, hi = min(a, b) + leaves, max(a, b) + leaves + 1
    while lo < hi:
        if lo & 1:
            if tree[queue, lo] <= now_s:
                return True
            lo += 1
        if hi & 1:
            hi -= 1
            if tree[queue, hi] <= now_s:
                return True
        lo //= 2
        hi //= 2
    return False


@njit(cache=True)
def _present_until(member_arrive: np.ndarray, lo: int, hi: int, t_s: float) -> int:
    """The first position in ``[lo, hi)`` whose passenger arrives after ``t_s`` (``hi`` if none)."""
    if lo >= hi or member_arrive[lo] > t_s:
        return lo
    return lo + np.searchsorted(member_arrive[lo:hi], t_s, side="right")


@njit(cache=True)
def _take_in_order(
    room: int,
    base: int,
    hi: np.ndarray,
    head: np.ndarray,
    members: np.ndarray,
    member_arrive: np.ndarray,
    now_s: float,
    late: bool,
    closing_s: float,
    load: int,
    trip: int,
    seats: int,
    dwell_params: np.ndarray,
    destination: np.ndarray,
    board_s: np.ndarray,
    board_trip: np.ndarray,
    onboard: np.ndarray,
) -> tuple[int, int, float]:
    """Board up to ``room`` passengers from the chains ``base + c`` (each from ``head`` to ``hi[c]``), earliest
    first across them (the walk's order); late boarders hold the doors. Returns boarded, load, closing."""
    boarded = 0
    while boarded < room:
        best, pick = -1, -1
        for c in range(len(hi)):
            pos = head[base + c]
            if pos < hi[c] and (best < 0 or members[pos] < best):
                best, pick = members[pos], c
        if pick < 0:
            break
        arrive = member_arrive[head[base + pick]]
        head[base + pick] += 1
        board_trip[best] = trip
        board_s[best] = max(arrive, now_s)
        onboard[trip, destination[best]] += 1
        load += 1
        boarded += 1
        if late:  # holds the doors one boarding time from arrival
            per_s = dwell_params[2] + (dwell_params[3] if load > seats else 0.0)
            closing_s = max(closing_s, arrive + per_s)
    return boarded, load, closing_s


@njit(cache=True)
def _leave_behind(base: int, lo: np.ndarray, hi: np.ndarray, head: np.ndarray, left_behind_diff: np.ndarray) -> int:
    """Count once more everyone in the chains ``base + c`` from ``lo[c]`` (or their head, if ``lo`` is empty)
    to ``hi[c]`` as left behind; how many."""
    left = 0
    for c in range(len(hi)):
        a = lo[c] if len(lo) else head[base + c]
        if a < hi[c]:
            left_behind_diff[a] += 1
            left_behind_diff[hi[c]] -= 1
            left += hi[c] - a
    return left


@njit(cache=True)
def serve_from_chains(
    now_s: float,
    queue: int,
    station: int,
    first: int,
    last: int,
    trip: int,
    capacity_pax: int,
    load_pax: int,
    n_stations: int,
    start: np.ndarray,
    members: np.ndarray,
    member_arrive: np.ndarray,
    head: np.ndarray,
    first_arrive: np.ndarray,
    waiting: np.ndarray,
    destination: np.ndarray,
    board_s: np.ndarray,
    board_trip: np.ndarray,
    left_behind_diff: np.ndarray,
    onboard: np.ndarray,
    seats: int,
    dwell_params: np.ndarray,
) -> tuple[int, int, int, int, float, float]:
    """:func:`~corridor_sim.kernels.passengers.serve_stop` for a bus serving the stations ``first`` to ``last`` beyond ``station``.

    Parameters
    ----------
    first, last
        The stations it serves beyond this one: ``first`` to ``last`` (``first <= last``).
    start, members, member_arrive, head, first_arrive, waiting
        The queues' chains (:func:`chain_layout`) and their :func:`waiting_tree`; ``head``, ``first_arrive``
        and ``waiting`` are moved past those who board.
    left_behind_diff
        Per position in ``members`` (+1), the chains' left-behind counts as range additions.
    now_s, queue, station, trip, capacity_pax, load_pax, destination, board_s, board_trip, onboard, seats, dwell_params
        As for :func:`~corridor_sim.kernels.passengers.serve_stop`.

    Returns
    -------
    tuple
        As :func:`~corridor_sim.kernels.passengers.serve_stop`: alighted, boarded, denied, load,
        dwell (s), last call (clock s).
    """
    alighted = onboard[trip, station]
    onboard[trip, station] = 0
    load = load_pax - alighted
    base = queue * n_stations + first
    m = last - first + 1
    present = np.empty(m, dtype=np.int64)  # per chain: one past those on the platform when the doors open
    total = 0
    for c in range(m):
        h = head[base + c]
        present[c] = _present_until(member_arrive, h, start[base + c + 1], now_s) if first_arrive[base + c] <= now_s else h
        total += present[c] - h
    room = capacity_pax - load
    boarded = 0
    if total <= room:  # all of them board: in any order
        for c in range(m):
            for pos in range(head[base + c], present[c]):
                k = members[pos]
                board_trip[k] = trip
                board_s[k] = now_s
                onboard[trip, destination[k]] += 1
            head[base + c] = present[c]
        boarded = total
        load += total
    else:  # the first by arrival take the room; the others are left behind
        boarded, load, _ = _take_in_order(
            room, base, present, head, members, member_arrive, now_s, False, now_s, load, trip, seats, dwell_params,
            destination, board_s, board_trip, onboard,
        )  # fmt: skip
    no_lo = np.empty(0, dtype=np.int64)
    denied = _leave_behind(base, no_lo, present, head, left_behind_diff) if total > room else 0
    half_door_s = 0.5 * dwell_params[0]
    last_call_s = closing_s = now_s + dwell_time_s(alighted, boarded, load > seats, dwell_params) - half_door_s
    # whoever reaches the platform before the doors start to close
    late = np.empty(m, dtype=np.int64)
    any_late = False
    for c in range(m):
        late[c] = present[c]
        if first_arrive[base + c] <= last_call_s:
            late[c] = _present_until(member_arrive, present[c], start[base + c + 1], last_call_s)
            any_late = any_late or late[c] > present[c]
    if any_late:
        if load < capacity_pax:  # nobody was left behind: each chain's head is at its present ones' end
            more, load, closing_s = _take_in_order(
                capacity_pax - load, base, late, head, members, member_arrive, now_s, True, closing_s, load, trip, seats,
                dwell_params, destination, board_s, board_trip, onboard,
            )  # fmt: skip
            boarded += more
            denied += _leave_behind(base, no_lo, late, head, left_behind_diff)
        else:
            denied += _leave_behind(base, present, late, head, left_behind_diff)
    for c in range(m):
        h = head[base + c]
        first_arrive[base + c] = member_arrive[h] if h < start[base + c + 1] else np.inf
        _set_waiting(waiting, queue, first + c, first_arrive[base + c])
    return alighted, boarded, denied, load, closing_s + half_door_s - now_s, last_call_s


@njit(cache=True)
def hailed_from_chains(
    now_s: float,
    queue: int,
    station: int,
    first: int,
    last: int,
    trip: int,
    capacity_pax: int,
    load_pax: int,
    n_stations: int,
    start: np.ndarray,
    member_arrive: np.ndarray,
    head: np.ndarray,
    first_arrive: np.ndarray,
    waiting: np.ndarray,
    left_behind_diff: np.ndarray,
    onboard: np.ndarray,
) -> int:
    """:func:`~corridor_sim.kernels.on_demand.hailed` on the chains, for a bus serving ``first`` to ``last`` beyond
    ``station``: -1 if it stops, else the passengers it passes by."""
    if onboard[trip, station] > 0:
        return -1
    if not waiting_in_range(waiting, queue, first, last, now_s):
        return 0
    base = queue * n_stations + first
    m = last - first + 1
    if load_pax < capacity_pax:
        return -1
    hi = np.empty(m, dtype=np.int64)
    for c in range(m):
        h = head[base + c]
        hi[c] = _present_until(member_arrive, h, start[base + c + 1], now_s) if first_arrive[base + c] <= now_s else h
    return _leave_behind(base, np.empty(0, dtype=np.int64), hi, head, left_behind_diff)


@njit(cache=True)
def add_left_behind(left_behind: np.ndarray, members: np.ndarray, left_behind_diff: np.ndarray) -> None:
    """Add the chains' counts (range additions over ``members``) to ``left_behind`` (per passenger, in place)."""
    running = 0
    for pos in range(len(members)):
        running += left_behind_diff[pos]
        left_behind[members[pos]] += running
