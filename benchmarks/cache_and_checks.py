"""What the safe graph cache and the new checks cost on a warm start (issues 17 and 18).

Usage (from the repo root, with the shared data beside it)::

    CORRIDOR_SIM_DATA=../shared/data python benchmarks/cache_and_checks.py [--repeat 5]

Times, warm (median of ``--repeat``), on the Addis Ababa Bole Road preset: reading each cached
graph (the drive graph, its projection, the walk graph) from its graph file against the pickle
it replaced; loading and resolving a scenario; the route checks of the OSM alignment; checking
numba's kernel cache; and building the corridor from a warm cache (what every run starts with).
"""

from __future__ import annotations

import argparse
import pickle
import platform
import tempfile
from pathlib import Path

from _timing import timed

PRESET = Path(__file__).resolve().parents[1] / "scenarios/addis_ababa/bole_road_brt.toml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import os

    os.environ["CORRIDOR_SIM_CACHE"] = tempfile.mkdtemp(prefix="cs-bench-cache-")
    from corridor_sim.alignment import utm_crs
    from corridor_sim.corridor import build_corridor
    from corridor_sim.kernels._cache import check_kernel_cache
    from corridor_sim.network import osm, osm_path
    from corridor_sim.network.graph_file import read_graph, write_graph
    from corridor_sim.nmt.walk_network import walk_graph
    from corridor_sim.scenario import load_scenario

    scenario = load_scenario(PRESET)
    build_corridor(scenario)  # fills the cache
    lats, lons = [s.lat for s in scenario.corridor.stations], [s.lon for s in scenario.corridor.stations]
    crs = utm_crs(lats, lons)
    drive, _ = osm.street_graph(scenario.city, lats, lons, 1000.0)
    graphs = {
        "drive graph": drive,
        "projected drive graph": osm_path.project(drive, crs),
        "walk graph": walk_graph(scenario.city, lats, lons, crs)[0],
    }
    rows = [("machine", f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")]
    with tempfile.TemporaryDirectory() as tmp:
        for name, graph in graphs.items():
            path = write_graph(graph, Path(tmp) / f"{name}.graph.json")
            blob = pickle.dumps(graph, protocol=pickle.HIGHEST_PROTOCOL)
            t_file, _ = timed(lambda p=path: read_graph(p), args.repeat)
            t_pickle, _ = timed(lambda b=blob: pickle.loads(b), args.repeat)
            size = f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges, {path.stat().st_size / 1e6:.1f} MB"
            rows.append((f"read {name} ({size})", f"{t_file:.3f} s (pickle {t_pickle:.3f} s)"))
    t_load, _ = timed(lambda: load_scenario(PRESET), args.repeat)
    rows.append(("load and resolve the scenario", f"{t_load * 1000:.1f} ms"))
    projected = graphs["projected drive graph"]
    from corridor_sim.alignment import _station_xy

    xy = _station_xy(scenario, crs)
    names = [s.name for s in scenario.corridor.stations]
    nodes = osm_path.match_stations(projected, xy, names)
    route = osm_path.trace_path(projected, nodes)
    t_check, _ = timed(lambda: osm_path.check_route(projected, xy, names, nodes, route), args.repeat)
    rows.append(("route checks of the OSM alignment (7 stations)", f"{t_check * 1000:.1f} ms"))
    t_kernels, _ = timed(check_kernel_cache, args.repeat)
    rows.append(("check numba's kernel cache", f"{t_kernels * 1000:.1f} ms"))
    t_corridor, _ = timed(lambda: build_corridor(scenario), args.repeat)
    rows.append(("build the corridor from a warm cache", f"{t_corridor:.2f} s"))
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
