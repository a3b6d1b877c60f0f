"""One sweep run, as a worker process makes it: a plain function from a scenario to a row.

A worker keeps the alignments it has built (the line and its road attributes, the costly part of
a corridor; a sweep usually varies the design on one line) and its numba kernels, which load from
the on-disk cache once per process, not once per run.
"""

from __future__ import annotations

import signal
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from corridor_sim.replications import sweep_indicators
from corridor_sim.scenario import Scenario, run_id

if TYPE_CHECKING:
    from corridor_sim.alignment import Alignment
    from corridor_sim.corridor import Corridor

_alignments: dict[str, Alignment] = {}


def ignore_interrupts() -> None:
    """Worker initializer: leave Ctrl-C to the parent, which lets running runs finish."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _corridor(scenario: Scenario) -> Corridor:
    """The scenario's corridor: its alignment built once per worker for each distinct line, its design applied."""
    from corridor_sim.alignment import build_alignment
    from corridor_sim.corridor import corridor_from_alignment

    spec = scenario.corridor
    line = spec.model_dump_json(include={"alignment", "road_layers", "assume"})
    stations = [(s.name, s.lat, s.lon, s.distance_m) for s in spec.stations]
    key = f"{scenario.path}|{scenario.city}|{line}|{stations}"
    if key not in _alignments:
        _alignments[key] = build_alignment(scenario)
    return corridor_from_alignment(scenario, _alignments[key])


def run_record(scenario: Scenario, params: dict[str, Any], keep_folder: Path | None = None) -> dict[str, Any]:
    """Run one scenario and return its sweep row; a failure is returned as a row, not raised.

    Parameters
    ----------
    scenario
        The run's validated scenario.
    params
        The values the sweep set (dotted path to value); they lead the row.
    keep_folder
        If given, the run's full folder (tables, ``summary.json``) is written to
        ``keep_folder/<run id>``.

    Returns
    -------
    dict
        ``run_id``, ``status`` (``"ok"`` or ``"failed"``), ``error`` (the exception's type and
        message, and ``traceback``, for a failed run), the parameters, then every summary
        indicator (see :func:`corridor_sim.results.summary.flatten`).
    """
    # The engine is imported here, in the worker, so the process that plans and records stays light.
    from corridor_sim.evaluation import run_and_evaluate
    from corridor_sim.results.writer import write_run_folder

    rid = run_id(scenario)
    try:
        corridor = _corridor(scenario)
        folder = None if keep_folder is None else Path(keep_folder) / rid
        evaluation = run_and_evaluate(scenario, corridor, rid, folder is not None, None if folder is None else folder / "minibus")
        if folder is not None:
            write_run_folder(evaluation, folder)
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded and the sweep goes on
        return failed_row(rid, params, exc, traceback.format_exc())
    indicators = {k: v for k, v in sweep_indicators(evaluation.summary).items() if k not in params}
    return {"run_id": rid, "status": "ok", "error": None, **params, **indicators}


def failed_row(rid: str, params: dict[str, Any], exc: BaseException, trace: str = "") -> dict[str, Any]:
    """The row of a run that failed: its id, parameters and error."""
    return {"run_id": rid, "status": "failed", "error": f"{type(exc).__name__}: {exc}", "traceback": trace, **params}
