"""Batch sweeps: plans (grid, samples, run ids), execution (local processes, Dask), the resumable store."""
