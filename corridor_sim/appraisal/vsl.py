"""The value of a statistical life (VSL) and of a serious injury, from GNI per capita.

World Bank / GRSF (2025), for low- and middle-income countries, in 2020 US$::

    VSL (US$ M) = 0.404 x (GNI per capita / 5,726) ^ 1.2

(https://openknowledge.worldbank.org/entities/publication/dee667af-46aa-44a8-a786-2184f2be0c48;
reference/appraisal.md, safety values). A serious injury is valued at
``appraisal.serious_injury_share_of_vsl`` of it (the GRSF tool sets a country share; the default
0.25 is an assumption of that order).
"""

from __future__ import annotations

#: The function's constants: US$ M at the reference income, the reference GNI per capita (US$), the elasticity.
VSL_AT_REFERENCE_USD_M = 0.404
REFERENCE_GNI_PER_CAPITA_USD = 5726.0
INCOME_ELASTICITY = 1.2


def value_of_statistical_life_usd(gni_per_capita_usd: float) -> float:
    """The VSL in 2020 US$ for a country's GNI per capita (Atlas method, US$).

    Parameters
    ----------
    gni_per_capita_usd
        GNI per capita, US$ (> 0).

    Returns
    -------
    float
        US$ (not millions).
    """
    if not gni_per_capita_usd > 0:
        raise ValueError(f"GNI per capita must be > 0 US$, not {gni_per_capita_usd}")
    return VSL_AT_REFERENCE_USD_M * 1e6 * (gni_per_capita_usd / REFERENCE_GNI_PER_CAPITA_USD) ** INCOME_ELASTICITY
