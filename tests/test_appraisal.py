"""The funding case: costs, NPV / EIRR / BCR with numpy-financial, risk, GHG the GEF way and SDG indicators.

The appraisal of a run is read from the Addis Ababa walking-and-cycling variant (``addis_nmt_run``,
run once for the session on the shared data with today's minibuses); its flows are rebuilt from
that run to test the indicators' laws.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
from conftest import PRESETS

from corridor_sim._errors import ScenarioError
from corridor_sim.appraisal.benefits import year_of_benefits
from corridor_sim.appraisal.cash_flows import (
    base_multipliers,
    cash_flow_table,
    components,
    indicators,
    internal_rate,
    present_value,
    timeline,
)
from corridor_sim.appraisal.costs import capital_cost, operating_cost_per_year_usd
from corridor_sim.appraisal.risk import draw_multipliers, input_ranges, npv_of, switching_values
from corridor_sim.appraisal.section import demand_cap
from corridor_sim.appraisal.vsl import value_of_statistical_life_usd
from corridor_sim.network.manifest import load_manifest
from corridor_sim.scenario import load_scenario


def test_npv_and_irr_of_a_documented_cash_flow() -> None:
    flows = np.array([-100.0, 39.0, 59.0, 55.0, 20.0])  # numpy-financial's documented example
    assert internal_rate(flows) == pytest.approx(0.28095, abs=1e-5)
    # by hand: -100 + 39/1.1 + 59/1.1^2 + 55/1.1^3 + 20/1.1^4
    assert present_value(flows, 0.10) == pytest.approx(39.1975, abs=1e-4)
    assert present_value(flows, 0.0) == pytest.approx(flows.sum())
    assert present_value(flows, internal_rate(flows)) == pytest.approx(0.0, abs=1e-9)
    assert internal_rate(np.array([10.0, 5.0])) is None  # no cost: no rate


@pytest.mark.parametrize(
    ("city", "gni_usd", "vsl_usd"),
    # 0.404 M x (GNI / 5,726) ^ 1.2, worked by hand for each profile's GNI per capita
    [
        ("nairobi", 2110.0, 121_930.0),
        ("kampala", 950.0, 46_798.0),
        ("addis_ababa", 1020.0, 50_966.0),
        ("dar_es_salaam", 1200.0, 61_941.0),
    ],
)
def test_the_value_of_a_statistical_life_follows_the_world_bank_grsf_function(city: str, gni_usd: float, vsl_usd: float) -> None:
    profile = load_manifest(city).profile
    assert profile.gni_per_capita_usd.value == gni_usd
    vsl = value_of_statistical_life_usd(gni_usd)
    assert vsl == pytest.approx(vsl_usd, rel=1e-4)
    assert 22_000 <= vsl <= 1_100_000  # the function's LMIC range
    with pytest.raises(ValueError, match="GNI per capita"):
        value_of_statistical_life_usd(0.0)


@pytest.fixture(scope="module")
def appraisal_inputs(addis_nmt_run):
    """The run's own flows, rebuilt from the run and its emission table."""
    run, summary = addis_nmt_run.run, addis_nmt_run.summary
    emissions = pd.read_parquet(addis_nmt_run.folder / "segment_emissions.parquet")
    spec = run.scenario.appraisal
    capital = capital_cost(run)
    opex = operating_cost_per_year_usd(run, summary["bus_km"])["total"]
    year = year_of_benefits(summary, run.scenario, emissions)
    line = timeline(spec, demand_cap(summary))
    return run, summary, spec, capital, opex, year, line


def _appraise(spec, capital, opex, year, line, **multipliers):
    parts = components(spec, capital, opex, year, line)
    table = cash_flow_table(parts, line, base_multipliers(spec) | multipliers)
    return parts, table, indicators(table, spec, capital.total_usd * multipliers.get("capex", 1.0))


def test_the_run_folder_holds_the_appraisal_its_flows_give(addis_nmt_run, appraisal_inputs) -> None:
    _, summary, spec, capital, opex, year, line = appraisal_inputs
    a = summary["appraisal"]
    _, table, result = _appraise(spec, capital, opex, year, line)
    written = pd.read_parquet(addis_nmt_run.folder / "appraisal_cash_flows.parquet")
    pd.testing.assert_frame_equal(written, table)
    assert a["npv_usd"] == round(result["npv_usd"], 0) and a["bcr"] == round(result["bcr"], 4)
    assert (a["discount_rate"], a["hurdle_rate"]) == (0.12, 0.12)  # the World Bank's, resolved into the scenario
    # the capital is spent in the construction years, whole; the costs' present value is their discounted sum
    assert table.loc[table["phase"] == "construction", "capital"].sum() == pytest.approx(capital.total_usd)
    assert table["capital"][table["phase"] == "operation"].sum() == 0
    assert a["capital_cost_usd"] == round(capital.total_usd, 0)
    assert sum(a["capital_cost_by_item_usd"].values()) == pytest.approx(capital.total_usd, abs=5)
    df = (1 + spec.discount_rate) ** -np.arange(len(table))
    assert result["pv_costs_usd"] == pytest.approx(float((table["costs"] * df).sum()))
    assert result["npv_usd"] == pytest.approx(result["pv_benefits_usd"] - result["pv_costs_usd"])
    assert len(table) == spec.construction_years + spec.horizon_years


def test_the_capital_cost_is_its_quantities_at_the_unit_costs(appraisal_inputs) -> None:
    run, _, spec, capital, *_ = appraisal_inputs
    costs, q, items = spec.costs, capital.quantities, capital.items_usd
    assert q["km_median_busway"] == pytest.approx(run.corridor.length_m.sum() / 1000)  # the variant is busway end to end
    assert items["running_way"] == pytest.approx(q["km_median_busway"] * costs.running_way_usd_per_km["median_busway"])
    assert items["fleet"] == pytest.approx(sum(f.buses * costs.bus_usd[f.vehicle.name] for f in run.operations.fleets))
    assert items["terminals"] == 2 * costs.terminal_usd
    # the variant builds sidewalks, refuges and a cycle lane: each costed from its quantity
    assert q["sidewalk_km"] > 0 and q["refuges"] > 0 and q["cycle_lane_km"] > 0
    nmt = costs.nmt_works_usd
    assert items["nmt_works"] == pytest.approx(
        q["sidewalk_km"] * nmt["sidewalk_per_km"]
        + q["cycle_lane_km"] * nmt["cycle_lane_per_km"]
        + q["crossings_rebuilt"] * nmt["crossing"]
        + q["refuges"] * nmt["refuge"]
    )
    works = sum(items[k] for k in ("running_way", "stations", "terminals", "depot", "nmt_works", "fare_its"))
    assert items["contingency"] == pytest.approx(costs.contingency_share * works)


def test_discounting_at_zero_gives_the_plain_sum(appraisal_inputs) -> None:
    _, _, spec, capital, opex, year, line = appraisal_inputs
    plain = spec.model_copy(update={"discount_rate": 0.0})
    _, table, result = _appraise(plain, capital, opex, year, line)
    assert result["npv_usd"] == pytest.approx(table["net_economic"].sum())
    assert result["pv_benefits_usd"] == pytest.approx(table["benefits"].sum())


def test_a_brt_that_saves_no_time_and_costs_money_fails_the_hurdle(appraisal_inputs) -> None:
    _, _, spec, capital, opex, year, line = appraisal_inputs
    idle = dataclasses.replace(
        year, time_usd=0.0, vehicle_operating_usd=0.0, crash_usd=0.0, co2_previous_t=0.0, local_previous_usd=0.0
    )
    _, _, result = _appraise(spec, capital, opex, idle, line)
    assert result["bcr"] < 1 and result["npv_usd"] < 0
    assert result["eirr"] is None or result["eirr"] < spec.hurdle_rate
    assert not result["meets_hurdle"]


def test_doubling_the_capital_cost_lowers_the_eirr(appraisal_inputs) -> None:
    _, _, spec, capital, opex, year, line = appraisal_inputs
    # the Addis variant's benefits, from a day of 2 peak hours, are small: give it ten times the riders' benefits
    rich = dataclasses.replace(year, time_usd=year.time_usd * 10)
    _, _, once = _appraise(spec, capital, opex, rich, line)
    _, _, twice = _appraise(spec, capital, opex, rich, line, capex=2.0)
    assert once["eirr"] is not None and twice["eirr"] is not None
    assert twice["eirr"] < once["eirr"] and twice["npv_usd"] < once["npv_usd"] and twice["bcr"] < once["bcr"]


def test_switching_values_bring_the_npv_to_zero(appraisal_inputs) -> None:
    _, _, spec, capital, opex, year, line = appraisal_inputs
    rich = dataclasses.replace(year, time_usd=year.time_usd * 10)
    parts = components(spec, capital, opex, rich, line)
    base = base_multipliers(spec)
    switch = switching_values(parts, spec.discount_rate, base)
    rate = np.array([spec.discount_rate])
    for name, key, sign in (("capex", "capex_rise", 1), ("opex", "opex_rise", 1), ("value_of_time", "value_of_time_fall", -1)):
        moved = {k: np.array([v]) for k, v in base.items()} | {name: np.array([1.0 + sign * switch[key]])}
        assert npv_of(parts, moved, rate)[0, 0] == pytest.approx(0.0, abs=1.0), name


def test_the_probability_of_meeting_the_hurdle_agrees_with_numpy_financial_draw_by_draw(appraisal_inputs) -> None:
    _, summary, spec, capital, opex, year, line = appraisal_inputs
    rich = dataclasses.replace(year, time_usd=year.time_usd * 8)
    parts = components(spec, capital, opex, rich, line)
    base = base_multipliers(spec)
    ranges, se, _ = input_ranges(spec, summary)
    m = draw_multipliers(ranges, se, 300, seed=5, base=base)
    npv = npv_of(parts, m, np.array([spec.hurdle_rate]))[:, 0]
    flows = np.stack([c.usd for c in parts])
    sign = np.array([{"benefit": 1.0, "cost": -1.0, "revenue": 0.0}[c.kind] for c in parts])
    eirr = []
    for k in range(300):
        w = np.array([np.prod([m[r][k] for r in c.risk]) for c in parts]) * sign
        eirr.append(npf.irr(w @ flows))
    eirr = np.array(eirr)
    assert 0.05 < (npv >= 0).mean() < 0.95  # draws on both sides, so the comparison can fail
    assert ((eirr >= spec.hurdle_rate) == (npv >= 0)).mean() == 1.0


def test_the_summary_states_risk_ghg_and_sdg_coherently(addis_nmt_run) -> None:
    s = addis_nmt_run.summary
    a, sdg = s["appraisal"], s["sdg"]
    risk = a["risk"]
    assert risk["draws"] == 10_000 and risk["npv_usd"]["p5"] <= risk["npv_usd"]["mean"] <= risk["npv_usd"]["p95"]
    assert 0 <= risk["probability_eirr_meets_hurdle"] <= 1
    assert [r["swing_usd"] for r in a["tornado"]] == sorted((r["swing_usd"] for r in a["tornado"]), reverse=True)
    assert a["tornado"][0]["sobol_total"] >= max(r["sobol_total"] for r in a["tornado"]) - 0.05
    ghg = a["ghg"]
    assert ghg["lifetime_t"] == pytest.approx(sum(ghg["by_year_t"]), abs=2) and ghg["years"] == 20
    assert ghg["real_world_factor"] == s["emissions"]["real_world_factor"]
    # SDG 3.6 and 11.6 restate the run's safety and emissions change; 11.2.1 grows with the distance
    assert sdg["3.6"]["deaths_per_year"]["change"] == s["safety"]["change"]["deaths_per_year"]["estimate"]
    assert sdg["11.6"]["pm25_t"]["change_t"] == s["emissions"]["change"]["pm25_t"]
    near, far = sdg["11.2.1"]["within_500_m"], sdg["11.2.1"]["within_1000_m"]
    assert 0 < near["trip_end_share"] <= far["trip_end_share"] <= 1
    assert any("a year is the simulated" in n for n in a["notes"])  # a 2-hour run says what it leaves out


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("appraisal.costs.running_way_usd_per_km.median_busway", -5.0, "greater than or equal to 0"),
        ("appraisal.discount_rate", 1.5, "less than or equal to 0.5"),
        ("appraisal.horizon_years", 0, "greater than or equal to 1"),
        ("appraisal.risk.capex", [1.2, 1.5], "low <= 1 <= high"),
        ("appraisal.costs.bus_usd.brt_24m", 1e6, "brt_18m"),
        ("appraisal.funder", "imf", "world_bank"),
    ],
)
def test_a_wrong_appraisal_input_is_refused_naming_the_field(key: str, value, says: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(PRESETS["addis_ababa"], {key: value})
    message = str(err.value)
    assert key.split(".")[1] in message and says in message


def test_a_scenario_replaces_one_unit_cost_and_keeps_the_city_s_others() -> None:
    scenario = load_scenario(PRESETS["addis_ababa"], {"appraisal.costs.running_way_usd_per_km.median_busway": 1.0e6})
    city = load_manifest("addis_ababa").profile.running_way_usd_per_km.value
    assert scenario.appraisal.costs.running_way_usd_per_km == {**city, "median_busway": 1.0e6}
    assert scenario.appraisal.costs.propulsion_price_factor["electric"] > 1.0
    assert load_scenario(PRESETS["addis_ababa"], {"appraisal.funder": "adb"}).appraisal.discount_rate == 0.09


def test_the_report_opens_with_an_executive_summary_whose_numbers_are_the_summary_s(addis_nmt_run, tmp_path) -> None:
    import re
    from html import unescape

    from pypdf import PdfReader

    from corridor_sim.report.write import write_report
    from corridor_sim.results.reader import RunFolder
    from corridor_sim.results.summary import flatten

    run = RunFolder(addis_nmt_run.folder)
    files = write_report(run, None, {}, tmp_path)
    html = unescape(files["html"].read_text())
    pdf = " ".join(page.extract_text() for page in PdfReader(files["pdf"]).pages[:3])
    # the executive summary comes first, then the appraisal chapter, then the corridor as before
    order = [
        html.index(h) for h in ("Executive summary", "Economic and financial appraisal", "The corridor", "Headline indicators")
    ]
    assert order == sorted(order)
    rows = dict(
        re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td></tr>', html[: html.index("Economic and financial")])
    )
    flat = flatten(addis_nmt_run.summary)
    money = {"Capital cost": "appraisal.capital_cost_usd", "Economic NPV": "appraisal.npv_usd"}
    for label, key in money.items():  # US$ millions to one decimal
        printed = float(re.match(r"US\$ (-?[\d,.]+) M", rows[label]).group(1).replace(",", ""))
        assert printed == pytest.approx(flat[key] / 1e6, abs=0.05), label
    eirr = float(re.match(r"(-?[\d.]+) %", rows["EIRR"]).group(1))
    assert eirr == pytest.approx(flat["appraisal.eirr"] * 100, abs=0.05)
    assert float(rows["Benefit-cost ratio"]) == pytest.approx(flat["appraisal.bcr"], abs=0.005)
    tonnes = float(re.match(r"([\d,]+) t", rows["CO2 avoided over the project's life (GEF direct)"]).group(1).replace(",", ""))
    assert tonnes == flat["appraisal.ghg.lifetime_t"]
    assert rows["Road deaths a year (SDG 3.6)"].startswith(str(flat["sdg.3.6.deaths_per_year.change"]))
    for value in rows.values():  # the PDF prints the same six
        for piece in value.split(" (")[0].split():
            assert piece in pdf


def test_replications_put_the_simulation_s_spread_into_the_risk(appraisal_inputs) -> None:
    from scipy import stats

    _, summary, spec, *_ = appraisal_inputs
    saved = summary["time_saved"]["saved_min_per_trip"]
    replicated = {"count": 5, "indicators": {"time_saved.saved_min_per_trip": {"mean": saved, "half_width": 0.1 * saved}}}
    ranges, se, notes = input_ranges(spec, summary | {"replications": replicated})
    # the standard error of the mean from its 95 % half-width over 5 runs (Student's t, 4 degrees of freedom)
    assert se == pytest.approx(0.1 / stats.t.ppf(0.975, 4))
    assert ranges["time_saved"] == pytest.approx((1 - 1.96 * se, 1 + 1.96 * se))
    assert notes == []
    _, alone, said = input_ranges(spec, summary)
    assert alone == 0.0 and "one run" in said[0]


def test_an_appraised_run_lists_the_unit_cost_and_economy_placeholders_it_read(addis_nmt_run) -> None:
    import tomllib

    from corridor_sim.city_profile import (
        APPRAISAL_ECONOMY,
        APPRAISAL_MONEY,
        COST_KEYS,
        SCENARIO_PATHS,
        CityProfile,
        city_file_template,
        profile_summary,
    )

    profile = CityProfile.model_validate(tomllib.loads(city_file_template("x", "TZ", "X", "TZS"))["profile"])
    data = addis_nmt_run.run.scenario.model_dump(mode="json")
    data["mode_choice"]["enabled"] = False
    for key, path in SCENARIO_PATHS.items():  # a scenario that keeps every template value
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[last] = getattr(profile, key).value

    def used(appraised: bool) -> set[str]:
        return {p.split(" = ")[0] for p in profile_summary(profile, data, appraised)["placeholders"]}

    # with mode choice off the appraisal alone reads the value of time and the fare
    assert used(True) - used(False) == set(COST_KEYS) | set(APPRAISAL_ECONOMY) | set(APPRAISAL_MONEY)
    assert not used(False) & set(COST_KEYS)
