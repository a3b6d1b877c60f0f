"""The safety model's inputs from a run, its Monte Carlo, and the results per segment and year.

Inputs per alternative (scenario, baseline) and segment (see :mod:`corridor_sim.safety.factors`):

- *exposure*: vehicle-km from :mod:`corridor_sim.vehicle_travel` (both directions), all motor
  traffic for pedestrians and cyclists, the group's own mode for the others; pedestrians' is
  scaled by their crossings: background crossings (``safety.pedestrian_crossings_per_km_h``)
  over the whole road (general lanes plus two bus lanes where there is a busway or bus lane) and
  one crossing of half the road per BRT boarding and alighting (a median station is reached
  across one carriageway; at kerbside stops half the passengers cross the whole road), all
  relative to the reference road.
- *speed*: the vehicle-km weighted mean moving speed of the general stream, over the baseline's on
  the same segment. BRT buses on a busway or bus lane are a stream apart and do not enter it
  (counted in, their free running on a segregated way beside congested general lanes would raise
  the mean speed, and with it the power model's deaths, for a change of speed no one meets).
- *features*: the scenario's design (``corridor`` and ``corridor.segments``: running way,
  counterflow, refuge islands, sidewalk coverage, cycle lane; station access) against the
  baseline, a mixed-traffic road without them, passengers crossing unprotected to informal
  stops, with ``baseline.sidewalk_coverage``. Both have the corridor's signals: a crossing's
  chance of being at one is the segment's signals over its signals plus unsignalized crossings.
  ``corridor.protected_crossing_spacing_m`` adds signalized pedestrian crossings to the scenario,
  replacing as many unsignalized ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from corridor_sim.engine.runner import Run
from corridor_sim.kernels.safety import Z_FIRST_CMF, casualties, casualty_draws
from corridor_sim.safety import factors as sf
from corridor_sim.scenario import Scenario
from corridor_sim.vehicle_travel import SOURCE, VEHICLE_CLASS, label_codes, traffic_mix


@dataclass(frozen=True)
class SafetyInputs:
    """One alternative's model inputs: exposure (groups x segments), speed ratio and feature presence (segments x features)."""

    exposure_vkm: np.ndarray
    speed_ratio: np.ndarray
    presence: np.ndarray


def vehicle_mode(vehicle_class: str) -> str:
    """``car``, ``motorcycle`` or ``bus`` (every bus and minibus class)."""
    return vehicle_class if vehicle_class in ("car", "motorcycle") else "bus"


def rate_per_vkm(scenario: Scenario) -> np.ndarray:
    """Deaths per vehicle-km of each group's exposure on the baseline road."""
    base = scenario.safety.base_deaths_per_100m_vkm
    mode_share = {"all": 1.0, "car": 0.0, "motorcycle": 0.0, "bus": 0.0}
    for cls, share in traffic_mix(scenario).items():
        mode_share[vehicle_mode(cls)] += share
    return np.array(
        [
            base / 1e8 * s / mode_share[m] if mode_share[m] > 0 else 0.0
            for s, m in zip(sf.DEATH_SHARE, sf.EXPOSURE_MODE, strict=True)
        ]
    )


def _access_crossings(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """Per segment: BRT passengers' crossings (boardings + alightings, half to each adjacent segment) and their access type shares."""
    c = run.corridor
    n_seg = c.n_segments
    per_station = np.bincount(
        run.trace.stops["station"], weights=run.trace.stops["boarded"] + run.trace.stops["alighted"], minlength=n_seg + 1
    )
    access = c.station_access
    crossings = np.zeros(n_seg)
    by_type = {kind: np.zeros(n_seg) for kind in ("signalized", "grade_separated")}
    for station, count in enumerate(per_station):
        sides = [k for k in (station - 1, station) if 0 <= k < n_seg]
        for k in sides:
            crossings[k] += count / len(sides)
            if access[station] in by_type:
                by_type[access[station]][k] += count / len(sides)
    return crossings, np.stack([by_type["signalized"], by_type["grade_separated"]])


def safety_inputs(run: Run, rows: pd.DataFrame, alternative: str, baseline_speed_kmh: np.ndarray) -> SafetyInputs:
    """The model's inputs for one alternative's travel rows.

    Parameters
    ----------
    run
        The scenario's run.
    rows
        The alternative's travel rows (:func:`corridor_sim.vehicle_travel.alternatives`).
    alternative
        ``scenario`` or ``baseline``.
    baseline_speed_kmh
        The baseline's mean speed per segment (:func:`mean_speed_kmh`).
    """
    scenario, c = run.scenario, run.corridor
    n_seg = c.n_segments
    segment, distance_km = rows["segment"].to_numpy().astype(int), rows["distance_km"].to_numpy(float)
    vkm_by_mode = _vkm_by_mode(label_codes(rows["vehicle_class"], VEHICLE_CLASS), segment, distance_km, n_seg)
    segregated = c.running_way != "mixed_traffic"
    road_lanes = 2.0 * c.lanes + np.where(segregated, 2.0, 0.0)
    hours = (run.operations.end_s - run.operations.start_s) / 3600.0
    background = scenario.safety.pedestrian_crossings_per_km_h * c.length_m / 1000.0 * hours
    access, access_types = _access_crossings(run)
    reference = sf.REFERENCE_CROSSINGS_PER_KM_H * c.length_m / 1000.0 * hours * sf.REFERENCE_LANES_CROSSED
    pedestrian = (background * road_lanes + access * road_lanes / 2.0) / reference
    crossings = np.maximum(background + access, 1e-12)
    at_signals = c.signal_count / np.maximum(c.signal_count + c.crossing_count, 1)
    exposure = np.stack([vkm_by_mode[m] for m in sf.EXPOSURE_MODE])
    exposure[0] *= pedestrian
    presence = np.zeros((n_seg, len(sf.FEATURES)))
    col = {f: i for i, f in enumerate(sf.FEATURES)}
    if alternative == "scenario":
        presence[:, col["median_busway"]] = c.running_way == "median_busway"
        presence[:, col["counterflow"]] = c.counterflow
        presence[:, col["refuge_islands"]] = c.refuge_islands
        presence[:, col["sidewalks"]] = c.sidewalk_coverage
        presence[:, col["cycle_lane"]] = c.cycle_lane
        spacing = scenario.corridor.protected_crossing_spacing_m
        if spacing is not None:  # signalized pedestrian crossings replace unsignalized ones
            protected = c.length_m / spacing
            at_signals = (c.signal_count + protected) / np.maximum(
                c.signal_count + np.maximum(protected, c.crossing_count), 1e-12
            )
        presence[:, col["signalized_crossings"]] = (background * at_signals + access_types[0]) / crossings
        presence[:, col["grade_separated_crossings"]] = access_types[1] / crossings
    else:
        presence[:, col["sidewalks"]] = scenario.baseline.sidewalk_coverage
        presence[:, col["signalized_crossings"]] = background * at_signals / crossings
    segregated_brt = (label_codes(rows["source"], SOURCE) == SOURCE.categories.get_loc("brt")) & segregated[segment]
    general = ~segregated_brt
    speed = _mean_speed_kmh(segment[general], distance_km[general], rows["speed_kmh"].to_numpy(float)[general], n_seg)
    ratio = np.where(
        (speed > 0) & (baseline_speed_kmh > 0), speed / np.where(baseline_speed_kmh > 0, baseline_speed_kmh, 1.0), 1.0
    )
    return SafetyInputs(exposure_vkm=exposure, speed_ratio=ratio, presence=presence)


def _vkm_by_mode(class_code: np.ndarray, segment: np.ndarray, distance_km: np.ndarray, n_segments: int) -> dict[str, np.ndarray]:
    """Vehicle-km per segment of all motor traffic (``all``) and of each mode, from rows' class codes (of
    :data:`~corridor_sim.vehicle_travel.VEHICLE_CLASS`), segments and distances.

    Each class's rows are summed in row order and the classes added in name order, as a ``groupby``
    by class name with a ``bincount`` per class would.
    """
    n_class = len(VEHICLE_CLASS.categories)
    by_class = np.bincount(class_code * n_segments + segment, weights=distance_km, minlength=n_class * n_segments)
    by_class = by_class.reshape(n_class, n_segments)
    vkm_by_mode = {m: np.zeros(n_segments) for m in ("all", "car", "motorcycle", "bus")}
    for code in np.flatnonzero(np.bincount(class_code, minlength=n_class)):
        vkm_by_mode["all"] += by_class[code]
        vkm_by_mode[vehicle_mode(VEHICLE_CLASS.categories[code])] += by_class[code]
    return vkm_by_mode


def mean_speed_kmh(rows: pd.DataFrame, n_segments: int) -> np.ndarray:
    """Vehicle-km weighted mean moving speed per segment (0 where nothing moves)."""
    segment = rows["segment"].to_numpy().astype(int)
    return _mean_speed_kmh(segment, rows["distance_km"].to_numpy(float), rows["speed_kmh"].to_numpy(float), n_segments)


def _mean_speed_kmh(segment: np.ndarray, distance_km: np.ndarray, speed_kmh: np.ndarray, n_segments: int) -> np.ndarray:
    """:func:`mean_speed_kmh` of rows as arrays."""
    moving = distance_km > 0
    seg = segment[moving]
    vkm = np.bincount(seg, weights=distance_km[moving], minlength=n_segments)
    weighted = np.bincount(seg, weights=distance_km[moving] * speed_kmh[moving], minlength=n_segments)
    return np.where(vkm > 0, weighted / np.where(vkm > 0, vkm, 1.0), 0.0)


@dataclass(frozen=True)
class SafetyResult:
    """Casualties over the simulated period: central values (groups x segments) and draws (draws x groups x segments)."""

    deaths: np.ndarray
    serious: np.ndarray
    death_draws: np.ndarray
    serious_draws: np.ndarray


def estimate(inputs: SafetyInputs, scenario: Scenario, z: np.ndarray) -> SafetyResult:
    """Central estimate and Monte Carlo draws for one alternative (``z``: standard normals, shared between alternatives)."""
    cmf, cmf_sigma = sf.cmf_matrix()
    spread = scenario.safety.uncertainty_scale
    rate = rate_per_vkm(scenario)
    serious_per_death = scenario.safety.serious_per_death
    deaths, serious = casualties(
        inputs.exposure_vkm,
        inputs.speed_ratio,
        inputs.presence,
        cmf,
        rate,
        serious_per_death,
        sf.DEATH_EXPONENT,
        sf.SERIOUS_EXPONENT,
    )
    death_draws, serious_draws = casualty_draws(
        inputs.exposure_vkm, inputs.speed_ratio, inputs.presence, cmf, cmf_sigma * spread, rate,
        sf.lognormal_sigma(*sf.BASE_RATE_RANGE) * spread, serious_per_death, sf.lognormal_sigma(*sf.SERIOUS_PER_DEATH_RANGE) * spread,
        sf.DEATH_EXPONENT, _normal_sd(sf.DEATH_EXPONENT_RANGE) * spread, sf.SERIOUS_EXPONENT, _normal_sd(sf.SERIOUS_EXPONENT_RANGE) * spread, z,
    )  # fmt: skip
    return SafetyResult(deaths=deaths, serious=serious, death_draws=death_draws, serious_draws=serious_draws)


def _normal_sd(range_90: tuple[float, float]) -> float:
    return (range_90[1] - range_90[0]) / (2.0 * 1.6449)


def standard_normals(scenario: Scenario) -> np.ndarray:
    """The run's standard-normal draws (one stream from the scenario's seed, separate from the engine's)."""
    rng = np.random.default_rng(np.random.SeedSequence(scenario.seed).spawn(4)[3])
    return rng.standard_normal((scenario.safety.draws, Z_FIRST_CMF + len(sf.GROUPS) * len(sf.FEATURES)))


def assess_safety(run: Run, alternatives: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-segment table and yearly summary of the scenario's and the baseline's casualties.

    Returns
    -------
    table : pandas.DataFrame
        Per alternative, segment and user group: exposure (vehicle-km), speed ratio, deaths and
        serious injuries per year (central, and the Monte Carlo 5 / 50 / 95 % points).
    summary : dict
        Deaths and serious injuries per year by alternative and group with their bands, and the
        change (paired draws).
    """
    scenario, n_seg = run.scenario, run.corridor.n_segments
    days = scenario.operating_days_per_year
    z = standard_normals(scenario)
    baseline_speed = mean_speed_kmh(alternatives["baseline"], n_seg)
    inputs = {name: safety_inputs(run, rows, name, baseline_speed) for name, rows in alternatives.items()}
    results = {name: estimate(inputs[name], scenario, z) for name in alternatives}
    frames = []
    for name, res in results.items():
        g, s = np.meshgrid(np.arange(len(sf.GROUPS)), np.arange(n_seg), indexing="ij")
        frame = pd.DataFrame(
            {
                "alternative": name,
                "segment": s.ravel(),
                "group": np.array(sf.GROUPS)[g.ravel()],
                "exposure_vkm": inputs[name].exposure_vkm.ravel(),
                "speed_ratio": inputs[name].speed_ratio[s.ravel()],
                "deaths_per_year": res.deaths.ravel() * days,
                "serious_per_year": res.serious.ravel() * days,
            }
        )
        for label, draws in (("deaths", res.death_draws), ("serious", res.serious_draws)):
            for q in (5, 50, 95):
                frame[f"{label}_p{q}"] = np.percentile(draws, q, axis=0).ravel() * days
        frames.append(frame)
    summary: dict[str, Any] = {"per_year": f"simulated period x {days:g} operating days", "band": "Monte Carlo 5-95 %"}
    for name, res in results.items():
        summary[name] = {
            "deaths_per_year": _band(res.deaths.sum(), res.death_draws.sum(axis=(1, 2)), days),
            "serious_injuries_per_year": _band(res.serious.sum(), res.serious_draws.sum(axis=(1, 2)), days),
            "deaths_per_year_by_group": {
                group: _band(res.deaths[k].sum(), res.death_draws[:, k].sum(axis=1), days) for k, group in enumerate(sf.GROUPS)
            },
        }
    s, b = results["scenario"], results["baseline"]
    summary["change"] = {
        "deaths_per_year": _band(
            s.deaths.sum() - b.deaths.sum(), s.death_draws.sum(axis=(1, 2)) - b.death_draws.sum(axis=(1, 2)), days
        ),
        "serious_injuries_per_year": _band(
            s.serious.sum() - b.serious.sum(), s.serious_draws.sum(axis=(1, 2)) - b.serious_draws.sum(axis=(1, 2)), days
        ),
    }
    return pd.concat(frames, ignore_index=True), summary


def _band(point: float, draws: np.ndarray, days: float) -> dict[str, float]:
    p5, p50, p95 = np.percentile(draws, [5, 50, 95]) * days
    return {
        "estimate": round(float(point) * days, 3),
        "median": round(float(p50), 3),
        "p5": round(float(p5), 3),
        "p95": round(float(p95), 3),
    }
