"""Figures and report benchmark: what drawing costs against the run it draws.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/figures.py [scenario.toml] [--repeat 3]

It runs the preset once into a temporary folder (not timed), then times, warm (median of
``--repeat``): each standard figure drawn and saved as PNG and PDF, all of them together (what
``corridor-sim run`` adds), and the report (figures as PNG, then PDF and HTML). The simulation of
the same scenario is timed too, so the figures' cost reads as a ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

from _timing import timed

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios/nairobi/thika_road_brt.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from corridor_sim.corridor import build_corridor
    from corridor_sim.engine.runner import simulate
    from corridor_sim.pipeline import run_scenario
    from corridor_sim.plots.figures import FIGURES, draw_figures
    from corridor_sim.report.write import write_report
    from corridor_sim.results.reader import RunFolder
    from corridor_sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    corridor = build_corridor(scenario)
    with tempfile.TemporaryDirectory() as tmp:
        folder = run_scenario(scenario, Path(tmp) / "run", corridor).folder
        t_sim, _ = timed(lambda: simulate(scenario, corridor), args.repeat)

        def fresh() -> RunFolder:  # tables are read inside the timing, as `corridor-sim plot` does
            return RunFolder(folder)

        draw_figures(fresh())  # warm-up: imports, fonts
        rows = {name: timed(lambda name=name: draw_figures(fresh(), [name]), args.repeat)[0] for name in FIGURES}
        t_all, written = timed(lambda: draw_figures(fresh()), args.repeat)

        def report() -> dict:
            run = fresh()
            figures = draw_figures(run, formats=("png",), folder=Path(tmp) / "report_figures")
            return write_report(run, None, {n: p[0] for n, p in figures.items()}, Path(tmp) / "report")

        t_report, files = timed(report, args.repeat)
        sizes = {f"{n}.{p.suffix[1:]}": p.stat().st_size for n, paths in written.items() for p in paths}
        report_kb = {k: round(p.stat().st_size / 1024) for k, p in files.items()}
    print(json.dumps(
        {
            "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
            "scenario": scenario.name,
            "simulate_s": round(t_sim, 3),
            "figure_png_and_pdf_s": {k: round(v, 3) for k, v in rows.items()},
            "all_figures_s": round(t_all, 3),
            "all_figures_over_simulate": round(t_all / t_sim, 2),
            "report_s": round(t_report, 3),
            "figure_files_kb": {k: round(v / 1024) for k, v in sizes.items()},
            "report_kb": report_kb,
        },
        indent=2,
    ))  # fmt: skip


if __name__ == "__main__":
    main()
