"""Corridor: segment and station arrays built from an alignment and the scenario's values.

A segment runs from one station to the next. Each attribute of each segment records where it came
from (see :mod:`corridor_sim.attributes` for the sources, most specific first), metre by metre,
in :attr:`Corridor.provenance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import ops

from corridor_sim import attributes
from corridor_sim._errors import CorridorBuildError
from corridor_sim.alignment import MAX_STATION_OFFSET_M, Alignment, build_alignment
from corridor_sim.scenario import CorridorSpec, Scenario, SignalSpec

#: Per-segment design values: the corridor's, then each ``[[corridor.segments]]`` override.
SEGMENT_DESIGN = ("sidewalk_coverage", "refuge_islands", "cycle_lane", "counterflow")
#: Attributes whose provenance is recorded, in display order.
TRACKED = ("running_way", "lanes", "speed_limit_kmh", "highway", "signals", "crossings", "junctions", "signal_timing")


@dataclass(frozen=True)
class Corridor:
    """A corridor as arrays: stations (n) and the segments between them (n - 1).

    Attributes
    ----------
    name, title, city
        From the scenario.
    alignment
        The line, its source and what lies along it (:class:`~corridor_sim.alignment.Alignment`).
    station_name, station_lat, station_lon
        Stations in running order (degrees).
    station_chainage_m
        Distance of each station from the first along the line (metres).
    station_offset_m
        Distance of each station's given position from the line (metres).
    length_m
        Segment lengths (metres).
    lanes
        General traffic lanes per direction (length-weighted mean over the segment).
    speed_limit_kmh
        Speed limit giving the same free-flow time as the segment's pieces (harmonic mean).
    highway
        OSM highway class covering most of the segment (``"unknown"`` if none matched).
    running_way
        ``median_busway``, ``curbside_bus_lane`` or ``mixed_traffic``.
    signal_cycle_s, green_share
        Signal timing on the segment.
    signal_m, crossing_m, junction_m
        Chainages of signals, unsignalized crossings and junctions (metres, sorted).
    junction_legs
        Legs of each junction in ``junction_m``.
    berths, substops, passing_lane, station_access
        Per station: berths per stopping area and direction, stopping areas (sub-stops), whether
        buses can overtake there, and how passengers cross to it (``signalized``,
        ``unsignalized``, ``grade_separated``).
    sidewalk_coverage, refuge_islands, cycle_lane, counterflow
        Per segment: share of the kerb with a sidewalk, pedestrian refuges on the crossings, a
        separated cycle lane, buses against the general traffic.
    provenance
        One row per (segment, attribute, source) with the metres of that segment whose value
        came from that source.
    station_source
        Per station: where its position came from (the scenario's ``source``, else how it was
        placed).
    placed_signals
        The signals the scenario placed (``[[corridor.signals]]``): name, at_m, placed_by.
    """

    name: str
    title: str
    city: str
    alignment: Alignment
    station_name: np.ndarray
    station_lat: np.ndarray
    station_lon: np.ndarray
    station_chainage_m: np.ndarray
    station_offset_m: np.ndarray
    length_m: np.ndarray
    lanes: np.ndarray
    speed_limit_kmh: np.ndarray
    highway: np.ndarray
    running_way: np.ndarray
    signal_cycle_s: np.ndarray
    green_share: np.ndarray
    signal_m: np.ndarray
    crossing_m: np.ndarray
    junction_m: np.ndarray
    junction_legs: np.ndarray
    berths: np.ndarray
    substops: np.ndarray
    passing_lane: np.ndarray
    station_access: np.ndarray
    sidewalk_coverage: np.ndarray
    refuge_islands: np.ndarray
    cycle_lane: np.ndarray
    counterflow: np.ndarray
    provenance: pd.DataFrame
    station_source: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    placed_signals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["name", "at_m", "placed_by"]))

    @property
    def n_segments(self) -> int:
        """Number of segments (stations - 1)."""
        return len(self.length_m)

    @property
    def total_length_m(self) -> float:
        """Length from the first station to the last (metres)."""
        return float(self.length_m.sum())

    def per_segment(self, chainage_m: np.ndarray) -> np.ndarray:
        """Count of points (e.g. :attr:`signal_m`) in each segment."""
        index = np.searchsorted(self.station_chainage_m, chainage_m, side="right") - 1
        return np.bincount(np.clip(index, 0, self.n_segments - 1), minlength=self.n_segments)

    @property
    def mean_sidewalk_coverage(self) -> float:
        """Share of the corridor's kerb with a sidewalk (length-weighted over the segments)."""
        return float(np.average(self.sidewalk_coverage, weights=self.length_m))

    @property
    def signal_count(self) -> np.ndarray:
        """Signals per segment."""
        return self.per_segment(self.signal_m)

    @property
    def crossing_count(self) -> np.ndarray:
        """Unsignalized crossings per segment."""
        return self.per_segment(self.crossing_m)

    @property
    def junction_count(self) -> np.ndarray:
        """Junctions per segment."""
        return self.per_segment(self.junction_m)

    def segment_table(self) -> pd.DataFrame:
        """One row per segment with its attributes."""
        return pd.DataFrame(
            {
                "from": self.station_name[:-1],
                "to": self.station_name[1:],
                "start_m": self.station_chainage_m[:-1],
                "length_m": self.length_m,
                "running_way": self.running_way,
                "highway": self.highway,
                "lanes": self.lanes,
                "speed_limit_kmh": self.speed_limit_kmh,
                "signals": self.signal_count,
                "crossings": self.crossing_count,
                "junctions": self.junction_count,
                "signal_cycle_s": self.signal_cycle_s,
                "green_share": self.green_share,
                "sidewalk_coverage": self.sidewalk_coverage,
                "refuge_islands": self.refuge_islands,
                "cycle_lane": self.cycle_lane,
                "counterflow": self.counterflow,
            }
        )

    def source_shares(self) -> pd.DataFrame:
        """Share of corridor length each source supplied, per attribute (rows) and source (columns)."""
        table = self.provenance.pivot_table(index="attribute", columns="source", values="length_m", aggfunc="sum", fill_value=0.0)
        table = table.div(self.total_length_m).reindex(index=list(TRACKED))
        return table[[s for s in attributes.SOURCES if s in table.columns]]

    def segments_lonlat(self) -> gpd.GeoDataFrame:
        """The segments as lines in EPSG:4326, with the segment table's columns."""
        lines = [
            ops.substring(self.alignment.line, a, b)
            for a, b in zip(self.station_chainage_m[:-1], self.station_chainage_m[1:], strict=True)
        ]
        return gpd.GeoDataFrame(self.segment_table(), geometry=lines, crs=self.alignment.crs).to_crs("EPSG:4326")


def with_stops(
    corridor: Corridor,
    chainage_m: np.ndarray,
    names: list[str],
    running_way: str = "mixed_traffic",
    berths: int = 1,
    passing_lane: bool = True,
    access: str = "unsignalized",
) -> Corridor:
    """The same road with other stops: each segment's attributes re-averaged over the new segments.

    Lanes and sidewalk coverage are length-weighted, speed limits keep the free-flow time
    (harmonic mean), the class, signal timing, refuges, cycle lane and counterflow are those
    covering most of each new segment; signals, crossings and junctions stay where they are. Used
    for the minibus baseline, whose informal stops are not the stations.

    Parameters
    ----------
    corridor
        The corridor.
    chainage_m
        The stops along its line, increasing, from its first station to its last (metres).
    names
        The stops' names, unique.
    running_way
        Running way of every new segment.
    berths, passing_lane, access
        Every new stop's loading areas, overtaking and crossing.

    Returns
    -------
    Corridor
        The corridor between the new stops.
    """
    bounds = np.asarray(chainage_m, dtype=float)
    old = corridor.station_chainage_m
    # metres of each old segment inside each new one: (old, new)
    overlap = np.clip(np.minimum(old[1:, None], bounds[None, 1:]) - np.maximum(old[:-1, None], bounds[None, :-1]), 0.0, None)
    seg_len = np.diff(bounds)
    share = overlap / corridor.length_m[:, None]
    dominant = overlap.argmax(axis=0)
    points = gpd.GeoSeries([corridor.alignment.line.interpolate(c) for c in bounds], crs=corridor.alignment.crs).to_crs(
        "EPSG:4326"
    )
    prov = corridor.provenance
    moved = share[prov["segment"].to_numpy()] * prov["length_m"].to_numpy()[:, None]
    provenance = pd.DataFrame(
        [
            (k, a, src, m[k])
            for (a, src), m in zip(zip(prov["attribute"], prov["source"], strict=True), moved, strict=True)
            for k in np.flatnonzero(m > 0)
        ],
        columns=["segment", "attribute", "source", "length_m"],
    )
    provenance = provenance.groupby(["segment", "attribute", "source"], as_index=False)["length_m"].sum()
    return replace(
        corridor,
        station_name=np.array(names, dtype=object),
        station_lat=points.y.to_numpy(),
        station_lon=points.x.to_numpy(),
        station_chainage_m=bounds,
        station_offset_m=np.zeros(len(bounds)),
        station_source=np.full(len(bounds), "stop of the baseline service", dtype=object),
        length_m=seg_len,
        lanes=(overlap * corridor.lanes[:, None]).sum(axis=0) / seg_len,
        speed_limit_kmh=seg_len / (overlap / corridor.speed_limit_kmh[:, None]).sum(axis=0),
        highway=corridor.highway[dominant],
        running_way=np.full(len(seg_len), running_way, dtype=object),
        signal_cycle_s=corridor.signal_cycle_s[dominant],
        green_share=corridor.green_share[dominant],
        berths=np.full(len(bounds), berths),
        substops=np.ones(len(bounds), dtype=np.int64),
        passing_lane=np.full(len(bounds), passing_lane),
        station_access=np.full(len(bounds), access, dtype=object),
        sidewalk_coverage=(overlap * corridor.sidewalk_coverage[:, None]).sum(axis=0) / seg_len,
        refuge_islands=corridor.refuge_islands[dominant],
        cycle_lane=corridor.cycle_lane[dominant],
        counterflow=corridor.counterflow[dominant],
        provenance=provenance,
    )


def build_corridor(scenario: Scenario, prefer: str | None = None) -> Corridor:
    """Build the corridor of a scenario.

    Parameters
    ----------
    scenario
        The validated scenario.
    prefer
        Alignment source to use (``None``: the scenario's first that can be had here).

    Returns
    -------
    Corridor
        Arrays per station and segment, with attribute provenance.
    """
    return corridor_from_alignment(scenario, build_alignment(scenario, prefer))


def corridor_from_alignment(scenario: Scenario, alignment: Alignment) -> Corridor:
    """Apply the scenario's assumptions and segment values to an alignment.

    Parameters
    ----------
    scenario
        The scenario.
    alignment
        Its alignment.

    Returns
    -------
    Corridor
        The corridor.
    """
    spec = scenario.corridor
    bounds = alignment.station_chainage_m
    seg_len = np.diff(bounds)
    n = len(seg_len)
    pieces = alignment.pieces
    # metres of each piece inside each segment: (pieces, segments)
    overlap = np.clip(
        np.minimum(pieces["end_m"].to_numpy()[:, None], bounds[None, 1:])
        - np.maximum(pieces["start_m"].to_numpy()[:, None], bounds[None, :-1]),
        0.0,
        None,
    )
    rows: list[tuple[int, str, str, float]] = []

    def record(attr: str, sources: np.ndarray) -> None:
        for source in pd.unique(sources):
            metres = overlap[sources == source].sum(axis=0)
            rows.extend((k, attr, source, float(metres[k])) for k in range(n) if metres[k] > 0)

    lanes, lanes_src = _fill(pieces, "lanes", spec.assume.lanes)
    speed, speed_src = _fill(pieces, "speed_limit_kmh", spec.assume.speed_limit_kmh)
    record("lanes", lanes_src)
    record("speed_limit_kmh", speed_src)
    seg_lanes = (overlap * lanes[:, None]).sum(axis=0) / seg_len
    seg_speed = seg_len / (overlap / speed[:, None]).sum(axis=0)
    highway = pieces["highway"].fillna("unknown").to_numpy(dtype=object)
    record("highway", pieces["highway_source"].fillna("global default").to_numpy(dtype=object))
    seg_highway = np.array([_dominant(highway, overlap[:, k]) for k in range(n)], dtype=object)

    junctions_src = pieces["junctions_source"].fillna("global default").to_numpy(dtype=object)
    record("junctions", junctions_src)
    placed = placed_signals(spec.signals, alignment)
    data_signals = alignment.signals_m
    near_data = [len(data_signals) and np.abs(data_signals - at).min() <= SIGNAL_MERGE_M for at in placed["at_m"]]
    points = {}
    for feature, found_m, per_km in (
        ("signals", data_signals, spec.assume.signals_per_km),
        ("crossings", alignment.crossings_m, spec.assume.crossings_per_km),
    ):
        known = pieces[f"{feature}_source"].notna().to_numpy()
        stated = per_km is not None or (feature == "signals" and bool(spec.signals))
        fallback = "scenario assumption" if stated else "global default"
        record(feature, np.where(known, pieces[f"{feature}_source"].to_numpy(dtype=object), fallback))
        points[feature] = _assumed_points(found_m, per_km, known, pieces)
    signal_m, crossing_m = points["signals"], points["crossings"]
    signal_m = np.concatenate([signal_m, placed["at_m"].to_numpy(float)[~np.array(near_data, dtype=bool)]])

    timing_src = "scenario assumption" if spec.assume.signal_cycle_s or spec.assume.green_share else "global default"
    cycle = np.full(n, spec.assume.signal_cycle_s or attributes.GLOBAL_DEFAULTS["signal_cycle_s"])
    green = np.full(n, spec.assume.green_share or attributes.GLOBAL_DEFAULTS["green_share"])
    running_way = np.full(n, spec.running_way, dtype=object)
    rows.extend((k, "signal_timing", timing_src, float(seg_len[k])) for k in range(n))
    rows.extend((k, "running_way", "scenario", float(seg_len[k])) for k in range(n))

    names = [s.name for s in spec.stations]
    provenance = pd.DataFrame(rows, columns=["segment", "attribute", "source", "length_m"])
    design = {f: np.full(n, getattr(spec, f), dtype=float if f == "sidewalk_coverage" else bool) for f in SEGMENT_DESIGN}
    for override in spec.segments:
        first, last = names.index(override.from_station), names.index(override.to_station) - 1
        segs = np.arange(first, last + 1)
        for f, array in design.items():
            if getattr(override, f) is not None:
                array[segs] = getattr(override, f)
        values = {
            "running_way": (running_way, override.running_way),
            "lanes": (seg_lanes, override.lanes),
            "speed_limit_kmh": (seg_speed, override.speed_limit_kmh),
        }
        for attr, (array, value) in values.items():
            if value is not None:
                array[segs] = value
                provenance = _replace(provenance, segs, attr, seg_len)
        for attr, value in (("signal_cycle_s", override.signal_cycle_s), ("green_share", override.green_share)):
            if value is not None:
                (cycle if attr == "signal_cycle_s" else green)[segs] = value
                provenance = _replace(provenance, segs, "signal_timing", seg_len)
        if override.signals is not None:
            signal_m = _set_points(signal_m, segs, override.signals, bounds)
            provenance = _replace(provenance, segs, "signals", seg_len)
        if override.crossings is not None:
            crossing_m = _set_points(crossing_m, segs, override.crossings, bounds)
            provenance = _replace(provenance, segs, "crossings", seg_len)

    stations = spec.stations
    sources = [s.source or ("distance along the line" if s.placed_by_distance else "scenario coordinates") for s in stations]
    return Corridor(
        name=scenario.name,
        title=scenario.title or scenario.name,
        city=scenario.city,
        alignment=alignment,
        station_name=np.array(names, dtype=object),
        station_lat=np.asarray(alignment.station_lat, dtype=float),
        station_lon=np.asarray(alignment.station_lon, dtype=float),
        station_chainage_m=bounds,
        station_offset_m=alignment.station_offset_m,
        length_m=seg_len,
        lanes=seg_lanes,
        speed_limit_kmh=seg_speed,
        highway=seg_highway,
        running_way=running_way,
        signal_cycle_s=cycle,
        green_share=green,
        signal_m=np.sort(signal_m),
        crossing_m=np.sort(crossing_m),
        junction_m=alignment.junctions_m,
        junction_legs=alignment.junction_legs,
        **_station_design(spec),
        **design,
        provenance=provenance.sort_values(["segment", "attribute"]).reset_index(drop=True),
        station_source=np.array(sources, dtype=object),
        placed_signals=placed,
    )


#: A placed signal this close to one the data has is that signal (metres).
SIGNAL_MERGE_M = 30.0
#: A street whose line comes this close to the corridor's meets it there (metres): half a dual
#: carriageway's width and a junction's mouth.
JUNCTION_REACH_M = 30.0
#: A street that runs this long within :data:`JUNCTION_REACH_M` of the line runs along the corridor
#: (it is the corridor's own road there, or a service road), not across it.
ALONG_CORRIDOR_M = 150.0
#: Where a named street meets the line at points closer than this, they are one junction (metres).
JUNCTION_SPREAD_M = 80.0


def placed_signals(signals: list[SignalSpec], alignment: Alignment) -> pd.DataFrame:
    """The chainage of each signal the scenario places (``[[corridor.signals]]``).

    Parameters
    ----------
    signals
        The scenario's signals.
    alignment
        The corridor's alignment (its line, CRS and named streets).

    Returns
    -------
    pandas.DataFrame
        name, at_m (metres from the first station) and placed_by, sorted by at_m.

    Raises
    ------
    CorridorBuildError
        If a signal lies beyond the corridor, more than 50 m off its line, or its street does not
        meet the corridor at exactly one place.
    """
    line = alignment.line
    rows = []
    for k, signal in enumerate(signals):
        where = f"corridor.signals[{k}] ({signal.label})"
        if signal.at_m is not None:
            at, how = signal.at_m, "distance along the corridor"
        elif signal.lat is not None:
            point = gpd.GeoSeries(gpd.points_from_xy([signal.lon], [signal.lat]), crs="EPSG:4326").to_crs(alignment.crs).iloc[0]
            off = line.distance(point)
            if off > MAX_STATION_OFFSET_M:
                raise CorridorBuildError(
                    f"{where} is {off:.0f} m from the corridor's line (limit {MAX_STATION_OFFSET_M:.0f} m): check its lat/lon"
                )
            at, how = line.project(point), "coordinates"
        else:
            at, how = _junction_m(alignment, signal.cross_street, where), f"where {signal.cross_street} meets it"
        if not 0.0 <= at <= line.length:
            raise CorridorBuildError(f"{where}: at {at:.0f} m, beyond the corridor ({line.length:.0f} m from its first station)")
        rows.append((signal.label, float(at), how))
    frame = pd.DataFrame(rows, columns=["name", "at_m", "placed_by"])
    return frame.sort_values("at_m", ignore_index=True)


def _junction_m(alignment: Alignment, street: str, where: str) -> float:
    """Chainage of the one place where ``street`` (a name in the alignment's streets) meets the line."""
    streets = alignment.streets
    if streets is None or streets.empty:
        raise CorridorBuildError(
            f"{where}: cross_street needs named streets (the OSM graph or corridor.road_layers); place it by at_m or lat/lon"
        )
    line = alignment.line
    reach = line.buffer(JUNCTION_REACH_M)
    names = streets["name"].astype(str).str.strip()
    meeting = streets[streets.intersects(reach).to_numpy()]
    found = []
    for geom in streets.geometry[(names.str.casefold() == street.strip().casefold()).to_numpy()]:
        inside = geom.intersection(reach)
        if inside.is_empty or inside.length > ALONG_CORRIDOR_M:
            continue
        crossing = geom.intersection(line)
        point = crossing if not crossing.is_empty else shapely.get_point(shapely.shortest_line(geom, line), -1)
        found += list(shapely.line_locate_point(line, shapely.points(shapely.get_coordinates(point))))
    if not found:
        known = sorted(set(meeting["name"].astype(str)) - {street})[:20]
        raise CorridorBuildError(
            f"{where}: no street named {street!r} meets the corridor (within {JUNCTION_REACH_M:.0f} m, across it); "
            f"streets that do: {', '.join(known) or 'none'}; or place it by at_m or lat/lon"
        )
    found.sort()
    groups = [[found[0]]]
    for at in found[1:]:
        if at - groups[-1][-1] <= JUNCTION_SPREAD_M:
            groups[-1].append(at)
        else:
            groups.append([at])
    if len(groups) > 1:
        places = ", ".join(f"{np.mean(g):.0f} m" for g in groups)
        raise CorridorBuildError(f"{where}: {street!r} meets the corridor at {len(groups)} places ({places}); place it by at_m")
    return float(np.mean(groups[0]))


def _station_design(spec: CorridorSpec) -> dict[str, np.ndarray]:
    """Per station: berths, sub-stops, passing lane and access (each station's, else the corridor's)."""
    design = [spec.station_design(s) for s in spec.stations]
    return {
        "berths": np.array([d["berths"] for d in design]),
        "substops": np.array([d["substops"] for d in design], dtype=np.int64),
        "passing_lane": np.array([d["passing_lane"] for d in design], dtype=bool),
        "station_access": np.array([d["access"] for d in design], dtype=object),
    }


def _fill(pieces: pd.DataFrame, attr: str, assumed: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Values of ``attr`` per piece with gaps filled: class default, then assumption, then global."""
    values = pieces[attr].to_numpy(dtype=float).copy()
    sources = pieces[f"{attr}_source"].to_numpy(dtype=object).copy()
    defaults = np.array([attributes.class_default(h, attr) for h in pieces["highway"]])
    use = np.isnan(values) & ~np.isnan(defaults)
    values[use], sources[use] = defaults[use], "osm default"
    gap = np.isnan(values)
    if assumed is not None:
        values[gap], sources[gap] = assumed, "scenario assumption"
    else:
        values[gap], sources[gap] = attributes.GLOBAL_DEFAULTS[attr], "global default"
    return values, sources


def _dominant(labels: np.ndarray, weights: np.ndarray) -> str:
    totals = pd.Series(weights).groupby(labels).sum()
    return str(totals.idxmax())


def _assumed_points(known_m: np.ndarray, per_km: float | None, known: np.ndarray, pieces: pd.DataFrame) -> np.ndarray:
    """Known points, plus points at ``per_km`` spread evenly over the pieces where none are known."""
    if per_km is None or known.all():
        return known_m
    starts, ends = pieces["start_m"].to_numpy()[~known], pieces["end_m"].to_numpy()[~known]
    cumulative = np.concatenate([[0.0], np.cumsum(ends - starts)])
    spacing = 1000.0 / per_km if per_km > 0 else np.inf
    targets = (np.arange(int(np.rint(cumulative[-1] / spacing))) + 0.5) * spacing
    piece = np.searchsorted(cumulative, targets, side="right") - 1
    return np.concatenate([known_m, starts[piece] + targets - cumulative[piece]])


def _set_points(points_m: np.ndarray, segs: np.ndarray, count: int, bounds: np.ndarray) -> np.ndarray:
    """Replace the points in ``segs`` by ``count`` per segment, spread evenly."""
    keep = np.ones(len(points_m), dtype=bool)
    added = []
    for k in segs:
        keep &= ~((points_m >= bounds[k]) & (points_m < bounds[k + 1]))
        added.append(bounds[k] + (np.arange(count) + 0.5) * (bounds[k + 1] - bounds[k]) / max(count, 1))
    return np.concatenate([points_m[keep], *added])


def _replace(provenance: pd.DataFrame, segs: np.ndarray, attr: str, seg_len: np.ndarray) -> pd.DataFrame:
    """Mark ``attr`` on ``segs`` as set by the scenario."""
    drop = provenance["segment"].isin(segs) & (provenance["attribute"] == attr)
    new = pd.DataFrame({"segment": segs, "attribute": attr, "source": "scenario", "length_m": seg_len[segs]})
    return pd.concat([provenance[~drop], new], ignore_index=True)
