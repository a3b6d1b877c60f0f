"""The appraisal's risk: Monte Carlo over its inputs, switching values and a sensitivity ranking.

Every indicator is linear in each risk input (:mod:`corridor_sim.appraisal.cash_flows`), so a
draw is a product of multipliers per flow and the present values of all draws at all rates are
one matrix product: 10,000 draws cost milliseconds.

Inputs (``appraisal.risk`` for the ranges; each a triangular multiplier low, 1, high):

- ``capex``, ``opex``, ``demand``, ``value_of_time``, ``vehicle_operating``, ``pollution_damage``;
- ``time_saved``: the simulation's own spread, normal with the standard error of the replications'
  mean time saved per trip (``replications``); fixed at 1 with a single run (the summary says so);
- ``crash``: the safety model's Monte Carlo band (its 5-95 % change in deaths over the estimate);
- ``carbon_high``: uniform from the low (0) to the high (1) carbon price path.

A ``demand`` draw scales each year's demand after the capacity cap of the timeline
(:func:`corridor_sim.appraisal.cash_flows.timeline`), so a high draw is not cut where the
simulated service would fill: the upper tail of the benefits is generous by that much.

Outputs: the NPV's mean and 5-95 % band; the probability that the EIRR reaches the hurdle rate,
which for a draw whose NPV falls through 0 once as the rate rises is the probability that the
NPV at the hurdle rate is at least 0 (the draws whose NPV crosses 0 more than once on the grid
of rates, which have more than one EIRR, are counted); the EIRR's 5/50/95 % points read from
the same identity on that grid (-20 % to 100 % in 0.25 % steps); switching values (how far one input may move, the others at base, before NPV < 0); a
tornado (one input at a time at its low and high end) and, ranking the same inputs, Sobol'
first-order and total indices (SALib, Saltelli sampling, inputs uniform over the tornado's ranges).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from corridor_sim.appraisal.cash_flows import Component
from corridor_sim.scenario import Appraisal

#: The risk inputs, in tornado order before sorting, with what each is called.
INPUTS: dict[str, str] = {
    "capex": "capital cost",
    "opex": "operating cost",
    "demand": "demand",
    "value_of_time": "value of time",
    "time_saved": "simulated time saved (replications)",
    "vehicle_operating": "vehicle operating costs",
    "crash": "crash effect (safety band)",
    "pollution_damage": "NOx and PM2.5 damage costs",
    "carbon_high": "carbon price, low to high path",
}
#: The grid of discount rates the EIRR's distribution is read on.
RATE_GRID = np.round(np.arange(-0.2, 1.0 + 1e-9, 0.0025), 6)
#: Base samples of the Sobol' analysis (times inputs + 2 evaluations).
SOBOL_BASE_SAMPLES = 1024


def input_ranges(spec: Appraisal, summary: dict[str, Any]) -> tuple[dict[str, tuple[float, float]], float, list[str]]:
    """Each risk input's low and high multiplier, the time saved's relative standard error, and notes."""
    r = spec.risk
    ranges = {
        k: tuple(getattr(r, k)) for k in ("capex", "opex", "demand", "value_of_time", "vehicle_operating", "pollution_damage")
    }
    notes = []
    se = 0.0
    cell = (summary.get("replications") or {}).get("indicators", {}).get("time_saved.saved_min_per_trip")
    if cell and cell.get("mean") and summary["replications"]["count"] > 1:
        from scipy import stats  # 0.5 s to import: only for replicated runs

        n = summary["replications"]["count"]
        se = abs(cell["half_width"] / stats.t.ppf(0.975, n - 1) / cell["mean"])
    else:
        notes.append("one run: the simulation's own spread of the time saved is not in the risk (run with --replications)")
    ranges["time_saved"] = (max(1.0 - 1.96 * se, 0.0), 1.0 + 1.96 * se)
    deaths = summary["safety"]["change"]["deaths_per_year"]
    if deaths["estimate"]:
        ends = sorted((deaths["p5"] / deaths["estimate"], deaths["p95"] / deaths["estimate"]))
        ranges["crash"] = (min(ends[0], 1.0), max(ends[1], 1.0))
    else:
        ranges["crash"] = (1.0, 1.0)
    ranges["carbon_high"] = (0.0, 1.0)
    return ranges, se, notes


def draw_multipliers(
    ranges: dict[str, tuple[float, float]], se: float, draws: int, seed: int, base: dict[str, float]
) -> dict[str, np.ndarray]:
    """Monte Carlo draws of every risk input (see the module docstring), from ``seed``."""
    rng = np.random.default_rng([seed, 23])
    out = {}
    for name in INPUTS:
        low, high = ranges[name]
        if name == "carbon_high":
            out[name] = rng.uniform(0.0, 1.0, draws)
        elif name == "time_saved":
            out[name] = np.clip(rng.normal(1.0, se, draws), 0.0, None) if se > 0 else np.ones(draws)
        elif high > low:
            out[name] = rng.triangular(low, base[name], high, draws)
        else:
            out[name] = np.full(draws, base[name])
    return out


def _weights(parts: list[Component], m: dict[str, np.ndarray]) -> np.ndarray:
    """(draws, components): each component's multiplier, signed for the economic net (revenue 0)."""
    n = len(next(iter(m.values())))
    w = np.ones((n, len(parts)))
    for k, c in enumerate(parts):
        for r in c.risk:
            w[:, k] *= m[r]
        w[:, k] *= {"benefit": 1.0, "cost": -1.0, "revenue": 0.0}[c.kind]
    return w


def _discount(n_years: int, rates: np.ndarray) -> np.ndarray:
    """(years, rates) discount factors to the first year."""
    return (1.0 + rates[None, :]) ** -np.arange(n_years)[:, None]


def npv_of(parts: list[Component], m: dict[str, np.ndarray], rates: np.ndarray) -> np.ndarray:
    """(draws, rates): the economic NPV of each draw at each rate."""
    flows = np.stack([c.usd for c in parts])  # (components, years)
    return _weights(parts, m) @ (flows @ _discount(flows.shape[1], rates))


def monte_carlo(
    parts: list[Component], spec: Appraisal, summary: dict[str, Any], seed: int, base: dict[str, float]
) -> dict[str, Any]:
    """The Monte Carlo section (see the module docstring)."""
    ranges, se, notes = input_ranges(spec, summary)
    m = draw_multipliers(ranges, se, spec.risk.draws, seed, base)
    npv = npv_of(parts, m, np.array([spec.discount_rate, spec.hurdle_rate]))
    grid = npv_of(parts, m, RATE_GRID)
    roots = sign_changes(grid)  # rates on the grid where a draw's NPV crosses 0
    below = (grid <= 0).mean(axis=0)  # P(EIRR <= r) for flows that change sign once

    def eirr_at(q: float) -> float | None:
        hit = np.nonzero(below >= q)[0]
        return float(RATE_GRID[hit[0]]) if len(hit) else None

    return {
        "draws": spec.risk.draws,
        "seed": seed,
        "ranges": {k: [round(v[0], 4), round(v[1], 4)] for k, v in ranges.items()},
        "npv_usd": {
            "mean": float(npv[:, 0].mean()),
            "p5": float(np.percentile(npv[:, 0], 5)),
            "p95": float(np.percentile(npv[:, 0], 95)),
        },
        "probability_npv_positive": float((npv[:, 0] > 0).mean()),
        "probability_eirr_meets_hurdle": float((npv[:, 1] >= 0).mean()),
        "eirr": {"p5": eirr_at(0.05), "p50": eirr_at(0.5), "p95": eirr_at(0.95)},
        "draws_with_more_than_one_eirr": int((roots > 1).sum()),
        "time_saved_relative_se": round(se, 4),
        "notes": notes,
    }


def sign_changes(values: np.ndarray) -> np.ndarray:
    """Per row of a (rows, columns) array, how often the sign changes along it, zeros skipped."""
    signs = np.sign(values)
    last = np.maximum.accumulate(np.where(signs != 0, np.arange(values.shape[1]), 0), axis=1)
    filled = np.take_along_axis(signs, last, axis=1)
    return ((filled[:, 1:] != filled[:, :-1]) & (filled[:, 1:] != 0) & (filled[:, :-1] != 0)).sum(axis=1)


def switching_values(parts: list[Component], rate: float, base: dict[str, float]) -> dict[str, float | None]:
    """How far each input may move, the others at base, before the NPV falls to 0 (a share of its base value).

    ``capex_rise``, ``opex_rise``: the rise; ``demand_fall``, ``value_of_time_fall``, ``benefits_fall``:
    the fall. Negative: the NPV is already below 0 and the input must move the other way. ``None``:
    the NPV does not depend on it.
    """
    one = {k: np.array([v]) for k, v in base.items()}
    pv = _weights(parts, one)[0] * np.array([c.usd @ _discount(len(c.usd), np.array([rate]))[:, 0] for c in parts])
    npv = float(pv.sum())

    def share(mask: list[bool], rising: bool) -> float | None:
        part = float(pv[np.array(mask)].sum())
        if part == 0:
            return None
        return npv / -part if rising else npv / part

    return {
        "capex_rise": share(["capex" in c.risk for c in parts], True),
        "opex_rise": share(["opex" in c.risk for c in parts], True),
        "demand_fall": share(["demand" in c.risk and c.kind == "benefit" for c in parts], False),
        "value_of_time_fall": share(["value_of_time" in c.risk for c in parts], False),
        "benefits_fall": share([c.kind == "benefit" for c in parts], False),
    }


def tornado(
    parts: list[Component], spec: Appraisal, summary: dict[str, Any], base: dict[str, float], seed: int
) -> list[dict[str, Any]]:
    """One input at a time at the ends of its range: the NPV at each end, largest swing first, with
    its Sobol' indices (see the module docstring).

    Returns
    -------
    list of dict
        ``input``, ``label``, ``low``, ``high`` (the multipliers), ``npv_low_usd``, ``npv_high_usd``,
        ``swing_usd``, ``sobol_first``, ``sobol_total``.
    """
    ranges, _, _ = input_ranges(spec, summary)
    rate = np.array([spec.discount_rate])
    rows = []
    for name in INPUTS:
        low, high = ranges[name]
        ends = []
        for value in (low, high):
            m = {k: np.array([v]) for k, v in base.items()} | {name: np.array([value])}
            ends.append(float(npv_of(parts, m, rate)[0, 0]))
        rows.append(
            {
                "input": name,
                "label": INPUTS[name],
                "low": low,
                "high": high,
                "npv_low_usd": ends[0],
                "npv_high_usd": ends[1],
                "swing_usd": abs(ends[1] - ends[0]),
            }
        )
    varied = [r for r in rows if r["high"] > r["low"]]
    indices = _sobol(parts, {r["input"]: (r["low"], r["high"]) for r in varied}, base, rate, seed) if len(varied) > 1 else {}
    for r in rows:
        first, total = indices.get(r["input"], (0.0, 0.0))
        r["sobol_first"], r["sobol_total"] = first, total
    return sorted(rows, key=lambda r: -r["swing_usd"])


def import_sensitivity_library() -> None:
    """Import SALib (with scipy, about 0.9 s): a caller with time to spare does it ahead of :func:`tornado`,
    as a plain run does while today's minibuses run in their thread (:mod:`corridor_sim.evaluation`)."""
    import SALib.analyze.sobol
    import SALib.sample.sobol  # noqa: F401


def _sobol(
    parts: list[Component], bounds: dict[str, tuple[float, float]], base: dict[str, float], rate: np.ndarray, seed: int
) -> dict[str, tuple[float, float]]:
    """Sobol' first-order and total indices of the NPV (SALib), inputs uniform over ``bounds``."""
    from SALib.analyze import sobol as sobol_analyze  # with scipy, 0.7 s to import: once a run is appraised
    from SALib.sample import sobol as sobol_sample

    names = list(bounds)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(bounds[n]) for n in names]}
    x = sobol_sample.sample(problem, SOBOL_BASE_SAMPLES, calc_second_order=False, seed=seed)
    m = {k: np.full(len(x), v) for k, v in base.items()} | {n: x[:, i] for i, n in enumerate(names)}
    y = npv_of(parts, m, rate)[:, 0]
    if np.ptp(y) == 0:
        return {}
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, seed=seed)
    return {n: (round(float(si["S1"][i]), 4), round(float(si["ST"][i]), 4)) for i, n in enumerate(names)}
