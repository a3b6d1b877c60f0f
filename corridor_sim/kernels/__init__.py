"""Numba kernels: pure functions on numpy arrays (no I/O, no objects, no SimPy), cached on disk.

Importing the package first checks numba's cache of them (:mod:`corridor_sim.kernels._cache`):
damaged cache files are removed and the kernels compiled again, instead of failing every run.
"""

from corridor_sim.kernels import _cache  # noqa: F401 - checks the cache before any kernel loads
