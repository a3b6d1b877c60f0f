"""What the BRT costs: its capital cost by item and asset life, and its operating cost a year.

Unit costs are ``appraisal.costs`` (US$, constant prices; the city profile's unless the scenario
sets them; see :class:`corridor_sim.city_profile.CityProfile` for their sources). The quantities
come from the corridor and the operations as run:

- **running way**: each segment's length x the cost per km of its running way (both directions);
- **stations**: per station ``station`` (one stopping area of one berth a direction), plus per
  direction each extra berth of each stopping area, each extra stopping area (sub-stop), and a
  passing lane where the station has one;
- **terminals**: the stations where a service turns;
- **depot**: per bus of the fleets;
- **fleet**: each fleet's buses x the diesel price of its type x its propulsion's price factor;
- **fare collection and ITS**: per station and per bus;
- **NMT works**: new sidewalk where the design's coverage exceeds today's
  (``baseline.sidewalk_coverage``), on both sides; a cycle lane per km of corridor where the design
  has one; each pedestrian crossing of a segment with a busway or bus lane rebuilt; a refuge on
  each crossing and signal of a segment with refuges;
- **contingency**: ``contingency_share`` of the works and systems; **land**: ``land_usd``.

Assets fall into three lives (``appraisal.*_life_years``): the infrastructure (works, NMT,
contingency; land never wears out), the fleet, and the systems (fare collection and ITS).
The operating cost is the simulated bus-km and bus-hours (trip dispatch to arrival, of the trips
in the period) a year x ``bus_operating_usd``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corridor_sim.engine.runner import Run

#: The asset of each capital item: ``infrastructure``, ``fleet``, ``systems`` or ``land``.
ITEM_ASSET: dict[str, str] = {
    "running_way": "infrastructure",
    "stations": "infrastructure",
    "terminals": "infrastructure",
    "depot": "infrastructure",
    "nmt_works": "infrastructure",
    "contingency": "infrastructure",
    "fleet": "fleet",
    "fare_its": "systems",
    "land": "land",
}


@dataclass(frozen=True)
class CapitalCost:
    """The capital cost of the BRT by item (US$), with the quantities costed.

    Attributes
    ----------
    items_usd
        Cost by item (:data:`ITEM_ASSET` keys).
    quantities
        What was costed: km by running way, stations, extra berths, sub-stops and passing lanes,
        terminals, buses by type, km of new sidewalk and cycle lane, crossings and refuges.
    """

    items_usd: dict[str, float]
    quantities: dict[str, float]

    @property
    def total_usd(self) -> float:
        """Every item."""
        return float(sum(self.items_usd.values()))

    def by_asset_usd(self) -> dict[str, float]:
        """The items summed by asset (``infrastructure``, ``fleet``, ``systems``, ``land``)."""
        out = dict.fromkeys(("infrastructure", "fleet", "systems", "land"), 0.0)
        for item, usd in self.items_usd.items():
            out[ITEM_ASSET[item]] += usd
        return out


def capital_cost(run: Run) -> CapitalCost:
    """The BRT's capital cost (see the module docstring).

    Parameters
    ----------
    run
        The scenario's run (its scenario resolved, its corridor and operations).
    """
    scenario, corridor, ops = run.scenario, run.corridor, run.operations
    costs = scenario.appraisal.costs
    km = corridor.length_m / 1000.0
    q: dict[str, float] = {}
    items: dict[str, float] = {}

    way = corridor.running_way.astype(str)
    items["running_way"] = float(sum(km[way == kind].sum() * usd for kind, usd in costs.running_way_usd_per_km.items()))
    q |= {f"km_{kind}": float(km[way == kind].sum()) for kind in costs.running_way_usd_per_km}

    unit = costs.station_usd
    berths, substops, passing = ops.berths.astype(float), ops.substops.astype(float), ops.passing_lane.astype(bool)
    extra_berths = 2.0 * substops * (berths - 1.0)
    extra_substops = 2.0 * (substops - 1.0)
    passing_lanes = 2.0 * passing
    items["stations"] = float(
        len(berths) * unit["station"]
        + extra_berths.sum() * unit["extra_berth"]
        + extra_substops.sum() * unit["extra_substop"]
        + passing_lanes.sum() * unit["passing_lane"]
    )
    q |= {
        "stations": float(len(berths)),
        "extra_berths": float(extra_berths.sum()),
        "extra_substops": float(extra_substops.sum()),
        "passing_lanes": float(passing_lanes.sum()),
    }

    terminals = {int(s) for service in ops.services for s in (service.stations[0], service.stations[-1])}
    items["terminals"] = len(terminals) * costs.terminal_usd
    q["terminals"] = float(len(terminals))

    buses = sum(f.buses for f in ops.fleets)
    items["depot"] = buses * costs.depot_usd_per_bus
    items["fleet"] = float(
        sum(f.buses * costs.bus_usd[f.vehicle.name] * costs.propulsion_price_factor[f.propulsion] for f in ops.fleets)
    )
    q |= {f"buses_{f.name}": float(f.buses) for f in ops.fleets}
    items["fare_its"] = len(berths) * costs.fare_its_usd["per_station"] + buses * costs.fare_its_usd["per_bus"]

    nmt = costs.nmt_works_usd
    today = scenario.baseline.sidewalk_coverage
    sidewalk_km = float((2.0 * km * np.clip(corridor.sidewalk_coverage - today, 0.0, None)).sum())
    cycle_km = float(km[corridor.cycle_lane.astype(bool)].sum())
    rebuilt = float(corridor.crossing_count[way != "mixed_traffic"].sum())
    refuges = float((corridor.crossing_count + corridor.signal_count)[corridor.refuge_islands.astype(bool)].sum())
    items["nmt_works"] = (
        sidewalk_km * nmt["sidewalk_per_km"]
        + cycle_km * nmt["cycle_lane_per_km"]
        + rebuilt * nmt["crossing"]
        + refuges * nmt["refuge"]
    )
    q |= {"sidewalk_km": sidewalk_km, "cycle_lane_km": cycle_km, "crossings_rebuilt": rebuilt, "refuges": refuges}

    works = sum(items[k] for k in ("running_way", "stations", "terminals", "depot", "nmt_works", "fare_its"))
    items["contingency"] = costs.contingency_share * works
    items["land"] = costs.land_usd
    return CapitalCost({k: float(v) for k, v in items.items()}, q)


def bus_hours(run: Run) -> float:
    """Bus-hours in service in the simulated period: dispatch to arrival of the period's finished trips."""
    trips = run.trace.period_trips
    return float(np.nansum(trips["end_s"].to_numpy(float) - trips["dispatch_s"].to_numpy(float)) / 3600.0)


def operating_cost_per_year_usd(run: Run, bus_km: float) -> dict[str, float]:
    """The BRT's operating cost a year: ``per_bus_km`` and ``per_bus_hour`` parts and their ``total`` (US$).

    Parameters
    ----------
    run
        The scenario's run.
    bus_km
        Its bus-km in the simulated period (the summary's ``bus_km``).
    """
    scenario = run.scenario
    days = scenario.operating_days_per_year
    unit = scenario.appraisal.costs.bus_operating_usd
    per_km = bus_km * days * unit["per_bus_km"]
    per_hour = bus_hours(run) * days * unit["per_bus_hour"]
    return {"per_bus_km": per_km, "per_bus_hour": per_hour, "total": per_km + per_hour}
