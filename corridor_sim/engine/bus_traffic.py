"""Buses in mixed traffic as the general traffic sees them: capacity taken in the flow and at the kerb.

On a mixed-traffic segment a bus is part of the flow, ``traffic.bus_pcu`` passenger-car units
each (HCM 2010 counts a heavy vehicle as 2.0 through a signalized junction, ``E_T``), and a bus
standing at a stop there closes the kerb lane from its arrival to its departure (a one-lane
street is closed). On busways and curbside bus lanes the general traffic does not meet the buses.

The engine couples the two in one pass (:func:`corridor_sim.engine.runner.simulate`): the buses
first run in the traffic without them, their stops and legs then load the traffic model, which
is run again, and the buses run a second time in that traffic. The second pass's buses are
the reported ones; its stops differ from the first pass's by the delay the buses add to
themselves through the traffic (small unless they fill the street).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor_sim.corridor import Corridor
from corridor_sim.engine.layout import DirectionLayout
from corridor_sim.engine.traffic import BIN_S, N_BINS, Cells


@dataclass(frozen=True)
class BusesInTraffic:
    """One direction's buses where they share the road, in that direction's chainage.

    Attributes
    ----------
    leg_from_m, leg_to_m, leg_depart_s
        Each run between two stops: from and to (m) and when it left (clock s).
    stop_m, stop_from_s, stop_to_s
        Each stop at a kerbside platform in mixed traffic: where (m), arrival and departure (clock s).
    pcu
        Passenger-car units of a bus.
    """

    leg_from_m: np.ndarray
    leg_to_m: np.ndarray
    leg_depart_s: np.ndarray
    stop_m: np.ndarray
    stop_from_s: np.ndarray
    stop_to_s: np.ndarray
    pcu: float

    def on_cells(self, cells: Cells, mixed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The buses as the traffic kernel takes them (:func:`~corridor_sim.kernels.traffic_flow.run_cells`).

        Parameters
        ----------
        cells
            This direction's cells.
        mixed
            Per cell: whether buses run in the general traffic there.

        Returns
        -------
        bus_pcu_vps, block_cell, block_start_s, block_end_s
            (bins, cells) bus flow in passenger-car units per second; lane closures by cell, sorted by start.
        """
        ends = cells.start_m + cells.length_m
        n = len(ends)
        cell_of = lambda x: np.minimum(np.searchsorted(ends, x - 1e-6), n - 1)  # noqa: E731 - the cell whose stretch holds x
        counts = np.zeros((N_BINS, n + 1))
        rows = np.minimum((self.leg_depart_s // BIN_S).astype(np.int64), N_BINS - 1)
        first, last = cell_of(self.leg_from_m) + 1, cell_of(self.leg_to_m) + 1  # the cells after the stop, to the next stop's
        np.add.at(counts, (rows, first), 1.0)
        np.add.at(counts, (rows, last), -1.0)
        flow = np.cumsum(counts, axis=1)[:, :n] * mixed[None, :] * self.pcu / BIN_S
        cell = cell_of(self.stop_m)
        keep = mixed[cell] & (self.stop_to_s > self.stop_from_s)
        order = np.argsort(self.stop_from_s[keep], kind="stable")
        return (
            np.ascontiguousarray(flow),
            cell[keep][order].astype(np.int64),
            self.stop_from_s[keep][order].astype(float),
            self.stop_to_s[keep][order].astype(float),
        )

    @property
    def blocking_h(self) -> float:
        """Lane-hours closed by buses standing at kerbside stops."""
        return float(np.sum(self.stop_to_s - self.stop_from_s) / 3600.0)

    def blocking_from_h(self, start_s: float) -> float:
        """Lane-hours closed by buses standing at kerbside stops from clock time ``start_s`` on (a warm-up's left out)."""
        return float(np.sum(np.maximum(self.stop_to_s - np.maximum(self.stop_from_s, start_s), 0.0)) / 3600.0)


def buses_in_traffic(
    corridor: Corridor, layouts: tuple[DirectionLayout, DirectionLayout], stops: pd.DataFrame, pcu: float
) -> tuple[BusesInTraffic, BusesInTraffic] | None:
    """Both directions' buses on mixed-traffic segments from a run's stop events, or None where there are none.

    Parameters
    ----------
    corridor
        The corridor (its ``running_way`` per segment).
    layouts
        The directions' layouts (station chainages).
    stops
        The run's stop events (:class:`~corridor_sim.engine.trace.Trace` ``stops``).
    pcu
        Passenger-car units of a bus.
    """
    mixed = corridor.running_way == "mixed_traffic"
    if not mixed.any() or stops.empty:
        return None
    out = []
    for direction in (0, 1):
        s = stops[stops["direction"] == direction].sort_values(["trip", "arrive_s"])
        station = s["station"].to_numpy()
        at_m = layouts[direction].station_m[station]
        # the segment a bus stands on at a station: the one it arrived by (the first one at the first station)
        before = station - 1 if direction == 0 else station
        segment = np.clip(before, 0, corridor.n_segments - 1)
        kerb = mixed[segment]
        same_trip = s["trip"].to_numpy()[1:] == s["trip"].to_numpy()[:-1]
        depart = s["depart_s"].to_numpy()
        out.append(
            BusesInTraffic(
                leg_from_m=at_m[:-1][same_trip],
                leg_to_m=at_m[1:][same_trip],
                leg_depart_s=depart[:-1][same_trip],
                stop_m=at_m[kerb],
                stop_from_s=s["arrive_s"].to_numpy()[kerb],
                stop_to_s=depart[kerb],
                pcu=pcu,
            )
        )
    return out[0], out[1]
