"""The summary's ``appraisal`` and ``sdg`` sections, and the cash-flow table, from an evaluated run."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from corridor_sim.appraisal.benefits import year_of_benefits
from corridor_sim.appraisal.cash_flows import (
    BENEFIT_LABELS,
    base_multipliers,
    cash_flow_table,
    components,
    indicators,
    present_value,
    timeline,
)
from corridor_sim.appraisal.costs import capital_cost, operating_cost_per_year_usd
from corridor_sim.appraisal.ghg import DOMESTIC, gef_ghg
from corridor_sim.appraisal.risk import monte_carlo, switching_values, tornado
from corridor_sim.appraisal.sdg import air_quality, road_safety
from corridor_sim.engine.runner import Run
from corridor_sim.scenario import clock_s

#: Published all-in capital costs per km to state beside the project's (reference/appraisal.md).
ANCHORS_USD_PER_KM: dict[str, float] = {"Lagos BRT-Lite": 1.7e6, "Dar es Salaam DART Phase 1": 5.0e6, "TransMilenio": 6.0e6}


#: A simulated period shorter than this (hours) leaves most of a service day out of the appraisal.
SHORT_PERIOD_H = 12.0


def demand_cap(summary: dict[str, Any]) -> float:
    """The most demand the simulated service carries, over the simulated: 1 / the highest critical-segment load factor."""
    loads = [d["critical_segment"]["load_factor"] for d in summary["directions"] if d.get("critical_segment")]
    top = max((x for x in loads if x), default=0.0)
    return max(1.0 / top, 1.0) if top > 0 else float("inf")


def appraise(run: Run, summary: dict[str, Any], emissions: pd.DataFrame) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """The ``appraisal`` section and the cash-flow table (:mod:`corridor_sim.appraisal`), or ``None``
    when the appraisal is off or the run has no time saved against today (no minibus baseline).

    With replications the travel-time benefit is at the replications' mean time saved per trip
    (the other benefits are replication 0's), and its spread enters the risk.

    Parameters
    ----------
    run
        The scenario's run.
    summary
        Its summary, with ``time_saved`` and ``minibus`` (and ``replications`` if any).
    emissions
        Its ``segment_emissions`` table.
    """
    scenario = run.scenario
    spec = scenario.appraisal
    if not spec.enabled or summary.get("time_saved") is None:
        return None
    capital = capital_cost(run)
    opex = operating_cost_per_year_usd(run, summary["bus_km"] or 0.0)
    year = year_of_benefits(summary, scenario, emissions)
    replicated = (summary.get("replications") or {}).get("indicators", {}).get("time_saved.saved_min_per_trip")
    own = summary["time_saved"]["saved_min_per_trip"]
    if replicated and own:  # the replications' mean, not replication 0's draw
        year = replace(year, time_usd=year.time_usd * replicated["mean"] / own)
    line = timeline(spec, demand_cap(summary))
    parts = components(spec, capital, opex["total"], year, line)
    base = base_multipliers(spec)
    table = cash_flow_table(parts, line, base)
    result = indicators(table, spec, capital.total_usd)
    other_case = "low" if spec.carbon_case == "high" else "high"
    other = cash_flow_table(parts, line, base | {"carbon_high": 1.0 - base["carbon_high"]})
    pv_domestic = sum(present_value(table[k].to_numpy(), spec.discount_rate) for k in DOMESTIC)
    length_km = float(run.corridor.length_m.sum()) / 1000.0
    first = table[table["phase"] == "operation"].iloc[0]
    notes = []
    hours = (clock_s(scenario.period.end) - clock_s(scenario.period.start)) / 3600.0
    if hours < SHORT_PERIOD_H:
        notes.append(
            f"a year is the simulated {hours:g} h x {scenario.operating_days_per_year:g} days: the benefits, fares and operating "
            "costs of the rest of each day are left out while the capital cost is whole, so NPV, EIRR and BCR understate a "
            "project that runs all day; appraise a run of the whole service day"
        )
    fleet = summary["minibus"]["fleet"]
    if fleet["used"] >= fleet["available"]:
        notes.append(
            f"today's minibus service used all {fleet['available']} vehicles the engine allows it, so its times are an upper "
            "bound: the travel-time benefit, and with it NPV, EIRR and BCR, are overstated (see the checks)"
        )
    if line.demand.max() >= line.demand_cap:
        notes.append(
            f"demand growth reaches the simulated service's capacity ({line.demand_cap:.2f} x the simulated peak at the busiest "
            "segment) within the horizon: benefits stop growing there; a design for the later demand needs its own run"
        )
    section = {
        "currency": "USD",
        "price_base": "constant US$ of the city profile's unit costs (VSL: 2020 US$)",
        "funder": spec.funder,
        "discount_rate": spec.discount_rate,
        "hurdle_rate": spec.hurdle_rate,
        "years": {"first": spec.first_year, "construction": spec.construction_years, "operation": spec.horizon_years},
        "capital_cost_usd": round(capital.total_usd, 0),
        "capital_cost_by_item_usd": {k: round(v, 0) for k, v in capital.items_usd.items()},
        "capital_cost_usd_per_km": round(capital.total_usd / length_km, 0) if length_km else None,
        "anchors_usd_per_km": ANCHORS_USD_PER_KM,
        "quantities": {k: round(v, 3) for k, v in capital.quantities.items()},
        "operating_cost_usd_per_year": {k: round(v, 0) for k, v in opex.items()},
        "fare_revenue_usd_per_year": round(year.fare_usd, 0),
        "benefits_usd_first_year": {k: round(float(first[k]), 0) for k in BENEFIT_LABELS},
        "generalized_min_saved_per_trip": round(year.generalized_min_saved_per_trip, 2),
        "value_of_time_usd_per_h": round(year.value_of_time_usd_per_h, 3),
        "vsl_usd": round(year.vsl_usd, 0),
        "demand_cap": None if line.demand_cap == float("inf") else round(line.demand_cap, 3),
        **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items()},
        f"npv_usd_{other_case}_carbon": round(indicators(other, spec, capital.total_usd)["npv_usd"], 0),
        "switching_values": {
            k: (None if v is None else round(v, 4)) for k, v in switching_values(parts, spec.discount_rate, base).items()
        },
        "risk": monte_carlo(parts, spec, summary, scenario.seed, base),
        "tornado": tornado(parts, spec, summary, base, scenario.seed),
        "ghg": gef_ghg(year, line, result["pv_costs_usd"], pv_domestic, summary),
        "notes": notes,
    }
    for key in ("npv_usd", "pv_benefits_usd", "pv_costs_usd"):
        section[key] = round(section[key], 0)
    return section, table


def sdg_section(summary: dict[str, Any], access: dict[str, Any] | None) -> dict[str, Any]:
    """The ``sdg`` section: 3.6 and 11.6 from the summary, 11.2.1 the walking catchments' ``access``
    (:func:`~corridor_sim.appraisal.sdg.public_transport_access`; ``None``: left out, as a sweep does,
    since it reads the walk network)."""
    return {"3.6": road_safety(summary), "11.2.1": access, "11.6": air_quality(summary)}
