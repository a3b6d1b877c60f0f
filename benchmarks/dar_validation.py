"""Dar es Salaam DART Phase 1 against its published operation: the validation table.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/dar_validation.py [--slow-end]

Runs ``scenarios/dar_es_salaam/dart_phase1.toml`` as shipped (a day, 05:00-23:00) and prints each
published figure beside the simulated one (benchmarks/README.md, "Dar es Salaam DART Phase 1").
``--slow-end`` runs it again with every run-time parameter at the slow end of its documented range
(40 % green, 150 s cycles, 2.75 s per boarder) to show what the published 45 minutes would need.
``tests/test_dar.py`` pins the same figures through :func:`validation_figures`.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PRESET = Path(__file__).resolve().parents[1] / "scenarios/dar_es_salaam/dart_phase1.toml"
#: Peak windows of the preset (its peak_hours), clock seconds.
PEAKS_S = ((6 * 3600, 9.5 * 3600), (16 * 3600, 20 * 3600))
#: Every run-time parameter at the slow end of its documented range.
SLOW_END = {"corridor.assume.green_share": 0.4, "corridor.assume.signal_cycle_s": 150, "dwell.boarding_s": 2.75}


def validation_figures(summary: dict[str, Any], folder: Path) -> dict[str, float]:
    """The simulated side of the validation table, from a run's summary and folder.

    Returns
    -------
    dict
        Mean run time per service and direction (``all_stop_min[0]`` is toward Kivukoni), the
        express's Kimara Mwisho - Posta ya Zamani time, riders, fleet used per type, and the time
        between buses at the stations in the peaks (mean and 95th percentile, min).
    """
    out: dict[str, float] = {}
    for k, direction in enumerate(summary["directions"]):
        for name, service in direction["services"].items():
            out[f"{name}_min[{k}]"] = service["run_time_mean_min"]
    trajectories = pd.read_parquet(folder / "trajectories.parquet")
    express = trajectories[(trajectories["service"] == "express") & (trajectories["direction"] == 0)]
    names = list(pd.read_parquet(folder / "station_stats.parquet").drop_duplicates("station").sort_values("station")["name"])
    leave = express[(express["station"] == 0) & (express["event"] == "depart")].set_index("trip")["time_s"]
    reach = express[(express["station"] == names.index("Posta ya Zamani")) & (express["event"] == "arrive")].set_index("trip")[
        "time_s"
    ]
    out["express_to_posta_min"] = float(((reach - leave) / 60.0).mean())
    out["riders"] = summary["passengers"]["generated"]
    out["delivered"] = summary["passengers"]["delivered"]
    for key, fleet in summary["fleet"]["by_vehicle"].items():
        out[f"fleet_used[{key}]"] = fleet["used"]
    stops = pd.read_parquet(folder / "stop_events.parquet")
    gaps = []
    for (_, _), at in stops.groupby(["station", "direction"])["arrive_s"]:
        times = np.sort(at.to_numpy())
        for start, end in PEAKS_S:
            inside = times[(times >= start) & (times < end)]
            gaps.append(np.diff(inside) / 60.0)
    gaps = np.concatenate(gaps)
    out["peak_gap_mean_min"] = float(gaps.mean())
    out["peak_gap_p95_min"] = float(np.percentile(gaps, 95))
    out["denied_once_share"] = summary["passengers"]["passengers_denied_at_least_once"] / summary["passengers"]["generated"]
    return out


def run(overrides: dict[str, Any] | None = None) -> dict[str, float]:
    """Run the preset (with ``overrides``) into a temporary folder and return its figures."""
    from corridor_sim.pipeline import run_scenario
    from corridor_sim.scenario import load_scenario

    with tempfile.TemporaryDirectory() as tmp:
        output = run_scenario(load_scenario(PRESET, overrides), out=Path(tmp) / "run")
        return validation_figures(output.summary, output.folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-end", action="store_true", help="also run with every run-time parameter at its slow end")
    args = parser.parse_args()
    f = run()
    rows = [
        (
            "express end to end (The Citizen 2016-05-10)",
            "at most 40 min",
            f"{f['express_min[0]']:.1f} / {f['express_min[1]']:.1f} min",
        ),
        (
            "all-stop end to end (The Citizen 2016-05-10)",
            "at most 1 hour",
            f"{f['all_stop_min[0]']:.1f} / {f['all_stop_min[1]']:.1f} min",
        ),
        ("Kimara - Kivukoni (ITDP 2016)", "45 min", f"all-stop {f['all_stop_min[0]']:.1f} / {f['all_stop_min[1]']:.1f} min"),
        (
            "planned time to the city centre (tanzaniainvest)",
            "25 min",
            f"express to Posta ya Zamani {f['express_to_posta_min']:.1f} min",
        ),
        (
            "riders a day (ITDP 2016, The Citizen 2017)",
            "> 160,000; about 170,000",
            f"{f['riders']:,.0f} ({f['delivered']:,.0f} delivered)",
        ),
        (
            "fleet (2016)",
            "39 x 18 m + 101 x 12 m",
            f"{f['fleet_used[brt_18m]']:.0f} + {f['fleet_used[standard]']:.0f} used at the peak",
        ),
        (
            "time between buses at a station (opening day)",
            "at most 2 min",
            f"peak mean {f['peak_gap_mean_min']:.1f}, 95 % under {f['peak_gap_p95_min']:.1f} min",
        ),
    ]
    print("| published figure | published | simulated (to Kivukoni / to Kimara) |\n| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"riders left behind by a full bus at least once: {f['denied_once_share']:.1%}")
    if args.slow_end:
        slow = run(SLOW_END)
        print(
            f"slow end {SLOW_END}: all-stop {slow['all_stop_min[0]']:.1f} / {slow['all_stop_min[1]']:.1f} min, "
            f"express {slow['express_min[0]']:.1f} / {slow['express_min[1]']:.1f} min, "
            f"fleet {slow['fleet_used[brt_18m]']:.0f} + {slow['fleet_used[standard]']:.0f}"
        )


if __name__ == "__main__":
    main()
