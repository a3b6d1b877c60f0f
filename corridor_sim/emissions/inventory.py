"""Emission inventory of a run: per segment and vehicle class, for the scenario and its baseline,
and the yearly totals and change for the summary.

Years: the simulated period's totals times ``operating_days_per_year`` (a day-long run gives a
year of such days; a peak-hour run gives that hour's share of a year).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from corridor_sim.emissions.factors import (
    SPEEDS_KMH,
    V_MAX_KMH,
    V_MIN_KMH,
    VEHICLE_CLASSES,
    FactorArrays,
    VehicleClass,
    factor_arrays,
)
from corridor_sim.indicators import _r
from corridor_sim.kernels.emissions import OUTPUTS, group_emissions, row_emissions
from corridor_sim.scenario import Scenario
from corridor_sim.vehicle_travel import SOURCE, VEHICLE_CLASS, label_codes

#: Table columns in kilograms (kWh for energy), from the kernel's grams.
_KG = {
    "co2_g": "co2_kg",
    "co2_real_world_g": "co2_real_world_kg",
    "nox_g": "nox_kg",
    "pm25_g": "pm25_kg",
    "fuel_g": "fuel_kg",
    "grid_co2_g": "grid_co2_kg",
}


def vehicle_classes(scenario: Scenario) -> dict[str, VehicleClass]:
    """The documented table with the scenario's replaced points (``[emissions.factors.<class>]``)."""
    table = dict(VEHICLE_CLASSES)
    for name, points in scenario.emissions.factors.items():
        table[name] = replace(table[name], **{k: v for k, v in points.model_dump().items() if v is not None})
    return table


def city_factors(scenario: Scenario) -> tuple[float, float]:
    """The existing fleet's real-world factor and the grid factor (g CO2 / kWh), as resolved (the city profile's by default)."""
    return scenario.emissions.real_world_factor, scenario.emissions.grid_gco2_per_kwh


def scenario_factors(scenario: Scenario) -> tuple[FactorArrays, float]:
    """The kernel's factor arrays and the grid factor (g CO2 / kWh) for a scenario."""
    real_world, grid = city_factors(scenario)
    return factor_arrays(vehicle_classes(scenario), real_world, scenario.emissions.bus_real_world_factor), grid


def _kernel_factors(factors: FactorArrays, grid_gco2_per_kwh: float) -> tuple[Any, ...]:
    """The emission kernels' arguments after the rows' (factor arrays, grid factor, speed range)."""
    return (
        factors.coef, factors.idle_per_s, factors.carbon_g_per_g, factors.real_world, factors.start_g,
        np.asarray(SPEEDS_KMH), grid_gco2_per_kwh, V_MIN_KMH, V_MAX_KMH,
    )  # fmt: skip


def _row_values(rows: pd.DataFrame, factors: FactorArrays) -> tuple[np.ndarray, ...]:
    """The kernels' row arguments: each row's class (into the factor arrays), speed, distance, idle time and starts."""
    index = {name: i for i, name in enumerate(factors.names)}
    classes = np.array([index[name] for name in VEHICLE_CLASS.categories], dtype=np.int64)[
        label_codes(rows["vehicle_class"], VEHICLE_CLASS)
    ]
    starts = rows["starts"].to_numpy(float) if "starts" in rows else np.zeros(len(rows))
    return classes, rows["speed_kmh"].to_numpy(float), rows["distance_km"].to_numpy(float), rows["idle_s"].to_numpy(float), starts


def emit(rows: pd.DataFrame, factors: FactorArrays, grid_gco2_per_kwh: float) -> pd.DataFrame:
    """Travel rows (:mod:`corridor_sim.vehicle_travel`) with their emissions (:data:`~corridor_sim.kernels.emissions.OUTPUTS`)."""
    out = row_emissions(*_row_values(rows, factors), *_kernel_factors(factors, grid_gco2_per_kwh))
    return rows.assign(**{name: out[:, j] for j, name in enumerate(OUTPUTS)})


def segment_emissions(alternatives: dict[str, pd.DataFrame], scenario: Scenario) -> pd.DataFrame:
    """Per alternative, segment, vehicle class and source: vehicle-km, idle hours and emissions (kg, kWh) over the period.

    Rows in label order (alternative, segment, vehicle class, source), each group's rows summed in
    their order as pandas' ``groupby(...).sum()`` does, on the rows' label codes.
    """
    factors, grid = scenario_factors(scenario)
    table = pd.concat(
        [_alternative_emissions(name, alternatives[name], factors, grid) for name in sorted(alternatives)], ignore_index=True
    )
    for grams, kg in _KG.items():
        table[kg] = table.pop(grams) / 1000.0
    return table


def _alternative_emissions(name: str, rows: pd.DataFrame, factors: FactorArrays, grid_gco2_per_kwh: float) -> pd.DataFrame:
    """One alternative's rows of :func:`segment_emissions` (in grams, before the kilograms)."""
    n_class, n_source = len(VEHICLE_CLASS.categories), len(SOURCE.categories)
    segment = rows["segment"].to_numpy(np.int64)
    group = (segment * n_class + label_codes(rows["vehicle_class"], VEHICLE_CLASS)) * n_source + label_codes(
        rows["source"], SOURCE
    )
    n_groups = (int(segment.max()) + 1 if len(segment) else 0) * n_class * n_source
    sums, counts = group_emissions(group, n_groups, *_row_values(rows, factors), *_kernel_factors(factors, grid_gco2_per_kwh))
    present = np.flatnonzero(counts)
    seg, rest = np.divmod(present, n_class * n_source)
    return pd.DataFrame(
        {
            "alternative": pd.array([name] * len(present), dtype="str"),
            "segment": seg,
            "vehicle_class": VEHICLE_CLASS.categories[rest // n_source],
            "source": SOURCE.categories[rest % n_source],
            **{column: sums[present, j] for j, column in enumerate(("vehicle_km", "idle_h", *OUTPUTS))},
        }
    )


def _totals(table: pd.DataFrame, days: float) -> dict[str, Any]:
    year_t = days / 1000.0  # kg per period -> t per year
    tailpipe = table["co2_kg"].sum() + table["co2_real_world_kg"].sum()
    by_class = table.groupby("vehicle_class")[
        ["vehicle_km", "co2_kg", "co2_real_world_kg", "grid_co2_kg", "nox_kg", "pm25_kg"]
    ].sum()
    return {
        "co2_t": _r((tailpipe + table["grid_co2_kg"].sum()) * year_t),
        "co2_factor_curves_t": _r(table["co2_kg"].sum() * year_t),
        "co2_real_world_t": _r(table["co2_real_world_kg"].sum() * year_t),
        "co2_grid_t": _r(table["grid_co2_kg"].sum() * year_t),
        "nox_t": _r(table["nox_kg"].sum() * year_t, 3),
        "pm25_t": _r(table["pm25_kg"].sum() * year_t, 4),
        "fuel_t": _r(table["fuel_kg"].sum() * year_t),
        "electricity_mwh": _r(table["energy_kwh"].sum() * year_t),
        "vehicle_km_per_period": {cls: _r(row["vehicle_km"], 1) for cls, row in by_class.iterrows()},
        "co2_t_by_class": {
            cls: _r((row["co2_kg"] + row["co2_real_world_kg"] + row["grid_co2_kg"]) * year_t) for cls, row in by_class.iterrows()
        },
    }


def emissions_summary(table: pd.DataFrame, scenario: Scenario) -> dict[str, Any]:
    """Yearly emissions of the scenario and the baseline, and the change, JSON-ready.

    ``co2_t`` is tailpipe CO2 (factor curves plus the real-world factor's line) plus grid CO2;
    the change is scenario minus baseline (negative: a saving).
    """
    days = scenario.operating_days_per_year
    real_world, grid = city_factors(scenario)
    out: dict[str, Any] = {
        "per_year": f"simulated period x {days:g} operating days",
        "real_world_factor": {"existing_fleet": real_world, "brt_buses": scenario.emissions.bus_real_world_factor},
        "grid_gco2_per_kwh": grid,
    }
    for name in ("scenario", "baseline"):
        out[name] = _totals(table[table["alternative"] == name], days)
    change = {key: _r(out["scenario"][key] - out["baseline"][key], 4) for key in ("co2_t", "nox_t", "pm25_t", "fuel_t")}
    classes = sorted(set(out["scenario"]["vehicle_km_per_period"]) | set(out["baseline"]["vehicle_km_per_period"]))
    change["vehicle_km_per_period"] = {
        c: _r(out["scenario"]["vehicle_km_per_period"].get(c, 0.0) - out["baseline"]["vehicle_km_per_period"].get(c, 0.0), 1)
        for c in classes
    }
    out["change"] = change
    return out
