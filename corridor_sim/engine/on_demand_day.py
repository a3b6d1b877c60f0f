"""Today's minibus day on the compiled event loop (:mod:`corridor_sim.kernels.on_demand_day`).

:class:`~corridor_sim.engine.simulation.Simulation` hands a run to it when the loop covers every
process of the run (:func:`covers`): every service stops on demand, one fleet, and every platform
its buses use has a passing lane (as the minibus baseline builds them). The loop's records are
the SimPy engine's, row for row; this module only lays the run out as arrays and the records
back as the trace's tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from corridor_sim.engine.trace import PASS_COLUMNS
from corridor_sim.engine.traffic import BIN_S
from corridor_sim.engine.vehicles import SATURATION_HEADWAY_S
from corridor_sim.kernels.on_demand_day import STOP_FLOAT, STOP_INT, run_on_demand_day

if TYPE_CHECKING:
    from corridor_sim.engine.operations import Operations
    from corridor_sim.engine.simulation import Simulation

#: Columns of :attr:`~corridor_sim.engine.trace.Trace.stops`, in order.
STOP_COLUMNS = [
    "trip", "station", "direction", "arrive_s", "berth_s", "depart_s", "dwell_s",
    "alighted", "boarded", "denied", "load_pax", "signal_stops", "berth", "last_call_s",
]  # fmt: skip
#: Columns of :attr:`~corridor_sim.engine.trace.Trace.trips`, in order.
TRIP_COLUMNS = [
    "trip", "bus", "service", "vehicle", "direction", "scheduled_s", "dispatch_s", "end_s", "stops", "km", "capacity_pax",
]  # fmt: skip


def covers(ops: Operations) -> bool:
    """Whether the compiled loop runs these operations: on-demand services only, each over consecutive stations
    (so the stations it serves beyond one are a range), one fleet, passing lanes where they stop."""
    if not ops.services or len(ops.fleets) != 1:
        return False
    if not all(plan.on_demand and np.all(np.diff(plan.stations) == 1) for plan in ops.services):
        return False
    used = np.concatenate([plan.stations for plan in ops.services])
    forward, backward = ops.fleets[0].layouts
    return bool(np.all(ops.passing_lane[used])) and forward.signal_m.shape == backward.signal_m.shape


def run_day(sim: Simulation) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, float, int]:
    """Run ``sim``'s day on the compiled loop (``sim``'s passenger arrays are updated in place).

    Returns
    -------
    stops, trips, passes : pandas.DataFrame
        The trace's tables, as the SimPy engine builds them.
    end_s : float
        The clock when the run stopped.
    depot : int
        Buses never taken out of the depot.
    """
    ops, n = sim.ops, sim.n_stations
    fleet = ops.fleets[0]
    layouts, vehicle = fleet.layouts, fleet.vehicle
    plat_berths = [int(ops.berths[s]) for _ in range(2) for s in range(n) for _ in range(int(ops.substops[s]))]
    plat_berth_start = np.concatenate([[0], np.cumsum(plat_berths)]).astype(np.int64)
    sub_start = np.concatenate([[0], np.cumsum(ops.substops)]).astype(np.int64)  # one direction's platforms
    patterns, departures, names, km = [], [], [], []
    for plan in ops.services:
        for d, st in ((0, plan.stations), (1, plan.stations[::-1])):
            st = np.ascontiguousarray(st, dtype=np.int64)
            platform = d * sub_start[-1] + sub_start[st] + plan.substop
            patterns.append((layouts[d].station_m[st], st, d * n + st, platform))
            departures.append(np.asarray(plan.departures_s[d], dtype=float))
            names.append(plan.name)
            km.append(abs(layouts[d].station_m[st[-1]] - layouts[d].station_m[st[0]]) / 1000.0)
    pat_start = np.concatenate([[0], np.cumsum([len(p[1]) for p in patterns])]).astype(np.int64)
    pat = [np.ascontiguousarray(np.concatenate([p[c] for p in patterns])) for c in range(4)]
    dep_start = np.concatenate([[0], np.cumsum([len(d) for d in departures])]).astype(np.int64)
    stack = lambda name: np.ascontiguousarray(np.stack([getattr(layouts[d], name) for d in (0, 1)]))  # noqa: E731
    motion = (
        stack("bounds_m"),
        stack("speed_ms").astype(float),
        float(BIN_S),
        float(vehicle.accel_ms2),
        float(vehicle.decel_ms2),
    )
    signals = (
        stack("signal_m"), stack("cycle_s"), stack("green_s"), stack("offset_s"), float(ops.green_extension_s),
        stack("signal_in_traffic"),
    )  # fmt: skip
    signal_free = np.full((2, layouts[0].signal_m.shape[0]), -np.inf)
    p = sim.passengers
    passengers = (
        p.arrive_s,
        p.destination,
        sim.queue_head,
        p.queue_end,
        sim.board_s,
        sim.board_trip,
        sim.left_behind,
        sim.onboard,
    )
    (stop_int, stop_float, pass_int, pass_time, trip_dispatcher, trip_bus, scheduled, dispatch, end, end_s, depot) = (
        run_on_demand_day(
            float(ops.run_start_s), float(ops.end_s), bool(ops.finish_trips), n, dep_start, np.concatenate(departures),
            pat_start, *pat, plat_berth_start, float(ops.clearance_s),
            float(ops.layover_s), int(fleet.buses), int(vehicle.capacity_pax), int(vehicle.seats), fleet.dwell.params,
            motion, signals, signal_free, float(SATURATION_HEADWAY_S), (sim.chain_head, sim.next_same), passengers,
        )
    )  # fmt: skip
    return (
        _stops(stop_int, stop_float),
        _trips(trip_dispatcher, trip_bus, scheduled, dispatch, end, pat_start, names, km, fleet),
        _passes(pass_int, pass_time),
        float(end_s),
        int(depot),
    )


def _stops(stop_int: np.ndarray, stop_float: np.ndarray) -> pd.DataFrame:
    if len(stop_int) == 0:
        return pd.DataFrame([], columns=STOP_COLUMNS)
    columns = {name: stop_int[:, c] for c, name in enumerate(STOP_INT)} | {
        name: stop_float[:, c] for c, name in enumerate(STOP_FLOAT)
    }
    return pd.DataFrame({name: np.ascontiguousarray(columns[name]) for name in STOP_COLUMNS})


def _passes(pass_int: np.ndarray, pass_time: np.ndarray) -> pd.DataFrame:
    if len(pass_int) == 0:
        return pd.DataFrame([], columns=PASS_COLUMNS)
    trip, station, direction, passed = (np.ascontiguousarray(pass_int[:, c]) for c in range(4))
    return pd.DataFrame(dict(zip(PASS_COLUMNS, (trip, station, direction, pass_time, passed), strict=True)))


def _trips(
    dispatcher: np.ndarray,
    bus: np.ndarray,
    scheduled: np.ndarray,
    dispatch: np.ndarray,
    end: np.ndarray,
    pat_start: np.ndarray,
    names: list[str],
    km: list[float],
    fleet,
) -> pd.DataFrame:
    if len(dispatcher) == 0:
        return pd.DataFrame([], columns=TRIP_COLUMNS)
    values = (
        np.arange(len(dispatcher)), bus, np.asarray(names, dtype=object)[dispatcher], np.full(len(dispatcher), fleet.name, dtype=object),
        dispatcher % 2, scheduled, dispatch, end, np.diff(pat_start)[dispatcher], np.asarray(km, dtype=float)[dispatcher],
        np.full(len(dispatcher), fleet.vehicle.capacity_pax),
    )  # fmt: skip
    return pd.DataFrame(dict(zip(TRIP_COLUMNS, values, strict=True)))
