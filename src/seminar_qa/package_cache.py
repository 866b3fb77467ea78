"""Files derived once from installed packages' data, kept in the user's cache folder.

Some packages parse their data in pure Python at every start: CC-CEDICT's 122,000 lines
(``cedict``), the USE tokenizer's 128,000 pieces (``use_tokenizer``). The first process writes
what it parsed to ``$SEMINAR_QA_CACHE``, else ``$XDG_CACHE_HOME/seminar-qa``, else
``~/.cache/seminar-qa``; later ones read that. Each file's name carries the package version and
the size of the data file it came from, so an upgrade makes a new one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path


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
