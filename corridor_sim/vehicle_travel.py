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

The buses' legs, stops and layovers are millions of pieces on a day of minibuses stopping on
demand (a leg per segment it crosses); their rows are summed by segment, vehicle class and speed
(:func:`_summed_by_speed`: the models are linear in distance, idle time and starts at a given
speed), some 30,000 rows. ``vehicle_class`` and ``source`` are categoricals with fixed categories
(:data:`VEHICLE_CLASS`, :data:`SOURCE`, in name order): the models aggregate on their codes
(:func:`label_codes`) and name only the rows of their tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor_sim.beside import beside
from corridor_sim.emissions.factors import CLASS_NAMES, bus_class
from corridor_sim.engine.runner import Run
from corridor_sim.engine.traffic import BIN_S, period_hours_by_bin
from corridor_sim.indicators import positions_in, trip_fleet, trip_order
from corridor_sim.kernels.group_sums import group_sums
from corridor_sim.kernels.motion import leg_profiles
from corridor_sim.kernels.on_demand import leg_profiles_on_demand
from corridor_sim.scenario import Scenario

COLUMNS = ["segment", "vehicle_class", "source", "distance_km", "speed_kmh", "idle_s", "starts"]
#: The labels of a row, categoricals with fixed categories in name order (so their codes sort as the labels).
VEHICLE_CLASS = pd.CategoricalDtype(sorted(CLASS_NAMES))
SOURCE = pd.CategoricalDtype(["baseline", "brt", "traffic"])
#: Columns of :func:`leg_segments`.
LEG_COLUMNS = ["leg", "direction", "fleet", "segment", "distance_m", "moving_s", "red_s", "speed_kmh", "starts"]

#: Rows as arrays, by :data:`COLUMNS` (``vehicle_class`` and ``source`` as codes of :data:`VEHICLE_CLASS` and :data:`SOURCE`).
Block = dict[str, np.ndarray]
_BLOCK_DTYPES = {"segment": np.int64, "vehicle_class": np.int64, "source": np.int64}


def label_codes(labels: pd.Series, dtype: pd.CategoricalDtype) -> np.ndarray:
    """Each row's code in ``dtype``'s categories (int64): travel rows' own categoricals as they are, strings looked up.

    Raises
    ------
    ValueError
        A label is not one of the categories.
    """
    codes = pd.Categorical(labels, dtype=dtype).codes.astype(np.int64)
    if (codes < 0).any():
        raise ValueError(f"labels outside {list(dtype.categories)}: {sorted(set(labels[codes < 0]))}")
    return codes


def _code(name: str, dtype: pd.CategoricalDtype) -> int:
    """The code of one label."""
    return int(dtype.categories.get_loc(name))


def _block(
    segment: np.ndarray,
    vehicle_class: int | np.ndarray,
    source: str,
    distance_km: float | np.ndarray,
    speed_kmh: float | np.ndarray,
    idle_s: float | np.ndarray,
    starts: float | np.ndarray,
) -> Block:
    """Rows of one source as arrays; ``vehicle_class`` a code of :data:`VEHICLE_CLASS` (one, or per row), scalars broadcast."""
    n = len(segment)
    values = {"distance_km": distance_km, "speed_kmh": speed_kmh, "idle_s": idle_s, "starts": starts}
    return {
        "segment": np.asarray(segment, dtype=np.int64),
        "vehicle_class": np.broadcast_to(np.asarray(vehicle_class, dtype=np.int64), n),
        "source": np.full(n, _code(source, SOURCE), dtype=np.int64),
        **{name: np.broadcast_to(np.asarray(value, dtype=float), n) for name, value in values.items()},
    }


def _frame(*blocks: Block) -> pd.DataFrame:
    """Travel rows (:data:`COLUMNS`, labels as categoricals) of the blocks, in order."""
    columns = {
        name: np.concatenate([np.empty(0, _BLOCK_DTYPES.get(name, float)), *(b[name] for b in blocks)]) for name in COLUMNS
    }
    columns["vehicle_class"] = pd.Categorical.from_codes(columns["vehicle_class"], dtype=VEHICLE_CLASS)
    columns["source"] = pd.Categorical.from_codes(columns["source"], dtype=SOURCE)
    return pd.DataFrame(columns)


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
    stops = run.trace.stops
    order = trip_order(stops)
    trip = stops["trip"].to_numpy()[order]
    leg = np.flatnonzero(trip[1:] == trip[:-1])  # a stop with a next one on the same trip
    at, to = order[leg], order[leg + 1]
    return pd.DataFrame(
        {
            "trip": trip[leg],
            "direction": stops["direction"].to_numpy()[at],
            "from_station": stops["station"].to_numpy()[at],
            "to_station": stops["station"].to_numpy()[to].astype(int),
            "depart_s": stops["depart_s"].to_numpy()[at],
            "arrive_s": stops["arrive_s"].to_numpy()[to],
            "signal_stops": stops["signal_stops"].to_numpy()[to].astype(float),  # as the float a shift leaves
        }
    )


def leg_segments(run: Run) -> pd.DataFrame:
    """Every bus leg split by segment: leg, direction, fleet, segment (corridor order), distance, moving and red time."""
    return pd.DataFrame(leg_segment_columns(run))


def leg_segment_columns(run: Run) -> dict[str, np.ndarray]:
    """The columns of :func:`leg_segments` (:data:`LEG_COLUMNS`) as arrays, without the frame's copy
    (today's minibuses make 2.8 million rows on Thika Road)."""
    return _joined(_leg_pieces(run))


def _leg_pieces(run: Run) -> list[dict[str, np.ndarray]]:
    """The rows of :func:`leg_segments` (columns :data:`LEG_COLUMNS`), a row per leg and segment, in pieces
    that joined one after the other have the legs in order (direction, fleet, leg) and a leg's segments
    in running order. A piece is a direction's and fleet's legs, or those of its legs stopping on demand
    or not when only one kind runs; the callers join them once, where they join other rows too (today's
    minibuses make 2.8 million rows on Thika Road)."""
    legs = brt_legs(run)
    trip = legs["trip"].to_numpy()
    fleet = trip_fleet(run)[trip]
    patterns = _on_demand_patterns(run)
    service = patterns.trip_service[trip]
    on_demand = patterns.on_demand[service]
    direction = legs["direction"].to_numpy()

    def replayed(d: int, f: int) -> list[dict[str, np.ndarray]]:
        kinds = []
        for stopping_on_demand in (False, True):
            mine = np.flatnonzero((direction == d) & (fleet == f) & (on_demand == stopping_on_demand))
            if not stopping_on_demand or len(mine):
                kinds.append(_replay(run, legs.iloc[mine], mine, service[mine], patterns.serves, d, f, stopping_on_demand))
        for kind in kinds:  # each leg's rows are all in one of them
            _add_queueing_at_signals(kind, legs)
        both = len(kinds) == 2 and len(kinds[0]["leg"]) > 0
        return [_in_leg_order(_joined(kinds))] if both else kinds  # both kinds: their legs interleave

    groups = [(d, f) for d in (0, 1) for f in range(len(run.operations.fleets))]
    with beside("leg-replay") as executor:  # the replays are compiled without the GIL: the directions side by side
        later = [executor.submit(replayed, d, f) for d, f in groups[1:]]
        first = replayed(*groups[0])
        return [*first, *(piece for future in later for piece in future.result())]


def _joined(pieces: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The columns of :data:`LEG_COLUMNS` of ``pieces``, one after the other."""
    return {name: np.concatenate([piece[name] for piece in pieces]) for name in LEG_COLUMNS}


def _replay(
    run: Run,
    legs: pd.DataFrame,
    leg_index: np.ndarray,
    service: np.ndarray,
    serves: np.ndarray,
    direction: int,
    fleet: int,
    stopping_on_demand: bool,
) -> dict[str, np.ndarray]:
    """The rows of :data:`LEG_COLUMNS` of one direction's and fleet's legs (``leg_index``: their numbers),
    replayed as the engine ran them (through the stations of the pattern between its stops, for those stopping on demand)."""
    ops = run.operations
    layout, vehicle = ops.fleets[fleet].layouts[direction], ops.fleets[fleet].vehicle
    from_station, to_station = legs["from_station"].to_numpy(), legs["to_station"].to_numpy()
    at = (legs["depart_s"].to_numpy(), layout.station_m[from_station], layout.station_m[to_station])
    if stopping_on_demand:
        at = (*at, *_stations_passed(from_station, to_station, service, serves, direction, layout.station_m))
    replay = leg_profiles_on_demand if stopping_on_demand else leg_profiles
    leg, k, dist_m, moving, red, speed_ms, starts = replay(
        *at, layout.bounds_m, layout.speed_ms, BIN_S, vehicle.accel_ms2, vehicle.decel_ms2, layout.signal_m,
        layout.cycle_s, layout.green_s, layout.offset_s, ops.green_extension_s, layout.signal_in_traffic,
    )  # fmt: skip
    return {
        "leg": leg_index[leg],
        "direction": np.full(len(leg), direction, dtype=np.int64),
        "fleet": np.full(len(leg), fleet, dtype=np.int64),
        "segment": k if direction == 0 else run.corridor.n_segments - 1 - k,
        "distance_m": dist_m,
        "moving_s": moving,
        "red_s": red,
        "speed_kmh": speed_ms * 3.6,
        "starts": starts,
    }


def _leg_blocks(leg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row and rows of each leg's run of rows (``leg``: a leg's rows one after the other)."""
    first = np.flatnonzero(np.concatenate([[True], leg[1:] != leg[:-1]]))
    return first, np.diff(np.append(first, len(leg)))


def _add_queueing_at_signals(pieces: dict[str, np.ndarray], legs: pd.DataFrame) -> None:
    """Add to ``pieces`` (in place) what the replay does not see: the buses ahead at a stop line.

    The time a bus queued behind them (the engine's run less the replay's) stood at the signal,
    and the starts it made there (the engine's signal stops less the replay's), on the leg's
    segment with the most red (its last such row).
    """
    leg, red_s, starts = pieces["leg"], pieces["red_s"], pieces["starts"]
    if not len(leg):
        return
    replayed_s = group_sums(leg, (pieces["moving_s"] + red_s)[:, None], len(legs))[0][:, 0]  # as pandas sums by leg
    replayed_starts = group_sums(leg, starts[:, None], len(legs))[0][:, 0]
    queued = _clip_at_zero((legs["arrive_s"].to_numpy() - legs["depart_s"].to_numpy()) - replayed_s)
    held = _clip_at_zero(legs["signal_stops"].to_numpy() - _clip_at_zero(replayed_starts - 1.0))
    first, rows = _leg_blocks(leg)
    most_red = np.repeat(np.maximum.reduceat(red_s, first), rows)
    at_most = (red_s == most_red) | (np.isnan(red_s) & np.isnan(most_red))  # NaN sorts last, as in pandas
    last_most = np.maximum.reduceat(np.where(at_most, np.arange(len(leg)), -1), first)
    block_leg = leg[first]
    chosen = ((queued > 1e-6) | (held > 0))[block_leg]
    at, which = last_most[chosen], block_leg[chosen]
    red_s[at] += queued[which]
    starts[at] += held[which]


def _clip_at_zero(values: np.ndarray) -> np.ndarray:
    """``values`` below 0 set to 0 (NaN kept), as pandas' ``clip(lower=0.0)``."""
    return np.where((values >= 0.0) | np.isnan(values), values, 0.0)


def _in_leg_order(pieces: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The rows with the legs in order (direction, fleet, leg), each leg's rows kept in their order."""
    leg = pieces["leg"]
    first, rows = _leg_blocks(leg)
    order = np.lexsort((leg[first], pieces["fleet"][first], pieces["direction"][first]))
    if np.array_equal(order, np.arange(len(first))):
        return pieces
    rows = rows[order]
    take = np.repeat(first[order] - (np.cumsum(rows) - rows), rows) + np.arange(len(leg))
    return {name: column[take] for name, column in pieces.items()}


@dataclass(frozen=True)
class _Patterns:
    """The run's services as the replay needs them: per trip its service; per service whether it
    stops on demand and the stations it serves (services x stations)."""

    trip_service: np.ndarray
    on_demand: np.ndarray
    serves: np.ndarray


def _on_demand_patterns(run: Run) -> _Patterns:
    plans = run.operations.services
    serves = np.zeros((len(plans), len(run.corridor.station_name)), dtype=bool)
    for k, plan in enumerate(plans):
        serves[k, plan.stations] = True
    trip_service = positions_in(run.trace.trips["service"], [plan.name for plan in plans])
    return _Patterns(trip_service, np.array([plan.on_demand for plan in plans], dtype=bool), serves)


def _stations_passed(
    from_station: np.ndarray,
    to_station: np.ndarray,
    service: np.ndarray,
    serves: np.ndarray,
    direction: int,
    station_m: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per leg, the stations of its service's pattern strictly between its stops, in running order:
    ``via_start`` (legs + 1) into ``via_m`` (their chainage in this direction)."""
    a, z = from_station, to_station
    count = np.abs(z - a) - 1
    leg = np.repeat(np.arange(len(a)), count)
    step = np.repeat(np.cumsum(count) - count, count)
    station = np.repeat(a, count) + (1 if direction == 0 else -1) * (np.arange(count.sum()) - step + 1)
    keep = serves[service[leg], station]
    via_start = np.concatenate([[0], np.cumsum(np.bincount(leg[keep], minlength=len(a)))]).astype(np.int64)
    return via_start, np.ascontiguousarray(station_m[station[keep]], dtype=float)


def brt_travel(run: Run, terminal_idle: bool = True) -> pd.DataFrame:
    """Rows of the simulated buses (source ``brt``): legs by segment, station and terminal idling, summed by
    segment, vehicle class and speed.

    Parameters
    ----------
    run
        The run.
    terminal_idle
        Whether to count the layovers' idling (``False``: the trips alone, from arriving at
        the first station to leaving the last).
    """
    return _frame(*_brt_blocks(run, terminal_idle))


def _brt_blocks(run: Run, terminal_idle: bool) -> list[Block]:
    """:func:`brt_travel`'s rows: the legs by segment, the stops, and the layovers (if ``terminal_idle``), summed by speed."""
    n_seg = run.corridor.n_segments
    fleet_class = np.array(
        [_code(bus_class(fleet.vehicle.name, fleet.propulsion), VEHICLE_CLASS) for fleet in run.operations.fleets]
    )
    fleet_of_trip = trip_fleet(run)
    moving = [
        _block(p["segment"], fleet_class[p["fleet"]], "brt", p["distance_m"] / 1000.0, p["speed_kmh"], p["red_s"], p["starts"])
        for p in _leg_pieces(run)
    ]
    stops = run.trace.stops
    station, direction = stops["station"].to_numpy(), stops["direction"].to_numpy()
    at_station = _block(
        np.where(direction == 0, np.minimum(station, n_seg - 1), np.maximum(station - 1, 0)),
        fleet_class[fleet_of_trip[stops["trip"].to_numpy()]], "brt", 0.0, 0.0,
        (stops["depart_s"] - stops["arrive_s"]).to_numpy(), 0.0,
    )  # fmt: skip
    return [
        _summed_by_speed([*moving, at_station, *([_terminal_idle(run, fleet_of_trip, fleet_class)] if terminal_idle else [])])
    ]


def _summed_by_speed(blocks: list[Block]) -> Block:
    """The rows of ``blocks`` (of one source) summed by segment, vehicle class and speed: their distance,
    idle time and starts, block by block and then over the blocks (Kahan's sums in row order, as pandas),
    the groups in the order they first appear. The emission and safety models are linear in these at a
    given speed, so the sums change their results only in the last bits, and a day of minibuses stopping
    on demand is some 30,000 rows instead of 3 million (a row per leg and segment crossed, and per stop)."""
    summed = [_sum_by_speed(block) for block in blocks]
    return _sum_by_speed({name: np.concatenate([block[name] for block in summed]) for name in COLUMNS})


def _sum_by_speed(block: Block) -> Block:
    """One block's rows summed by segment, vehicle class and speed (see :func:`_summed_by_speed`)."""
    speed_code, speeds = pd.factorize(block["speed_kmh"], use_na_sentinel=False)
    segment = block["segment"]
    n_seg, n_class = (int(segment.max()) + 1 if len(segment) else 0), len(VEHICLE_CLASS.categories)
    group, keys = pd.factorize((speed_code.astype(np.int64) * n_seg + segment) * n_class + block["vehicle_class"])
    sums = {name: group_sums(group, block[name][:, None], len(keys))[0][:, 0] for name in ("distance_km", "idle_s", "starts")}
    speed_at, cell = np.divmod(keys.astype(np.int64), n_seg * n_class)
    return {
        "segment": cell // n_class,
        "vehicle_class": cell % n_class,
        "source": block["source"][: len(keys)],  # one source: any rows' codes
        "speed_kmh": np.asarray(speeds, dtype=float)[speed_at],
        **sums,
    }


def _terminal_idle(run: Run, fleet_of_trip: np.ndarray, fleet_class: np.ndarray) -> Block:
    """Engine-on time of each layover: until the bus's next trip, at most the scenario's limit (as the bus's fleet's class)."""
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
    return _block(terminal_segment[keep], fleet_class[fleet_of_trip[trips["trip"].to_numpy()[keep]]], "brt", 0.0, 0.0, idle, 0.0)


def traffic_travel(run: Run) -> pd.DataFrame:
    """Rows of the general traffic (source ``traffic``) over the simulated period, from the traffic model:
    its vehicle-km and mean speed while moving per segment and bin, both directions, and its time
    standing in queues and at red signals as idle time."""
    return _frame(*_traffic_blocks(run))


def _traffic_blocks(run: Run) -> list[Block]:
    """:func:`traffic_travel`'s rows, a block per vehicle class of the mix."""
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
        return []
    seg = np.broadcast_to(np.arange(c.n_segments), vkm.shape).ravel()
    return [
        _block(
            seg, _code(cls, VEHICLE_CLASS), "traffic", vkm.ravel() * share, speed.ravel(), stopped.ravel() * 3600.0 * share, 0.0
        )
        for cls, share in traffic_mix(scenario).items()
        if share > 0
    ]


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
    return _frame(*_baseline_blocks(run, loads))


def _baseline_blocks(run: Run, loads: pd.DataFrame) -> list[Block]:
    """:func:`baseline_travel`'s rows, a block per previous mode that is a vehicle."""
    scenario, c = run.scenario, run.corridor
    pkm = loads["pax"].to_numpy() * c.length_m[loads["segment"].to_numpy()] / 1000.0
    seg = loads["segment"].to_numpy()
    if scenario.baseline.speed_kmh is not None:
        speed, idle_per_km = np.full(len(loads), scenario.baseline.speed_kmh), np.zeros(len(loads))
    else:  # in the general traffic, as it moves and stands
        by_hour, standing = traffic_by_hour(run)
        hour = np.minimum(loads["hour"].to_numpy().astype(int), len(by_hour) - 1)
        speed, idle_per_km = by_hour[hour, seg], standing[hour, seg]
    blocks = []
    for mode, share in baseline_shares(scenario).items():
        if share > 0 and mode not in ("walk", "cycle"):
            vkm = pkm * share / occupancy(scenario, mode)
            blocks.append(
                _block(
                    seg,
                    _code(mode, VEHICLE_CLASS),
                    "baseline",
                    vkm,
                    speed,
                    vkm * idle_per_km,
                    vkm * _stops_per_km(scenario, mode),
                )
            )
    return blocks


def alternatives(run: Run, loads: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The travel rows of the ``scenario`` (BRT + traffic) and of its ``baseline`` (traffic + previous modes)."""
    traffic = _traffic_blocks(run)
    return {
        "scenario": _frame(*_brt_blocks(run, terminal_idle=True), *traffic),
        "baseline": _frame(*traffic, *_baseline_blocks(run, loads)),
    }
