"""Work in a forked process: run apart where forking is safe, in a thread where it is not, and nothing lost."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import PRESETS

from corridor_sim import forked as forked_module
from corridor_sim import progress
from corridor_sim.evaluation import run_and_evaluate
from corridor_sim.forked import can_fork, forked
from corridor_sim.scenario import load_scenario


@pytest.fixture
def alone() -> None:
    """This test's process with one thread, as a command-line run has between its stages."""
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    for thread in others:
        thread.join(5)
    alive = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    assert not alive, f"threads left by earlier tests keep this process from forking: {alive}"


def _held_elsewhere() -> None:
    time.sleep(30)


def test_work_runs_in_a_forked_process_that_sees_this_ones_memory(alone: None) -> None:
    big = np.arange(5_000_000, dtype=np.int64)  # in the child by the fork, not sent to it
    assert can_fork()
    with forked("sum") as executor:
        pending = executor.submit(lambda: (os.getpid(), int(big.sum())))
        pid, total = pending.result()
    assert pid != os.getpid()
    assert total == 5_000_000 * 4_999_999 // 2


def test_with_another_thread_alive_the_work_runs_in_a_thread() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, args=(10,))
    other.start()
    try:
        assert not can_fork()
        with forked("beside") as executor:
            pid, name = executor.submit(lambda: (os.getpid(), threading.current_thread().name)).result()
    finally:
        stop.set()
        other.join()
    assert pid == os.getpid() and name.startswith("beside")


def _fails() -> None:
    raise ValueError("no route layer: networks/x.toml")


def test_an_error_in_the_child_is_raised_here_with_its_traceback(alone: None) -> None:
    with forked("failing") as executor:
        pending = executor.submit(_fails)
        with pytest.raises(ValueError, match="no route layer") as raised:
            pending.result()
    assert any("in the process working it out" in note and "_fails" in note for note in raised.value.__notes__)


def _dies_in_the_child(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(3)
    return "worked out here"


def test_a_child_that_dies_leaves_its_work_to_this_process(alone: None) -> None:
    with forked("dying") as executor:
        pending = executor.submit(_dies_in_the_child, os.getpid())
        with pytest.warns(RuntimeWarning, match=r"stopped \(exit code 3\) before it was done"):
            assert pending.result() == "worked out here"


def test_leaving_the_block_by_an_error_stops_the_child(alone: None) -> None:
    start = time.perf_counter()
    with pytest.raises(KeyError), forked("held") as executor:
        executor.submit(_held_elsewhere)
        raise KeyError("the BRT's run failed")
    assert time.perf_counter() - start < 10  # stopped, not waited for (it would hold the block 30 s)
    assert not [child for child in multiprocessing.active_children() if child.name == "held"]


class _Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path

    def begin(self, name: str) -> None:
        with self.path.open("a") as out:
            out.write(f"{os.getpid()} {name}\n")

    def step(self, detail: str, done: int | None = None, total: int | None = None) -> None:
        self.begin(detail)

    def end(self, name: str) -> None:
        self.begin(name)


def _stages() -> None:
    with progress.stage("in the child"):
        progress.step("a step")


def test_the_child_keeps_quiet_and_this_process_draws_the_stages(alone: None, tmp_path: Path) -> None:
    heard = tmp_path / "heard.txt"
    with progress.listening(_Recorder(heard)), forked("quiet") as executor:
        executor.submit(_stages).result()
        _stages()
    lines = heard.read_text().splitlines()
    assert lines and all(line.split()[0] == str(os.getpid()) for line in lines)


def test_a_run_is_the_same_with_its_baseline_forked_or_in_a_thread(
    alone: None, corridors: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(PRESETS["addis_ababa"])
    apart = run_and_evaluate(scenario, corridors["addis_ababa"], "t", True, tmp_path / "forked")
    monkeypatch.setattr(forked_module, "can_fork", lambda: False)
    beside = run_and_evaluate(scenario, corridors["addis_ababa"], "t", True, tmp_path / "thread")
    assert json.dumps(apart.summary, sort_keys=True) == json.dumps(beside.summary, sort_keys=True)
    assert apart.summary["time_saved"]["saved_min_per_trip"] > 0
    assert sorted(apart.minibus.files) == sorted(beside.minibus.files)
    assert (tmp_path / "forked" / "summary.json").read_bytes() == (tmp_path / "thread" / "summary.json").read_bytes()
    assert np.array_equal(apart.minibus.drive_min, beside.minibus.drive_min)


def _sigint_handler() -> object:
    import signal

    return signal.getsignal(signal.SIGINT)


def test_ctrl_c_is_left_to_this_process(alone: None) -> None:
    import signal

    with forked("interruptible") as executor:  # this process stops the child on leaving the block
        assert executor.submit(_sigint_handler).result() == signal.SIG_IGN
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
