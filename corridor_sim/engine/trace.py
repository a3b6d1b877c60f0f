"""What a run leaves behind: stop events, trips and passengers as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor_sim.demand import Passengers


@dataclass(frozen=True)
class Trace:
    """The raw record of a run, for the indicators and the result tables.

    Attributes
    ----------
    stops
        One row per bus stop event: ``trip``, ``station``, ``direction``, ``arrive_s`` (reached the
        station), ``berth_s`` (doors open), ``depart_s``, ``dwell_s``, ``alighted``, ``boarded``,
        ``denied`` (passengers left behind), ``load_pax`` (on departure), ``signal_stops`` (on the
        way in), ``berth`` (0 the front one), ``last_call_s`` (the doors began to close to new
        passengers). Times are clock seconds.
    trips
        One row per bus trip: ``trip``, ``bus``, ``service``, ``vehicle`` (its fleet), ``direction``,
        ``scheduled_s``, ``dispatch_s``, ``end_s`` (NaN if unfinished), ``stops`` (stations served),
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
