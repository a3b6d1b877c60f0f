"""Work run in a thread beside the caller's, with the GIL handed over promptly.

A run's independent parts run in a second thread: a run's vehicle travel and emissions beside its
indicator tables and safety, the legs' replay of one direction beside the other's, a run folder's
tables shared between two writers, in a mode-shift run the walks to the stops and the import of the
sensitivity library beside the minibuses, and today's minibus run beside the BRT's where it cannot run in a forked process
(:mod:`corridor_sim.forked`). The compiled loops, numpy on large arrays, shapely and pyarrow release the GIL, so
both cores work. But a thread that has released the GIL must get it back from the other, and
CPython's other thread, running plain Python (SimPy, pandas), hands it over only every switch
interval, 5 ms by default: a thread making many short calls that release the GIL then waits
more than it works (the convoy effect). While work runs beside, :func:`beside` shortens the
interval to :data:`SWITCH_INTERVAL_S` and sets it back afterwards; on Thika Road this takes
0.4-0.6 s off a plain run's 10 s (``benchmarks/README.md``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

#: The GIL switch interval while work runs beside (s); CPython's default is 0.005.
SWITCH_INTERVAL_S = 5e-5

_lock = threading.Lock()
_open = 0  # blocks of beside() now open, in any thread
_saved_s = 0.0  # the interval before the first of them


@contextmanager
def beside(name: str) -> Iterator[ThreadPoolExecutor]:
    """A one-thread executor (threads named ``name``) for work beside this thread's.

    Inside the block, and while any other such block is open, the GIL switch interval is
    :data:`SWITCH_INTERVAL_S`; when the last one closes it is set back. On leaving, the block
    waits for the work it submitted (as :class:`~concurrent.futures.ThreadPoolExecutor` does).
    """
    global _open, _saved_s
    with _lock:
        if _open == 0:
            _saved_s = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        _open += 1
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as executor:
            yield executor
    finally:
        with _lock:
            _open -= 1
            if _open == 0:
                sys.setswitchinterval(_saved_s)
