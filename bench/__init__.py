"""Benchmarks of seminar-qa, run as scripts (``python bench/run.py``) or by ``make bench``."""

from __future__ import annotations

import sys
from pathlib import Path


def folder_missing(folder: Path, run: str, what: str, flag: str) -> bool:
    """Say on stderr that ``run`` is skipped when ``folder`` is not there; True when skipped."""
    if folder.is_dir():
        return False
    print(f"{run} skipped: no {what} at {folder} (pass {flag} to point at one).", file=sys.stderr)
    return True
