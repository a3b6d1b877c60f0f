"""How much of the emission gap is the energy of starting from rest.

corridor-sim charges a leg the average-speed factor at its moving speed (the curve through
HBEFA4 points computed at constant speed) and idling at its stops; SUMO integrates HBEFA4's
instantaneous model, which charges the power to accelerate. One leg of typical length from rest
to cruise and back to rest, driven through SUMO's ``emissionsDrivingCycle`` and through
corridor-sim's factors, gives the grams a start costs beyond corridor-sim's charge.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from corridor_sim.emissions.inventory import emit, scenario_factors
from corridor_sim.engine.runner import Run

from .network import binary


def start_surcharge_g(
    run: Run, sumo_class: str, corridor_class: str, leg_m: float, cruise_kmh: float, work: Path
) -> dict[str, float]:
    """Grams of CO2 and NOx per start from rest that SUMO charges beyond corridor-sim.

    Parameters
    ----------
    run
        The corridor-sim run (its scenario's factors and its bus's acceleration and braking).
    sumo_class, corridor_class
        The bus's HBEFA4 class in SUMO and its class in corridor-sim.
    leg_m, cruise_kmh
        The leg: its length (m) and cruise speed (km/h).
    work
        Folder for the driving cycle's files.
    """
    v = run.operations.vehicle
    cruise = cruise_kmh / 3.6
    up = np.arange(0.0, cruise, v.accel_ms2)
    down = np.arange(cruise, 0.0, -v.decel_ms2)
    cruise_m = leg_m - up.sum() - down.sum()
    speeds = np.concatenate([up, np.full(round(cruise_m / cruise), cruise), down, [0.0]])
    cycle = work / "start_cycle.csv"
    np.savetxt(cycle, np.column_stack([np.arange(len(speeds)), speeds]), fmt="%.4f", delimiter=";")
    done = subprocess.run(
        [binary("emissionsDrivingCycle"), "-t", str(cycle), "-e", sumo_class, "--compute-a", "-o", str(work / "start_cycle.out")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    sums = dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)
    distance_m = float(sums["length"])
    moving_s = len(speeds) - 1
    factors, grid = scenario_factors(run.scenario)
    row = pd.DataFrame(
        {
            "vehicle_class": [corridor_class],
            "speed_kmh": [distance_m / moving_s * 3.6],
            "distance_km": [distance_m / 1000],
            "idle_s": [0.0],
        }
    )
    ours = emit(row, factors, grid).iloc[0]
    return {"co2_g": float(sums["CO2"]) / 1000 - ours["co2_g"], "nox_g": float(sums["NOx"]) / 1000 - ours["nox_g"]}


def starts(run: Run) -> int:
    """Starts from rest of all buses: one per leg between stations, one per stop at a red signal."""
    stops = run.trace.stops
    return int(len(stops) - stops["trip"].nunique() + stops["signal_stops"].sum())
