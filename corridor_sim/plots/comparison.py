"""Baseline against scenario: travel time, road deaths and serious injuries, and emissions.

Six panels, the baseline a light hatched bar and the scenario a dark solid one in each:

- *travel time* (min) per trip, stacked: access (walk to the stop and crossing to it), wait and
  in vehicle, with the 95th percentile platform-to-platform journey marked above the access.
  The baseline is another run folder (``--baseline``: its wait and in-vehicle time, and its
  walk access if it modelled it), else today's simulated minibuses (the summary's ``minibus``
  section, in every run, and with mode shift ``mode_choice.access``); a run made with
  ``--no-baseline`` (or in a city without a GTFS feed) has no baseline travel time and shows the
  scenario alone. Access is drawn only when both alternatives have it, so the bars
  compare like with like.
- *deaths* and *serious injuries* per year, with the Monte Carlo 5-95 % band as error bars:
  the summary's ``safety.baseline`` (today's road) or the baseline run's ``safety.scenario``.
- *CO2*, *NOx* and *exhaust PM2.5* (t/year) of all traffic on the corridor, with the change in
  per cent above the bars: ``emissions.baseline`` or the baseline run's ``emissions.scenario``.
  Emission factors are point values, so these have no band.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from corridor_sim._errors import DataFileError
from corridor_sim.plots.style import (
    BASELINE,
    HIGHLIGHT,
    SCENARIO,
    new_figure,
    source_note,
)
from corridor_sim.results.reader import RunFolder

#: Sources of the emission factors (:mod:`corridor_sim.emissions.factors`), short.
EMISSION_SOURCES = (
    "Emission factors: HBEFA 4.2 via SUMO in the COPERT / EMEP-EEA speed form; "
    "real-world fuel factor of the existing fleet: Mbandi et al. 2019; "
    "emission factors are point values: no band"
)
#: Sources of the safety model (:mod:`corridor_sim.safety.factors`), short.
SAFETY_SOURCES = (
    "Safety: deaths by user group EMBARQ / WRI (Duduta et al. 2015); power model "
    "(Nilsson; Cameron & Elvik 2010); serious injuries per death iRAP (McMahon & Dahdah 2008); "
    "crash modification factors FHWA, STEP, EMBARQ; base rates are placeholders"
)
#: Emission panels: summary key, axis label, panel title.
EMISSION_PANELS = (
    ("co2_t", "CO2 (t/year)", "CO2, all traffic on the corridor"),
    ("nox_t", "NOx (t/year)", "NOx, all traffic on the corridor"),
    ("pm25_t", "PM2.5 exhaust (t/year)", "PM2.5 exhaust, all traffic"),
)
#: Safety panels: summary key, axis label, panel title.
SAFETY_PANELS = (
    ("deaths_per_year", "deaths per year", "road deaths on the corridor"),
    ("serious_injuries_per_year", "serious injuries per year", "serious injuries"),
)
#: Parts of a trip, bottom to top, and the summary's keys for them.
TRIP_PARTS = ("access", "wait", "in vehicle")
NO_TRAVEL_BASELINE = "no baseline travel time: run without --no-baseline or give --baseline RUN"
#: Outline and hatch colour of the bars.
EDGE = "#4d4d4d"


def draw(run: RunFolder, baseline: RunFolder | None = None) -> Figure:
    """Baseline against scenario bars: travel time, deaths, serious injuries, CO2, NOx, PM2.5.

    Parameters
    ----------
    run
        The run folder (its ``summary.json``: ``emissions``, ``safety``, and for a mode-shift
        run ``minibus`` and ``mode_choice``).
    baseline
        Another run folder to compare against; without it the run's own baseline (today's road
        and, after mode shift, today's simulated minibuses).

    Returns
    -------
    matplotlib.figure.Figure
        Two rows of three panels.

    Raises
    ------
    DataFileError
        If a summary has no ``emissions`` or ``safety`` section (a run folder from an older
        corridor-sim).
    """
    summary = run.summary
    _require(run, ("emissions", "safety"))
    if baseline is not None:
        _require(baseline, ("emissions", "safety"))
        names = (_run_name(baseline, "baseline run"), _run_name(run, "this run"))
        what = f"against the run {baseline.label}"
        emissions_base = baseline.summary["emissions"].get("scenario", {})
        safety_base = baseline.summary["safety"].get("scenario", {})
    else:
        names = ("today\n(no BRT)", "with the BRT")
        what = "against today's road without the BRT"
        emissions_base = summary["emissions"].get("baseline", {})
        safety_base = summary["safety"].get("baseline", {})
    fig, axes = new_figure(2, 3, width_in=11.0, height_in=8.0)
    travel_note = _travel_time_panel(axes[0, 0], run, baseline)
    for ax, (key, label, title) in zip(axes[0, 1:], SAFETY_PANELS, strict=True):
        change = summary["safety"].get("change", {}).get(key) if baseline is None else None
        _safety_panel(
            ax,
            names,
            safety_base.get(key),
            summary["safety"].get("scenario", {}).get(key),
            change,
        )
        ax.set_ylabel(label)
        ax.set_title(f"{title}\n(bars: estimate, whiskers: 5-95 %)")
    for ax, (key, label, title) in zip(axes[1], EMISSION_PANELS, strict=True):
        _emission_panel(
            ax,
            names,
            emissions_base.get(key),
            summary["emissions"].get("scenario", {}).get(key),
        )
        ax.set_ylabel(label)
        ax.set_title(title)
    fig.suptitle(f"{summary.get('title', summary['scenario'])}\n{what}", fontsize=11)
    simulated = f"Simulation: {run.label}" + (f" against {baseline.label}" if baseline is not None else "")
    source_note(
        fig,
        f"{simulated}, corridor-sim. {travel_note}".strip(),
        f"Per year: {summary['emissions'].get('per_year', 'n/a')}; safety band: "
        f"{summary['safety'].get('band', 'n/a')}. Emissions and safety count all traffic on the corridor.",
        EMISSION_SOURCES,
        SAFETY_SOURCES,
    )
    return fig


def _require(run: RunFolder, sections: tuple[str, ...]) -> None:
    """Raise if the run's summary lacks one of ``sections``."""
    for section in sections:
        if section not in run.summary:
            raise DataFileError(
                f"{run.path / 'summary.json'}: no {section!r} section (a run folder from an older "
                f"corridor-sim); rerun the scenario (corridor-sim run SCENARIO) to compute it"
            )


def _run_name(run: RunFolder, role: str) -> str:
    """A tick label for a run folder: its scenario in short lines and its role."""
    return f"{_wrap(str(run.summary['scenario']))}\n({role})"


def _wrap(label: str, width: int = 16) -> str:
    """A run label in lines of about ``width`` characters, broken after ``/``, ``_`` or ``-``."""
    lines, line = [], ""
    for piece in re.findall(r"[^/_-]+[/_-]?", label):
        if line and (len(line) + len(piece) > width or line.endswith("/")):
            lines.append(line)
            line = ""
        line += piece
    return "\n".join([*lines, line])


def _get(section: dict[str, Any] | None, *keys: str) -> float | None:
    """``section[k0][k1]...`` as a float, or None where missing or null."""
    value: Any = section
    for key in keys:
        if not isinstance(value, dict) or value.get(key) is None:
            return None
        value = value[key]
    return float(value)


def _access(summary: dict[str, Any], when: str, mode: str) -> float | None:
    """Walk plus crossing time to ``mode``'s stops (min) from ``mode_choice.access.<when>``."""
    access = summary.get("mode_choice", {}).get("access", {}).get(when)
    walk, cross = _get(access, f"{mode}_walk_min"), _get(access, f"{mode}_cross_min")
    return None if walk is None else walk + (cross or 0.0)


def _trip(summary: dict[str, Any] | None, access: float | None) -> dict[str, float | None]:
    """Access, wait, in-vehicle mean and the journey's 95th percentile (min) of a summary section."""
    return {
        "access": access,
        "wait": _get(summary, "wait_min", "mean"),
        "in vehicle": _get(summary, "in_vehicle_min", "mean"),
        "p95": _get(summary, "journey_min", "p95"),
    }


def _travel_time_panel(ax: Axes, run: RunFolder, baseline: RunFolder | None) -> str:
    """Stacked trip times of the two alternatives (or the scenario alone). Returns a note."""
    summary = run.summary
    scenario = _trip(summary, _access(summary, "scenario", "brt"))
    if baseline is not None:
        base = _trip(baseline.summary, _access(baseline.summary, "scenario", "brt"))
        bars = [
            (_run_name(baseline, "baseline run"), base, BASELINE),
            (_run_name(run, "this run"), scenario, SCENARIO),
        ]
    elif "minibus" in summary:
        bars = [
            (
                "today:\nminibus",
                _trip(summary["minibus"], _access(summary, "today", "minibus")),
                BASELINE,
            )
        ]
        bars.append(("with the BRT", scenario, SCENARIO))
    else:
        bars = [("with the BRT", scenario, SCENARIO)]
    note = "Travel time: access = walk to the stop and crossing to it (mode choice's walk network)."
    if any(trip["access"] is None for _, trip, _ in bars):
        modelled = any(trip["access"] is not None for _, trip, _ in bars)
        note = "Travel time: walk access left out, as one alternative did not model it." if modelled else ""
        for _, trip, _ in bars:
            trip["access"] = None
    positions = np.arange(len(bars)) * 1.6
    top = max(
        max(sum(trip[p] or 0.0 for p in TRIP_PARTS) for _, trip, _ in bars),
        max(
            (((trip["access"] or 0.0) + trip["p95"]) for _, trip, _ in bars if trip["p95"] is not None),
            default=0.0,
        ),
    )
    ax.set_ylim(0, 1.45 * top if top > 0 else 1.0)
    for x, (_, trip, look) in zip(positions, bars, strict=True):
        _stacked_bar(ax, x, trip, look, top)
    p95 = [
        (x, (trip["access"] or 0.0) + trip["p95"])
        for x, (_, trip, _) in zip(positions, bars, strict=True)
        if trip["p95"] is not None
    ]
    handles = []
    if p95:
        xs, ys = zip(*p95, strict=True)
        marker = {
            "color": HIGHLIGHT["color"],
            "marker": "_",
            "markersize": 26,
            "markeredgewidth": 2.5,
            "linestyle": "none",
        }
        ax.plot(xs, ys, **marker)
        label = "95th percentile journey\n(platform to platform" + (
            ", above access)" if bars[0][1]["access"] is not None else ")"
        )
        handles.append(Line2D([], [], label=label, **marker))
        anchor = (1.0, 0.86) if len(bars) == 1 else (1.0, 1.0)
        ax.legend(handles=handles, loc="upper right", bbox_to_anchor=anchor, fontsize=7)
    if len(bars) == 1:
        ax.text(
            0.5,
            0.98,
            NO_TRAVEL_BASELINE.replace(": ", ":\n", 1),
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=6.5,
            color=EDGE,
        )
    ax.set_xticks(positions, [name for name, _, _ in bars])
    ax.set_xlim(positions[0] - 0.5, positions[-1] + 1.2)
    _axes_look(ax)
    ax.set_ylabel("travel time (min)")
    ax.set_title("travel time per trip (mean)")
    return note


def _stacked_bar(ax: Axes, x: float, trip: dict[str, float | None], look: dict[str, Any], top: float) -> None:
    """One alternative's trip parts, stacked bottom up, each named to the right of the bar."""
    parts = [(p, trip[p]) for p in TRIP_PARTS if trip[p] is not None]
    bottoms = np.concatenate([[0.0], np.cumsum([v for _, v in parts])])
    for (_part, value), bottom in zip(parts, bottoms, strict=False):
        ax.bar(
            x,
            value,
            bottom=bottom,
            width=0.6,
            color=look["color"],
            hatch=look["hatch"],
            edgecolor="white",
            hatchcolor=EDGE,
            linewidth=1.2,
            zorder=2,
        )
    # labels at the middles of the parts, pushed apart where the parts are thin
    ys = bottoms[:-1] + np.array([v for _, v in parts]) / 2.0
    gap = 0.075 * top
    for k in range(1, len(ys)):
        ys[k] = max(ys[k], ys[k - 1] + gap)
    for (part, value), y in zip(parts, ys, strict=True):
        ax.annotate(
            f"{part} {value:.1f}",
            (x + 0.33, y),
            fontsize=7,
            va="center",
            ha="left",
            zorder=3,
        )
    if parts:
        ax.annotate(
            f"{bottoms[-1]:.1f} min",
            (x, bottoms[-1]),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
            fontweight="bold",
        )


def _bars(
    ax: Axes,
    names: tuple[str, str],
    values: list[float],
    errors: np.ndarray | None = None,
) -> np.ndarray:
    """Baseline and scenario bars at x = 0 and 1 in the shared look. Returns the positions."""
    positions = np.arange(2.0)
    for x, value, look in zip(positions, values, (BASELINE, SCENARIO), strict=True):
        ax.bar(
            x,
            value,
            width=0.6,
            color=look["color"],
            hatch=look["hatch"],
            edgecolor=EDGE,
            hatchcolor=EDGE,
            linewidth=0.8,
            zorder=2,
        )
    if errors is not None:
        ax.errorbar(
            positions,
            values,
            yerr=errors,
            fmt="none",
            ecolor="black",
            elinewidth=1.2,
            capsize=5,
            zorder=3,
        )
    ax.set_xticks(positions, names)
    ax.set_xlim(-0.6, 1.6)
    _axes_look(ax)
    return positions


def _axes_look(ax: Axes) -> None:
    """No vertical grid lines, small alternative names, thousands separated on the y axis."""
    ax.grid(False, axis="x")
    ax.tick_params(axis="x", labelsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def _change_text(base: float, scenario: float) -> str:
    """``change +1.2 %``, or the absolute change where the baseline is zero."""
    if base == 0:
        return f"change {scenario - base:+.3g}"
    return f"change {100.0 * (scenario - base) / base:+.1f} %"


def _safety_panel(
    ax: Axes,
    names: tuple[str, str],
    base: dict[str, float] | None,
    scenario: dict[str, float] | None,
    change: dict[str, float] | None,
) -> None:
    """Estimates with the 5-95 % band as whiskers, and the change (with its own band if given)."""
    if base is None or scenario is None:
        _not_in_summary(ax, names)
        return
    values = [float(base["estimate"]), float(scenario["estimate"])]
    low = [float(d.get("p5", d["estimate"])) for d in (base, scenario)]
    high = [float(d.get("p95", d["estimate"])) for d in (base, scenario)]
    errors = np.clip(np.array([np.subtract(values, low), np.subtract(high, values)]), 0.0, None)
    positions = _bars(ax, names, values, errors)
    top = max(max(high), max(values))
    for x, value in zip(positions, values, strict=True):
        ax.annotate(
            f"{value:.3g}",
            (x, value),
            xytext=(7, 0),
            textcoords="offset points",
            fontsize=7,
            va="center",
            ha="left",
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
            zorder=4,
        )
    text = _change_text(values[0], values[1])
    if change is not None and {"estimate", "p5", "p95"} <= set(change):
        text += f"\n({change['estimate']:+.3g} per year, 5-95 %: {change['p5']:+.3g} to {change['p95']:+.3g})"
    ax.text(0.5, 1.16 * top, text, ha="center", va="bottom", fontsize=7.5)
    ax.set_ylim(0, 1.42 * top if top > 0 else 1.0)


def _not_in_summary(ax: Axes, names: tuple[str, str]) -> None:
    ax.text(0.5, 0.5, "not in the summary", transform=ax.transAxes, ha="center", va="center")
    ax.set_xticks([0, 1], names)


def _emission_panel(ax: Axes, names: tuple[str, str], base: float | None, scenario: float | None) -> None:
    """Baseline and scenario totals with their values and the change in per cent above them."""
    if base is None or scenario is None:
        _not_in_summary(ax, names)
        return
    values = [float(base), float(scenario)]
    positions = _bars(ax, names, values)
    top = max(values)
    for x, value in zip(positions, values, strict=True):
        ax.annotate(
            _amount(value),
            (x, value),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.text(
        0.5,
        1.14 * top,
        _change_text(*values),
        ha="center",
        va="bottom",
        fontsize=8,
        fontweight="bold",
    )
    ax.set_ylim(0, 1.3 * top if top > 0 else 1.0)


def _amount(value: float) -> str:
    """A yearly amount to three significant figures, with thousands separators."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"
