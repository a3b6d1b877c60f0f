"""Numba kernels: pure functions on numpy arrays (no I/O, no objects, no SimPy), cached on disk."""
