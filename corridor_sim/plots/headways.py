"""Headways at the stations and passengers' waits: how regular the service is, and what riders feel.

Left panel: the distribution of observed headways, the minutes between successive arrivals of buses
of the same service at the same station and direction, as the share of bus arrivals (%) per
15-second bin, one step line per direction; the scheduled headways of the scenario are dash-dot
vertical lines. A tall narrow peak at the scheduled headway is a regular service; mass near zero
and a long right tail are bunching and the gaps it leaves.

Right panel: the distribution of passengers' waits (platform to boarding: the doors opening, or
arrival for those who reach a bus whose doors are still open), as the share of boarded passengers
(%) per 30-second bin, per direction, with each direction's mean wait and the wait random arrivals
would have behind the measured headways, ``E[W] = E[H] / 2 * (1 + CV(H)^2)`` (Osuna and Newell
1972) less the share who find the doors open (:func:`random_arrival_wait_s`). A mean wait well above ``E[W]`` means
passengers were left behind by full buses; well below, that they arrived with the timetable in mind
or that several services serve them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from corridor_sim.plots.style import DIRECTIONS, LIMIT, new_figure, source_note
from corridor_sim.results.reader import RunFolder

#: Width of the headway histogram's bins (min).
HEADWAY_BIN_MIN = 0.25
#: A gap between two buses of a service longer than this many of its longest scheduled headways (and
#: longer than :data:`BREAK_MIN_S`) is a break in the service (e.g. peak-only short turns at midday),
#: not a headway passengers wait through.
BREAK_HEADWAYS = 5.0
BREAK_MIN_S = 1800.0
#: Share of boarded passengers whose waits the right panel shows in full (the rest are counted in the note).
WAIT_SHOWN_SHARE = 0.95


def draw(run: RunFolder, baseline: RunFolder | None = None) -> Figure:
    """Headway distribution at the stations and passengers' wait distribution, per direction.

    Parameters
    ----------
    run
        The run folder (``stop_events``, ``wait_distribution``, ``scenario.json``, ``summary.json``).
    baseline
        Unused: this figure shows one run.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: headways (left) and waits (right).
    """
    headways = station_headways(run.table("stop_events"), run.scenario.get("services", {}))
    waits = run.table("wait_distribution")
    names = [d["direction"] for d in run.summary["directions"]]
    fig, (left, right) = new_figure(1, 2, width_in=11.0, height_in=5.6)
    headway_note = _headway_panel(left, headways, run.scenario.get("services", {}), names)
    wait_note, expected = _wait_panel(right, waits, headways, names)
    period = run.summary.get("period") or run.scenario.get("period", {})
    fig.suptitle(
        f"{run.summary['title']}: headways at the stations and passengers' waits, "
        f"{period.get('start', '?')}-{period.get('end', '?')}\nrun {run.label}"
    )
    breaks = int(headways["service_break"].sum())
    source_note(
        fig,
        f"Simulation: corridor-sim, run {run.label} (stop_events.parquet, wait_distribution.parquet; "
        "scheduled headways from scenario.json).",
        "Headway: minutes between successive arrivals of buses of the same service at a station, per direction"
        + (
            f"; {breaks} gaps longer than {BREAK_HEADWAYS:g} scheduled headways and {BREAK_MIN_S / 60:g} min "
            "(the service not running) left out"
            if breaks
            else ""
        )
        + f". {headway_note}",
        "Wait: from arrival at the platform to boarding (the doors opening, or at once while they are open; boarded "
        "passengers only). " + wait_note,
        "Random-arrival wait E[W] = E[H]/2 x (1 + CV(H)^2) from the headways of the left panel (Osuna & Newell 1972, "
        "Transportation Science 6(1)), counting those who find the doors still open as not waiting; " + expected,
    )
    return fig


def station_headways(stops: pd.DataFrame, services: dict[str, Any] | None = None) -> pd.DataFrame:
    """Headway of every bus arrival behind the previous bus of the same service, station and direction.

    Parameters
    ----------
    stops
        ``stop_events``: at least ``service``, ``direction``, ``station``, ``arrive_s``, ``trip``.
    services
        ``scenario['services']``: scheduled headways, to tell a break in the service from a headway.

    Returns
    -------
    pandas.DataFrame
        The stop events sorted by service, direction, station and arrival, with ``headway_s`` (NaN
        for the first bus and the first after a break), ``service_break`` (the gap before this
        bus was a break in the service, not a headway) and ``open_before_s`` (how long the bus
        before took new passengers: doors opening to last call).
    """
    keys = ["service", "direction", "station"]
    frame = stops.sort_values([*keys, "arrive_s"], kind="stable").reset_index(drop=True)
    gap = frame.groupby(keys, sort=False)["arrive_s"].diff()
    longest = {
        name: max([v for k, v in (s or {}).items() if k.endswith("headway_min") and v] or [0.0])
        for name, s in (services or {}).items()
    }
    limit = np.maximum(
        BREAK_MIN_S,
        frame["service"].map(longest).fillna(0.0).astype(float).to_numpy() * 60.0 * BREAK_HEADWAYS,
    )
    service_break = (gap > limit).to_numpy()
    frame["headway_s"] = gap.mask(service_break)
    frame["service_break"] = service_break
    # how long the bus before kept its doors open to new passengers (opening to last call; 0 in older runs)
    opened = frame["last_call_s"] - frame["berth_s"] if "last_call_s" in frame else pd.Series(0.0, index=frame.index)
    frame["open_before_s"] = opened.groupby([frame[k] for k in keys], sort=False).shift().fillna(0.0).clip(lower=0.0)
    return frame


def random_arrival_wait_s(headway_s: np.ndarray, open_s: np.ndarray | None = None) -> float:
    """Mean wait of passengers arriving at random behind these headways (s).

    Those who arrive while the bus before still takes passengers (``open_s`` of each headway,
    doors opening to last call) board it at once; the others wait for the next, so over the gaps
    ``g = H - open`` the mean is ``sum(g^2) / (2 sum(H))``. With the doors shut between buses
    (``open_s`` None) that is Osuna and Newell's ``E[H]/2 (1 + CV^2)``.
    """
    h = np.asarray(headway_s, dtype=float)
    o = np.zeros_like(h) if open_s is None else np.asarray(open_s, dtype=float)
    keep = np.isfinite(h)
    h, o = h[keep], o[keep]
    if len(h) == 0 or h.mean() <= 0:
        return float("nan")
    gaps = np.clip(h - o, 0.0, None)
    return float((gaps**2).sum() / (2.0 * h.sum()))


def _headway_panel(ax: Axes, headways: pd.DataFrame, services: dict[str, Any], names: list[str]) -> str:
    minutes = headways["headway_s"].to_numpy() / 60.0
    valid = np.isfinite(minutes)
    scheduled = [
        (name, float(s[key]))
        for name, s in services.items()
        for key in ("peak_headway_min", "offpeak_headway_min")
        if (s or {}).get(key)
    ]
    top = max(
        np.percentile(minutes[valid], 99.5) if valid.any() else 1.0,
        1.5 * max((v for _, v in scheduled), default=0.0),
    )
    top = HEADWAY_BIN_MIN * np.ceil(top / HEADWAY_BIN_MIN)
    edges = np.arange(0.0, top + HEADWAY_BIN_MIN / 2, HEADWAY_BIN_MIN)
    direction = headways["direction"].to_numpy()
    for d in (0, 1):
        h = minutes[valid & (direction == d)]
        if len(h) == 0:
            continue
        counts, _ = np.histogram(np.minimum(h, top - 1e-9), bins=edges)
        style = DIRECTIONS[d]
        ax.stairs(
            100.0 * counts / len(h),
            edges,
            color=style["color"],
            linestyle=style["linestyle"],
            linewidth=1.5,
            label=f"{names[d]} ({len(h):,} arrivals)",
        )
    _scheduled_lines(ax, services)
    ax.set_xlim(0.0, top)
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("headway (min)")
    ax.set_ylabel("share of bus arrivals (%)")
    ax.set_title("Headways at the stations, per service")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14))
    over = float((minutes[valid] >= top).mean() * 100.0) if valid.any() else 0.0
    return f"Headways of {top:g} min and longer ({over:.1f} % of arrivals) are counted in the last bin" if over > 0 else ""


def _scheduled_lines(ax: Axes, services: dict[str, Any]) -> None:
    """Scheduled peak (dash-dot) and off-peak (dotted) headways, named by service if there are several."""
    lines: dict[tuple[str, float], list[str]] = {}
    for name, service in services.items():
        for key in ("peak_headway_min", "offpeak_headway_min"):
            value = (service or {}).get(key)
            if value:
                lines.setdefault((key, float(value)), []).append(name)
    named: dict[float, list[str]] = {}
    seen: set[str] = set()
    for (key, value), names in lines.items():
        peak = key == "peak_headway_min"
        label = "scheduled peak headway" if peak else "scheduled off-peak headway"
        if len(services) == 1:
            label += f": {value:g} min"
        ax.axvline(
            value,
            **{**LIMIT, "linestyle": LIMIT["linestyle"] if peak else ":"},
            label=None if label in seen else label,
            zorder=1,
        )
        seen.add(label)
        named.setdefault(value, []).extend(n if peak else f"{n} off-peak" for n in names)
    if len(services) > 1:
        for value, names in named.items():
            ax.annotate(
                f"{value:g}: " + ", ".join(names),
                (value, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(2, -3),
                textcoords="offset points",
                rotation=90,
                va="top",
                ha="left",
                fontsize=6.5,
                color=LIMIT["color"],
            )


def _wait_panel(ax: Axes, waits: pd.DataFrame, headways: pd.DataFrame, names: list[str]) -> tuple[str, str]:
    waits = waits.sort_values(["direction", "wait_from_s"])
    total = waits.groupby("wait_to_s")["passengers"].sum()
    share = total.cumsum() / max(total.sum(), 1)
    means, expected = {}, {}
    for d in (0, 1):
        w = waits[waits["direction"] == d]
        n = w["passengers"].sum()
        if n:
            means[d] = float(((w["wait_from_s"] + w["wait_to_s"]) / 2.0 * w["passengers"]).sum() / n / 60.0)
        mine = headways[headways["direction"] == d]
        expected[d] = random_arrival_wait_s(mine["headway_s"].to_numpy(), mine["open_before_s"].to_numpy()) / 60.0
    needed = max([*means.values(), *(v for v in expected.values() if np.isfinite(v)), 0.5])
    top = float(share.index[share.to_numpy() >= WAIT_SHOWN_SHARE][0]) / 60.0 if len(share) and share.iloc[-1] > 0 else 1.0
    longest = float(waits.loc[waits["passengers"] > 0, "wait_to_s"].max() / 60.0) if (waits["passengers"] > 0).any() else 1.0
    top = float(np.ceil(longest if longest <= 2.0 * top else max(top, 1.5 * needed)))
    handles = []
    for d in (0, 1):
        w = waits[waits["direction"] == d]
        n = w["passengers"].sum()
        if n == 0:
            continue
        style = DIRECTIONS[d]
        edges = np.append(w["wait_from_s"].to_numpy(), w["wait_to_s"].to_numpy()[-1]) / 60.0
        ax.stairs(
            100.0 * w["passengers"].to_numpy() / n,
            edges,
            color=style["color"],
            linestyle=style["linestyle"],
            linewidth=1.5,
        )
        handles.append(
            Line2D(
                [],
                [],
                color=style["color"],
                linestyle=style["linestyle"],
                linewidth=1.5,
                label=f"{names[d]} ({n:,} passengers)",
            )
        )
    ymax = ax.get_ylim()[1]
    for d, mean in means.items():
        style = DIRECTIONS[d]
        ax.axvline(mean, color=style["color"], linestyle=style["linestyle"], linewidth=1.0)
        ax.plot(
            [mean],
            [ymax * 0.97],
            marker="v",
            linestyle="none",
            color=style["color"],
            markersize=7,
            clip_on=False,
        )
        handles.append(
            Line2D(
                [],
                [],
                color=style["color"],
                linestyle=style["linestyle"],
                marker="v",
                label=f"mean wait {names[d]}: {mean:.1f} min",
            )
        )
        if np.isfinite(expected[d]):
            ax.axvline(expected[d], color=style["color"], linestyle=":", linewidth=1.5)
            ax.plot(
                [expected[d]],
                [ymax * 0.90],
                marker=style["marker"],
                linestyle="none",
                markerfacecolor="white",
                color=style["color"],
                markersize=6,
                clip_on=False,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color=style["color"],
                    linestyle=":",
                    marker=style["marker"],
                    markerfacecolor="white",
                    label=f"random-arrival E[W] {names[d]}: {expected[d]:.1f} min",
                )
            )
    ax.set_ylim(0.0, ymax)
    ax.set_xlim(0.0, top)
    ax.set_xlabel("wait (min)")
    ax.set_ylabel("share of boarded passengers (%)")
    ax.set_title("Passengers' waits")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.14))
    longer = float(100.0 * (1.0 - share[share.index <= top * 60.0 + 1e-6].iloc[-1])) if len(share) else 0.0
    wait_note = "Mean waits from the 30 s bins (bin middles)."
    if longer > 0.005:
        wait_note += f" Axis cut at {top:g} min: {longer:.1f} % of boarded passengers waited longer (up to {longest:.0f} min)."
        ax.annotate(
            f"{longer:.1f} % waited longer\n(up to {longest:.0f} min) \u2192",
            (1.0, 0.02),
            xycoords="axes fraction",
            ha="right",
            va="bottom",
            fontsize=7,
            color="#4d4d4d",
        )
    several = headways["service"].nunique() > 1
    expected_note = (
        "per service: a passenger whom several services serve waits less."
        if several
        else "passengers arriving at random, not by the timetable."
    )
    return wait_note, expected_note
