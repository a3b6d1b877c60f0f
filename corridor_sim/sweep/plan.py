"""Sweep plans: which runs a sweep makes, from a grid of values and samples over ranges.

A sweep varies a base scenario by dotted paths into it (``fleet``,
``services.all_stop.peak_headway_min``, ``corridor.stations.3.berths``):

- *grid* axes take listed values (``2,3,4``) or a stepped range, both ends included
  (``40:80:10`` is 40, 50, 60, 70, 80); the runs are every combination of them;
- *range* axes (``low:high``) are sampled: ``sample`` points by Latin hypercube (each axis cut
  into ``sample`` equal strata, one point in each) or plain random draws, crossed with the grid.
  A range written with whole numbers (``40:80``) draws whole numbers, both ends possible; one
  written with decimals (``0.0:0.6``) draws decimals, rounded to 4 places. With ``sample`` and no range axis, ``sample`` combinations of the grid are drawn
  without replacement (all of them if the grid is smaller);
- *set* values apply to every run (``period.start = "07:00"``).

Every run is validated before any runs: a bad path or value raises a :class:`ScenarioError`
that names the run's parameters, the field and what is allowed. A run's id is
:func:`corridor_sim.scenario.run_id` of its scenario (its seed and a hash of every field), so the
same parameters give the same id in every sweep and on every machine; runs that end up as the same
scenario are made once.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from corridor_sim._errors import ScenarioError
from corridor_sim.engine.size import check_run_size
from corridor_sim.scenario import Scenario, apply_overrides, parse_scenario, read_scenario_data, read_value, run_id

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_NAME = r"^[a-z0-9][a-z0-9_\-]*$"


class SweepSpec(BaseModel):
    """What a sweep varies; the ``[sweep]`` table of a sweep file.

    ``grid`` maps a dotted path to a list of values or a ``"low:high:step"`` string; ``range``
    maps a path to ``[low, high]``; ``set`` maps a path to one value. ``scenario`` is relative
    to the sweep file.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, pattern=_NAME, description="results/<name>/; default from the scenario and the spec")
    scenario: Path
    grid: dict[str, list[Any] | str] = Field(default_factory=dict)
    range: dict[str, tuple[int | float, int | float]] = Field(default_factory=dict)
    set: dict[str, Any] = Field(default_factory=dict)
    sample: int | None = Field(default=None, ge=1, le=100_000, description="points drawn over the ranges (or from the grid)")
    method: Literal["lhs", "random"] = "lhs"
    seed: int = Field(default=0, ge=0, description="seed of the sampling (each run keeps its scenario's seed)")


@dataclass(frozen=True)
class PlannedRun:
    """One run of a sweep: its id, the values the sweep set, and the validated scenario."""

    run_id: str
    params: dict[str, Any]
    scenario: Scenario


@dataclass(frozen=True)
class SweepPlan:
    """A sweep's spec and its runs, in plan order."""

    name: str
    spec: SweepSpec
    runs: list[PlannedRun]

    def describe(self) -> dict[str, Any]:
        """The plan as JSON-ready data (written to ``sweep.json``)."""
        return {
            "name": self.name,
            "scenario": str(self.spec.scenario),
            "spec": self.spec.model_dump(mode="json", exclude={"scenario", "name"}),
            "runs": [{"run_id": r.run_id, "params": r.params} for r in self.runs],
        }


def grid_values(path: str, text: str) -> list[Any]:
    """Values of a grid axis from ``"2,3,4"`` or ``"40:80:10"`` (both ends included).

    Values read as TOML (``3``, ``2.5``, ``true``, ``"07:00"``), else as text; ``07:00`` is a
    value, not a range (a range has three numbers).

    Raises
    ------
    ScenarioError
        If a stepped range is empty or its step is not positive.
    """
    parts = text.split(":")
    if len(parts) == 3 and all(_NUMBER.match(p.strip()) for p in parts):
        low, high, step = (_number(p) for p in parts)
        if step <= 0 or high < low:
            raise ScenarioError(f"grid {path}={text}: give low:high:step with low <= high and step > 0")
        count = math.floor((high - low) / step + 1e-9) + 1
        values = [low + k * step for k in range(count)]
        return values if all(isinstance(v, int) for v in (low, high, step)) else [round(v, 10) for v in values]
    return [read_value(p) for p in text.split(",")]


def _number(text: str) -> int | float:
    return int(text) if re.fullmatch(r"[+-]?\d+", text.strip()) else float(text)


def range_bounds(path: str, text: str) -> tuple[int, int] | tuple[float, float]:
    """The ends of a range axis from ``"low:high"``.

    Raises
    ------
    ScenarioError
        If the text is not two numbers.
    """
    parts = text.split(":")
    if len(parts) != 2 or not all(_NUMBER.match(p.strip()) for p in parts):
        raise ScenarioError(f"range {path}={text}: give low:high, e.g. 0.0:0.6 (decimals) or 40:80 (whole numbers)")
    low, high = (_number(p) for p in parts)
    return (low, high) if isinstance(low, int) and isinstance(high, int) else (float(low), float(high))


def parse_option(option: str, kind: str) -> tuple[str, str]:
    """Split a ``PATH=VALUES`` command-line option; ``kind`` names the option in errors."""
    path, sep, values = option.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise ScenarioError(f"--{kind} {option!r}: give PATH=VALUES, e.g. services.all_stop.peak_headway_min=2,3,4")
    return path.strip(), values.strip()


def sweep_spec(fields: dict[str, Any], source: str | Path = "<sweep>") -> SweepSpec:
    """Validate a sweep's fields.

    Raises
    ------
    ScenarioError
        Naming each invalid field, its value and what is allowed.
    """
    try:
        return SweepSpec.model_validate(fields)
    except ValidationError as exc:
        lines = "\n".join(
            f"  sweep.{'.'.join(map(str, e['loc']))} = {e.get('input')!r}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise ScenarioError(f"{source}: invalid sweep\n{lines}") from None


def load_sweep_file(path: str | Path) -> SweepSpec:
    """Read a sweep file's ``[sweep]`` table (its ``scenario`` is taken relative to the file).

    Raises
    ------
    ScenarioError
        If the file is missing, is not TOML, has no ``[sweep]`` table, or a field is invalid.
    """
    path = Path(path)
    data = read_scenario_data(path)
    if "sweep" not in data:
        raise ScenarioError(f"{path}: no [sweep] table; a sweep file names its scenario and what it varies under [sweep]")
    table = dict(data["sweep"])
    if "scenario" in table:
        table["scenario"] = (path.parent / str(table["scenario"])).resolve()
    return sweep_spec(table, path)


def is_sweep_file(path: str | Path) -> bool:
    """Whether ``path`` is a sweep file (it has a ``[sweep]`` table) rather than a scenario.

    Raises
    ------
    ScenarioError
        If the file cannot be read as TOML.
    """
    return "sweep" in read_scenario_data(path)


def command_line_spec(
    file: str | Path,
    grid: list[str] | None = None,
    ranges: list[str] | None = None,
    fixed: dict[str, Any] | None = None,
    **options: Any,
) -> SweepSpec:
    """The spec of ``corridor-sim sweep FILE [options]``: a sweep file's spec (or a scenario with no
    axes) with the command line's ``--grid PATH=VALUES``, ``--range PATH=LOW:HIGH`` and ``--set``
    values added, and its other options (``sample``, ``method``, ``seed``, ``name``; ``None``:
    the file's) replacing the file's.

    Raises
    ------
    ScenarioError
        If the file, an option or the merged spec is invalid.
    """
    file = Path(file)
    spec = load_sweep_file(file) if is_sweep_file(file) else sweep_spec({"scenario": file.resolve()})
    grids = {p: grid_values(p, v) for p, v in (parse_option(o, "grid") for o in grid or [])}
    bounds = {p: range_bounds(p, v) for p, v in (parse_option(o, "range") for o in ranges or [])}
    update = {
        "grid": {**spec.grid, **grids},
        "range": {**spec.range, **bounds},
        "set": {**spec.set, **(fixed or {})},
        **{k: v for k, v in options.items() if v is not None},
    }
    return sweep_spec({**spec.model_dump(), **update}, "the command line")


def latin_hypercube(points: int, dims: int, rng: np.random.Generator) -> np.ndarray:
    """``points`` x ``dims`` draws in [0, 1): in each column one draw in each of ``points`` strata."""
    strata = np.argsort(rng.random((dims, points)), axis=1).T
    return (strata + rng.random((points, dims))) / points


def _points(spec: SweepSpec) -> list[dict[str, Any]]:
    grid_axes = {p: v if isinstance(v, list) else grid_values(p, v) for p, v in spec.grid.items()}
    for path, values in grid_axes.items():
        if not values:
            raise ScenarioError(f"grid {path}: no values")
    both = sorted(set(grid_axes) & set(spec.range))
    if both:
        raise ScenarioError(f"{', '.join(both)}: give each path as a grid or as a range, not both")
    grid = [dict(zip(grid_axes, combo, strict=True)) for combo in itertools.product(*grid_axes.values())]
    rng = np.random.default_rng(spec.seed)
    if spec.range and not spec.sample:
        raise ScenarioError(f"range {', '.join(spec.range)}: give sample = N (--sample N) to draw points over the ranges")
    if not spec.sample:
        return grid
    if not spec.range:
        if spec.sample >= len(grid):
            return grid
        return [grid[k] for k in np.sort(rng.choice(len(grid), size=spec.sample, replace=False))]
    for path, (low, high) in spec.range.items():
        if not low < high:
            raise ScenarioError(f"range {path} = {low}:{high}: give low < high")
    unit = (
        latin_hypercube(spec.sample, len(spec.range), rng) if spec.method == "lhs" else rng.random((spec.sample, len(spec.range)))
    )
    samples = []
    for row in unit:
        point = {}
        for u, (path, (low, high)) in zip(row, spec.range.items(), strict=True):
            whole = isinstance(low, int) and isinstance(high, int)
            point[path] = math.floor(low + u * (high - low + 1)) if whole else round(low + u * (high - low), 4)
        samples.append(point)
    return [{**g, **s} for g in grid for s in samples]


def _default_name(base: Scenario, spec: SweepSpec) -> str:
    text = json.dumps(spec.model_dump(mode="json", exclude={"name", "scenario"}), sort_keys=True)
    return f"{base.name}-sweep-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def plan_sweep(spec: SweepSpec, force: bool = False) -> SweepPlan:
    """Every run of a sweep, validated, in plan order (grid order, then sample order).

    Parameters
    ----------
    spec
        What the sweep varies and its base scenario.
    force
        Plan runs whose estimated size is over the limits (:mod:`corridor_sim.engine.size`).

    Returns
    -------
    SweepPlan
        The runs, one per distinct scenario.

    Raises
    ------
    ScenarioError
        If the base scenario, a path or a value is invalid; the message names the run's
        parameters and the field.
    """
    base_data = read_scenario_data(spec.scenario)
    try:
        fixed = apply_overrides(base_data, spec.set)
    except ScenarioError as exc:
        raise ScenarioError(f"sweep set: {exc}") from None
    base = parse_scenario(fixed, spec.scenario)
    runs: dict[str, PlannedRun] = {}
    for point in _points(spec):
        label = ", ".join(f"{k}={v!r}" for k, v in point.items()) or "the base scenario"
        try:
            scenario = parse_scenario(apply_overrides(fixed, point), spec.scenario)
            check_run_size(scenario, force)
        except ScenarioError as exc:
            raise ScenarioError(f"sweep run with {label}: {exc}") from None
        rid = run_id(scenario)
        runs.setdefault(rid, PlannedRun(run_id=rid, params=point, scenario=scenario))
    return SweepPlan(name=spec.name or _default_name(base, spec), spec=spec, runs=list(runs.values()))
