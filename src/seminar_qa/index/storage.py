"""Atomic storage of index directories: write beside, fsync, swap in, and one build at a time.

``write_atomically`` fills a temporary directory beside the target, fsyncs it and swaps it in
with one atomic exchange (Linux ``renameat2``; elsewhere two renames, and ``resolve_index_dir``
finds the complete index left beside the target if a crash falls between them). A reader sees the
old index or the new one, never a mix, and a killed build leaves the old index untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from seminar_qa.errors import BuildLockedError, IndexFormatError
from seminar_qa.index.manifest import MANIFEST, read_manifest


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write one JSON object a line and fsync the file."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read one JSON object a line (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_text_synced(path: Path, text: str) -> None:
    """Write ``text`` and fsync the file."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_path(path: Path) -> None:
    """Fsync a file or directory by path."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(directory: Path, fill: Callable[[Path], None]) -> None:
    """Create ``directory`` anew: ``fill(temporary)`` writes everything, then it is swapped in.

    ``fill`` must write the manifest last. Refuses to replace a directory that is not an index.
    """
    directory = Path(directory)
    check_replaceable(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = directory.parent / f".{directory.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        fill(temporary)
        for path in temporary.rglob("*"):
            if path.is_dir():
                fsync_path(path)
        fsync_path(temporary)
        _swap_in(temporary, directory)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def resolve_index_dir(directory: Path) -> Path:
    """Return ``directory``, or the complete index left beside it by an interrupted swap."""
    if (directory / MANIFEST).is_file() or not directory.parent.is_dir():
        return directory
    leftovers = sorted(
        (p for p in directory.parent.glob(f".{directory.name}.old-*") if (p / MANIFEST).is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return leftovers[0] if leftovers else directory


def build_stamp(directory: Path) -> str:
    """Identify one build of the index at ``directory``: its build time and manifest file identity.

    Every build swaps in a new directory with a new manifest file, so the stamp changes with it,
    even for two builds within one second. Servers key their loaded index on it.
    """
    # A build swapped in between reading the manifest and its file's identity would give a stamp
    # of neither build, and a server would reload twice for one build (seen as a flaky reloader
    # check in tests/test_reliability.py under load): the identity must be the same on both
    # sides of the read.
    for _ in range(10):
        current = resolve_index_dir(Path(directory))
        try:
            before: os.stat_result | None = (current / MANIFEST).stat()
        except OSError:
            before = None  # read_manifest names the problem and the fix
        manifest = read_manifest(current)
        after = (current / MANIFEST).stat()
        if before is not None and (before.st_ino, before.st_mtime_ns) == (
            after.st_ino,
            after.st_mtime_ns,
        ):
            break
    return f"{manifest.built_at}|{after.st_ino}|{after.st_mtime_ns}"


def check_replaceable(directory: Path) -> None:
    """Refuse to replace a directory that holds something other than an index."""
    if directory.exists() and not directory.is_dir():
        raise IndexFormatError(
            f"{directory} is a file, not an index directory; choose another --index path"
        )
    if directory.is_dir() and not (directory / MANIFEST).is_file() and any(directory.iterdir()):
        raise IndexFormatError(
            f"refusing to replace {directory}: it is not empty and holds no seminar-qa index "
            f"({MANIFEST} is missing); choose another --index path or empty it"
        )


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically exchange two paths with Linux renameat2(RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)


def _swap_in(temporary: Path, directory: Path) -> None:
    """Put the finished ``temporary`` directory at ``directory``, dropping the old one."""
    if not directory.exists():
        os.rename(temporary, directory)
    elif _exchange(temporary, directory):
        shutil.rmtree(temporary, ignore_errors=True)
    else:
        # Two renames: a crash between them leaves a complete old index beside the target, which
        # resolve_index_dir finds.
        old = directory.parent / f".{directory.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(directory, old)
        os.rename(temporary, directory)
        shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        fsync_path(directory.parent)


def remove_leftovers(directory: Path) -> int:
    """Delete temporary directories left beside ``directory`` by killed builds; return the count."""
    removed = 0
    if not directory.parent.is_dir():
        return 0
    for pattern in (f".{directory.name}.tmp-*", f".{directory.name}.old-*"):
        for path in directory.parent.glob(pattern):
            if pattern.endswith("old-*") and not (directory / MANIFEST).is_file():
                continue  # the only complete index may be this one
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


@contextlib.contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock for building ``directory``; a dead process releases it by dying."""
    import fcntl

    directory.parent.mkdir(parents=True, exist_ok=True)
    lock_path = directory.parent / f".{directory.name}.lock"
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLockedError(
                f"another build of {directory} is running (pid {holder}); "
                "wait for it to finish, then run the command again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
