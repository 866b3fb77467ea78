"""Where a search's time goes: wall seconds per stage (the latency benchmark reads them)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

Timings = dict[str, float]
"""Seconds spent per stage, accumulated across calls: pass one to see where the time goes."""


@contextlib.contextmanager
def stage(timings: Timings | None, name: str) -> Iterator[None]:
    """Add the block's wall time to ``timings[name]`` (nothing when timings is None)."""
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
