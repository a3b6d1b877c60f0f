"""General traffic along one direction of the corridor: the cell transmission model, in numba.

Daganzo's cell transmission model (Transp. Res. B 28(4), 1994; 29(2), 1995) is the Godunov
discretisation of the kinematic-wave (LWR) model with a triangular fundamental diagram, the
same model class as UXsim's (Newell's simplified car following is its Lagrangian twin). Each
cell ``i`` holds ``N_i`` vehicles over ``L_i`` metres and ``n_i`` lanes; in a step of ``dt``:

    sending   S_i = min(v_i N_i / L_i, Q_i) dt          (free speed v, capacity Q = n q)
    receiving R_i = min(Q_i, w_i (K_i - N_i / L_i)) dt   (backward wave w, jam density K = n k_j)
    flow across the boundary into cell i: min(S_{i-1}, R_i)

so demand above a cell's capacity, or a lane drop, becomes a queue that grows at arrival minus
capacity and whose tail moves back at the wave speed ``w``; when it reaches the entry, the
vehicles that cannot enter wait in a point queue there (counted, never lost). A signal at a cell
boundary passes nothing in red and at most the saturation flow in green (the same cycle, green
and offset the buses see; a step that straddles a change passes its green share). At a junction a
share of the arriving flow turns off, and as much enters from the side street when the cell has
room (a side-street queue otherwise).

Buses in mixed traffic take capacity two ways: a bus dwelling at a curbside stop closes one
lane of its cell from its arrival to its departure (a one-lane cell passes nothing then), and
buses moving in the flow use ``pcu`` passenger-car units of capacity each, so a cell's capacity
for general traffic is ``(n - blocked) q - bus flow x pcu``.

Stability (CFL): every cell is at least ``v dt`` long, and ``w <= v``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _green_share(t_s: float, dt_s: float, cycle_s: float, green_s: float, offset_s: float) -> float:
    """Share of the step ``[t, t + dt)`` in which the signal shows green (steps shorter than a phase)."""
    phase = (t_s - offset_s) % cycle_s
    end = phase + dt_s
    share = max(min(end, green_s) - phase, 0.0)  # green in this cycle
    if end > cycle_s:  # the step runs into the next cycle's green
        share += min(end - cycle_s, green_s)
    return share / dt_s


@njit(cache=True, nogil=True)  # nogil: a run's minibus baseline runs beside its BRT (corridor_sim.evaluation)
def run_cells(
    length_m: np.ndarray,
    lanes: np.ndarray,
    free_ms: np.ndarray,
    capacity_vps_per_lane: float,
    jam_vpm_per_lane: float,
    wave_ms: np.ndarray,
    stop_line: np.ndarray,
    cycle_s: np.ndarray,
    green_s: np.ndarray,
    offset_s: np.ndarray,
    junction: np.ndarray,
    turn_share: np.ndarray,
    inflow_vps: np.ndarray,
    inflow_bin_s: float,
    bus_pcu_vps: np.ndarray,
    block_cell: np.ndarray,
    block_start_s: np.ndarray,
    block_end_s: np.ndarray,
    t0_s: float,
    dt_s: float,
    n_steps: int,
    bin_s: float,
    n_bins: int,
    snap_every: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the cells from ``t0_s`` for ``n_steps`` steps of ``dt_s``.

    Parameters
    ----------
    length_m, lanes, free_ms, wave_ms
        Per cell: length (m), lanes, free speed and backward wave speed (m/s).
    capacity_vps_per_lane, jam_vpm_per_lane
        The fundamental diagram's capacity (veh/s/lane) and jam density (veh/m/lane).
    stop_line
        Per cell: index of the signal at its downstream boundary, -1 for none.
    cycle_s, green_s, offset_s
        Per signal: cycle, green time and offset (s); green while ``(t - offset) mod cycle < green``.
    junction
        Per cell: 1 where a junction is at its downstream boundary, else 0.
    turn_share
        Per ``inflow_bin_s`` bin: the share of the flow leaving a junction cell that turns off
        there (and the side-street flow that enters, as a share of the entry flow).
    inflow_vps
        Vehicles per second entering the first cell, per ``inflow_bin_s`` bin from clock 0.
    bus_pcu_vps
        (bins, cells): the buses' flow through each cell in passenger-car units per second, per
        ``inflow_bin_s`` bin (one row of zeros: no buses in the traffic).
    block_cell, block_start_s, block_end_s
        Lane closures by dwelling buses: the cell, and from when to when (clock s), sorted by
        start. A closure holds in the steps whose midpoint it covers.
    t0_s, dt_s, n_steps
        Start (clock s), step (s) and steps.
    bin_s, n_bins
        Width (s) and number of the accumulation bins, from clock 0.
    snap_every
        Steps between density snapshots.

    Returns
    -------
    occupancy_vs : numpy.ndarray
        (n_bins, cells): vehicle-seconds in each cell.
    passed_veh : numpy.ndarray
        (n_bins, cells): vehicles leaving each cell (through and turning).
    stopped_vs : numpy.ndarray
        (n_bins, cells): vehicle-seconds in each cell while it moved at under 2 m/s.
    snapshots : numpy.ndarray
        (n_snapshots, cells): vehicles in each cell every ``snap_every`` steps.
    queued_veh : numpy.ndarray
        (n_snapshots, 2): vehicles waiting at the entry and in the side streets then.
    totals : numpy.ndarray
        [entered at the entry, entered from side streets, left at the end, turned off, on the
        road at the end, queued at the entry at the end, queued in side streets at the end].
    demand_veh : numpy.ndarray
        (n_bins,): vehicles that arrived to enter (at the entry and in the side streets).
    """
    n = len(length_m)
    cap = lanes * capacity_vps_per_lane * dt_s
    jam = lanes * jam_vpm_per_lane * length_m
    N = np.zeros(n)
    side = np.zeros(n)
    sending = np.zeros(n)
    receiving = np.zeros(n)
    through = np.zeros(n + 1)
    turned = np.zeros(n)
    joined = np.zeros(n)
    occupancy = np.zeros((n_bins, n))
    passed = np.zeros((n_bins, n))
    stopped = np.zeros((n_bins, n))
    demand = np.zeros(n_bins)
    n_snap = n_steps // snap_every + 1
    snapshots = np.zeros((n_snap, n), dtype=np.float32)
    queued = np.zeros((n_snap, 2))
    entry = 0.0
    entered = side_entered = left = turned_off = 0.0
    blocked = np.zeros(n)
    end_order = np.argsort(block_end_s)
    n_blocks = len(block_cell)
    opened = closed = 0
    cap_now = cap.copy()
    for step in range(n_steps):
        t = t0_s + step * dt_s
        b = min(int(t // bin_s), n_bins - 1)
        b_in = min(int(t // inflow_bin_s), len(inflow_vps) - 1)
        b_bus = min(b_in, bus_pcu_vps.shape[0] - 1)
        q_in = inflow_vps[b_in] * dt_s
        share = turn_share[b_in]
        entry += q_in
        demand[b] += q_in
        mid = t + 0.5 * dt_s
        while opened < n_blocks and block_start_s[opened] <= mid:
            blocked[block_cell[opened]] += 1.0
            opened += 1
        while closed < n_blocks and block_end_s[end_order[closed]] <= mid:
            blocked[block_cell[end_order[closed]]] -= 1.0
            closed += 1
        for i in range(n):
            c = cap[i]
            if blocked[i] > 0.0:
                c = max(lanes[i] - blocked[i], 0.0) * capacity_vps_per_lane * dt_s
            c -= bus_pcu_vps[b_bus, i] * dt_s
            cap_now[i] = max(c, 0.0)
        for i in range(n):
            sending[i] = min(free_ms[i] * dt_s * N[i] / length_m[i], cap_now[i], N[i])
            receiving[i] = min(cap_now[i], wave_ms[i] * dt_s * (jam[i] - N[i]) / length_m[i])
            if receiving[i] < 0.0:
                receiving[i] = 0.0
            s = stop_line[i]
            if s >= 0:
                sending[i] *= _green_share(t, dt_s, cycle_s[s], green_s[s], offset_s[s])
        through[0] = min(entry, receiving[0])
        entry -= through[0]
        entered += through[0]
        for i in range(n):
            out = sending[i]
            turned[i] = out * junction[i] * share
            go = out - turned[i]
            if i + 1 < n:
                room = receiving[i + 1]
                if go > room:  # the cell downstream is full: the turning share shrinks in step
                    scale = room / go if go > 0.0 else 0.0
                    go = room
                    turned[i] *= scale
                through[i + 1] = go
            else:
                through[n] = go
        for i in range(n):
            arrive = q_in * junction[i] * share
            side[i] += arrive
            demand[b] += arrive
            room = receiving[i + 1] - through[i + 1] if i + 1 < n else 0.0
            joined[i] = min(side[i], room) if room > 0.0 else 0.0
            side[i] -= joined[i]
            side_entered += joined[i]
        for i in range(n):
            out_i = through[i + 1] + turned[i]
            speed = out_i * length_m[i] / (N[i] * dt_s) if N[i] > 1e-9 else free_ms[i]
            occupancy[b, i] += N[i] * dt_s
            passed[b, i] += out_i
            if speed < 2.0:
                stopped[b, i] += N[i] * dt_s
            N[i] += through[i] - out_i + (joined[i - 1] if i > 0 else 0.0)
            turned_off += turned[i]
        left += through[n]
        if step % snap_every == 0:
            k = step // snap_every
            for i in range(n):
                snapshots[k, i] = N[i]
            queued[k, 0] = entry
            queued[k, 1] = side.sum()
    totals = np.array([entered, side_entered, left, turned_off, N.sum(), entry, side.sum()])
    return occupancy, passed, stopped, snapshots, queued, totals, demand
