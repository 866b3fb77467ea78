"""Finding corpus files: every file below the corpus folder, and where each may be read from.

A name starting with ``.`` (file or folder) is hidden. Symbolic links are listed, not followed
into, so the loader can report the ones that leave the corpus or point at a folder.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from seminar_qa.errors import DocumentReadError
from seminar_qa.ingestion.base import ReadProblem


def discover_files(corpus_dir: Path) -> list[Path]:
    """Return every file under ``corpus_dir``, recursively, sorted; hidden names are skipped.

    A name starting with ``.`` (file or folder) is hidden. Symbolic links are listed, not followed
    into, so ``load_corpus`` can report the ones that leave the corpus or point at a folder.
    """
    corpus_dir = Path(corpus_dir)
    check_corpus_dir(corpus_dir)
    found: list[Path] = []
    for folder, dirnames, filenames in os.walk(corpus_dir, followlinks=False):
        base = Path(folder)
        visible_dirs = []
        for name in dirnames:
            if name.startswith("."):
                continue
            if (base / name).is_symlink():
                found.append(base / name)  # reported as skipped; never walked into (loops)
            else:
                visible_dirs.append(name)
        dirnames[:] = visible_dirs
        for name in filenames:
            if name.startswith("."):
                continue
            path = base / name
            try:
                mode = path.lstat().st_mode
            except OSError:  # removed while we walked
                continue
            if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
                found.append(path)
    return sorted(found)


def doc_id_for(path: Path, corpus_dir: Path) -> str:
    """Return the stable id of a corpus file: its POSIX path relative to ``corpus_dir``."""
    path, corpus_dir = Path(path), Path(corpus_dir)
    try:
        return path.relative_to(corpus_dir).as_posix()
    except ValueError:
        pass
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(corpus_dir)).as_posix()
    except ValueError:
        # Not under the corpus folder at all: the absolute path is still stable and unique.
        return Path(os.path.abspath(path)).as_posix()


def check_corpus_dir(corpus_dir: Path) -> None:
    """Raise DocumentReadError unless ``corpus_dir`` is an existing folder."""
    if not corpus_dir.exists():
        raise DocumentReadError(
            f"corpus folder {corpus_dir} does not exist; create it and put the documents there, "
            "or point --corpus / SEMINAR_QA_CORPUS at the folder that holds them"
        )
    if not corpus_dir.is_dir():
        raise DocumentReadError(
            f"corpus path {corpus_dir} is a file, not a folder; point --corpus / "
            "SEMINAR_QA_CORPUS at the folder that holds the documents"
        )


def check_location(path: Path, corpus_dir: Path) -> None:
    """Refuse links that leave the corpus, broken links, missing files, folders, special files."""
    link = path.is_symlink()
    try:
        target = path.resolve()
        root = corpus_dir.resolve()
    except (OSError, RuntimeError):  # RuntimeError: symlink loop before Python 3.13
        raise ReadProblem("symbolic link loop: fix or remove the link") from None
    if not path.exists():
        if link:
            raise ReadProblem(
                "broken symbolic link (its target is missing): fix or remove the link"
            )
        raise ReadProblem("file not found: check the path")
    inside = Path(os.path.abspath(path)).is_relative_to(os.path.abspath(corpus_dir))
    if inside and not target.is_relative_to(root):  # a link in the path leads out of the corpus
        raise ReadProblem(
            f"symbolic link to {target}, outside the corpus folder: copy the file into the "
            "corpus instead of linking to it"
        )
    if path.is_dir():
        if link:
            raise ReadProblem(
                "symbolic link to a folder, which is not followed: link the files themselves"
            )
        raise ReadProblem("is a folder, not a file: pass a file, or the folder as the corpus")
    if not path.is_file():
        raise ReadProblem("not a regular file: only plain files are read; remove it")
