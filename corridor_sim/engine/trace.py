"""What a run leaves behind: stop events, trips and passengers as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from corridor_sim.demand import Passengers

#: Columns of :attr:`Trace.passes`.
PASS_COLUMNS = ["trip", "station", "direction", "time_s", "passed_up"]


@dataclass(frozen=True)
class WarmUp:
    """What a warm-up left in the counted period (:mod:`corridor_sim.engine.warm_up`).

    Its passengers rode the buses, taking room and dwell time, but none of them is counted.

    Attributes
    ----------
    run_start_s, period_start_s
        When the run began and when counting began (clock s).
    passengers
        Passengers who reached a platform in the warm-up.
    waiting_at_start, on_board_at_start
        Of them, still on a platform, and on a bus, when the period began.
    on_board_at_end, waiting_at_end
        Of them, still on a bus, and on a platform, when the run ended (the others were delivered).
    load_carried_in
        Boardings less alightings over the stop events that are not counted (their bus left before
        the period began): the passengers the counted stop events start with on board.
    """

    run_start_s: float
    period_start_s: float
    passengers: int
    waiting_at_start: int
    on_board_at_start: int
    on_board_at_end: int
    waiting_at_end: int
    load_carried_in: int


@dataclass(frozen=True)
class Trace:
    """The raw record of a run, for the indicators and the result tables.

    Attributes
    ----------
    stops
        One row per stop a bus made (one that stops on demand runs through the others): ``trip``,
        ``station``, ``direction``, ``arrive_s`` (reached the station), ``berth_s`` (doors open),
        ``depart_s``, ``dwell_s``, ``alighted``, ``boarded``,
        ``denied`` (passengers left behind), ``load_pax`` (on departure), ``signal_stops`` (on the
        way in), ``berth`` (0 the front one), ``last_call_s`` (the doors began to close to new
        passengers). Times are clock seconds.
    trips
        One row per bus trip, row ``k`` trip ``k``: ``trip``, ``bus``, ``service``, ``vehicle`` (its
        fleet), ``direction``, ``scheduled_s``, ``dispatch_s``, ``end_s`` (NaN if unfinished),
        ``stops`` (stations of its pattern), ``km``, ``capacity_pax`` (the bus's).
    passengers
        The passengers (sorted by queue, then arrival).
    board_s, board_trip, left_behind, alight_s
        Per passenger: boarding time (NaN: never), trip boarded (-1: never), times left behind,
        and when the trip reached the destination (NaN: not delivered by the end).
    end_s
        Clock time the simulation stopped.
    fleet_used
        Buses that left the depots.
    warm_up
        What a warm-up left, for a trace counted from the period's start (:meth:`counted_from`);
        ``None``: every record counts.
    passes
        One row per station where a full bus that stops on demand passed passengers waiting for
        it without stopping: ``trip``, ``station``, ``direction``, ``time_s``, ``passed_up`` (each
        of them is left behind once, as by a full bus at a stop). Empty for other services.
    """

    stops: pd.DataFrame
    trips: pd.DataFrame
    passengers: Passengers
    board_s: np.ndarray
    board_trip: np.ndarray
    left_behind: np.ndarray
    alight_s: np.ndarray
    end_s: float
    fleet_used: int
    passes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PASS_COLUMNS))
    warm_up: WarmUp | None = None

    @property
    def period_trips(self) -> pd.DataFrame:
        """The trips that count: every trip, or after a warm-up those dispatched from the period's start on."""
        if self.warm_up is None:
            return self.trips
        return self.trips[self.trips["dispatch_s"] >= self.warm_up.period_start_s]

    def counted_from(self, start_s: float, run_start_s: float) -> Trace:
        """The record that counts from the period's start on, after a warm-up from ``run_start_s`` (clock s).

        - the passengers who reached a platform at or after ``start_s``, with their boarding,
          trip, denials and alighting;
        - the stop events whose bus left the station at or after ``start_s`` (a bus at a platform
          as the period begins counts; the indicators clip its berth time to the period);
        - every trip, so that trip ids still index the table; :attr:`period_trips` are those
          dispatched from ``start_s`` on;
        - the on-demand passes from ``start_s`` on;
        - what the warm-up left (:class:`WarmUp`).
        """
        p = self.passengers
        counted = p.arrive_s >= start_s
        early = ~counted
        boarded = self.board_trip >= 0
        delivered = np.isfinite(self.alight_s)
        on_board_at_start = early & (self.board_s < start_s) & ~(self.alight_s < start_s)
        waiting_at_start = early & ~(self.board_s < start_s)
        left = self.stops["depart_s"].to_numpy() < start_s
        carried = int(self.stops["boarded"].to_numpy()[left].sum() - self.stops["alighted"].to_numpy()[left].sum())
        n_queues = len(p.queue_start)
        queue = np.repeat(np.arange(n_queues), p.queue_end - p.queue_start)[counted]
        kept = Passengers(
            origin=p.origin[counted],
            destination=p.destination[counted],
            arrive_s=p.arrive_s[counted],
            queue_start=np.searchsorted(queue, np.arange(n_queues), side="left").astype(np.int64),
            queue_end=np.searchsorted(queue, np.arange(n_queues), side="right").astype(np.int64),
        )
        warm_up = WarmUp(
            run_start_s=float(run_start_s),
            period_start_s=float(start_s),
            passengers=int(early.sum()),
            waiting_at_start=int(waiting_at_start.sum()),
            on_board_at_start=int(on_board_at_start.sum()),
            on_board_at_end=int((early & boarded & ~delivered).sum()),
            waiting_at_end=int((early & ~boarded).sum()),
            load_carried_in=carried,
        )
        return replace(
            self,
            stops=self.stops[~left].reset_index(drop=True),
            passes=self.passes[self.passes["time_s"].to_numpy(dtype=float) >= start_s].reset_index(drop=True),
            passengers=kept,
            board_s=self.board_s[counted],
            board_trip=self.board_trip[counted],
            left_behind=self.left_behind[counted],
            alight_s=self.alight_s[counted],
            warm_up=warm_up,
        )
