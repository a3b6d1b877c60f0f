"""Cruise speeds by segment and time of day: speed limits, the bus's top speed, and traffic.

On mixed-traffic segments speed falls with background volume over capacity along the Bureau of
Public Roads curve (BPR, *Traffic Assignment Manual*, 1964):

    speed = free speed / (1 + alpha * (v / c) ** beta),    alpha = 0.15, beta = 4 by default,

with ``v`` the general traffic per lane and ``c`` the saturation flow per lane times the green
share on signalized segments (a segment without signals has the full saturation flow). Buses on
a median busway or a curbside bus lane run at the free speed whatever the traffic.
"""

from __future__ import annotations

import numpy as np

from corridor_sim.corridor import Corridor
from corridor_sim.scenario import Traffic, clock_s

#: Width of the time bins in which traffic (and so cruise speed) is constant (s).
BIN_S = 900.0
#: Bins cover two days of clock time, so runs past midnight keep the last value.
N_BINS = int(2 * 86400 / BIN_S)


def volume_per_lane(traffic: Traffic) -> np.ndarray:
    """General traffic per lane in each time bin (veh/h/lane), piecewise constant from each key."""
    volume = np.zeros(N_BINS)
    starts = np.arange(N_BINS) * BIN_S
    for key, value in sorted(traffic.volume_vph_per_lane.items(), key=lambda kv: clock_s(kv[0])):
        volume[starts >= clock_s(key)] = value
    return volume


def traffic_volume_over_capacity(corridor: Corridor, traffic: Traffic) -> np.ndarray:
    """Volume over capacity of the general lanes per time bin and segment (n_bins, n_segments)."""
    signalized = corridor.signal_count > 0
    capacity = traffic.saturation_flow_vphpl * np.where(signalized, corridor.green_share, 1.0)
    return volume_per_lane(traffic)[:, None] / capacity[None, :]


def volume_over_capacity(corridor: Corridor, traffic: Traffic) -> np.ndarray:
    """Volume over capacity buses meet per time bin and segment (n_bins, n_segments); 0 where they are segregated."""
    return np.where(corridor.running_way == "mixed_traffic", traffic_volume_over_capacity(corridor, traffic), 0.0)


def traffic_speed_kmh(corridor: Corridor, traffic: Traffic) -> np.ndarray:
    """Mean speed of the general traffic per time bin and segment (km/h): the speed limit slowed by the BPR curve."""
    slowdown = 1.0 + traffic.bpr_alpha * traffic_volume_over_capacity(corridor, traffic) ** traffic.bpr_beta
    return corridor.speed_limit_kmh[None, :] / slowdown


def cruise_speed_ms(corridor: Corridor, traffic: Traffic, max_speed_kmh: float) -> np.ndarray:
    """Bus cruise speed per time bin and segment (m/s), shape (n_bins, n_segments)."""
    free = np.minimum(corridor.speed_limit_kmh, max_speed_kmh) / 3.6
    slowdown = 1.0 + traffic.bpr_alpha * volume_over_capacity(corridor, traffic) ** traffic.bpr_beta
    return free[None, :] / slowdown


def period_hours_by_bin(start_s: float, end_s: float) -> np.ndarray:
    """Hours of the period ``start_s``-``end_s`` (clock s) inside each time bin (weights for period means)."""
    lo = np.arange(N_BINS) * BIN_S
    return np.clip(np.minimum(lo + BIN_S, end_s) - np.maximum(lo, start_s), 0.0, None) / 3600.0


def time_bin(t_s: float) -> int:
    """The traffic bin of clock time ``t_s``."""
    return min(int(t_s // BIN_S), N_BINS - 1)
