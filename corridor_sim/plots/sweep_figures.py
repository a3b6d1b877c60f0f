"""Figures of a sweep (``results/<sweep>/``): an indicator over two parameters, and a Pareto front.

- ``sweep_heatmap``: one indicator (default ``journey_min.mean``) over the first two varied
  parameters, each cell a run annotated with its value; failed runs are hatched cells labelled
  "failed", runs not made yet are blank. One parameter gives a one-row heatmap; sampled ranges
  (not a grid) give a scatter of the runs coloured by the indicator. Where more than one run falls
  in a cell (a third parameter varies), the cell shows their mean.
- ``sweep_pareto``: every finished run as a grey point over two indicators (default
  ``fleet.used`` and ``journey_min.mean``) and the Pareto front
  (:func:`corridor_sim.sweep.report.pareto_front`) as a dark line, its runs annotated with their
  parameters.

The table's columns are the flattened summary keys, whose suffix names the unit
(:func:`axis_label`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from corridor_sim._errors import CorridorSimError
from corridor_sim.plots.figures import figure_names
from corridor_sim.plots.style import (
    SCENARIO,
    new_figure,
    save_figure,
    source_note,
    style,
)
from corridor_sim.sweep.report import numeric_column, pareto_front
from corridor_sim.sweep.store import SweepStore

#: The figures of a sweep, by name (file name and ``--figure`` value).
SWEEP_FIGURES = ("sweep_heatmap", "sweep_pareto")
#: Colormap of the heatmap: perceptually uniform, readable in greyscale.
CMAP = "cividis"
#: More distinct values than this on an axis draw a scatter, not a heatmap.
MAX_GRID_VALUES = 15
#: Units by the ending of a key's dotted part, checked from the last part back.
UNIT_SUFFIXES = (
    ("_pax_h", "pax/h"),
    ("_per_year", "per year"),
    ("_kmh", "km/h"),
    ("_km", "km"),
    ("_min", "min"),
    ("_s", "s"),
    ("_t", "t/year"),
    ("_mwh", "MWh/year"),
    ("pphpd", "pax/h per direction"),
)
#: Units of whole keys (counts whose names carry no unit).
UNIT_KEYS = {
    "fleet.used": "buses",
    "fleet.available": "buses",
    "corridor.berths": "berths",
    "fleet": "buses",
}
#: Hatch and colour of a failed run's cell or marker.
FAILED = {"hatch": "xx", "color": "#969696"}


def axis_label(key: str) -> str:
    """A column name with its unit in parentheses when the key names one.

    ``journey_min.mean`` -> ``journey_min.mean (min)``, ``emissions.scenario.co2_t`` ->
    ``emissions.scenario.co2_t (t/year)``, ``fleet.used`` -> ``fleet.used (buses)``,
    ``safety.scenario.deaths_per_year.estimate`` -> ``... (per year)``; else the key alone.
    """
    unit = UNIT_KEYS.get(key)
    for part in reversed(key.split(".") if unit is None else []):
        unit = next((u for suffix, u in UNIT_SUFFIXES if part.endswith(suffix)), None)
        if unit is not None:
            break
    return f"{key} ({unit})" if unit else key


def draw_heatmap(
    table: pd.DataFrame,
    plan: dict[str, Any],
    indicator: str = "journey_min.mean",
    x: str | None = None,
    y: str | None = None,
) -> Figure:
    """An indicator over two varied parameters: a heatmap of the grid, or a scatter of samples.

    Parameters
    ----------
    table
        The sweep's rows (:meth:`corridor_sim.sweep.store.SweepStore.read`).
    plan
        ``sweep.json`` (:meth:`~corridor_sim.sweep.store.SweepStore.load_plan`).
    indicator
        The numeric column to show.
    x, y
        Parameters (or other columns) for the axes; default the plan's first two parameters.
        With one parameter the heatmap has one row.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    CorridorSimError
        For an unknown or non-numeric indicator, an unknown parameter, or a sweep that varies
        nothing.
    """
    params = plan_parameters(plan)
    values = numeric_column(table, indicator).to_numpy(float)
    frame = _runs_frame(table, plan)
    rows = frame["_row"].to_numpy()
    ok = (frame["status"] == "ok").to_numpy() & (rows >= 0)
    frame["_value"] = np.where(ok, values[np.clip(rows, 0, None)] if len(values) else np.nan, np.nan)
    x = x or (params[0] if params else None)
    y = y if y is not None else (next((p for p in params if p != x), None))
    if x is None:
        raise CorridorSimError("the sweep varies no parameter: nothing to draw a heatmap over")
    for column in (x, y):
        if column is not None and column not in frame.columns:
            close = difflib.get_close_matches(column, params, n=3, cutoff=0.4)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise CorridorSimError(f"no parameter {column!r} in the sweep{hint}; its parameters are: {', '.join(params)}")
    ranges = set(plan.get("spec", {}).get("range", {}))
    sampled = bool(ranges & {x, y}) or any(frame[c].nunique() > MAX_GRID_VALUES for c in (x, y) if c is not None)
    label = axis_label(indicator)
    if sampled:
        fig, ax = new_figure(width_in=7.5, height_in=5.5)
        _scatter(fig, ax, frame, x, y, label)
        title = f"{label}, one point per run\n(sampled ranges, not a grid: no heatmap)"
    else:
        xs, ys = _levels(frame[x]), _levels(frame[y]) if y is not None else [None]
        fig, ax = new_figure(
            width_in=min(12.0, max(6.5, 1.1 * len(xs) + 3.5)),
            height_in=min(9.0, max(3.0, 0.7 * len(ys) + 2.6)),
        )
        several = _grid(fig, ax, frame, x, y, xs, ys, label)
        title = f"{label}\nover {x}" + (f" and {y}" if y is not None else "")
        if several:
            title += f"\n(mean of the runs of each cell over {', '.join(p for p in params if p not in (x, y))})"
    ax.set_title(title)
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y) if y is not None else (label if sampled else ""))
    source_note(fig, sweep_note(table, plan))
    return fig


def draw_pareto(
    table: pd.DataFrame,
    plan: dict[str, Any],
    x: str = "fleet.used",
    y: str = "journey_min.mean",
    maximize: tuple[bool, bool] = (False, False),
) -> Figure:
    """Every finished run over two indicators, and the Pareto front of the best trade-offs.

    Parameters
    ----------
    table
        The sweep's rows.
    plan
        ``sweep.json``, for the parameters annotating the front and the source note.
    x, y
        Numeric columns; smaller is better unless ``maximize`` says otherwise for that column.
    maximize
        Whether larger is better, for ``x`` and ``y``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    CorridorSimError
        For an unknown or non-numeric column.
    """
    xs, ys = numeric_column(table, x), numeric_column(table, y)
    ok = (table["status"] == "ok").to_numpy() & xs.notna().to_numpy() & ys.notna().to_numpy()
    front = pareto_front(table, x, y, tuple(maximize))
    params = plan_parameters(plan)
    fig, ax = new_figure(width_in=8.0, height_in=5.8)
    ax.scatter(
        xs[ok],
        ys[ok],
        s=30,
        color="#bdbdbd",
        edgecolor="#636363",
        linewidth=0.6,
        zorder=2,
        label=f"run ({int(ok.sum())} finished)",
    )
    fx, fy = xs[front.index].to_numpy(float), ys[front.index].to_numpy(float)
    (line,) = ax.plot(
        fx,
        fy,
        color=SCENARIO["color"],
        linestyle=SCENARIO["linestyle"],
        marker=SCENARIO["marker"],
        markersize=6,
        linewidth=1.6,
        zorder=3,
        label=f"Pareto front ({len(front)} run{'' if len(front) == 1 else 's'})",
    )
    ax.margins(x=0.3, y=0.2)
    texts = [
        "\n".join(f"{p.rsplit('.', 1)[-1]}={_short(row.get(p))}" for p in params if p in row.index) or str(row["run_id"])
        for _, row in front.iterrows()
    ]
    labelled = _label_front(fig, ax, fx, fy, texts, maximize)
    if labelled < len(front):
        line.set_label(f"Pareto front ({len(front)} runs, {labelled} labelled where there is room)")
    failed = int((table["status"] != "ok").sum())
    if failed:
        ax.plot(
            [],
            [],
            linestyle="none",
            marker="x",
            color=FAILED["color"],
            label=f"{failed} failed (not drawn)",
        )
    for column, axis in ((xs[ok], ax.xaxis), (ys[ok], ax.yaxis)):
        if len(column) and np.allclose(column, np.round(column)):
            axis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    better = [("larger" if m else "smaller") + f" {c}" for c, m in zip((x, y), maximize, strict=True)]
    corner = ("upper " if maximize[1] else "lower ") + ("right" if maximize[0] else "left")
    ax.set_title(
        f"Pareto front: better is {better[0]} and {better[1]}\n(towards the {corner}; no run on the front is beaten on both)"
    )
    ax.legend(loc="best")
    source_note(fig, sweep_note(table, plan))
    return fig


def draw_sweep_figures(
    folder: Path,
    names: Iterable[str] | None = None,
    formats: Iterable[str] = ("png", "pdf"),
    indicator: str = "journey_min.mean",
    pareto: tuple[str, str] = ("fleet.used", "journey_min.mean"),
    maximize: tuple[bool, bool] = (False, False),
    out: Path | None = None,
) -> dict[str, list[Path]]:
    """Draw a sweep's figures into ``<folder>/figures`` (or ``out``).

    Parameters
    ----------
    folder
        The sweep folder (``sweep.json`` and its rows).
    names
        Figures to draw (:data:`SWEEP_FIGURES`); all by default.
    formats
        File formats, e.g. ``("png", "pdf")``.
    indicator
        The heatmap's column.
    pareto
        The Pareto plot's two columns (x, y).
    maximize
        Whether larger is better for each of ``pareto``; smaller is better by default.
    out
        Where the files go instead of ``<folder>/figures``.

    Returns
    -------
    dict of str to list of Path
        The files written, by figure name.

    Raises
    ------
    CorridorSimError
        For an unknown figure name or column, or a sweep without finished runs.
    """
    chosen = figure_names(names, SWEEP_FIGURES, "sweep figure")
    store = SweepStore(folder)
    plan = store.load_plan()
    table = store.read([r["run_id"] for r in plan["runs"]])
    if not len(table):
        raise CorridorSimError(f"{folder}: no finished runs yet; run (or resume) the sweep first (corridor-sim sweep)")
    x, y = pareto
    for column in ([indicator] if "sweep_heatmap" in chosen else []) + ([x, y] if "sweep_pareto" in chosen else []):
        numeric_column(table, column)  # unknown columns fail before any figure is drawn
    target = Path(out) if out is not None else Path(folder) / "figures"
    formats = tuple(formats)
    written = {}
    for name in chosen:
        with style():
            fig = draw_heatmap(table, plan, indicator) if name == "sweep_heatmap" else draw_pareto(table, plan, x, y, maximize)
        written[name] = save_figure(fig, target, name, formats)
    return written


def _label_front(
    fig: Figure,
    ax: Axes,
    fx: np.ndarray,
    fy: np.ndarray,
    texts: list[str],
    maximize: Sequence[bool],
) -> int:
    """Name the front's runs beside them, towards the better corner (where no run and no stretch of
    the front lies), widening the axes so the labels fit and leaving out labels that would overlap
    one already placed. Returns how many are placed."""
    if not len(texts):
        return 0
    dx, dy = (6.0 if maximize[0] else -6.0), (6.0 if maximize[1] else -6.0)
    box = ax.get_position()
    width_pt, height_pt = (
        72.0 * fig.get_figwidth() * box.width,
        72.0 * fig.get_figheight() * box.height,
    )
    # label sizes in points (7 pt text: about 4.3 pt a character, 8.5 pt a line, plus the box)
    w = np.array([4.3 * max(len(t) for t in text.split("\n")) + 8.0 for text in texts])
    h = np.array([8.5 * (text.count("\n") + 1) + 6.0 for text in texts])
    x0, x1 = _fit(ax.get_xlim(), fx, np.minimum((w + abs(dx)) / width_pt, 0.6), dx > 0)
    y0, y1 = _fit(ax.get_ylim(), fy, np.minimum((h + abs(dy)) / height_pt, 0.6), dy > 0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    px = (fx - x0) / (x1 - x0) * width_pt + dx
    py = (fy - y0) / (y1 - y0) * height_pt + dy
    left, bottom = np.where(dx > 0, px, px - w), np.where(dy > 0, py, py - h)
    order = [0, len(texts) - 1, *range(1, len(texts) - 1)] if len(texts) > 1 else [0]
    placed: list[int] = []
    for k in dict.fromkeys(order):
        if any(
            left[k] < left[j] + w[j]
            and left[j] < left[k] + w[k]
            and bottom[k] < bottom[j] + h[j]
            and bottom[j] < bottom[k] + h[k]
            for j in placed
        ):
            continue
        placed.append(k)
        ax.annotate(
            texts[k],
            (fx[k], fy[k]),
            xytext=(dx, dy),
            textcoords="offset points",
            fontsize=7,
            ha="left" if dx > 0 else "right",
            va="bottom" if dy > 0 else "top",
            zorder=4,
            bbox={
                "boxstyle": "round,pad=0.2",
                "facecolor": "white",
                "edgecolor": "#bdbdbd",
                "alpha": 0.9,
            },
        )
    return len(placed)


def _fit(limits: tuple[float, float], values: np.ndarray, need: np.ndarray, upward: bool) -> tuple[float, float]:
    """Axis limits widened so each value is at least ``need`` (a share of the axis) from the edge
    its label points to."""
    low, high = limits
    if upward:  # the value must sit at most 1 - need of the way up
        return low, max(high, float(np.max(low + (values - low) / (1.0 - need))))
    return min(low, float(np.min(high - (high - values) / (1.0 - need)))), high


def plan_parameters(plan: dict[str, Any]) -> list[str]:
    """The parameters the plan's runs set, in order of first appearance."""
    return list(dict.fromkeys(p for run in plan.get("runs", []) for p in run.get("params", {})))


def sweep_note(table: pd.DataFrame, plan: dict[str, Any]) -> str:
    """``Sweep <name>: <n> runs of <scenario>, corridor-sim; <k> failed``."""
    scenario = next(iter(table["scenario"].dropna()), None) if "scenario" in table.columns else None
    scenario = scenario or Path(str(plan.get("scenario", "?"))).stem
    n, name = len(plan.get("runs", [])), plan.get("name", "?")
    failed = int((table["status"] != "ok").sum()) if len(table) else 0
    missing = n - len(table)
    return f"Sweep {name}: {n} runs of {scenario}, corridor-sim; {failed} failed" + (
        f", {missing} not run yet" if missing > 0 else ""
    )


def _runs_frame(table: pd.DataFrame, plan: dict[str, Any]) -> pd.DataFrame:
    """One row per planned run: its parameters, status (``not run`` if it has no row) and table row."""
    runs = pd.DataFrame([{"run_id": r["run_id"], **r.get("params", {})} for r in plan.get("runs", [])])
    if runs.empty:
        runs = table[["run_id"]].copy()
    rows = pd.Series(np.arange(len(table)), index=table["run_id"].to_numpy()) if len(table) else pd.Series(dtype=int)
    runs["_row"] = runs["run_id"].map(rows)
    others = [c for c in table.columns if c not in runs.columns]
    extra = table[others].reset_index(drop=True).reindex(runs["_row"].fillna(-1).astype(int)).reset_index(drop=True)
    runs = pd.concat([runs.reset_index(drop=True), extra], axis=1)
    runs["status"] = runs["status"].fillna("not run") if "status" in runs else "not run"
    runs["_row"] = runs["_row"].fillna(-1).astype(int)
    return runs


def _levels(values: pd.Series) -> list[Any]:
    """Distinct values of a parameter: sorted if numbers, else in order of first appearance."""
    distinct = list(dict.fromkeys(values.dropna().tolist()))
    if all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in distinct):
        return sorted(distinct)
    return distinct


def _short(value: Any) -> str:
    """A parameter value in a few characters."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4g}"
    return str(value)


def _format(value: float, largest: float) -> str:
    """A cell's value with as many decimals as the largest value of the figure needs for three figures."""
    decimals = 0 if largest >= 100 else 1 if largest >= 10 else 2 if largest >= 1 else 3
    return f"{value:,.{decimals}f}"


def _grid(
    fig: Figure,
    ax: Axes,
    frame: pd.DataFrame,
    x: str,
    y: str | None,
    xs: list[Any],
    ys: list[Any],
    label: str,
) -> bool:
    """The heatmap cells, annotated. Returns whether some cell holds more than one run."""
    col = frame[x].map({v: i for i, v in enumerate(xs)})
    row = frame[y].map({v: i for i, v in enumerate(ys)}) if y is not None else pd.Series(0, index=frame.index)
    cells = frame.assign(_col=col, _rowpos=row, _failed=~frame["status"].isin(["ok", "not run"])).dropna(
        subset=["_col", "_rowpos"]
    )
    grouped = cells.groupby(["_rowpos", "_col"]).agg(value=("_value", "mean"), runs=("run_id", "size"), failed=("_failed", "sum"))
    values = np.full((len(ys), len(xs)), np.nan)
    r, c = (grouped.index.get_level_values(k).astype(int) for k in (0, 1))
    values[r, c] = grouped["value"].to_numpy(float)
    finite = values[np.isfinite(values)]
    norm = Normalize(
        *(finite.min(), finite.max())
        if len(finite) and finite.min() < finite.max()
        else (
            np.nanmin(finite, initial=0.0) - 0.5,
            np.nanmin(finite, initial=0.0) + 0.5,
        )
    )
    cmap = colormaps[CMAP]
    mesh = ax.pcolormesh(
        np.arange(len(xs) + 1) - 0.5,
        np.arange(len(ys) + 1) - 0.5,
        np.ma.masked_invalid(values),
        cmap=cmap,
        norm=norm,
        edgecolor="white",
        linewidth=1.5,
    )
    fig.colorbar(mesh, ax=ax, label=label, shrink=0.9)
    for (rp, cp), cell in grouped.iterrows():
        value = cell["value"]
        if np.isfinite(value):
            red, green, blue, _ = cmap(norm(value))
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            text = _format(value, float(np.abs(finite).max())) + (f"\n({int(cell['failed'])} failed)" if cell["failed"] else "")
            ax.text(
                cp,
                rp,
                text,
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else "black",
            )
        else:
            failed = cell["failed"] > 0
            ax.add_patch(
                Rectangle(
                    (cp - 0.5, rp - 0.5),
                    1,
                    1,
                    facecolor="white",
                    edgecolor=FAILED["color"] if failed else "#d9d9d9",
                    hatch=FAILED["hatch"] if failed else "",
                    linewidth=0.8,
                )
            )
            ax.text(
                cp,
                rp,
                "failed" if failed else "not run",
                ha="center",
                va="center",
                fontsize=8,
                bbox={
                    "boxstyle": "round,pad=0.2",
                    "facecolor": "white",
                    "edgecolor": "none",
                },
            )
    ax.set_xticks(np.arange(len(xs)), [_short(v) for v in xs])
    ax.set_yticks(np.arange(len(ys)), [_short(v) for v in ys] if y is not None else [""])
    if y is None:
        ax.tick_params(axis="y", length=0)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_ylim(-0.5, len(ys) - 0.5)
    ax.grid(False)
    if (grouped["failed"] > 0).any() and grouped["value"].isna().any():
        ax.legend(
            handles=[
                Patch(
                    facecolor="white",
                    edgecolor=FAILED["color"],
                    hatch=FAILED["hatch"],
                    label="failed run",
                )
            ],
            loc="upper left",
            bbox_to_anchor=(0.0, -0.12),
            fontsize=7,
        )
    return bool((grouped["runs"] > 1).any())


def _scatter(fig: Figure, ax: Axes, frame: pd.DataFrame, x: str, y: str | None, label: str) -> None:
    """One point per run at its parameters, coloured by the indicator; failed runs as crosses."""
    px = _numeric_or_codes(frame[x], ax.xaxis)
    py = _numeric_or_codes(frame[y], ax.yaxis) if y is not None else frame["_value"]
    ok = (frame["status"] == "ok").to_numpy() & np.isfinite(frame["_value"].to_numpy(float))
    failed = ~frame["status"].isin(["ok", "not run"]).to_numpy()
    points = ax.scatter(
        px[ok],
        py[ok],
        c=frame["_value"][ok],
        cmap=CMAP,
        s=42,
        edgecolor="#252525",
        linewidth=0.5,
        zorder=3,
    )
    fig.colorbar(points, ax=ax, label=label, shrink=0.9)
    if failed.any() and y is not None:
        ax.scatter(
            px[failed],
            py[failed],
            marker="x",
            color=FAILED["color"],
            s=40,
            zorder=3,
            label=f"failed ({int(failed.sum())})",
        )
        handle = Line2D(
            [],
            [],
            marker="x",
            linestyle="none",
            color=FAILED["color"],
            label=f"failed run ({int(failed.sum())})",
        )
        ax.legend(handles=[handle], loc="upper left", bbox_to_anchor=(0.0, -0.12), fontsize=7)
    if y is None:
        ax.set_ylabel(label)


def _numeric_or_codes(values: pd.Series, axis: Any) -> pd.Series:
    """Numbers as they are; other values as category codes, named on ``axis``."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == values.notna().sum():
        if np.allclose(numbers.dropna(), np.round(numbers.dropna())):
            axis.set_major_locator(MaxNLocator(integer=True))
        return numbers.astype(float)
    levels = _levels(values.astype(str))
    axis.set_ticks(np.arange(len(levels)), levels)
    return values.astype(str).map({v: i for i, v in enumerate(levels)}).astype(float)
