"""Indicators from a run's trace: the summary and the result tables.

Definitions (times in the tables are clock seconds, in the summary minutes):

- *wait*: from arrival at the platform to boarding: the doors opening on the bus boarded, or at
  once for those who reach a bus whose doors are still open (passengers who
  never boarded are counted as still waiting and left out of the mean);
- *in-vehicle time*: from boarding to the doors opening at the destination;
- *journey time*: wait plus in-vehicle time of the delivered passengers, platform to platform
  (walking to and from the stations is not in it);
- *run time*: from dispatch at the first terminal to the doors closing at the last, dwell
  included; *commercial speed*:
  trip length over run time;
- *passengers per hour per direction (pphpd)*: passengers on board across a segment in a clock
  hour; the *critical segment* is the segment and hour with the most;
- *station saturation*: share of the period the berths are occupied (doors-open to departure plus
  the clearance time, the part inside the period, over berths x period; ITDP BRT Planning Guide
  ch. 7): at most 1, since a berth holds one bus;
- *bus queueing*: time from reaching a station to getting a berth;
- *denied boardings*: times a passenger was left behind by a full bus that served the
  destination (at a stop, or passed by a full bus that stops on demand).

After a warm-up (``period.warm_up_min``) everything counts from the period's start: the run's
trace holds the passengers who reached a platform from then on, the stop events whose bus left
from then on (berth time clipped to the period) and, for trip figures, the trips dispatched from
then on (:meth:`corridor_sim.engine.trace.Trace.counted_from`). The warm-up's passengers take
room on the buses but are in no passenger figure; ``passengers.warm_up`` says how many there were
and how many were still waiting or on board when the period began.

A bus that stops on demand (today's minibuses) leaves a stop event only where it stopped; its
legs run from one stop it made to the next, through the stations between.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from corridor_sim.engine.runner import Run
from corridor_sim.engine.trace import Trace
from corridor_sim.engine.traffic import BIN_S, N_BINS, clock_hhmm
from corridor_sim.engine.vehicles import SATURATION_HEADWAY_S

#: Physical records a corridor stays within (anchors.md 2.2 and 5): buses per hour per direction
#: through a multi-berth station (Guangzhou) and passengers per hour per direction (TransMilenio).
RECORD_BUSES_PER_H = 350
RECORD_PPHPD = 45_000
#: A signal that passes this share of its capacity for buses in a clock hour is full.
SIGNAL_FULL_SHARE = 0.95
#: Buses queueing for a berth without a break for this long (s) means bus demand above the station's capacity.
BUS_QUEUE_LIMIT_S = 900.0
#: Standstill gap between queued buses (m): SUMO's default minGap [M].
QUEUE_GAP_M = 2.5


def direction_names(run: Run) -> list[str]:
    """Direction labels: "to <last station>" (direction 0) and "to <first station>"."""
    names = run.corridor.station_name
    return [f"to {names[-1]}", f"to {names[0]}"]


def trip_order(stops: pd.DataFrame) -> np.ndarray:
    """Positions of the stop events by trip, then berth time (ties in their order, as a stable ``sort_values``)."""
    return np.lexsort((stops["berth_s"].to_numpy(), stops["trip"].to_numpy()))


def positions_in(labels: pd.Series, names: list[str]) -> np.ndarray:
    """Each label's position in ``names`` (every label is one of them), looked up once per distinct label."""
    codes, found = pd.factorize(labels)
    return np.array([names.index(name) for name in found], dtype=np.int64)[codes]


def trip_fleet(run: Run) -> np.ndarray:
    """Per trip, its fleet (index into ``run.operations.fleets``)."""
    return positions_in(run.trace.trips["vehicle"], [fleet.name for fleet in run.operations.fleets])


def _station_groups(stops: pd.DataFrame) -> Iterator[tuple[int, int, np.ndarray]]:
    """Per station and direction (ascending, as ``groupby(["station", "direction"])``): its rows' positions, in their order."""
    station, direction = stops["station"].to_numpy(), stops["direction"].to_numpy()
    order = np.lexsort((direction, station))
    cut = np.flatnonzero((np.diff(station[order]) != 0) | (np.diff(direction[order]) != 0)) + 1
    for rows in np.split(order, cut) if len(order) else []:
        yield int(station[rows[0]]), int(direction[rows[0]]), rows


def passenger_table(run: Run) -> pd.DataFrame:
    """One row per passenger: origin, destination, direction, arrival, boarding, alighting (clock s)."""
    t = run.trace
    p = t.passengers
    return pd.DataFrame(
        {
            "origin": p.origin,
            "destination": p.destination,
            "direction": p.direction,
            "arrive_s": p.arrive_s,
            "board_s": t.board_s,
            "alight_s": t.alight_s,
            "trip": t.board_trip,
            "left_behind": t.left_behind,
        }
    )


def station_labels(run: Run, stations: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """The names of ``stations`` (indices), as a column of strings (taken from the few names, not made one by one)."""
    return pd.array(run.corridor.station_name.astype(str), dtype="str").take(stations)


def stop_events(run: Run) -> pd.DataFrame:
    """The stop events with station names, chainage (direction 0) and queueing time."""
    stops = run.trace.stops.copy()
    c = run.corridor
    stops.insert(2, "station_name", station_labels(run, stops["station"].to_numpy()))
    stops["chainage_m"] = (c.station_chainage_m - c.station_chainage_m[0])[stops["station"].to_numpy()]
    stops["queue_s"] = stops["berth_s"] - stops["arrive_s"]
    return stops.merge(run.trace.trips[["trip", "bus", "service"]], on="trip", how="left")


def trajectories(run: Run, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Time-space points of every bus: arrival and departure at each station served (direction-0 chainage).

    ``events`` is the run's :func:`stop_events`, if already made.
    """
    stops = stop_events(run) if events is None else events
    n = len(stops)
    time_s = np.concatenate([stops["arrive_s"].to_numpy(), stops["depart_s"].to_numpy()])
    event = np.repeat(np.arange(2), n)  # 0: arrive, 1: depart, in the order of their names
    order = np.lexsort((event, time_s, np.tile(stops["trip"].to_numpy(), 2)))  # by trip, time, event; stable
    points = stops[["trip", "bus", "service", "direction", "station", "chainage_m"]].take(order % n).reset_index(drop=True)
    points["time_s"] = time_s[order]
    points["event"] = pd.array(["arrive", "depart"], dtype="str").take(event[order])
    return points


def segment_loads(run: Run) -> pd.DataFrame:
    """Passengers, buses and offered capacity per direction, segment and clock hour.

    A trip's load on departure from a station is on board over every segment to its next stop.
    """
    stops = run.trace.stops
    stops = stops[["trip", "station", "direction", "depart_s", "load_pax"]].take(trip_order(stops))
    capacity = run.trace.trips["capacity_pax"].to_numpy()[stops["trip"].to_numpy()]
    n_seg = run.corridor.n_segments
    frames = []
    for direction in (0, 1):
        mine = (stops["direction"] == direction).to_numpy()
        trip, station = stops["trip"].to_numpy()[mine], stops["station"].to_numpy()[mine]
        leg = np.flatnonzero(trip[1:] == trip[:-1])  # a stop with a next one on the same trip
        hour = (stops["depart_s"].to_numpy()[mine][leg] // 3600).astype(int)
        lo, hi = np.minimum(station[leg], station[leg + 1]), np.maximum(station[leg], station[leg + 1])
        frames.append(
            _loads_by_hour(direction, hour, lo, hi, stops["load_pax"].to_numpy()[mine][leg], capacity[mine][leg], n_seg)
        )
    loads = pd.concat(frames, ignore_index=True)
    loads["load_factor"] = loads["pax"] / loads["capacity_pax"]
    seg, last = loads["segment"].to_numpy(), np.minimum(loads["segment"].to_numpy() + 1, n_seg)
    forward = loads["direction"].to_numpy() == 0
    loads.insert(2, "from", station_labels(run, np.where(forward, seg, last)))
    loads.insert(3, "to", station_labels(run, np.where(forward, last, seg)))
    return loads


def _loads_by_hour(
    direction: int, hour: np.ndarray, lo: np.ndarray, hi: np.ndarray, load_pax: np.ndarray, capacity_pax: np.ndarray, n_seg: int
) -> pd.DataFrame:
    """One direction's rows of :func:`segment_loads` (before the names), by hour and segment: the legs
    leaving in each hour over the segments ``lo`` to ``hi - 1`` with their load and capacity.

    Summed as differences along the corridor (+ at a leg's first segment, - past its last), not
    row by row over each leg's segments; the sums are integers, so they are exact either way.
    """
    first_hour = int(hour.min()) if len(hour) else 0
    n_hours = int(hour.max()) - first_hour + 1 if len(hour) else 0
    width = n_seg + 1
    start, end = (hour - first_hour) * width + lo, (hour - first_hour) * width + hi

    def on_segments(weights: np.ndarray | None) -> np.ndarray:
        steps = np.bincount(start, weights, minlength=n_hours * width) - np.bincount(end, weights, minlength=n_hours * width)
        return np.cumsum(steps.reshape(n_hours, width).astype(np.int64), axis=1)[:, :n_seg].ravel()

    buses = on_segments(None)
    present = np.flatnonzero(buses > 0)  # in the table's order: hour, then segment
    at_hour, segment = np.divmod(present, n_seg)
    return pd.DataFrame(
        {
            "direction": np.full(len(present), direction, dtype=np.int64),
            "segment": segment,
            "hour": at_hour + first_hour,
            "pax": on_segments(load_pax.astype(float))[present],
            "buses": buses[present],
            "capacity_pax": on_segments(capacity_pax.astype(float))[present],
        }
    )


def station_stats(run: Run, events: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per station and direction: buses (that stopped), passengers, dwell, saturation, bus queueing and waits.

    ``denied`` counts the passengers left behind there, by a full bus at the stop or passing it.
    ``events`` is the run's :func:`stop_events`, if already made.
    """
    stops = stop_events(run) if events is None else events
    ops = run.operations
    period_s = ops.end_s - ops.start_s
    # the berth time inside the period: a station's saturation is a share of the period, at most 1
    held_to = np.minimum(stops["depart_s"] + ops.clearance_s, ops.end_s)
    stops = stops.assign(
        occupied_s=np.maximum(held_to - np.maximum(stops["berth_s"], ops.start_s), 0.0), queued=stops["queue_s"] > 1e-9
    )
    stats = stops.groupby(["station", "direction"]).agg(
        buses=("trip", "size"),
        boardings=("boarded", "sum"),
        alightings=("alighted", "sum"),
        denied=("denied", "sum"),
        dwell_mean_s=("dwell_s", "mean"),
        dwell_p95_s=("dwell_s", lambda x: float(np.percentile(x, 95))),
        occupied_s=("occupied_s", "sum"),
        queued_share=("queued", "mean"),
        queue_mean_s=("queue_s", "mean"),
        queue_max_s=("queue_s", "max"),
    )
    stats = stats.reset_index()
    passes = run.trace.passes
    if len(passes):  # passengers a full bus passed by without stopping
        passed = passes.groupby(["station", "direction"])["passed_up"].sum()
        key = pd.MultiIndex.from_frame(stats[["station", "direction"]])
        stats["denied"] += passed.reindex(key, fill_value=0).to_numpy()
    stats.insert(1, "name", station_labels(run, stats["station"].to_numpy()))
    stats["berths"] = (
        ops.berths[stats["station"].to_numpy()] * ops.substops[stats["station"].to_numpy()]
    )  # over its stopping areas
    stats["saturation"] = stats["occupied_s"] / (stats["berths"] * period_s)
    pax = passenger_table(run)
    waits = (pax["board_s"] - pax["arrive_s"]).groupby([pax["origin"], pax["direction"]]).mean().rename("wait_mean_s")
    stats = stats.merge(waits, left_on=["station", "direction"], right_index=True, how="left")
    return stats.drop(columns="occupied_s")


def od_summary(run: Run) -> pd.DataFrame:
    """Per OD pair: passengers generated and delivered, mean wait and in-vehicle time (s)."""
    pax = passenger_table(run)
    pax["wait_s"] = pax["board_s"] - pax["arrive_s"]
    pax["in_vehicle_s"] = pax["alight_s"] - pax["board_s"]
    pax["delivered"] = pax["alight_s"].notna()
    od = pax.groupby(["origin", "destination"]).agg(
        generated=("arrive_s", "size"),
        delivered=("delivered", "sum"),
        denied=("left_behind", "sum"),
        wait_mean_s=("wait_s", "mean"),
        in_vehicle_mean_s=("in_vehicle_s", "mean"),
    )
    od = od.reset_index()
    od.insert(2, "from", station_labels(run, od["origin"].to_numpy()))
    od.insert(3, "to", station_labels(run, od["destination"].to_numpy()))
    return od


def passenger_counts(run: Run) -> dict[str, int]:
    """Generated, delivered, still waiting and on board at the end of the run."""
    t = run.trace
    boarded = t.board_trip >= 0
    delivered = np.isfinite(t.alight_s)
    return {
        "generated": len(t.passengers),
        "delivered": int(delivered.sum()),
        "waiting": int((~boarded).sum()),
        "on_board": int((boarded & ~delivered).sum()),
    }


def wait_distribution(run: Run, bin_s: float = 30.0) -> pd.DataFrame:
    """Passengers by wait, per direction, in ``bin_s`` bins (boarded passengers only).

    Returns
    -------
    pandas.DataFrame
        ``direction``, ``wait_from_s``, ``wait_to_s``, ``passengers``; every bin from 0 to the
        longest wait, empty bins included.
    """
    pax = passenger_table(run)
    wait_s = (pax["board_s"] - pax["arrive_s"]).to_numpy()
    boarded = np.isfinite(wait_s)
    edges = np.arange(0.0, (np.nanmax(wait_s, initial=0.0) // bin_s + 2) * bin_s, bin_s)
    frames = [
        pd.DataFrame(
            {
                "direction": d,
                "wait_from_s": edges[:-1],
                "wait_to_s": edges[1:],
                "passengers": np.histogram(wait_s[boarded & (pax["direction"].to_numpy() == d)], bins=edges)[0],
            }
        )
        for d in (0, 1)
    ]
    return pd.concat(frames, ignore_index=True)


def result_tables(run: Run, loads: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The run's tables by name: trajectories, stop_events, station_stats, segment_loads, od_summary,
    wait_distribution (``loads``: its :func:`segment_loads`, if already computed)."""
    events = stop_events(run)
    return {
        "trajectories": trajectories(run, events),
        "stop_events": events,
        "station_stats": station_stats(run, events),
        "segment_loads": segment_loads(run) if loads is None else loads,
        "od_summary": od_summary(run),
        "wait_distribution": wait_distribution(run),
    }


def summarize(run: Run, run_id: str, tables: dict[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    """The run's headline indicators, JSON-ready (see the module docstring for definitions).

    ``tables`` are the run's :func:`result_tables`, if already computed.
    """
    t, ops, c = run.trace, run.operations, run.corridor
    pax = passenger_table(run)
    wait = (pax["board_s"] - pax["arrive_s"]).dropna().to_numpy()
    ivt = (pax["alight_s"] - pax["board_s"]).dropna().to_numpy()
    journey = (pax["alight_s"] - pax["arrive_s"]).dropna().to_numpy()
    counts = passenger_counts(run)
    onboard_end = int(t.stops["boarded"].sum() - t.stops["alighted"].sum())
    if t.warm_up is not None:  # the counted stop events began with the warm-up's load and end with its riders left
        onboard_end += t.warm_up.load_carried_in - t.warm_up.on_board_at_end
    loads = tables["segment_loads"] if tables else segment_loads(run)
    stations = tables["station_stats"] if tables else station_stats(run)
    labels = direction_names(run)
    trips = t.period_trips.dropna(subset=["end_s"])
    km = _trip_km(run)
    directions = []
    for d in (0, 1):
        full = trips[(trips["direction"] == d)]
        timed = full[["service", "km"]].assign(run_s=full["end_s"] - full["dispatch_s"])
        peak = loads[loads["direction"] == d]
        top = peak.loc[peak["pax"].idxmax()] if len(peak) else None
        by_service = {
            name: {
                "trips": len(g),
                "run_time_mean_min": _r(g["run_s"].mean() / 60.0),
                "commercial_speed_kmh": _r((g["km"] / (g["run_s"] / 3600.0)).mean()),
            }
            for name, g in timed.groupby("service")
        }
        directions.append(
            {
                "direction": labels[d],
                "services": by_service,
                "critical_segment": None
                if top is None
                else {
                    "from": top["from"],
                    "to": top["to"],
                    "clock_hour": f"{int(top['hour']) % 24:02d}:00",
                    "pphpd": int(top["pax"]),
                    "buses_per_h": int(top["buses"]),
                    "offered_capacity_pphpd": int(top["capacity_pax"]),
                    "load_factor": _r(top["load_factor"], 3),
                },
                "max_buses_per_h_at_a_station": int(_max_hourly_buses(t.stops, d)),
            }
        )
    busiest = stations.loc[stations["saturation"].idxmax()] if len(stations) else None
    queue_s = t.stops["berth_s"] - t.stops["arrive_s"]
    pphpd = max((d["critical_segment"] or {}).get("pphpd", 0) for d in directions)
    buses_h = max(d["max_buses_per_h_at_a_station"] for d in directions)
    checks = []
    if pphpd > RECORD_PPHPD:
        checks.append(f"{pphpd} pphpd is above the recorded maximum of about {RECORD_PPHPD} (TransMilenio)")
    if buses_h > RECORD_BUSES_PER_H:
        checks.append(f"{buses_h} buses/h through a station is above the recorded {RECORD_BUSES_PER_H} (Guangzhou)")
    over = stations_over_capacity(run)
    full_signals = signals_at_capacity(run)
    spilled = station_queues_past_signals(run)
    for item in spilled:
        checks.append(
            f"station {item['station']} ({item['direction']}): the queue of buses waiting for a berth reached "
            f"{item['queue_m']:.0f} m and stood {item['minutes_past']:g} min between {item['from']} and {item['to']} back "
            f"through the signal {item['signal_m']:.0f} m upstream: it spills back into the junction, blocking the cross "
            "street (not modelled)"
        )
    for item in full_signals:
        checks.append(
            f"signal {item['signal']} ({item['direction']}): {item['buses_per_h']:.0f} buses came to it in the hour from "
            f"{item['hour']}, against its capacity for buses of {item['capacity_buses_per_h']:.0f}/h (the saturation "
            "headway in its green): bus demand at or above its capacity, buses queued at the stop line"
        )
    for item in over:
        checks.append(
            f"station {item['station']} ({item['direction']}): buses queued for a berth without a break from {item['from']} "
            f"to {item['to']}: bus demand above the station's capacity ({item['buses_per_h']:.0f} buses/h got through)"
        )
    if counts["generated"] != counts["delivered"] + counts["waiting"] + counts["on_board"] or onboard_end != counts["on_board"]:
        checks.append("passenger conservation failed: generated != delivered + waiting + on board")
    unserved = float((run.demand.peak_od_pax_h * ~run.served).sum())
    return {
        "scenario": run.scenario.name,
        "title": c.title,
        "city": c.city,
        "run_id": run_id,
        "seed": run.scenario.seed,
        "period": {
            "start": run.scenario.period.start,
            "end": run.scenario.period.end,
            "warm_up_min": run.scenario.period.warm_up_min,
            "simulated_until_s": _r(t.end_s, 1),
        },
        "corridor": {
            "length_km": _r(c.total_length_m / 1000.0, 3),
            "stations": len(c.station_name),
            "alignment": c.alignment.source,
        },
        "passengers": {
            **counts,
            "conserved": counts["generated"] == counts["delivered"] + counts["waiting"] + counts["on_board"],
            "denied_boardings": int(t.left_behind.sum()),
            "passengers_denied_at_least_once": int((t.left_behind > 0).sum()),
            "unserved_peak_demand_pax_h": _r(unserved, 1),
            "warm_up": _warm_up_passengers(t),
        },
        "wait_min": {"mean": _r(wait.mean() / 60.0 if len(wait) else np.nan), "p95": _r(_p95(wait) / 60.0)},
        "in_vehicle_min": {"mean": _r(ivt.mean() / 60.0 if len(ivt) else np.nan)},
        "journey_min": {"mean": _r(journey.mean() / 60.0 if len(journey) else np.nan), "p95": _r(_p95(journey) / 60.0)},
        "directions": directions,
        "stations": {
            "max_saturation": _r(busiest["saturation"], 3) if busiest is not None else None,
            "max_saturation_at": f"{busiest['name']} ({labels[int(busiest['direction'])]})" if busiest is not None else None,
            "bus_queue_mean_s": _r(queue_s.mean(), 1),
            "bus_queue_max_s": _r(queue_s.max(), 1),
            "stop_events_queued_share": _r((queue_s > 1e-9).mean(), 3),
            "dwell_mean_s": _r(t.stops["dwell_s"].mean(), 1),
            "over_capacity": over,
            "signals_at_capacity": full_signals,
            "queues_past_signals": spilled,
        },
        "fleet": {
            "available": ops.buses,
            "used": t.fleet_used,
            "trips": len(t.period_trips),
            "trips_finished": len(trips),
            "by_vehicle": fleet_by_vehicle(run, km),
        },
        "bus_km": _r(float(km.sum()), 1),
        "checks": checks,
        "notes": [],
    }


def stations_over_capacity(run: Run) -> list[dict[str, Any]]:
    """Stations and directions where buses queued for a berth without a break for :data:`BUS_QUEUE_LIMIT_S` or more.

    A queue that does not clear means more buses arrive than the berths serve: demand above the
    station's capacity. Each item: ``station``, ``direction``, ``from`` and ``to`` (HH:MM, the
    longest such spell) and ``buses_per_h`` (the buses that got a berth in it).
    """
    stops = run.trace.stops
    waiting = stops[stops["berth_s"] > stops["arrive_s"] + 1e-9]
    arrive_s, berth_s = waiting["arrive_s"].to_numpy(), waiting["berth_s"].to_numpy()
    labels = direction_names(run)
    found = []
    for station, direction, rows in _station_groups(waiting):
        by_arrival = rows[np.argsort(arrive_s[rows], kind="quicksort")]  # as sort_values("arrive_s")
        start, end = arrive_s[by_arrival], berth_s[by_arrival]
        reach = np.maximum.accumulate(end)
        spell = np.flatnonzero(np.concatenate([[True], start[1:] > reach[:-1]]))  # a new spell where the queue had cleared
        first, last = np.minimum.reduceat(start, spell), np.maximum.reduceat(end, spell)
        k = int(np.argmax(last - first))
        if last[k] - first[k] >= BUS_QUEUE_LIMIT_S:
            served = int(((end >= first[k]) & (end <= last[k])).sum())
            found.append(
                {
                    "station": str(run.corridor.station_name[station]),
                    "direction": labels[int(direction)],
                    "from": clock_hhmm(first[k]),
                    "to": clock_hhmm(last[k]),
                    "buses_per_h": _r(served / (last[k] - first[k]) * 3600.0, 1),
                }
            )
    return found


def station_queues_past_signals(run: Run) -> list[dict[str, Any]]:
    """Stations and directions whose queue of buses waiting for a berth reached back past the signal upstream.

    The buses waiting at a station (reached it, no berth yet) stand one behind the other, each
    taking its length and :data:`QUEUE_GAP_M`, behind the station's berths (every stopping area's,
    at the longest bus's length). The space they have ends at the stop line of the nearest signal
    upstream; a longer queue stands in the junction, where it blocks the cross street (which is not
    modelled) while the buses behind it wait anyway. A station is listed where the queue stood past
    the stop line for one cycle of that signal or longer in all (a moment there blocks no green).
    Each item: ``station``, ``direction``, ``signal_m`` (how far upstream), ``queue_m`` (the
    longest queue), ``minutes_past`` (the time it stood past the stop line), ``from`` and ``to``
    (HH:MM: it first reached past the signal, and last cleared it).
    """
    stops = run.trace.stops
    ops = run.operations
    length = np.array([fleet.vehicle.length_m for fleet in ops.fleets])[trip_fleet(run)]
    longest_m = max(fleet.vehicle.length_m for fleet in ops.fleets) + QUEUE_GAP_M
    waiting = stops[stops["berth_s"] > stops["arrive_s"] + 1e-9]
    trip, arrive_s, berth_s = waiting["trip"].to_numpy(), waiting["arrive_s"].to_numpy(), waiting["berth_s"].to_numpy()
    labels = direction_names(run)
    found = []
    for station, direction, rows in _station_groups(waiting):
        layout = ops.layouts[direction]
        at_m = layout.station_m[station]
        upstream = layout.signal_m[layout.signal_m < at_m]
        if not len(upstream):
            continue
        signal = int(np.flatnonzero(layout.signal_m < at_m)[-1])
        room_m = at_m - layout.signal_m[signal] - ops.berths[station] * ops.substops[station] * longest_m
        bus_m = length[trip[rows]] + QUEUE_GAP_M
        times = np.concatenate([berth_s[rows], arrive_s[rows]])
        step = np.concatenate([-bus_m, bus_m])
        order = np.lexsort((step, times))  # at the same time, a bus takes its berth before the next joins
        queue_m = np.cumsum(step[order])
        past = queue_m > room_m + 1e-9
        if not past.any():
            continue
        first, last = int(np.argmax(past)), int(np.flatnonzero(past)[-1])
        end_s = times[order][min(last + 1, len(times) - 1)]
        held_s = np.diff(times[order], append=times[order][-1])  # how long each queue length lasted
        if held_s[past].sum() < layout.cycle_s[signal]:
            continue  # a moment in the junction, not a blocked green
        found.append(
            {
                "station": str(run.corridor.station_name[station]),
                "direction": labels[int(direction)],
                "signal_m": _r(float(at_m - layout.signal_m[signal]), 0),
                "queue_m": _r(float(queue_m.max()), 0),
                "minutes_past": _r(float(held_s[past].sum()) / 60.0, 1),
                "from": clock_hhmm(times[order][first]),
                "to": clock_hhmm(end_s),
            }
        )
    return found


def signals_at_capacity(run: Run) -> list[dict[str, Any]]:
    """Signals met outside general traffic whose bus demand reached their capacity for buses in some clock hour.

    A stop line passes one bus per saturation headway while a headway of green is left
    (:mod:`corridor_sim.kernels.motion`), ``3600 / C x (floor((g - h) / h) + 1)`` an hour. The
    demand is the buses that set off toward it from the stop before in a clock hour; at
    :data:`SIGNAL_FULL_SHARE` of the capacity or more, buses queue at the stop line. Each item: ``signal`` (metres
    along the direction), ``direction``, ``hour`` (HH:00), ``buses_per_h`` (the demand), ``capacity_buses_per_h``.
    """
    stops = run.trace.stops.sort_values(["trip", "arrive_s"], kind="stable")
    same = stops["trip"].to_numpy()[1:] == stops["trip"].to_numpy()[:-1]
    labels = direction_names(run)
    found = []
    for direction, layout in enumerate(run.operations.layouts):
        if not len(layout.signal_m):
            continue
        d = (stops["direction"].to_numpy()[1:] == direction) & same
        start = layout.station_m[stops["station"].to_numpy()[:-1][d]]
        end = layout.station_m[stops["station"].to_numpy()[1:][d]]
        depart = stops["depart_s"].to_numpy()[:-1][d]
        capacity = layout.bus_capacity_per_h(SATURATION_HEADWAY_S)
        in_traffic = layout.signal_in_traffic[np.minimum(depart // BIN_S, N_BINS - 1).astype(np.int64)]
        for s, at_m in enumerate(layout.signal_m):
            crossing = (start < at_m) & (end > at_m) & ~in_traffic[:, s]  # its delay is in the traffic speed there
            if not crossing.any():
                continue
            hours, counts = np.unique((depart[crossing] // 3600).astype(int), return_counts=True)
            k = int(np.argmax(counts))
            if counts[k] >= SIGNAL_FULL_SHARE * capacity[s]:
                found.append(
                    {
                        "signal": f"{at_m:.0f} m",
                        "direction": labels[direction],
                        "hour": f"{hours[k] % 24:02d}:00",
                        "buses_per_h": float(counts[k]),
                        "capacity_buses_per_h": _r(float(capacity[s]), 1),
                    }
                )
    return found


def fleet_by_vehicle(run: Run, trip_km: np.ndarray | None = None) -> dict[str, dict[str, Any]]:
    """Per fleet (``vehicles`` key, or the scenario vehicle's type): its type, buses available and
    used, trips and bus-km (``trip_km``: the trips' km, if already known)."""
    trips = run.trace.trips
    counted = run.trace.period_trips
    km = _trip_km(run) if trip_km is None else trip_km
    out = {}
    for fleet in run.operations.fleets:
        mine = trips["vehicle"] == fleet.name
        out[fleet.name] = {
            "type": fleet.vehicle.name,
            "capacity_pax": fleet.vehicle.capacity_pax,
            "available": fleet.buses,
            "used": int(trips.loc[mine, "bus"].nunique()),
            "trips": int((counted["vehicle"] == fleet.name).sum()),
            "bus_km": _r(float(km[mine.to_numpy()].sum()), 1),
        }
    return out


def _warm_up_passengers(trace: Trace) -> dict[str, int]:
    """The warm-up's passengers (none counted elsewhere): arrived in it, and still waiting or on board as the period began."""
    w = trace.warm_up
    if w is None:
        return {"generated": 0, "waiting_at_start": 0, "on_board_at_start": 0}
    return {"generated": w.passengers, "waiting_at_start": w.waiting_at_start, "on_board_at_start": w.on_board_at_start}


def _trip_km(run: Run) -> np.ndarray:
    """Per trip: the km run between its stops (so far, for unfinished trips)."""
    order = trip_order(run.trace.stops)
    chain = run.corridor.station_chainage_m[run.trace.stops["station"].to_numpy()[order]]
    trip = run.trace.stops["trip"].to_numpy()[order]
    same = trip[1:] == trip[:-1]
    return np.bincount(trip[1:][same], weights=np.abs(np.diff(chain))[same], minlength=len(run.trace.trips)) / 1000.0


def _max_hourly_buses(stops: pd.DataFrame, direction: int) -> int:
    """The most buses that got a berth at one station in one clock hour, in a direction."""
    mine = (stops["direction"] == direction).to_numpy()
    hour = stops["berth_s"].to_numpy()[mine] // 3600
    station = stops["station"].to_numpy()[mine][~np.isnan(hour)]
    hour = (hour[~np.isnan(hour)] - np.min(hour, initial=0.0)).astype(np.int64)
    if not len(hour):
        return 0
    return int(np.bincount(station * (int(hour.max()) + 1) + hour).max())


def _p95(values: np.ndarray) -> float:
    return float(np.percentile(values, 95)) if len(values) else float("nan")


def _r(value: float, digits: int = 2) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else round(value, digits)
