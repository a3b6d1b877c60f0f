"""Atomic file writes: a file appears whole under its final name or not at all.

Files are made readable like any tool's outputs: mode ``0666`` less the user's umask (``0644``
with the usual umask ``022``), not the ``0600`` of a bare temporary file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from corridor_sim._errors import OutputError


def _file_mode() -> int:
    """``0666`` less the process's umask (read without changing it for longer than a call)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``.

    Parameters
    ----------
    target
        The final file. Its folder is created if needed.

    Yields
    ------
    Path
        Where to write. Removed if the block raises. The renamed file has mode ``0666`` less the
        umask.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _file_mode())
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as Parquet, atomically."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write JSON (UTF-8, indented), atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=float), encoding="utf-8")
    return path


def write_text(text: str, path: Path) -> Path:
    """Write UTF-8 text, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def writable_folder(folder: Path) -> Path:
    """Make sure ``folder`` can take output files, before any work is done for them.

    Raises
    ------
    OutputError
        If it is a file, or cannot be made or written; the message names it.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: is a file, not a folder; give --out a folder (new or existing)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write there ({exc.strerror or exc}); give --out a folder you can write to") from None
    return folder
