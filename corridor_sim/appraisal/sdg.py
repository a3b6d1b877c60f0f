"""SDG indicators from the run: 3.6 (road deaths and serious injuries), 11.2.1 (access to public
transport) and 11.6 (urban air quality).

- **3.6**: the change in deaths and serious injuries a year against today, with the safety model's
  5-95 % bands, and as a share of today's;
- **11.2.1**: the share of the corridor's trip ends (points on the walk network near the line, as
  the walking catchments use: :func:`corridor_sim.nmt.walk_access.catchment`) within 500 m and
  1 km walking of a station (UN-Habitat's distances for low- and high-capacity public transport;
  here every station is the BRT's), and the share of the walk network's length within them. On
  the walk network where a local OSM extract covers the stations, else with the detour factor;
- **11.6**: the change in NOx and PM2.5 (exhaust) a year, in tonnes and as a share of today's.
"""

from __future__ import annotations

from typing import Any

import shapely

from corridor_sim.corridor import Corridor
from corridor_sim.nmt.walk_access import catchment
from corridor_sim.nmt.walk_network import walk_graph
from corridor_sim.scenario import Scenario

#: Walking distances of SDG 11.2.1 (m).
ACCESS_DISTANCES_M = (500.0, 1000.0)


def _share(change: float, today: float) -> float | None:
    return round(change / today, 4) if today else None


def road_safety(summary: dict[str, Any]) -> dict[str, Any]:
    """SDG 3.6: deaths and serious injuries a year, change against today with bands."""
    s = summary["safety"]
    out = {}
    for key in ("deaths_per_year", "serious_injuries_per_year"):
        change = s["change"][key]
        out[key] = {
            "change": change["estimate"],
            "p5": change["p5"],
            "p95": change["p95"],
            "today": s["baseline"][key]["estimate"],
            "change_share": _share(change["estimate"], s["baseline"][key]["estimate"]),
        }
    return out


def air_quality(summary: dict[str, Any]) -> dict[str, Any]:
    """SDG 11.6: NOx and PM2.5 a year, change against today."""
    e = summary["emissions"]
    return {
        key: {
            "change_t": e["change"][key],
            "today_t": e["baseline"][key],
            "change_share": _share(e["change"][key], e["baseline"][key]),
        }
        for key in ("nox_t", "pm25_t")
    }


def public_transport_access(scenario: Scenario, corridor: Corridor) -> dict[str, Any]:
    """SDG 11.2.1: shares of the corridor's trip ends and walk network within 500 m and 1 km of a station."""
    line, nmt = corridor.alignment.line, scenario.nmt
    found = walk_graph(scenario.city, list(corridor.station_lat), list(corridor.station_lon), corridor.alignment.crs)
    stops = shapely.get_coordinates(shapely.line_interpolate_point(line, corridor.station_chainage_m))
    minutes = tuple(d / 60.0 for d in ACCESS_DISTANCES_M)  # at 1 m/s a budget of d/60 minutes is d metres
    table = catchment(
        line,
        stops,
        found[0] if found is not None else None,
        minutes=minutes,
        speed_ms=1.0,
        reach_m=nmt.reach_m,
        detour_factor=nmt.detour_factor,
    )
    out: dict[str, Any] = {"method": str(table["method"].iloc[0]), "trip_ends": int(table["points"].iloc[0])}
    for distance, row in zip(ACCESS_DISTANCES_M, table.itertuples(), strict=True):
        key = f"within_{int(distance)}_m"
        out[key] = {
            "trip_end_share": round(row.points_reached / row.points, 4) if row.points else None,
            "walk_network_share": None if row.network_share != row.network_share else round(float(row.network_share), 4),
        }
    return out
