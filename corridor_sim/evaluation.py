"""Everything a run is judged by: the transit indicators, the emissions and the road safety,
against the baseline, as one summary and a set of tables."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corridor_sim import progress
from corridor_sim.appraisal.risk import import_sensitivity_library
from corridor_sim.appraisal.sdg import public_transport_access
from corridor_sim.appraisal.section import appraise, sdg_section
from corridor_sim.beside import beside
from corridor_sim.city_profile import profile_summary
from corridor_sim.corridor import Corridor
from corridor_sim.demand import Demand, build_demand
from corridor_sim.emissions.inventory import emissions_summary, segment_emissions
from corridor_sim.engine.runner import Run, simulate
from corridor_sim.engine.traffic import traffic_summary
from corridor_sim.forked import forked
from corridor_sim.indicators import result_tables, segment_loads, station_labels, station_stats, summarize
from corridor_sim.mode_choice.equilibrium import calibrate, shift_modes
from corridor_sim.mode_choice.outputs import minibus_summary, mode_choice_summary, mode_choice_tables
from corridor_sim.network.manifest import load_manifest
from corridor_sim.paratransit.baseline import MinibusBaseline, today_minibuses
from corridor_sim.replications import replicate
from corridor_sim.results.writer import write_run_folder
from corridor_sim.safety.model import assess_safety
from corridor_sim.scenario import Scenario
from corridor_sim.time_saved import drive_minutes, minibus_share, time_saved
from corridor_sim.vehicle_travel import alternatives


def evaluate(run: Run, run_id: str, all_tables: bool = True) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The run's summary and tables.

    Parameters
    ----------
    run
        A finished run.
    run_id
        Its id (see :func:`corridor_sim.scenario.run_id`).
    all_tables
        Build every table (``False``: only those the summary needs, as a sweep does).

    Returns
    -------
    summary : dict
        :func:`~corridor_sim.indicators.summarize` plus ``emissions``, ``safety``, ``traffic``
        (:func:`~corridor_sim.engine.traffic.traffic_summary`, whose checks join ``checks``) and
        ``city_profile`` (:func:`~corridor_sim.city_profile.profile_summary`).
    tables : dict of str to pandas.DataFrame
        :func:`~corridor_sim.indicators.result_tables` plus ``segment_emissions`` and
        ``segment_safety`` (per alternative, segment and vehicle class or user group).
    """
    loads = segment_loads(run)
    with beside("impacts") as executor:
        # the vehicle travel (every bus leg replayed) beside the indicator tables, then its emissions beside its
        # safety: they share only the loads, and the replays and the large array sums release the GIL
        travel = executor.submit(alternatives, run, loads)
        tables = result_tables(run, loads) if all_tables else {"segment_loads": loads, "station_stats": station_stats(run)}
        summary = summarize(run, run_id, tables)
        emissions = executor.submit(lambda: _named(run, segment_emissions(travel.result(), run.scenario)))
        safety_table, safety = assess_safety(run, travel.result())
        tables["segment_emissions"], tables["segment_safety"] = emissions.result(), _named(run, safety_table)
    summary["emissions"] = emissions_summary(tables["segment_emissions"], run.scenario)
    summary["safety"] = safety
    summary["traffic"], checks = traffic_summary(run.operations.traffic)
    summary["checks"] = [*summary["checks"], *checks]
    profile = load_manifest(run.scenario.city).profile
    summary["city_profile"] = profile_summary(profile, run.scenario.model_dump(mode="json"))
    return summary, tables


@dataclass(frozen=True)
class Today:
    """Today's minibus service as simulated and evaluated: what the scenario's summary reads of it.

    Attributes
    ----------
    minibus
        The service as built (routes, stops, frequencies).
    summary
        Its run's summary (:func:`evaluate`).
    drive_min
        Today's general traffic's minutes from the corridor's start to each of the scenario's stations
        (:func:`~corridor_sim.time_saved.drive_minutes`).
    files
        Its run folder's files by name, written where it was evaluated (empty: no folder asked for).
    """

    minibus: MinibusBaseline
    summary: dict[str, Any]
    drive_min: np.ndarray
    files: dict[str, Path]


@dataclass(frozen=True)
class Evaluation:
    """A simulated and evaluated scenario: what the run folder is written from.

    Attributes
    ----------
    run
        The scenario's run (with mode choice: the run at the fixed point).
    summary
        Its summary (with mode choice also ``mode_choice`` and ``minibus``).
    tables
        Its tables by name.
    minibus
        Today's minibus service as simulated and evaluated, unless switched off.
    access
        The stations' walking access (SDG 11.2.1, :func:`~corridor_sim.appraisal.sdg.public_transport_access`),
        if already worked out: it needs only the scenario and the corridor, so a plain run works it
        out while its baseline runs.
    """

    run: Run
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    minibus: Today | None = None
    access: dict[str, Any] | None = None


def run_and_evaluate(
    scenario: Scenario, corridor: Corridor, run_id: str, all_tables: bool = True, minibus_folder: Path | None = None
) -> Evaluation:
    """Simulate a scenario (to the mode-choice fixed point if ``mode_choice.enabled``) and evaluate it.

    The one path the pipeline and the sweep worker share. Today's minibus service runs with the
    scenario's riders in the same traffic (the do-nothing baseline, unless
    ``paratransit.simulate`` is off): the summary gains ``minibus`` and ``time_saved``
    (:mod:`corridor_sim.time_saved`) and its run is evaluated too, and its run folder written to
    ``minibus_folder`` if given (:attr:`Evaluation.minibus`). Without mode choice it needs only the
    demand, so it runs beside the BRT's run; with mode choice the minibuses carry today's minibus
    riders, and their run, needed to calibrate the mode choice, is evaluated beside the BRT's
    iterations. Beside is in a process forked from this one where that is safe, else in a thread
    (:func:`corridor_sim.forked.forked`).
    With mode choice the summary gains ``mode_choice`` and the tables those of
    :func:`~corridor_sim.mode_choice.outputs.mode_choice_tables`. With more
    than one replication (or a precision target) the scenario runs again on each replication's
    seed and the summary gains ``replications`` (:func:`corridor_sim.replications.replicate`);
    the tables and every other section are replication 0's, the scenario's own seed. Last, the
    summary gains ``sdg`` and, with a minibus baseline and ``appraisal.enabled``, ``appraisal``
    (:mod:`corridor_sim.appraisal`; its risk reads the replications' spread), and the tables
    ``appraisal_cash_flows``.
    """
    first = _run_once(scenario, corridor, run_id, all_tables, minibus_folder)
    spec = scenario.replications
    if spec.count > 1 or spec.precision is not None:

        def run_one(seed: int) -> dict[str, Any]:
            return _run_once(scenario.model_copy(update={"seed": seed}), corridor, run_id, False, None).summary

        with progress.stage("replications"):
            replicated = replicate(first.summary, run_one, scenario.seed, spec.count, spec.precision, spec.max_count)
        first.summary["replications"] = replicated
    with progress.stage("appraisal"):
        _appraise(first, all_tables)
    return first


def _appraise(evaluation: Evaluation, all_tables: bool) -> None:
    """Add the ``appraisal`` (when it applies) and ``sdg`` sections, and the cash-flow table."""
    summary = evaluation.summary
    appraised = appraise(evaluation.run, summary, evaluation.tables["segment_emissions"])
    if appraised is not None:
        summary["appraisal"], evaluation.tables["appraisal_cash_flows"] = appraised
        scenario = evaluation.run.scenario  # the placeholders it read: now the unit costs and the economy too
        profile = load_manifest(scenario.city).profile
        summary["city_profile"] = profile_summary(profile, scenario.model_dump(mode="json"), appraised=True)
    elif evaluation.run.scenario.appraisal.enabled:
        summary["notes"].append(
            "no appraisal: it needs the time saved against today's minibuses (paratransit.simulate and a minibus feed or route layer)"
        )
    access = evaluation.access
    if access is None and all_tables:
        access = public_transport_access(evaluation.run.scenario, evaluation.run.corridor)
    summary["sdg"] = sdg_section(summary, access)


def _run_once(scenario: Scenario, corridor: Corridor, run_id: str, all_tables: bool, minibus_folder: Path | None) -> Evaluation:
    """One seed's run: the scenario, today's minibuses with its riders (unless ``paratransit.simulate`` is off),
    and with mode choice the fixed point; the summary gains ``minibus`` and ``time_saved``."""
    if not scenario.mode_choice.enabled:
        demand = build_demand(scenario)
        with forked("minibus-baseline") as executor:
            today = (
                executor.submit(_today, scenario, corridor, demand, run_id, all_tables, minibus_folder)
                if _has_minibuses(scenario)
                else None
            )
            with progress.stage("simulation"):
                run = simulate(scenario, corridor, demand)
            with progress.stage("evaluation"):
                evaluation = Evaluation(run, *evaluate(run, run_id, all_tables))
            if today is None:
                if scenario.paratransit.simulate:
                    evaluation.summary["notes"].append(
                        f"no minibus baseline: networks/{scenario.city}.toml has no GTFS feed or route layer of today's minibus "
                        "routes; add a [gtfs.<key>] table (or set paratransit.routes) to time the BRT against them"
                    )
                return evaluation
            with progress.stage("baseline: today's minibuses"):
                # while the thread runs: what needs neither run (the appraisal's one slow import, the walking access)
                if scenario.appraisal.enabled:
                    import_sensitivity_library()
                if all_tables:
                    evaluation = replace(evaluation, access=public_transport_access(scenario, corridor))
                return _with_minibuses(evaluation, today.result())
    # today's minibus run is evaluated (and its folder written) beside the BRT's iterations, which do not need it
    calibration = calibrate(scenario, corridor, import_sensitivity_library if scenario.appraisal.enabled else None)
    with forked("minibus-evaluation") as executor:
        today = executor.submit(
            _evaluated, calibration.minibus, calibration.minibus_run, corridor, run_id, all_tables, minibus_folder
        )
        with progress.stage("simulation with mode shift"):
            shift = shift_modes(scenario, corridor, calibration)
        with progress.stage("evaluation"):
            summary, tables = evaluate(shift.run, run_id, all_tables)
            summary["mode_choice"] = mode_choice_summary(shift)
            if all_tables:
                tables |= mode_choice_tables(shift)
            return _with_minibuses(Evaluation(shift.run, summary, tables), today.result())


def _has_minibuses(scenario: Scenario) -> bool:
    """Whether the scenario simulates today's minibuses and its city has their routes (a GTFS feed or a route layer)."""
    spec = scenario.paratransit
    return spec.simulate and (spec.feed is not None or spec.routes is not None or bool(load_manifest(scenario.city).gtfs))


def _today(scenario: Scenario, corridor: Corridor, demand: Demand, run_id: str, all_tables: bool, folder: Path | None) -> Today:
    """Today's minibus service carrying the BRT's riders who ride minibuses today, simulated and evaluated
    (and its folder written to ``folder``, if given).

    It needs only the scenario's demand, not its run, so :func:`_run_once` runs it beside the BRT's,
    and the two runs draw from their own seeds.
    """
    riders = demand.peak_od_pax_h * minibus_share(scenario)
    minibus, minibus_run = today_minibuses(scenario, corridor, demand, riders)
    return _evaluated(minibus, minibus_run, corridor, run_id, all_tables, folder)


def _evaluated(
    minibus: MinibusBaseline, run: Run, corridor: Corridor, run_id: str, all_tables: bool, folder: Path | None
) -> Today:
    """Today's minibus run evaluated, its folder written to ``folder`` (if given; no map), and what the
    scenario's summary reads of it. In a forked process only this small result is sent back."""
    evaluation = Evaluation(run, *evaluate(run, run_id, all_tables))
    files = {} if folder is None else write_run_folder(evaluation, folder, with_map=False)
    return Today(minibus, evaluation.summary, drive_minutes(run, corridor.station_chainage_m), files)


def _with_minibuses(evaluation: Evaluation, today: Today) -> Evaluation:
    """The evaluation with today's minibus service: its ``minibus`` section and ``time_saved``."""
    summary = evaluation.summary
    summary["minibus"] = minibus_summary(today.minibus, today.summary)
    summary["time_saved"] = time_saved(evaluation.run, summary, today.drive_min, today.summary)
    fleet = today.summary["fleet"]
    if fleet["used"] >= fleet["available"]:
        summary["checks"].append(
            f"today's minibus service used all {fleet['available']} vehicles the engine allows it: its departures ran late, "
            "so its waits and journeys are too long and the time saved is overstated (lower the riders or "
            "paratransit.design_load's frequency need, or read the minibus times as an upper bound)"
        )
    return replace(evaluation, minibus=today)


def _named(run: Run, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its segments' end stations."""
    seg = table["segment"].to_numpy()
    return table.assign(**{"from": station_labels(run, seg), "to": station_labels(run, seg + 1)})
