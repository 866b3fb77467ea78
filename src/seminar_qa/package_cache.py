"""Files derived once from installed packages' data, kept in the user's cache folder.

Some packages parse their data in pure Python at every start: CC-CEDICT's 122,000 lines
(``cedict``), jieba's dictionary (``jieba_dict``), the USE tokenizer's 128,000 pieces
(``use_tokenizer``). The first process writes what it parsed to ``$SEMINAR_QA_CACHE``, else
``$XDG_CACHE_HOME/seminar-qa``, else ``~/.cache/seminar-qa``; later ones read that. Each file's
name carries the package version and the size of the data file it came from, so an upgrade
makes a new one.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """The folder for files derived from installed packages (see the module docstring)."""
    explicit = os.environ.get("SEMINAR_QA_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "seminar-qa"


def cache_path(stem: str, package: str, source: Path, suffix: str) -> Path:
    """Where the file derived from ``source`` of ``package`` (at its installed version) lives."""
    version = metadata.version(package)
    return cache_dir() / f"{stem}-{version}-{source.stat().st_size}{suffix}"


def write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Make ``target`` by ``write``-ing a temporary file beside it, then renaming it.

    Readers see a finished file or none. Raises OSError when the folder cannot be written.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        Path(temporary).chmod(0o644)
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def derived_file(target: Path, make: Callable[[Path], object]) -> Path:
    """``target``, made by ``make`` (which must write atomically) when it is missing.

    When the cache folder cannot be written, the file is made in a temporary folder of this
    process's own instead: slower at every start, but nothing fails.
    """
    if not target.exists():
        try:
            make(target)
        except OSError:
            target = Path(tempfile.mkdtemp(prefix="seminar-qa-")) / target.name
            make(target)
    return target


def write_sqlite(target: Path, fill: Callable[[sqlite3.Connection], object]) -> None:
    """Make the SQLite file ``target`` by ``fill``-ing a new database, atomically (see above)."""

    def write(path: Path) -> None:
        with sqlite3.connect(path) as connection:
            fill(connection)
        connection.close()

    write_atomically(target, write)


class ReadOnlyTable:
    """A SQLite file opened read-only: one connection shared by threads, one query at a time."""

    def __init__(self, path: Path) -> None:
        """Open ``path``; sqlite3.DatabaseError surfaces at the first query of a damaged file."""
        self._connection = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()

    def one(self, sql: str, parameters: tuple[Any, ...] = ()) -> Any:
        """The first row ``sql`` selects, or None."""
        with self._lock:
            return self._connection.execute(sql, parameters).fetchone()

    def all(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        """Every row ``sql`` selects."""
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()
