"""Getting to the stops: walking to the nearest BRT station or minibus stop, and crossing the road.

Walking trips start and end at the trip-end points around the corridor
(:func:`corridor_sim.nmt.walk_access.trip_ends`: walk-network nodes where there is a walk network,
else a grid); each point belongs to the zone of the station nearest it along the corridor. A
zone's access time is its points' mean walking distance to the nearest stop of the mode, at the
walking speed slowed where there is no sidewalk (``nmt.no_sidewalk_speed_factor`` on the share
without), plus the crossing (:mod:`corridor_sim.nmt.crossing`):

- a median station is reached across one carriageway, by every passenger, as its ``access`` says;
- a kerbside station or minibus stop is reached across the whole road by half the passengers
  (those on the far side), unsignalized unless ``corridor.protected_crossing_spacing_m`` gives
  signalized crossings (in the scenario; today there are none), two-stage with refuge islands.

Two worlds are costed: **today** (the baseline's sidewalk coverage, no refuges, no protected
crossings) and the **scenario** (the corridor's design).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from corridor_sim.corridor import Corridor
from corridor_sim.engine.traffic import period_hours_by_bin, volume_per_lane
from corridor_sim.nmt.crossing import crossing_time_s
from corridor_sim.nmt.walk_access import catchment, trip_ends, walk_distance_m
from corridor_sim.nmt.walk_network import walk_graph
from corridor_sim.scenario import Nmt, Scenario


@dataclass(frozen=True)
class ZoneAccess:
    """Per station zone, minutes: walking to the mode's nearest stop and crossing to it.

    Attributes
    ----------
    brt_walk_min, brt_cross_min
        To the BRT station (``nan`` today: there is none).
    minibus_walk_min, minibus_cross_min
        To the nearest minibus stop.
    walk_speed_ms
        The walking speed used (sidewalk coverage applied).
    method
        ``walk network`` or ``detour factor``, per zone.
    """

    brt_walk_min: np.ndarray
    brt_cross_min: np.ndarray
    minibus_walk_min: np.ndarray
    minibus_cross_min: np.ndarray
    walk_speed_ms: float
    method: np.ndarray

    def table(self, names: np.ndarray, world: str) -> pd.DataFrame:
        """One row per station zone."""
        return pd.DataFrame(
            {
                "world": world,
                "station": names.astype(str),
                "brt_walk_min": self.brt_walk_min,
                "brt_cross_min": self.brt_cross_min,
                "minibus_walk_min": self.minibus_walk_min,
                "minibus_cross_min": self.minibus_cross_min,
                "method": self.method,
            }
        )


@dataclass(frozen=True)
class WalkDistances:
    """Mean walking distance per station zone to the nearest BRT station and minibus stop (m), and
    the stations' walking catchments (:func:`corridor_sim.nmt.walk_access.catchment`, at the
    scenario's walking speed with its sidewalks)."""

    brt_m: np.ndarray
    minibus_m: np.ndarray
    method: np.ndarray
    catchment: pd.DataFrame


def walk_distances(scenario: Scenario, corridor: Corridor, minibus_chainage_m: np.ndarray) -> WalkDistances:
    """Zone means of the walking distance to the nearest BRT station and minibus stop.

    Uses the city's OSM walk network where an extract covers the stations, else the detour factor.
    """
    line, crs = corridor.alignment.line, corridor.alignment.crs
    found = walk_graph(scenario.city, list(corridor.station_lat), list(corridor.station_lon), crs)
    graph = found[0] if found is not None else None
    points = trip_ends(line, graph, reach_m=scenario.nmt.reach_m)
    stations_xy = shapely.get_coordinates([line.interpolate(c) for c in corridor.station_chainage_m])
    stops_xy = shapely.get_coordinates([line.interpolate(c) for c in minibus_chainage_m])
    to_brt = walk_distance_m(points, stations_xy, graph, scenario.nmt.detour_factor)
    to_minibus = walk_distance_m(points, stops_xy, graph, scenario.nmt.detour_factor)
    chain = corridor.station_chainage_m
    zone = np.searchsorted((chain[1:] + chain[:-1]) / 2.0, points["chainage_m"].to_numpy())
    n = len(chain)

    def zone_mean(values: pd.Series) -> np.ndarray:
        means = values.groupby(zone).mean().reindex(range(n)).to_numpy()
        return np.where(np.isnan(means), np.nanmean(values), means)

    method = to_brt["method"].iloc[0] if len(to_brt) else "detour factor"
    nmt = scenario.nmt
    speed = walking_speed_ms(nmt, corridor.mean_sidewalk_coverage)
    reached = catchment(line, stations_xy, graph, speed_ms=speed, reach_m=nmt.reach_m, detour_factor=nmt.detour_factor)
    return WalkDistances(
        brt_m=zone_mean(to_brt["distance_m"]),
        minibus_m=zone_mean(to_minibus["distance_m"]),
        method=np.full(n, method, dtype=object),
        catchment=reached,
    )


def walking_speed_ms(nmt: Nmt, sidewalk_coverage: float | np.ndarray) -> float | np.ndarray:
    """Mean walking speed along a road with that share of sidewalk (m/s)."""
    return nmt.walk_speed_ms * (sidewalk_coverage + (1.0 - sidewalk_coverage) * nmt.no_sidewalk_speed_factor)


def zone_access(scenario: Scenario, corridor: Corridor, distances: WalkDistances, world: str) -> ZoneAccess:
    """Access minutes per station zone in ``world`` (``"today"`` or ``"scenario"``).

    Each zone walks at the speed its segment's sidewalks allow (the design's per segment; today
    ``baseline.sidewalk_coverage``) and crosses with its segment's refuges (none today).
    """
    spec = scenario.corridor
    today = world == "today"
    n = len(corridor.station_name)
    side = np.clip(np.arange(n), 0, corridor.n_segments - 1)  # the segment each station's zone sits on
    coverage = np.full(n, scenario.baseline.sidewalk_coverage) if today else corridor.sidewalk_coverage[side]
    speed = walking_speed_ms(scenario.nmt, coverage)
    lanes = corridor.lanes[side]
    hours = period_hours_by_bin(scenario.period.start_s, scenario.period.end_s)
    flow = np.full(n, np.average(volume_per_lane(scenario.traffic), weights=hours))
    cycle, green = corridor.signal_cycle_s[side], corridor.green_share[side]
    refuge = np.zeros(n, dtype=bool) if today else corridor.refuge_islands[side]

    protected = (not today) and spec.protected_crossing_spacing_m is not None
    minibus_kind = np.full(n, "signalized" if protected else "unsignalized")
    minibus_cross = 0.5 * crossing_time_s(minibus_kind, lanes, np.full(n, 2), flow, cycle, green, refuge, speed)
    if today:
        brt_walk = brt_cross = np.full(n, np.nan)
    else:
        kind = corridor.station_access
        median = corridor.running_way[side] == "median_busway"
        carriageways = np.where(median, 1, 2)
        brt_cross = np.where(median, 1.0, 0.5) * crossing_time_s(kind, lanes, carriageways, flow, cycle, green, refuge, speed)
        brt_walk = distances.brt_m / speed
    return ZoneAccess(
        brt_walk_min=brt_walk / 60.0,
        brt_cross_min=brt_cross / 60.0,
        minibus_walk_min=distances.minibus_m / speed / 60.0,
        minibus_cross_min=minibus_cross / 60.0,
        walk_speed_ms=float(np.mean(speed)),
        method=distances.method,
    )
