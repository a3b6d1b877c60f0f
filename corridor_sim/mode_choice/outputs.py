"""What a mode-choice run reports: shares today and with the BRT, the iterations, access times."""

from __future__ import annotations

from typing import Any

import pandas as pd

from corridor_sim.indicators import _r
from corridor_sim.mode_choice.equilibrium import ModeShift, mode_share_table
from corridor_sim.mode_choice.parameters import city_money
from corridor_sim.paratransit.baseline import MinibusBaseline


def mode_choice_summary(shift: ModeShift) -> dict[str, Any]:
    """The ``mode_choice`` section of ``summary.json``."""
    shares = mode_share_table(shift).set_index("mode")
    scenario = shift.run.scenario
    money = city_money(scenario)
    access = {
        world: {
            "brt_walk_min": _r(float(pd.Series(a.brt_walk_min).mean())),
            "brt_cross_min": _r(float(pd.Series(a.brt_cross_min).mean())),
            "minibus_walk_min": _r(float(a.minibus_walk_min.mean())),
            "minibus_cross_min": _r(float(a.minibus_cross_min.mean())),
            "walk_speed_ms": _r(a.walk_speed_ms, 3),
            "method": sorted(set(a.method)),
        }
        for world, a in shift.access.items()
    }
    return {
        "peak_trips_pax_h": _r(float(shift.trips_pax_h.sum()), 1),
        "shares_today": {m: _r(v, 4) for m, v in shares["today_share"].items()},
        "shares_scenario": {m: _r(v, 4) for m, v in shares["scenario_share"].items()},
        "brt_peak_pax_h": _r(float(shift.run.demand.peak_od_pax_h.sum()), 1),
        "iterations": len(shift.iterations),
        "gap": _r(float(shift.iterations["gap"].iloc[-1]), 5),
        "converged": shift.converged,
        "tolerance": scenario.mode_choice.tolerance,
        "constants": {m: (_r(float(c), 4) if c > -1e300 else None) for m, c in zip(shares.index, shift.constants, strict=True)},
        "money": {
            "currency": money.currency,
            "value_of_time_per_h": money.value_of_time_per_h,
            "brt_fare": money.brt_fare,
            "minibus_fare": money.minibus_fare,
            "car_cost_per_km": money.car_cost_per_km,
        },
        "access": access,
        "catchment": [
            {k: (_r(v, 4) if isinstance(v, float) else v) for k, v in row.items()} for row in shift.catchment.to_dict("records")
        ],
    }


def minibus_summary(minibus: MinibusBaseline, summary: dict[str, Any]) -> dict[str, Any]:
    """The ``minibus`` section: how today's service was built and its headline indicators."""
    routes = minibus.routes
    stops = minibus.stops
    return {
        "feed": minibus.feed,
        "routes": len(routes),
        "stops": len(stops),
        "stops_by_source": {k: int(v) for k, v in stops["source"].value_counts().items()},
        "peak_headway_min_median": _r(float(routes["peak_headway_min"].median())),
        "frequency_factor": _r(minibus.frequency_factor, 3),
        "frequency_sources": sorted(set(routes["frequency_source"])),
        "notes": minibus.notes,
        "vehicle": minibus.scenario.vehicle.type,
        **{key: summary[key] for key in ("passengers", "wait_min", "in_vehicle_min", "journey_min", "bus_km", "fleet")},
    }


def mode_choice_tables(shift: ModeShift) -> dict[str, pd.DataFrame]:
    """Tables: mode_shares, mode_choice_iterations, station_access (per zone, both worlds), minibus_routes, station_catchment."""
    names = shift.run.corridor.station_name
    return {
        "mode_shares": mode_share_table(shift),
        "mode_choice_iterations": shift.iterations,
        "station_access": pd.concat([a.table(names, world) for world, a in shift.access.items()], ignore_index=True),
        "minibus_routes": shift.minibus.routes,
        "station_catchment": shift.catchment,
    }
