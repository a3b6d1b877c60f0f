"""Street graphs on disk in a format that holds data only: JSON, with geometries as WKB.

The cache under ``networks/cache/osm/`` holds prepared graphs (and their projections). A pickle
would load a little faster, but unpickling a file runs whatever code the file names, so a cache
folder shared or copied from elsewhere could run commands on the next ``corridor-sim run``.
This format cannot: reading it only parses JSON and WKB. Values are what osmnx puts on graphs
(text, numbers, booleans, lists of them, shapely geometries, a CRS name); anything else is
refused when writing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from corridor_sim.results.files import atomic_path

#: The format's version: a file of another version is a cache miss.
FORMAT = "corridor-sim graph 1"
_GEOMETRY = "__wkb__"


class GraphFileError(ValueError):
    """A graph file is not one this version wrote (or is cut short or damaged)."""


def write_graph(graph: nx.Graph, path: Path) -> Path:
    """Write ``graph`` to ``path`` atomically.

    Raises
    ------
    TypeError
        If an attribute value is of a type the format does not hold.
    """
    geometries: list[BaseGeometry] = []

    def encode(value: Any) -> Any:
        if isinstance(value, BaseGeometry):
            geometries.append(value)
            return {_GEOMETRY: len(geometries) - 1}
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, list | tuple):
            return [encode(v) for v in value]
        if value is None or isinstance(value, str | int | float | bool):
            return value
        if hasattr(value, "to_string") and type(value).__name__ == "CRS":
            return value.to_string()
        raise TypeError(f"graph attribute value {value!r} ({type(value).__name__}) cannot be stored in a graph file")

    def attrs(data: dict[str, Any]) -> dict[str, Any]:
        return {str(k): encode(v) for k, v in data.items()}

    document = {
        "format": FORMAT,
        "directed": graph.is_directed(),
        "multigraph": graph.is_multigraph(),
        "graph": attrs(graph.graph),
        "nodes": [[encode(n), attrs(d)] for n, d in graph.nodes(data=True)],
        "edges": [[encode(u), encode(v), encode(k), attrs(d)] for u, v, k, d in _edges(graph)],
    }
    document["wkb"] = [
        g.hex() if isinstance(g, bytes) else g for g in shapely.to_wkb(np.array(geometries, dtype=object), hex=True)
    ]
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
    return path


def _edges(graph: nx.Graph) -> list[tuple[Any, Any, Any, dict[str, Any]]]:
    if graph.is_multigraph():
        return list(graph.edges(keys=True, data=True))
    return [(u, v, 0, d) for u, v, d in graph.edges(data=True)]


def read_graph(path: Path) -> nx.Graph:
    """Read a graph written by :func:`write_graph`.

    Raises
    ------
    OSError
        If the file cannot be read.
    GraphFileError
        If it is not a graph file of this version, or is damaged.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GraphFileError(f"{path}: not a graph file ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise GraphFileError(f"{path}: not a graph file of format {FORMAT!r}")
    try:
        geometries = shapely.from_wkb(np.array(document["wkb"], dtype=object))

        def decode(value: Any) -> Any:
            if isinstance(value, dict):
                return geometries[value[_GEOMETRY]]
            if isinstance(value, list):
                return [decode(v) for v in value]
            return value

        def attrs(data: dict[str, Any]) -> dict[str, Any]:
            return {k: decode(v) for k, v in data.items()}

        kind = {(True, True): nx.MultiDiGraph, (False, True): nx.MultiGraph, (True, False): nx.DiGraph, (False, False): nx.Graph}
        graph = kind[(bool(document["directed"]), bool(document["multigraph"]))](**attrs(document["graph"]))
        graph.add_nodes_from((n, attrs(d)) for n, d in document["nodes"])
        if graph.is_multigraph():
            graph.add_edges_from((u, v, k, attrs(d)) for u, v, k, d in document["edges"])
        else:
            graph.add_edges_from((u, v, attrs(d)) for u, v, _, d in document["edges"])
    except (KeyError, IndexError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise GraphFileError(f"{path}: a damaged graph file ({type(exc).__name__}: {exc})") from None
    return graph
