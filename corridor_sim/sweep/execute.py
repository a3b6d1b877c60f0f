"""Making a sweep's runs on local worker processes or a Dask cluster, recording rows as runs finish.

Both backends call the same plain function, :func:`corridor_sim.sweep.worker.run_record`, so a
sweep gives the same rows on either. Rows are recorded by the calling process as each run
finishes, so whatever finished before an interruption is kept.
"""

from __future__ import annotations

import logging
import os
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from corridor_sim._errors import CorridorSimError
from corridor_sim.sweep.plan import PlannedRun, SweepPlan
from corridor_sim.sweep.store import SweepStore
from corridor_sim.sweep.worker import failed_row, ignore_interrupts, run_record

RowCallback = Callable[[dict[str, Any]], None]


class WorkerDied(RuntimeError):
    """A worker process died while making a run (killed, or out of memory)."""


class Backend(Protocol):
    """Where a sweep's runs are made."""

    def run(self, runs: list[PlannedRun], keep_folder: Path | None, on_row: RowCallback) -> None:
        """Make ``runs``, calling ``on_row`` with each row as its run finishes."""


@dataclass(frozen=True)
class LocalWorkers:
    """Local worker processes (spawned once, reused for every run).

    At most one run per worker, plus one queued, is in flight, so when a worker dies the runs it may
    have been making are known: they are retried in a fresh pool, and a run in flight at
    ``max_attempts`` deaths is recorded as failed.
    On Ctrl-C no new run starts; the running ones finish and are recorded (workers ignore the
    interrupt), then :class:`KeyboardInterrupt` is raised again.
    """

    workers: int = 1
    max_attempts: int = 3

    def run(self, runs: list[PlannedRun], keep_folder: Path | None, on_row: RowCallback) -> None:
        """Make ``runs`` on the local workers."""
        pending = deque(runs)
        attempts: Counter[str] = Counter()
        while pending:
            lost = self._run_pool(pending, keep_folder, on_row)
            for run in lost:
                attempts[run.run_id] += 1
                if attempts[run.run_id] >= self.max_attempts:
                    died = WorkerDied(
                        f"the worker process died {self.max_attempts} times making this run (out of memory, or killed)"
                    )
                    on_row(failed_row(run.run_id, run.params, died))
                else:
                    pending.appendleft(run)

    def _run_pool(self, pending: deque[PlannedRun], keep_folder: Path | None, on_row: RowCallback) -> list[PlannedRun]:
        """Run from ``pending`` on one pool until done or it breaks; return the runs it lost."""
        pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"), initializer=ignore_interrupts)
        in_flight: dict[Future, PlannedRun] = {}
        lost: list[PlannedRun] = []
        try:
            while pending or in_flight:
                while pending and len(in_flight) < self.workers + 1:  # one queued: no worker waits for the next run
                    run = pending[0]  # taken off only once submitted: a broken pool refuses it and it stays pending
                    in_flight[pool.submit(run_record, run.scenario, run.params, keep_folder)] = run
                    pending.popleft()
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    run = in_flight.pop(future)
                    try:
                        row = future.result()
                    except BrokenProcessPool:
                        lost.append(run)
                        continue
                    on_row(row)
                if lost:
                    break
        except BrokenProcessPool:
            pass
        except KeyboardInterrupt:
            for future in wait(in_flight).done:  # let the running runs finish
                try:
                    on_row(future.result())
                except BrokenProcessPool:
                    pass
            in_flight.clear()
            raise
        finally:
            pool.shutdown(wait=not lost, cancel_futures=True)
        return lost + list(in_flight.values())


def default_workers() -> int:
    """Local workers by default: the CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def backend_for(workers: int | None, scheduler: str | None = None, dask_local: bool = False) -> Backend:
    """The backend the sweep options name: a Dask cluster (``scheduler`` or ``dask_local``) or local workers.

    Raises
    ------
    CorridorSimError
        If both ``scheduler`` and ``dask_local`` are given.
    """
    if scheduler and dask_local:
        raise CorridorSimError("give --scheduler or --dask-local, not both")
    count = workers or default_workers()
    return DaskCluster(scheduler, count) if scheduler or dask_local else LocalWorkers(count)


@dataclass(frozen=True)
class DaskCluster:
    """A dask.distributed cluster: the scheduler at ``address``, or a LocalCluster of ``workers``.

    A remote cluster's workers need corridor-sim installed and the data setting
    (``CORRIDOR_SIM_DATA``) pointing at the shared data. Dask retries a run whose worker died;
    when it gives up (``KilledWorker``) the run is recorded as failed.
    """

    address: str | None = None
    workers: int = 1

    def run(self, runs: list[PlannedRun], keep_folder: Path | None, on_row: RowCallback) -> None:
        """Make ``runs`` on the cluster."""
        from distributed import Client, LocalCluster, as_completed

        cluster = None
        if self.address is None:
            # Quiet logs: a run's error comes back as its row, and workers losing the scheduler
            # while the cluster closes is no news.
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.CRITICAL,
            )
        try:
            client = Client(cluster if cluster is not None else self.address, timeout="20s")
        except OSError as exc:
            raise CorridorSimError(f"cannot reach the Dask scheduler at {self.address}: {exc}; is it running?") from None
        futures = {
            client.submit(run_record, run.scenario, run.params, keep_folder, key=f"corridor-sim-{run.run_id}", pure=False): run
            for run in runs
        }
        try:
            for future in as_completed(futures):
                run = futures[future]
                try:
                    row = future.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: recorded, the sweep goes on
                    row = failed_row(run.run_id, run.params, exc)
                on_row(row)
        finally:
            client.cancel(list(futures))
            client.close()
            if cluster is not None:
                cluster.close()


@dataclass(frozen=True)
class SweepOutcome:
    """What one invocation of a sweep did."""

    planned: int
    skipped: int
    ran: int
    failed: int
    table: pd.DataFrame


def pending_runs(plan: SweepPlan, store: SweepStore, retry_failed: bool = False) -> list[PlannedRun]:
    """The runs of ``plan`` still to make: those without a row (or with a failed one, to retry)."""
    finished = store.finished() - (store.failed() if retry_failed else set())
    return [run for run in plan.runs if run.run_id not in finished]


def run_sweep(
    plan: SweepPlan,
    store: SweepStore,
    backend: Backend,
    keep_runs: bool = False,
    retry_failed: bool = False,
    on_row: RowCallback | None = None,
) -> SweepOutcome:
    """Make the runs of ``plan`` that ``store`` does not have yet, recording each as it finishes.

    Parameters
    ----------
    plan
        The sweep's runs.
    store
        Where rows go; its finished runs are skipped.
    backend
        :class:`LocalWorkers` or :class:`DaskCluster`.
    keep_runs
        Also write each run's full folder under ``<sweep>/runs/``.
    retry_failed
        Make again the runs recorded as failed.
    on_row
        Called with each new row (for progress).

    Returns
    -------
    SweepOutcome
        Counts and the plan's table. On :class:`KeyboardInterrupt` the table is still written
        before the interrupt goes on.

    Raises
    ------
    CorridorSimError
        If another sweep is writing to the folder, or it holds another plan.
    """
    with store.lock():
        store.save_plan(plan)
        todo = pending_runs(plan, store, retry_failed)
        counts: Counter[str] = Counter()

        def record(row: dict[str, Any]) -> None:
            store.record(row)
            counts[row["status"]] += 1
            if on_row is not None:
                on_row(row)

        try:
            backend.run(todo, store.folder / "runs" if keep_runs else None, record)
        finally:
            table = store.export(plan)
    return SweepOutcome(
        planned=len(plan.runs), skipped=len(plan.runs) - len(todo), ran=sum(counts.values()), failed=counts["failed"], table=table
    )
