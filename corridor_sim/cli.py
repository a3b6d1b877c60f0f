"""The ``corridor-sim`` command line: parse, call, print."""

from __future__ import annotations

import atexit
import gc
import threading
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from corridor_sim import settings
from corridor_sim._errors import CorridorSimError
from corridor_sim.scenario import load_scenario, read_value


class _RunByDefault(TyperGroup):
    """A command group whose ``run`` subcommand may be left out: ``sweep FILE`` is ``sweep run FILE``."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in {"--help", "-h"}:
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(help="Bus rapid transit and walking/cycling corridor simulator.", no_args_is_help=True)
network_app = typer.Typer(help="Street networks and data sources.", no_args_is_help=True)
corridor_app = typer.Typer(help="Corridors built from scenarios.", no_args_is_help=True)
city_app = typer.Typer(help="City files: data sources and the profile of city defaults.", no_args_is_help=True)
sweep_app = typer.Typer(
    cls=_RunByDefault,
    no_args_is_help=True,
    help="Batch sweeps: corridor-sim sweep FILE (the same as sweep run FILE), or sweep report DIR.",
)
app.add_typer(network_app, name="network")
app.add_typer(corridor_app, name="corridor")
app.add_typer(city_app, name="city")
app.add_typer(sweep_app, name="sweep")
# Markup off: every message holds user or data text (a station named "[/b]" is a name, not markup);
# styles are given as Text styles.
console = Console(markup=False, highlight=False)
errors = Console(stderr=True, markup=False, highlight=False)
# At exit, CPython's cyclic collector walks every object still alive, several times (half a second
# after a run); frozen first, they are freed by their reference counts alone.
atexit.register(gc.freeze)


def _warn(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    """Warnings (a read-only cache, a rebuilt kernel cache) as one plain line, not Python's two."""
    errors.print(Text(f"warning: {message}", style="yellow"), soft_wrap=True)


@app.callback()
def _main() -> None:
    """Bus rapid transit and walking/cycling corridor simulator."""
    warnings.showwarning = _warn


def _freeze_imported() -> None:
    """Import the engine and freeze what is alive (:func:`gc.freeze`): its modules' ~250,000 objects
    live to the end, and the collector's full passes during a run no longer walk them."""
    import corridor_sim.pipeline  # noqa: F401

    gc.freeze()


#: Exit codes: 0 done; 1 ``validate`` found invalid files; 2 an error (message on stderr); 3 a sweep
#: finished with failed runs (recorded in its table); 130 interrupted (Ctrl-C), finished runs kept.
EXIT_RUNS_FAILED = 3


def _fail(exc: CorridorSimError) -> None:
    errors.print(Text.assemble(("error: ", "bold red"), str(exc)), soft_wrap=True)
    raise typer.Exit(code=2)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario or sweep TOML files.")]) -> None:
    """Check scenario and sweep files without running them (a sweep: its plan and every run's scenario)."""
    from corridor_sim.sweep.plan import is_sweep_file, load_sweep_file, plan_sweep

    bad = 0
    for file in files:
        try:
            if is_sweep_file(file):
                plan = plan_sweep(load_sweep_file(file))
                what = f"sweep {plan.name}: {len(plan.runs)} runs of {plan.spec.scenario.name}, every one valid"
            else:
                scenario = load_scenario(file)
                what = f"{scenario.name} ({scenario.city}, {len(scenario.corridor.stations)} stations)"
        except CorridorSimError as exc:
            errors.print(Text(f"invalid {exc}", style="red"), soft_wrap=True)
            bad += 1
            continue
        console.print(Text(f"ok {file}: {what}", style="green"), soft_wrap=True)
    if bad:
        raise typer.Exit(code=1)


def _overrides(pairs: list[str] | None) -> dict[str, object]:
    """``KEY=VALUE`` pairs as a dict; values are read as TOML (``3``, ``true``, ``"07:00"``), else as text."""
    out: dict[str, object] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r}: give KEY=VALUE, e.g. services.all_stop.peak_headway_min=3")
        out[key.strip()] = read_value(raw)
    return out


@app.command()
def run(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    seed: Annotated[int | None, typer.Option(help="Random seed (overrides the scenario's).")] = None,
    out: Annotated[Path | None, typer.Option(help="Run folder [results/<scenario>/<run-id>].")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a scenario value: KEY=VALUE with a dotted KEY (repeatable).")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the summary as JSON instead of tables.")] = False,
    plots: Annotated[
        bool, typer.Option("--plots/--no-plots", help="Save the standard figures (PNG and PDF) in <run folder>/figures.")
    ] = True,
    force: Annotated[bool, typer.Option("--force", help="Run even if the run's estimated size is over the limits.")] = False,
    replications: Annotated[
        int | None, typer.Option(min=1, help="Runs on independent draws, for 95 % intervals [replications.count].")
    ] = None,
    precision: Annotated[
        float | None, typer.Option(help="Add replications until every headline half-width is this share of its mean.")
    ] = None,
    baseline: Annotated[
        bool, typer.Option("--baseline/--no-baseline", help="Simulate today's minibuses too [paratransit.simulate].")
    ] = True,
) -> None:
    """Simulate a scenario end to end; write summary.json, the Parquet tables and the figures to the run folder."""
    import json

    from corridor_sim import api

    overrides = _overrides(set_)
    if seed is not None:
        overrides["seed"] = seed
    if replications is not None:
        overrides["replications.count"] = replications
    if precision is not None:
        overrides["replications.precision"] = precision
    if not baseline:
        overrides["paratransit.simulate"] = False
    from corridor_sim import progress

    _freeze_imported()

    try:
        with progress.listening(None if json_ or not console.is_terminal else _StageDisplay()):
            result = api.run(api.load(scenario_file, overrides), out, force=force)
            if plots:
                from corridor_sim.plots.figures import draw_figures

                with progress.stage("figures"):
                    draw_figures(result.folder)
    except CorridorSimError as exc:
        _fail(exc)
    if json_:
        print(json.dumps(result.summary, indent=2, ensure_ascii=False))
        return
    _print_summary(result.summary)
    console.print(f"written: {result.path}", highlight=False, soft_wrap=True)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="Run folder or scenario file (A, e.g. the baseline design).")],
    b: Annotated[Path, typer.Argument(help="Run folder or scenario file (B).")],
    out: Annotated[Path | None, typer.Option(help="Table to write [results/compare/<A>-vs-<B>.parquet].")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Print every indicator, not only the headline ones.")] = False,
) -> None:
    """Compare two runs (or scenarios, run first): times, waits, emissions and safety side by side, and B - A."""
    from corridor_sim.results.compare import comparison_table, read_summary
    from corridor_sim.results.files import write_table

    try:
        (label_a, summary_a), (label_b, summary_b) = read_summary(a), read_summary(b)
    except CorridorSimError as exc:
        _fail(exc)
    table = comparison_table(summary_a, summary_b)
    name = f"{summary_a['scenario']}-{summary_a['run_id']}-vs-{summary_b['scenario']}-{summary_b['run_id']}"
    path = out or settings.current().results_folder / "compare" / f"{name}.parquet"
    write_table(table, path)
    shown = table if all_ else table[table["headline"]]
    view = Table(title=f"A: {label_a}   B: {label_b}")
    view.add_column("indicator", overflow="fold")
    replicated = shown["significant"].notna().any()
    for column in ("A", "B", "B - A", "change", *(("+- 95 %", "differs") if replicated else ())):
        view.add_column(column, justify="right")
    for row in shown.itertuples():
        cells = [
            row.indicator,
            _fmt(row.a),
            _fmt(row.b),
            _fmt(row.difference),
            "" if row.change != row.change else f"{row.change:+.1%}",
        ]
        if replicated:
            cells += [_fmt(row.half_width), "" if row.significant is None else ("yes" if row.significant else "no")]
        view.add_row(*cells)
    console.print(view)
    console.print(f"written: {path}", highlight=False, soft_wrap=True)


@app.command()
def plot(
    folder: Annotated[Path, typer.Argument(help="A run folder (results/<scenario>/<run id>) or a sweep folder.")],
    figure: Annotated[list[str] | None, typer.Option(help="Draw only this figure (repeatable) [all].")] = None,
    format_: Annotated[list[str] | None, typer.Option("--format", help="png, pdf or svg (repeatable) [png and pdf].")] = None,
    baseline: Annotated[Path | None, typer.Option(help="Another run folder to compare against (comparison figure).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the figures [<folder>/figures].")] = None,
    indicator: Annotated[str, typer.Option(help="Sweeps: the indicator of the heatmap.")] = "journey_min.mean",
    pareto: Annotated[str, typer.Option(help="Sweeps: two columns X,Y for the Pareto plot.")] = "fleet.used,journey_min.mean",
    maximize: Annotated[list[str] | None, typer.Option(help="Sweeps: a column where larger is better (repeatable).")] = None,
) -> None:
    """Draw a run's figures (map, time-space, headways, load profile, stations, comparison), or a sweep's."""
    formats = _formats(format_)
    try:
        if (folder / "sweep.json").is_file():
            from corridor_sim.plots.sweep_figures import draw_sweep_figures

            x, y = _pair(pareto, "--pareto")
            larger = set(maximize or [])
            written = draw_sweep_figures(
                folder, figure, formats, indicator=indicator, pareto=(x, y), maximize=(x in larger, y in larger), out=out
            )
        else:
            from corridor_sim.plots.figures import draw_figures
            from corridor_sim.results.reader import RunFolder

            other = RunFolder(baseline) if baseline is not None else None
            written = draw_figures(RunFolder(folder), figure, formats, baseline=other, folder=out)
    except CorridorSimError as exc:
        _fail(exc)
    table = Table(title=f"figures of {folder}")
    table.add_column("figure")
    table.add_column("files", overflow="fold")
    for name, paths in written.items():
        table.add_row(name, ", ".join(str(p) for p in paths))
    console.print(table)


@app.command()
def report(
    source: Annotated[Path, typer.Argument(help="A run folder, or a scenario file (run first).")],
    baseline: Annotated[
        Path | None, typer.Option(help="Run folder or scenario file to compare against [the run's own baseline].")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for report.pdf and report.html [the run folder].")] = None,
) -> None:
    """A short PDF and HTML report for a funding proposal: corridor, design, headline indicators, figures, sources."""
    from corridor_sim.report.write import make_report

    try:
        files = make_report(source, baseline, out)
    except CorridorSimError as exc:
        _fail(exc)
    console.print("written: " + ", ".join(str(p) for p in files.values()), highlight=False, soft_wrap=True)


def _formats(given: list[str] | None) -> tuple[str, ...]:
    allowed = ("png", "pdf", "svg")
    formats = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in given or ["png", "pdf"]))
    bad = [f for f in formats if f not in allowed]
    if bad:
        raise typer.BadParameter(f"--format {bad[0]!r}: allowed are {', '.join(allowed)}")
    return formats


def _pair(value: str, option: str) -> tuple[str, str]:
    x, sep, y = value.partition(",")
    if not sep or not x.strip() or not y.strip():
        raise typer.BadParameter(f"{option} {value!r}: give two columns X,Y, e.g. fleet.used,journey_min.mean")
    return x.strip(), y.strip()


def _fmt(value: float) -> str:
    return "-" if value != value else f"{value:,.4g}"


class _StageDisplay:
    """Stages as they run (a spinner, the current step, a bar when its length is known), each
    outermost one printed with its time when it ends (a :class:`corridor_sim.progress.Listener`).

    The display is redrawn by a thread of its own that lives only while a stage runs, and is
    joined when the outermost one ends: between stages this process has one thread again, so
    today's minibuses can run in a forked process (:mod:`corridor_sim.forked`)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                            console=console, transient=True, auto_refresh=False)  # fmt: skip
        self.open: list[tuple[str, int, float]] = []
        self._stop = threading.Event()
        self._redraw: threading.Thread | None = None

    def _redraw_until_stopped(self) -> None:
        while not self._stop.wait(0.1):
            self.bar.refresh()

    def begin(self, name: str) -> None:
        import time

        if not self.open:
            self.bar.start()
            self._stop.clear()
            self._redraw = threading.Thread(target=self._redraw_until_stopped, name="stage-display", daemon=True)
            self._redraw.start()
        self.open.append((name, self.bar.add_task(name, total=None), time.perf_counter()))
        self.bar.refresh()

    def step(self, detail: str, done: int | None = None, total: int | None = None) -> None:
        if self.open:
            name, task, _ = self.open[-1]
            self.bar.update(task, description=f"{name}: {detail}", completed=done or 0, total=total)

    def end(self, name: str) -> None:
        import time

        name, task, start = self.open.pop()
        self.bar.remove_task(task)
        if not self.open:  # a stage inside another shows in the bar only
            self._stop.set()
            if self._redraw is not None:
                self._redraw.join()
            self.bar.console.print(Text(f"{name}: {time.perf_counter() - start:.1f} s", style="dim"))
            self.bar.stop()
        else:
            self.bar.refresh()


def _print_summary(summary: dict) -> None:
    from corridor_sim.results.headline import headline_rows

    pax, st = summary["passengers"], summary["stations"]
    console.print(
        f"{summary['title']} ({summary['city']}), run {summary['run_id']}, "
        f"{summary['period']['start']}-{summary['period']['end']}"
    )
    table = Table(title="headline indicators (baseline: the corridor without the BRT; travel times: today's minibuses)")
    for column in ("indicator", "unit", "scenario", "baseline", "change"):
        table.add_column(column, justify="left" if column in {"indicator", "unit"} else "right", overflow="fold")
    for row in headline_rows(summary):
        table.add_row(*row)
    table.caption = (
        f"passengers generated {pax['generated']} = delivered {pax['delivered']} + waiting {pax['waiting']} "
        f"+ on board {pax['on_board']}; bus queueing at {st['stop_events_queued_share']:.1%} of stops, "
        f"mean / max {st['bus_queue_mean_s']} / {st['bus_queue_max_s']} s"
    )
    console.print(table)
    if replicated := summary.get("replications"):
        console.print(_replications_table(replicated))
    console.print(_traffic_table(summary))
    if "mode_choice" in summary:
        console.print(_mode_choice_table(summary))
    if summary.get("appraisal"):
        console.print(_appraisal_table(summary))
    for note in summary.get("notes", []):
        console.print(Text(f"note: {note}", style="yellow"))
    for note in summary.get("city_profile", {}).get("placeholders", []):
        console.print(Text(f"placeholder: {note}", style="yellow"))
    for check in summary["checks"]:
        console.print(
            Text(
                f"check: {check}",
                style="bold red"
                if any(word in check for word in ("capacity", "GRIDLOCK", "spills back", "vehicles the engine allows"))
                else "yellow",
            )
        )


def _appraisal_table(summary: dict) -> Table:
    """The funding case: the executive summary's six numbers and the risk, as the report prints them."""
    from corridor_sim.report.funding import funding_case

    case = funding_case(summary, None)
    a = summary["appraisal"]
    table = Table(title=f"appraisal ({a['funder'].replace('_', ' ')}, {a['years']['operation']} years of operation; US$)")
    table.add_column("indicator", overflow="fold")
    table.add_column("value", overflow="fold")
    for label, value in (*case.key_numbers, *case.risk[1:3]):
        table.add_row(label, value)
    table.caption = "; ".join(case.notes)
    return table


def _replications_table(replicated: dict) -> Table:
    """Each headline indicator's mean over the replications with its 95 % interval."""
    met = replicated["precision_met"]
    target = "" if met is None else f"; precision {replicated['precision']:g} {'met' if met else 'NOT met'}"
    table = Table(title=f"over {replicated['count']} replications (seeds {replicated['seeds'][0]}, ...){target}")
    for column in ("indicator", "mean", "95 % interval", "half-width / mean"):
        table.add_column(column, justify="left" if column == "indicator" else "right", overflow="fold")
    for key, cell in replicated["indicators"].items():
        relative = abs(cell["half_width"] / cell["mean"]) if cell["mean"] and cell["half_width"] is not None else None
        interval = "-" if cell["half_width"] is None else f"{cell['low']:.4g} to {cell['high']:.4g}"
        table.add_row(key, f"{cell['mean']:.4g}", interval, "-" if relative is None else f"{relative:.1%}")
    return table


def _traffic_table(summary: dict) -> Table:
    """General traffic per direction: conservation, the longest queue, what is still queued, what ran over capacity."""
    table = Table(title=f"general traffic ({summary['traffic']['model']})")
    columns = (
        "direction",
        "entered / left (veh)",
        "queued at the end (veh)",
        "longest queue",
        "over capacity",
        "kerb lane closed by buses (h)",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("direction", "over capacity") else "right", overflow="fold")
    for d in summary["traffic"]["directions"]:
        longest = (
            f"{d['longest_queue_m']:.0f} m, {d['longest_queue_veh']:.0f} veh at {d['longest_queue_at']} (to {d['longest_queue_ends_at']})"
            if d["longest_queue_m"] > 0
            else "none"
        )
        over = "; ".join(f"{o['where']} {o['from']}-{o['to']}" for o in d["over_capacity"]) or "none"
        queued = f"{d['on_road_at_end_veh']:.0f} on the road, {d['waiting_to_enter_at_end_veh']:.0f} waiting to enter"
        closed = f"{d['bus_stop_closure_h']:.1f}" if d["bus_stop_closure_h"] else "-"
        table.add_row(d["direction"], f"{d['entered_veh']:.0f} / {d['left_veh']:.0f}", queued, longest, over, closed)
    return table


def _mode_choice_table(summary: dict) -> Table:
    """Mode shares today and with the BRT, the minibus baseline's times, and the fixed point's iterations."""
    mc, mb = summary["mode_choice"], summary["minibus"]
    state = "converged" if mc["converged"] else "NOT converged"
    table = Table(
        title=f"mode shift: {mc['peak_trips_pax_h']:.0f} trips in the peak hour; {state} in {mc['iterations']} iterations (gap {mc['gap']:.2%})"
    )
    for column in ("mode", "today", "with the BRT"):
        table.add_column(column, justify="left" if column == "mode" else "right")
    for mode, share in mc["shares_today"].items():
        table.add_row(mode, f"{share:.1%}", f"{mc['shares_scenario'][mode]:.1%}")
    table.caption = (
        f"minibus today: {mb['routes']} GTFS routes, {mb['stops']} stops, wait {mb['wait_min']['mean']} min, "
        f"in vehicle {mb['in_vehicle_min']['mean']} min" + "".join(f"; {note}" for note in mb["notes"])
    )
    return table


@network_app.command("info")
def network_info(city: Annotated[str, typer.Argument(help="A city with a file in the networks folder, e.g. nairobi.")]) -> None:
    """Say which sources a city has, what is cached and where it came from."""
    from corridor_sim.network.status import source_status

    try:
        rows = source_status(city)
    except CorridorSimError as exc:
        _fail(exc)
    table = Table(title=f"{city}: sources (cache: {settings.current().cache_folder})")
    for column in ("kind", "name", "on this machine", "origin"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.kind, row.name, row.where, row.origin)
    console.print(table)


@city_app.command("new")
def city_new(
    name: Annotated[str, typer.Argument(help="City key, lower case (e.g. dar_es_salaam): the file's name.")],
    country: Annotated[str, typer.Option(help="ISO 3166 alpha-2 country code, e.g. TZ.")],
    title: Annotated[str | None, typer.Option(help="The city's name as printed [from NAME].")] = None,
    currency: Annotated[str, typer.Option(help="ISO 4217 code of the profile's money values.")] = "USD",
    folder: Annotated[Path | None, typer.Option(help="Where to write <NAME>.toml [the networks folder].")] = None,
) -> None:
    """Write a city file whose every profile value is a marked placeholder, ready to fill in."""
    from corridor_sim.network.manifest import write_city_template

    try:
        path = write_city_template(name, country, title, currency, folder)
    except CorridorSimError as exc:
        _fail(exc)
    console.print(f"written: {path}", highlight=False, soft_wrap=True)
    console.print(Text(f"every value in its [profile] is a placeholder: replace them (corridor-sim city show {name} lists them)"))


@city_app.command("show")
def city_show(name: Annotated[str, typer.Argument(help="City key.")]) -> None:
    """List a city's profile: every default with its value, evidence tag and source."""
    from corridor_sim.network.manifest import load_manifest

    try:
        manifest = load_manifest(name)
    except CorridorSimError as exc:
        _fail(exc)
    profile = manifest.profile
    table = Table(title=f"{manifest.title} ({manifest.country}, {profile.currency}): city defaults")
    for column in ("default", "value", "tag", "source"):
        table.add_column(column, overflow="fold")
    for key in type(profile).model_fields:
        item = getattr(profile, key)
        if hasattr(item, "tag"):
            tag = "PLACEHOLDER" if item.placeholder else item.tag
            table.add_row(key, str(item.value), tag, item.source)
    console.print(table)


@corridor_app.command("show")
def corridor_show(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    alignment: Annotated[str | None, typer.Option(help="Use only this alignment source: osm, gtfs or geojson.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the map and tables [results/<scenario>/corridor].")] = None,
    map_: Annotated[bool, typer.Option("--map/--no-map", help="Save the PNG map.")] = True,
) -> None:
    """Build a scenario's corridor, print its segments and sources, save its map and tables."""
    from corridor_sim.corridor import build_corridor
    from corridor_sim.plots.corridor_map import draw_corridor_map
    from corridor_sim.results.writer import corridor_summary, write_corridor

    try:
        scenario = load_scenario(scenario_file)
        corridor = build_corridor(scenario, prefer=alignment)
    except CorridorSimError as exc:
        _fail(exc)
    folder = out or settings.current().results_folder / scenario.name / "corridor"
    files = write_corridor(corridor, folder)
    summary = corridor_summary(corridor)
    console.print(Text(f"{corridor.title} ({scenario.city})", style="bold"))
    console.print(f"alignment: {corridor.alignment.source}, {corridor.alignment.detail}")
    for note in corridor.alignment.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    console.print(
        f"length {summary['length_km']:.2f} km, {summary['stations']} stations, spacing "
        f"{summary['station_spacing_m']['min']:.0f}/{summary['station_spacing_m']['median']:.0f}/"
        f"{summary['station_spacing_m']['max']:.0f} m (min/median/max), stations at most "
        f"{summary['max_station_offset_m']:.0f} m off the line"
    )
    console.print(_segment_table(corridor))
    console.print(_shares_table(corridor))
    if map_:
        files["map"] = draw_corridor_map(corridor, folder / "map.png")
    console.print("written: " + ", ".join(str(p) for p in files.values()), highlight=False)


def _segment_table(corridor) -> Table:  # Corridor, imported lazily
    table = Table(title="segments")
    frame = corridor.segment_table()
    for column in ("from", "to", "km", "running way", "class", "lanes", "limit km/h", "signals", "crossings", "junctions"):
        table.add_column(column, justify="left" if column in {"from", "to", "running way", "class"} else "right")
    for row in frame.itertuples(index=False):
        table.add_row(
            row[0], row[1], f"{row.length_m / 1000:.2f}", row.running_way.replace("_", " "), row.highway,
            f"{row.lanes:.1f}", f"{row.speed_limit_kmh:.0f}", str(row.signals), str(row.crossings), str(row.junctions),
        )  # fmt: skip
    return table


def _shares_table(corridor) -> Table:
    shares = corridor.source_shares().fillna(0.0)
    table = Table(title="where each attribute came from (share of corridor length)")
    table.add_column("attribute")
    for source in shares.columns:
        table.add_column(source, justify="right")
    for attr, row in shares.iterrows():
        table.add_row(attr, *(f"{v:.0%}" if v > 0 else "" for v in row))
    return table


@sweep_app.command("run")
def sweep_run(
    file: Annotated[Path, typer.Argument(help="A scenario TOML file, or a sweep file (with a [sweep] table).")],
    grid: Annotated[
        list[str] | None, typer.Option(help="PATH=2,3,4 or PATH=40:80:10 (ends included): every combination runs (repeatable).")
    ] = None,
    range_: Annotated[
        list[str] | None, typer.Option("--range", help="PATH=LOW:HIGH, sampled with --sample (repeatable).")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="PATH=VALUE for every run (repeatable).")] = None,
    sample: Annotated[int | None, typer.Option(help="Points drawn over the ranges (or from the grid).")] = None,
    method: Annotated[str | None, typer.Option(help="Sampling: lhs (Latin hypercube) or random.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the sampling (each run keeps its scenario's seed).")] = None,
    name: Annotated[str | None, typer.Option(help="Sweep name: results/<name>/ [from the scenario and the spec].")] = None,
    out: Annotated[Path | None, typer.Option(help="Sweep folder [results/<name>].")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Local worker processes, or LocalCluster workers [CPUs].")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Run on a Dask cluster: tcp://HOST:PORT of its scheduler.")] = None,
    dask_local: Annotated[bool, typer.Option("--dask-local", help="Run on a Dask LocalCluster started here.")] = False,
    keep_runs: Annotated[bool, typer.Option("--keep-runs", help="Also write each run's folder (tables, summary).")] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Make again the runs recorded as failed.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and list the runs; make none.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Make runs even if their estimated size is over the limits.")] = False,
) -> None:
    """Run a sweep; re-running the same command skips finished runs and completes the rest.

    Exit code 3 when some runs failed (they are recorded in the table), 130 when interrupted."""
    from corridor_sim.sweep.execute import backend_for
    from corridor_sim.sweep.plan import command_line_spec, plan_sweep
    from corridor_sim.sweep.store import SweepStore

    try:
        spec = command_line_spec(file, grid, range_, _overrides(set_), sample=sample, method=method, seed=seed, name=name)
        plan = plan_sweep(spec, force)
        backend = backend_for(workers, scheduler, dask_local)
    except CorridorSimError as exc:
        _fail(exc)
    store = SweepStore(out or settings.current().results_folder / plan.name)
    done = store.finished()
    console.print(
        f"sweep {plan.name}: {len(plan.runs)} runs of {spec.scenario.name}, "
        f"{len(done & {r.run_id for r in plan.runs})} already finished in {store.folder}",
        highlight=False,
        soft_wrap=True,
    )
    if dry_run:
        _print_plan(plan)
        return
    try:
        outcome = _with_progress(plan, store, backend, keep_runs, retry_failed)
    except CorridorSimError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        finished = len(store.finished() & {r.run_id for r in plan.runs})
        errors.print(
            f"interrupted: {finished} of {len(plan.runs)} runs are recorded in {store.folder}; "
            "run the same command again to make the rest",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=130) from None
    console.print(
        f"{outcome.ran} runs made ({outcome.failed} failed), {outcome.skipped} already finished; "
        f"table: {store.folder / 'table.parquet'}",
        highlight=False,
        soft_wrap=True,
    )
    failed = outcome.table[outcome.table["status"] != "ok"]
    for row in failed.head(5).itertuples(index=False):
        errors.print(Text(f"failed {row.run_id}: {row.error}", style="red"), soft_wrap=True)
    console.print(f"next: corridor-sim sweep report {store.folder}", soft_wrap=True)
    if len(failed):
        errors.print(f"{len(failed)} runs failed; see the error column of the table (--retry-failed makes them again)")
        raise typer.Exit(code=EXIT_RUNS_FAILED)


def _print_plan(plan) -> None:  # SweepPlan, imported lazily
    table = Table(title=f"{plan.name}: runs")
    table.add_column("run id")
    table.add_column("parameters")
    for run in plan.runs:
        table.add_row(run.run_id, ", ".join(f"{k}={v}" for k, v in run.params.items()))
    console.print(table)


def _with_progress(plan, store, backend, keep_runs: bool, retry_failed: bool):  # -> SweepOutcome
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from corridor_sim.sweep.execute import pending_runs, run_sweep

    started = time.perf_counter()
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console, transient=False) as progress:
        done = len(plan.runs) - len(pending_runs(plan, store, retry_failed))
        task = progress.add_task("runs", total=len(plan.runs), completed=done, rate="")
        made = 0

        def advance(row: dict) -> None:
            nonlocal made
            made += 1
            progress.update(task, advance=1, rate=f"{made / (time.perf_counter() - started):.2f} runs/s")

        return run_sweep(plan, store, backend, keep_runs=keep_runs, retry_failed=retry_failed, on_row=advance)


@sweep_app.command("report")
def sweep_report(
    folder: Annotated[Path, typer.Argument(help="A sweep folder (results/<sweep>).")],
    by: Annotated[
        str, typer.Option(help="Rank the runs by this column, or by npv, eirr or bcr (the appraisal's, largest first).")
    ] = "journey_min.mean",
    top: Annotated[int, typer.Option(min=1, help="How many of the best runs to list.")] = 10,
    pareto: Annotated[str, typer.Option(help="Two columns X,Y for the Pareto front.")] = "fleet.used,journey_min.mean",
    maximize: Annotated[
        list[str] | None, typer.Option(help="A column where larger is better (repeatable; default: smaller is better).")
    ] = None,
) -> None:
    """The best runs of a sweep by an indicator, and the Pareto front of two; written beside the table."""
    from corridor_sim.results.files import write_table
    from corridor_sim.sweep.report import best_runs, pareto_front
    from corridor_sim.sweep.store import SweepStore

    store = SweepStore(folder)
    larger = set(maximize or [])
    if by in RANK_ALIASES:
        by = RANK_ALIASES[by]
        larger.add(by)
    x, y = _pair(pareto, "--pareto")
    try:
        plan = store.load_plan()
        table = store.read([r["run_id"] for r in plan["runs"]])
        best = best_runs(table, by, top, maximize=by in larger)
        front = pareto_front(table, x, y, maximize=(x in larger, y in larger))
    except CorridorSimError as exc:
        _fail(exc)
    params = list(dict.fromkeys(k for r in plan["runs"] for k in r["params"]))
    failed = int((table["status"] != "ok").sum())
    console.print(
        f"sweep {plan['name']}: {len(table)} of {len(plan['runs'])} runs finished, {failed} failed",
        highlight=False,
    )
    console.print(
        _runs_table(
            f"best {len(best)} by {by} ({'largest' if by in larger else 'smallest'} first)",
            best,
            params,
            [by, *(c for c in (f"{by}.ci95", "like_the_best") if c in best.columns)],
        )
    )
    console.print(_runs_table(f"Pareto front: {x} vs {y} ({len(front)} runs)", front, params, [x, y]))
    files = [write_table(best, store.folder / "report_best.parquet"), write_table(front, store.folder / "report_pareto.parquet")]
    console.print("written: " + ", ".join(map(str, files)), highlight=False, soft_wrap=True)


#: ``sweep report --by`` names for the appraisal's indicators (larger is better).
RANK_ALIASES = {"npv": "appraisal.npv_usd", "eirr": "appraisal.eirr", "bcr": "appraisal.bcr"}


def _runs_table(title: str, rows, params: list[str], columns: list[str]) -> Table:  # rows: DataFrame
    table = Table(title=title)
    shown = ["run_id", *params, *(c for c in columns if c not in params)]
    for column in shown:
        table.add_column(column, justify="left" if column == "run_id" else "right", overflow="fold", no_wrap=column == "run_id")
    for _, row in rows.iterrows():
        table.add_row(*(str(row.get(c, "")) for c in shown))
    return table


if __name__ == "__main__":  # pragma: no cover
    app()
