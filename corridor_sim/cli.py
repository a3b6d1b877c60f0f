"""The ``corridor-sim`` command line: parse, call, print."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corridor_sim import settings
from corridor_sim._errors import CorridorSimError
from corridor_sim.scenario import load_scenario

app = typer.Typer(help="Bus rapid transit and walking/cycling corridor simulator.", no_args_is_help=True)
network_app = typer.Typer(help="Street networks and data sources.", no_args_is_help=True)
corridor_app = typer.Typer(help="Corridors built from scenarios.", no_args_is_help=True)
app.add_typer(network_app, name="network")
app.add_typer(corridor_app, name="corridor")
console = Console()
errors = Console(stderr=True)


def _fail(exc: CorridorSimError) -> None:
    errors.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="Scenario TOML files.")]) -> None:
    """Check scenario files without running them."""
    bad = 0
    for file in files:
        try:
            scenario = load_scenario(file)
        except CorridorSimError as exc:
            errors.print(f"[red]invalid[/] {exc}", highlight=False, soft_wrap=True)
            bad += 1
            continue
        console.print(f"[green]ok[/] {file}: {scenario.name} ({scenario.city}, {len(scenario.corridor.stations)} stations)")
    if bad:
        raise typer.Exit(code=1)


def _overrides(pairs: list[str] | None) -> dict[str, object]:
    """``KEY=VALUE`` pairs as a dict; values are read as TOML (``3``, ``true``, ``"07:00"``), else as text."""
    import tomllib

    out: dict[str, object] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r}: give KEY=VALUE, e.g. services.all_stop.peak_headway_min=3")
        try:
            out[key.strip()] = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = raw
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
    plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Save the figures (the corridor map) in the run folder.")] = True,
) -> None:
    """Simulate a scenario end to end; write summary.json, the Parquet tables and the figures to the run folder."""
    import json

    from corridor_sim.pipeline import run_scenario

    overrides = _overrides(set_)
    if seed is not None:
        overrides["seed"] = seed
    try:
        scenario = load_scenario(scenario_file, overrides)
        output = run_scenario(scenario, out)
    except CorridorSimError as exc:
        _fail(exc)
    if plots:
        from corridor_sim.plots.corridor_map import draw_corridor_map

        draw_corridor_map(output.run.corridor, output.folder / "map.png")
    if json_:
        print(json.dumps(output.summary, indent=2, ensure_ascii=False))
        return
    _print_summary(output.summary)
    console.print(f"written: {output.folder}", highlight=False, soft_wrap=True)


def _print_summary(summary: dict) -> None:
    pax, wait, st, fleet = summary["passengers"], summary["wait_min"], summary["stations"], summary["fleet"]
    console.print(f"[bold]{summary['title']}[/] ({summary['city']}), run {summary['run_id']}, {summary['period']['start']}-{summary['period']['end']}")
    head = Table(title="passengers and fleet", show_header=False)
    head.add_column("indicator")
    head.add_column("value", justify="right")
    rows = [
        ("passengers generated / delivered / waiting / on board", f"{pax['generated']} / {pax['delivered']} / {pax['waiting']} / {pax['on_board']}"),
        ("wait mean / p95 (min)", f"{wait['mean']} / {wait['p95']}"),
        ("in-vehicle time mean (min)", f"{summary['in_vehicle_min']['mean']}"),
        ("denied boardings (passengers left behind at least once)", f"{pax['denied_boardings']} ({pax['passengers_denied_at_least_once']})"),
        ("fleet used / available, trips", f"{fleet['used']} / {fleet['available']}, {fleet['trips']}"),
        ("bus-km", f"{summary['bus_km']}"),
        ("highest station saturation", f"{st['max_saturation']} at {st['max_saturation_at']}"),
        ("bus queueing at stations: share of stops, mean / max (s)", f"{st['stop_events_queued_share']:.1%}, {st['bus_queue_mean_s']} / {st['bus_queue_max_s']}"),
    ]  # fmt: skip
    for row in rows:
        head.add_row(*row)
    console.print(head)
    services = Table(title="services by direction")
    for column in ("direction", "service", "trips", "run time min", "speed km/h"):
        services.add_column(column, justify="left" if column in {"direction", "service"} else "right")
    critical = Table(title="critical segment (busiest clock hour)")
    for column in ("direction", "segment", "hour", "pphpd", "buses/h", "load factor"):
        critical.add_column(column, justify="left" if column in {"direction", "segment"} else "right")
    for d in summary["directions"]:
        for k, (name, s) in enumerate(d["services"].items()):
            services.add_row(d["direction"] if k == 0 else "", name, str(s["trips"]), str(s["run_time_mean_min"]), str(s["commercial_speed_kmh"]))
        crit = d["critical_segment"]
        if crit:
            critical.add_row(
                d["direction"], f"{crit['from']} -> {crit['to']}", crit["clock_hour"], str(crit["pphpd"]),
                str(crit["buses_per_h"]), str(crit["load_factor"]),
            )  # fmt: skip
    console.print(services)
    console.print(critical)
    for check in summary["checks"]:
        console.print(f"[yellow]check:[/] {check}", highlight=False)


@network_app.command("info")
def network_info(city: Annotated[str, typer.Argument(help="nairobi, kampala or addis_ababa")]) -> None:
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
    from corridor_sim.results import corridor_summary, write_corridor

    try:
        scenario = load_scenario(scenario_file)
        corridor = build_corridor(scenario, prefer=alignment)
    except CorridorSimError as exc:
        _fail(exc)
    folder = out or settings.current().results_folder / scenario.name / "corridor"
    files = write_corridor(corridor, folder)
    summary = corridor_summary(corridor)
    console.print(f"[bold]{corridor.title}[/] ({scenario.city})")
    console.print(f"alignment: [bold]{corridor.alignment.source}[/], {corridor.alignment.detail}", highlight=False)
    for note in corridor.alignment.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
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


if __name__ == "__main__":  # pragma: no cover
    app()
