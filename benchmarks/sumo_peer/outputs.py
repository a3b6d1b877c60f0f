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
