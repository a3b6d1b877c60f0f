"""Golden tests: the headline figures README.md publishes for each city preset, as the code makes them.

Each plain preset runs through the Python pipeline (``run_scenario``; no figures are drawn) and its
summary is checked against three README tables: "Preset runs on this machine", the emissions and
road-safety table, and, for Addis Ababa's mode-shift variant, the variants table.

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
        "passengers": 11089,  # README: passengers 11,089
        "wait_mean_min": "1.2",  # README: mean wait 1.2 min
        "wait_p95_min": "3.3",  # README: p95 wait 3.3 min
        "all_stop_run_time_min[0]": "11.6",  # README: run time all-stop 11.6 min
        "all_stop_run_time_min[1]": "10.4",  # README: run time all-stop 10.4 min
        "all_stop_speed_kmh[0]": "19",  # README: all-stop 19 km/h
        "all_stop_speed_kmh[1]": "21",  # README: all-stop 21 km/h
        "critical_segment_pphpd": 1825,  # README: critical segment 1,825 pphpd
        "critical_segment_load_factor": "0.61",  # README: critical segment load factor 0.61
        "fleet_used": 12,  # README: fleet used 12 of 14
        "fleet_available": 14,  # README: fleet used 12 of 14
        # README emissions and road-safety table (kinematic-wave traffic since issue 19), Addis Ababa Bole Road (07:00-09:00 x 300)
        "co2_scenario_t": "12,202",  # README: co2 scenario t 12,202
        "co2_baseline_t": "12,963",  # README: co2 baseline t 12,963
        "co2_change_t": "-761",  # README: co2 change t -761
        "nox_change_t": "-1.01",  # README: nox change t -1.01
        "pm25_change_t": "-0.13",  # README: pm25 change t -0.13
        "deaths_scenario": "0.69",  # README: deaths scenario 0.69
        "deaths_scenario_p5": "0.32",  # README: deaths scenario p5 0.32
        "deaths_scenario_p95": "1.43",  # README: deaths scenario p95 1.43
        "deaths_baseline": "1.37",  # README: deaths baseline 1.37
        "deaths_baseline_p5": "0.67",  # README: deaths baseline p5 0.67
        "deaths_baseline_p95": "2.75",  # README: deaths baseline p95 2.75
        "deaths_change": "-0.68",  # README: deaths change -0.68
        "deaths_change_p5": "-1.41",  # README: deaths change p5 -1.41
        "deaths_change_p95": "-0.30",  # README: deaths change p95 -0.30
    },
    "kampala": {
        # README "Preset runs on this machine", Kampala Jinja Road, 06:00-09:00
        "passengers": 22380,  # README: passengers 22,380
        "wait_mean_min": "1.9",  # README: mean wait 1.9 min
        "wait_p95_min": "9.0",  # README: p95 wait 9.0 min
        "all_stop_run_time_min[0]": "20.0",  # README: run time all-stop 20.0 min
        "all_stop_run_time_min[1]": "25.4",  # README: run time all-stop 25.4 min
        "all_stop_speed_kmh[0]": "33",  # README: all-stop 33 km/h
        "all_stop_speed_kmh[1]": "26",  # README: all-stop 26 km/h
        "critical_segment_pphpd": 3926,  # README: critical segment 3,926 pphpd
        "critical_segment_load_factor": "0.87",  # README: critical segment load factor 0.87
        "fleet_used": 31,  # README: fleet used 31 of 36
        "fleet_available": 36,  # README: fleet used 31 of 36
        # README emissions and road-safety table (kinematic-wave traffic since issue 19), Kampala Jinja Road (06:00-09:00 x 300)
        "co2_scenario_t": "17,817",  # README: co2 scenario t 17,817
        "co2_baseline_t": "24,409",  # README: co2 baseline t 24,409
        "co2_change_t": "-6,592",  # README: co2 change t -6,592
        "nox_change_t": "-3.9",  # README: nox change t -3.9
        "pm25_change_t": "-0.96",  # README: pm25 change t -0.96
        "deaths_scenario": "1.11",  # README: deaths scenario 1.11
        "deaths_scenario_p5": "0.53",  # README: deaths scenario p5 0.53
        "deaths_scenario_p95": "2.24",  # README: deaths scenario p95 2.24
        "deaths_baseline": "2.40",  # README: deaths baseline 2.40
        "deaths_baseline_p5": "1.17",  # README: deaths baseline p5 1.17
        "deaths_baseline_p95": "4.79",  # README: deaths baseline p95 4.79
        "deaths_change": "-1.29",  # README: deaths change -1.29
        "deaths_change_p5": "-2.61",  # README: deaths change p5 -2.61
        "deaths_change_p95": "-0.62",  # README: deaths change p95 -0.62
    },
    "nairobi": {
        # README "Preset runs on this machine", Nairobi Thika Road (all-stop, express, short turn), 05:00-23:00
        "passengers": 252711,  # README: passengers 252,711
        "wait_mean_min": "3.1",  # README: mean wait 3.1 min
        "wait_p95_min": "10.8",  # README: p95 wait 10.8 min
        "all_stop_run_time_min[0]": "46.9",  # README: run time all-stop 46.9 min
        "all_stop_run_time_min[1]": "45.0",  # README: run time all-stop 45.0 min
        "all_stop_speed_kmh[0]": "31",  # README: all-stop 31 km/h
        "all_stop_speed_kmh[1]": "32",  # README: all-stop 32 km/h
        "critical_segment_pphpd": 9044,  # README: critical segment 9,044 pphpd
        "critical_segment_load_factor": "0.66",  # README: critical segment load factor 0.66
        "fleet_used": 147,  # README: fleet used 147 of 150
        "fleet_available": 150,  # README: fleet used 138 of 150
        # README emissions and road-safety table (kinematic-wave traffic since issue 19), Nairobi Thika Road (05:00-23:00 x 300)
        "co2_scenario_t": "586,036",  # README: co2 scenario t 586,036
        "co2_baseline_t": "865,980",  # README: co2 baseline t 865,980
        "co2_change_t": "-279,943",  # README: co2 change t -279,943
        "nox_change_t": "-528",  # README: nox change t -528
        "pm25_change_t": "-27.4",  # README: pm25 change t -27.4
        "deaths_scenario": "12.8",  # README: deaths scenario 12.8
        "deaths_scenario_p5": "6.4",  # README: deaths scenario p5 6.4
        "deaths_scenario_p95": "26.8",  # README: deaths scenario p95 26.8
        "deaths_baseline": "26.6",  # README: deaths baseline 26.6
        "deaths_baseline_p5": "13.4",  # README: deaths baseline p5 13.4
        "deaths_baseline_p95": "53.9",  # README: deaths baseline p95 53.9
        "deaths_change": "-13.8",  # README: deaths change -13.8
        "deaths_change_p5": "-26.7",  # README: deaths change p5 -26.7
        "deaths_change_p95": "-6.9",  # README: deaths change p95 -6.9
    },
}

# README "Variants" table, row "Addis Ababa mode shift" only (one mode-shift run, to keep the CI short).
EXPECTED_MODE_SHIFT: dict[str, dict[str, int | str]] = {
    "addis_ababa": {
        "brt_share_pct": "72.9",  # README: BRT share 72.9 % (minibuses close the kerb lane at stops since issue 19)
        "brt_trips_h": "4,034",  # README: BRT share's trips/h (4,034)
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
    safety = summary["safety"]
    out: dict[str, float] = {
        "passengers": summary["passengers"]["generated"],
        "wait_mean_min": summary["wait_min"]["mean"],
        "wait_p95_min": summary["wait_min"]["p95"],
        "critical_segment_pphpd": critical["pphpd"],
        "critical_segment_load_factor": critical["load_factor"],
        "fleet_used": summary["fleet"]["used"],
        "fleet_available": summary["fleet"]["available"],
        "co2_scenario_t": summary["emissions"]["scenario"]["co2_t"],
        "co2_baseline_t": summary["emissions"]["baseline"]["co2_t"],
        "co2_change_t": summary["emissions"]["change"]["co2_t"],
        "nox_change_t": summary["emissions"]["change"]["nox_t"],
        "pm25_change_t": summary["emissions"]["change"]["pm25_t"],
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
