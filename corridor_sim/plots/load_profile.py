"""Passenger load along the corridor in each direction's peak hour, against the capacity offered.

One panel per direction, stacked, both with distance from the first station on the x axis (so a
station is at the same place in both panels; direction 1 travels from right to left, as the panel
title says). The solid or dashed steps are the passengers on board across each segment between two
stations in the direction's peak hour (passengers per hour per direction); the dash-dot steps are
the capacity the buses crossing that segment in that hour offered. Where the load nears the capacity
line, buses leave full and passengers are left behind. The peak hour is the clock hour of the
direction's critical segment (the segment and hour with the most passengers); the title of each
panel gives its highest load factor (passengers over offered capacity).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from corridor_sim.plots.style import DIRECTIONS, LIMIT, new_figure, source_note
from corridor_sim.results.reader import RunFolder

#: Fill of the load steps, per direction (lighter and hatched for direction 1).
#: How each direction runs along the x axis.
TRAVEL = ("left to right \u2192", "\u2190 right to left")
LOAD_FILL = (
    {"facecolor": "#bdbdbd", "hatch": ""},
    {"facecolor": "#ececec", "hatch": "//"},
)


def draw(run: RunFolder, baseline: RunFolder | None = None) -> Figure:
    """Peak-hour load profile of both directions with the offered capacity.

    Parameters
    ----------
    run
        The run folder (``segment_loads``, ``stop_events`` for the stations' positions,
        ``summary.json``).
    baseline
        Unused: this figure shows one run.

    Returns
    -------
    matplotlib.figure.Figure
        Two stacked panels sharing the distance axis: direction 0 on top, direction 1 below.
    """
    loads = run.table("segment_loads")
    stations = station_positions(run)
    edges_km = stations["chainage_m"].to_numpy() / 1000.0
    names = [d["direction"] for d in run.summary["directions"]]
    first = stations["name"].iloc[0]
    fig, axes = new_figure(2, 1, width_in=11.0, height_in=9.5, sharex=True)
    for d, ax in enumerate(axes):
        _panel(ax, loads[loads["direction"] == d], edges_km, d, names[d])
        ax.set_ylabel("passengers per hour per direction (pax/h)")
        for x in edges_km:
            ax.axvline(x, color="#ececec", linewidth=0.6, zorder=0)
    axes[-1].set_xlabel(f"distance from {first} (km)")
    axes[-1].set_xlim(edges_km[0], edges_km[-1])
    top = axes[0].secondary_xaxis("top")
    top.set_ticks(
        edges_km,
        labels=stations["name"].tolist(),
        rotation=90,
        fontsize=_label_size(len(edges_km)),
    )
    top.tick_params(length=2)
    ymax = 1.3 * max(ax.dataLim.y1 for ax in axes)
    for ax in axes:
        ax.set_ylim(0.0, ymax)
    period = run.summary.get("period") or run.scenario.get("period", {})
    fig.suptitle(
        f"{run.summary['title']}: passenger load along the corridor in each direction's peak hour\n"
        f"{period.get('start', '?')}-{period.get('end', '?')}, run {run.label}"
    )
    source_note(
        fig,
        f"Simulation: corridor-sim, run {run.label} (segment_loads.parquet: passengers on board across each segment "
        "per clock hour and the capacity of the buses that crossed it; station positions from stop_events.parquet).",
        "Peak hour: clock hour of the direction's critical segment (most passengers per hour across one segment). "
        "Load factor: passengers over offered capacity (buses x vehicle capacity).",
        "Distances along the corridor from its first station; both directions on the same axis.",
    )
    return fig


def station_positions(run: RunFolder) -> pd.DataFrame:
    """Station index, name and chainage (m from the first station), in corridor order.

    Names are the ends of the segments; a station no bus stopped at (served only by
    limited-stop services that skip it) is placed by linear interpolation between its neighbours.
    """
    forward = run.table("segment_loads").query("direction == 0").groupby("segment")[["from", "to"]].first()
    names = [*forward["from"], forward["to"].iloc[-1]]
    index = np.arange(len(names))
    stopped = run.table("stop_events").groupby("station")["chainage_m"].first().reindex(index)
    known = stopped.notna().to_numpy()
    chainage_m = np.interp(index, index[known], stopped.to_numpy()[known])
    return pd.DataFrame({"station": index, "name": names, "chainage_m": chainage_m})


def _panel(ax: Axes, loads: pd.DataFrame, edges_km: np.ndarray, d: int, name: str) -> int | None:
    """Draw one direction's peak-hour load and capacity; return the peak hour."""
    if loads.empty:
        ax.set_title(f"{name}: no buses", loc="left")
        return None
    hour = int(loads.loc[loads["pax"].idxmax(), "hour"])
    peak = loads[loads["hour"] == hour].set_index("segment").reindex(range(len(edges_km) - 1))
    pax = peak["pax"].fillna(0).to_numpy(dtype=float)
    capacity = peak["capacity_pax"].fillna(0).to_numpy(dtype=float)
    style = DIRECTIONS[d]
    ax.stairs(
        pax,
        edges_km,
        fill=True,
        **LOAD_FILL[d],
        edgecolor="#a6a6a6",
        linewidth=0,
        zorder=1,
    )
    ax.stairs(
        pax,
        edges_km,
        color=style["color"],
        linestyle=style["linestyle"],
        linewidth=1.8,
        baseline=None,
        zorder=3,
        label=f"passengers on board, {_hour(hour)}",
    )
    ax.stairs(capacity, edges_km, **LIMIT, baseline=None, zorder=2, label="offered capacity")
    factor = peak["load_factor"].to_numpy(dtype=float)
    worst = int(np.nanargmax(factor)) if np.isfinite(factor).any() else None
    where = (
        f" ({peak['from'].iloc[worst]} - {peak['to'].iloc[worst]})"
        if worst is not None and pd.notna(peak["from"].iloc[worst])
        else ""
    )
    lf = f"{factor[worst]:.2f}{where}" if worst is not None else "n/a"
    ax.set_title(
        f"{name} ({TRAVEL[d]}): peak hour {_hour(hour)}, {int(pax.max()):,} pax/h at most\npeak load factor {lf}",
        loc="left",
    )
    ax.legend(loc="upper right")
    return hour


def _hour(hour: int) -> str:
    return f"{hour % 24:02d}:00-{(hour + 1) % 24:02d}:00"


def _label_size(n_stations: int) -> float:
    """Font size of the station names: smaller for long corridors."""
    return 7.0 if n_stations <= 12 else 6.0 if n_stations <= 24 else 5.5
