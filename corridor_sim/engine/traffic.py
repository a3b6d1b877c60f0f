"""General traffic on the corridor: the kinematic-wave model run per direction, and what buses see.

Each direction's general lanes are cut into cells (:func:`cells_for`) and run through the cell
transmission model (:func:`corridor_sim.kernels.traffic_flow.run_cells`) over the period and
two hours after it (buses finishing their trips): lanes per segment from the corridor (so lane
drops are bottlenecks), free speed the speed limit, a triangular fundamental diagram (capacity
``traffic.saturation_flow_vphpl`` per lane, jam density ``traffic.jam_density_vpkm_per_lane``,
backward wave speed ``w = Q / (k_j - Q / v)``), the corridor's signals as stop lines with the
cycle, green and offset the buses see, ``traffic.volume_vph_per_lane`` entering at each end and
``traffic.turn_share`` (a share, or a table by clock time) turning at each junction. The model starts 30 minutes before the run
(the warm-up's start, else the period's) with that time's volume, so the road is not empty when the run begins. In a warm-up
the tables' clock times hold; before a table's first one, the value at the period's start
(:func:`corridor_sim.engine.warm_up.held_in_warm_up`).

What it gives, per direction, traffic bin (:data:`BIN_S`) and segment: vehicle-km, vehicle-hours,
stopped vehicle-hours, and the mean travel time (Little's law, cell by cell: vehicle-seconds
over vehicles through). Buses and minibuses on mixed-traffic segments cruise at that traffic's
speed (queues and signal delays included, so they do not stop again at the signals there);
on busways and bus lanes they meet only the signals. Where no general traffic runs they run as
they would on an empty street.

Sources of the defaults: capacity 1,800 veh/h/lane (HCM 2010 base saturation flow 1,900 pc/h/ln
less heavy vehicles) [M]; jam density 150 veh/km/lane (between HCM's about 120 and UXsim's 200:
a 6.7 m spacing for a fleet of cars, minibuses and motorcycles) [L].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from corridor_sim._errors import ScenarioError
from corridor_sim.corridor import Corridor
from corridor_sim.engine.warm_up import held_in_warm_up
from corridor_sim.kernels.traffic_flow import run_cells
from corridor_sim.scenario import Traffic, clock_s

if TYPE_CHECKING:
    from corridor_sim.engine.bus_traffic import BusesInTraffic

#: Width of the time bins of traffic results and of the speeds buses see (s).
BIN_S = 300.0
#: Bins cover two days of clock time, so runs past midnight keep the last value.
N_BINS = int(2 * 86400 / BIN_S)
#: Step of the traffic model (s); every cell is at least free speed x step long.
STEP_S = 4.0
#: Density snapshots for queues, every so many seconds.
SNAPSHOT_S = 60.0
#: The model starts this long before the period (s) and runs this long after it.
LEAD_S, TAIL_S = 1800.0, 7200.0
#: A queue that does not clear for this long (s) means demand above capacity.
RESIDUAL_QUEUE_S = 900.0


def volume_per_lane(traffic: Traffic, run_start_s: float = np.inf, start_s: float = np.inf) -> np.ndarray:
    """General traffic per lane in each time bin (veh/h/lane), piecewise constant from each key.

    With a warm-up (``run_start_s`` before the period's ``start_s``) the warm-up's bins before the
    first key hold the value at ``start_s`` (:func:`~corridor_sim.engine.warm_up.held_in_warm_up`).
    """
    volume = np.zeros(N_BINS)
    starts = np.arange(N_BINS) * BIN_S
    for key, value in sorted(traffic.volume_vph_per_lane.items(), key=lambda kv: clock_s(kv[0])):
        volume[starts >= clock_s(key)] = value
    return held_in_warm_up(volume, starts, _first_entry_s(traffic.volume_vph_per_lane), run_start_s, start_s)


def turn_share_by_bin(traffic: Traffic, run_start_s: float = np.inf, start_s: float = np.inf) -> np.ndarray:
    """The share turning at each junction in each time bin: the constant, or piecewise from each clock time
    (held in a warm-up as :func:`volume_per_lane` holds the volumes)."""
    if not isinstance(traffic.turn_share, dict):
        return np.full(N_BINS, float(traffic.turn_share))
    share = np.zeros(N_BINS)
    starts = np.arange(N_BINS) * BIN_S
    for key, value in traffic.turn_share.items():
        share[starts >= clock_s(key)] = value
    return held_in_warm_up(share, starts, _first_entry_s(traffic.turn_share), run_start_s, start_s)


def _first_entry_s(table: dict[str, float]) -> float:
    """The earliest clock time of a table (s); ``inf`` if it has none."""
    return float(min((clock_s(k) for k in table), default=np.inf))


def period_hours_by_bin(start_s: float, end_s: float) -> np.ndarray:
    """Hours of the period ``start_s``-``end_s`` (clock s) inside each time bin (weights for period means)."""
    lo = np.arange(N_BINS) * BIN_S
    return np.clip(np.minimum(lo + BIN_S, end_s) - np.maximum(lo, start_s), 0.0, None) / 3600.0


def time_bin(t_s: float) -> int:
    """The traffic bin of clock time ``t_s``."""
    return min(int(t_s // BIN_S), N_BINS - 1)


@dataclass(frozen=True)
class Cells:
    """One direction's general lanes as cells, in that direction's order.

    Attributes
    ----------
    segment
        Segment of each cell (direction-0 numbering).
    start_m, length_m
        Chainage of each cell's upstream end in this direction, and its length (m).
    lanes, free_ms, wave_ms
        Lanes, free speed and backward wave speed (m/s).
    stop_line
        Signal (index in this direction's signal list) at each cell's downstream end, -1 for none.
    critical_vpm
        Density at capacity (veh/m over all lanes): above it a cell is queued.
    """

    segment: np.ndarray
    start_m: np.ndarray
    length_m: np.ndarray
    lanes: np.ndarray
    free_ms: np.ndarray
    wave_ms: np.ndarray
    stop_line: np.ndarray
    critical_vpm: np.ndarray


def cells_for(corridor: Corridor, traffic: Traffic, direction: int, signal_m: np.ndarray) -> Cells:
    """Cut one direction into cells at least ``free speed x STEP_S`` long, signals at cell ends.

    Raises
    ------
    ScenarioError
        If the jam density is at or below the density at capacity somewhere (no backward wave).
    """
    order = np.arange(corridor.n_segments) if direction == 0 else np.arange(corridor.n_segments)[::-1]
    capacity = traffic.saturation_flow_vphpl / 3600.0
    jam = traffic.jam_density_vpkm_per_lane / 1000.0
    rows: list[tuple[int, float, float]] = []
    x = 0.0
    for k in order:
        free = corridor.speed_limit_kmh[k] / 3.6
        count = max(1, int(corridor.length_m[k] // (free * STEP_S)))
        step = corridor.length_m[k] / count
        for c in range(count):
            rows.append((int(k), x + c * step, step))
        x += corridor.length_m[k]
    segment = np.array([r[0] for r in rows], dtype=np.int64)
    free_ms = corridor.speed_limit_kmh[segment] / 3.6
    critical = capacity / free_ms  # per lane
    if np.any(jam <= critical):
        worst = float(critical.max() * 1000.0)
        raise ScenarioError(
            f"traffic.jam_density_vpkm_per_lane = {traffic.jam_density_vpkm_per_lane:g} is at or below the density at "
            f"capacity ({worst:.0f} veh/km/lane at the lowest speed limit); it must be above it (allowed 60-250, "
            "HCM about 120)"
        )
    start = np.array([r[1] for r in rows])
    length = np.array([r[2] for r in rows])
    lanes = corridor.lanes[segment].astype(float)
    stop_line = np.full(len(rows), -1, dtype=np.int64)
    ends = start + length
    for s, pos in enumerate(signal_m):
        stop_line[int(np.argmin(np.abs(ends - pos)))] = s
    return Cells(
        segment=segment,
        start_m=start,
        length_m=length,
        lanes=lanes,
        free_ms=free_ms,
        wave_ms=capacity / (jam - critical),
        stop_line=stop_line,
        critical_vpm=critical * lanes,
    )


@dataclass(frozen=True)
class DirectionTraffic:
    """The model's results for one direction (see :func:`corridor_sim.kernels.traffic_flow.run_cells`)."""

    cells: Cells
    occupancy_vs: np.ndarray
    passed_veh: np.ndarray
    stopped_vs: np.ndarray
    snapshots: np.ndarray
    snapshot_t0_s: float
    queued_veh: np.ndarray
    totals: np.ndarray
    demand_veh: np.ndarray

    def by_segment(self, values: np.ndarray, n_segments: int) -> np.ndarray:
        """(bins, cells) summed by segment: (bins, n_segments), direction-0 numbering.

        Each bin's cells are added in cell order (one ``bincount`` over bin and segment, as
        ``np.add.at`` adds them, many times faster).
        """
        n_bins = values.shape[0]
        key = np.arange(n_bins)[:, None] * n_segments + self.cells.segment[None, :]
        return np.bincount(key.ravel(), weights=values.ravel(), minlength=n_bins * n_segments).reshape(n_bins, n_segments)

    def travel_time_s(self, n_segments: int) -> np.ndarray:
        """Mean travel time over each segment per bin (s; Little's law cell by cell; free time where empty)."""
        free = self.cells.length_m / self.cells.free_ms
        with np.errstate(divide="ignore", invalid="ignore"):
            per_cell = np.where(self.passed_veh > 1e-6, self.occupancy_vs / self.passed_veh, np.nan)
        empty = self.occupancy_vs < 1e-6
        blocked = ~empty & np.isnan(per_cell)
        per_cell = np.where(empty, free, per_cell)
        # nothing (or next to nothing) moved in the whole bin: gridlock, taken as one bin to cross the cell, for
        # Little's estimate of a cell whose outflow is a trickle runs to years
        per_cell = np.minimum(np.where(blocked, BIN_S, per_cell), BIN_S)
        # Little's estimate over a bin counts the vehicles in a cell at each step's start, so a cell
        # crossed within one step can read a hair under its free time: no vehicle is faster than free flow
        return self.by_segment(np.maximum(per_cell, free), n_segments)


@dataclass(frozen=True)
class TrafficState:
    """General traffic in both directions, and the corridor it ran on.

    ``start_s`` and ``end_s`` are the counted period (clock s); the run began ``warm_up_s`` before it.
    """

    corridor: Corridor
    traffic: Traffic
    directions: tuple[DirectionTraffic, DirectionTraffic]
    start_s: float
    end_s: float
    buses: tuple[BusesInTraffic, BusesInTraffic] | None = None
    warm_up_s: float = 0.0

    @property
    def active(self) -> np.ndarray:
        """(bins,): whether general traffic enters in each bin."""
        return volume_per_lane(self.traffic, self.start_s - self.warm_up_s, self.start_s) > 0

    def speed_kmh(self, direction: int) -> np.ndarray:
        """Mean traffic speed per bin and segment (km/h), direction-0 numbering; free speed where empty."""
        c = self.corridor
        return c.length_m[None, :] / self.directions[direction].travel_time_s(c.n_segments) * 3.6

    def vehicle_km(self, direction: int) -> np.ndarray:
        """Vehicle-km per bin and segment."""
        d = self.directions[direction]
        return d.by_segment(d.passed_veh * d.cells.length_m[None, :], self.corridor.n_segments) / 1000.0

    def vehicle_h(self, direction: int) -> np.ndarray:
        """Vehicle-hours per bin and segment."""
        d = self.directions[direction]
        return d.by_segment(d.occupancy_vs, self.corridor.n_segments) / 3600.0

    def minutes_along(self, at_m: np.ndarray) -> np.ndarray:
        """Mean travel time by car from the corridor's start to each chainage ``at_m`` (min), over the period.

        Each segment's time is the period-weighted mean of both directions' travel times.
        """
        c = self.corridor
        hours = period_hours_by_bin(self.start_s, self.end_s)
        times = [np.average(self.directions[d].travel_time_s(c.n_segments), axis=0, weights=hours) for d in (0, 1)]
        along = np.concatenate([[0.0], np.cumsum((times[0] + times[1]) / 2.0)]) / 60.0
        return np.interp(at_m, c.station_chainage_m, along)

    def stopped_h(self, direction: int) -> np.ndarray:
        """Vehicle-hours standing (under 2 m/s) per bin and segment: in queues, at red."""
        d = self.directions[direction]
        return d.by_segment(d.stopped_vs, self.corridor.n_segments) / 3600.0


def simulate_traffic(
    corridor: Corridor,
    traffic: Traffic,
    signals: tuple[dict[str, np.ndarray], dict[str, np.ndarray]],
    start_s: float,
    end_s: float,
    buses: tuple[BusesInTraffic, BusesInTraffic] | None = None,
    warm_up_s: float = 0.0,
) -> TrafficState:
    """Run the general traffic of both directions over the warm-up and the period (and :data:`LEAD_S` before,
    :data:`TAIL_S` after).

    Parameters
    ----------
    corridor, traffic
        The corridor and the scenario's ``[traffic]``.
    signals
        Per direction, the signals in that direction's order: ``signal_m``, ``cycle_s``, ``green_s``,
        ``offset_s`` (as the buses' layouts hold them).
    start_s, end_s
        The period (clock s).
    buses
        Per direction, the buses in mixed traffic (:mod:`corridor_sim.engine.bus_traffic`): the
        capacity they take; None for none.
    warm_up_s
        The warm-up before ``start_s`` (s; :mod:`corridor_sim.engine.warm_up`).
    """
    run_start = start_s - warm_up_s
    t0 = max(run_start - LEAD_S, 0.0)
    n_steps = int(np.ceil((end_s + TAIL_S - t0) / STEP_S))
    inflow = volume_per_lane(traffic, run_start, start_s) / 3600.0
    inflow[: time_bin(run_start)] = inflow[time_bin(run_start)]  # the lead runs at the run's first volume
    turns = turn_share_by_bin(traffic, run_start, start_s)
    snap_every = int(SNAPSHOT_S / STEP_S)
    runs = []
    for direction in (0, 1):
        sig = signals[direction]
        cells = cells_for(corridor, traffic, direction, sig["signal_m"])
        junction = np.zeros(len(cells.segment))
        junction_m = corridor.junction_m - corridor.station_chainage_m[0]
        if direction == 1:
            junction_m = corridor.total_length_m - junction_m
        ends = cells.start_m + cells.length_m
        for pos in junction_m:
            junction[int(np.argmin(np.abs(ends - pos)))] = 1.0
        entry = inflow * cells.lanes[0]
        if buses is None:
            bus_load = (np.zeros((1, len(ends))), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
        else:
            bus_load = buses[direction].on_cells(cells, corridor.running_way[cells.segment] == "mixed_traffic")
        out = run_cells(
            cells.length_m, cells.lanes, cells.free_ms, traffic.saturation_flow_vphpl / 3600.0,
            traffic.jam_density_vpkm_per_lane / 1000.0, cells.wave_ms, cells.stop_line, sig["cycle_s"], sig["green_s"],
            sig["offset_s"], junction, turns, entry, BIN_S, *bus_load, t0, STEP_S, n_steps, BIN_S, N_BINS, snap_every,
        )  # fmt: skip
        runs.append(DirectionTraffic(cells, *out[:4], t0, *out[4:]))
    return TrafficState(corridor, traffic, (runs[0], runs[1]), start_s, end_s, buses, warm_up_s)


def bus_speed_ms(state: TrafficState, direction: int, max_speed_kmh: float) -> np.ndarray:
    """Cruise speed of a bus per bin and segment (m/s), this direction's segment order.

    On mixed-traffic segments where general traffic runs: the traffic's mean speed (queues and
    signal delay in it), at most the bus's free speed; elsewhere the bus's free speed.
    """
    c = state.corridor
    free = np.minimum(c.speed_limit_kmh, max_speed_kmh) / 3.6
    speed = np.broadcast_to(free, (N_BINS, c.n_segments)).copy()
    mixed = (c.running_way == "mixed_traffic")[None, :] & state.active[:, None]
    speed = np.where(mixed, np.minimum(speed, state.speed_kmh(direction) / 3.6), speed)
    return np.ascontiguousarray(speed if direction == 0 else speed[:, ::-1])


def signals_in_traffic(state: TrafficState, direction: int, signal_m: np.ndarray) -> np.ndarray:
    """(bins, signals): whether a bus meets each signal inside general traffic (its delay is in the traffic speed)."""
    c = state.corridor
    position = signal_m if direction == 0 else c.total_length_m - signal_m
    chain = c.station_chainage_m - c.station_chainage_m[0]
    segment = np.clip(np.searchsorted(chain, position, side="right") - 1, 0, c.n_segments - 1)
    mixed = c.running_way[segment] == "mixed_traffic"
    return np.ascontiguousarray(state.active[:, None] & mixed[None, :])


def traffic_summary(state: TrafficState) -> tuple[dict[str, Any], list[str]]:
    """The summary's ``traffic`` section and its loud checks.

    Per direction: vehicles entered, left, on the road and still queued at the end of the period
    (conservation: entered = left + on the road; demand = entered + still waiting to enter), the
    longest queue (metres of queued cells in a row, vehicles in them, when and where it ended),
    every signal or lane section whose queue did not clear for :data:`RESIDUAL_QUEUE_S` (its
    demand exceeded its capacity), with when, and the lane-hours buses closed standing at
    kerbside stops in mixed traffic.
    """
    c = state.corridor
    names = c.station_name.astype(str)
    checks: list[str] = []
    directions = []
    end_snap = lambda d: min(int((state.end_s - d.snapshot_t0_s) // SNAPSHOT_S), len(d.snapshots) - 1)  # noqa: E731
    for direction, d in enumerate(state.directions):
        label = f"to {names[-1]}" if direction == 0 else f"to {names[0]}"
        cells = d.cells
        queued_cells = d.snapshots > (cells.critical_vpm * cells.length_m)[None, :] * 1.05
        start_snap = max(int((state.start_s - d.snapshot_t0_s) // SNAPSHOT_S), 0)
        last = end_snap(d)
        window = queued_cells[start_snap : last + 1]
        run_m = _runs(np.where(window, cells.length_m[None, :], 0.0), window)
        run_v = _runs(np.where(window, d.snapshots[start_snap : last + 1], 0.0), window)
        k, i = np.unravel_index(int(np.argmax(run_m)), run_m.shape) if run_m.size else (0, 0)
        best = (float(run_m[k, i]) if run_m.size else 0.0, float(run_v[k, i]) if run_m.size else 0.0, start_snap + int(k), int(i))
        where = names[cells.segment[best[3]] + (1 if direction == 0 else 0)] if best[0] > 0 else None
        when = clock_hhmm(d.snapshot_t0_s + best[2] * SNAPSHOT_S) if best[0] > 0 else None
        over = _residual_queues(d, queued_cells, start_snap, last, names, direction)
        on_road = float(d.snapshots[last].sum())
        waiting = float(d.queued_veh[last].sum())
        entered = float(d.totals[0] + d.totals[1])
        exited = float(d.totals[2] + d.totals[3])
        conserved = abs(entered - exited - float(d.totals[4])) < 1e-6 * max(entered, 1.0)
        directions.append(
            {
                "direction": label,
                "entered_veh": round(entered, 1),
                "left_veh": round(exited, 1),
                "on_road_at_end_veh": round(on_road, 1),
                "waiting_to_enter_at_end_veh": round(waiting, 1),
                "conserved": conserved,
                "longest_queue_m": round(best[0], 0),
                "longest_queue_veh": round(best[1], 1),
                "longest_queue_at": when,
                "longest_queue_ends_at": where,
                "over_capacity": over,
                "bus_stop_closure_h": round(state.buses[direction].blocking_from_h(state.start_s), 2) if state.buses else 0.0,
            }
        )
        for item in over:
            checks.append(
                f"traffic {label}: the queue at {item['where']} did not clear from {item['from']} to {item['to']}: demand above capacity"
            )
        if waiting > 1.0:
            checks.append(
                f"traffic {label}: the queue reached the corridor's entry; {waiting:.0f} vehicles still waiting to enter at "
                f"the end of the period: it ends GRIDLOCKED"
            )
        if not conserved:
            checks.append(f"traffic {label}: vehicles not conserved (entered {entered:.1f}, left and on the road differ)")
    return {"model": "cell transmission (kinematic wave)", "directions": directions}, checks


def _runs(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per row, the running sum of ``values`` over consecutive ``mask`` cells, reset where the mask is off."""
    total = np.cumsum(values, axis=1)
    base = np.maximum.accumulate(np.where(mask, 0.0, total), axis=1)
    return total - base


def _residual_queues(
    d: DirectionTraffic, queued: np.ndarray, first: int, last: int, names: np.ndarray, direction: int
) -> list[dict[str, str]]:
    """Signals and lane drops whose upstream cell stayed queued for :data:`RESIDUAL_QUEUE_S` or more."""
    cells = d.cells
    needed = int(RESIDUAL_QUEUE_S // SNAPSHOT_S)
    lanes = cells.lanes
    bottleneck = (cells.stop_line >= 0) | np.concatenate([lanes[1:] < lanes[:-1] - 0.25, [False]])
    found = []
    for i in np.flatnonzero(bottleneck):
        run = 0
        for k in range(first, last + 1):
            run = run + 1 if queued[k, i] else 0
            if run == needed:
                start = k - needed + 1
                stop = k
                while stop + 1 <= last and queued[stop + 1, i]:
                    stop += 1
                kind = "signal" if cells.stop_line[i] >= 0 else "lane drop"
                segment = int(cells.segment[i])
                a, b = (names[segment], names[segment + 1]) if direction == 0 else (names[segment + 1], names[segment])
                found.append(
                    {
                        "where": f"{kind} {cells.start_m[i] + cells.length_m[i]:.0f} m along ({a} - {b})",
                        "from": clock_hhmm(d.snapshot_t0_s + start * SNAPSHOT_S),
                        "to": clock_hhmm(d.snapshot_t0_s + stop * SNAPSHOT_S),
                    }
                )
                break
    return found


def clock_hhmm(t_s: float) -> str:
    """Clock time ``HH:MM`` of ``t_s`` (clock s, to the nearest minute; past midnight wraps)."""
    minutes = round(t_s / 60.0)
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"
