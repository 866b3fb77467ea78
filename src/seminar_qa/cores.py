"""How many cores this process may use: its CPU affinity, where the platform keeps one.

``os.cpu_count()`` counts the machine's cores, not the ones a process was given (``taskset``, a
container's cpuset): sized by it, a process limited to 2 cores of 64 would start 64 E5 workers
and run its question encoders as if it had 64 lanes.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    """The cores this process may run on (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
