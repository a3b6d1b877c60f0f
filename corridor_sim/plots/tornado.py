"""The appraisal's tornado: the economic NPV with one input at each end of its range.

One bar per risk input of the summary's ``appraisal.tornado`` (largest swing on top), from the
NPV at the input's low multiplier to the NPV at its high one, the base-case NPV as a vertical
line and NPV = 0 as a dashed one; the Sobol' total index (SALib) beside each bar ranks the same
inputs over their joint ranges. See :mod:`corridor_sim.appraisal.risk`.
"""

from __future__ import annotations

from matplotlib.figure import Figure

from corridor_sim._errors import DataFileError
from corridor_sim.plots.style import BASELINE, SCENARIO, new_figure, source_note
from corridor_sim.results.reader import RunFolder


def applies(run: RunFolder) -> bool:
    """Whether the run has an appraisal to draw."""
    return bool(run.summary.get("appraisal"))


def draw(run: RunFolder, baseline: RunFolder | None = None) -> Figure:
    """The tornado of the run's appraisal (``baseline`` is not used)."""
    a = run.summary.get("appraisal")
    if not a:
        raise DataFileError(
            f"{run.path}: its summary has no appraisal (a run with today's minibuses and appraisal.enabled has one)"
        )
    rows = [r for r in a["tornado"] if r["swing_usd"] > 0][::-1]
    fig, ax = new_figure(width_in=8.0, height_in=1.2 + 0.42 * max(len(rows), 1))
    npv_m = a["npv_usd"] / 1e6
    for y, r in enumerate(rows):
        low, high = r["npv_low_usd"] / 1e6, r["npv_high_usd"] / 1e6
        ax.barh(y, low - npv_m, left=npv_m, height=0.6, color=BASELINE["color"], hatch=BASELINE["hatch"], edgecolor="#555555")
        ax.barh(y, high - npv_m, left=npv_m, height=0.6, color=SCENARIO["color"])
        ax.annotate(f"ST {r['sobol_total']:.2f}", (max(low, high, npv_m), y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=7)  # fmt: skip
    ax.set_yticks(range(len(rows)), [f"{r['label']} ({r['low']:.2g}-{r['high']:.2g})" for r in rows])
    ax.axvline(npv_m, color="#252525", linewidth=1.0)
    ax.axvline(0.0, color="#8c8c8c", linewidth=0.8, linestyle="--")
    ax.set_xlabel(f"economic NPV at {a['discount_rate'] * 100:.0f} % (US$ M)")
    ax.margins(x=0.15)
    fig.suptitle(f"{run.summary['title']}\nNPV with one appraisal input at each end of its range", fontsize=11)
    source_note(
        fig,
        f"Appraisal of run {run.label}, corridor-sim. Hatched: the input at its low end; solid: at its high end; "
        f"vertical line: base NPV US$ {npv_m:,.1f} M.",
        "ST: Sobol' total index of the NPV (SALib, Saltelli sampling, the inputs uniform over these ranges).",
    )
    return fig
