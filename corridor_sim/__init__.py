"""corridor-sim: bus rapid transit and walking/cycling corridors for East African cities.

The pipeline reads like the package: ``scenario`` (validated TOML) -> ``network`` (OSM street
graphs, GTFS feeds, road layers) -> ``alignment`` (the corridor's line and its stations) ->
``corridor`` (segment and station arrays with attribute provenance).
"""

__version__ = "0.1.0"
