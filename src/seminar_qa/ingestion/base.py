"""What every reader shares: the problem a file can have, what a reader returns, its deadline."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024


class ReadProblem(Exception):
    """Why one file cannot be read, without the file name (the loader adds it).

    ``unsupported`` marks a file whose format no reader handles.
    """

    def __init__(self, reason: str, *, unsupported: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unsupported = unsupported


@dataclass(frozen=True)
class Extracted:
    """What a format reader returns before normalisation and the common fields are added."""

    text: str
    title: str | None = None
    metadata: dict[str, Any] | None = None
    page_texts: tuple[str, ...] | None = None


# The deadline of the file being read by this thread, checked between PDF pages and DOCX blocks so
# that a reader abandoned after its time limit stops soon instead of running on in the background.
_deadline = threading.local()


def set_deadline(at: float | None) -> None:
    """Set (or clear, with None) the monotonic time by which this thread's file must be read."""
    _deadline.at = at


def check_deadline() -> None:
    """Raise ReadProblem when the current thread's file has run past its time limit."""
    limit: float | None = getattr(_deadline, "at", None)
    if limit is not None and time.monotonic() > limit:
        raise ReadProblem("reading stopped at the time limit")


def size_text(count: int) -> str:
    """Format a byte count for a message: whole MB when large, bytes when small."""
    if count >= MB:
        return f"{count / MB:.3g} MB" if count < 1000 * MB else f"{count // MB} MB"
    return f"{count} bytes"


def describe(error: BaseException) -> str:
    """``Type: message`` of an exception, for a one-line reason."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace so a reason fits one line, and cut it to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
