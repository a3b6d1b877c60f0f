"""Golden tests: the headline figures README.md publishes for each city preset, as the code makes them.

Each plain preset runs through the Python pipeline (``run_scenario``; no figures are drawn) and its
summary is checked against five README tables: "Preset runs on this machine", "Against today", the
emissions and road-safety table, "The funding case", and, for Addis Ababa's mode-shift variant, the
variants table.

A figure printed as text (``"1.6"``, ``"8,446"``, ``"+0.43"``) must agree with the code to the
README's rounding: within half a unit of its last printed digit (plus a tiny epsilon), so 1.6 is
1.55-1.65 and 8,446 is 8,445.5-8,446.5. A figure given as an int (passengers, fleet, iterations)
must be equal.

A change that moves one of these figures must update README.md and this file together, with the
reason in the commit. Never replace a README figure here by the code's output alone: if the code no
longer reproduces it, either the code or the README is wrong, and the commit must say which.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import PRESETS

from corridor_sim.pipeline import run_scenario
from corridor_sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
MODE_SHIFT = {"addis_ababa": REPO / "scenarios/addis_ababa/bole_road_brt_mode_shift.toml"}

# Every value below is README.md's published figure, copied as printed (strings) or as a count (ints).
# Direction [0] is the first direction of the summary (the README's first number of "a / b").
EXPECTED: dict[str, dict[str, int | str]] = {
    "addis_ababa": {
        # README "Preset runs on this machine", Addis Ababa Bole Road, 07:00-09:00
        "passengers": 11017,  # README: passengers 11,017
        "wait_mean_min": "1.2",  # README: mean wait 1.2 min
        "wait_p95_min": "3.2",  # README: p95 wait 3.2 min
        "all_stop_run_time_min[0]": "11.6",  # README: run time all-stop 11.6 min
        "all_stop_run_time_min[1]": "10.4",  # README: run time all-stop 10.4 min
        "all_stop_speed_kmh[0]": "19",  # README: all-stop 19 km/h
        "all_stop_speed_kmh[1]": "22",  # README: all-stop 22 km/h
        "critical_segment_pphpd": 1797,  # README: critical segment 1,797 pphpd
        "critical_segment_load_factor": "0.60",  # README: critical segment load factor 0.60
        "fleet_used": 13,  # README: fleet used 13 of 14
        "fleet_available": 14,  # README: fleet used 12 of 14
        # README "Against today" table (today's minibuses in every run since issue 21)
        "brt_journey_min": "6.88",  # README: BRT journey 6.88 min
        "minibus_journey_min": "59.16",  # README: today's minibus journey 59.16 min
        "time_saved_min": "48.13",  # README: time saved per trip 48.13 min
        "person_hours_saved": 2623490,  # README: person-hours saved a year 2,623,490
        # README emissions and road-safety table (kinematic-wave traffic since issue 19), Addis Ababa Bole Road (07:00-09:00 x 300)
        "co2_scenario_t": "12,217",  # README: co2 scenario t 12,217
        "co2_baseline_t": "13,004",  # README: co2 baseline t 13,004
        "co2_change_t": "-787",  # README: co2 change t -787
        "nox_change_t": "-1.03",  # README: nox change t -1.03
        "pm25_change_t": "-0.14",  # README: pm25 change t -0.14
        "deaths_scenario": "0.70",  # README: deaths scenario 0.70
        "deaths_scenario_p5": "0.32",  # README: deaths scenario p5 0.32
        "deaths_scenario_p95": "1.45",  # README: deaths scenario p95 1.45
        "deaths_baseline": "1.41",  # README: deaths baseline 1.41
        "deaths_baseline_p5": "0.68",  # README: deaths baseline p5 0.68
        "deaths_baseline_p95": "2.82",  # README: deaths baseline p95 2.82
        "deaths_change": "-0.70",  # README: deaths change -0.70
        "deaths_change_p5": "-1.46",  # README: deaths change p5 -1.46
        "deaths_change_p95": "-0.31",  # README: deaths change p95 -0.31
        # README "The funding case" table (the appraisal at its defaults, since issue 23)
        "capital_cost_usd_m": "33.0",  # README: capital cost US$ 33.0 M
        "npv_usd_m": "-23.2",  # README: NPV at 12 % US$ -23.2 M
        "eirr_pct": "-1.2",  # README: EIRR -1.2 %
        "bcr": "0.24",  # README: BCR 0.24
        "co2_lifetime_t": 22188,  # README: CO2 avoided over 20 years 22,188 t
        "probability_hurdle_pct": "0.0",  # README: EIRR at or above 12 % in 0.0 % of draws
    },
    "kampala": {
        # README "Preset runs on this machine", Kampala Jinja Road, 06:00-09:00
        "passengers": 22286,  # README: passengers 22,286
        "wait_mean_min": "1.1",  # README: mean wait 1.1 min
        "wait_p95_min": "2.8",  # README: p95 wait 2.8 min
        "all_stop_run_time_min[0]": "20.0",  # README: run time all-stop 20.0 min
        "all_stop_run_time_min[1]": "25.3",  # README: run time all-stop 25.3 min
        "all_stop_speed_kmh[0]": "33",  # README: all-stop 33 km/h
        "all_stop_speed_kmh[1]": "26",  # README: all-stop 26 km/h
        "critical_segment_pphpd": 4100,  # README: critical segment 4,100 pphpd
        "critical_segment_load_factor": "0.88",  # README: critical segment load factor 0.88
        "fleet_used": 31,  # README: fleet used 31 of 36
        "fleet_available": 36,  # README: fleet used 31 of 36
        # README "Against today" table (today's minibuses in every run since issue 21)
        "brt_journey_min": "11.42",  # README: BRT journey 11.42 min
        "minibus_journey_min": "48.93",  # README: today's minibus journey 48.93 min
        "time_saved_min": "33.57",  # README: time saved per trip 33.57 min
        "person_hours_saved": 3737858,  # README: person-hours saved a year 3,737,858
        # README emissions and road-safety table (kinematic-wave traffic since issue 19), Kampala Jinja Road (06:00-09:00 x 300)
        "co2_scenario_t": "20,216",  # README: co2 scenario t 20,216
        "co2_baseline_t": "28,338",  # README: co2 baseline t 28,338
        "co2_change_t": "-8,122",  # README: co2 change t -8,122
        "nox_change_t": "-5.7",  # README: nox change t -5.7
        "pm25_change_t": "-1.15",  # README: pm25 change t -1.15
        "deaths_scenario": "1.06",  # README: deaths scenario 1.06
        "deaths_scenario_p5": "0.51",  # README: deaths scenario p5 0.51
        "deaths_scenario_p95": "2.14",  # README: deaths scenario p95 2.14
        "deaths_baseline": "2.34",  # README: deaths baseline 2.34
        "deaths_baseline_p5": "1.14",  # README: deaths baseline p5 1.14
        "deaths_baseline_p95": "4.68",  # README: deaths baseline p95 4.68
        "deaths_change": "-1.28",  # README: deaths change -1.28
        "deaths_change_p5": "-2.59",  # README: deaths change p5 -2.59
        "deaths_change_p95": "-0.62",  # README: deaths change p95 -0.62
        # README "The funding case" table (the appraisal at its defaults, since issue 23)
        "capital_cost_usd_m": "76.8",  # README: capital cost US$ 76.8 M
        "npv_usd_m": "-43.4",  # README: NPV at 12 % US$ -43.4 M
        "eirr_pct": "1.7",  # README: EIRR 1.7 %
        "bcr": "0.41",  # README: BCR 0.41
        "co2_lifetime_t": 179902,  # README: CO2 avoided over 20 years 179,902 t
        "probability_hurdle_pct": "0.0",  # README: EIRR at or above 12 % in 0.0 % of draws
    },
    "nairobi": {
        # README "Preset runs on this machine", Nairobi Thika Road (all-stop, express, short turn), 05:00-23:00
        "passengers": 252280,  # README: passengers 252,280
        "wait_mean_min": "3.3",  # README: mean wait 3.3 min
        "wait_p95_min": "10.5",  # README: p95 wait 10.5 min
        "all_stop_run_time_min[0]": "46.9",  # README: run time all-stop 46.9 min
        "all_stop_run_time_min[1]": "45.0",  # README: run time all-stop 45.0 min
        "all_stop_speed_kmh[0]": "31",  # README: all-stop 31 km/h
        "all_stop_speed_kmh[1]": "32",  # README: all-stop 32 km/h
        "critical_segment_pphpd": 8969,  # README: critical segment 8,969 pphpd
        "critical_segment_load_factor": "0.67",  # README: critical segment load factor 0.67
        "fleet_used": 147,  # README: fleet used 147 of 150
        "fleet_available": 150,  # README: fleet used 138 of 150
        # README "Against today" table (today's minibuses in every run since issue 21)
        "brt_journey_min": "19.95",  # README: BRT journey 19.95 min
        "minibus_journey_min": "390.86",  # README: today's minibus journey 390.86 min
        "time_saved_min": "317.33",  # README: time saved per trip 317.33 min
        "person_hours_saved": 400264508,  # README: person-hours saved a year 400,264,508
        # README emissions and road-safety table (kinematic-wave traffic since issue 19), Nairobi Thika Road (05:00-23:00 x 300)
        "co2_scenario_t": "602,977",  # README: co2 scenario t 602,977
        "co2_baseline_t": "899,634",  # README: co2 baseline t 899,634
        "co2_change_t": "-296,658",  # README: co2 change t -296,658
        "nox_change_t": "-564",  # README: nox change t -564
        "pm25_change_t": "-29.0",  # README: pm25 change t -29.0
        "deaths_scenario": "12.5",  # README: deaths scenario 12.5
        "deaths_scenario_p5": "6.3",  # README: deaths scenario p5 6.3
        "deaths_scenario_p95": "26.3",  # README: deaths scenario p95 26.3
        "deaths_baseline": "26.1",  # README: deaths baseline 26.1
        "deaths_baseline_p5": "13.1",  # README: deaths baseline p5 13.1
        "deaths_baseline_p95": "52.9",  # README: deaths baseline p95 52.9
        "deaths_change": "-13.6",  # README: deaths change -13.6
        "deaths_change_p5": "-26.2",  # README: deaths change p5 -26.2
        "deaths_change_p95": "-6.7",  # README: deaths change p95 -6.7
        # README "The funding case" table (the appraisal at its defaults, since issue 23)
        "capital_cost_usd_m": "209.3",  # README: capital cost US$ 209.3 M
        "npv_usd_m": "2,992.2",  # README: NPV at 12 % US$ 2,992.2 M
        "eirr_pct": "99.9",  # README: EIRR 99.9 %
        "bcr": "10.82",  # README: BCR 10.82
        "co2_lifetime_t": 7740362,  # README: CO2 avoided over 20 years 7,740,362 t
        "probability_hurdle_pct": "100.0",  # README: EIRR at or above 12 % in 100.0 % of draws
    },
}

# README "Variants" table, row "Addis Ababa mode shift" only (one mode-shift run, to keep the CI short).
EXPECTED_MODE_SHIFT: dict[str, dict[str, int | str]] = {
    "addis_ababa": {
        "brt_share_pct": "71.0",  # README: BRT share 71.0 % (minibuses stop on demand and runs warm up since issue 21)
        "brt_trips_h": "3,923",  # README: BRT share's trips/h (3,923)
        "iterations": 2,  # README: iterations 2
        "deaths_scenario": "0.61",  # README: deaths/yr with BRT 0.61
    },
}


def tolerance(printed: int | str) -> float:
    """How far the code's value may be from a README figure: half its last printed digit, or 0 for a count."""
    if isinstance(printed, int):
        return 0.0
    text = printed.replace(",", "")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals + 1e-9 * max(1.0, abs(float(text)))


def value(printed: int | str) -> float:
    """A README figure as a number (``"-1,095"`` is -1095.0)."""
    return float(printed) if isinstance(printed, int) else float(printed.replace(",", ""))


def figures(summary: dict[str, Any]) -> dict[str, float]:
    """The summary's numbers under the names of :data:`EXPECTED`."""
    directions = summary["directions"]
    # The README gives one critical segment per preset: the busier direction's.
    critical = max((d["critical_segment"] for d in directions), key=lambda segment: segment["pphpd"])
    safety, appraisal = summary["safety"], summary["appraisal"]
    out: dict[str, float] = {
        "passengers": summary["passengers"]["generated"],
        "wait_mean_min": summary["wait_min"]["mean"],
        "wait_p95_min": summary["wait_min"]["p95"],
        "critical_segment_pphpd": critical["pphpd"],
        "critical_segment_load_factor": critical["load_factor"],
        "fleet_used": summary["fleet"]["used"],
        "fleet_available": summary["fleet"]["available"],
        "brt_journey_min": summary["time_saved"]["brt_journey_min"],
        "minibus_journey_min": summary["minibus"]["journey_min"]["mean"],
        "time_saved_min": summary["time_saved"]["saved_min_per_trip"],
        "person_hours_saved": summary["time_saved"]["person_hours_saved_per_year"],
        "co2_scenario_t": summary["emissions"]["scenario"]["co2_t"],
        "co2_baseline_t": summary["emissions"]["baseline"]["co2_t"],
        "co2_change_t": summary["emissions"]["change"]["co2_t"],
        "nox_change_t": summary["emissions"]["change"]["nox_t"],
        "pm25_change_t": summary["emissions"]["change"]["pm25_t"],
        "capital_cost_usd_m": appraisal["capital_cost_usd"] / 1e6,
        "npv_usd_m": appraisal["npv_usd"] / 1e6,
        "eirr_pct": 100 * appraisal["eirr"],
        "bcr": appraisal["bcr"],
        "co2_lifetime_t": appraisal["ghg"]["lifetime_t"],
        "probability_hurdle_pct": 100 * appraisal["risk"]["probability_eirr_meets_hurdle"],
    }
    for i, direction in enumerate(directions):
        all_stop = direction["services"]["all_stop"]
        out[f"all_stop_run_time_min[{i}]"] = all_stop["run_time_mean_min"]
        out[f"all_stop_speed_kmh[{i}]"] = all_stop["commercial_speed_kmh"]
    for side in ("scenario", "baseline", "change"):
        deaths = safety[side]["deaths_per_year"]
        out[f"deaths_{side}"] = deaths["estimate"]
        out[f"deaths_{side}_p5"] = deaths["p5"]
        out[f"deaths_{side}_p95"] = deaths["p95"]
    return out


def mode_shift_figures(summary: dict[str, Any]) -> dict[str, float]:
    """A mode-shift run's numbers under the names of :data:`EXPECTED_MODE_SHIFT`."""
    choice = summary["mode_choice"]
    return {
        "brt_share_pct": 100 * choice["shares_scenario"]["brt"],
        "brt_trips_h": choice["brt_peak_pax_h"],
        "iterations": choice["iterations"],
        "deaths_scenario": summary["safety"]["scenario"]["deaths_per_year"]["estimate"],
    }


def differences(actual: dict[str, float], expected: dict[str, int | str]) -> list[str]:
    """One line per README figure the code's value is outside of."""
    lines = []
    for name, printed in expected.items():
        if name not in actual:
            lines.append(f"{name}: README {printed}, not in the summary")
        elif abs(actual[name] - value(printed)) > tolerance(printed):
            lines.append(f"{name}: README {printed}, code {actual[name]} (allowed ±{tolerance(printed):.3g})")
    return lines


def summary_of(path: Path, out: Path) -> dict[str, Any]:
    """Run a scenario file through the pipeline into ``out`` and return its summary."""
    return run_scenario(load_scenario(path), out=out).summary


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_preset_matches_readme(preset: str, tmp_path: Path) -> None:
    """The preset's run gives every figure README.md publishes for it (in the runs and emissions tables)."""
    summary = summary_of(PRESETS[preset], tmp_path / preset)
    found = differences(figures(summary), EXPECTED[preset])
    assert not found, f"{preset} no longer gives README.md's figures:\n" + "\n".join(found)


@pytest.mark.parametrize("preset", sorted(EXPECTED_MODE_SHIFT))
def test_mode_shift_matches_readme(preset: str, tmp_path: Path) -> None:
    """The mode-shift variant converges and gives README.md's BRT share, iterations and deaths per year."""
    summary = summary_of(MODE_SHIFT[preset], tmp_path / preset)
    assert summary["mode_choice"]["converged"]
    found = differences(mode_shift_figures(summary), EXPECTED_MODE_SHIFT[preset])
    assert not found, f"{preset} mode shift no longer gives README.md's figures:\n" + "\n".join(found)
