"""Vector files: the one reader for every line or point layer corridor-sim reads (alignment lines,
road layers, minibus route traces).

Formats, told apart by their content:

- anything pyogrio (GDAL) reads: GeoJSON, an ESRI Shapefile (the ``.shp`` beside its ``.shx``,
  ``.dbf`` and ``.prj``), GeoPackage, ...;
- Overpass API JSON (``{"elements": [...]}``) in ``out geom`` form: each way with inline geometry
  becomes a LineString, each node a Point, with its OSM tags as columns (``osm_id`` is
  ``way/<id>``); elements without geometry are left out;
- GeoJSON wrapped in JavaScript for a web map (``var routes = {...};``): the text before the
  first ``{`` and a trailing ``;`` are dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from corridor_sim._errors import DataFileError

#: Suffixes whose content is looked at before pyogrio is tried (JSON that GDAL cannot read).
_TEXT_SUFFIXES = (".json", ".geojson", ".js")
_PEEK_BYTES = 4096


def read_vector(path: Path, columns: list[str] | None = None, what: str = "vector file") -> gpd.GeoDataFrame:
    """Read a vector file into a GeoDataFrame (its own CRS; EPSG:4326 for the JSON forms).

    Parameters
    ----------
    path
        The file.
    columns
        Attribute columns to keep (those the file has); ``None``: all.
    what
        What the file is for, in error messages (``"road layer"``, ``"alignment line"``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature.

    Raises
    ------
    DataFileError
        If the file cannot be read, naming it and the formats allowed.
    """
    try:
        kind = _json_kind(path) if path.suffix.lower() in _TEXT_SUFFIXES else None
        if kind == "overpass":
            frame = _overpass(json.loads(path.read_text(encoding="utf-8")))
        elif kind == "javascript":
            frame = _wrapped_geojson(path.read_text(encoding="utf-8"))
        else:
            frame = _pyogrio(path, columns)
    except DataFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyogrio, json and shapely raise their own error types
        raise DataFileError(
            f"{path}: cannot read this {what} ({exc}); give a file GDAL reads (GeoJSON, Shapefile, GeoPackage), "
            "Overpass JSON or a GeoJSON wrapped in JavaScript"
        ) from None
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns] + ["geometry"]]
    return frame


def _json_kind(path: Path) -> str | None:
    """``"overpass"``, ``"javascript"`` (a prefix before the JSON) or ``None`` (plain GeoJSON)."""
    with path.open("rb") as handle:
        head = handle.read(_PEEK_BYTES).decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if head and head[0] not in "{[":
        return "javascript"
    if '"elements"' in head and '"features"' not in head:
        return "overpass"
    return None


def _pyogrio(path: Path, columns: list[str] | None) -> gpd.GeoDataFrame:
    import pyogrio

    if columns is not None:
        fields = set(pyogrio.read_info(path)["fields"])
        columns = [c for c in columns if c in fields]
    return gpd.read_file(path, columns=columns)


def _wrapped_geojson(text: str) -> gpd.GeoDataFrame:
    start = text.find("{")
    if start < 0:
        raise DataFileError("no JSON object found after the JavaScript prefix")
    data = json.loads(text[start:].rstrip().rstrip(";"))
    if data.get("type") != "FeatureCollection":
        raise DataFileError(f"the JSON after the JavaScript prefix is a {data.get('type')!r}, not a FeatureCollection")
    return gpd.GeoDataFrame.from_features(data["features"], crs="EPSG:4326")


def _overpass(data: dict) -> gpd.GeoDataFrame:
    rows, shapes = [], []
    for element in data.get("elements", []):
        if element.get("type") == "way" and len(element.get("geometry") or []) >= 2:
            shapes.append(LineString([(p["lon"], p["lat"]) for p in element["geometry"]]))
        elif element.get("type") == "node" and "lat" in element:
            shapes.append(Point(element["lon"], element["lat"]))
        else:
            continue
        rows.append({"osm_id": f"{element['type']}/{element['id']}", **element.get("tags", {})})
    if not rows:
        raise DataFileError("Overpass JSON without ways or nodes with geometry (query with 'out geom')")
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=shapes, crs="EPSG:4326")
