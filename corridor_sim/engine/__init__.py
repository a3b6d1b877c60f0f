"""The simulation engine: SimPy processes for buses, numba kernels for passengers.

The engine reads a :class:`~corridor_sim.corridor.Corridor`, a scenario's operations and a
:class:`~corridor_sim.demand.Demand`, and returns a :class:`~corridor_sim.engine.trace.Trace`.
It never imports the command line or plotting.
"""
