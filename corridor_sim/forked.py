"""Work in a process forked from this one, beside this one's work, where forking is safe.

Two threads of one process share its GIL: today's minibus baseline, run in a thread beside the
BRT's run, waits whenever the BRT's SimPy run holds the GIL, and the other way round (on Thika Road
a plain run with its baseline took 2.1 times as long as the BRT alone). A forked process has a GIL
of its own and a copy of all this process has built (the corridor, the demand, the kernels numba
has loaded), so nothing is sent to it; only its result comes back, pickled through a pipe.

A fork copies the calling thread only: a lock another thread held stays held in the child. So
:func:`forked` forks only where that cannot happen and where it gains: on Linux (macOS's system
libraries are not safe to fork, which is why Python starts processes afresh there), in the main
process (not in a sweep's worker, which shares the CPUs with its peers already, nor in a forked
child), with no other thread alive. Elsewhere the work runs in a thread beside this one
(:func:`corridor_sim.beside.beside`), as before. If the forked process dies before it has sent its
result (killed, out of memory), the work is done again in this process, with a warning.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from corridor_sim import progress
from corridor_sim.beside import beside

T = TypeVar("T")


def fork_is_safe() -> bool:
    """Whether this process may be forked: on Linux, with this the only thread alive."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def can_fork() -> bool:
    """Whether :func:`forked` forks here: where :func:`fork_is_safe`, and in the main process."""
    return fork_is_safe() and multiprocessing.parent_process() is None


class Pending(Generic[T]):
    """The result, to come, of work submitted to :func:`forked`'s submitter."""

    def __init__(self, get: Callable[[], T]) -> None:
        self._get = get

    def result(self) -> T:
        """The work's result (waiting for it); the work's exception if it raised one."""
        return self._get()


class Submitter:
    """Submits work to one forked process, or to a thread beside this one (see :func:`forked`)."""

    def __init__(self, name: str, fork: bool, threads: Any) -> None:
        self._name, self._fork, self._threads = name, fork, threads
        self._children: list[multiprocessing.process.BaseProcess] = []

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Pending[T]:
        """Start ``fn(*args)`` in a forked process (or a thread); ``.result()`` of the return value gives its result."""
        if not self._fork:
            future: Future[T] = self._threads.submit(fn, *args)
            return Pending(future.result)
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        for stream in (sys.stdout, sys.stderr):  # else the child would write out what the parent had buffered, again
            stream.flush()
        child = context.Process(target=_child, args=(send, fn, args), name=self._name, daemon=True)
        child.start()
        send.close()
        self._children.append(child)
        return Pending(lambda: self._receive(receive, child, fn, args))

    def _receive(self, receive: Connection, child: multiprocessing.process.BaseProcess, fn: Callable[..., T], args: Any) -> T:
        try:
            ok, value = receive.recv()
        except EOFError:  # it died before it sent anything
            child.join()
            warnings.warn(
                f"the process working out {self._name} stopped (exit code {child.exitcode}) before it was done; "
                "working it out again in this process",
                RuntimeWarning,
                stacklevel=3,
            )
            return fn(*args)
        finally:
            receive.close()
        child.join()
        if ok:
            return value
        raise value

    def close(self) -> None:
        """Stop children still running (their results were not asked for: this process is leaving the block early)."""
        for child in self._children:
            if child.is_alive():
                child.terminate()
            child.join()


@contextmanager
def forked(name: str) -> Iterator[Submitter]:
    """A submitter of work to a forked process (see the module docstring), else to a thread named ``name``.

    On leaving the block normally the work has been waited for (call ``.result()`` inside it); on
    leaving it by an exception a forked child still running is stopped.
    """
    if can_fork():
        submitter = Submitter(name, True, None)
        try:
            yield submitter
        finally:
            submitter.close()
        return
    with beside(name) as executor:
        yield Submitter(name, False, executor)


def _child(send: Connection, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Run in the forked process: ``fn(*args)``, sent back as ``(True, result)`` or ``(False, exception)``.

    Ctrl-C is the parent's to handle (it stops this process on leaving :func:`forked`), so it is ignored here."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with progress.listening(None):  # the parent's display draws the stages; the child keeps quiet
            message: tuple[bool, Any] = (True, fn(*args))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which raises it
        exc.add_note(f"in the process working it out:\n{''.join(traceback.format_exception(exc))}")
        message = (False, exc)
    try:
        send.send(message)
    except OSError:  # the parent is gone, or stopped listening: no one to tell
        pass
    except Exception as exc:  # noqa: BLE001 - an exception (or result) that cannot be pickled
        send.send((False, RuntimeError(f"{type(message[1]).__name__} from the forked process could not be sent back: {exc}")))
    finally:
        send.close()
