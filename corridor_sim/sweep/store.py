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
so an interrupted sweep, a killed worker or a crash loses at most the runs that were in flight;
a row damaged afterwards (cut short, overwritten) is set aside as ``<run id>.parquet.damaged``
and its run made again. A folder holds one plan: a sweep whose runs differ from those of the
``sweep.json`` already there is refused, with how to go on, rather than replacing it. While a
sweep writes to a folder it holds the folder's lock (``.lock``), so a second sweep into the same
folder stops at once instead of making every run twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from corridor_sim._errors import CorridorSimError, DataFileError
from corridor_sim.results.files import atomic_path, write_json, write_table
from corridor_sim.sweep.plan import SweepPlan


class SweepStore:
    """The files of one sweep under ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.rows = self.folder / "rows"

    def save_plan(self, plan: SweepPlan) -> Path:
        """Write ``sweep.json`` (atomically), unless the folder holds another plan.

        Raises
        ------
        CorridorSimError
            If ``sweep.json`` holds a plan with other runs; the message says how to go on.
        DataFileError
            If ``sweep.json`` cannot be read.
        """
        path = self.folder / "sweep.json"
        if path.is_file():
            existing = {r["run_id"] for r in self.load_plan()["runs"]}
            planned = {r.run_id for r in plan.runs}
            if existing != planned:
                raise CorridorSimError(
                    f"{self.folder} holds another sweep plan ({len(existing)} runs; this one has {len(planned)}, "
                    f"{len(planned - existing)} of them new, and leaves out {len(existing - planned)}). To keep both, "
                    "give this sweep another --name (or --out); to replace the old one, delete its folder"
                )
        return write_json(plan.describe(), path)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder's lock while a sweep writes to it.

        Raises
        ------
        CorridorSimError
            If another sweep holds it.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / ".lock").open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise CorridorSimError(
                    f"{self.folder}: another sweep ({holder}) is writing to this folder; wait for it to end, "
                    "or give this one another --out"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def finished(self) -> set[str]:
        """Ids of the runs that have a readable row (succeeded or failed); damaged rows are set aside."""
        if not self.rows.is_dir():
            return set()
        done = set()
        for path in self.rows.glob("*.parquet"):
            try:
                pq.read_metadata(path)
            except (OSError, pa.ArrowException):
                path.replace(path.with_name(path.name + ".damaged"))  # kept for a look; the run is made again
                continue
            done.add(path.name.removesuffix(".parquet"))
        return done

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
        done = self.finished()
        ids = sorted(done) if run_ids is None else [r for r in run_ids if r in done]
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
        try:
            plan = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(plan, dict) or not all("run_id" in r and "params" in r for r in plan["runs"]):
                raise ValueError("no list of runs")
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise DataFileError(
                f"{path}: the sweep's plan is unreadable ({exc}); run the sweep command again after deleting this "
                "file (the finished runs in rows/ are kept and not made again)"
            ) from None
        return plan
