"""Loading: each corpus file read in a worker thread with a time limit, into a ``Document``.

A file that cannot be read becomes a ``SkippedFile`` with a one-line reason and fix;
``load_corpus`` never fails because of a single bad file. A file over ``max_file_bytes`` is
refused from its size alone (never read), and each file gets at most ``max_file_seconds`` to be
read (``MAX_FILE_SECONDS`` by default).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seminar_qa.errors import DocumentReadError, UnsupportedFileError
from seminar_qa.ingestion.base import ReadProblem, describe, one_line, set_deadline, size_text
from seminar_qa.ingestion.discovery import check_location, discover_files, doc_id_for
from seminar_qa.ingestion.normalise import join_pages, normalize
from seminar_qa.ingestion.registry import SUPPORTED_EXTENSIONS, format_for
from seminar_qa.records import Document
from seminar_qa.settings import Settings
from seminar_qa.text import sha256_bytes

MAX_FILE_SECONDS = 30.0
"""Default time a single file may take to be read before it is skipped (``load_corpus``)."""


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file left out of the index, with a one-line reason that says how to fix it."""

    path: str
    reason: str


@dataclass(frozen=True)
class IngestResult:
    """What ``load_corpus`` read: the documents, and the files it had to skip."""

    documents: list[Document]
    skipped: list[SkippedFile]


def load_document(path: Path, corpus_dir: Path, settings: Settings | None = None) -> Document:
    """Read one corpus file into a ``Document``.

    Raises UnsupportedFileError for an extension ingestion does not read, and DocumentReadError
    for a file that is empty, binary, undecodable, corrupt, encrypted, too large or outside the
    corpus; the message names the file, the problem and the fix.
    """
    path, corpus_dir = Path(path), Path(corpus_dir)
    display = doc_id_for(path, corpus_dir)
    try:
        return _load(path, corpus_dir, settings or Settings())
    except ReadProblem as problem:
        message = f"{display}: {problem.reason}"
        if problem.unsupported:
            raise UnsupportedFileError(message) from None
        raise DocumentReadError(message) from problem.__cause__


def load_corpus(
    corpus_dir: Path,
    settings: Settings | None = None,
    on_file: Callable[[Path], None] | None = None,
    *,
    max_file_seconds: float | None = MAX_FILE_SECONDS,
) -> IngestResult:
    """Read every file of ``corpus_dir``; bad files are collected as ``SkippedFile``, not raised.

    ``on_file(path)`` is called once after each file from ``discover_files``, read or skipped.
    A file that takes longer than ``max_file_seconds`` to read is skipped (``None`` or ``0``: no
    limit). Raises DocumentReadError only when ``corpus_dir`` is missing or not a folder.
    """
    corpus_dir = Path(corpus_dir)
    settings = settings or Settings()
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in discover_files(corpus_dir):
        display = doc_id_for(path, corpus_dir)
        try:
            documents.append(_load_in_time(path, corpus_dir, settings, max_file_seconds))
        except ReadProblem as problem:
            skipped.append(SkippedFile(display, problem.reason))
        except Exception as error:  # a parser bug must cost one file, never the whole build
            skipped.append(SkippedFile(display, one_line(f"could not read: {describe(error)}")))
        if on_file is not None:
            on_file(path)
    return IngestResult(documents=documents, skipped=skipped)


def _load_in_time(
    path: Path, corpus_dir: Path, settings: Settings, seconds: float | None
) -> Document:
    """``_load`` in a worker thread that gets ``seconds`` to finish, else a ReadProblem.

    A thread cannot be killed, so one that overruns is left to stop at its next deadline check
    (or with the process: it is a daemon) while the build goes on with the next file.
    """
    if not seconds or seconds <= 0:
        return _load(path, corpus_dir, settings)
    outcome: list[Document | BaseException] = []

    def work() -> None:
        set_deadline(time.monotonic() + seconds)
        try:
            outcome.append(_load(path, corpus_dir, settings))
        except BaseException as error:  # handed to the caller's thread below
            outcome.append(error)

    worker = threading.Thread(target=work, name=f"read {path.name}", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        raise ReadProblem(
            f"took longer than {seconds:g} s to read (max_file_seconds), so it was skipped; "
            "the file may be damaged or pathological: re-save or split it"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _load(path: Path, corpus_dir: Path, settings: Settings) -> Document:
    """Check the file, read its bytes once, and hand them to the reader for its format."""
    check_location(path, corpus_dir)
    document_format = format_for(path)
    if document_format is None:
        shown = f"'{path.suffix}'" if path.suffix else "(no extension)"
        raise ReadProblem(
            f"unsupported file type {shown}; ingestion reads {', '.join(SUPPORTED_EXTENSIONS)}: "
            "convert the file to one of these or move it out of the corpus",
            unsupported=True,
        )
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            raise ReadProblem(
                f"file of {size_text(size)} is larger than the limit of "
                f"{size_text(settings.max_file_bytes)} (max_file_bytes); "
                "split it or raise the limit"
            )
        data = path.read_bytes()
    except PermissionError:
        raise ReadProblem(
            "permission denied: make the file readable (e.g. chmod a+r) or remove it"
        ) from None
    except OSError as error:
        raise ReadProblem(f"could not open: {error.strerror or error}; check the file") from None
    if not data:
        raise ReadProblem("empty file: add text or remove it")
    extracted = document_format.reader()(data, path)
    text = normalize(extracted.text)
    if not text:
        raise ReadProblem("empty: no text after extraction; add text or remove the file")
    page_starts: tuple[int, ...] = ()
    if extracted.page_texts is not None:
        text, page_starts = join_pages(extracted.page_texts)
    metadata = dict(extracted.metadata or {})
    metadata["source_format"] = document_format.name
    doc_id = doc_id_for(path, corpus_dir)
    return Document(
        doc_id=doc_id,
        path=doc_id,
        title=extracted.title or _title_from_name(path),
        text=text,
        sha256=sha256_bytes(data),
        metadata=metadata,
        page_starts=page_starts,
    )


def _title_from_name(path: Path) -> str:
    """The file name stem with ``-``/``_`` as spaces: ``tec_report-2024`` -> ``tec report 2024``."""
    title = " ".join(re.sub(r"[-_]+", " ", path.stem).split())
    return title or path.name
