"""Writing a benchmark's table into benchmarks/README.md, between its two markers."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).with_name("README.md")


def write_between(start_marker: str, end_marker: str, block: str) -> None:
    """Replace what stands between ``start_marker`` and ``end_marker`` in benchmarks/README.md with ``block``."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(start_marker) + len(start_marker), text.index(end_marker)
    README.write_text(text[:start] + "\n" + block + text[end:], encoding="utf-8")
