"""Mode-choice parameters: the logit's modes, and money by city, with their sources.

Every value here is a placeholder of the right order [L] until the corridor's own survey gives
better; a scenario overrides each under ``[mode_choice]``. Money is in local currency: Kenyan
shillings (KES), Ugandan shillings (UGX), Ethiopian birr (ETB).

- **Value of time**: about half the hourly wage of a formal-sector worker, the usual appraisal
  convention for commuting time (Ortuzar & Willumsen, 4th ed., ch. 16): Nairobi KES 100/h,
  Kampala UGX 2,500/h, Addis Ababa ETB 30/h [L].
- **Fares** per trip along a corridor of this length: matatu KES 70 on Thika Road (KES 50-100 by
  time of day), taxi UGX 2,000 on Jinja Road, minibus ETB 15 on Bole Road; BRT fares equal to
  them, the stated policy of the three cities' BRT plans [L].
- **Car cost per km**: fuel (about 0.1 l/km at KES 180, UGX 5,000, ETB 80 per litre) plus wear and
  parking, rounded up: KES 25, UGX 700, ETB 10 [L].
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


CITY_MONEY = {
    "nairobi": Money("KES", 100.0, 70.0, 70.0, 25.0),
    "kampala": Money("UGX", 2500.0, 2000.0, 2000.0, 700.0),
    "addis_ababa": Money("ETB", 30.0, 15.0, 15.0, 10.0),
}


def logit_mode(travel_mode: str) -> str:
    """The logit mode of a baseline travel mode (a bus class counts as ``minibus``)."""
    return "minibus" if travel_mode.startswith("bus_") else LOGIT_MODE[travel_mode]


def city_money(scenario: Scenario) -> Money:
    """The city's money values with the scenario's ``[mode_choice]`` values applied."""
    spec: ModeChoice = scenario.mode_choice
    base = CITY_MONEY[scenario.city]
    return Money(
        base.currency,
        *(
            getattr(spec, name) if getattr(spec, name) is not None else getattr(base, name)
            for name in ("value_of_time_per_h", "brt_fare", "minibus_fare", "car_cost_per_km")
        ),
    )
