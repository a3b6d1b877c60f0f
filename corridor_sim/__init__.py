"""corridor-sim: bus rapid transit and walking/cycling corridors for East African cities.

The pipeline reads like the package: ``scenario`` (validated TOML) -> ``network`` (OSM street
graphs, GTFS feeds, road layers) -> ``alignment`` (the corridor's line and its stations) ->
``corridor`` (segment and station arrays with attribute provenance). For notebooks and scripts,
:mod:`corridor_sim.api` (``load``, ``override``, ``run``, ``compare``) is available from the package.
"""

__version__ = "0.1.0"

#: The Python API (:mod:`corridor_sim.api`), importable from the package: ``corridor_sim.load(...)``.
_API = ("Result", "compare", "load", "open_run", "override", "run")


def __getattr__(name: str) -> object:
    if name in _API:  # imported on first use, so that the command line starts light
        from corridor_sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'corridor_sim' has no attribute {name!r}")
