"""Road-safety factors: base rates, the power model, crash modification factors, and their spread.

Model (per segment ``s`` and user group ``g``; :func:`~corridor_sim.kernels.safety.casualties`)::

    deaths[g, s]  = rate[g] x exposure[g, s] x (v[s] / v_base[s]) ** 4 x prod_f CMF[g, f] ** presence
    serious[g, s] = rate[g] x serious_per_death x exposure[g, s] x (v[s] / v_base[s]) ** 3 x prod_f ...

- **Base rate**: deaths per 100 million vehicle-km on the corridor *today* (the baseline's speed,
  no safety feature), from the city profile (``base_deaths_per_100m_vkm``) [L: placeholders of
  the right order for urban arterials in East Africa; replace with the corridor's police records
  via ``safety.base_deaths_per_100m_vkm``].
  It is split by user group with the shares of deaths on bus corridors (EMBARQ / WRI, Duduta et
  al. 2015, anchors.md 4: pedestrians 54 %, car occupants 23 %, motorcyclists 10 %, cyclists 5 %,
  others 8 %, counted here as bus and minibus occupants) [H shares, L transfer]. Pedestrians' and
  cyclists' exposure is all motor vehicle-km; motorcyclists', car occupants' and bus / minibus
  occupants' is their own mode's vehicle-km, so their rates are divided by that mode's share of
  the city's traffic mix (at the city's mix every group gets its share of the base rate).
- **Power model** (Nilsson; Cameron & Elvik 2010, anchors.md 4) [H]: deaths scale with the mean
  speed ratio to the 4th power, serious injuries with the 3rd (the fatal + serious exponent).
  Elvik finds lower exponents on urban roads: the spread covers 3-5 and 2-4.
- **Serious injuries per death**: 10 (iRAP convention, McMahon & Dahdah 2008) [L].
- **Crash modification factors** (:data:`CMF`): each multiplies the groups it names where its
  feature is present; a share present (sidewalk coverage, share of crossings signalized) blends
  linearly, ``1 + share x (CMF - 1)``; different features multiply.
- **Pedestrian exposure** (:mod:`corridor_sim.safety.model`): crossings x lanes crossed, relative
  to the background crossing rate over a four-lane road; the BRT's passengers add one crossing
  of a carriageway per boarding and per alighting.

Uncertainty: every factor is lognormal around its value with the 90 % range given (exponents:
normal); Monte Carlo draws give the median and the 5-95 % band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: User groups, in the order of every array.
GROUPS = ("pedestrian", "cyclist", "motorcyclist", "car_occupant", "bus_occupant")
#: Share of deaths on bus corridors by user group (EMBARQ / WRI 2015) [H].
DEATH_SHARE = (0.54, 0.05, 0.10, 0.23, 0.08)
#: The mode whose vehicle-km each group is exposed to: all motor traffic, or its own.
EXPOSURE_MODE = ("all", "all", "motorcycle", "car", "bus")

BASE_RATE_RANGE = (0.5, 2.0)  # 90 % range as multiples of the rate [L]
SERIOUS_PER_DEATH = 10.0
SERIOUS_PER_DEATH_RANGE = (6.0, 16.0)
#: Power-model exponents and their 90 % ranges (Cameron & Elvik 2010).
DEATH_EXPONENT, DEATH_EXPONENT_RANGE = 4.0, (3.0, 5.0)
SERIOUS_EXPONENT, SERIOUS_EXPONENT_RANGE = 3.0, (2.0, 4.0)
#: The reference road of the base rate's pedestrian exposure: this many pedestrians crossing per
#: km and hour (a busy urban arterial) over this many lanes [L].
REFERENCE_CROSSINGS_PER_KM_H = 1000.0
REFERENCE_LANES_CROSSED = 4.0


@dataclass(frozen=True)
class CrashModification:
    """A design feature's CMF for the user groups it affects, with its 90 % range and source."""

    groups: tuple[str, ...]
    value: float
    low: float
    high: float
    source: str


#: Crash modification factors by feature, in the order of the ``presence`` columns.
CMF: dict[str, CrashModification] = {
    "median_busway": CrashModification(GROUPS, 0.87, 0.75, 1.0, "Tehran BRT mid-block CMF 0.87 (EB), central medians reduce crashes (Duduta et al.) [M]"),
    "counterflow": CrashModification(GROUPS, 1.5, 1.2, 2.0, "counterflow bus lanes strongly associated with crashes (p < 0.001), Delhi about +50 % (EMBARQ) [M]"),
    "refuge_islands": CrashModification(("pedestrian",), 0.68, 0.54, 0.85, "refuge islands -32 % (STEP), crossing islands -46 % (FHWA) [M]"),
    "signalized_crossings": CrashModification(("pedestrian",), 0.45, 0.30, 0.70, "pedestrian hybrid beacon -55 % (STEP) [M]; share of crossings at signals"),
    "grade_separated_crossings": CrashModification(("pedestrian",), 0.3, 0.1, 0.6, "footbridges and underpasses, partly used [L]; share of crossings"),
    "sidewalks": CrashModification(("pedestrian",), 0.74, 0.60, 0.90, "sidewalks prevent up to 88 % of walking-along crashes (FHWA) x about 30 % of pedestrian deaths walking along the road [D, L]"),
    "cycle_lane": CrashModification(("cyclist",), 0.6, 0.4, 0.9, "separated cycle lanes [L]"),
}  # fmt: skip
FEATURES: tuple[str, ...] = tuple(CMF)


def cmf_matrix() -> tuple[np.ndarray, np.ndarray]:
    """CMF values and lognormal sigmas by group and feature (n_groups, n_features); 1 and 0 where a feature does not apply."""
    value = np.ones((len(GROUPS), len(FEATURES)))
    sigma = np.zeros_like(value)
    for f, cmf in enumerate(CMF.values()):
        for g, group in enumerate(GROUPS):
            if group in cmf.groups:
                value[g, f] = cmf.value
                sigma[g, f] = lognormal_sigma(cmf.low, cmf.high)
    return value, sigma


def lognormal_sigma(low: float, high: float) -> float:
    """Sigma of a lognormal whose 5-95 % range is ``low``-``high`` (1.645 sigma each side)."""
    return float(np.log(high / low) / (2.0 * 1.6449))
