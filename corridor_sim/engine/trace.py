"""What a run leaves behind: stop events, trips and passengers as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from corridor_sim.demand import Passengers

#: Columns of :attr:`Trace.passes`.
PASS_COLUMNS = ["trip", "station", "direction", "time_s", "passed_up"]


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
        One row per bus trip: ``trip``, ``bus``, ``service``, ``vehicle`` (its fleet), ``direction``,
        ``scheduled_s``, ``dispatch_s``, ``end_s`` (NaN if unfinished), ``stops`` (stations of its pattern),
        ``km``, ``capacity_pax`` (the bus's).
    passengers
        The passengers (sorted by queue, then arrival).
    board_s, board_trip, left_behind, alight_s
        Per passenger: boarding time (NaN: never), trip boarded (-1: never), times left behind,
        and when the trip reached the destination (NaN: not delivered by the end).
    end_s
        Clock time the simulation stopped.
    fleet_used
        Buses that left the depots.
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
