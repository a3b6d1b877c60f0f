"""The words of a run's report: title, corridor, design, headline indicators against a
baseline, assumptions with their evidence tags, and the data sources with their licences.

Every number taken from ``summary.json`` is printed as it is stored (``str(value)``: the
simulator has already rounded it), so a reader can find each one in the file; only the
changes computed here are rounded. The writers (:mod:`corridor_sim.report.pdf`,
:mod:`corridor_sim.report.html`) lay these words out and add none of their own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, NamedTuple

from corridor_sim import __version__
from corridor_sim._errors import CorridorSimError, DataFileError
from corridor_sim.city_profile import CityProfile
from corridor_sim.indicators import RECORD_BUSES_PER_H, RECORD_PPHPD
from corridor_sim.network.manifest import CityManifest, load_manifest
from corridor_sim.plots.style import OSM_CREDIT
from corridor_sim.report.funding import FundingCase, funding_case
from corridor_sim.results.headline import HeadlineRow, headline_rows, show
from corridor_sim.results.reader import RunFolder
from corridor_sim.results.summary import headline

Data = dict[str, Any]

#: Section headings, in report order.
HEADINGS = {
    "executive": "Executive summary",
    "appraisal": "Economic and financial appraisal",
    "facts": "The corridor",
    "design": "The design",
    "headline": "Headline indicators",
    "map": "Corridor map",
    "figures": "Figures",
    "assumptions": "Assumptions and placeholders",
    "sources": "Data sources and licences",
}
HEADLINE_COLUMNS = ("Indicator", "Unit", "Scenario", "Baseline", "Change")
SOURCE_COLUMNS = ("What", "Source", "Licence")
EVIDENCE_NOTE = (
    "Evidence tags: [M] manual or design standard; [D] data, measured or derived from "
    "data; [L] literature value transferred from elsewhere, or a placeholder: replace it "
    "with the corridor's own data before relying on the numbers it drives."
)
OSM_LICENCE = "ODbL 1.0"
CITED = "published values, cited"
MISSING = "-"

NAMES = {
    "brt_18m": "18 m articulated bus",
    "brt_12m": "12 m bus",
    "minibus_14": "14-seat minibus",
    "minibus_33": "33-seat minibus",
    "bus_12m_euro_ii": "12 m Euro II bus",
    "median_busway": "median busway",
    "curbside_bus_lane": "curbside bus lane",
    "mixed_traffic": "mixed traffic",
    "signalized": "at signalized crossings",
    "unsignalized": "across unsignalized crossings",
    "grade_separated": "by footbridge or underpass",
    "off_board": "off-board (paid at the station before boarding)",
    "on_board": "on board (paid at the door)",
    "cng": "CNG",
    "electric": "battery-electric",
    "speed_limit_kmh": "speed limit",
    "highway": "road class",
}

#: Published values the models cite, by the summary section that uses them.
CITED_SOURCES = (
    (
        "passengers",
        "Bus operations",
        ("TCQSM 3rd ed. (TCRP Report 165, 2013); HCM 6th ed. (2016); ITDP BRT Planning Guide; DART Dar es Salaam fleet"),
    ),
    (
        "emissions",
        "Emission factors",
        (
            "HBEFA 4.2 (via SUMO emissionsDrivingCycle); COPERT / EMEP-EEA Guidebook speed "
            "curves; real-world factor: Mbandi et al. 2019"
        ),
    ),
    (
        "safety",
        "Road-safety model",
        (
            "Duduta et al. 2015 (EMBARQ / WRI); power model, Cameron & Elvik 2010; crash "
            "modification factors: STEP, FHWA, EMBARQ; iRAP (McMahon & Dahdah 2008)"
        ),
    ),
)
MODE_CHOICE_SOURCE = (
    "Mode choice and walking",
    (
        "Ortuzar & Willumsen, Modelling Transport, 4th ed.; HCM 2010 pedestrian delay; "
        "Levinson & El-Geneidy 2009; money values: placeholders [L]"
    ),
)


class Source(NamedTuple):
    """One data source: what it gave, where it is from, its licence."""

    what: str
    source: str
    licence: str


@dataclass(frozen=True)
class ReportContent:
    """Everything a report says, as text; the writers only lay it out.

    Attributes
    ----------
    title, subtitle
        The corridor's title; city, period, run label and date of the results.
    run_label, version
        ``<scenario>/<run id>`` and the corridor-sim version, for the footer.
    facts, design
        (label, value) rows: the corridor as built, and the BRT design from the scenario.
    headline, headline_caption
        Indicator rows and what the baseline column holds.
    assumptions
        Short sentences on what is modelled and what is a placeholder, with evidence tags.
    sources
        (what, source, licence) rows.
    captions
        Figure titles by figure name (figures without one are named after their file).
    evidence_note
        What the evidence tags of the assumptions mean.
    funding
        The executive summary and the appraisal chapter (:mod:`corridor_sim.report.funding`),
        or None for a run without an appraisal.
    """

    title: str
    subtitle: str
    run_label: str
    version: str
    facts: tuple[tuple[str, str], ...]
    design: tuple[tuple[str, str], ...]
    headline: tuple[HeadlineRow, ...]
    headline_caption: str
    assumptions: tuple[str, ...]
    sources: tuple[Source, ...]
    captions: Mapping[str, str] = field(default_factory=dict)
    evidence_note: str = EVIDENCE_NOTE
    funding: FundingCase | None = None

    def footer(self, page: int | None = None) -> str:
        """``corridor-sim <version> · <run label> · page N`` (no page if None)."""
        text = f"corridor-sim {self.version} · {self.run_label}"
        return text if page is None else f"{text} · page {page}"

    def figure_caption(self, name: str, number: int) -> str:
        """``Figure <number>: <title>`` of the figure ``name``."""
        title = self.captions.get(name) or name.replace("_", " ")
        return f"Figure {number}: {title[:1].upper()}{title[1:]}"

    @staticmethod
    def figure_credit(name: str) -> str:
        """The attribution a figure needs: OpenStreetMap's under every map."""
        return f"Map data {OSM_CREDIT}, {OSM_LICENCE}." if "map" in name else ""

    @property
    def sources_note(self) -> str:
        """The OSM attribution and where provenance is recorded, under the sources."""
        return (
            f"Every map in this report: {OSM_CREDIT}, available under the Open Database "
            f"Licence ({OSM_LICENCE}), openstreetmap.org/copyright. Where each data file "
            "came from: PROVENANCE.md in the city's data folder. A licence marked 'not "
            "stated' or 'undecided' must be cleared before the report is published."
        )


def report_content(run: RunFolder, baseline: RunFolder | None = None) -> ReportContent:
    """The words of the report of ``run``.

    Parameters
    ----------
    run
        The run folder reported on.
    baseline
        Another run whose scenario values form the baseline column; without it, the
        run's own baseline (its summary's ``emissions.baseline`` and ``safety.baseline``,
        and for travel times and mode shares today's minibuses of a mode-shift run).

    Returns
    -------
    ReportContent
        Title, tables, assumptions and sources as text.
    """
    s, sc = run.summary, run.scenario
    manifest = _manifest(s["city"])
    version = _version()
    other = baseline.summary if baseline is not None else None
    try:
        return _content(run, s, sc, manifest, version, baseline, other)
    except KeyError as exc:  # a folder written before every default was resolved into scenario.json
        raise DataFileError(
            f"{run.path}: its scenario.json or summary.json has no {exc}; it was written by an older corridor-sim. "
            "Run the scenario again (corridor-sim run SCENARIO --out FOLDER)"
        ) from None


def _content(run: RunFolder, s: Data, sc: Data, manifest: CityManifest | None, version: str, baseline, other) -> ReportContent:
    return ReportContent(
        title=s["title"],
        subtitle=_subtitle(run, manifest),
        run_label=run.label,
        version=version,
        facts=tuple(_facts(s, run.corridor, sc)),
        design=tuple(_design(sc)),
        headline=tuple(headline_rows(s, other)),
        headline_caption=_caption(s, baseline),
        assumptions=tuple(_assumptions(s, run.corridor, sc, manifest.profile if manifest is not None else None)),
        sources=tuple(_sources(s, run.corridor, sc, manifest, version)),
        funding=funding_case(s, run.table("appraisal_cash_flows") if run.has("appraisal_cash_flows") else None),
    )


# --- numbers ------------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _get(data: Any, path: str | None) -> Any:
    """``data["a"]["b"]`` for ``"a.b"``; None where any key is missing."""
    if path is None:
        return None
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _pct(share: float) -> str:
    return f"{100.0 * share:.3g} %"


def _name(key: Any) -> str:
    return NAMES.get(key, str(key).replace("_", " "))


def _shares(shares: Mapping[str, float]) -> str:
    return ", ".join(f"{_name(k)} {_pct(v)}" for k, v in shares.items())


# --- title, corridor, design --------------------------------------------------------


def _version() -> str:
    try:
        return metadata.version("corridor-sim")
    except metadata.PackageNotFoundError:
        return __version__


def _manifest(city: str) -> CityManifest | None:
    try:
        return load_manifest(city)
    except CorridorSimError:
        return None


def _subtitle(run: RunFolder, manifest: CityManifest | None) -> str:
    s = run.summary
    city = manifest.title if manifest is not None else _name(s["city"]).title()
    mtime = (run.path / "summary.json").stat().st_mtime
    written = datetime.fromtimestamp(mtime, tz=UTC).date().isoformat()
    period = f"{s['period']['start']}-{s['period']['end']}"
    return f"{city} · simulated {period} · run {run.label} · results of {written}"


def _facts(s: Data, c: Data, sc: Data) -> list[tuple[str, str]]:
    names = [station["name"] for station in sc["corridor"]["stations"]]
    period = f"{s['period']['start']}-{s['period']['end']}"
    days = sc["operating_days_per_year"]
    rows = [
        ("Length", f"{s['corridor']['length_km']} km"),
        ("Stations", f"{s['corridor']['stations']}, from {names[0]} to {names[-1]}"),
    ]
    if spacing := c.get("station_spacing_m"):
        low, mid, high = (spacing[k] for k in ("min", "median", "max"))
        text = f"{low:.0f} m shortest, {mid:.0f} m median, {high:.0f} m longest"
        rows.append(("Station spacing", text))
    if "signals" in c:
        text = f"{c['signals']} traffic signals, {c['unsignalized_crossings']} "
        text += f"unsignalized crossings, {c['junctions']} junctions"
        rows.append(("Signals and crossings", text))
    source = c.get("alignment_source", s["corridor"]["alignment"])
    rows.append(("Alignment", f"{source}: {c.get('alignment_detail', '')}"))
    warm_up = sc["period"].get("warm_up_min")  # absent from folders written before the warm-up existed
    after = f" after a {warm_up:g}-minute warm-up that is not counted" if warm_up else ""
    text = f"{period}{after}, seed {s['seed']}; a year is {days:g} operating days of this period"
    rows.append(("Simulated", text))
    rows.append(("Demand (peak hour)", _demand(sc["demand"], "mode_choice" in s)))
    if volumes := sc.get("traffic", {}).get("volume_vph_per_lane"):
        flows = ", ".join(f"{v:g} from {t}" for t, v in volumes.items())
        rows.append(("General traffic", f"vehicles/h per lane: {flows}"))
    return rows


def _demand(demand: Data, mode_choice: bool) -> str:
    if demand.get("od"):
        total = sum(f.get("pax_per_h", 0.0) for f in demand["od"])
        flows = "flow" if len(demand["od"]) == 1 else "flows"
        text = f"{total:g} trips/h in {len(demand['od'])} origin-destination {flows}"
    else:
        total = sum(st.get("boardings_per_h", 0.0) for st in demand.get("stations", []))
        text = f"{total:g} boardings/h at {len(demand.get('stations', []))} stations"
    if mode_choice:
        text = text.replace("boardings/h at", "trips/h by every mode, from")
        text += "; the BRT's share by mode choice"
    if demand.get("profile"):
        text += f"; hourly factors from {len(demand['profile'])} clock times"
    if demand.get("reverse_after"):
        text += f"; flows reverse after {demand['reverse_after']}"
    return text + " (scenario file)"


def _design(sc: Data) -> list[tuple[str, str]]:
    c, stations = sc["corridor"], sc["corridor"]["stations"]
    way = _name(c["running_way"]) + "".join(
        f"; {_name(seg['running_way'])} from {seg['from_station']} to {seg['to_station']}"
        for seg in c.get("segments", [])
        if seg.get("running_way")
    )
    access = f"{len(stations)} stations, reached {_name(c['station_access'])}"
    berths = f"{c['berths']} per station and direction" + (
        f", in each of {c['substops']} stopping areas" if c.get("substops", 1) > 1 else ""
    )
    passing = "at every station" if c["passing_lanes"] else "none"
    for st in stations:
        if st.get("access") not in (None, c["station_access"]):
            access += f"; {st['name']} {_name(st['access'])}"
        if st.get("berths") not in (None, c["berths"]):
            berths += f"; {st['berths']} at {st['name']}"
        if st.get("substops") not in (None, c.get("substops", 1)):
            berths += f"; {st['substops']} stopping areas at {st['name']}"
        if st.get("passing_lane") not in (None, c["passing_lanes"]):
            passing += f"; {'none' if c['passing_lanes'] else 'one'} at {st['name']}"
    rows = [
        ("Running way", way + ("; counterflow" if c.get("counterflow") else "")),
        ("Stations", access),
        ("Berths", berths),
        ("Passing lanes", passing),
    ]
    rows += [(f"Service {k}", _service(v, len(stations))) for k, v in sc["services"].items()]
    if sc.get("peak_hours"):
        rows.append(("Peak hours", ", ".join(sc["peak_hours"])))
    fleets = _fleets(sc)
    rows += [(f"Vehicle ({name})" if len(fleets) > 1 else "Vehicle", _vehicle(v)) for name, v, _ in fleets]
    if fare := sc.get("dwell", {}).get("fare_collection"):
        rows.append(("Fare collection", _name(fare)))
    layover = f"layover at least {sc['layover_min']:g} min at the terminals"
    rows.append(("Fleet", "; ".join(f"{buses} {name} buses" for name, _, buses in fleets) + f" available; {layover}"))
    if (signals := sc.get("signals", {})).get("priority"):
        extension = f"green extension up to {signals['green_extension_s']:g} s"
        rows.append(("Signal priority", extension))
    rows.append(("Walking and cycling", _walking(c)))
    return rows


def _service(service: Data, n: int) -> str:
    stops = service["stops"]
    if stops == "all":
        text = f"all {n} stations"
    else:
        text = f"{len(stops)} of {n} stations, {stops[0]} to {stops[-1]}"
    text += f"; every {service['peak_headway_min']:g} min in the peak"
    if service.get("offpeak_headway_min"):
        text += f", {service['offpeak_headway_min']:g} min off-peak"
    if service.get("headway_cv"):
        text += f"; dispatch irregularity CV {service['headway_cv']:g}"
    if service.get("vehicle"):
        text += f"; {service['vehicle']} buses"
    return text


def _fleets(sc: Data) -> list[tuple[str, Data, int]]:
    """The fleets the services use: name (a vehicles key, or the scenario vehicle's type), vehicle, buses."""
    used = {service.get("vehicle") for service in sc["services"].values()}
    out = [(sc["vehicle"]["type"], sc["vehicle"], sc["fleet"])] if None in used else []
    return out + [(key, v, v["buses"]) for key, v in sc.get("vehicles", {}).items() if key in used]


def _vehicle(v: Data) -> str:
    propulsion = v["propulsion"]
    if propulsion.startswith("diesel_euro_"):
        engine = f"diesel Euro {propulsion.removeprefix('diesel_euro_').upper()}"
    else:
        engine = _name(propulsion)
    return (
        f"{_name(v['type'])}, {v['capacity_pax']} passengers ({v['seats']} seated), {v['door_channels']} door channels, {engine}"
    )


def _walking(c: Data) -> str:
    parts = [f"sidewalks along {_pct(c['sidewalk_coverage'])} of the corridor"]
    if spacing := c.get("protected_crossing_spacing_m"):
        parts.append(f"signalized pedestrian crossings every {spacing:g} m")
    if c.get("refuge_islands"):
        parts.append("refuge islands at crossings")
    parts.append("a cycle lane" if c.get("cycle_lane") else "no cycle lane")
    return "; ".join(parts)


# --- headline indicators ------------------------------------------------------------


_MB = "minibus"


def _caption(s: Data, baseline: RunFolder | None) -> str:
    return _comparison_caption(s, baseline) + _replications_caption(s)


def _replications_caption(s: Data) -> str:
    """With replications: each headline indicator's mean and 95 % interval, as the summary stores them."""
    replicated = s.get("replications")
    if not replicated:
        return ""
    labels = {i.key: i.label for i in headline(s)}
    cells = [
        f"{labels.get(key.removesuffix('.estimate'), key)} {cell['mean']:.4g} ({cell['low']:.4g} to {cell['high']:.4g})"
        for key, cell in replicated["indicators"].items()
        if key.removesuffix(".estimate") in labels
    ]
    met = replicated["precision_met"]
    target = "" if met is None else f"; the precision target {replicated['precision']:g} was {'met' if met else 'not met'}"
    return (
        f" The table is the run on the scenario's seed {replicated['seeds'][0]}. Over {replicated['count']} replications "
        f"(independent passenger arrivals, headways and signal offsets{target}), the means and 95 % intervals: "
        + "; ".join(cells)
        + "."
    )


def _comparison_caption(s: Data, baseline: RunFolder | None) -> str:
    per_year = _get(s, "emissions.per_year") or "simulated period x operating days"
    if baseline is not None:
        return (
            f"Scenario: this run. Baseline: run {baseline.label} "
            f"({baseline.summary['title']}), its scenario values. Change: this run minus "
            "that run (relative change in brackets); road-safety changes are differences "
            "of the estimates, without a band, as the two runs' draws are not paired. "
            f"Per year: {per_year}. A dash: not in that run."
        )
    text = (
        "Scenario: this run. Baseline: the same corridor without the BRT, its passengers "
        "in their previous modes (emissions, road safety)"
    )
    if _MB in s:
        text += "; travel times and mode shares: today's minibus service, simulated"
    return text + (
        ". Change: scenario minus baseline (relative change in brackets); road safety as "
        "estimate (5-95 % band of the Monte Carlo draws), the change from paired draws. "
        f"Per year: {per_year}. A dash: no baseline value."
    )


# --- assumptions --------------------------------------------------------------------


def _assumptions(s: Data, c: Data, sc: Data, profile: CityProfile | None) -> list[str]:
    items = _placeholders(s) + _operations(s, sc) + _road(c, sc)
    if "emissions" in s:
        items += _emissions(s["emissions"], sc, profile)
    if "safety" in s:
        items += _safety(sc, profile)
    if "mode_choice" in s:
        items += _mode_choice(s, sc)
    checks = [f"Check: {check}." for check in s.get("checks", [])]
    if not checks:
        checks.append(
            f"Checks: within the recorded maxima of about {RECORD_PPHPD} pphpd and "
            f"{RECORD_BUSES_PER_H} buses/h through a station; every passenger generated "
            "is delivered, waiting or on board."
        )
    return items + checks


def _placeholders(s: Data) -> list[str]:
    used = _get(s, "city_profile.placeholders") or []
    if not used:
        return []
    return [
        "PLACEHOLDER VALUES: this run used city-profile values that are only placeholders, "
        f"from the city file's template: {'; '.join(used)}. Replace them in the city file "
        "(or in the scenario) before the results are used [L]."
    ]


def _tag(profile: CityProfile | None, key: str, value: Any) -> str:
    """The evidence of a resolved value: the city profile's tag and source where it is the profile's, else the scenario's."""
    item = getattr(profile, key, None)
    if item is None or item.value != value:
        return "(scenario value)"
    return f"[{'L: placeholder' if item.placeholder else item.tag}; city profile: {item.source}]"


def _operations(s: Data, sc: Data) -> list[str]:
    dwell = sc["dwell"]
    door, alight, board = dwell["door_open_close_s"], dwell["alighting_s"], dwell["boarding_s"]
    crowd = dwell["crowding_penalty_s"]
    period = f"from {s['period']['start']} to {s['period']['end']} (seed {s['seed']})"
    return [
        (
            f"Simulated bus by bus and passenger by passenger {period}: buses dispatched by "
            "headway from both terminals; passengers arrive at random (Poisson) and board the "
            "first bus to their destination with room."
        ),
        ("Travel times run from platform to platform (wait + in vehicle); walking to and from the stations is not in them."),
        (
            "Demand: the scenario's peak-hour figures, spread over the period by its hourly "
            "factors. Check that they are counts: the presets ship illustrative figures [L]."
        ),
        (
            f"Dwell: {door:g} s for the doors + {alight:g} s per alighting and {board:g} s per "
            f"boarding passenger and door channel (TCQSM 3rd ed.) [M]; {crowd:g} s more per "
            "boarder once passengers stand [L]."
        ),
        (
            "; ".join(
                f"Bus ({name}): {bus['capacity_pax']} passengers at design load (DART Dar es Salaam fleet) [D]; "
                f"{bus['seats']} seats, {bus['door_channels']} door channels, acceleration {bus['accel_ms2']} m/s2 "
                "(TCQSM typical values) [L]"
                for name, bus, _ in _fleets(sc)
            )
            + "."
        ),
    ]


def _road(c: Data, sc: Data) -> list[str]:
    t = sc["traffic"]
    mix = _shares(t["mix"])
    items = [
        (
            "General traffic: a kinematic-wave model (cell transmission, Daganzo 1994) of each direction, "
            f"capacity {t['saturation_flow_vphpl']:g} vehicles/h per lane [M: HCM], jam density "
            f"{t['jam_density_vpkm_per_lane']:g} vehicles/km per lane [L], the corridor's lanes and signals; demand "
            "above capacity queues and spills back. Buses and minibuses in mixed traffic move at its speed and take "
            f"its capacity ({t['bus_pcu']:g} passenger-car units a bus [M: HCM 2010 E_T], and the kerb lane while "
            f"standing at a stop); busways and bus lanes are apart from it. Volumes from the scenario, mix {mix} [L: "
            "replace with classified counts]. Effects of the lane reallocation on general traffic are not modelled."
        )
    ]
    if shares := c.get("source_shares"):
        parts = "; ".join(
            f"{_name(attr)}: " + ", ".join(f"{k} {_pct(v)}" for k, v in by_source.items()) for attr, by_source in shares.items()
        )
        items.append(
            f"Road attributes by share of corridor length and source: {parts}. OSM tags "
            "and road layers are data [D]; OSM defaults, global defaults and scenario "
            "assumptions are assumed values [L]."
        )
    return items + [f"Corridor: {note.rstrip('.')}." for note in c.get("notes", [])]


def _emissions(em: Data, sc: Data, profile: CityProfile | None) -> list[str]:
    shares, occupancy = sc["baseline"]["mode_shares"], sc["baseline"]["occupancy_pax"]
    per = ", ".join(f"{occupancy[k]:g} per {_name(k)}" for k in shares if k in occupancy)
    rw = em.get("real_world_factor", {})
    tag = _tag(profile, "real_world_factor", sc["emissions"]["real_world_factor"])
    curves = [show(_get(em, f"{alt}.co2_factor_curves_t")) for alt in ("scenario", "baseline")]
    items = [
        (
            f"Per year: {em.get('per_year', 'the simulated period x operating days')}. A "
            "peak-period run counts only that period of each day."
        ),
        (
            "Do-nothing baseline of the emission and safety models: the same general traffic "
            "plus the vehicles the BRT's passengers used "
            f"before ({_shares(shares)}), with {per} [L: take them from the corridor's survey]."
        ),
        (
            "Emission factors: HBEFA 4.2 at 20, 30 and 50 km/h on the COPERT / EMEP-EEA speed "
            "curve [D]; 10 km/h and exhaust PM2.5 derived from them [D]; the 33-seat minibus "
            "scaled from the 12 m Euro II bus [L]."
        ),
        (
            f"Fuel and CO2 of the existing fleet x{show(rw.get('existing_fleet'))} for East "
            f"African driving (Mbandi et al. 2019, Nairobi matatus) {tag}; new BRT buses "
            f"x{show(rw.get('brt_buses'))} [L]; NOx and PM2.5 not scaled. Without the factor, "
            f"CO2 is {curves[0]} t/year (scenario) and {curves[1]} t/year (baseline)."
        ),
    ]
    if any((_get(em, f"{alt}.electricity_mwh") or 0) > 0 for alt in ("scenario", "baseline")):
        grid = show(em.get("grid_gco2_per_kwh"))
        items.append(f"Grid electricity: {grid} g CO2/kWh [L: use the funder's factor].")
    return items


def _safety(sc: Data, profile: CityProfile | None) -> list[str]:
    spec = sc["safety"]
    rate, serious = spec["base_deaths_per_100m_vkm"], spec["serious_per_death"]
    tag = _tag(profile, "base_deaths_per_100m_vkm", rate) + " (calibrate with the corridor's police records)"
    return [
        (
            f"Road safety: a base rate of {rate:g} deaths per 100 million vehicle-km on the "
            f"corridor today {tag}, split by user group with the shares of deaths on bus "
            "corridors (Duduta et al. 2015) [D]."
        ),
        (
            "Speed changes deaths to the 4th power and serious injuries to the 3rd (power "
            "model, Cameron & Elvik 2010) [M]; crash modification factors for the design "
            f"features present [M; cycle lanes and footbridges L]; {serious:g} serious "
            f"injuries per death (iRAP) [L]. Band: 5-95 % of {spec['draws']} Monte "
            "Carlo draws over every factor's range."
        ),
    ]


def _mode_choice(s: Data, sc: Data) -> list[str]:
    mc, spec, nmt = s["mode_choice"], sc["mode_choice"], sc["nmt"]
    money = {k: show(v) for k, v in mc.get("money", {}).items()}
    cur = money.get("currency", "")
    state = "Converged" if mc.get("converged") else "NOT converged (read with caution)"
    today = ", ".join(f"{m} {show(v)}" for m, v in mc.get("shares_today", {}).items() if m != "brt")
    items = [
        (
            "Mode shift: multinomial logit on generalized cost (Ortuzar & Willumsen, 4th "
            f"ed.), constants calibrated to today's shares ({today}) [L]. {state} in "
            f"{show(mc.get('iterations'))} iterations (gap {show(mc.get('gap'))}, tolerance "
            f"{show(mc.get('tolerance'))})."
        ),
        (
            f"Money and weights: value of time {cur} {money.get('value_of_time_per_h')}/h, "
            f"fares {cur} {money.get('brt_fare')} (BRT) and {money.get('minibus_fare')} "
            f"(minibus), car {cur} {money.get('car_cost_per_km')}/km; walking time weighted "
            f"x{spec['walk_weight']:g}, waiting x{spec['wait_weight']:g} "
            "[L: placeholders until the corridor's survey]."
        ),
    ]
    if mb := s.get(_MB):
        stops = ", ".join(f"{v} {k}" for k, v in mb.get("stops_by_source", {}).items())
        notes = "".join(f"; {note}" for note in mb.get("notes", []))
        items.append(
            f"Today's minibuses: {show(mb.get('routes'))} routes of "
            f"{'route layer' if (sc.get('paratransit') or {}).get('routes') else 'GTFS feed'} "
            f"{mb.get('feed')}, {show(mb.get('stops'))} stops ({stops}), "
            f"{_name(mb.get('vehicle'))} vehicles in mixed traffic{notes} "
            "[D routes, L frequencies]."
        )
    access = _get(mc, "access.scenario") or {}
    if "walk network" in (access.get("method") or []):
        walk = f"on the OSM walk network at {nmt['walk_speed_ms']:g} m/s (HCM) [M]"
    else:
        detour = nmt["detour_factor"]
        walk = f"along the straight line x {detour:g} (Levinson & El-Geneidy 2009) [L]"
    items.append(
        f"Walking to the stations {walk}, {show(access.get('brt_walk_min'))} min on "
        "average with the BRT; crossing delays from HCM 2010 (signalized and gap "
        "acceptance) [M]."
    )
    return items


# --- sources ------------------------------------------------------------------------


def _sources(s: Data, c: Data, sc: Data, manifest: CityManifest | None, version: str) -> list[Source]:
    rows = [Source("Street network and every map", f"OpenStreetMap, {OSM_CREDIT}", OSM_LICENCE)]
    used = c.get("alignment_source", s["corridor"]["alignment"])
    detail = c.get("alignment_detail", "")
    if used == "osm":
        what = "Corridor alignment and road attributes"
        rows.append(Source(what, f"OpenStreetMap: {detail}", OSM_LICENCE))
    elif used == "gtfs":
        feeds = [a.get("feed") for a in sc["corridor"]["alignment"] if a["source"] == "gtfs"]
        rows.append(_feed("Corridor alignment (route shape)", feeds[0], manifest, detail))
    else:
        rows.append(Source("Corridor alignment", detail, "as supplied: verify before publishing"))
    for name in sc["corridor"].get("road_layers", []):
        layer = manifest.road_layers.get(name) if manifest is not None else None
        if layer is None:
            rows.append(Source("Road attributes", f"road layer {name}", "see PROVENANCE.md"))
        else:
            text = f"road layer {name}: {layer.file} ({layer.note})"
            rows.append(Source("Road attributes", text, layer.licence))
    if feed := _get(s, "minibus.feed"):
        layer = manifest.route_layers.get(feed) if manifest is not None else None
        if layer is not None and (sc.get("paratransit") or {}).get("routes") == feed:
            text = f"route layer {feed}: {layer.file} ({layer.note}); frequencies: the scenario's assumption"
            rows.append(Source("Today's minibus routes", text, layer.licence))
        else:
            rows.append(_feed("Today's minibus routes, stops and frequencies", feed, manifest, ""))
    rows.append(
        Source(
            "Passenger demand, traffic volumes",
            f"scenario {sc['name']}, set by its author",
            "as supplied: name the counts' source",
        )
    )
    rows += [Source(what, text, CITED) for key, what, text in CITED_SOURCES if key in s]
    if "mode_choice" in s:
        rows.append(Source(*MODE_CHOICE_SOURCE, CITED))
    return [*rows, Source("Simulator", f"corridor-sim {version}", "MIT")]


def _feed(what: str, feed: str | None, manifest: CityManifest | None, detail: str) -> Source:
    spec = manifest.gtfs.get(feed) if manifest is not None and feed else None
    if spec is None:
        return Source(what, detail or f"GTFS feed {feed}", "see PROVENANCE.md")
    return Source(what, f"GTFS feed {feed} ({spec.file or spec.url})", spec.licence)
