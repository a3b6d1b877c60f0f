"""The words of the funding case: the executive summary and the appraisal chapter of a report.

From the summary's ``appraisal`` and ``sdg`` sections (:mod:`corridor_sim.appraisal`). Money is
printed in US$ millions to one decimal, rates in per cent to one decimal, the benefit-cost ratio
to two decimals, tonnes and casualties as stored; each printed number is the stored one at that
precision, so a reviewer can find it in ``summary.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from corridor_sim.appraisal.cash_flows import BENEFIT_LABELS
from corridor_sim.appraisal.risk import INPUTS

Data = dict[str, Any]

TORNADO_COLUMNS = ("Input", "NPV at its low end", "NPV at its high end", "Sobol' total index")
CASH_FLOW_COLUMNS = ("Year", "Demand", "Capital", "Operating", "Benefits", "Net economic", "Fares", "Net financial")


def usd_m(value: float | None) -> str:
    """US$ millions to one decimal."""
    return "-" if value is None else f"US$ {value / 1e6:,.1f} M"


def ratio(value: float | None) -> str:
    """A ratio to two decimals."""
    return "-" if value is None else f"{value:.2f}"


def pct(value: float | None) -> str:
    """A share as per cent to one decimal."""
    return "none" if value is None else f"{value * 100:.1f} %"


@dataclass(frozen=True)
class FundingCase:
    """The executive summary and the appraisal chapter, as text.

    Attributes
    ----------
    paragraph
        A plain paragraph a funder can paste.
    key_numbers
        (label, value) of the six numbers funders look for: capital cost, NPV, EIRR, BCR, lifetime
        CO2 avoided, road deaths a year.
    indicators
        (label, value) rows: NPV, EIRR, BCR, FYRR, FIRR, farebox ratio, costs and benefits.
    cash_flows
        Rows of :data:`CASH_FLOW_COLUMNS`, one per year (US$ M).
    risk
        (label, value) rows: Monte Carlo and switching values.
    tornado
        (input, NPV at its low end, NPV at its high end, Sobol' total index) rows, largest swing first.
    ghg_sdg
        (label, value) rows: GEF GHG and the SDG indicators.
    notes
        What the appraisal leaves out or overstates.
    """

    paragraph: str
    key_numbers: tuple[tuple[str, str], ...]
    indicators: tuple[tuple[str, str], ...]
    cash_flows: tuple[tuple[str, ...], ...]
    risk: tuple[tuple[str, str], ...]
    tornado: tuple[tuple[str, str, str, str], ...]
    ghg_sdg: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]


def funding_case(s: Data, cash_flows: Any | None) -> FundingCase | None:
    """The funding case of a run's summary, or ``None`` without an appraisal.

    Parameters
    ----------
    s
        The run's summary.
    cash_flows
        Its ``appraisal_cash_flows`` table (pandas), or None.
    """
    a = s.get("appraisal")
    if not a:
        return None
    sdg, risk, ghg = s["sdg"], a["risk"], a["ghg"]
    deaths = sdg["3.6"]["deaths_per_year"]
    serious = sdg["3.6"]["serious_injuries_per_year"]
    key = (
        ("Capital cost", f"{usd_m(a['capital_cost_usd'])} ({usd_m(a['capital_cost_usd_per_km'])} per km)"),
        ("Economic NPV", f"{usd_m(a['npv_usd'])} at {pct(a['discount_rate'])}"),
        (
            "EIRR",
            f"{pct(a['eirr'])} (hurdle {pct(a['hurdle_rate'])}; reached in {pct(risk['probability_eirr_meets_hurdle'])} of draws)",
        ),
        ("Benefit-cost ratio", ratio(a["bcr"])),
        ("CO2 avoided over the project's life (GEF direct)", f"{ghg['lifetime_t']:,.0f} t over {ghg['years']} years"),
        (
            "Road deaths a year (SDG 3.6)",
            f"{deaths['change']} (5-95 %: {deaths['p5']} to {deaths['p95']}); serious injuries {serious['change']}",
        ),
    )
    saved = s["time_saved"]
    years = a["years"]
    paragraph = (
        f"The {s['title']} BRT ({s['corridor']['length_km']} km, {s['corridor']['stations']} stations) would cost "
        f"{usd_m(a['capital_cost_usd'])} to build over {years['construction']} years from {years['first']} and "
        f"{usd_m(a['operating_cost_usd_per_year']['total'])} a year to run. Simulated against today's minibuses in the same "
        f"traffic, it carries {saved['trips_per_year']:,.0f} trips a year, each {saved['saved_min_per_trip']} minutes quicker "
        f"on average ({saved['person_hours_saved_per_year']:,.0f} person-hours a year). Over {years['operation']} years of "
        f"operation at a {pct(a['discount_rate'])} discount rate, its economic net present value is {usd_m(a['npv_usd'])}, "
        f"its economic internal rate of return {pct(a['eirr'])} and its benefit-cost ratio "
        f"{ratio(a['bcr'])}; in {risk['draws']:,} Monte Carlo draws of its costs, demand "
        f"and values the EIRR reaches the {pct(a['hurdle_rate'])} hurdle in {pct(risk['probability_eirr_meets_hurdle'])} of them. "
        f"It avoids {ghg['lifetime_t']:,.0f} t of CO2 over its life (GEF direct reductions) and changes road deaths by "
        f"{deaths['change']} and serious injuries by {serious['change']} a year."
    )
    if a["notes"]:
        paragraph += " Caveats: " + " ".join(n[:1].upper() + n[1:] + "." for n in a["notes"])
    return FundingCase(
        paragraph=paragraph,
        key_numbers=key,
        indicators=tuple(_indicators(a)),
        cash_flows=tuple(_cash_flows(cash_flows)) if cash_flows is not None else (),
        risk=tuple(_risk(a)),
        tornado=tuple(
            (t["label"], usd_m(t["npv_low_usd"]), usd_m(t["npv_high_usd"]), f"{t['sobol_total']:.2f}") for t in a["tornado"]
        ),
        ghg_sdg=tuple(_ghg_sdg(a, sdg)),
        notes=tuple(a["notes"]) + tuple(risk["notes"]),
    )


def _indicators(a: Data) -> list[tuple[str, str]]:
    other = next(k for k in a if k.startswith("npv_usd_") and k.endswith("_carbon"))
    case = other.removeprefix("npv_usd_").removesuffix("_carbon")
    items = "; ".join(f"{k.replace('_', ' ')} {usd_m(v)}" for k, v in a["capital_cost_by_item_usd"].items() if v)
    anchors = "; ".join(f"{k} {usd_m(v)}" for k, v in a["anchors_usd_per_km"].items())
    first = "; ".join(f"{BENEFIT_LABELS[k]} {usd_m(v)}" for k, v in a["benefits_usd_first_year"].items())
    opex = a["operating_cost_usd_per_year"]
    return [
        ("Economic NPV", f"{usd_m(a['npv_usd'])} at {pct(a['discount_rate'])} ({a['funder'].replace('_', ' ')}); "
         f"{usd_m(a[other])} with the {case} carbon price"),
        ("EIRR", f"{pct(a['eirr'])} against a hurdle of {pct(a['hurdle_rate'])}: {'met' if a['meets_hurdle'] else 'NOT met'}"),
        ("Benefit-cost ratio", f"{ratio(a['bcr'])} (present benefits "
         f"{usd_m(a['pv_benefits_usd'])}, present costs {usd_m(a['pv_costs_usd'])})"),
        ("First-year rate of return", pct(a["fyrr"])),
        ("Financial IRR; farebox ratio", f"{pct(a['firr'])}; fares cover "
         f"{ratio(a['farebox_ratio'])} x the operating cost"),
        ("Capital cost", f"{usd_m(a['capital_cost_usd'])}: {items}"),
        ("Per km, against published systems", f"{usd_m(a['capital_cost_usd_per_km'])} per km; {anchors} per km (all-in)"),
        ("Operating cost a year", f"{usd_m(opex['total'])} ({usd_m(opex['per_bus_km'])} by bus-km, {usd_m(opex['per_bus_hour'])} by bus-hour)"),
        ("Benefits, first year of operation", first),
        ("Values", f"time {a['value_of_time_usd_per_h']} US$/h (waits and walks x 1.5); statistical life {usd_m(a['vsl_usd'])}; "
         f"{a['generalized_min_saved_per_trip']} generalized minutes saved per trip"),
    ]  # fmt: skip


def _cash_flows(table: Any) -> list[tuple[str, ...]]:
    return [
        (
            str(int(r.year)),
            f"{r.demand_factor:.2f}",
            f"{(r.capital + r.renewals + r.residual) / 1e6:,.1f}",
            f"{r.operating / 1e6:,.1f}",
            f"{r.benefits / 1e6:,.1f}",
            f"{r.net_economic / 1e6:,.1f}",
            f"{r.fare / 1e6:,.1f}",
            f"{r.net_financial / 1e6:,.1f}",
        )
        for r in table.itertuples()
    ]


def _risk(a: Data) -> list[tuple[str, str]]:
    risk, switch = a["risk"], a["switching_values"]
    e = risk["eirr"]

    def move(v: float | None, word: str) -> str:
        if v is None:
            return "-"
        return f"{word} {pct(abs(v))}" if v >= 0 else f"already below: must go the other way by {pct(abs(v))}"

    ranges = "; ".join(f"{INPUTS[k]} {lo:g}-{hi:g}" for k, (lo, hi) in risk["ranges"].items())
    return [
        ("Monte Carlo", f"{risk['draws']:,} draws (seed {risk['seed']}); multipliers low-high: {ranges}"),
        ("NPV", f"mean {usd_m(risk['npv_usd']['mean'])}, 5-95 %: {usd_m(risk['npv_usd']['p5'])} to {usd_m(risk['npv_usd']['p95'])}; "
         f"positive in {pct(risk['probability_npv_positive'])} of draws"),
        ("EIRR", f"5 / 50 / 95 %: {' / '.join('over 100 %' if e[q] is None else pct(e[q]) for q in ('p5', 'p50', 'p95'))}; "
         "at or above the hurdle in "
         f"{pct(risk['probability_eirr_meets_hurdle'])} of draws"),
        ("Switching value: capital cost", move(switch["capex_rise"], "may rise by")),
        ("Switching value: operating cost", move(switch["opex_rise"], "may rise by")),
        ("Switching value: demand", move(switch["demand_fall"], "may fall by")),
        ("Switching value: value of time", move(switch["value_of_time_fall"], "may fall by")),
        ("Switching value: every benefit", move(switch["benefits_fall"], "may fall by")),
    ]  # fmt: skip


def _ghg_sdg(a: Data, sdg: Data) -> list[tuple[str, str]]:
    ghg = a["ghg"]
    cost = ghg["unit_abatement_cost_usd_per_t"]
    rwf = ghg["real_world_factor"]
    rows = [
        ("GHG, GEF direct", f"{ghg['lifetime_t']:,.0f} t CO2 over {ghg['years']} years ({ghg['annual_t_at_simulated_demand']:,.1f} t a "
         f"year at the simulated demand); real-world factor {rwf['existing_fleet']} today's fleet, {rwf['brt_buses']} BRT buses"),
        ("GEF unit abatement cost", "-" if cost is None else f"US$ {cost:,.2f} per t CO2"),
    ]  # fmt: skip
    for key, label in (("deaths_per_year", "deaths"), ("serious_injuries_per_year", "serious injuries")):
        d = sdg["3.6"][key]
        rows.append((f"SDG 3.6: {label} a year", f"{d['change']} (5-95 %: {d['p5']} to {d['p95']}) against {d['today']} today"))
    access = sdg.get("11.2.1")
    if access:
        near, far = access["within_500_m"]["trip_end_share"], access["within_1000_m"]["trip_end_share"]
        rows.append(
            ("SDG 11.2.1: trip ends near a station", f"{pct(near)} within 500 m, {pct(far)} within 1 km ({access['method']})")
        )
    for key, label in (("nox_t", "NOx"), ("pm25_t", "PM2.5")):
        d = sdg["11.6"][key]
        rows.append((f"SDG 11.6: {label} a year", f"{d['change_t']} t against {d['today_t']} t today ({pct(d['change_share'])})"))
    return rows
