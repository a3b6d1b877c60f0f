"""The resumable store of a sweep: ``results/<sweep>/``.

- ``sweep.json``: the plan (base scenario, what varies, every run id with its parameters);
- ``rows/<run id>.parquet``: one row per finished run (parameters and every summary indicator,
  or the error of a failed run), each a one-row Parquet file written atomically as the run
  finishes. A failed run's row has no indicator columns, so read the rows with :meth:`read`
  (which unites the columns), not as one Parquet dataset;
- ``table.parquet``: the plan's rows in plan order, rewritten at the end of each invocation
  (also an interrupted one);
- ``runs/<run id>/``: full run folders, if the sweep keeps them.

A run whose row exists is finished: re-running a sweep skips it. A row is never half-written,
so an interrupted sweep, a killed worker or a crash loses at most the runs that were in flight.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from corridor_sim._errors import DataFileError
from corridor_sim.results.files import atomic_path, write_json, write_table
from corridor_sim.sweep.plan import SweepPlan


class SweepStore:
    """The files of one sweep under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.rows = self.folder / "rows"

    def save_plan(self, plan: SweepPlan) -> Path:
        """Write ``sweep.json`` (atomically)."""
        return write_json(plan.describe(), self.folder / "sweep.json")

    def finished(self) -> set[str]:
        """Ids of the runs that have a row (succeeded or failed)."""
        return {p.name.removesuffix(".parquet") for p in self.rows.glob("*.parquet")} if self.rows.is_dir() else set()

    def failed(self) -> set[str]:
        """Ids of the runs whose row records a failure."""
        rows = self.read()
        return set(rows.loc[rows["status"] != "ok", "run_id"]) if len(rows) else set()

    def record(self, row: dict[str, Any]) -> Path:
        """Write one run's row (atomically: it appears whole or not at all)."""
        path = self.rows / f"{row['run_id']}.parquet"
        with atomic_path(path) as tmp:
            pq.write_table(pa.Table.from_pylist([row]), tmp)
        return path

    def read(self, run_ids: list[str] | None = None) -> pd.DataFrame:
        """The rows, in the order of ``run_ids`` (those that exist), else in file-name order.

        Columns: ``run_id``, ``status``, ``error``, then the others in order of first appearance
        (a failed run has no indicators: they are missing in its row).
        """
        ids = sorted(self.finished()) if run_ids is None else [r for r in run_ids if (self.rows / f"{r}.parquet").is_file()]
        rows = [pq.read_table(self.rows / f"{r}.parquet").to_pylist()[0] for r in ids]
        table = pd.DataFrame.from_records(rows)
        head = ["run_id", "status", "error"]
        return table.reindex(columns=[*head, *(c for c in table.columns if c not in head)])

    def export(self, plan: SweepPlan) -> pd.DataFrame:
        """Write ``table.parquet``: the plan's finished rows in plan order. Returns the table."""
        table = self.read([r.run_id for r in plan.runs])
        write_table(table, self.folder / "table.parquet")
        return table

    def load_plan(self) -> dict[str, Any]:
        """``sweep.json`` as written by :meth:`save_plan`."""
        path = self.folder / "sweep.json"
        if not path.is_file():
            raise DataFileError(f"{path}: not found; {self.folder} is not a sweep folder (run corridor-sim sweep first)")
        return json.loads(path.read_text(encoding="utf-8"))
