"""The GTFS trip patterns along a corridor, kept on disk between runs.

Finding which of a feed's shapes run along the corridor (:func:`~corridor_sim.paratransit.routes.corridor_patterns`)
projects every shape of the feed and measures its overlap with the line: about 0.35 s of every run with
today's minibuses (Nairobi's feed), on the critical path of both a plain run's baseline and a mode-shift
run. The table depends only on the feed's content, the line and the two matching settings, so it is
stored in the cache folder (``<cache>/gtfs/``) under a name made of all of them and :data:`FORMAT`;
a file that cannot be read is made again, and a cache folder that cannot be written only warns.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from shapely.geometry import LineString

from corridor_sim import settings
from corridor_sim.network.gtfs import LoadedFeed
from corridor_sim.network.osm import file_digest, write_or_warn
from corridor_sim.paratransit.routes import PATTERN_COLUMNS, corridor_patterns
from corridor_sim.results.files import atomic_path

#: Version of the table's making: change it when :func:`corridor_patterns` changes what it finds.
FORMAT = "corridor-sim patterns 1"


def cached_corridor_patterns(
    loaded: LoadedFeed, line: LineString, crs: str, buffer_m: float, min_overlap_m: float
) -> pd.DataFrame:
    """:func:`~corridor_sim.paratransit.routes.corridor_patterns` of the feed, from the cache when it holds them.

    Parameters
    ----------
    loaded
        The feed and the file it was read from (the file's content is part of the key).
    line, crs, buffer_m, min_overlap_m
        As :func:`~corridor_sim.paratransit.routes.corridor_patterns`.

    Returns
    -------
    pandas.DataFrame
        The same table as :func:`~corridor_sim.paratransit.routes.corridor_patterns` makes, column types included.
    """
    path = pattern_file(loaded, line, crs, buffer_m, min_overlap_m)
    try:
        table = pd.read_parquet(path)
        if list(table.columns) == PATTERN_COLUMNS:
            return table
    except (OSError, ValueError):  # missing, cut short or damaged: made again
        pass
    table = corridor_patterns(loaded.feed, line, crs, buffer_m, min_overlap_m)

    def write() -> None:
        with atomic_path(path) as tmp:
            table.to_parquet(tmp, index=False)

    write_or_warn(write, path)
    return table


def pattern_file(loaded: LoadedFeed, line: LineString, crs: str, buffer_m: float, min_overlap_m: float) -> Path:
    """Where the patterns of this feed file, line and settings are cached."""
    key = f"{FORMAT}|{file_digest(loaded.path)}|{line.wkb_hex}|{crs}|{buffer_m!r}|{min_overlap_m!r}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return settings.current().cache_folder / "gtfs" / f"{loaded.path.stem}-{loaded.key}-patterns-{digest}.parquet"
