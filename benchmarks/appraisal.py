"""Appraisal benchmark: what the funding case costs on top of a run of the Nairobi preset.

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/appraisal.py [scenario.toml] [--repeat 5] [--draws 10000]

It simulates and evaluates the scenario once (today's minibuses included, so the run has its
time saved), then times, warm, the median of ``repeat`` calls of:

- :func:`corridor_sim.appraisal.section.appraise`: costs, benefits, the cash flows, NPV / EIRR /
  BCR, the Monte Carlo of ``draws`` draws (the EIRR's distribution on its grid of 481 rates),
  switching values, the tornado with its Sobol' indices (SALib, 1,024 x 11 evaluations) and GHG;
- :func:`corridor_sim.appraisal.section.sdg_section` with
  :func:`corridor_sim.appraisal.sdg.public_transport_access`: SDG 3.6 and 11.6 from the summary
  and 11.2.1 from the walking catchments (it reads the walk network);
- the Monte Carlo alone (:func:`corridor_sim.appraisal.risk.monte_carlo`);

and, in a fresh process that has imported the engine, what the first appraisal of a process
imports on top (SALib and ``scipy.stats``; a sweep's worker pays it once).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios/nairobi/thika_road_brt.toml"


def _median_s(call, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


FIRST_IMPORTS = (
    "import time, corridor_sim.evaluation; t = time.perf_counter(); "
    "import SALib.analyze.sobol, SALib.sample.sobol; print(time.perf_counter() - t)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--draws", type=int, default=10_000)
    args = parser.parse_args()

    from corridor_sim.appraisal.benefits import year_of_benefits
    from corridor_sim.appraisal.cash_flows import base_multipliers, components, timeline
    from corridor_sim.appraisal.costs import capital_cost, operating_cost_per_year_usd
    from corridor_sim.appraisal.risk import monte_carlo
    from corridor_sim.appraisal.sdg import public_transport_access
    from corridor_sim.appraisal.section import appraise, demand_cap, sdg_section
    from corridor_sim.corridor import build_corridor
    from corridor_sim.evaluation import run_and_evaluate
    from corridor_sim.scenario import load_scenario

    scenario = load_scenario(args.scenario, {"appraisal.risk.draws": args.draws})
    corridor = build_corridor(scenario)
    t0 = time.perf_counter()
    evaluation = run_and_evaluate(scenario, corridor, "bench", all_tables=False)
    run_s = time.perf_counter() - t0
    run, summary, emissions = evaluation.run, evaluation.summary, evaluation.tables["segment_emissions"]

    spec = run.scenario.appraisal
    year = year_of_benefits(summary, run.scenario, emissions)
    line = timeline(spec, demand_cap(summary))
    parts = components(spec, capital_cost(run), operating_cost_per_year_usd(run, summary["bus_km"])["total"], year, line)
    base = base_multipliers(spec)
    result = {
        "scenario": args.scenario,
        "machine": f"{platform.machine()}, {platform.processor() or 'unknown CPU'}, Python {platform.python_version()}",
        "draws": args.draws,
        "run_and_evaluate_s (with the appraisal once)": round(run_s, 2),
        "appraise_s": round(_median_s(lambda: appraise(run, summary, emissions), args.repeat), 4),
        "monte_carlo_s": round(_median_s(lambda: monte_carlo(parts, spec, summary, run.scenario.seed, base), args.repeat), 4),
        "sdg_section_s": round(
            _median_s(lambda: sdg_section(summary, public_transport_access(run.scenario, run.corridor)), args.repeat), 4
        ),
        "first_appraisal_imports_s (fresh process)": round(
            float(subprocess.run([sys.executable, "-c", FIRST_IMPORTS], capture_output=True, text=True, check=True).stdout), 3
        ),
        "npv_usd": summary["appraisal"]["npv_usd"],
        "eirr": summary["appraisal"]["eirr"],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
