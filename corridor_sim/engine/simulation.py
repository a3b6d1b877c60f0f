"""The SimPy model: dispatchers, bus trips, stations with berths.

- A dispatcher per service and terminal releases a bus of the service's fleet at each scheduled
  departure: one of that fleet waiting at that terminal, else one from its depot while the fleet
  lasts, else the next of it to arrive there (the departure runs late).
- A trip runs stop to stop (:func:`~corridor_sim.kernels.motion.leg_run_time_s` for the run,
  with the cruise speed of the departure's traffic bin; buses share each signal's stop line at
  their saturation headway). At each served station it visits the
  platform (:mod:`~corridor_sim.engine.station`: berths, no overtaking without a passing lane),
  exchanging passengers when the doors open (:func:`~corridor_sim.kernels.passengers.serve_stop`)
  and dwelling as :mod:`~corridor_sim.engine.dwell` says.
- A bus of a service that stops on demand (``ServicePlan.on_demand``, today's minibuses) stops
  only where someone alights or hails it (:mod:`~corridor_sim.kernels.on_demand`): it runs
  through the other stations of its pattern, deciding only at those where a passenger for it
  may be waiting, when it gets there. The trace holds the stops it made; the passengers a full
  bus passed by are in ``Trace.passes``.
- After its last stop the bus lays over and then waits at that terminal for its next departure.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import simpy

from corridor_sim.corridor import Corridor
from corridor_sim.demand import Passengers
from corridor_sim.engine.on_demand_day import STOP_COLUMNS, TRIP_COLUMNS, covers, run_day
from corridor_sim.engine.operations import Operations, ServicePlan
from corridor_sim.engine.station import Platform
from corridor_sim.engine.trace import PASS_COLUMNS, Trace
from corridor_sim.engine.traffic import BIN_S, time_bin
from corridor_sim.engine.vehicles import SATURATION_HEADWAY_S
from corridor_sim.kernels.motion import leg_run_time_s
from corridor_sim.kernels.on_demand import destination_chains, hailed, next_stop
from corridor_sim.kernels.passengers import serve_stop


class Simulation:
    """One run of the engine. Build it, call :meth:`run` once.

    With ``compiled`` (the default), a run the compiled event loop covers (today's minibuses:
    :func:`~corridor_sim.engine.on_demand_day.covers`) runs there, with the same records; else,
    and with ``compiled=False``, on SimPy.
    """

    def __init__(self, corridor: Corridor, ops: Operations, passengers: Passengers, compiled: bool = True) -> None:
        self.ops = ops
        self.compiled = compiled
        self.env = simpy.Environment(initial_time=ops.run_start_s)  # the warm-up's start, if any
        self.n_stations = len(corridor.station_name)
        self.passengers = passengers
        n_pax = len(passengers)
        self.board_s = np.full(n_pax, np.nan)
        self.board_trip = np.full(n_pax, -1, dtype=np.int64)
        self.left_behind = np.zeros(n_pax, dtype=np.int32)
        self.queue_head = passengers.queue_start.copy()
        max_trips = sum(len(d) for s in ops.services for d in s.departures_s)
        self.onboard = np.zeros((max(max_trips, 1), self.n_stations), dtype=np.int64)
        self.platforms = [  # per direction, station and stopping area
            [
                [
                    Platform(self.env, int(ops.berths[s]), bool(ops.passing_lane[s]), ops.clearance_s)
                    for _ in range(ops.substops[s])
                ]
                for s in range(self.n_stations)
            ]
            for _ in range(2)
        ]
        self.pools = [[simpy.Store(self.env) for _ in range(self.n_stations)] for _ in ops.fleets]  # per fleet and terminal
        self.depot = [fleet.buses for fleet in ops.fleets]
        self.first_bus = np.concatenate([[0], np.cumsum([fleet.buses for fleet in ops.fleets])[:-1]]).astype(int)
        self.dwell_params = [fleet.dwell.params for fleet in ops.fleets]
        self.no_profile = np.empty(0)  # the engine does not record the per-segment split
        self.signal_free_s = [np.full(len(layout.signal_m), -np.inf) for layout in ops.layouts]  # buses share the stop lines
        self.stop_rows: list[tuple] = []
        self.pass_rows: list[tuple] = []
        self.trip_rows: list[list] = []
        self.serves = []
        self.patterns = []  # per service and direction: its stations' chainage, index, queue and platform in running order
        for plan in ops.services:
            mask = np.zeros(self.n_stations, dtype=np.bool_)
            mask[plan.stations] = True
            self.serves.append(mask)
            layouts = ops.fleets[plan.fleet].layouts
            self.patterns.append([
                (
                    np.ascontiguousarray(layouts[d].station_m[st]), np.ascontiguousarray(st), d * self.n_stations + st,
                    [self.platforms[d][s][plan.substop] for s in st],
                )
                for d, st in ((0, plan.stations), (1, plan.stations[::-1]))
            ])  # fmt: skip
        if any(plan.on_demand for plan in ops.services):  # who waits for which station, for buses stopping on demand
            self.chain_head, self.next_same = destination_chains(
                passengers.destination, passengers.queue_start, passengers.queue_end, self.n_stations
            )

    def run(self) -> Trace:
        """Run from the warm-up's start to the end of the period (or until every dispatched trip has finished).

        Python's cyclic garbage collector is paused while it runs: the run makes a great many
        short-lived objects (events, rows) but no reference cycles to collect (SimPy breaks an
        event's cycle once it is processed), and the collections they would trigger took 15-20 %
        of a day's run. It resumes (if it was on) when the run ends.
        """
        if self.compiled and covers(self.ops):
            stops, trips, passes, end_s, depot = run_day(self)
            return self._trace_from(stops, trips, passes, end_s, self.ops.buses - depot)
        for k, plan in enumerate(self.ops.services):
            for direction in (0, 1):
                self.env.process(self._dispatcher(k, plan, direction))
        collecting = gc.isenabled()
        gc.disable()
        try:
            if self.ops.finish_trips:
                self.env.run()
            else:
                self.env.run(until=self.ops.end_s)
        finally:
            if collecting:
                gc.enable()
        return self._trace()

    def _dispatcher(self, k: int, plan: ServicePlan, direction: int):
        stations = plan.stations if direction == 0 else plan.stations[::-1]
        f = plan.fleet
        fleet = self.ops.fleets[f]
        pool = self.pools[f][stations[0]]
        for scheduled in plan.departures_s[direction].tolist():  # Python floats: the clock is one (numpy scalars are slow)
            if scheduled > self.env.now:
                yield self.env.timeout(scheduled - self.env.now)
            if pool.items or self.depot[f] == 0:
                bus = yield pool.get()
            else:
                bus = self.first_bus[f] + fleet.buses - self.depot[f]
                self.depot[f] -= 1
            trip = len(self.trip_rows)
            layout = fleet.layouts[direction]
            km = abs(layout.station_m[stations[-1]] - layout.station_m[stations[0]]) / 1000.0
            self.trip_rows.append([
                trip, bus, plan.name, fleet.name, direction, scheduled, self.env.now, np.nan, len(stations), km,
                fleet.vehicle.capacity_pax,
            ])  # fmt: skip
            body = self._trip_on_demand if plan.on_demand else self._trip
            self.env.process(body(trip, bus, k, stations, direction))

    def _trip(self, trip: int, bus: int, k: int, stations: np.ndarray, direction: int):
        env, ops = self.env, self.ops
        f = ops.services[k].fleet
        layout = ops.fleets[f].layouts[direction]
        vehicle = ops.fleets[f].vehicle
        dwell_params = self.dwell_params[f]
        serves = self.serves[k]
        p = self.passengers
        load = 0
        signal_stops = 0
        for i, station in enumerate(stations):
            arrive = env.now
            exchange: list[float] = []

            def dwell_s(station: int = station) -> float:
                nonlocal load
                alighted, boarded, denied, load, dwell, last_call = serve_stop(
                    env.now, direction * self.n_stations + station, station, trip, vehicle.capacity_pax, load, serves,
                    p.arrive_s, p.destination, self.queue_head, p.queue_end, self.board_s, self.board_trip,
                    self.left_behind, self.onboard, vehicle.seats, dwell_params,
                )  # fmt: skip
                exchange[:] = (alighted, boarded, denied, last_call)  # noqa: B023 - called within this iteration
                return dwell

            visit = yield from self.platforms[direction][station][self.ops.services[k].substop].visit(dwell_s)
            alighted, boarded, denied, last_call = exchange
            self.stop_rows.append((
                trip, station, direction, arrive, visit.berth_s, visit.depart_s, visit.dwell_s, alighted, boarded, denied,
                load, signal_stops, visit.berth, last_call,
            ))  # fmt: skip
            run_s = 0.0
            if i + 1 < len(stations):
                run_s, signal_stops = leg_run_time_s(
                    visit.depart_s, layout.station_m[station], layout.station_m[stations[i + 1]], layout.bounds_m,
                    layout.speed_ms[time_bin(visit.depart_s)], vehicle.accel_ms2, vehicle.decel_ms2, layout.signal_m,
                    layout.cycle_s, layout.green_s, layout.offset_s, ops.green_extension_s,
                    layout.signal_in_traffic[time_bin(visit.depart_s)], self.no_profile, self.no_profile, self.no_profile,
                    self.signal_free_s[direction], SATURATION_HEADWAY_S,
                )  # fmt: skip
            yield env.timeout(visit.depart_s - env.now + run_s)  # dwell (and any wait to leave), then the run
        self.trip_rows[trip][7] = env.now
        yield env.timeout(ops.layover_s)
        self._lay_up(self.pools[f][stations[-1]], bus)

    @staticmethod
    def _lay_up(pool: simpy.Store, bus: int) -> None:
        """Put ``bus`` in its terminal's pool: to a dispatcher waiting for one, or among those waiting there."""
        if pool.get_queue:
            pool.put(bus)
        else:
            pool.items.append(bus)  # as pool.put(bus) does, without an event no one waits for

    def _trip_on_demand(self, trip: int, bus: int, k: int, stations: np.ndarray, direction: int):
        """A trip of a service that stops on demand: as :meth:`_trip`, but from each stop it makes it
        runs through to the next one it must or may make (:func:`~corridor_sim.kernels.on_demand.next_stop`),
        deciding at the latter when it gets there (:func:`~corridor_sim.kernels.on_demand.hailed`)."""
        env, ops, p, n = self.env, self.ops, self.passengers, self.n_stations
        f = ops.services[k].fleet
        layout = ops.fleets[f].layouts[direction]
        vehicle = ops.fleets[f].vehicle
        capacity, seats = vehicle.capacity_pax, vehicle.seats
        motion = (layout.bounds_m, layout.speed_ms, float(BIN_S), vehicle.accel_ms2, vehicle.decel_ms2)
        dwell_params = self.dwell_params[f]
        serves = self.serves[k]
        stop_m, stop_station, stop_queue, platforms = self.patterns[k][direction]
        signals = (layout.signal_m, layout.cycle_s, layout.green_s, layout.offset_s, ops.green_extension_s)
        signal_free = self.signal_free_s[direction]
        chains = (n, self.chain_head, self.next_same, p.arrive_s, self.board_trip)
        last = len(stations) - 1
        load = 0
        signal_stops = 0
        i = 0
        while True:
            station = stop_station[i]
            arrive = env.now
            exchange: list[float] = []

            def dwell_s(station: int = station, queue: int = stop_queue[i]) -> float:
                nonlocal load
                alighted, boarded, denied, load, dwell, last_call = serve_stop(
                    env.now, queue, station, trip, capacity, load, serves, p.arrive_s, p.destination, self.queue_head,
                    p.queue_end, self.board_s, self.board_trip, self.left_behind, self.onboard, seats, dwell_params,
                )  # fmt: skip
                exchange[:] = (alighted, boarded, denied, last_call)  # noqa: B023 - called within this iteration
                return dwell

            visit = yield from platforms[i].visit(dwell_s)
            alighted, boarded, denied, last_call = exchange
            self.stop_rows.append((
                trip, station, direction, arrive, visit.berth_s, visit.depart_s, visit.dwell_s, alighted, boarded, denied,
                load, signal_stops, visit.berth, last_call,
            ))  # fmt: skip
            if i == last:
                yield env.timeout(visit.depart_s - env.now)  # the last dwell
                break
            # run through to the next stop it makes, reading the traffic again at each station it passes
            depart, origin_m = visit.depart_s, stop_m[i]
            t, x, from_rest, signal_stops, nxt = depart, origin_m, True, 0, i + 1
            while True:
                j, pass_s, rest_s, signal_stops, sure = next_stop(
                    t, x, from_rest, depart, origin_m, signal_stops, nxt, stop_m, stop_station, stop_queue, *motion,
                    *signals, layout.signal_in_traffic, signal_free, SATURATION_HEADWAY_S, trip, *chains, self.onboard,
                )  # fmt: skip
                if not sure:  # someone may be waiting there for it: it decides when it gets there
                    yield env.timeout(min(pass_s, rest_s) - env.now)
                    passed = hailed(
                        env.now, stop_queue[j], stop_station[j], stop_station[j + 1 :], trip, capacity, load, *chains,
                        self.left_behind, self.onboard,
                    )  # fmt: skip
                    if passed >= 0:  # nobody for it any more, or it is full: it runs on
                        if passed:
                            self.pass_rows.append((trip, stop_station[j], direction, env.now, passed))
                        t, x, from_rest, nxt = pass_s, stop_m[j], False, j + 1
                        continue
                yield env.timeout(rest_s - env.now)
                break
            i = j
        self.trip_rows[trip][7] = env.now
        yield env.timeout(ops.layover_s)
        self._lay_up(self.pools[f][stations[-1]], bus)

    def _trace(self) -> Trace:
        trips = pd.DataFrame(self.trip_rows, columns=TRIP_COLUMNS)
        passes = _frame(self.pass_rows, PASS_COLUMNS)
        fleet_used = self.ops.buses - sum(self.depot)
        return self._trace_from(_frame(self.stop_rows, STOP_COLUMNS), trips, passes, float(self.env.now), fleet_used)

    def _trace_from(self, stops: pd.DataFrame, trips: pd.DataFrame, passes: pd.DataFrame, end_s: float, fleet_used: int) -> Trace:
        return Trace(
            stops=stops,
            trips=trips,
            passes=passes,
            passengers=self.passengers,
            board_s=self.board_s,
            board_trip=self.board_trip,
            left_behind=self.left_behind,
            alight_s=self._alight_s(stops),
            end_s=end_s,
            fleet_used=fleet_used,
        )

    def _alight_s(self, stops: pd.DataFrame) -> np.ndarray:
        """Per passenger: when the boarded trip opened its doors at the destination (NaN: not yet)."""
        out = np.full(len(self.passengers), np.nan)
        on = np.flatnonzero(self.board_trip >= 0)
        # a trip stops at a station at most once: its stops by (trip, station), looked up (not a trips x stations grid)
        stop_key = stops["trip"].to_numpy() * self.n_stations + stops["station"].to_numpy()
        order = np.argsort(stop_key, kind="stable")
        sorted_key = stop_key[order]
        wanted = self.board_trip[on] * self.n_stations + self.passengers.destination[on]
        at = np.minimum(np.searchsorted(sorted_key, wanted), max(len(sorted_key) - 1, 0))
        found = sorted_key[at] == wanted if len(sorted_key) else np.zeros(len(on), dtype=bool)
        out[on[found]] = stops["berth_s"].to_numpy()[order[at[found]]]
        return out


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    """A table from rows of plain values, built column by column (much faster than from the rows)."""
    if not rows:
        return pd.DataFrame(rows, columns=columns)
    return pd.DataFrame({name: np.asarray(values) for name, values in zip(columns, zip(*rows, strict=True), strict=True)})
