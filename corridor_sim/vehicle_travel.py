"""Who drives how far, how fast and where: vehicle travel on the corridor, for the scenario and
for its baseline, as rows that the emission and safety models read.

A row is one vehicle class on one segment: ``distance_km`` (vehicle-km), ``speed_kmh`` (speed
while moving), ``idle_s`` (standing with the engine on) and ``starts`` (starts from rest), with
its ``source``:

After a warm-up (:mod:`corridor_sim.engine.warm_up`) every source counts inside the period only:
the buses' legs and stops that leave from its start on and the part of each layover after it, and
the traffic's bins (and parts of bins) inside it.

- ``brt``: the simulated buses. Each leg between two stops is replayed by segment as the engine
  ran it (:func:`~corridor_sim.kernels.motion.leg_profiles`): the distance at the segment's
  cruise speed (the top speed of a leg too short to reach it), a start from rest where it leaves
  the stop and at each signal that held it (charged apart: :mod:`corridor_sim.emissions.factors`),
  standing time at red signals. Dwell and queueing at stations (arrival to departure) are idle
  time on the segment the bus leaves by; at terminals, the layover until the bus's next trip, at
  most ``emissions.terminal_idle_max_min`` of it. In mixed traffic the cruise speed is the
  traffic's mean speed, whose low-speed factors hold its stop-and-go. A bus that stops on demand
  (today's minibuses) has a leg, and so a start, per stop it made, replayed through the stations
  it passed (:func:`~corridor_sim.kernels.on_demand.leg_profiles_on_demand`).
- ``traffic``: the general traffic as the kinematic-wave model ran it (:mod:`corridor_sim.engine.traffic`),
  both directions over the simulated period, split by ``traffic.mix`` (the city profile's by
  default): vehicle-km at the mean speed while moving, and the time standing in queues and at
  red signals as idle time.
- ``baseline``: the vehicles the scenario's passengers used before: their passenger-km on each
  segment and hour (from the simulated loads) x ``baseline.mode_shares`` / ``occupancy_pax``, at
  the general traffic's moving speed in that hour and with its standing time per km as idle time
  (or ``baseline.speed_kmh``, without standing); buses and minibuses start from rest at a stop
  every ``paratransit.stop_spacing_m``, as the BRT's buses do at theirs (not the simulated
  minibuses' stops on demand: this row stands for the previous modes wherever no minibus run is).

The scenario travels ``brt`` + ``traffic``; the baseline travels ``traffic`` + ``baseline``: the
general traffic is the same in both (effects of the lane reallocation on it are not modelled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor_sim.emissions.factors import bus_class
from corridor_sim.engine.runner import Run
from corridor_sim.engine.traffic import BIN_S, period_hours_by_bin
from corridor_sim.kernels.motion import leg_profiles
from corridor_sim.kernels.on_demand import leg_profiles_on_demand
from corridor_sim.scenario import Scenario

COLUMNS = ["segment", "vehicle_class", "source", "distance_km", "speed_kmh", "idle_s", "starts"]


def traffic_mix(scenario: Scenario) -> dict[str, float]:
    """The general traffic's shares by vehicle class (resolved: the scenario's or its city's)."""
    return scenario.traffic.mix


def baseline_shares(scenario: Scenario) -> dict[str, float]:
    """The passengers' previous modes (resolved: the scenario's or its city's)."""
    return scenario.baseline.mode_shares


def occupancy(scenario: Scenario, vehicle_class: str) -> float:
    """Passengers per vehicle of a class in the baseline (resolved: the scenario's or its city's)."""
    return scenario.baseline.occupancy_pax[vehicle_class]


def brt_legs(run: Run) -> pd.DataFrame:
    """The buses' legs between consecutive stops: trip, direction, stations, departure and arrival (clock s),
    and the signals that held the bus on the way (red or a queue at the stop line)."""
    stops = run.trace.stops.sort_values(["trip", "berth_s"], kind="stable")
    nxt = stops.groupby("trip").shift(-1)
    keep = nxt["station"].notna().to_numpy()
    return pd.DataFrame(
        {
            "trip": stops["trip"].to_numpy()[keep],
            "direction": stops["direction"].to_numpy()[keep],
            "from_station": stops["station"].to_numpy()[keep],
            "to_station": nxt["station"].to_numpy()[keep].astype(int),
            "depart_s": stops["depart_s"].to_numpy()[keep],
            "arrive_s": nxt["arrive_s"].to_numpy()[keep],
            "signal_stops": nxt["signal_stops"].to_numpy()[keep],
        }
    )


def leg_segments(run: Run) -> pd.DataFrame:
    """Every bus leg split by segment: leg, direction, fleet, segment (corridor order), distance, moving and red time."""
    legs = brt_legs(run)
    ops = run.operations
    n_seg = run.corridor.n_segments
    trip_fleet = run.trace.trips["vehicle"].map({fleet.name: f for f, fleet in enumerate(ops.fleets)}).to_numpy()
    legs["fleet"] = trip_fleet[legs["trip"].to_numpy()]
    patterns = _on_demand_patterns(run)
    legs["service"] = patterns.trip_service[legs["trip"].to_numpy()]
    on_demand = patterns.on_demand[legs["service"].to_numpy()]
    parts = []
    for direction, f, stopping_on_demand in ((d, f, o) for d in (0, 1) for f in range(len(ops.fleets)) for o in (False, True)):
        d = legs[(legs["direction"] == direction) & (legs["fleet"] == f) & (on_demand == stopping_on_demand)]
        if stopping_on_demand and d.empty:
            continue
        layout, vehicle = ops.fleets[f].layouts[direction], ops.fleets[f].vehicle
        at = (
            d["depart_s"].to_numpy(),
            layout.station_m[d["from_station"].to_numpy()],
            layout.station_m[d["to_station"].to_numpy()],
        )
        if stopping_on_demand:  # through the stations of the pattern between its stops
            via_start, via_m = _stations_passed(d, patterns.serves, direction, layout.station_m)
            at = (*at, via_start, via_m)
        replay = leg_profiles_on_demand if stopping_on_demand else leg_profiles
        leg, k, dist_m, moving, red, speed_ms, starts = replay(
            *at, layout.bounds_m, layout.speed_ms, BIN_S, vehicle.accel_ms2, vehicle.decel_ms2, layout.signal_m,
            layout.cycle_s, layout.green_s, layout.offset_s, ops.green_extension_s, layout.signal_in_traffic,
        )  # fmt: skip
        parts.append(
            pd.DataFrame(
                {
                    "leg": d.index.to_numpy()[leg],
                    "direction": direction,
                    "fleet": f,
                    "segment": k if direction == 0 else n_seg - 1 - k,
                    "distance_m": dist_m,
                    "moving_s": moving,
                    "red_s": red,
                    "speed_kmh": speed_ms * 3.6,
                    "starts": starts,
                }
            )
        )
    pieces = pd.concat(parts, ignore_index=True)
    if on_demand.any():  # the legs in the order a run without on-demand legs has them
        pieces = pieces.sort_values(["direction", "fleet", "leg"], kind="stable", ignore_index=True)
    # the replay does not see the buses ahead at a stop line: the time a bus queued behind them
    # (the engine's run less the replay's) stood at the signal, and the starts it made there (the
    # engine's signal stops less the replay's), on the leg's segment with the most red
    replayed = (pieces["moving_s"] + pieces["red_s"]).groupby(pieces["leg"]).sum().reindex(legs.index, fill_value=0.0)
    replayed_stops = (pieces["starts"].groupby(pieces["leg"]).sum().reindex(legs.index, fill_value=0.0) - 1.0).clip(lower=0.0)
    queued = ((legs["arrive_s"] - legs["depart_s"]) - replayed).clip(lower=0.0)
    held = (legs["signal_stops"] - replayed_stops).clip(lower=0.0)
    legs_held = legs.index[(queued > 1e-6) | (held > 0)]
    if len(legs_held):
        at = pieces[pieces["leg"].isin(legs_held)].sort_values("red_s", kind="stable").groupby("leg").tail(1)
        pieces.loc[at.index, "red_s"] += queued.reindex(at["leg"]).to_numpy()
        pieces.loc[at.index, "starts"] += held.reindex(at["leg"]).to_numpy()
    return pieces


@dataclass(frozen=True)
class _Patterns:
    """The run's services as the replay needs them: per trip its service; per service whether it
    stops on demand and the stations it serves (services x stations)."""

    trip_service: np.ndarray
    on_demand: np.ndarray
    serves: np.ndarray


def _on_demand_patterns(run: Run) -> _Patterns:
    plans = run.operations.services
    names = [plan.name for plan in plans]
    serves = np.zeros((len(plans), len(run.corridor.station_name)), dtype=bool)
    for k, plan in enumerate(plans):
        serves[k, plan.stations] = True
    codes, found = pd.factorize(run.trace.trips["service"])
    trip_service = np.array([names.index(name) for name in found], dtype=np.int64)[codes]
    return _Patterns(trip_service, np.array([plan.on_demand for plan in plans], dtype=bool), serves)


def _stations_passed(
    legs: pd.DataFrame, serves: np.ndarray, direction: int, station_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per leg, the stations of its service's pattern strictly between its stops, in running order:
    ``via_start`` (legs + 1) into ``via_m`` (their chainage in this direction)."""
    a, z = legs["from_station"].to_numpy(), legs["to_station"].to_numpy()
    count = np.abs(z - a) - 1
    leg = np.repeat(np.arange(len(legs)), count)
    step = np.repeat(np.cumsum(count) - count, count)
    station = np.repeat(a, count) + (1 if direction == 0 else -1) * (np.arange(count.sum()) - step + 1)
    keep = serves[legs["service"].to_numpy()[leg], station]
    via_start = np.concatenate([[0], np.cumsum(np.bincount(leg[keep], minlength=len(legs)))]).astype(np.int64)
    return via_start, np.ascontiguousarray(station_m[station[keep]], dtype=float)


def brt_travel(run: Run, terminal_idle: bool = True) -> pd.DataFrame:
    """Rows of the simulated buses (source ``brt``): legs by segment, station and terminal idling.

    Parameters
    ----------
    run
        The run.
    terminal_idle
        Whether to count the layovers' idling (``False``: the trips alone, from arriving at
        the first station to leaving the last).
    """
    n_seg = run.corridor.n_segments
    fleets = run.operations.fleets
    cls = np.array([bus_class(fleet.vehicle.name, fleet.propulsion) for fleet in fleets])
    trip_fleet = run.trace.trips["vehicle"].map({fleet.name: f for f, fleet in enumerate(fleets)}).to_numpy()
    pieces = leg_segments(run)
    moving = pd.DataFrame(
        {
            "fleet": pieces["fleet"],
            "segment": pieces["segment"],
            "distance_km": pieces["distance_m"] / 1000.0,
            "speed_kmh": pieces["speed_kmh"],
            "idle_s": pieces["red_s"],
            "starts": pieces["starts"],
        }
    )
    stops = run.trace.stops
    station = stops["station"].to_numpy()
    at_station = pd.DataFrame(
        {
            "fleet": trip_fleet[stops["trip"].to_numpy()],
            "segment": np.where(stops["direction"] == 0, np.minimum(station, n_seg - 1), np.maximum(station - 1, 0)),
            "distance_km": 0.0,
            "speed_kmh": 0.0,
            "idle_s": (stops["depart_s"] - stops["arrive_s"]).to_numpy(),
            "starts": 0.0,
        }
    )
    rows = pd.concat([moving, at_station, *([_terminal_idle(run, trip_fleet)] if terminal_idle else [])], ignore_index=True)
    return rows.assign(vehicle_class=cls[rows["fleet"].to_numpy(dtype=int)], source="brt")[COLUMNS]


def _terminal_idle(run: Run, trip_fleet: np.ndarray) -> pd.DataFrame:
    """Engine-on time of each layover: until the bus's next trip, at most the scenario's limit (with the bus's fleet)."""
    trips = run.trace.trips.dropna(subset=["end_s"]).sort_values(["bus", "dispatch_s"])
    gap = trips.groupby("bus")["dispatch_s"].shift(-1) - trips["end_s"]
    cap = run.scenario.emissions.terminal_idle_max_min * 60.0
    terminal_segment = np.where(trips["direction"] == 0, run.corridor.n_segments - 1, 0)
    keep = gap.notna().to_numpy()
    idle = np.minimum(gap.to_numpy()[keep], cap)
    warm_up = run.trace.warm_up
    if warm_up is not None:  # after a warm-up, the part of each layover inside the period
        end = trips["end_s"].to_numpy()[keep]
        idle = np.clip(end + idle - np.maximum(end, warm_up.period_start_s), 0.0, idle)
    return pd.DataFrame(
        {
            "fleet": trip_fleet[trips["trip"].to_numpy()[keep]],
            "segment": terminal_segment[keep],
            "distance_km": 0.0,
            "speed_kmh": 0.0,
            "idle_s": idle,
            "starts": 0.0,
        }
    )


def traffic_travel(run: Run) -> pd.DataFrame:
    """Rows of the general traffic (source ``traffic``) over the simulated period, from the traffic model:
    its vehicle-km and mean speed while moving per segment and bin, both directions, and its time
    standing in queues and at red signals as idle time."""
    scenario, c = run.scenario, run.corridor
    state = run.operations.traffic
    inside = period_hours_by_bin(run.operations.start_s, run.operations.end_s) * 3600.0 / BIN_S  # share of each bin
    active = np.flatnonzero(inside > 0)
    vkm = sum(state.vehicle_km(d)[active] for d in (0, 1)) * inside[active, None]
    hours = sum(state.vehicle_h(d)[active] for d in (0, 1)) * inside[active, None]
    stopped = sum(state.stopped_h(d)[active] for d in (0, 1)) * inside[active, None]
    moving_h = np.maximum(hours - stopped, 1e-12)
    speed = np.where(vkm > 0, vkm / moving_h, 0.0)
    if not np.any(vkm > 0):
        return pd.DataFrame(columns=COLUMNS)
    seg = np.broadcast_to(np.arange(c.n_segments), vkm.shape).ravel()
    frames = [
        pd.DataFrame({"segment": seg, "vehicle_class": cls, "source": "traffic", "distance_km": vkm.ravel() * share, "speed_kmh": speed.ravel(), "idle_s": stopped.ravel() * 3600.0 * share, "starts": 0.0})
        for cls, share in traffic_mix(scenario).items()
        if share > 0
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def _stops_per_km(scenario: Scenario, mode: str) -> float:
    """Starts from rest per vehicle-km of a previous mode: buses and minibuses at every stop (``paratransit.stop_spacing_m``)."""
    return 1000.0 / scenario.paratransit.stop_spacing_m if mode.startswith(("minibus", "bus_")) else 0.0


def traffic_by_hour(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """The general traffic per clock hour and segment, both directions: its mean speed while moving
    (km/h; free speed where empty) and its standing time per vehicle-km (s/km), as
    :func:`traffic_travel` counts them."""
    state = run.operations.traffic
    n_seg, per_hour = run.corridor.n_segments, int(3600 // BIN_S)

    def hourly(values: np.ndarray) -> np.ndarray:
        return values.reshape(-1, per_hour, n_seg).sum(axis=1)

    vkm = hourly(sum(state.vehicle_km(d) for d in (0, 1)))
    stopped = hourly(sum(state.stopped_h(d) for d in (0, 1)))
    moving = np.maximum(hourly(sum(state.vehicle_h(d) for d in (0, 1))) - stopped, 1e-12)
    speed = np.where(vkm > 0, vkm / moving, run.corridor.speed_limit_kmh[None, :])
    return speed, np.where(vkm > 0, stopped * 3600.0 / np.maximum(vkm, 1e-12), 0.0)


def baseline_travel(run: Run, loads: pd.DataFrame) -> pd.DataFrame:
    """Rows of the vehicles the passengers used before (source ``baseline``).

    Parameters
    ----------
    run
        The scenario's run.
    loads
        Its :func:`~corridor_sim.indicators.segment_loads` (passengers per direction, segment and hour).
    """
    scenario, c = run.scenario, run.corridor
    pkm = loads["pax"].to_numpy() * c.length_m[loads["segment"].to_numpy()] / 1000.0
    seg = loads["segment"].to_numpy()
    if scenario.baseline.speed_kmh is not None:
        speed, idle_per_km = np.full(len(loads), scenario.baseline.speed_kmh), np.zeros(len(loads))
    else:  # in the general traffic, as it moves and stands
        by_hour, standing = traffic_by_hour(run)
        hour = np.minimum(loads["hour"].to_numpy().astype(int), len(by_hour) - 1)
        speed, idle_per_km = by_hour[hour, seg], standing[hour, seg]
    frames = [
        pd.DataFrame({"segment": seg, "vehicle_class": mode, "source": "baseline", "distance_km": pkm * share / occupancy(scenario, mode), "speed_kmh": speed, "idle_s": pkm * share / occupancy(scenario, mode) * idle_per_km, "starts": pkm * share / occupancy(scenario, mode) * _stops_per_km(scenario, mode)})
        for mode, share in baseline_shares(scenario).items()
        if share > 0 and mode not in ("walk", "cycle")
    ]  # fmt: skip
    return pd.concat(frames, ignore_index=True)[COLUMNS] if frames else pd.DataFrame(columns=COLUMNS)


def alternatives(run: Run, loads: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The travel rows of the ``scenario`` (BRT + traffic) and of its ``baseline`` (traffic + previous modes)."""
    traffic = traffic_travel(run)
    return {
        "scenario": pd.concat([brt_travel(run), traffic], ignore_index=True),
        "baseline": pd.concat([traffic, baseline_travel(run, loads)], ignore_index=True),
    }
