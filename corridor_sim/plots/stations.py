"""Station saturation and the time buses queue for a berth, per station and direction.

Left: saturation, the share of the period a station's berths are occupied (doors open to departure
plus the clearance time, over berths x period), as horizontal bars, stations in corridor order from
the top, direction 0 dark and plain, direction 1 light and hatched. The dash-dot line is the design
limit of 0.4; a bar crossing it (outlined in red) is a station where buses start to queue and the
corridor's speed and capacity suffer. Right: how long buses waited between reaching the station and
getting a berth: bars for the mean over all the buses that called, markers for the longest wait.
Saturation is averaged over the whole period, so a station well under the limit on the day can still
queue at the peak: read the two panels together.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from corridor_sim.plots.style import (
    DIRECTIONS,
    HIGHLIGHT,
    LIMIT,
    new_figure,
    source_note,
)
from corridor_sim.results.reader import RunFolder

#: Design limit of station saturation (ITDP practice; anchors.md 2.1, unverified in the guide's text).
SATURATION_LIMIT = 0.4
#: Bars of direction 0 and 1: told apart by lightness and hatch.
BARS = (
    {"color": "#4d4d4d", "hatch": "", "edgecolor": "#252525"},
    {"color": "#d9d9d9", "hatch": "////", "edgecolor": "#737373"},
)
#: Height of the figure per station (in) and the fixed part (titles, legends, source note).
HEIGHT_PER_STATION_IN = 0.3
#: Characters per line of a panel title.
TITLE_CHARS = 60
HEIGHT_FIXED_IN = 3.4


def draw(run: RunFolder, baseline: RunFolder | None = None) -> Figure:
    """Saturation and bus queueing per station and direction.

    Parameters
    ----------
    run
        The run folder (``station_stats``, ``summary.json``).
    baseline
        Unused: this figure shows one run.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels sharing the station axis: saturation (left), queueing before a berth (right).
    """
    stats = run.table("station_stats").sort_values(["station", "direction"])
    stations = stats.groupby("station")["name"].first()
    n = len(stations)
    names = [d["direction"] for d in run.summary["directions"]]
    height = HEIGHT_FIXED_IN + HEIGHT_PER_STATION_IN * max(n, 4)
    fig, (left, right) = new_figure(
        1,
        2,
        width_in=11.0,
        height_in=height,
        sharey=True,
        gridspec_kw={"width_ratios": (1.1, 1.0)},
    )
    row = pd.Series(np.arange(n, dtype=float), index=stations.index)
    _saturation(left, stats, row, names)
    _queues(right, stats, row, names)
    left.set_yticks(
        row.to_numpy(),
        labels=stations.tolist(),
        fontsize=8 if n <= 15 else 7 if n <= 25 else 6.5,
    )
    left.set_ylim(n - 0.4, -0.6)  # corridor order from the top
    for ax in (left, right):
        ax.set_axisbelow(True)
    left.grid(False, axis="y")
    right.grid(False, axis="y")
    right.tick_params(axis="y", labelleft=False)
    period = run.summary.get("period") or run.scenario.get("period", {})
    fig.suptitle(
        f"{run.summary['title']}: station saturation and buses queueing for a berth\n"
        f"{period.get('start', '?')}-{period.get('end', '?')}, run {run.label}"
    )
    berths = sorted(int(b) for b in stats["berths"].unique())
    source_note(
        fig,
        f"Simulation: corridor-sim, run {run.label} (station_stats.parquet); "
        f"berths per station and direction: {', '.join(str(b) for b in berths)}.",
        "Saturation: share of the period the berths are occupied (doors open to departure plus the clearance time, "
        "over berths x period), ITDP BRT Planning Guide, ch. 7 'System Speed and Capacity'.",
        f"Design limit {SATURATION_LIMIT:g}: the maximum used in ITDP practice as cited in the project's anchors "
        "(anchors.md 2.1, low confidence: not found in the guide's stored text).",
        "Queue: time from reaching the station to getting a berth, mean over all buses that called and longest.",
    )
    return fig


def _saturation(ax: Axes, stats: pd.DataFrame, row: pd.Series, names: list[str]) -> None:
    height = 0.38
    over = []
    for d in (0, 1):
        s = stats[stats["direction"] == d]
        y = row[s["station"]].to_numpy() + (d - 0.5) * height
        value = s["saturation"].to_numpy(dtype=float)
        ax.barh(y, value, height=height, **BARS[d], linewidth=0.6, label=names[d])
        hot = value > SATURATION_LIMIT
        if hot.any():
            ax.barh(
                y[hot],
                value[hot],
                height=height,
                fill=False,
                edgecolor=HIGHLIGHT["color"],
                linewidth=1.6,
            )
            over.append(int(hot.sum()))
    ax.axvline(SATURATION_LIMIT, **LIMIT, label=f"design limit {SATURATION_LIMIT:g}")
    top = max(float(stats["saturation"].max()), SATURATION_LIMIT) * 1.15
    ax.set_xlim(0.0, top)
    ax.set_xlabel("station saturation (share of the period)")
    highest = stats.loc[stats["saturation"].idxmax()]
    title = f"Saturation: highest {highest['saturation']:.2f} at {highest['name']} ({names[int(highest['direction'])]}); " + (
        f"{sum(over)} station-directions above the design limit"
        if over
        else f"all under the design limit of {SATURATION_LIMIT:g}"
    )
    ax.set_title(textwrap.fill(title, TITLE_CHARS), loc="left")
    handles, _ = ax.get_legend_handles_labels()
    if over:
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=HIGHLIGHT["color"],
                linewidth=1.6,
                label="above the design limit",
            )
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, _below(len(row))))


def _queues(ax: Axes, stats: pd.DataFrame, row: pd.Series, names: list[str]) -> None:
    height = 0.38
    handles = []
    for d in (0, 1):
        s = stats[stats["direction"] == d]
        y = row[s["station"]].to_numpy() + (d - 0.5) * height
        ax.barh(
            y,
            s["queue_mean_s"].to_numpy(dtype=float),
            height=height,
            **BARS[d],
            linewidth=0.6,
        )
        style = DIRECTIONS[d]
        longest = s["queue_max_s"].to_numpy(dtype=float)
        ax.plot(
            longest[longest > 0],
            y[longest > 0],
            linestyle="none",
            marker=style["marker"],
            color=style["color"],
            markerfacecolor="white" if d else style["color"],
            markersize=5,
        )
        handles.append(
            Patch(
                facecolor=BARS[d]["color"],
                hatch=BARS[d]["hatch"],
                edgecolor=BARS[d]["edgecolor"],
                label=f"{names[d]}: mean",
            )
        )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=style["marker"],
                color=style["color"],
                markerfacecolor="white" if d else style["color"],
                label=f"{names[d]}: longest",
            )
        )
    longest = float(stats["queue_max_s"].max()) if len(stats) else 0.0
    ax.set_xlim(0.0, max(longest * 1.1, 5.0))
    ax.set_xlabel("bus queue before a berth (s)")
    queued = stats["queued_share"].to_numpy(dtype=float)
    weights = stats["buses"].to_numpy(dtype=float)
    share = float(np.average(queued, weights=weights)) if weights.sum() > 0 else 0.0
    title = f"Buses queueing for a berth: {100 * share:.1f} % of the calls queued, longest queue {longest:.0f} s"
    ax.set_title(textwrap.fill(title, TITLE_CHARS), loc="left")
    if longest <= 0:
        ax.text(
            0.5,
            0.5,
            "no bus queued for a berth",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="#4d4d4d",
        )
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, _below(len(row))))


def _below(n_stations: int) -> float:
    """Axes fraction just under the x axis label, for a legend below the panel."""
    return -0.45 / (HEIGHT_PER_STATION_IN * max(n_stations, 4) + 0.3)
