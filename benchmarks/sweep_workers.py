"""Sweep benchmark: 100 one-peak-hour runs of the Nairobi preset on 1 and on 2 local workers.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/sweep_workers.py [--workers 1 2] [--dask]

Each measurement is the whole command a user types, ``corridor-sim sweep``, in a fresh process
with a fresh sweep folder: start-up, planning and validating the 100 runs, spawning the workers
(each imports the stack, loads the cached numba kernels and builds the corridor once), the runs,
and writing the rows and the table; the median of ``--repeat`` measurements. The sweep is 5 all-stop headways x 4 fleets x 5 seeds over
07:00-08:00 (25,000-26,000 passengers and 270-440 bus trips a run). The tables of every
measurement must be identical; the script stops if they are not.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SWEEP = [
    "--grid", "services.all_stop.peak_headway_min=1.2,1.6,2.0,2.5,3.0",
    "--grid", "fleet=90:150:20",
    "--grid", "seed=1:5:1",
    "--set", "period.start=07:00",
    "--set", "period.end=08:00",
]  # fmt: skip


def measure(workers: int, folder: Path, dask: bool) -> tuple[float, float, float, pd.DataFrame]:
    """Run the sweep once; return the wall time, the time to the first row, the steady rate (runs/s), the table.

    The steady rate is taken from the rows' write times: runs between the first row and the
    last, over that time, so it leaves out start-up and the final table.
    """
    command = [sys.executable, "-m", "corridor_sim.cli", "sweep", str(REPO / "scenarios/nairobi/thika_road_brt.toml")]
    command += [*SWEEP, "--workers", str(workers), "--out", str(folder), *(["--dask-local"] if dask else [])]
    start, start_clock = time.perf_counter(), time.time()
    subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    table = pd.read_parquet(folder / "table.parquet")
    if len(table) != 100 or not (table["status"] == "ok").all():
        sys.exit(f"expected 100 finished runs in {folder}, found {len(table)} ({(table['status'] != 'ok').sum()} failed)")
    written = sorted(p.stat().st_mtime for p in (folder / "rows").glob("*.parquet"))
    return wall, written[0] - start_clock, (len(written) - 1) / (written[-1] - written[0]), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dask", action="store_true", help="also measure a Dask LocalCluster with the most workers")
    parser.add_argument("--repeat", type=int, default=3, help="measurements of each, the median is reported")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, Python {platform.python_version()}")
    results: dict[str, tuple[float, float]] = {}
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(f"local, {n} worker{'s' if n > 1 else ''}", n, False) for n in args.workers]
        if args.dask:
            runs.append((f"Dask LocalCluster, {max(args.workers)} workers", max(args.workers), True))
        for label, workers, dask in runs:
            walls, firsts, steadies = [], [], []
            for k in range(args.repeat):
                wall, first_row, steady, table = measure(
                    workers, Path(tmp) / f"{label.replace(' ', '_').replace(',', '')}_{k}", dask
                )
                if reference is None:
                    reference = table
                pd.testing.assert_frame_equal(reference, table)
                walls.append(wall), firsts.append(first_row), steadies.append(steady)
            wall, first_row, steady = (statistics.median(v) for v in (walls, firsts, steadies))
            results[label] = (wall, steady)
            print(
                f"{label}: {wall:.1f} s wall ({', '.join(f'{w:.1f}' for w in walls)}), {100 / wall * 60:.0f} runs/min; "
                f"first row after {first_row:.1f} s, then {steady * 60:.0f} runs/min"
            )
    base_wall, base_steady = next(iter(results.values()))
    for label, (wall, steady) in results.items():
        print(f"speed-up {label} vs the first: {base_wall / wall:.2f}x whole command, {steady / base_steady:.2f}x steady")


if __name__ == "__main__":
    main()
