"""Network sources: city manifests, OSM street graphs, GTFS feeds and road layers."""
