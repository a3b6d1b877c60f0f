"""Data files: the shared data folder read in place, downloads, and the cache under networks/.

A source file is looked up, in order, in the data folder (``CORRIDOR_SIM_DATA``), in the
download cache (``networks/cache/downloads``), and finally fetched from its public URL. Downloads
are written atomically (:func:`corridor_sim.results.files.atomic_path`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from pathlib import Path

import requests

from corridor_sim import settings
from corridor_sim._errors import DataFileError, SourceUnavailableError
from corridor_sim.results.files import atomic_path

_TIMEOUT_S = 120


def data_file(relative: str) -> Path:
    """Find a file in the shared data folder.

    Parameters
    ----------
    relative
        Path inside the data folder, e.g. ``"addis_ababa/et-addisababa_gtfs_2026.zip"``.

    Returns
    -------
    Path
        The existing file.

    Raises
    ------
    DataFileError
        If the data folder is not set or the file is not in it; the message says what to do.
    """
    folder = settings.current().data_folder
    if folder is None:
        raise DataFileError(
            f"{relative}: no data folder is set. Set CORRIDOR_SIM_DATA to the folder holding "
            f"<city>/ data files (e.g. export CORRIDOR_SIM_DATA=../shared/data)."
        )
    path = Path(os.path.normpath(folder / relative))  # '..' folded, links left alone: the data folder may link its files
    if not path.is_relative_to(folder):
        raise DataFileError(
            f"{relative}: a data path must stay inside the data folder ({folder}); give a path relative to it, "
            "without '..' or an absolute path"
        )
    if not path.is_file():
        raise DataFileError(
            f"{path}: data file not found. Check CORRIDOR_SIM_DATA ({folder}) points at the shared "
            f"data folder, or remove the file's entry from the manifest to download it instead."
        )
    return path


def _download_target(url: str, name: str) -> Path:
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    return settings.current().cache_folder / "downloads" / f"{key}-{name}"


def cached_download(url: str, name: str) -> Path:
    """Return a cached copy of ``url``, downloading it once (atomically) if needed.

    Parameters
    ----------
    url
        The public address of the file.
    name
        File name to keep it under in ``networks/cache/downloads/``; the URL's hash is prefixed
        so two sources with the same name do not collide.

    Returns
    -------
    Path
        The cached file.

    Raises
    ------
    SourceUnavailableError
        If downloads are switched off (``CORRIDOR_SIM_OFFLINE=1``) or the download fails.
    """
    current = settings.current()
    target = _download_target(url, name)
    if target.is_file():
        return target
    if current.offline:
        raise SourceUnavailableError(f"{url}: not cached and downloads are off (CORRIDOR_SIM_OFFLINE=1)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".write-test-"):
            pass
    except OSError as exc:  # a read-only cache: download to a temporary folder, once per process
        warnings.warn(
            f"download cache {target.parent} cannot be written ({exc.strerror or exc}); downloading {name} without "
            "caching it (set CORRIDOR_SIM_CACHE to a writable folder to keep downloads)",
            stacklevel=2,
        )
        target = Path(tempfile.mkdtemp(prefix="corridor-sim-download-")) / target.name
    try:
        with requests.get(url, stream=True, timeout=_TIMEOUT_S) as response:
            response.raise_for_status()
            with atomic_path(target) as tmp, tmp.open("wb") as out:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    out.write(chunk)
    except requests.RequestException as exc:
        raise SourceUnavailableError(
            f"{url}: download failed ({exc.__class__.__name__}: {exc}). Check the connection, or put "
            f"the file in the data folder (CORRIDOR_SIM_DATA) under the name the city manifest gives."
        ) from None
    return target


def source_file(relative: str | None, url: str | None, name: str) -> tuple[Path, str]:
    """Find a source file: the data folder first, else the cache, else a download.

    Parameters
    ----------
    relative
        Its path inside the data folder, if it has one.
    url
        Its public address, if it has one.
    name
        File name for the cache.

    Returns
    -------
    tuple of (Path, str)
        The file, and how it was found: ``"data folder"``, ``"cache"`` or ``"download"``.

    Raises
    ------
    DataFileError
        If it is in none of these places.
    """
    reasons = []
    if relative is not None:
        try:
            return data_file(relative), "data folder"
        except DataFileError as exc:
            reasons.append(str(exc))
    if url is not None:
        was_cached = _download_target(url, name).is_file()
        try:
            return cached_download(url, name), "cache" if was_cached else "download"
        except SourceUnavailableError as exc:
            reasons.append(str(exc))
    raise SourceUnavailableError(f"{name}: not available:\n  " + "\n  ".join(reasons or ["no file and no URL"]))
