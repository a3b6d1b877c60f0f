"""Reading a run folder (``results/<scenario>/<run id>/``) back: summary, scenario, tables, map."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from corridor_sim._errors import DataFileError


class RunFolder:
    """The files a run wrote (:func:`corridor_sim.pipeline.run_scenario`), read on demand.

    Parameters
    ----------
    path
        The run folder.

    Raises
    ------
    DataFileError
        If the folder has no ``summary.json``.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not (self.path / "summary.json").is_file():
            raise DataFileError(
                f"{self.path}: no summary.json; give a run folder (results/<scenario>/<run id>) written by corridor-sim run"
            )
        self._tables: dict[str, pd.DataFrame] = {}

    @property
    def label(self) -> str:
        """``<scenario>/<run id>``, for titles."""
        return f"{self.summary['scenario']}/{self.summary['run_id']}"

    @cached_property
    def summary(self) -> dict[str, Any]:
        """``summary.json``."""
        return self._json("summary.json")

    @cached_property
    def corridor(self) -> dict[str, Any]:
        """``corridor.json``: title, length, stations, credits."""
        return self._json("corridor.json")

    @cached_property
    def scenario(self) -> dict[str, Any]:
        """``scenario.json``: the validated scenario with its defaults."""
        return self._json("scenario.json")

    @cached_property
    def minibus(self) -> RunFolder | None:
        """Today's simulated minibus service (``minibus/``), if the run modelled mode shift."""
        folder = self.path / "minibus"
        return RunFolder(folder) if (folder / "summary.json").is_file() else None

    def has(self, name: str) -> bool:
        """Whether the folder holds ``<name>.parquet`` (or ``<name>.json``)."""
        return (self.path / f"{name}.parquet").is_file() or (self.path / f"{name}.json").is_file()

    def table(self, name: str) -> pd.DataFrame:
        """The table ``<name>.parquet`` (read once).

        Raises
        ------
        DataFileError
            If it is missing or unreadable, naming the file and what to do.
        """
        if name not in self._tables:
            file = self._file(f"{name}.parquet")
            try:
                self._tables[name] = gpd.read_parquet(file) if name == "map_layers" else pd.read_parquet(file)
            except (OSError, ValueError) as exc:
                raise DataFileError(f"{file}: unreadable ({exc}); run the scenario again to rewrite it") from None
        return self._tables[name]

    def _json(self, name: str) -> dict[str, Any]:
        file = self._file(name)
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{file}: not valid JSON ({exc}); run the scenario again to rewrite it") from None

    def _file(self, name: str) -> Path:
        file = self.path / name
        if not file.is_file():
            raise DataFileError(
                f"{file}: not found; the run folder is incomplete or from an older corridor-sim: "
                "run the scenario again (corridor-sim run SCENARIO --out FOLDER)"
            )
        return file
