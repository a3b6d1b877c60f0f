"""The grams a start from rest costs, per vehicle class: the derivation of ``VehicleClass.start_*``.

corridor-sim charges a bus leg its constant-speed factor at the cruise speed and, for every start
from rest (leaving a stop, a red signal or a queue at a stop line), the grams HBEFA4's
instantaneous model charges beyond that: SUMO's ``emissionsDrivingCycle`` drives a cycle from
rest to the speed, a stretch at it and braking back to rest, and the same distance at constant
speed; the difference is one start's cost (the braking part is almost free). Needs the ``bench``
extra (eclipse-sumo). From the repository root::

    python benchmarks/start_emissions.py

It prints, for each HBEFA4 class corridor-sim's table reads (its ``hbefa_proxy``), the CO2 and
NOx grams per start at 10, 20, 30 and 50 km/h with that class's acceleration and braking, as the
rows of ``corridor_sim/emissions/factors.py`` hold them.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from sumo_peer.network import binary

from corridor_sim.emissions.factors import SPEEDS_KMH, VEHICLE_CLASSES

#: Acceleration and braking of the vehicles behind each HBEFA4 class (m/s2; corridor-sim's vehicle types).
MOTION = {
    "UBus_Artic_gt18t_Euro-III": (1.0, 1.2),
    "UBus_Artic_gt18t_Euro-VI_A-C": (1.0, 1.2),
    "UBus_Std_gt15-18t_Euro-II": (1.2, 1.2),
    "UBus_Std_gt15-18t_Euro-III": (1.2, 1.2),
    "UBus_Std_gt15-18t_Euro-IV_SCR": (1.2, 1.2),
    "UBus_Std_gt15-18t_Euro-VI_A-C": (1.2, 1.2),
    "LCV_diesel_N1-III_Euro-2": (1.5, 1.5),
}
#: Seconds at the speed between accelerating and braking (long enough for the result not to depend on it).
CRUISE_S = 120


def drive(hbefa_class: str, speeds_ms: np.ndarray, work: Path) -> dict[str, float]:
    """SUMO's totals (length m, CO2 and NOx g) for a one-second speed trace."""
    cycle = work / "cycle.csv"
    np.savetxt(cycle, np.column_stack([np.arange(len(speeds_ms)), speeds_ms]), fmt="%.4f", delimiter=";")
    done = subprocess.run(
        [binary("emissionsDrivingCycle"), "-t", str(cycle), "-e", f"HBEFA4/{hbefa_class}", "--compute-a", "-o", str(work / "out")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    sums = {k.strip(): float(v) for k, v in (line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)}
    return {"length_m": sums["length"], "co2_g": sums["CO2"] / 1000.0, "nox_g": sums["NOx"] / 1000.0}


def start_cost_g(hbefa_class: str, speed_kmh: float, work: Path) -> tuple[float, float]:
    """CO2 and NOx (g) of one start from rest to ``speed_kmh`` and back, beyond the same distance at constant speed."""
    accel, decel = MOTION[hbefa_class]
    v = speed_kmh / 3.6
    trace = np.concatenate([np.arange(0.0, v, accel), np.full(CRUISE_S, v), np.arange(v, 0.0, -decel), [0.0]])
    stop_and_go = drive(hbefa_class, trace, work)
    steady = drive(hbefa_class, np.full(len(trace), v), work)
    scale = stop_and_go["length_m"] / steady["length_m"]
    return stop_and_go["co2_g"] - steady["co2_g"] * scale, stop_and_go["nox_g"] - steady["nox_g"] * scale


def main() -> None:
    proxies = sorted({c.hbefa_proxy for c in VEHICLE_CLASSES.values() if c.hbefa_proxy in MOTION})
    with tempfile.TemporaryDirectory() as tmp:
        for proxy in proxies:
            costs = [start_cost_g(proxy, v, Path(tmp)) for v in SPEEDS_KMH]
            co2 = ", ".join(f"{c:.1f}" for c, _ in costs)
            nox = ", ".join(f"{n:.3f}" for _, n in costs)
            print(f'"{proxy}": {{"co2": ({co2}), "nox": ({nox})}},')


if __name__ == "__main__":
    main()
