"""Greenhouse gases the GEF way: direct reductions over the project's life and the unit abatement cost.

Direct reductions (GEF-STAP manual, ITDP 2011; reference/appraisal.md) are the do-nothing
baseline's CO2 less the project's, each year of operation of the appraisal (the same demand by
year as the benefits: the previous modes' vehicles taken off scale with demand, the BRT's buses do
not), tailpipe with the emission model's real-world factor plus the grid's for electric buses.
The GEF unit abatement cost is (discounted project cost - discounted domestic benefits) / tonnes
avoided: what a tonne costs once the benefits a country keeps (time, vehicle operating costs,
crashes, local air) are netted off; negative when those alone pay for the project.
"""

from __future__ import annotations

from typing import Any

from corridor_sim.appraisal.benefits import YearOfBenefits
from corridor_sim.appraisal.cash_flows import Timeline

#: The benefits a country keeps, for the GEF's incremental cost (all but CO2).
DOMESTIC = ("time", "vehicle_operating", "crash", "local_pollution")


def gef_ghg(
    year: YearOfBenefits, line: Timeline, pv_costs_usd: float, pv_domestic_usd: float, summary: dict[str, Any]
) -> dict[str, Any]:
    """The ``ghg`` part of the appraisal (see the module docstring).

    Parameters
    ----------
    year
        The benefits of a year at the simulated demand (its CO2 parts).
    line
        The appraisal's years and demand.
    pv_costs_usd, pv_domestic_usd
        Present values of the project's costs and of its domestic benefits (:data:`DOMESTIC`).
    summary
        The run's summary (its emissions' real-world factors).

    Returns
    -------
    dict
        ``method``, ``annual_t_at_simulated_demand``, ``lifetime_t`` (over the years of operation),
        ``years``, ``by_year_t``, ``unit_abatement_cost_usd_per_t`` (``None`` when nothing is avoided),
        ``real_world_factor``.
    """
    run = line.operating.astype(float)
    avoided = year.co2_previous_t * line.demand - year.co2_brt_t * run
    lifetime = float(avoided.sum())
    return {
        "method": "GEF-STAP (ITDP 2011) direct reductions against the do-nothing baseline, CO2 tailpipe x the real-world "
        "factor + grid; GEF unit abatement cost = (PV cost - PV domestic benefits) / t avoided (undiscounted)",
        "annual_t_at_simulated_demand": round(year.co2_previous_t - year.co2_brt_t, 1),
        "lifetime_t": round(lifetime, 0),
        "years": int(run.sum()),
        "by_year_t": [round(float(v), 1) for v in avoided[line.operating]],
        "unit_abatement_cost_usd_per_t": round((pv_costs_usd - pv_domestic_usd) / lifetime, 2) if lifetime > 0 else None,
        "real_world_factor": summary["emissions"]["real_world_factor"],
    }
