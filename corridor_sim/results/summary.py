"""The summary contract: how ``summary.json`` is flattened, and the one list of headline indicators.

``summary.json`` is a nested mapping of sections (``passengers``, ``wait_min``, ``directions``,
``stations``, ``fleet``, ``emissions``, ``safety``, ``city_profile``, ``mode_choice``,
``minibus``; the typed contract with every field's unit is :mod:`corridor_sim.results.schema`).
Sweeps and ``compare`` read it flattened
(:func:`flatten`: ``wait_min.mean``, ``directions.to Ruiru.services.all_stop.trips``); the
terminal, ``compare`` and the report show the same headline indicators (:func:`headline`), each
with its label and unit.
"""

from __future__ import annotations

from typing import Any, NamedTuple

class Indicator(NamedTuple):
    """A headline indicator.

    Attributes
    ----------
    key
        Its flattened summary key (:func:`flatten`).
    label, unit
        How it is shown; an empty unit is the summary contract's (:func:`corridor_sim.results.schema.unit_of`).
    baseline_key, change_key
        Where the same summary holds its own baseline and the stored change, if it does.
    band
        The value is an estimate with a 5-95 % band (``key.estimate``, ``key.p5``, ``key.p95``).
    """

    key: str
    label: str
    unit: str = ""
    baseline_key: str | None = None
    change_key: str | None = None
    band: bool = False


_MB = "minibus"
#: The headline indicators that do not depend on the corridor's directions and services, in order.
HEADLINE: tuple[Indicator, ...] = (
    Indicator("passengers.delivered", "Passengers delivered"),
    Indicator("passengers.passengers_denied_at_least_once", "Passengers left behind by a full bus at least once"),
    Indicator("wait_min.mean", "Mean wait at the platform", "", f"{_MB}.wait_min.mean"),
    Indicator("wait_min.p95", "95th percentile wait", "", f"{_MB}.wait_min.p95"),
    Indicator("in_vehicle_min.mean", "Mean in-vehicle time", "", f"{_MB}.in_vehicle_min.mean"),
    Indicator("journey_min.mean", "Mean journey time, platform to platform", "", f"{_MB}.journey_min.mean"),
    Indicator("time_saved.saved_min_per_trip", "Time saved per trip against the rider's mode today"),
    Indicator("time_saved.person_hours_saved_per_year", "Person-hours saved a year"),
    Indicator("stations.dwell_mean_s", "Mean dwell at a station"),
    Indicator("stations.max_saturation", "Highest station saturation"),
    Indicator("fleet.used", "Fleet used"),
    Indicator("bus_km", "Bus-km in the simulated period"),
    *(
        Indicator(
            f"mode_choice.shares_scenario.{mode}",
            f"Mode share: {'BRT' if mode == 'brt' else mode}",
            "share of trips",
            f"mode_choice.shares_today.{mode}",
        )
        for mode in ("brt", "minibus", "car", "walk", "cycle")
    ),
    Indicator("mode_choice.brt_peak_pax_h", "BRT riders in the peak hour", "passengers/h"),
    *(
        Indicator(f"emissions.scenario.{key}", label, "", f"emissions.baseline.{key}", f"emissions.change.{key}")
        for key, label in (("co2_t", "CO2, tailpipe + grid"), ("nox_t", "NOx"), ("pm25_t", "PM2.5, exhaust"))
    ),
    *(
        Indicator(f"safety.scenario.{key}", label, "", f"safety.baseline.{key}", f"safety.change.{key}", band=True)
        for key, label in (
            ("deaths_per_year", "Road deaths (5-95 % band)"),
            ("serious_injuries_per_year", "Serious injuries (5-95 % band)"),
        )
    ),
)


def flatten(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary as one flat row: nested keys joined by dots.

    Directions are keyed by their label (``directions.to Ruiru.services.all_stop.trips``); lists
    of messages (``checks``) are joined with ``"; "``.
    """
    row: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else key, inner)
        elif prefix == "directions":
            for direction in value:
                walk(f"directions.{direction['direction']}", {k: v for k, v in direction.items() if k != "direction"})
        elif isinstance(value, list):
            row[prefix] = "; ".join(map(str, value))
        else:
            row[prefix] = value

    walk("", summary)
    return row


def direction_indicators(summary: dict[str, Any]) -> list[Indicator]:
    """Per direction: each service's run time and commercial speed, the critical segment's load."""
    out = []
    for d in summary.get("directions", []):
        label = d["direction"]
        services = d.get("services", {})
        for name in services:
            where = f"{name}, {label}" if len(services) > 1 else label
            prefix = f"directions.{label}.services.{name}"
            out.append(Indicator(f"{prefix}.run_time_mean_min", f"Run time, {where}"))
            out.append(Indicator(f"{prefix}.commercial_speed_kmh", f"Commercial speed, {where}"))
        if crit := d.get("critical_segment"):
            where = f"{crit['from']} to {crit['to']}, {crit['clock_hour']}"
            prefix = f"directions.{label}.critical_segment"
            out.append(Indicator(f"{prefix}.pphpd", f"Critical segment, {label}: {where}"))
            out.append(Indicator(f"{prefix}.load_factor", f"Load factor there, {label}"))
    return out


def headline(summary: dict[str, Any]) -> list[Indicator]:
    """The headline indicators this summary holds, in display order (see :data:`HEADLINE`)."""
    from corridor_sim.results.schema import unit_of

    row = flatten(summary)
    fixed = [i for i in HEADLINE if value_of(row, i) is not None]
    at = next((k for k, i in enumerate(fixed) if i.key.startswith("stations.")), len(fixed))
    chosen = [*fixed[:at], *direction_indicators(summary), *fixed[at:]]
    return [i if i.unit else i._replace(unit=unit_of(i.key + (".estimate" if i.band else "")) or "") for i in chosen]


def value_of(row: dict[str, Any], indicator: Indicator, key: str | None = None) -> Any:
    """An indicator's value in a flattened summary (``key``: its baseline or change key instead).

    A band indicator gives ``{"estimate", "p5", "p95"}`` (or ``None`` if absent).
    """
    key = key or indicator.key
    if indicator.band:
        cell = {part: row.get(f"{key}.{part}") for part in ("estimate", "p5", "p95")}
        return cell if cell["estimate"] is not None else None
    return row.get(key)


def headline_keys(summary: dict[str, Any]) -> list[str]:
    """The flattened keys of the headline indicators (a band as its estimate, p5 and p95)."""
    keys = []
    for indicator in headline(summary):
        parts = ("estimate", "p5", "p95") if indicator.band else (None,)
        for key in (indicator.key, indicator.change_key) if indicator.band else (indicator.key,):
            if key is not None:
                keys += [f"{key}.{p}" if p else key for p in parts]
    return keys
