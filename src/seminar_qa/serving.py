"""A long-running process's view of the index: loaded once, warmed up, swapped when rebuilt.

The HTTP API holds one :class:`LiveAssistant`. A watcher thread (:meth:`LiveAssistant.watch`)
compares the index's build stamp with the one it loaded every ``check_seconds`` and, after a
rebuild, loads the new build while the old one keeps answering, then switches; requests never
wait for a load. A broken or missing index never replaces a working one: the old build serves
until a good one appears.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from seminar_qa.answering import Assistant
from seminar_qa.errors import SeminarQAError
from seminar_qa.index import SeminarIndex, build_stamp, resolve_index_dir

WARM_UP = ("What was the seminar about?", "研讨会讨论了什么？")
"""One question per language, asked after a load so the first visitor's does not pay for loading
models and word lists (about a second each)."""


def warm_up(assistant: Assistant) -> Assistant:
    """Ask :data:`WARM_UP` once, so models and word lists load before the first visitor asks."""
    for question in WARM_UP:
        assistant.answer(question, k=1)
    return assistant


class NotReadyError(SeminarQAError):
    """No index is loaded yet: still loading, missing or broken (the message says which)."""


@dataclass(frozen=True)
class Loaded:
    """One loaded build: its assistant and build stamp."""

    assistant: Assistant
    stamp: str


class LiveAssistant:
    """The assistant of the newest good build of the index at ``index_dir``."""

    def __init__(self, index_dir: Path, *, check_seconds: float = 1.0, warm_up: bool = True):
        """Serve ``index_dir``; :meth:`watch` looks for a rebuild every ``check_seconds``."""
        self.index_dir = Path(index_dir)
        self.check_seconds = check_seconds
        self.warm_up = warm_up
        self._loaded: Loaded | None = None
        self._problem = "loading the index and models"
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether a build is loaded and answering."""
        return self._loaded is not None

    @property
    def problem(self) -> str:
        """Why no build is loaded (or why the newest one could not be): empty when all is well."""
        return self._problem

    def current(self) -> Assistant:
        """The assistant of the newest good build; raises NotReadyError when there is none."""
        loaded = self._loaded
        if loaded is None:
            raise NotReadyError(self._problem)
        return loaded.assistant

    def loaded(self) -> Loaded | None:
        """The loaded build (None before the first good load)."""
        return self._loaded

    def watch(self, stop: threading.Event) -> None:
        """Load the index, then look for a rebuild every ``check_seconds`` until ``stop`` is set."""
        while not stop.is_set():
            self.refresh()
            stop.wait(self.check_seconds)

    def refresh(self) -> None:
        """Load the index when its build stamp changed since the last load (or none was loaded).

        One thread loads at a time; a second caller returns at once.
        """
        if not self._lock.acquire(blocking=False):
            return
        try:
            directory = resolve_index_dir(self.index_dir)
            stamp = build_stamp(directory)
            if self._loaded is not None and self._loaded.stamp == stamp:
                return
            assistant = Assistant(SeminarIndex.load(directory))
            if self.warm_up:
                warm_up(assistant)
            self._loaded = Loaded(assistant, stamp)
            self._problem = ""
        except (SeminarQAError, OSError) as error:
            self._problem = str(error)
        finally:
            self._lock.release()
