"""Every default resolved onto the scenario, once: what a run ran with is what its files say.

:func:`corridor_sim.scenario.parse_scenario` returns a scenario whose optional design values are
all filled, each from its one home:

- each bus type's capacity, seats, doors and motion (:data:`corridor_sim.engine.vehicles.VEHICLE_TYPES`),
  and its boarding and alighting door streams (from the fare collection);
- the dwell parameters (:mod:`corridor_sim.engine.dwell`);
- every city default (traffic mix, previous modes and occupancies, real-world and grid factors,
  safety base rate, values of time, fares, car cost) from the city's profile
  (:mod:`corridor_sim.city_profile`);
- serious injuries per death (:mod:`corridor_sim.safety.factors`);
- the appraisal's unit costs (the city profile's, table by table), bus price factors by propulsion
  and the funder's discount rate (:mod:`corridor_sim.appraisal.defaults`);
- each station's berths, passing lane and access from the corridor's values.

One default needs the corridor: the warm-up (``period.warm_up_min``, one cycle of the longest
service, estimated from the corridor's lengths, speed limits and signals; see
:mod:`corridor_sim.engine.warm_up`). A scenario file does not hold those, and building a
corridor reads OSM or GTFS data, which reading a scenario must not (``validate`` and sweep plans
read hundreds). So :func:`resolve_warm_up` fills it when the run starts, once the corridor is
built (:func:`corridor_sim.engine.runner.simulate`), and the run's scenario, hence
``scenario.json``, carries the value. The run id is the hash of the scenario as read (the
warm-up unset), like every other value derived from the inputs.

The engine, the models, ``scenario.json`` and the report then read the scenario's values and
never restate a default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corridor_sim._errors import ScenarioError
from corridor_sim.city_profile import COST_KEYS, SCENARIO_PATHS, CityProfile

if TYPE_CHECKING:
    from corridor_sim.corridor import Corridor
    from corridor_sim.demand import Demand
    from corridor_sim.scenario import Scenario


def resolve(scenario: Scenario, source: str) -> dict[str, Any]:
    """The scenario's data with every default filled in (validated again by the caller).

    Parameters
    ----------
    scenario
        A validated scenario.
    source
        Where it came from, for error messages.

    Raises
    ------
    ScenarioError
        If its city has no city file, or its previous modes name a vehicle class without an
        occupancy.
    """
    from corridor_sim.appraisal.defaults import fill_appraisal
    from corridor_sim.engine.dwell import dwell_model
    from corridor_sim.engine.vehicles import NOT_TYPE_FIELDS, vehicle_type
    from corridor_sim.network.manifest import load_manifest
    from corridor_sim.safety.factors import SERIOUS_PER_DEATH

    try:
        profile = load_manifest(scenario.city).profile
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: city = {scenario.city!r}: {exc}") from None
    data = scenario.model_dump(mode="json", by_alias=True)
    _fill_profile(data, profile)
    specs = [("vehicle", scenario.vehicle, data["vehicle"])]
    specs += [(f"vehicles.{key}", spec, data["vehicles"][key]) for key, spec in scenario.vehicles.items()]
    for where, spec, values in specs:
        vehicle = vehicle_type(spec)
        if spec.seats is None and vehicle.seats > vehicle.capacity_pax:
            raise ScenarioError(
                f"{source}: {where}.capacity_pax = {vehicle.capacity_pax} is below the {vehicle.seats} seats of a "
                f"{vehicle.name}; set {where}.seats too (at most the capacity)"
            )
        values.update({k: getattr(vehicle, k) for k in values if k not in NOT_TYPE_FIELDS})
        dwell = dwell_model(scenario.dwell, vehicle.door_channels, spec.boarding_channels, spec.alighting_channels)
        values.update(boarding_channels=dwell.boarding_channels, alighting_channels=dwell.alighting_channels)
    dwell = dwell_model(scenario.dwell, 1, 1, 1)  # the per-passenger times; the streams are the vehicles'
    data["dwell"].update({k: getattr(dwell, k) for k in data["dwell"] if k != "fare_collection"})
    fill_appraisal(data["appraisal"])
    if data["safety"]["serious_per_death"] is None:
        data["safety"]["serious_per_death"] = SERIOUS_PER_DEATH
    spec = scenario.corridor
    for station, values in zip(spec.stations, data["corridor"]["stations"], strict=True):
        values.update(spec.station_design(station))
    missing = [m for m in data["baseline"]["mode_shares"] if _is_vehicle(m) and m not in data["baseline"]["occupancy_pax"]]
    if missing:
        raise ScenarioError(
            f"{source}: baseline.mode_shares names {', '.join(missing)}, which has no occupancy; "
            f"set baseline.occupancy_pax.{missing[0]} (passengers per vehicle)"
        )
    return data


def _fill_profile(data: dict[str, Any], profile: CityProfile) -> None:
    """Set each profile default where the scenario has none; occupancies and cost tables merge (the scenario's win)."""
    for key, path in SCENARIO_PATHS.items():
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        default = getattr(profile, key).value
        if key == "occupancy_pax" or (key in COST_KEYS and isinstance(default, dict)):  # tables merge key by key
            node[last] = {**default, **node[last]}
        elif node[last] is None or node[last] == {}:
            node[last] = default


def _is_vehicle(mode: str) -> bool:
    from corridor_sim.scenario import TRAVEL_MODES_BEYOND_VEHICLES

    return mode not in TRAVEL_MODES_BEYOND_VEHICLES


def resolve_warm_up(scenario: Scenario, corridor: Corridor, demand: Demand | None) -> Scenario:
    """The scenario with ``period.warm_up_min`` filled, if unset: the default of
    :func:`corridor_sim.engine.warm_up.default_warm_up_min` on its corridor.

    Parameters
    ----------
    scenario
        A validated scenario.
    corridor
        Its corridor.
    demand
        The flows the run carries (they set the estimate's dwell times).

    Returns
    -------
    Scenario
        ``scenario`` itself when it sets a warm-up, else a copy with the estimate.
    """
    from corridor_sim.engine.warm_up import default_warm_up_min

    if scenario.period.warm_up_min is not None:
        return scenario
    period = scenario.period.model_copy(update={"warm_up_min": default_warm_up_min(scenario, corridor, demand)})
    return scenario.model_copy(update={"period": period})
