"""Mode-choice parameters: the logit's modes, and the city's money values.

Money (value of time, fares, car cost per km) is in the city's local currency; the defaults, with
their sources and evidence tags, are in the city profile (``networks/<city>.toml``, see
:mod:`corridor_sim.city_profile`), and a scenario overrides each under ``[mode_choice]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from corridor_sim.scenario import ModeChoice, Scenario

#: The logit's modes, in the order of every array.
MODES = ("brt", "minibus", "car", "walk", "cycle")

#: The logit mode of each baseline travel mode (``[baseline] mode_shares``): road public transport
#: is "minibus", private and hired road vehicles door to door (cars, motorcycle taxis) are "car".
LOGIT_MODE = {
    "minibus_14": "minibus",
    "minibus_33": "minibus",
    "car": "car",
    "motorcycle": "car",
    "walk": "walk",
    "cycle": "cycle",
}


@dataclass(frozen=True)
class Money:
    """A city's money values: currency, value of time per hour, fares per trip, car cost per km."""

    currency: str
    value_of_time_per_h: float
    brt_fare: float
    minibus_fare: float
    car_cost_per_km: float


def logit_mode(travel_mode: str) -> str:
    """The logit mode of a baseline travel mode (a bus class counts as ``minibus``)."""
    return "minibus" if travel_mode.startswith("bus_") else LOGIT_MODE[travel_mode]


def city_money(scenario: Scenario) -> Money:
    """The scenario's money values (resolved: its ``[mode_choice]`` values or its city's) and the city's currency."""
    from corridor_sim.network.manifest import load_manifest

    spec: ModeChoice = scenario.mode_choice
    return Money(
        load_manifest(scenario.city).profile.currency,
        spec.value_of_time_per_h,
        spec.brt_fare,
        spec.minibus_fare,
        spec.car_cost_per_km,
    )
