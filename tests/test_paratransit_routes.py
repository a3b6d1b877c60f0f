"""Minibus GTFS patterns along the preset corridors: overlap, vehicles per hour, stops."""

from __future__ import annotations

import re

import geopandas as gpd
import gtfs_kit
import numpy as np
import pandas as pd
import pytest
from shapely import ops
from shapely.geometry import LineString, Point

from corridor_sim._errors import CorridorBuildError
from corridor_sim.corridor import Corridor
from corridor_sim.network.gtfs import load_feed
from corridor_sim.paratransit.routes import (
    corridor_patterns,
    corridor_stops,
    pattern_vehicles_per_h,
)

FEEDS = {"nairobi": "digital_matatus", "kampala": "tfc", "addis_ababa": "addismap"}
BUFFER_M = 40.0


@pytest.fixture(scope="module")
def feeds() -> dict[str, gtfs_kit.Feed]:
    """The three cities' feeds, loaded once (shared: tests copy before changing one)."""
    return {city: load_feed(city, key).feed for city, key in FEEDS.items()}


@pytest.fixture(scope="module")
def patterns(feeds: dict[str, gtfs_kit.Feed], corridors: dict[str, Corridor]) -> dict[str, pd.DataFrame]:
    """corridor_patterns of each preset corridor, with the default buffer and minimum."""
    return {
        city: corridor_patterns(feed, corridors[city].alignment.line, corridors[city].alignment.crs)
        for city, feed in feeds.items()
    }


def _hms(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _secs(text: str) -> float:
    h, m, s = (int(x) for x in str(text).split(":"))
    return 3600.0 * h + 60.0 * m + s


def _with_shapes(feed: gtfs_kit.Feed, lines: dict[str, LineString], crs: str) -> gtfs_kit.Feed:
    """A copy of ``feed`` with one route, trip and shape (id = key) per projected line."""
    copy = feed.copy()
    points = []
    for shape_id, line in lines.items():
        xy = np.asarray(gpd.GeoSeries([line], crs=crs).to_crs("EPSG:4326").iloc[0].coords)
        points.append(
            pd.DataFrame(
                {
                    "shape_id": shape_id,
                    "shape_pt_lat": xy[:, 1],
                    "shape_pt_lon": xy[:, 0],
                    "shape_pt_sequence": np.arange(len(xy)),
                }
            )
        )
    ids = list(lines)
    copy.shapes = pd.concat([feed.shapes, *points], ignore_index=True)
    routes = pd.DataFrame({"route_id": ids, "route_short_name": ids, "route_type": 3})
    copy.routes = pd.concat([feed.routes, routes], ignore_index=True)
    trips = pd.DataFrame(
        {
            "route_id": ids,
            "service_id": "DAILY",
            "trip_id": ids,
            "direction_id": 0,
            "shape_id": ids,
        }
    )
    copy.trips = pd.concat([feed.trips, trips], ignore_index=True)
    return copy


def test_several_matatu_routes_run_along_thika_road(patterns: dict[str, pd.DataFrame], corridors: dict[str, Corridor]) -> None:
    table, length_m = patterns["nairobi"], corridors["nairobi"].alignment.line.length
    assert len(table) >= 30
    assert (table["overlap_m"] >= 10_000).sum() >= 6  # outbound to Githurai, KU, Ruiru
    assert (table["overlap_m"] <= table["shape_length_m"] + 1.0).all()
    assert (table["overlap_m"] <= length_m + 2 * BUFFER_M).all()
    assert (table["overlap_m"] >= 500.0).all()
    assert (table["start_m"] <= table["end_m"]).all()
    assert table[["route_id", "direction_id"]].equals(
        table[["route_id", "direction_id"]].sort_values(["route_id", "direction_id"])
    )
    # the corridor's own shape (outbound) and its inbound twin
    own = table.set_index("shape_id").loc["20145111"]
    assert own["overlap_m"] == pytest.approx(length_m, abs=2 * BUFFER_M)
    assert own["runs_with_corridor"]
    assert not table.set_index("shape_id").loc["20145110", "runs_with_corridor"]


def test_a_route_leaving_the_corridor_counts_only_its_overlap(
    feeds: dict[str, gtfs_kit.Feed], corridors: dict[str, Corridor]
) -> None:
    line, crs = corridors["nairobi"].alignment.line, corridors["nairobi"].alignment.crs
    along = ops.substring(line, 2000.0, 6000.0)
    end, before = (
        np.asarray(along.coords[-1]),
        np.asarray(line.interpolate(5980.0).coords[0]),
    )
    tangent = (end - before) / np.linalg.norm(end - before)
    normal = np.array([-tangent[1], tangent[0]])
    leg = end + np.linspace(0.0, 3000.0, 31)[1:, None] * normal
    leaving = LineString(np.vstack([np.asarray(along.coords), leg]))
    assert line.distance(Point(leg[-1])) > 2000.0  # the leg heads away and stays away
    middle = np.asarray(line.interpolate(10_000.0).coords[0])
    tangent = middle - np.asarray(line.interpolate(9_980.0).coords[0])
    normal = np.array([-tangent[1], tangent[0]]) / np.linalg.norm(tangent)
    crossing = LineString([middle - 1000.0 * normal, middle + 1000.0 * normal])
    feed = _with_shapes(
        feeds["nairobi"],
        {"leave": leaving, "back": leaving.reverse(), "cross": crossing},
        crs,
    )
    table = corridor_patterns(feed, line, crs, BUFFER_M, min_overlap_m=0.0).set_index("shape_id")
    for shape_id, runs_with in (("leave", True), ("back", False)):
        row = table.loc[shape_id]
        assert row["shape_length_m"] == pytest.approx(7000.0, abs=1.0)
        assert row["overlap_m"] == pytest.approx(4000.0, abs=2 * BUFFER_M)
        assert row["start_m"] == pytest.approx(2000.0, abs=10.0)
        assert row["end_m"] == pytest.approx(6000.0, abs=10.0)
        assert row["runs_with_corridor"] == runs_with
    assert table["overlap_m"].get("cross", 0.0) < 20.0


def test_a_feed_without_shapes_is_an_error(feeds: dict[str, gtfs_kit.Feed], corridors: dict[str, Corridor]) -> None:
    feed = feeds["nairobi"].copy()
    feed.shapes = None
    with pytest.raises(CorridorBuildError, match=re.escape("shapes.txt")):
        corridor_patterns(
            feed,
            corridors["nairobi"].alignment.line,
            corridors["nairobi"].alignment.crs,
        )


def test_vehicles_per_h_from_frequencies_match_the_headway(
    feeds: dict[str, gtfs_kit.Feed], patterns: dict[str, pd.DataFrame]
) -> None:
    feed, shape_id = feeds["nairobi"], "20145111"
    assert shape_id in set(patterns["nairobi"]["shape_id"])
    trip_ids = feed.trips.loc[feed.trips["shape_id"] == shape_id, "trip_id"]
    rows = feed.frequencies[feed.frequencies["trip_id"].isin(trip_ids)]
    row = rows[rows["start_time"].map(_secs) <= 7 * 3600].iloc[-1]
    assert _secs(row["end_time"]) >= 8 * 3600  # 07:00-08:00 lies inside this row
    table = pattern_vehicles_per_h(feed, [shape_id], 7 * 3600, 8 * 3600)
    assert table["source"].tolist() == ["frequencies"]
    assert table["vehicles_per_h"].iloc[0] == pytest.approx(3600.0 / row["headway_secs"])
    # 08:30-09:30 straddles two rows: half an hour at each headway
    table = pattern_vehicles_per_h(feed, [shape_id], 8.5 * 3600, 9.5 * 3600)
    rows = rows.set_index(rows["start_time"].map(_secs))
    expected = 1800.0 / rows.loc[6 * 3600, "headway_secs"] + 1800.0 / rows.loc[9 * 3600, "headway_secs"]
    assert table["vehicles_per_h"].iloc[0] == pytest.approx(expected)


def test_trips_without_frequencies_are_counted_from_stop_times(
    feeds: dict[str, gtfs_kit.Feed], patterns: dict[str, pd.DataFrame]
) -> None:
    feed = feeds["nairobi"].copy()
    shape_id = "20145111"
    trip_id = feed.trips.loc[feed.trips["shape_id"] == shape_id, "trip_id"].iloc[0]
    feed.frequencies = feed.frequencies[feed.frequencies["trip_id"] != trip_id]
    template = feed.stop_times[feed.stop_times["trip_id"] == trip_id]
    first_s = _secs(template.sort_values("stop_sequence")["departure_time"].iloc[0])
    shifts = {"extra_10": 600, "extra_20": 1200, "extra_70": 4200}
    copies = [
        template.assign(
            trip_id=new,
            arrival_time=template["arrival_time"].map(lambda t, d=shift: _hms(_secs(t) + d)),
            departure_time=template["departure_time"].map(lambda t, d=shift: _hms(_secs(t) + d)),
        )
        for new, shift in shifts.items()
    ]
    feed.stop_times = pd.concat([feed.stop_times, *copies], ignore_index=True)
    extra = feed.trips[feed.trips["trip_id"] == trip_id].iloc[[0, 0, 0]].assign(trip_id=list(shifts))
    feed.trips = pd.concat([feed.trips, extra], ignore_index=True)
    departures = [first_s] + [first_s + s for s in shifts.values()]
    bins = np.arange(5 * 3600, 10 * 3600, 3600)
    expected = [sum(b <= t < b + 3600 for t in departures) for b in bins]
    table = pattern_vehicles_per_h(feed, [shape_id], 5 * 3600, 10 * 3600)
    assert table["bin_start_s"].tolist() == bins.tolist()
    assert table["vehicles_per_h"].tolist() == expected
    assert sum(expected) == 4 and (table["source"] == "stop_times").all()
    # half-hour bins: the same departures, per hour
    table = pattern_vehicles_per_h(feed, [shape_id], 6 * 3600, 7 * 3600, step_s=1800)
    assert table["vehicles_per_h"].tolist() == [6.0, 0.0]
    # the real feed's route 0027 (Kariobangi North - Thika road - Town) has no frequencies
    real = pattern_vehicles_per_h(feeds["nairobi"], ["20027111", "no_such_shape"], 5 * 3600, 8 * 3600)
    assert "20027111" in set(patterns["nairobi"]["shape_id"])
    assert real.groupby("shape_id")["source"].first().to_dict() == {
        "20027111": "stop_times",
        "no_such_shape": "none",
    }
    assert real.groupby("shape_id")["vehicles_per_h"].sum().to_dict() == {
        "20027111": 1.0,
        "no_such_shape": 0.0,
    }


def test_kampala_patterns_and_stops_without_stop_times(
    feeds: dict[str, gtfs_kit.Feed],
    patterns: dict[str, pd.DataFrame],
    corridors: dict[str, Corridor],
) -> None:
    feed, table = feeds["kampala"], patterns["kampala"]
    assert feed.stop_times is None
    assert len(table) >= 30
    assert {"taxi_IC155_O_shape", "taxi_IC155_R_shape", "taxi_IC028_R_shape"} <= set(table["shape_id"])
    assert table.set_index("shape_id").loc["taxi_IC155_R_shape", "overlap_m"] > 10_000
    vph = pattern_vehicles_per_h(feed, table["shape_id"], 7 * 3600, 9 * 3600)
    assert (vph["source"] == "frequencies").all()
    assert len(vph) == 2 * table["shape_id"].nunique()
    assert (vph["vehicles_per_h"] > 0).all()
    line, crs = corridors["kampala"].alignment.line, corridors["kampala"].alignment.crs
    stops = corridor_stops(feed, line, crs, max_offset_m=40.0, min_spacing_m=150.0)
    assert len(stops) >= 15
    assert list(stops.columns) == [
        "stop_id",
        "stop_name",
        "lat",
        "lon",
        "chainage_m",
        "offset_m",
    ]
    assert np.all(np.diff(stops["chainage_m"]) >= 150.0)
    assert stops["offset_m"].max() <= 40.0
    # stops all along Jinja Road
    assert stops["chainage_m"].iloc[-1] > 0.9 * line.length
    assert len(corridor_stops(feed, line, crs, min_spacing_m=0.0)) > len(stops)


def test_addis_patterns_along_bole_road(feeds: dict[str, gtfs_kit.Feed], patterns: dict[str, pd.DataFrame]) -> None:
    table = patterns["addis_ababa"]
    assert len(table) >= 10
    assert table["route_long_name"].str.contains("Bole").mean() > 0.5
    vph = pattern_vehicles_per_h(feeds["addis_ababa"], table["shape_id"], 7 * 3600, 8 * 3600)
    assert (vph["source"] == "frequencies").all()
    # the feed's headways are placeholders: every trip runs 05:00-22:00, mostly every 3000 s
    assert feeds["addis_ababa"].frequencies["headway_secs"].mode().iloc[0] == 3000
