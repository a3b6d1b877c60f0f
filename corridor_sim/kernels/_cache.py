"""Numba's on-disk cache of the kernels, checked before numba reads it.

Numba keeps each compiled kernel in ``__pycache__/`` beside its source: an index
(``<module>.<function>-<line>.py311.nbi``) and one data file per signature (``.nbc``). A
truncated or garbage file there makes every run fail (``UnpicklingError``) or abort in compiled
code. :func:`check_kernel_cache` reads every index and data file the way numba does and removes
any kernel whose files are unreadable, so numba compiles it again; it says which files it removed.

Numba also stamps an index with its own source file only, so a kernel that calls kernels of
other files (the compiled minibus day calls the motion, queue and on-demand kernels) would keep
running its old machine code after one of those files changed. :func:`drop_stale_kernels`
removes every index older than the newest kernel source, so an edit anywhere in the kernels
recompiles what was cached before it (an installed package's sources never change, so it only
costs a developer one compile after an edit).
"""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path

import numba

#: The folder numba caches these kernels in (numba's default: beside the source).
CACHE_FOLDER = Path(__file__).resolve().parent / "__pycache__"


class KernelCacheWarning(UserWarning):
    """A damaged numba cache file was removed; the kernel is compiled again."""


def _readable(index: Path) -> bool:
    """Whether numba could load ``index`` and every data file it names."""
    try:
        with index.open("rb") as file:
            version = pickle.load(file)  # numba's own cache format: a version, then (stamp, overloads)
            rest = file.read()
        if version != numba.__version__:
            return True  # numba ignores another version's index and rewrites it
        _, overloads = pickle.loads(rest)
        for name in dict(overloads).values():
            data = index.with_name(name)
            if data.is_file():
                pickle.loads(data.read_bytes())
    except Exception:  # noqa: BLE001 - any failure to read means numba would fail on it too
        return False
    return True


def check_kernel_cache(folder: Path = CACHE_FOLDER) -> list[Path]:
    """Remove the cache files of every kernel whose index or data cannot be read.

    Returns
    -------
    list of Path
        The files removed (empty when the cache is sound).
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for index in sorted(folder.glob("*.nbi")):
        if not _readable(index):
            removed += _remove_kernel(index)
    if removed:
        warnings.warn(
            KernelCacheWarning(
                f"removed {len(removed)} damaged numba cache files in {folder} ({', '.join(p.name for p in removed[:4])}"
                f"{', ...' if len(removed) > 4 else ''}); the kernels are compiled again"
            ),
            stacklevel=2,
        )
    return removed


def drop_stale_kernels(folder: Path = CACHE_FOLDER, sources: Path = CACHE_FOLDER.parent) -> list[Path]:
    """Remove the cache files of every kernel cached before the newest kernel file in ``sources``
    changed (``*.py`` but ``_*.py``: this module and the package's ``__init__`` hold no kernel).

    Returns
    -------
    list of Path
        The files removed.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    newest = max((p.stat().st_mtime for p in sources.glob("*.py") if not p.name.startswith("_")), default=0.0)
    for index in sorted(folder.glob("*.nbi")):
        if index.stat().st_mtime < newest:
            removed += _remove_kernel(index)
    return removed


def _remove_kernel(index: Path) -> list[Path]:
    """Remove a kernel's index and its data files; the files removed."""
    removed = []
    for path in [index, *index.parent.glob(f"{index.name.removesuffix('.nbi')}.*.nbc")]:
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


if os.environ.get("NUMBA_DISABLE_JIT") != "1":
    drop_stale_kernels()
    check_kernel_cache()
