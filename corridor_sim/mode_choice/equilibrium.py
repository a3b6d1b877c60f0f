"""The fixed point of mode choice and the BRT simulation.

1. The scenario's ``[demand]`` is every trip between the station zones today (``T``), split by
   ``[baseline] mode_shares`` grouped into the logit's modes.
2. Today's minibus service is simulated (:mod:`corridor_sim.paratransit.baseline`) with its
   share of ``T``; the logit's constants are calibrated so that today's costs reproduce today's
   shares (the BRT's constant is the minibus's plus ``brt_constant_min``).
3. The BRT is simulated with a first guess of its demand (the minibus riders), its waits and
   in-vehicle times measured, the logit applied in the scenario's world (its sidewalks,
   crossings, cycle lane), and the BRT demand moved towards ``T x P(BRT)`` by the method of
   successive averages (step ``1 / k``). The gap ``sum |T P(BRT) - D| / sum T P(BRT)`` is
   recorded each time; below ``mode_choice.tolerance`` the demand is a fixed point and the last
   simulation is the scenario's run.

The minibus service keeps today's level of service in the scenario (its operators are not
assumed to restructure), so the shift is the BRT's effect alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from corridor_sim import progress
from corridor_sim.beside import beside
from corridor_sim.corridor import Corridor
from corridor_sim.demand import Demand, build_demand
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.mode_choice.access import ZoneAccess, walk_distances, zone_access
from corridor_sim.mode_choice.costs import generalized_cost_min
from corridor_sim.mode_choice.logit import aggregate_shares, calibrate_constants, logit_shares
from corridor_sim.mode_choice.parameters import MODES, logit_mode
from corridor_sim.mode_choice.service_levels import ServiceLevels, service_levels
from corridor_sim.paratransit.baseline import MinibusBaseline, minibus_service
from corridor_sim.scenario import Scenario
from corridor_sim.vehicle_travel import baseline_shares

BRT, MINIBUS = MODES.index("brt"), MODES.index("minibus")


@dataclass(frozen=True)
class ModeShift:
    """The mode-choice fixed point and everything it was computed from.

    Attributes
    ----------
    run
        The BRT run at the fixed point (its demand is the shifted demand).
    minibus_run
        Today's minibus service, simulated.
    minibus
        How that service was built from the GTFS feed.
    trips_pax_h
        Peak-hour trips by all modes between the station zones (n, n).
    today_shares, scenario_shares
        Shares per pair and mode (n, n, modes).
    constants
        The calibrated mode constants (modes,).
    access
        Access minutes per zone, ``{"today": ..., "scenario": ...}``.
    catchment
        The stations' walking catchments (5 and 10 minutes).
    iterations
        One row per simulation: iteration, brt_trips_pax_h, target_pax_h, gap.
    converged
        Whether the gap fell below the tolerance.
    """

    run: Run
    minibus_run: Run
    minibus: MinibusBaseline
    trips_pax_h: np.ndarray
    today_shares: np.ndarray
    scenario_shares: np.ndarray
    constants: np.ndarray
    access: dict[str, ZoneAccess]
    catchment: pd.DataFrame
    iterations: pd.DataFrame
    converged: bool


def today_mode_shares(scenario: Scenario) -> np.ndarray:
    """Today's shares of the logit's modes (modes,), from ``[baseline] mode_shares`` (BRT 0)."""
    shares = np.zeros(len(MODES))
    for travel_mode, share in baseline_shares(scenario).items():
        shares[MODES.index(logit_mode(travel_mode))] += share
    return shares / shares.sum()


@dataclass(frozen=True)
class Calibration:
    """Today's minibus service simulated and the logit calibrated to today's shares: where the fixed
    point starts from (steps 1 and 2 of the module docstring).

    Attributes
    ----------
    demand
        The scenario's demand (all trips today).
    minibus, minibus_run
        Today's minibus service as built from the GTFS feed, and its run.
    minibus_levels
        The minibus run's service levels (:func:`~corridor_sim.mode_choice.service_levels.service_levels`).
    access
        Access minutes per zone, ``{"today": ..., "scenario": ...}``.
    catchment
        The stations' walking catchments (5 and 10 minutes).
    car_along_min
        Today's general traffic's minutes from the corridor's start to each station.
    constants
        The calibrated mode constants (modes,).
    today_shares
        Today's shares per pair and mode (n, n, modes).
    """

    demand: Demand
    minibus: MinibusBaseline
    minibus_run: Run
    minibus_levels: ServiceLevels
    access: dict[str, ZoneAccess]
    catchment: pd.DataFrame
    car_along_min: np.ndarray
    constants: np.ndarray
    today_shares: np.ndarray


def calibrate(scenario: Scenario, corridor: Corridor, alongside: Callable[[], object] | None = None) -> Calibration:
    """Simulate today's minibus service with today's minibus riders and calibrate the logit to today's shares.

    Parameters
    ----------
    scenario
        The scenario; its ``[demand]`` is all trips today.
    corridor
        Its corridor.
    alongside
        Work for a thread beside today's minibus run, after the walks to the stops (its compiled day
        releases the GIL): a mode-shift run imports the appraisal's sensitivity library there.

    Returns
    -------
    Calibration
        Today's minibus run, its service levels, the zones' access and the calibrated constants.
    """
    spec = scenario.mode_choice
    demand = build_demand(scenario)
    trips = demand.peak_od_pax_h
    target = today_mode_shares(scenario)

    with progress.stage("baseline: today's minibuses"):
        minibus, minibus_demand = minibus_service(scenario, corridor, demand, trips * target[MINIBUS])
        with beside("walk-access") as executor:  # the walks need the stops, not the run
            walking = executor.submit(walk_distances, scenario, corridor, minibus.stops["chainage_m"].to_numpy())
            extra = None if alongside is None else executor.submit(alongside)
            minibus_run = simulate(minibus.scenario, minibus.corridor, minibus_demand)
            minibus_levels = service_levels(minibus_run)
        distances = walking.result()
        if extra is not None:
            extra.result()  # its error, if any, is raised here
    access = {world: zone_access(scenario, corridor, distances, world) for world in ("today", "scenario")}

    car_min = minibus_run.operations.traffic.minutes_along(corridor.station_chainage_m)
    today_cost = generalized_cost_min(
        scenario, corridor, access["today"], minibus_levels, minibus.station_stop, None, cycle_lane=False, car_along_min=car_min
    )
    constants = calibrate_constants(today_cost, trips, target, spec.scale_per_min)
    constants[BRT] = constants[MINIBUS] + spec.scale_per_min * spec.brt_constant_min
    today_shares = logit_shares(today_cost, np.where(np.arange(len(MODES)) == BRT, -np.inf, constants), spec.scale_per_min)
    return Calibration(
        demand=demand,
        minibus=minibus,
        minibus_run=minibus_run,
        minibus_levels=minibus_levels,
        access=access,
        catchment=distances.catchment,
        car_along_min=car_min,
        constants=constants,
        today_shares=today_shares,
    )


def shift_modes(scenario: Scenario, corridor: Corridor, calibration: Calibration | None = None) -> ModeShift:
    """Iterate mode choice and the BRT simulation to a fixed point (see the module docstring).

    Parameters
    ----------
    scenario, corridor
        As :func:`calibrate`.
    calibration
        Where to start from, :func:`calibrate` of the same scenario and corridor (made now if not given):
        a caller can work on today's minibus run while the BRT's iterations run.

    Returns
    -------
    ModeShift
        The BRT run at the fixed point, today's minibus run, shares and iterations.
    """
    spec = scenario.mode_choice
    start = calibrate(scenario, corridor) if calibration is None else calibration
    demand, constants = start.demand, start.constants
    trips = demand.peak_od_pax_h
    brt_od = trips * start.today_shares[..., MINIBUS]
    rows = []
    for k in range(1, spec.max_iterations + 1):
        run = simulate(scenario, corridor, _with_flows(demand, brt_od))
        cost = generalized_cost_min(
            scenario,
            corridor,
            start.access["scenario"],
            start.minibus_levels,
            start.minibus.station_stop,
            service_levels(run),
            scenario.corridor.cycle_lane,
            start.car_along_min,
        )
        shares = logit_shares(cost, constants, spec.scale_per_min)
        target_od = trips * shares[..., BRT]
        gap = float(np.abs(target_od - brt_od).sum() / max(target_od.sum(), 1e-12))
        rows.append({"iteration": k, "brt_trips_pax_h": float(brt_od.sum()), "target_pax_h": float(target_od.sum()), "gap": gap})
        progress.step(f"mode shift iteration {k}: gap {gap:.3f} (stops below {spec.tolerance:g})", k, spec.max_iterations)
        if gap < spec.tolerance:
            break
        brt_od = brt_od + (target_od - brt_od) / k
    return ModeShift(
        run=run,
        minibus_run=start.minibus_run,
        minibus=start.minibus,
        trips_pax_h=trips,
        today_shares=start.today_shares,
        scenario_shares=shares,
        constants=constants,
        access=start.access,
        catchment=start.catchment,
        iterations=pd.DataFrame(rows),
        converged=rows[-1]["gap"] < spec.tolerance,
    )


def mode_share_table(shift: ModeShift) -> pd.DataFrame:
    """Demand-weighted shares by mode, today and in the scenario, with trips per peak hour."""
    today = aggregate_shares(shift.today_shares, shift.trips_pax_h)
    scenario = aggregate_shares(shift.scenario_shares, shift.trips_pax_h)
    total = float(shift.trips_pax_h.sum())
    return pd.DataFrame(
        {
            "mode": MODES,
            "today_share": today,
            "scenario_share": scenario,
            "today_pax_h": today * total,
            "scenario_pax_h": scenario * total,
        }
    )


def _with_flows(demand: Demand, od_pax_h: np.ndarray) -> Demand:
    return Demand(peak_od_pax_h=od_pax_h, profile=demand.profile, reverse_after_s=demand.reverse_after_s)
