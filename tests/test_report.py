"""The proposal report: its PDF text, read back, carries the run's headline numbers and the OSM credit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import PRESETS
from pypdf import PdfReader
from typer.testing import CliRunner

from corridor_sim.cli import app
from corridor_sim.pipeline import RunOutput

runner = CliRunner()


def _headline(summary: dict) -> list[str]:
    """Numbers a reader of the report must find, as summary.json stores them."""
    em, sa = summary["emissions"], summary["safety"]
    numbers = [
        summary["passengers"]["delivered"],
        summary["wait_min"]["mean"],
        summary["in_vehicle_min"]["mean"],
        summary["journey_min"]["mean"],
        summary["stations"]["max_saturation"],
        summary["fleet"]["used"],
        summary["bus_km"],
        em["scenario"]["co2_t"],
        em["baseline"]["co2_t"],
        em["scenario"]["nox_t"],
        sa["scenario"]["deaths_per_year"]["estimate"],
        sa["scenario"]["deaths_per_year"]["p5"],
        sa["scenario"]["deaths_per_year"]["p95"],
        sa["baseline"]["deaths_per_year"]["estimate"],
        sa["scenario"]["serious_injuries_per_year"]["estimate"],
        *(d["critical_segment"]["pphpd"] for d in summary["directions"]),
    ]
    if "mode_choice" in summary:
        numbers += [summary["mode_choice"]["brt_peak_pax_h"], summary["minibus"]["journey_min"]["mean"]]
    return [str(n) for n in numbers]


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def nmt_folder(addis_nmt_run: RunOutput, tmp_path: Path) -> Path:
    """A copy of the session's Addis Ababa walking-and-cycling run, for a report written into the run folder."""
    return Path(shutil.copytree(addis_nmt_run.folder, tmp_path / "run"))


def test_report_pdf_text_has_the_headline_numbers_and_osm_credit(nmt_folder: Path) -> None:
    result = runner.invoke(app, ["report", str(nmt_folder)])
    assert result.exit_code == 0, result.output
    summary = json.loads((nmt_folder / "summary.json").read_text())
    text = _pdf_text(nmt_folder / "report.pdf")
    missing = [n for n in _headline(summary) if n not in text]
    assert not missing, f"headline numbers not in the PDF text: {missing}"
    assert "(c) OpenStreetMap contributors" in text
    assert summary["title"] in " ".join(text.split())
    assert "ODbL" in text
    html = (nmt_folder / "report.html").read_text(encoding="utf-8")
    assert all(n in html for n in _headline(summary)) and "(c) OpenStreetMap contributors" in html
    assert html.count("data:image/png;base64,") >= 6  # the figures travel inside the one file


def test_report_from_a_scenario_file_against_a_baseline_run(addis_nmt_run: RunOutput, tmp_path: Path) -> None:
    nmt_folder = addis_nmt_run.folder  # read only: the report is written to --out
    scenario = tmp_path / "short.toml"
    scenario.write_text(f'extends = "{PRESETS["addis_ababa"].as_posix()}"\n[period]\nend = "08:00"\n', encoding="utf-8")
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(scenario), "--baseline", str(nmt_folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = _pdf_text(out / "report.pdf")
    baseline = json.loads((nmt_folder / "summary.json").read_text())
    assert str(baseline["emissions"]["scenario"]["co2_t"]) in text  # the baseline column is the other run
    assert f"{baseline['scenario']}/{baseline['run_id']}" in text.replace("\n", "")


def test_report_of_a_folder_that_is_not_a_run_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "no summary.json" in result.output
