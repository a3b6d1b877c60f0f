"""Work beside: the GIL switch interval is short while any block is open, and set back after."""

import sys
import threading

import pytest

from corridor_sim.beside import SWITCH_INTERVAL_S, beside

SHORT = pytest.approx(SWITCH_INTERVAL_S, rel=1e-6)  # CPython keeps it in whole microseconds


def test_the_interval_is_short_inside_and_set_back_after_nested_and_overlapping_blocks() -> None:
    before = sys.getswitchinterval()
    inner_open, outer_may_close = threading.Event(), threading.Event()
    seen: list[float] = []

    def inner() -> None:  # a block opened in another thread, closed after the outer one
        with beside("inner"):
            inner_open.set()
            outer_may_close.wait(5)
            seen.append(sys.getswitchinterval())

    with beside("outer") as executor:
        assert sys.getswitchinterval() == SHORT
        assert executor.submit(lambda: threading.current_thread().name).result().startswith("outer")
        other = threading.Thread(target=inner)
        other.start()
        inner_open.wait(5)
    assert sys.getswitchinterval() == SHORT  # the inner block is still open
    outer_may_close.set()
    other.join(5)
    assert seen == [SHORT]
    assert sys.getswitchinterval() == before


def test_an_error_in_the_block_still_sets_the_interval_back() -> None:
    before = sys.getswitchinterval()
    try:
        with beside("failing"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert sys.getswitchinterval() == before
