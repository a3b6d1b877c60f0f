"""Run results: the summary contract, the one run-folder writer, the reader, atomic file writes.

- :mod:`~corridor_sim.results.summary`: flattening ``summary.json`` and the headline indicators;
- :mod:`~corridor_sim.results.writer`: :func:`~corridor_sim.results.writer.write_run_folder`;
- :mod:`~corridor_sim.results.reader`: :class:`~corridor_sim.results.reader.RunFolder`;
- :mod:`~corridor_sim.results.files`: atomic writes with ordinary file modes.
"""
