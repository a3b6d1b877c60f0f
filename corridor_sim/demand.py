"""Passenger demand: origin-destination flows by time of day, and Poisson arrivals from them.

A scenario gives the peak hour's flows, either as OD flows or as boardings and alightings per
station. Station counts become OD flows by biproportional fitting (the Furness method; Ortuzar &
Willumsen, *Modelling Transport*, 4th ed., section 5.2): starting from one trip between every pair
of different stations (no information on trip length), rows are scaled to the boardings and
columns to the alightings, in turn, until both match within 1e-9 (alightings are first scaled to
the boardings' total). An hourly profile scales the flows from each clock time on, and from
``reverse_after`` the flows run the other way (the evening mirrors the morning).

Arrivals are a Poisson process per OD pair, piecewise constant in rate: the count in each piece
is Poisson and the times uniform within it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from corridor_sim._errors import ScenarioError
from corridor_sim.scenario import Scenario, clock_s

_PIECE_S = 900.0


@dataclass(frozen=True)
class Demand:
    """Peak-hour OD flows and how they change over the day.

    Attributes
    ----------
    peak_od_pax_h
        Flows from station i (row) to station j (column) in the peak hour (pax/h), stations in
        running order.
    profile
        (clock time s, factor) pairs, sorted: the factor applies from that time on.
    reverse_after_s
        From this clock time (s) the flows are transposed (``None``: never).
    """

    peak_od_pax_h: np.ndarray
    profile: tuple[tuple[float, float], ...]
    reverse_after_s: float | None

    def factor(self, t_s: float) -> float:
        """The profile's factor at clock time ``t_s`` (1.0 before its first entry or without one)."""
        value = 1.0
        for start, factor in self.profile:
            if t_s >= start:
                value = factor
        return value

    def od_pax_h(self, t_s: float) -> np.ndarray:
        """OD flows at clock time ``t_s`` (pax/h)."""
        od = self.peak_od_pax_h.T if self.reverse_after_s is not None and t_s >= self.reverse_after_s else self.peak_od_pax_h
        return od * self.factor(t_s)

    def held_in_warm_up(self, run_start_s: float, start_s: float) -> Demand:
        """This demand for a run that warms up from ``run_start_s``: before the profile's first clock time
        the warm-up takes the factor at the period's ``start_s`` instead of 1.0 (the clock holds after it;
        see :mod:`corridor_sim.engine.warm_up`). Itself without a warm-up or a profile."""
        if run_start_s >= start_s or not self.profile or self.profile[0][0] <= run_start_s:
            return self
        return replace(self, profile=((float(run_start_s), self.factor(start_s)), *self.profile))


@dataclass(frozen=True)
class Passengers:
    """Passengers as arrays sorted by queue, then arrival time.

    Attributes
    ----------
    origin, destination
        Station indices (running order).
    arrive_s
        Arrival at the origin platform (clock s).
    queue_start, queue_end
        Bounds of each queue (``direction * n_stations + origin``; direction 0 runs in station
        order, 1 against it) in the arrays.
    """

    origin: np.ndarray
    destination: np.ndarray
    arrive_s: np.ndarray
    queue_start: np.ndarray
    queue_end: np.ndarray

    def __len__(self) -> int:
        return len(self.arrive_s)

    @property
    def direction(self) -> np.ndarray:
        """0 where the trip runs in station order, else 1."""
        return (self.destination < self.origin).astype(np.int8)


def build_demand(scenario: Scenario) -> Demand:
    """The scenario's demand as OD flows.

    Raises
    ------
    ScenarioError
        If the scenario has no ``[demand]``, or its station counts cannot be balanced.
    """
    spec = scenario.demand
    if spec is None:
        raise ScenarioError(f"{scenario.path or scenario.name}: no [demand]; give demand.od or demand.stations")
    names = [s.name for s in scenario.corridor.stations]
    index = {n: i for i, n in enumerate(names)}
    n = len(names)
    od = np.zeros((n, n))
    if spec.od:
        for flow in spec.od:
            od[index[flow.from_station], index[flow.to_station]] += flow.pax_per_h
    else:
        boardings, alightings = np.zeros(n), np.zeros(n)
        for row in spec.stations:
            boardings[index[row.name]] += row.boardings_per_h
            alightings[index[row.name]] += row.alightings_per_h
        od = furness(boardings, alightings)
    np.fill_diagonal(od, 0.0)
    profile = tuple(sorted((float(clock_s(k)), float(v)) for k, v in spec.profile.items()))
    reverse = float(clock_s(spec.reverse_after)) if spec.reverse_after else None
    return Demand(peak_od_pax_h=od, profile=profile, reverse_after_s=reverse)


def furness(boardings: np.ndarray, alightings: np.ndarray, tolerance: float = 1e-9, max_rounds: int = 1000) -> np.ndarray:
    """OD flows whose row sums are ``boardings`` and column sums ``alightings`` (Furness method).

    Parameters
    ----------
    boardings, alightings
        Per station (pax/h). Alightings are scaled to the boardings' total first.
    tolerance
        Largest relative mismatch of any row or column sum accepted.
    max_rounds
        Balancing rounds before giving up.

    Returns
    -------
    numpy.ndarray
        (n, n) flows with a zero diagonal.

    Raises
    ------
    ScenarioError
        If no balanced matrix exists (e.g. one station has all the boardings and all the
        alightings).
    """
    b = np.asarray(boardings, dtype=float)
    a = np.asarray(alightings, dtype=float)
    if b.sum() <= 0 or a.sum() <= 0:
        raise ScenarioError("demand.stations: boardings and alightings must each total more than zero")
    a = a * b.sum() / a.sum()
    od = np.ones((len(b), len(b)))
    np.fill_diagonal(od, 0.0)
    for _ in range(max_rounds):
        rows = od.sum(axis=1)
        od *= np.divide(b, rows, out=np.zeros_like(b), where=rows > 0)[:, None]
        cols = od.sum(axis=0)
        od *= np.divide(a, cols, out=np.zeros_like(a), where=cols > 0)[None, :]
        scale = max(b.max(), 1.0)
        if np.abs(od.sum(axis=1) - b).max() <= tolerance * scale and np.abs(od.sum(axis=0) - a).max() <= tolerance * scale:
            return od
    raise ScenarioError(
        "demand.stations: boardings and alightings cannot be balanced into OD flows (a station has more "
        "boardings than all other stations' alightings, or the reverse); check the counts"
    )


def sample_passengers(demand: Demand, start_s: float, end_s: float, served: np.ndarray, rng: np.random.Generator) -> Passengers:
    """Draw Poisson arrivals for ``[start_s, end_s)`` on the OD pairs in ``served``.

    Parameters
    ----------
    demand
        The OD flows by time.
    start_s, end_s
        The period (clock s).
    served
        (n, n) bool: OD pairs some service carries; others generate no passengers.
    rng
        Random generator (the run's demand stream).

    Returns
    -------
    Passengers
        Sorted by queue, then arrival time.
    """
    n = demand.peak_od_pax_h.shape[0]
    cuts = {start_s, end_s, *(t for t, _ in demand.profile), *np.arange(start_s, end_s, _PIECE_S)}
    if demand.reverse_after_s is not None:
        cuts.add(demand.reverse_after_s)
    edges = np.array(sorted(t for t in cuts if start_s <= t <= end_s))
    lengths = np.diff(edges)
    expected = np.stack([demand.od_pax_h(t) * served for t in edges[:-1]]) * (lengths / 3600.0)[:, None, None]
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    piece, pair = np.divmod(cell, n * n)
    origin, destination = np.divmod(pair, n)
    arrive = edges[piece] + rng.random(cell.size) * lengths[piece]
    direction = (destination < origin).astype(np.int64)
    queue = direction * n + origin
    order = np.lexsort((arrive, queue))
    queue = queue[order]
    starts = np.searchsorted(queue, np.arange(2 * n), side="left")
    ends = np.searchsorted(queue, np.arange(2 * n), side="right")
    return Passengers(
        origin=origin[order].astype(np.int32),
        destination=destination[order].astype(np.int32),
        arrive_s=arrive[order],
        queue_start=starts.astype(np.int64),
        queue_end=ends.astype(np.int64),
    )
