"""Exceptions raised by corridor-sim. Every message says what went wrong and what to do."""

from __future__ import annotations


class CorridorSimError(Exception):
    """Base class of every error corridor-sim raises on purpose."""


class ScenarioError(CorridorSimError):
    """A scenario file cannot be read or does not validate.

    The message names the file, and for each problem the field path, the bad value and what is
    allowed.
    """


class DataFileError(CorridorSimError):
    """A data file is missing or broken. The message names the file and the fix."""


class SourceUnavailableError(DataFileError):
    """An alignment or network source cannot be had here (no cache, no local file, no download)."""


class CorridorBuildError(CorridorSimError):
    """The corridor cannot be built from its source (no path between stations, station far off)."""


class UnknownCityError(ScenarioError):
    """A scenario names a city that has no city file; the message lists the known ones."""


class OutputError(CorridorSimError):
    """An output location cannot be written; checked before the work that would fill it."""
