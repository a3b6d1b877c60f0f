"""The economic benefits of one year of operation at the simulated demand, by kind, against today.

Every benefit is the do-nothing baseline (today's minibuses, cars and walking, as simulated or
estimated by the run) less the scenario, in US$ a year (constant prices), a year being the
simulated period x ``operating_days_per_year``:

- **travel time**: the BRT's riders x, for each previous mode's share (``time_saved``), the
  generalized minutes saved x the value of time (``mode_choice.value_of_time_per_h``, the city's,
  at ``city_profile.local_per_usd``). Generalized minutes weight waiting and walking by
  ``appraisal.wait_walk_weight`` (1.5, World Bank 1998): BRT and minibus wait x 1.5 + in vehicle;
  walking x 1.5; car, motorcycle and cycle their travel time. No generated trips (rule of a half)
  are counted: the run's riders are the corridor's riders today;
- **vehicle operating costs**: the vehicle-km of today's vehicles that the BRT's riders no longer
  use (the emission inventory's ``baseline`` rows) x ``vehicle_operating_usd_per_km`` by class;
  the BRT's own costs are the operating cost (:mod:`corridor_sim.appraisal.costs`), not here;
- **crashes**: deaths and serious injuries a year avoided (the safety model's change) x the VSL and
  the value of a serious injury (:mod:`corridor_sim.appraisal.vsl`);
- **emissions**: CO2 (priced by the cash flows, year by year, at the shadow price) and NOx and PM2.5
  x ``pollution_damage_usd_per_t``. Each splits into the previous modes' vehicles taken off (which
  scale with demand) and the BRT's buses (which do not).

Fare revenue (financial, a transfer in the economic appraisal) is the riders x ``mode_choice.brt_fare``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from corridor_sim.appraisal.vsl import value_of_statistical_life_usd
from corridor_sim.scenario import Scenario
from corridor_sim.time_saved import rides_minibus_today


@dataclass(frozen=True)
class YearOfBenefits:
    """A year of operation at the simulated demand (US$ or t a year).

    ``*_previous`` parts scale with demand (today's vehicles the riders leave); ``*_brt`` parts are
    the BRT's buses, fixed by the service. Emission tonnes are positive for what is emitted.
    """

    time_usd: float
    vehicle_operating_usd: float
    crash_usd: float
    co2_previous_t: float
    co2_brt_t: float
    local_previous_usd: float
    local_brt_usd: float
    fare_usd: float
    generalized_min_saved_per_trip: float
    trips: float
    vsl_usd: float
    value_of_time_usd_per_h: float


def generalized_minutes_saved(summary: dict[str, Any], scenario: Scenario) -> float:
    """Share-weighted generalized minutes a BRT trip saves against its rider's previous mode (see module docstring)."""
    weight = scenario.appraisal.wait_walk_weight
    brt = weight * summary["wait_min"]["mean"] + summary["in_vehicle_min"]["mean"]
    minibus = summary["minibus"]
    by_mode = summary["time_saved"]["by_previous_mode"]
    saved = 0.0
    for mode, row in by_mode.items():
        today = row["today_min"]
        if today is None:
            continue
        if rides_minibus_today(mode):
            wait = minibus["wait_min"]["mean"]
            today = weight * wait + (today - wait)
        elif mode == "walk":
            today = weight * today
        saved += row["share"] * (today - brt)
    return saved


def year_of_benefits(summary: dict[str, Any], scenario: Scenario, emissions: pd.DataFrame) -> YearOfBenefits:
    """The benefits of a year at the simulated demand (see the module docstring).

    Parameters
    ----------
    summary
        The run's summary, with ``time_saved`` and ``minibus`` (today's minibus run).
    scenario
        The resolved scenario.
    emissions
        The ``segment_emissions`` table (per alternative, segment, vehicle class and source).
    """
    appraisal, costs = scenario.appraisal, scenario.appraisal.costs
    economy = summary["city_profile"]
    local_per_usd = economy["local_per_usd"]
    days = scenario.operating_days_per_year
    trips = float(summary["time_saved"]["trips_per_year"])
    vot_usd = scenario.mode_choice.value_of_time_per_h / local_per_usd
    saved_min = generalized_minutes_saved(summary, scenario)

    previous = emissions[emissions["source"] == "baseline"]
    brt = emissions[emissions["source"] == "brt"]
    rate = costs.vehicle_operating_usd_per_km
    vkm = previous.groupby("vehicle_class")["vehicle_km"].sum()
    missing = sorted(set(vkm.index) - set(rate))
    if missing:
        from corridor_sim._errors import ScenarioError

        raise ScenarioError(
            f"appraisal.costs.vehicle_operating_usd_per_km has no {missing[0]}: the previous modes travel by "
            f"{', '.join(vkm.index)}; set appraisal.costs.vehicle_operating_usd_per_km.{missing[0]} (US$ per vehicle-km)"
        )
    voc = float(sum(vkm[c] * rate[c] for c in vkm.index)) * days

    vsl = value_of_statistical_life_usd(economy["gni_per_capita_usd"])
    change = summary["safety"]["change"]
    crash = (
        -(
            change["deaths_per_year"]["estimate"]
            + change["serious_injuries_per_year"]["estimate"] * appraisal.serious_injury_share_of_vsl
        )
        * vsl
    )

    def co2_t(rows: pd.DataFrame) -> float:
        return float((rows["co2_kg"] + rows["co2_real_world_kg"] + rows["grid_co2_kg"]).sum()) / 1000.0 * days

    damage = costs.pollution_damage_usd_per_t

    def local_usd(rows: pd.DataFrame) -> float:
        return float(rows["nox_kg"].sum() * damage["nox"] + rows["pm25_kg"].sum() * damage["pm25"]) / 1000.0 * days

    return YearOfBenefits(
        time_usd=trips * saved_min / 60.0 * vot_usd,
        vehicle_operating_usd=voc,
        crash_usd=float(crash),
        co2_previous_t=co2_t(previous),
        co2_brt_t=co2_t(brt),
        local_previous_usd=local_usd(previous),
        local_brt_usd=local_usd(brt),
        fare_usd=trips * scenario.mode_choice.brt_fare / local_per_usd,
        generalized_min_saved_per_trip=saved_min,
        trips=trips,
        vsl_usd=vsl,
        value_of_time_usd_per_h=vot_usd,
    )
