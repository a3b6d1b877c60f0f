"""Time-space diagram of the bus trips, one panel per direction, with bunched arrivals marked.

Each thin line is one bus trip through its arrival and departure at every station it serves: time of
day runs to the right, distance along the corridor (from the first station) up. A steep line is a
fast bus, a flat step a dwell; direction 1 runs back from the far end, so its lines fall. Lines that
converge and run together are buses bunching; the crosses mark station arrivals whose headway
behind the previous bus of the same service (same station and direction) is under half the median
headway of that service, station and direction in that clock hour. With several services, each has
its own line style. Runs longer than three hours show a two-hour window around the busiest hour
(the clock hour of the corridor's critical segment), since a whole day of trips is a black blur.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator

from corridor_sim.plots.headways import station_headways
from corridor_sim.plots.style import DIRECTIONS, HIGHLIGHT, new_figure, source_note
from corridor_sim.results.reader import RunFolder

#: Runs longer than this (s) are shown in a window of :data:`WINDOW_S` around the busiest hour.
FULL_RUN_MAX_S = 3 * 3600
WINDOW_S = 2 * 3600
#: Bunched: headway under this share of the hour's median headway (same service, station, direction).
BUNCHED_SHARE = 0.5
BUNCHED_LABEL = "bunched: headway < 50 % of the hour's median"
#: Line style of each service (first service as its direction, the others lighter and broken).
SERVICE_STYLES = (
    {"linestyle": "-", "lightness": 0.0},
    {"linestyle": "--", "lightness": 0.35},
    {"linestyle": ":", "lightness": 0.5},
    {"linestyle": "-.", "lightness": 0.6},
)
#: Clock tick spacings to choose from (s).
TICK_STEPS_S = (300, 600, 900, 1800, 3600, 7200, 10800)


def draw(run: RunFolder, baseline: RunFolder | None = None) -> Figure:
    """Time-space diagram of the bus trips of a run, bunched arrivals marked.

    Parameters
    ----------
    run
        The run folder (``trajectories``, ``stop_events``, ``scenario.json``, ``summary.json``).
    baseline
        Unused: this figure shows one run.

    Returns
    -------
    matplotlib.figure.Figure
        Two stacked panels sharing the time axis: direction 0 on top, direction 1 below.
    """
    paths = run.table("trajectories")
    stops = bunched_arrivals(run.table("stop_events"), run.scenario.get("services", {}))
    period = run.scenario.get("period") or run.summary.get("period", {})
    start_s, end_s = (
        _clock_s(period.get("start", "00:00")),
        _clock_s(period.get("end", "00:00")),
    )
    end_s += 86400 if end_s <= start_s else 0
    lo, hi = float(paths["time_s"].min()), float(paths["time_s"].max())
    busiest = _busiest_hour(run, stops)
    windowed = end_s - start_s > FULL_RUN_MAX_S
    if windowed:
        lo_w = min(max(busiest * 3600.0 - (WINDOW_S - 3600) / 2, lo), max(hi - WINDOW_S, lo))
        lo, hi = lo_w, lo_w + WINDOW_S
    names = [d["direction"] for d in run.summary["directions"]]
    services = list(
        dict.fromkeys(
            [
                *run.scenario.get("services", {}),
                *sorted(paths["service"].dropna().unique()),
            ]
        )
    )
    services = [s for s in services if (paths["service"] == s).any()]
    station_chain = stops.groupby("station")[["chainage_m"]].first().join(stops.groupby("station")["station_name"].first())
    first_station = station_chain["station_name"].iloc[0] if len(station_chain) else "the first station"

    fig, axes = new_figure(2, 1, width_in=11.0, height_in=8.5, sharex=True)
    for d, ax in enumerate(axes):
        counts = _panel(ax, paths, stops, d, services, (lo, hi))
        where = "in this window" if windowed else "in the run"
        whole = f" ({counts[1]:,} in the whole run)" if windowed else ""
        ax.set_title(
            f"{names[d]}: {counts[0]:,} bunched arrival{'' if counts[0] == 1 else 's'} {where}{whole}",
            loc="left",
        )
        ax.set_ylabel("distance along the corridor (km)")
        _station_labels(ax, station_chain)
        ax.set_ylim(0.0, max(station_chain["chainage_m"].max() / 1000.0, 0.1) * 1.02)
    axes[-1].set_xlim(lo, hi)
    _clock_axis(axes[-1], lo, hi)
    axes[-1].set_xlabel("time of day (hh:mm)")
    handles = [
        Line2D(
            [],
            [],
            color=_service_colour(d, k),
            linestyle=SERVICE_STYLES[k % len(SERVICE_STYLES)]["linestyle"],
            linewidth=1.0,
            label=f"{names[d]}, {s}",
        )
        for d in (0, 1)
        for k, s in enumerate(services)
    ]
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            markersize=6,
            markeredgewidth=1.2,
            label=BUNCHED_LABEL,
            **HIGHLIGHT,
        )
    )
    axes[-1].legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.13),
        ncols=min(len(handles), 4),
    )
    window = (
        f"2-hour window {_hhmm(lo)}-{_hhmm(hi)} around the busiest hour ({_hhmm(busiest * 3600)}-{_hhmm((busiest + 1) * 3600)}) "
        f"of the {period.get('start', '?')}-{period.get('end', '?')} run"
        if windowed
        else f"{period.get('start', '?')}-{period.get('end', '?')}"
    )
    fig.suptitle(f"{run.summary['title']}: bus trips in time and space\n{window}, run {run.label}")
    source_note(
        fig,
        f"Simulation: corridor-sim, run {run.label} (trajectories.parquet: arrival and departure of every trip at every "
        "station it serves; stop_events.parquet for headways).",
        f"Distance along the corridor from {first_station}. Headway: time since the previous bus of the same service "
        "arrived at the same station in the same direction; median per service, station, direction and clock hour.",
        "Busiest hour: clock hour of the critical segment (most passengers per hour per direction), summary.json."
        if windowed
        else "",
    )
    return fig


def bunched_arrivals(stops: pd.DataFrame, services: dict | None = None) -> pd.DataFrame:
    """Stop events with ``headway_s``, ``median_headway_s`` (service, station, direction, clock hour) and ``bunched``.

    Parameters
    ----------
    stops
        ``stop_events``.
    services
        ``scenario['services']`` (to tell a break in a service from a headway).

    Returns
    -------
    pandas.DataFrame
        The stop events (sorted by service, direction, station, arrival) with the three columns added.
    """
    frame = station_headways(stops, services)
    hour = (frame["arrive_s"] // 3600).astype(int)
    frame["median_headway_s"] = frame.groupby([frame["service"], frame["station"], frame["direction"], hour])[
        "headway_s"
    ].transform("median")
    frame["bunched"] = (frame["headway_s"] < BUNCHED_SHARE * frame["median_headway_s"]).to_numpy()
    return frame


def _panel(
    ax: Axes,
    paths: pd.DataFrame,
    stops: pd.DataFrame,
    d: int,
    services: list[str],
    window: tuple[float, float],
) -> tuple[int, int]:
    """Draw one direction's trips and bunched arrivals; return (bunched in the window, bunched in the run)."""
    lo, hi = window
    part = paths[paths["direction"] == d].sort_values(["trip", "time_s"], kind="stable")
    for k, service in enumerate(services):
        p = part[part["service"] == service]
        if len(p) < 2:
            continue
        trip = p["trip"].to_numpy()
        points = np.column_stack([p["time_s"].to_numpy(), p["chainage_m"].to_numpy() / 1000.0])
        # a polyline per trip, not a segment per leg: thousands of paths would each be styled and written in a PDF
        trips = np.split(points, np.flatnonzero(trip[1:] != trip[:-1]) + 1)
        lines = [line for line in trips if len(line) > 1 and line[-1, 0] >= lo and line[0, 0] <= hi]
        style = SERVICE_STYLES[k % len(SERVICE_STYLES)]
        ax.add_collection(
            LineCollection(
                lines,
                colors=_service_colour(d, k),
                linestyles=style["linestyle"],
                linewidths=0.7,
                zorder=2,
            )
        )
    s = stops[(stops["direction"] == d) & stops["bunched"]]
    shown = s[(s["arrive_s"] >= lo) & (s["arrive_s"] <= hi)]
    ax.scatter(
        shown["arrive_s"],
        shown["chainage_m"] / 1000.0,
        marker=HIGHLIGHT["marker"],
        color=HIGHLIGHT["color"],
        s=16,
        linewidths=1.0,
        zorder=3,
    )
    return len(shown), len(s)


def _service_colour(d: int, k: int) -> tuple[float, float, float]:
    """The direction's grey, lightened for the second and later services."""
    base = np.array([int(DIRECTIONS[d]["color"][i : i + 2], 16) / 255.0 for i in (1, 3, 5)])
    mix = SERVICE_STYLES[k % len(SERVICE_STYLES)]["lightness"] * (0.6 if d else 1.0)
    return tuple(float(c) for c in base + (0.85 - base) * mix * (base < 0.85))


def _station_labels(ax: Axes, stations: pd.DataFrame) -> None:
    """Station names on the right-hand side, thinned so that they do not overlap, and a faint line at each."""
    km = stations["chainage_m"].to_numpy() / 1000.0
    for y in km:
        ax.axhline(y, color="#ececec", linewidth=0.5, zorder=0)
    height_in = ax.get_figure().get_figheight() * 0.33
    gap = (km.max() if len(km) else 1.0) * (6.5 * 1.3 / 72.0) / height_in
    keep = np.zeros(len(km), dtype=bool)
    last = -np.inf
    for i, y in enumerate(km):  # a few dozen stations at most
        if y - last >= gap:
            keep[i], last = True, y
    right = ax.secondary_yaxis("right")
    right.set_ticks(
        km[keep],
        labels=stations["station_name"].to_numpy()[keep].tolist(),
        fontsize=6.5,
    )
    right.tick_params(length=2)


def _busiest_hour(run: RunFolder, stops: pd.DataFrame) -> int:
    """Clock hour of the critical segment with the most passengers (either direction), or of the most arrivals."""
    critical = [d.get("critical_segment") for d in run.summary.get("directions", [])]
    critical = [c for c in critical if c and c.get("clock_hour")]
    if critical:
        top = max(critical, key=lambda c: c.get("pphpd", 0))
        return int(top["clock_hour"].split(":")[0])
    return int((stops["arrive_s"] // 3600).mode().iloc[0]) if len(stops) else 0


def _clock_axis(ax: Axes, lo: float, hi: float) -> None:
    """Clock seconds as hh:mm, ticks at a round spacing giving at most nine labels."""
    step = next((s for s in TICK_STEPS_S if (hi - lo) / s <= 9), TICK_STEPS_S[-1])
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_minor_locator(MultipleLocator(step / (3 if step in (900, 10800) else 2)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda s, _: _hhmm(s)))


def _hhmm(seconds: float) -> str:
    minutes = math.floor(seconds / 60.0 + 0.5)
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _clock_s(hhmm: str) -> float:
    hours, minutes = (int(x) for x in str(hhmm).split(":")[:2])
    return hours * 3600.0 + minutes * 60.0
