"""The minibus baseline: today's matatus / taxis on the corridor as a scenario the engine runs.

From the city's GTFS feed (:mod:`corridor_sim.paratransit.routes`), or from a route layer of lines
(GPS traces of the routes, ``paratransit.routes``: no frequencies and no stops in it, so every route
runs at the scenario's ``headway_min`` and stops every ``stop_spacing_m``):

- **Routes**: those whose shapes run along the corridor for ``min_overlap_m`` or more; each
  becomes an all-stop service over the stretch its shapes overlap (both directions).
- **Frequency**: the feed's vehicles per hour in the scenario's period (frequencies.txt, or
  trips counted from stop_times), the mean of the two directions, averaged over the peak hours
  and over the rest; ``headway_min`` replaces them. Feeds often understate a busy corridor's
  minibuses (templated or placeholder headways), and operators in fact wait to fill, so supply
  follows demand: with ``match_demand`` every frequency is multiplied by the one factor that
  carries today's minibus riders through the busiest segment at ``design_load``
  (:func:`match_demand`); the factor is reported.
- **Stops**: the corridor's two ends, the feed's stops within ``stop_offset_m`` of the line, and
  informal stops every ``stop_spacing_m`` wherever those leave a longer gap (minibuses stop
  anywhere). A minibus stops at one only where a passenger on board alights or one waiting there
  hails it with room on board, and runs through the others (``stops_on_demand``, the default;
  :mod:`corridor_sim.kernels.on_demand`).
- **Road**: the same road, in mixed traffic everywhere, with overtaking at every stop. A minibus
  standing at a stop closes the kerb lane to the general traffic; its share of the flow is not
  added to the traffic (``traffic.bus_pcu = 0``: today's counts hold it).
- **Vehicle**: 14- or 33-seat minibuses; conductors collect fares on the move, so boarding is a
  single file through one sliding door (:data:`MINIBUS_DWELL`). The fleet is not limited.

Waiting to fill is represented by that factor, not by holding vehicles at the terminals.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from corridor_sim._errors import CorridorBuildError, DataFileError
from corridor_sim.corridor import Corridor, with_stops
from corridor_sim.data import data_file
from corridor_sim.demand import Demand
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.engine.timetable import peak_windows
from corridor_sim.engine.vehicles import vehicle_type
from corridor_sim.network.gtfs import load_feed
from corridor_sim.network.manifest import load_manifest
from corridor_sim.network.vector import read_vector
from corridor_sim.paratransit.pattern_cache import cached_corridor_patterns
from corridor_sim.paratransit.routes import corridor_stops, layer_patterns, pattern_vehicles_per_h
from corridor_sim.scenario import Scenario, parse_scenario

#: Dwell of a minibus stop: door 2 s, alighting 2.5 s and boarding 3 s per passenger through
#: one sliding door, no payment at the door [L].
MINIBUS_DWELL = {
    "fare_collection": "on_board",
    "door_open_close_s": 2.0,
    "alighting_s": 2.5,
    "boarding_s": 3.0,
    "crowding_penalty_s": 0.0,
}
#: Minibuses pull in two at a time at a stop and overtake each other [L].
STOP_BERTHS = 2
#: The fleet is whatever the feed's frequencies need (the engine's largest fleet).
UNLIMITED_FLEET = 2000


@dataclass(frozen=True)
class MinibusBaseline:
    """The minibus service as the engine's inputs, and what it was made from.

    Attributes
    ----------
    scenario
        A scenario of the minibus service (stations = its stops, services = its routes).
    corridor
        The corridor between its stops.
    routes
        One row per route: route_id, name, start_m, end_m, overlap_m, peak_headway_min,
        offpeak_headway_min, frequency_source.
    stops
        One row per stop: name, chainage_m, source (``corridor end``, ``feed``, ``spacing``).
    station_stop
        The stop nearest each of the scenario's stations.
    feed
        The feed key read.
    frequency_factor
        The factor applied to the feed's frequencies (1: as in the feed).
    notes
        What to know (missing tables, routes left out).
    """

    scenario: Scenario
    corridor: Corridor
    routes: pd.DataFrame
    stops: pd.DataFrame
    station_stop: np.ndarray
    feed: str
    frequency_factor: float = 1.0
    notes: list[str] = field(default_factory=list)


def minibus_baseline(scenario: Scenario, corridor: Corridor) -> MinibusBaseline:
    """Today's minibus service on the scenario's corridor, from the city's GTFS feed.

    Raises
    ------
    CorridorBuildError
        If no route of the feed runs along the corridor.
    DataFileError
        If the feed cannot be read.
    """
    spec = scenario.paratransit
    line, crs = corridor.alignment.line, corridor.alignment.crs
    notes: list[str] = []
    if spec.routes is not None:
        key, what = spec.routes, f"route layer {spec.routes!r}"
        stops, routes = _layer_routes(scenario, corridor, notes)
    else:
        key = spec.feed or next(iter(load_manifest(scenario.city).gtfs), None)
        what = f"GTFS feed {key!r}"
        loaded = load_feed(scenario.city, key)
        if not loaded.has_stop_times:
            notes.append(
                f"GTFS feed {key!r} has no stop_times.txt: frequencies from frequencies.txt and stops from the feed's stops "
                "near the corridor; the routes' stop sequences are not known"
            )
        found = corridor_stops(loaded.feed, line, crs, spec.stop_offset_m, min_spacing_m=150.0)
        stops = _stops(corridor, found, spec.stop_spacing_m)
        patterns = cached_corridor_patterns(loaded, line, crs, spec.buffer_m, spec.min_overlap_m)
        routes = _routes(scenario, loaded.feed, patterns, notes)
    if routes.empty:
        raise CorridorBuildError(
            f"no route of {what} runs {spec.min_overlap_m:.0f} m or more along the corridor; "
            "lower paratransit.min_overlap_m or widen paratransit.buffer_m"
        )
    base = with_stops(
        corridor,
        stops["chainage_m"].to_numpy(),
        stops["name"].tolist(),
        berths=STOP_BERTHS,
        passing_lane=True,
        access=scenario.corridor.station_access,
    )
    minibus = _minibus_scenario(scenario, base, routes, stops)
    nearest = np.abs(corridor.station_chainage_m[:, None] - stops["chainage_m"].to_numpy()[None, :]).argmin(axis=1)
    return MinibusBaseline(minibus, base, routes, stops, nearest, key, notes=notes)


def today_minibuses(scenario: Scenario, corridor: Corridor, demand: Demand, od_pax_h: np.ndarray) -> tuple[MinibusBaseline, Run]:
    """Today's minibus service carrying ``od_pax_h``, simulated in the scenario's general traffic.

    Parameters
    ----------
    scenario, corridor
        The scenario and its corridor (the service runs on the same line, in the same traffic).
    demand
        The profile over the day (its peak-hour flows are replaced).
    od_pax_h
        Peak-hour riders between the scenario's stations (n, n), put on the minibus stops nearest
        them; with ``paratransit.match_demand`` every route's frequency is raised to carry them.

    Returns
    -------
    tuple
        The service as built and its run.
    """
    minibus, minibus_demand = minibus_service(scenario, corridor, demand, od_pax_h)
    return minibus, simulate(minibus.scenario, minibus.corridor, minibus_demand)


def minibus_service(
    scenario: Scenario, corridor: Corridor, demand: Demand, od_pax_h: np.ndarray
) -> tuple[MinibusBaseline, Demand]:
    """Today's minibus service as :func:`today_minibuses` runs it, and its riders, not yet simulated.

    Parameters are those of :func:`today_minibuses`.

    Returns
    -------
    tuple
        The service (its frequencies raised to carry ``od_pax_h`` with ``paratransit.match_demand``)
        and the demand between its stops.
    """
    minibus = minibus_baseline(scenario, corridor)
    minibus_demand = stop_demand(minibus, demand, od_pax_h)
    if scenario.paratransit.match_demand:
        minibus = match_demand(minibus, minibus_demand.peak_od_pax_h, scenario.paratransit.design_load)
    return minibus, minibus_demand


def match_demand(baseline: MinibusBaseline, stop_od_pax_h: np.ndarray, design_load: float) -> MinibusBaseline:
    """The service with every route's frequency raised so its seats carry the riders.

    The factor is the largest, over segments and directions, of the peak-hour riders crossing
    the segment over ``design_load`` x the seats offered across it; below 1 nothing changes.

    Parameters
    ----------
    baseline
        The service at the feed's frequencies.
    stop_od_pax_h
        Peak-hour minibus riders between its stops.
    design_load
        Riders over seats on the busiest segment.
    """
    n = len(baseline.stops)
    crossing = np.array([[stop_od_pax_h[: k + 1, k + 1 :].sum(), stop_od_pax_h[k + 1 :, : k + 1].sum()] for k in range(n - 1)])
    seats = np.zeros(n - 1)
    capacity_pax = vehicle_type(baseline.scenario.vehicle).capacity_pax
    names = list(baseline.stops["name"])
    for service in baseline.scenario.services.values():
        first, last = names.index(service.stops[0]), names.index(service.stops[-1])
        seats[first:last] += 60.0 / service.peak_headway_min * capacity_pax
    factor = float(np.max(crossing / (design_load * np.maximum(seats, 1e-9))[:, None]))
    if factor <= 1.0:
        return baseline
    routes = baseline.routes.assign(
        peak_headway_min=baseline.routes["peak_headway_min"] / factor,
        offpeak_headway_min=baseline.routes["offpeak_headway_min"] / factor,
    )
    services = {
        name: service.model_copy(
            update={
                "peak_headway_min": service.peak_headway_min / factor,
                "offpeak_headway_min": None if service.offpeak_headway_min is None else service.offpeak_headway_min / factor,
            }
        )
        for name, service in baseline.scenario.services.items()
    }
    scenario = baseline.scenario.model_copy(update={"services": services})
    note = f"frequencies x{factor:.2f} to carry today's minibus riders at a peak load of {design_load:.0%} (paratransit.match_demand)"
    return replace(baseline, scenario=scenario, routes=routes, frequency_factor=factor, notes=[*baseline.notes, note])


def stop_demand(baseline: MinibusBaseline, demand: Demand, od_pax_h: np.ndarray) -> Demand:
    """``demand`` with peak flows ``od_pax_h`` between the scenario's stations moved to their nearest stops."""
    n = len(baseline.stops)
    od = np.zeros((n, n))
    m = baseline.station_stop
    np.add.at(od, (m[:, None].repeat(len(m), 1), m[None, :].repeat(len(m), 0)), od_pax_h)
    np.fill_diagonal(od, 0.0)
    return Demand(peak_od_pax_h=od, profile=demand.profile, reverse_after_s=demand.reverse_after_s)


def _layer_routes(scenario: Scenario, corridor: Corridor, notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stops (every ``stop_spacing_m``) and routes (at ``headway_min``) from the scenario's route layer."""
    spec = scenario.paratransit
    layers = load_manifest(scenario.city).route_layers
    if spec.routes not in layers:
        raise DataFileError(
            f"paratransit.routes = {spec.routes!r} is not a route layer of networks/{scenario.city}.toml; "
            f"known: {', '.join(layers) or 'none'}"
        )
    layer = layers[spec.routes]
    frame = read_vector(data_file(layer.file), [layer.id_field, layer.name_field], "route layer")
    line, crs = corridor.alignment.line, corridor.alignment.crs
    patterns = layer_patterns(frame, layer.id_field, layer.name_field, line, crs, spec.buffer_m, spec.min_overlap_m)
    empty = pd.DataFrame({"stop_name": [], "chainage_m": []})
    stops = _stops(corridor, empty, spec.stop_spacing_m)
    routes = pd.DataFrame(
        {
            "route_id": patterns["route_id"].astype(str),
            "name": patterns["route_long_name"].fillna(patterns["route_id"]).astype(str),
            "start_m": patterns["start_m"],
            "end_m": patterns["end_m"],
            "overlap_m": patterns["overlap_m"],
            "peak_headway_min": float(spec.headway_min),
            "offpeak_headway_min": float(spec.headway_min),
            "frequency_source": "scenario assumption (paratransit.headway_min)",
        }
    )
    notes.append(
        f"today's minibus routes from route layer {spec.routes!r} ({layer.file}): {len(routes)} run along the corridor; "
        f"the layer has no frequencies or stops, so every route runs every {spec.headway_min:g} min (paratransit.headway_min, "
        f"a stated assumption) and stops every {spec.stop_spacing_m:.0f} m"
    )
    return stops, routes


def _stops(corridor: Corridor, feed_stops: pd.DataFrame, spacing_m: float) -> pd.DataFrame:
    first, last = corridor.station_chainage_m[0], corridor.station_chainage_m[-1]
    names = corridor.station_name
    inner = feed_stops[(feed_stops["chainage_m"] > first + 100.0) & (feed_stops["chainage_m"] < last - 100.0)]
    found = pd.DataFrame({"name": inner["stop_name"].astype(str), "chainage_m": inner["chainage_m"], "source": "feed"})
    ends = pd.DataFrame({"name": [str(names[0]), str(names[-1])], "chainage_m": [first, last], "source": "corridor end"})
    stops = pd.concat([ends.iloc[:1], found, ends.iloc[1:]], ignore_index=True)
    gaps = np.diff(stops["chainage_m"].to_numpy())
    extra = [
        a + (np.arange(1, k) * gap / k)
        for a, gap, k in zip(stops["chainage_m"].to_numpy()[:-1], gaps, np.ceil(gaps / spacing_m).astype(int), strict=True)
        if k > 1
    ]
    if extra:
        at = np.concatenate(extra)
        filler = pd.DataFrame(
            {"name": [f"informal stop {c / 1000:.1f} km" for c in at - first], "chainage_m": at, "source": "spacing"}
        )
        stops = pd.concat([stops, filler], ignore_index=True).sort_values("chainage_m", kind="stable", ignore_index=True)
    repeat = stops.groupby("name").cumcount()
    stops["name"] = stops["name"].where(repeat == 0, stops["name"] + " (" + (repeat + 1).astype(str) + ")")
    return stops


def _routes(scenario: Scenario, feed, patterns: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    start, end = float(scenario.period.start_s), float(scenario.period.end_s)
    vph = pattern_vehicles_per_h(feed, patterns["shape_id"].astype(str).unique().tolist(), start, end, step_s=900.0)
    peaks = peak_windows(scenario)
    vph["peak"] = [any(a <= t < b for a, b in peaks) for t in vph["bin_start_s"]]
    by_pattern = patterns[["route_id", "direction_id", "shape_id"]].astype({"shape_id": str}).merge(vph, on="shape_id")
    per_direction = by_pattern.groupby(["route_id", "direction_id", "bin_start_s", "peak"], as_index=False)[
        "vehicles_per_h"
    ].sum()
    per_route = per_direction.groupby(["route_id", "peak"])["vehicles_per_h"].mean().unstack("peak")
    source = by_pattern.groupby("route_id")["source"].agg(lambda s: "/".join(sorted(set(s))))
    spans = patterns.groupby("route_id").agg(
        name=("route_long_name", "first"),
        short=("route_short_name", "first"),
        start_m=("start_m", "min"),
        end_m=("end_m", "max"),
        overlap_m=("overlap_m", "max"),
    )
    override = scenario.paratransit.headway_min
    rows = []
    for route_id, span in spans.iterrows():
        peak_vph = per_route.get(True, pd.Series(dtype=float)).get(route_id, np.nan)
        off_vph = per_route.get(False, pd.Series(dtype=float)).get(route_id, np.nan)
        if override is None and not (peak_vph > 0):
            notes.append(f"route {route_id} ({span['name']}) left out: the feed gives it no vehicles in the period")
            continue
        rows.append(
            {
                "route_id": str(route_id),
                "name": str(span["name"] if isinstance(span["name"], str) and span["name"] else span["short"]),
                "start_m": span["start_m"],
                "end_m": span["end_m"],
                "overlap_m": span["overlap_m"],
                "peak_headway_min": override or min(60.0 / peak_vph, 120.0),
                "offpeak_headway_min": override or (min(60.0 / off_vph, 120.0) if off_vph > 0 else None),
                "frequency_source": "scenario" if override else source.get(route_id, "none"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "route_id",
            "name",
            "start_m",
            "end_m",
            "overlap_m",
            "peak_headway_min",
            "offpeak_headway_min",
            "frequency_source",
        ],
    )


def _minibus_scenario(scenario: Scenario, corridor: Corridor, routes: pd.DataFrame, stops: pd.DataFrame) -> Scenario:
    chain = stops["chainage_m"].to_numpy()
    tolerance = scenario.paratransit.stop_spacing_m / 2.0
    services = {}
    for route in routes.itertuples():
        served = stops["name"][(chain >= route.start_m - tolerance) & (chain <= route.end_m + tolerance)].tolist()
        if len(served) >= 2:
            services[f"route_{route.route_id}"] = {
                "stops": served,
                "peak_headway_min": float(route.peak_headway_min),
                "stops_on_demand": scenario.paratransit.stops_on_demand,
                **({"offpeak_headway_min": float(route.offpeak_headway_min)} if pd.notna(route.offpeak_headway_min) else {}),
            }
    data = scenario.model_dump(mode="json", by_alias=True, exclude={"demand", "fleet", "vehicles"})
    data.update(
        name=f"{scenario.name}_minibus",
        title=f"{scenario.title or scenario.name}: minibus baseline",
        services=services,
        fleet=UNLIMITED_FLEET,
        vehicle={"type": scenario.paratransit.vehicle},
        dwell=MINIBUS_DWELL,
        mode_choice={"enabled": False},
    )
    # today's minibuses are in today's traffic counts: they close the kerb lane at their stops, but
    # their share of the flow is already in the volume
    data["traffic"]["bus_pcu"] = 0.0
    data["corridor"].update(
        stations=[
            {"name": n, "lat": float(a), "lon": float(o)}
            for n, a, o in zip(corridor.station_name, corridor.station_lat, corridor.station_lon, strict=True)
        ],
        segments=[],
        running_way="mixed_traffic",
        berths=STOP_BERTHS,
        passing_lanes=True,
    )
    return parse_scenario(data, f"{scenario.name}: minibus baseline")
