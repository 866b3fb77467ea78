"""Benchmarks of seminar-qa, run as scripts (``python bench/run.py``) or by ``make bench``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


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


def derive_questions(
    source: Path, target: Path, edit: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> int:
    """Write ``source``'s questions.jsonl to ``target``, each row as ``edit`` returns it.

    ``edit`` returns None to leave a row out; the number of rows written is returned. A derived
    set's rows (``traditional_sets.py``, ``short_paragraphs.py``) keep the source's ids and gold.
    """
    rows = []
    for line in (source / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip() and (row := edit(json.loads(line))) is not None:
            rows.append(json.dumps(row, ensure_ascii=False))
    (target / "questions.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return len(rows)
