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

from corridor_sim.kernels.group_sums import kahan_add

#: Output columns of :func:`row_emissions`: CO2 on the factor curves, the real-world factor's
#: extra CO2, NOx, PM2.5, fuel (g; fuel includes the real-world factor), grid energy (kWh) and
#: its CO2 (g).
OUTPUTS = ("co2_g", "co2_real_world_g", "nox_g", "pm25_g", "fuel_g", "energy_kwh", "grid_co2_g")
#: Rows :func:`group_emissions` computes at a time.
_CHUNK_ROWS = 4096


@njit(cache=True)
def factor_at(coef: np.ndarray, c: int, p: int, speed_kmh: float, v_min_kmh: float, v_max_kmh: float) -> float:
    """COPERT-form factor ``alpha V^2 + beta V + gamma + delta / V`` of class ``c`` and pollutant ``p`` at
    ``speed_kmh`` held in range (``coef``: as for :func:`row_emissions`)."""
    v = min(max(speed_kmh, v_min_kmh), v_max_kmh)
    return coef[c, p, 0] * v * v + coef[c, p, 1] * v + coef[c, p, 2] + coef[c, p, 3] / v


@njit(cache=True)
def start_cost_g(start_g: np.ndarray, c: int, p: int, speeds_kmh: np.ndarray, speed_kmh: float) -> float:
    """Grams of pollutant ``p`` (0: CO2, 1: NOx) of one start from rest to ``speed_kmh`` of class ``c``:
    linear between the points (``start_g``: as for :func:`row_emissions`), from 0 at rest, ``v^2`` beyond."""
    if speed_kmh <= 0.0:
        return 0.0
    last = len(speeds_kmh) - 1
    if speed_kmh >= speeds_kmh[last]:
        return start_g[c, p, last] * (speed_kmh / speeds_kmh[last]) ** 2
    lo_v, lo_g = 0.0, 0.0
    for j in range(len(speeds_kmh)):
        if speed_kmh <= speeds_kmh[j]:
            return lo_g + (start_g[c, p, j] - lo_g) * (speed_kmh - lo_v) / (speeds_kmh[j] - lo_v)
        lo_v, lo_g = speeds_kmh[j], start_g[c, p, j]
    return start_g[c, p, last]


@njit(cache=True, nogil=True)  # nogil: an evaluation in a thread beside another's
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
    emit_rows(
        vehicle_class, speed_kmh, distance_km, idle_s, starts, coef, idle_per_s, carbon_g_per_g, real_world, start_g,
        start_speeds_kmh, grid_gco2_per_kwh, v_min_kmh, v_max_kmh, 0, out,
    )  # fmt: skip
    return out


@njit(cache=True)
def emit_rows(
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
    first: int,
    out: np.ndarray,
) -> None:
    """Emissions of the rows from ``first`` on into ``out`` (one row of it each, as :data:`OUTPUTS`).

    Parameters are as for :func:`row_emissions`. A loop over rows, not a function of one row: numba
    would count references to the factor arrays on every call of such a function.
    """
    for r in range(out.shape[0]):
        i = first + r
        c = vehicle_class[i]
        hot = distance_km[i] > 0.0
        co2 = (factor_at(coef, c, 0, speed_kmh[i], v_min_kmh, v_max_kmh) * distance_km[i] if hot else 0.0) + idle_per_s[
            c, 0
        ] * idle_s[i]
        nox = (factor_at(coef, c, 1, speed_kmh[i], v_min_kmh, v_max_kmh) * distance_km[i] if hot else 0.0) + idle_per_s[
            c, 1
        ] * idle_s[i]
        pm25 = (factor_at(coef, c, 2, speed_kmh[i], v_min_kmh, v_max_kmh) * distance_km[i] if hot else 0.0) + idle_per_s[
            c, 2
        ] * idle_s[i]
        energy = (factor_at(coef, c, 3, speed_kmh[i], v_min_kmh, v_max_kmh) * distance_km[i] if hot else 0.0) + idle_per_s[
            c, 3
        ] * idle_s[i]
        if starts[i] > 0.0:
            co2 += starts[i] * start_cost_g(start_g, c, 0, start_speeds_kmh, speed_kmh[i])
            nox += starts[i] * start_cost_g(start_g, c, 1, start_speeds_kmh, speed_kmh[i])
        out[r, 0] = co2
        out[r, 1] = co2 * (real_world[c] - 1.0)
        out[r, 2] = nox
        out[r, 3] = pm25
        out[r, 4] = co2 * real_world[c] / carbon_g_per_g[c] if carbon_g_per_g[c] > 0.0 else 0.0
        out[r, 5] = energy
        out[r, 6] = energy * grid_gco2_per_kwh


@njit(cache=True, nogil=True)  # nogil: an evaluation in a thread beside another's
def group_emissions(
    group: np.ndarray,
    n_groups: int,
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
) -> tuple[np.ndarray, np.ndarray]:
    """Per group of rows: its distance (km), idle time (h) and emissions, summed as pandas sums them.

    The rows' emissions as :func:`row_emissions` gives them, added up in row order with
    :func:`~corridor_sim.kernels.group_sums.kahan_add` (bit for bit a pandas ``groupby(...).sum()``
    of those columns), a chunk of rows at a time rather than kept row by row.

    Parameters
    ----------
    group
        Group of each row (0 to ``n_groups - 1``).
    n_groups
        Number of groups.
    vehicle_class, speed_kmh, distance_km, idle_s, starts, coef, idle_per_s, carbon_g_per_g, real_world, start_g, \
start_speeds_kmh, grid_gco2_per_kwh, v_min_kmh, v_max_kmh
        As for :func:`row_emissions`.

    Returns
    -------
    sums : numpy.ndarray
        (n_groups, 9): ``distance_km``, ``idle_s / 3600`` (h), then :data:`OUTPUTS`.
    counts : numpy.ndarray
        Rows per group.
    """
    sums = np.zeros((n_groups, 2 + len(OUTPUTS)))
    compensation = np.zeros((n_groups, 2 + len(OUTPUTS)))
    counts = np.zeros(n_groups, dtype=np.int64)
    chunk = np.empty((_CHUNK_ROWS, len(OUTPUTS)))
    for first in range(0, len(group), _CHUNK_ROWS):
        out = chunk[: min(_CHUNK_ROWS, len(group) - first)]
        emit_rows(
            vehicle_class, speed_kmh, distance_km, idle_s, starts, coef, idle_per_s, carbon_g_per_g, real_world, start_g,
            start_speeds_kmh, grid_gco2_per_kwh, v_min_kmh, v_max_kmh, first, out,
        )  # fmt: skip
        for r in range(out.shape[0]):
            i, g = first + r, group[first + r]
            counts[g] += 1
            sums[g, 0], compensation[g, 0] = kahan_add(sums[g, 0], compensation[g, 0], distance_km[i])
            sums[g, 1], compensation[g, 1] = kahan_add(sums[g, 1], compensation[g, 1], idle_s[i] / 3600.0)
            for j in range(len(OUTPUTS)):
                sums[g, 2 + j], compensation[g, 2 + j] = kahan_add(sums[g, 2 + j], compensation[g, 2 + j], out[r, j])
    return sums, counts
