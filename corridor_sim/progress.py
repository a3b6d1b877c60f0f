"""Progress of long work, told to whoever listens: the stages of a run and the steps inside them.

The pipeline and the models call :func:`stage` and :func:`step`; by default nobody listens and
they cost nothing. The command line installs a listener (:func:`listening`) that draws them with
Rich when it prints to a terminal and not ``--json``; the engine never imports the command line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Listener(Protocol):
    """What a progress display implements."""

    def begin(self, name: str) -> None:
        """A stage starts (``corridor``, ``simulation``, ``mode shift``, ...)."""

    def step(self, detail: str, done: int | None = None, total: int | None = None) -> None:
        """A step of the current stage: what it did, and how far it is (``done`` of ``total``)."""

    def end(self, name: str) -> None:
        """The stage is over."""


_listener: ContextVar[Listener | None] = ContextVar("corridor_sim_progress", default=None)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Tell the listener, if any, that the stage ``name`` runs inside this block."""
    listener = _listener.get()
    if listener is None:
        yield
        return
    listener.begin(name)
    try:
        yield
    finally:
        listener.end(name)


def step(detail: str, done: int | None = None, total: int | None = None) -> None:
    """Tell the listener, if any, of a step of the current stage."""
    listener = _listener.get()
    if listener is not None:
        listener.step(detail, done, total)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send the stages and steps inside this block to ``listener`` (``None``: to nobody)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
