"""The project's flows year by year, and the indicators funders read: NPV, EIRR, BCR, FYRR, FIRR.

Years run from ``appraisal.first_year``: ``construction_years`` of building, then
``horizon_years`` of operation. Flows are constant US$, discounted to the first year of
construction (its flows undiscounted, as :func:`numpy_financial.npv` does).

- **capital**: the infrastructure and land spread evenly over the construction years, the fleet
  and the systems bought in the last of them; each renewed at the end of its life within the
  horizon; the residual value of every asset at the end of the last year (straight line over its
  life; land keeps its value) comes back as a negative cost;
- **operating cost** every year of operation; the benefits of :mod:`corridor_sim.appraisal.benefits`,
  those carried by riders x the year's demand: the ramp-up (``appraisal.ramp_up``) x the growth
  (``appraisal.demand_growth`` from the second year), capped where the busiest segment of the
  simulated peak reaches its offered capacity (the demand cap: 1 / the highest critical-segment
  load factor), since the service as simulated carries no more;
- **CO2** at the shadow price of each year (``appraisal.carbon_price``: low and high paths
  through 2020 and 2030, beyond at the same slope), of the case ``appraisal.carbon_case``.

Each flow is a :class:`Component` whose size scales with named risk inputs (for
:mod:`corridor_sim.appraisal.risk`): every indicator is linear in each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy_financial as npf
import pandas as pd

from corridor_sim.appraisal.benefits import YearOfBenefits
from corridor_sim.appraisal.costs import CapitalCost
from corridor_sim.scenario import Appraisal

#: Benefit kinds in table order, and what each is called in tables.
BENEFIT_LABELS: dict[str, str] = {
    "time": "travel time saved",
    "vehicle_operating": "vehicle operating costs saved",
    "crash": "crashes avoided",
    "carbon": "CO2 avoided",
    "local_pollution": "NOx and PM2.5 avoided",
}


@dataclass(frozen=True)
class Component:
    """One flow of the appraisal by year (US$; benefits positive, costs positive as costs).

    Attributes
    ----------
    name
        What it is.
    group
        Its line in the cash-flow table: ``capital``, ``renewals``, ``residual``, ``operating``, a
        :data:`BENEFIT_LABELS` key, or ``fare``.
    kind
        ``cost``, ``benefit`` (economic) or ``revenue`` (financial only).
    usd
        The flow by year at every risk input's multiplier 1 (see :data:`BASE_MULTIPLIERS`).
    risk
        The risk inputs it scales with (:data:`corridor_sim.appraisal.risk.INPUTS`), as a product.
    """

    name: str
    group: str
    kind: str
    usd: np.ndarray
    risk: tuple[str, ...] = ()


#: Every risk input's multiplier in the base case: 1, but for the share of the way from the low to
#: the high carbon price (0 on the low path; :func:`base_multipliers` sets 1 for the high one).
BASE_MULTIPLIERS: dict[str, float] = dict.fromkeys(
    ("capex", "opex", "demand", "value_of_time", "time_saved", "vehicle_operating", "crash", "pollution_damage"), 1.0
) | {"carbon_high": 0.0}


def base_multipliers(spec: Appraisal) -> dict[str, float]:
    """:data:`BASE_MULTIPLIERS` for the scenario's carbon case."""
    return BASE_MULTIPLIERS | {"carbon_high": 1.0 if spec.carbon_case == "high" else 0.0}


@dataclass(frozen=True)
class Timeline:
    """The years of the appraisal and the demand of each, over the simulated."""

    years: np.ndarray
    operating: np.ndarray
    demand: np.ndarray
    demand_cap: float


def timeline(spec: Appraisal, demand_cap: float) -> Timeline:
    """The calendar years, which of them operate, and each one's demand over the simulated."""
    n = spec.construction_years + spec.horizon_years
    years = spec.first_year + np.arange(n)
    k = np.arange(spec.horizon_years)
    ramp = np.array([spec.ramp_up[i] if i < len(spec.ramp_up) else 1.0 for i in k])
    demand = np.minimum(ramp * (1.0 + spec.demand_growth) ** k, demand_cap)
    operating = np.r_[np.zeros(spec.construction_years, bool), np.ones(spec.horizon_years, bool)]
    return Timeline(years, operating, np.r_[np.zeros(spec.construction_years), demand], demand_cap)


def carbon_price_usd_per_t(spec: Appraisal, years: np.ndarray, case: str) -> np.ndarray:
    """The shadow price of CO2 in each year (US$ per t), on the ``low`` or ``high`` path."""
    p = spec.carbon_price
    start, end = (p.low_2020, p.low_2030) if case == "low" else (p.high_2020, p.high_2030)
    return np.maximum(start + (end - start) * (years - 2020) / 10.0, 0.0)


def capital_flows(spec: Appraisal, capital: CapitalCost, line: Timeline) -> dict[str, np.ndarray]:
    """``capital``, ``renewals`` and ``residual`` (a negative cost, the last year) by year (US$)."""
    n, c = len(line.years), spec.construction_years
    assets = capital.by_asset_usd()
    build = np.zeros(n)
    build[:c] += (assets["infrastructure"] + assets["land"]) / c
    build[c - 1] += assets["fleet"] + assets["systems"]
    renewals, residual = np.zeros(n), np.zeros(n)
    lives = {"infrastructure": spec.infrastructure_life_years, "fleet": spec.bus_life_years, "systems": spec.systems_life_years}
    for asset, life in lives.items():
        bought = c - 1  # in service from the first year of operation
        while bought + life < n:
            bought += life
            renewals[bought] += assets[asset]
        used = n - 1 - bought  # years of service by the end of the last year
        residual[-1] -= assets[asset] * max(life - used, 0) / life
    residual[-1] -= assets["land"]
    return {"capital": build, "renewals": renewals, "residual": residual}


def components(spec: Appraisal, capital: CapitalCost, opex_usd: float, year: YearOfBenefits, line: Timeline) -> list[Component]:
    """Every flow of the appraisal (see the module docstring), each at multiplier 1 of its risk inputs.

    CO2 is valued on the low path, plus the high path's excess x ``carbon_high`` (0 or 1 in the
    base case, drawn between them by the risk analysis).
    """
    flows = capital_flows(spec, capital, line)
    run = line.operating.astype(float)
    d = line.demand
    low = carbon_price_usd_per_t(spec, line.years, "low")
    extra = carbon_price_usd_per_t(spec, line.years, "high") - low
    previous_t, brt_t = year.co2_previous_t * d, year.co2_brt_t * run
    return [
        Component("capital", "capital", "cost", flows["capital"], ("capex",)),
        Component("renewals", "renewals", "cost", flows["renewals"], ("capex",)),
        Component("residual", "residual", "cost", flows["residual"], ("capex",)),
        Component("operating", "operating", "cost", opex_usd * run, ("opex",)),
        Component("time", "time", "benefit", year.time_usd * d, ("demand", "value_of_time", "time_saved")),
        Component(
            "vehicle_operating", "vehicle_operating", "benefit", year.vehicle_operating_usd * d, ("demand", "vehicle_operating")
        ),
        Component("crash", "crash", "benefit", year.crash_usd * run, ("crash",)),
        Component("carbon_previous", "carbon", "benefit", previous_t * low, ("demand",)),
        Component("carbon_brt", "carbon", "benefit", -brt_t * low),
        Component("carbon_previous_high", "carbon", "benefit", previous_t * extra, ("demand", "carbon_high")),
        Component("carbon_brt_high", "carbon", "benefit", -brt_t * extra, ("carbon_high",)),
        Component("local_previous", "local_pollution", "benefit", year.local_previous_usd * d, ("demand", "pollution_damage")),
        Component("local_brt", "local_pollution", "benefit", -year.local_brt_usd * run, ("pollution_damage",)),
        Component("fare", "fare", "revenue", year.fare_usd * d, ("demand",)),
    ]


def scaled(parts: list[Component], multipliers: dict[str, float]) -> list[np.ndarray]:
    """Each component's flows at the given risk multipliers (missing ones at their base)."""
    return [c.usd * np.prod([multipliers[r] for r in c.risk]) for c in parts]


def cash_flow_table(parts: list[Component], line: Timeline, multipliers: dict[str, float]) -> pd.DataFrame:
    """The flows by year (US$): costs, benefits by kind, the economic and the financial net.

    Columns: ``year``, ``phase`` (construction or operation), ``demand_factor``, ``capital``,
    ``renewals``, ``residual``, ``operating``, ``costs``, each :data:`BENEFIT_LABELS` key,
    ``benefits``, ``net_economic``, ``fare``, ``net_financial``.
    """
    table = pd.DataFrame({"year": line.years, "phase": np.where(line.operating, "operation", "construction")})
    table["demand_factor"] = np.round(line.demand, 4)
    for c, usd in zip(parts, scaled(parts, multipliers), strict=True):
        table[c.group] = table.get(c.group, 0.0) + usd
    table["costs"] = table[["capital", "renewals", "residual", "operating"]].sum(axis=1)
    table["benefits"] = table[list(BENEFIT_LABELS)].sum(axis=1)
    table["net_economic"] = table["benefits"] - table["costs"]
    table["net_financial"] = table["fare"] - table["costs"]
    return table


def present_value(flows: np.ndarray, rate: float) -> float:
    """Flows discounted to their first year at ``rate`` (:func:`numpy_financial.npv`)."""
    return float(npf.npv(rate, flows))


def internal_rate(flows: np.ndarray) -> float | None:
    """The rate at which the flows' present value is 0 (:func:`numpy_financial.irr`); ``None`` if there is none."""
    if not (flows < 0).any() or not (flows > 0).any():
        return None
    rate = float(npf.irr(flows))
    return None if np.isnan(rate) else rate


def indicators(table: pd.DataFrame, spec: Appraisal, capital_usd: float) -> dict[str, Any]:
    """NPV, EIRR, BCR, FYRR, FIRR and the farebox ratio from a cash-flow table.

    Parameters
    ----------
    table
        :func:`cash_flow_table`.
    spec
        The resolved appraisal (its ``discount_rate``, ``hurdle_rate``).
    capital_usd
        The initial capital cost (for the first-year rate of return).

    Returns
    -------
    dict
        ``npv_usd``, ``eirr``, ``bcr`` (present benefits over present costs, the residual netted
        from the costs), ``fyrr`` (the first year of operation's benefits less its operating
        cost, over the capital cost), ``firr`` (fares less every cost), ``farebox_ratio`` (fares over
        operating cost in the first year at full demand), ``pv_benefits_usd``, ``pv_costs_usd``,
        ``meets_hurdle`` (EIRR at or above the hurdle rate).
    """
    r = spec.discount_rate
    pv_b, pv_c = present_value(table["benefits"].to_numpy(), r), present_value(table["costs"].to_numpy(), r)
    eirr = internal_rate(table["net_economic"].to_numpy())
    first = table[table["phase"] == "operation"].iloc[0]
    full = table[(table["phase"] == "operation") & (table["demand_factor"] >= 1.0)]
    at_full = full.iloc[0] if len(full) else table[table["phase"] == "operation"].iloc[-1]
    return {
        "npv_usd": present_value(table["net_economic"].to_numpy(), r),
        "eirr": eirr,
        "bcr": pv_b / pv_c if pv_c > 0 else None,
        "fyrr": float((first["benefits"] - first["operating"]) / capital_usd) if capital_usd > 0 else None,
        "firr": internal_rate(table["net_financial"].to_numpy()),
        "farebox_ratio": float(at_full["fare"] / at_full["operating"]) if at_full["operating"] > 0 else None,
        "pv_benefits_usd": pv_b,
        "pv_costs_usd": pv_c,
        "meets_hurdle": eirr is not None and eirr >= spec.hurdle_rate,
    }
