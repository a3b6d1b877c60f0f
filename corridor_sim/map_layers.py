"""The geographic layers of a run, for its map: streets, running way, stations, signals and the
stations' walking catchments, in EPSG:4326.

The pipeline writes them to the run folder (``map_layers.parquet``, GeoParquet), so the map can be
drawn again from the folder alone (``corridor-sim plot RUN_DIR``). They are derived from OSM data
(ODbL): keep them with the run's results, not in a repository.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from corridor_sim.corridor import Corridor
from corridor_sim.mode_choice.access import walking_speed_ms
from corridor_sim.nmt.walk_access import catchment_areas
from corridor_sim.nmt.walk_network import walk_graph
from corridor_sim.scenario import Scenario

#: Walking budgets of the mapped catchments (minutes).
CATCHMENT_MINUTES = (5.0, 10.0)
#: Values of the ``layer`` column.
LAYERS = ("street", "segment", "station", "signal", "catchment")
#: Columns besides the geometry (empty where a layer has no such value).
COLUMNS = ("layer", "name", "running_way", "minutes", "method")


def station_catchments(scenario: Scenario, corridor: Corridor) -> gpd.GeoDataFrame:
    """The stations' 5- and 10-minute walking catchments at the scenario's walking speed.

    On the OSM walk network where a local extract covers the stations, else with the detour
    factor (:func:`corridor_sim.nmt.walk_access.catchment_areas`).

    Returns
    -------
    geopandas.GeoDataFrame
        ``minutes``, ``method``, ``geometry``, in the corridor's projected CRS.
    """
    line, crs = corridor.alignment.line, corridor.alignment.crs
    found = walk_graph(scenario.city, list(corridor.station_lat), list(corridor.station_lon), crs)
    nmt = scenario.nmt
    areas = catchment_areas(
        line,
        shapely.get_coordinates(shapely.line_interpolate_point(line, corridor.station_chainage_m)),
        found[0] if found is not None else None,
        minutes=CATCHMENT_MINUTES,
        speed_ms=walking_speed_ms(nmt, corridor.mean_sidewalk_coverage),
        reach_m=nmt.reach_m,
        detour_factor=nmt.detour_factor,
    )
    return gpd.GeoDataFrame(areas.drop(columns="geometry"), geometry=list(areas["geometry"]), crs=crs)


def map_layers(corridor: Corridor, catchments: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """Every feature of the corridor's map in one frame (EPSG:4326).

    Parameters
    ----------
    corridor
        The corridor.
    catchments
        From :func:`station_catchments`, or None to map none.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``layer`` (one of :data:`LAYERS`), ``name`` (station name, segment ``from - to``),
        ``running_way`` (segments), ``minutes`` and ``method`` (catchments), ``geometry``. The corridor's title,
        length and credits are in ``corridor.json`` (:func:`corridor_sim.results.writer.corridor_summary`).
    """
    crs = corridor.alignment.crs
    streets = corridor.alignment.backdrop.to_crs(crs)
    segments = corridor.segments_lonlat().to_crs(crs)
    line = corridor.alignment.line
    parts = [
        _layer("street", streets.geometry, crs),
        _layer(
            "segment", segments.geometry, crs, name=segments["from"] + " - " + segments["to"], running_way=segments["running_way"]
        ),
        _layer("station", shapely.line_interpolate_point(line, corridor.station_chainage_m), crs, name=corridor.station_name),
        _layer("signal", shapely.line_interpolate_point(line, corridor.signal_m), crs),
    ]
    if catchments is not None and len(catchments):
        parts.append(
            _layer("catchment", catchments.to_crs(crs).geometry, crs, minutes=catchments["minutes"], method=catchments["method"])
        )
    layers = pd.concat([p for p in parts if len(p)], ignore_index=True).reindex(columns=[*COLUMNS, "geometry"])
    return gpd.GeoDataFrame(layers, crs=crs).to_crs("EPSG:4326")


def _layer(layer: str, geometry, crs: str, **columns) -> gpd.GeoDataFrame:
    frame = pd.DataFrame({k: list(v) for k, v in columns.items()}) if columns else pd.DataFrame(index=range(len(geometry)))
    frame.insert(0, "layer", layer)
    return gpd.GeoDataFrame(frame, geometry=list(geometry), crs=crs)
