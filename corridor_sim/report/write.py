"""Writing a run's report: ``report.pdf`` and its HTML twin ``report.html``."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from corridor_sim._errors import DataFileError
from corridor_sim.report.content import report_content
from corridor_sim.report.html import write_html
from corridor_sim.report.interactive_map import map_section
from corridor_sim.report.pdf import figure_order, write_pdf
from corridor_sim.results.reader import RunFolder

#: The figure the executive summary shows: the BRT against today (travel time, emissions, casualties).
LEAD_FIGURE = "comparison"


def write_report(
    run: RunFolder,
    baseline: RunFolder | None,
    figures: dict[str, Path],
    folder: Path | None = None,
    captions: dict[str, str] | None = None,
) -> dict[str, Path]:
    """Write ``report.pdf`` and ``report.html`` of a run; the HTML also has an interactive map of the corridor.

    Parameters
    ----------
    run
        The run folder reported on.
    baseline
        Another run for the baseline column, or None for the run's own baseline.
    figures
        Figure name to PNG file, in the order to show (the files are embedded, so they may
        be temporary). A wide figure may move up to share a page of the PDF with another
        where the report would otherwise run over 8 pages.
    folder
        Where the two files go; the run folder by default.
    captions
        Figure titles by name, for the captions (default: the names).

    Returns
    -------
    dict of str to Path
        ``{"pdf": ..., "html": ...}``.

    Raises
    ------
    DataFileError
        If a figure file is missing.
    """
    figures = {name: Path(file) for name, file in figures.items()}  # a copy: the lead figure is taken out
    for name, file in figures.items():
        if not file.is_file():
            raise DataFileError(f"{file}: figure {name!r} not found; draw the figures again")
    content = report_content(run, baseline)
    if captions:
        content = replace(content, captions=dict(captions))
    lead = None
    if content.funding is not None and LEAD_FIGURE in figures:  # the executive summary's figure, Figure 1
        lead = (LEAD_FIGURE, figures.pop(LEAD_FIGURE))
    figures = figure_order(content, figures, lead)  # both files number the figures alike
    folder = Path(folder) if folder is not None else run.path
    return {
        "pdf": write_pdf(content, figures, folder / "report.pdf", lead),
        "html": write_html(content, figures, folder / "report.html", lead, corridor_map=map_section(run)),
    }


def make_report(source: Path, baseline: Path | None = None, folder: Path | None = None) -> dict[str, Path]:
    """The whole ``corridor-sim report``: find (or make) the run, draw its figures, write the report.

    Parameters
    ----------
    source
        A run folder, or a scenario file (run now).
    baseline
        A run folder or scenario file for the baseline column; ``None``: the run's own baseline.
    folder
        Where ``report.pdf`` and ``report.html`` go; the run folder by default.

    Returns
    -------
    dict of str to Path
        ``{"pdf": ..., "html": ...}``.
    """
    from corridor_sim.pipeline import run_folder_for
    from corridor_sim.plots.figures import FIGURES, draw_figures

    run = run_folder_for(source)
    other = run_folder_for(baseline) if baseline is not None else None
    with tempfile.TemporaryDirectory() as tmp:  # the report embeds its figures
        figures = draw_figures(run, formats=("png",), baseline=other, folder=Path(tmp))
        return write_report(
            run,
            other,
            {name: paths[0] for name, paths in figures.items()},
            folder or run.path,
            captions={name: spec.title for name, spec in FIGURES.items()},
        )
