"""Emissions of vehicle movements: speed-dependent factors over distance plus idle rates over time.

Each row is one vehicle class moving ``distance_km`` at ``speed_kmh`` and standing ``idle_s``
with the engine on, after ``starts`` starts from rest. The factor follows the COPERT form through
the class's coefficients (:mod:`corridor_sim.emissions.factors`), with the speed held within
``[v_min_kmh, v_max_kmh]``; a start costs the class's CO2 and NOx grams at the row's speed,
interpolated between the documented speeds (from none at rest; beyond the last, as the square of
the speed: the kinetic energy).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Output columns of :func:`row_emissions`: CO2 on the factor curves, the real-world factor's
#: extra CO2, NOx, PM2.5, fuel (g; fuel includes the real-world factor), grid energy (kWh) and
#: its CO2 (g).
OUTPUTS = ("co2_g", "co2_real_world_g", "nox_g", "pm25_g", "fuel_g", "energy_kwh", "grid_co2_g")


@njit(cache=True)
def factor_at(coef: np.ndarray, speed_kmh: float, v_min_kmh: float, v_max_kmh: float) -> float:
    """COPERT-form factor ``alpha V^2 + beta V + gamma + delta / V`` at ``speed_kmh`` held in range."""
    v = min(max(speed_kmh, v_min_kmh), v_max_kmh)
    return coef[0] * v * v + coef[1] * v + coef[2] + coef[3] / v


@njit(cache=True)
def start_cost_g(points_g: np.ndarray, speeds_kmh: np.ndarray, speed_kmh: float) -> float:
    """Grams of one start from rest to ``speed_kmh``: linear between the points, from 0 at rest, ``v^2`` beyond."""
    if speed_kmh <= 0.0:
        return 0.0
    last = len(speeds_kmh) - 1
    if speed_kmh >= speeds_kmh[last]:
        return points_g[last] * (speed_kmh / speeds_kmh[last]) ** 2
    lo_v, lo_g = 0.0, 0.0
    for j in range(len(speeds_kmh)):
        if speed_kmh <= speeds_kmh[j]:
            return lo_g + (points_g[j] - lo_g) * (speed_kmh - lo_v) / (speeds_kmh[j] - lo_v)
        lo_v, lo_g = speeds_kmh[j], points_g[j]
    return points_g[last]


@njit(cache=True)
def row_emissions(
    vehicle_class: np.ndarray,
    speed_kmh: np.ndarray,
    distance_km: np.ndarray,
    idle_s: np.ndarray,
    starts: np.ndarray,
    coef: np.ndarray,
    idle_per_s: np.ndarray,
    carbon_g_per_g: np.ndarray,
    real_world: np.ndarray,
    start_g: np.ndarray,
    start_speeds_kmh: np.ndarray,
    grid_gco2_per_kwh: float,
    v_min_kmh: float,
    v_max_kmh: float,
) -> np.ndarray:
    """Emissions of each row.

    Parameters
    ----------
    vehicle_class
        Row of the factor arrays for each row (int).
    speed_kmh, distance_km, idle_s, starts
        Speed while moving (km/h), distance (km), time standing with the engine on (s) and starts from rest.
    coef
        COPERT-form coefficients (n_classes, 4, 4): CO2, NOx, PM2.5 (g/km), energy (kWh/km).
    idle_per_s
        Idle rates (n_classes, 4) per second.
    carbon_g_per_g
        g CO2 per g fuel per class (0: electric).
    real_world
        Fuel and CO2 multiplier per class.
    start_g, start_speeds_kmh
        (n_classes, 2, points): CO2 and NOx grams of a start at each of the speeds (km/h).
    grid_gco2_per_kwh
        Grid emission factor (g CO2 per kWh).
    v_min_kmh, v_max_kmh
        Speed range of the curves.

    Returns
    -------
    numpy.ndarray
        (n_rows, 7), columns as :data:`OUTPUTS`.
    """
    out = np.zeros((len(vehicle_class), 7))
    for i in range(len(vehicle_class)):
        c = vehicle_class[i]
        amount = np.empty(4)
        for p in range(4):
            hot = factor_at(coef[c, p], speed_kmh[i], v_min_kmh, v_max_kmh) * distance_km[i] if distance_km[i] > 0.0 else 0.0
            amount[p] = hot + idle_per_s[c, p] * idle_s[i]
        if starts[i] > 0.0:
            amount[0] += starts[i] * start_cost_g(start_g[c, 0], start_speeds_kmh, speed_kmh[i])
            amount[1] += starts[i] * start_cost_g(start_g[c, 1], start_speeds_kmh, speed_kmh[i])
        out[i, 0] = amount[0]
        out[i, 1] = amount[0] * (real_world[c] - 1.0)
        out[i, 2] = amount[1]
        out[i, 3] = amount[2]
        out[i, 4] = amount[0] * real_world[c] / carbon_g_per_g[c] if carbon_g_per_g[c] > 0.0 else 0.0
        out[i, 5] = amount[3]
        out[i, 6] = amount[3] * grid_gco2_per_kwh
    return out
