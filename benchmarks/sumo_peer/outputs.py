"""SUMO's outputs read back as the figures corridor-sim reports (:func:`sumo_peer.line.run_figures`)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd


def stop_table(path: Path) -> pd.DataFrame:
    """SUMO's stop output: one row per bus and stop (vehicle, busStop, started, ended, loaded, unloaded)."""
    rows = [
        (el.get("id"), el.get("busStop"), float(el.get("started")), float(el.get("ended")), int(el.get("loadedPersons", 0)), int(el.get("unloadedPersons", 0)))
        for _, el in ET.iterparse(path)
        if el.tag == "stopinfo"
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["vehicle", "bus_stop", "started", "ended", "loaded", "unloaded"])


def sumo_figures(out: Path, n_stations: int, log: str) -> dict[str, float]:
    """The compared figures of one SUMO run, from its output folder and its log.

    Run time: a bus's last stop's start minus its first stop's end, for buses that made all
    ``n_stations`` stops. Dwell: the stops' durations. Wait: the passengers' ride waiting
    times. Emissions: the buses' tripinfo totals (they enter at the first platform and leave at
    the last).
    """
    stops = stop_table(out / "stops.xml")
    stops = stops[stops["vehicle"].str.startswith("bus")]
    stops = stops.assign(direction=stops["vehicle"].str.rsplit("_", n=1).str[1].astype(int)).sort_values(["vehicle", "started"])
    full = stops.groupby("vehicle").filter(lambda g: len(g) == n_stations)
    first, last = full.groupby("vehicle").first(), full.groupby("vehicle").last()
    run_time = last["started"] - first["ended"]
    co2_mg = nox_mg = 0.0
    waits: list[float] = []
    buses = 0
    for _, el in ET.iterparse(out / "tripinfo.xml"):
        if el.tag == "tripinfo" and el.get("id", "").startswith("bus"):
            emissions = el.find("emissions")
            co2_mg += float(emissions.get("CO2_abs"))
            nox_mg += float(emissions.get("NOx_abs"))
            buses += 1
        elif el.tag == "ride" and el.get("vehicle") not in (None, "", "NULL"):
            waits.append(float(el.get("waitingTime")))
        elif el.tag == "personinfo":
            el.clear()
    teleports = re.search(r"Teleports:\s*(\d+)", log)
    return {
        "run_time_s_0": float(run_time[first["direction"] == 0].mean()),
        "run_time_s_1": float(run_time[first["direction"] == 1].mean()),
        "dwell_s": float((stops["ended"] - stops["started"]).mean()),
        "wait_s": float(np.mean(waits)) if waits else float("nan"),
        "bus_co2_kg": co2_mg / 1e6,
        "bus_nox_kg": nox_mg / 1e6,
        "trips": float(len(first)),
        "boarded_pax": float(len(waits)),
        "teleports": float(teleports.group(1)) if teleports else 0.0,
        "buses_finished": float(buses),
    }


def sumo_duration_s(log: str) -> float:
    """SUMO's own simulation clock time: the "Duration" of its performance statistics (s)."""
    match = re.search(r"Duration:\s*([\d.]+)\s*s", log)
    return float(match.group(1)) if match else float("nan")


def car_figures(tripinfo: Path, start_s: float, end_s: float) -> dict[int, dict[str, float]]:
    """Per direction, the cars of the flows ``traffic_<direction>`` inserted in ``[start_s, end_s)``.

    Needs the tripinfo written with ``--tripinfo-output.write-unfinished`` (cars still on the road
    at the end are marked ``vaporized="end"`` or have no arrival).

    Returns
    -------
    dict
        Direction -> ``travel_s`` (mean duration, insertion to arrival, of the cars that arrived),
        ``delay_s`` (their mean ``timeLoss``), ``route_m`` (their mean route length),
        ``finished_veh`` and ``unfinished_veh`` (inserted in the window, not arrived by the end),
        ``inserted_by_end_veh`` (all cars inserted before ``end_s``).
    """
    cars: dict[int, list[tuple[float, float, float, float, bool]]] = {0: [], 1: []}
    for _, el in ET.iterparse(tripinfo):
        if el.tag != "tripinfo":
            continue
        vehicle = el.get("id", "")
        if vehicle.startswith("traffic_"):
            direction = int(vehicle.split(".", 1)[0].rsplit("_", 1)[1])
            depart = float(el.get("depart"))
            if depart < end_s:
                arrived = float(el.get("arrival", -1)) >= 0 and el.get("vaporized", "") == ""
                cars[direction].append(
                    (depart, float(el.get("duration")), float(el.get("timeLoss")), float(el.get("routeLength")), arrived)
                )
        el.clear()
    out = {}
    for direction, rows in cars.items():
        table = pd.DataFrame(rows, columns=["depart", "duration", "time_loss", "route_m", "arrived"])
        window = table[table["depart"] >= start_s]
        done = window[window["arrived"]]
        out[direction] = {
            "travel_s": float(done["duration"].mean()),
            "delay_s": float(done["time_loss"].mean()),
            "route_m": float(done["route_m"].mean()),
            "finished_veh": float(len(done)),
            "unfinished_veh": float(len(window) - len(done)),
            "inserted_by_end_veh": float(len(table)),
        }
    return out


def queued_length_m(queues: Path, routes: tuple[list[str], list[str]], start_s: float, end_s: float) -> tuple[float, float]:
    """Per direction, the longest queued road length in SUMO's ``--queue-output`` within ``[start_s, end_s]`` (m).

    At each written step: per edge of the direction's route, the longest ``queueing_length`` of its
    lanes (from the lane's end back to its last halting vehicle), summed over the route's edges;
    then the maximum over the steps.
    """
    edge_direction = {edge: d for d in (0, 1) for edge in routes[d]}
    best = [0.0, 0.0]
    for _, el in ET.iterparse(queues):
        if el.tag != "data":
            continue
        if start_s <= float(el.get("timestep")) <= end_s:
            per_edge: dict[str, float] = {}
            for lane in el.iter("lane"):
                edge = lane.get("id").rsplit("_", 1)[0]
                if edge in edge_direction:
                    per_edge[edge] = max(per_edge.get(edge, 0.0), float(lane.get("queueing_length")))
            for d in (0, 1):
                best[d] = max(best[d], sum(v for e, v in per_edge.items() if edge_direction[e] == d))
        el.clear()
    return best[0], best[1]


def sumo_insertion(log: str) -> dict[str, float]:
    """SUMO's vehicle counts at the end of the run, from ``--duration-log.statistics``: loaded, inserted, waiting to be inserted."""
    counts = {}
    for key in ("Loaded", "Inserted", "Waiting"):
        match = re.search(rf"{key}:\s*(\d+)", log)
        counts[key.lower()] = float(match.group(1)) if match else float("nan")
    return counts
