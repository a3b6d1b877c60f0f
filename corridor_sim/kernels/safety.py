"""Expected deaths and serious injuries by user group and segment (the model in
:mod:`corridor_sim.safety.factors`), at central values and over Monte Carlo draws."""

from __future__ import annotations

import numpy as np
from numba import njit

#: Columns of the standard-normal draws :func:`casualty_draws` reads before the CMFs' own.
Z_RATE, Z_SERIOUS, Z_DEATH_EXPONENT, Z_SERIOUS_EXPONENT, Z_FIRST_CMF = 0, 1, 2, 3, 4


@njit(cache=True)
def casualties(
    exposure_vkm: np.ndarray,
    speed_ratio: np.ndarray,
    presence: np.ndarray,
    cmf: np.ndarray,
    rate_per_vkm: np.ndarray,
    serious_per_death: float,
    death_exponent: float,
    serious_exponent: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Deaths and serious injuries by group and segment.

    Parameters
    ----------
    exposure_vkm
        Vehicle-km each group is exposed to, pedestrian exposure included (n_groups, n_segments).
    speed_ratio
        Mean speed over the baseline's, per segment.
    presence
        Share of each feature present, per segment (n_segments, n_features), 0-1.
    cmf
        Crash modification factors (n_groups, n_features); 1 where a feature does not apply.
    rate_per_vkm
        Deaths per vehicle-km of exposure, per group, on the baseline road.
    serious_per_death
        Serious injuries per death at the base rate.
    death_exponent, serious_exponent
        Power-model exponents.

    Returns
    -------
    deaths, serious : numpy.ndarray
        (n_groups, n_segments), over the exposure's period.
    """
    n_groups, n_segments = exposure_vkm.shape
    deaths = np.zeros((n_groups, n_segments))
    serious = np.zeros((n_groups, n_segments))
    for g in range(n_groups):
        for s in range(n_segments):
            modification = 1.0
            for f in range(presence.shape[1]):
                modification *= 1.0 + presence[s, f] * (cmf[g, f] - 1.0)
            base = rate_per_vkm[g] * exposure_vkm[g, s] * modification
            deaths[g, s] = base * speed_ratio[s] ** death_exponent
            serious[g, s] = base * serious_per_death * speed_ratio[s] ** serious_exponent
    return deaths, serious


@njit(cache=True)
def casualty_draws(
    exposure_vkm: np.ndarray,
    speed_ratio: np.ndarray,
    presence: np.ndarray,
    cmf: np.ndarray,
    cmf_sigma: np.ndarray,
    rate_per_vkm: np.ndarray,
    rate_sigma: float,
    serious_per_death: float,
    serious_sigma: float,
    death_exponent: float,
    death_exponent_sd: float,
    serious_exponent: float,
    serious_exponent_sd: float,
    z: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`casualties` for each row of standard-normal draws ``z``.

    The base rate, serious injuries per death and each CMF are lognormal around their values
    (``value x exp(sigma z)``), the exponents normal. ``z`` has columns :data:`Z_RATE`,
    :data:`Z_SERIOUS`, :data:`Z_DEATH_EXPONENT`, :data:`Z_SERIOUS_EXPONENT`, then one per
    (group, feature) in row-major order. The same ``z`` for two alternatives gives paired draws.

    Returns
    -------
    deaths, serious : numpy.ndarray
        (n_draws, n_groups, n_segments).
    """
    n_draws = z.shape[0]
    n_groups, n_segments = exposure_vkm.shape
    n_features = cmf.shape[1]
    deaths = np.empty((n_draws, n_groups, n_segments))
    serious = np.empty((n_draws, n_groups, n_segments))
    drawn_cmf = np.empty_like(cmf)
    for d in range(n_draws):
        for g in range(n_groups):
            for f in range(n_features):
                drawn_cmf[g, f] = cmf[g, f] * np.exp(cmf_sigma[g, f] * z[d, Z_FIRST_CMF + g * n_features + f])
        deaths[d], serious[d] = casualties(
            exposure_vkm, speed_ratio, presence, drawn_cmf, rate_per_vkm * np.exp(rate_sigma * z[d, Z_RATE]),
            serious_per_death * np.exp(serious_sigma * z[d, Z_SERIOUS]),
            death_exponent + death_exponent_sd * z[d, Z_DEATH_EXPONENT],
            serious_exponent + serious_exponent_sd * z[d, Z_SERIOUS_EXPONENT],
        )  # fmt: skip
    return deaths, serious
