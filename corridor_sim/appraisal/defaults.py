"""The appraisal's defaults that are not a city's: the funders' discount rates and bus price factors.

Each with its source and evidence tag (as in the shared anchors: ``H`` primary, ``M`` secondary,
``L`` assumed or transferred). The city's unit costs are in its profile
(:mod:`corridor_sim.city_profile`); :func:`fill_appraisal` puts these into a scenario being
resolved (:mod:`corridor_sim.resolve`), so a run's ``scenario.json`` holds every value it used.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Sourced(NamedTuple):
    """A default with its evidence tag and source."""

    value: float
    tag: str
    source: str


#: The discount rate (and default hurdle rate) of each funder, a share per year.
FUNDER_RATES: dict[str, Sourced] = {
    "world_bank": Sourced(
        0.12,
        "M",
        "World Bank transport appraisal toolkit, Note 1: NPV at 12 %, the basic acceptability criterion "
        "(its.leeds.ac.uk/projects/WBToolkit/Note1.htm)",
    ),
    "adb": Sourced(0.09, "M", "ADB: 9 % minimum EIRR (ebook.comcec.org, transport appraisal study, p. 80)"),
    "afdb": Sourced(0.12, "L", "assumed equal to the World Bank's 12 %; no AfDB guideline was retrieved"),
}

#: A bus's price over the diesel bus of its type, by propulsion.
PROPULSION_PRICE_FACTOR: dict[str, Sourced] = {
    **{
        p: Sourced(1.0, "L", "the diesel price of the city profile")
        for p in ("diesel_euro_ii", "diesel_euro_iii", "diesel_euro_v", "diesel_euro_vi")
    },
    "cng": Sourced(1.15, "L", "assumed: gas tanks and engine, about 15 % over diesel"),
    "electric": Sourced(1.8, "L", "assumed: a battery-electric bus at about 1.8 times a diesel one, before charging works"),
}


def fill_appraisal(data: dict[str, Any]) -> None:
    """Fill a scenario's ``appraisal`` data (dumped) in place: the discount and hurdle rates from the
    funder, and the propulsion price factors the scenario does not set.

    Parameters
    ----------
    data
        The scenario's ``appraisal`` table (``model_dump(mode="json")``).
    """
    if data["discount_rate"] is None:
        data["discount_rate"] = FUNDER_RATES[data["funder"]].value
    if data["hurdle_rate"] is None:
        data["hurdle_rate"] = data["discount_rate"]
    costs = data["costs"]
    costs["propulsion_price_factor"] = {
        **{k: v.value for k, v in PROPULSION_PRICE_FACTOR.items()},
        **costs["propulsion_price_factor"],
    }
