"""The headline table of a run, as printed in the terminal and in the report.

Rows come from :func:`corridor_sim.results.summary.headline`. Every number taken from
``summary.json`` is printed as it is stored (``str(value)``: the simulator has already rounded
it), so a reader can find each one in the file; only the changes computed here are rounded.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from corridor_sim.results.summary import flatten, headline, value_of

MISSING = "-"


class HeadlineRow(NamedTuple):
    """One indicator: label, unit, and the scenario, baseline and change as printed."""

    label: str
    unit: str
    scenario: str
    baseline: str
    change: str


def headline_rows(summary: dict[str, Any], other: dict[str, Any] | None = None) -> list[HeadlineRow]:
    """The run's headline indicators against its own baseline, or against ``other``'s summary.

    Parameters
    ----------
    summary
        The run's ``summary.json``.
    other
        Another run's summary to compare against (its scenario values); ``None``: the run's own
        baseline and stored changes (today's minibuses, the corridor without the BRT).
    """
    row, theirs = flatten(summary), flatten(other) if other is not None else None
    rows = []
    for indicator in headline(summary):
        value = value_of(row, indicator)
        label = indicator.label
        if indicator.key == "fleet.used" and row.get("fleet.available") is not None:
            types = summary["fleet"].get("by_vehicle", {})
            each = ": " + ", ".join(f"{v['used']} of {v['available']} {k}" for k, v in types.items()) if len(types) > 1 else ""
            label = f"Fleet used (of {row['fleet.available']} available{each})"
        if theirs is None:
            base = value_of(row, indicator, indicator.baseline_key) if indicator.baseline_key else None
            stored = value_of(row, indicator, indicator.change_key) if indicator.change_key else None
        else:
            base, stored = value_of(theirs, indicator), None
        if indicator.band:
            diff = band(stored, signed=True) if stored is not None else change(_estimate(value), _estimate(base))
            rows.append(HeadlineRow(label, indicator.unit, band(value), band(base), diff))
        else:
            rows.append(HeadlineRow(label, indicator.unit, show(value), show(base), change(value, base, stored)))
    return rows


def show(value: Any) -> str:
    """A stored value as stored (``str``); ``-`` where there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)


def band(cell: Any, signed: bool = False) -> str:
    """A Monte Carlo result as ``estimate (p5 to p95)``, each as stored."""
    if not isinstance(cell, dict) or not _number(cell.get("estimate")):
        return MISSING
    text = _signed(cell["estimate"]) if signed else str(cell["estimate"])
    if cell.get("p5") is not None and cell.get("p95") is not None:
        text += f" ({cell['p5']} to {cell['p95']})"
    return text


def change(scenario: Any, baseline: Any, stored: Any = None) -> str:
    """Scenario minus baseline with the relative change, e.g. ``-143.23 (-1.7 %)``.

    ``stored`` (the summary's own change) is printed as stored; otherwise the difference
    is rounded to the decimals of its inputs.
    """
    if not (_number(scenario) and _number(baseline)):
        return MISSING
    if _number(stored):
        text = _signed(stored)
    else:
        places = max(_decimals(scenario), _decimals(baseline))
        diff = round(scenario - baseline, places)
        text = f"{diff:+.{places}f}" if diff else f"{0:.{places}f}"
    if baseline != 0:
        relative = round(100.0 * (scenario - baseline) / abs(baseline), 1)
        text += f" ({relative:+.1f} %)" if relative else " (0.0 %)"
    return text


def _estimate(cell: Any) -> Any:
    return cell.get("estimate") if isinstance(cell, dict) else None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _signed(value: float) -> str:
    return f"+{value}" if value > 0 else str(value)


def _decimals(value: float) -> int:
    text = str(value)
    return 4 if "e" in text.lower() else min(len(text.partition(".")[2]), 4)
