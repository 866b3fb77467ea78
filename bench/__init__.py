"""Benchmarks of seminar-qa, run as scripts (``python bench/run.py``) or by ``make bench``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def folder_missing(folder: Path, run: str, what: str, flag: str) -> bool:
    """Say on stderr that ``run`` is skipped when ``folder`` is not there; True when skipped."""
    if folder.is_dir():
        return False
    print(f"{run} skipped: no {what} at {folder} (pass {flag} to point at one).", file=sys.stderr)
    return True


def reported(run: Callable[[], int]) -> int:
    """``run()``'s exit status, or 1 after printing the message of a SeminarQAError it raised.

    The product's errors name the file or value and the fix; a benchmark script shows that line
    rather than a traceback.
    """
    from seminar_qa.errors import SeminarQAError

    try:
        return run()
    except SeminarQAError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
