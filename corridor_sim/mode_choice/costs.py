"""Generalized cost of every mode between every pair of stations, in in-vehicle minutes.

For a trip from station zone ``i`` to zone ``j`` (weights ``w_walk``, ``w_wait``)::

    BRT      w_walk (walk_i + cross_i + walk_j + cross_j) + w_wait wait_i + ivt_ij + 60 fare / VoT
    minibus  the same at the nearest minibus stops and the minibus fare, plus a change (penalty and
             a second wait) where no route serves both stops; unavailable where both zones share a stop
    car      access minutes + the general traffic's time along the corridor + 60 cost_per_km km / VoT
    walk     corridor distance / walking speed (sidewalks applied)
    cycle    corridor distance / cycling speed, x ``nmt.no_cycle_lane_time_weight`` without a cycle lane

Unavailable modes cost ``inf``. The walking and cycling modes' own time counts at weight 1, like
in-vehicle time.
"""

from __future__ import annotations

import numpy as np

from corridor_sim.corridor import Corridor
from corridor_sim.mode_choice.access import ZoneAccess
from corridor_sim.mode_choice.parameters import MODES, city_money
from corridor_sim.mode_choice.service_levels import ServiceLevels
from corridor_sim.scenario import Scenario


def generalized_cost_min(
    scenario: Scenario,
    corridor: Corridor,
    access: ZoneAccess,
    minibus: ServiceLevels,
    station_stop: np.ndarray,
    brt: ServiceLevels | None,
    cycle_lane: bool,
    car_along_min: np.ndarray,
) -> np.ndarray:
    """Generalized cost (n, n, modes) in minutes, modes in :data:`MODES` order.

    Parameters
    ----------
    scenario, corridor
        The scenario and its corridor (stations are the zones).
    access
        Access minutes per zone in the world being costed.
    minibus
        Minibus waits and in-vehicle times between its stops.
    station_stop
        The minibus stop nearest each station.
    brt
        BRT waits and in-vehicle times between the stations (``None``: no BRT, as today).
    cycle_lane
        Whether the corridor has a cycle lane in this world.
    car_along_min
        Minutes by car from the first station to each station in the general traffic
        (:meth:`corridor_sim.engine.traffic.TrafficState.minutes_along`).
    """
    spec, nmt = scenario.mode_choice, scenario.nmt
    money = city_money(scenario)
    n = len(corridor.station_name)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    direction = (j < i).astype(int)
    distance_m = np.abs(corridor.station_chainage_m[j] - corridor.station_chainage_m[i])
    cost = np.full((n, n, len(MODES)), np.inf)
    per_min = 60.0 / money.value_of_time_per_h

    if brt is not None:
        reach = access.brt_walk_min + access.brt_cross_min
        cost[..., 0] = (
            spec.walk_weight * (reach[i] + reach[j])
            + spec.wait_weight * brt.wait_min[i, direction]
            + brt.in_vehicle_min
            + money.brt_fare * per_min
        )

    a, b = station_stop[i], station_stop[j]
    reach = access.minibus_walk_min + access.minibus_cross_min
    change = np.where(
        minibus.direct[a, b],
        0.0,
        spec.transfer_penalty_min + spec.wait_weight * np.nanmean(minibus.wait_min[np.isfinite(minibus.wait_min)]),
    )
    minibus_cost = (
        spec.walk_weight * (reach[i] + reach[j])
        + spec.wait_weight * minibus.wait_min[a, direction]
        + minibus.in_vehicle_min[a, b]
        + change
    )
    cost[..., 1] = np.where(a != b, minibus_cost + money.minibus_fare * per_min, np.inf)

    along = car_along_min
    cost[..., 2] = spec.car_access_min + np.abs(along[j] - along[i]) + money.car_cost_per_km * distance_m / 1000.0 * per_min

    cost[..., 3] = distance_m / access.walk_speed_ms / 60.0
    cycle_weight = 1.0 if cycle_lane else nmt.no_cycle_lane_time_weight
    cost[..., 4] = distance_m / (nmt.cycle_speed_kmh / 3.6) / 60.0 * cycle_weight
    cost[i == j] = np.inf
    return cost
