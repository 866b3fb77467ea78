"""Files -> documents: find the corpus files and turn each one into a plain-text ``Document``.

Reads ``.txt``, ``.md``/``.markdown`` (with YAML front matter), ``.html``/``.htm`` (main text
only), ``.pdf`` (text layer, with page offsets) and ``.docx``. Every document's text is normalised
the same way (NFC, ``\\n`` line ends, no trailing spaces, paragraphs separated by one blank line),
so the chunker can rely on it. A file that cannot be read becomes a ``SkippedFile`` with a one-line
reason and fix; ``load_corpus`` never fails because of a single bad file.

Limits keep a hostile or damaged file from stalling a build: a file over ``max_file_bytes`` is
refused from its size alone (never read), a ``.docx`` whose zip would expand too far is refused
from the sizes its zip directory declares (never inflated), and each file gets at most
``max_file_seconds`` to be read (``MAX_FILE_SECONDS`` by default).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import logging
import os
import re
import stat
import threading
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer
import docx
import pypdf
import yaml
from bs4 import BeautifulSoup
from bs4.element import CData, NavigableString, PageElement, Tag
from docx.table import Table
from pypdf.errors import DependencyError

from seminar_qa.errors import DocumentReadError, UnsupportedFileError
from seminar_qa.records import Document
from seminar_qa.settings import SUPPORTED_EXTENSIONS, Settings
from seminar_qa.tokenization import WORD

_MB = 1024 * 1024

MAX_FILE_SECONDS = 30.0
"""Default time a single file may take to be read before it is skipped (``load_corpus``)."""
MAX_UNZIPPED_BYTES = 256 * _MB
"""A ``.docx`` whose zip declares more than this, uncompressed, in all is refused unread."""
MAX_ZIP_RATIO = 200
"""A ``.docx`` member that declares more than this many times its compressed size (and over
``_ZIP_RATIO_FLOOR``) is refused: zip bombs inflate ~1000:1, Word XML about 10:1."""
_ZIP_RATIO_FLOOR = 4 * _MB
MAX_ZIP_MEMBERS = 10_000


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


class _Problem(Exception):
    """Internal: why one file cannot be read, without the file name (added by the caller)."""

    def __init__(self, reason: str, *, unsupported: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unsupported = unsupported


@dataclass(frozen=True)
class _Extracted:
    """What a format reader returns before normalisation and the common fields are added."""

    text: str
    title: str | None = None
    metadata: dict[str, Any] | None = None
    page_texts: tuple[str, ...] | None = None


# ---------------------------------------------------------------------------------------------
# Finding files


def discover_files(corpus_dir: Path) -> list[Path]:
    """Return every file under ``corpus_dir``, recursively, sorted; hidden names are skipped.

    A name starting with ``.`` (file or folder) is hidden. Symbolic links are listed, not followed
    into, so ``load_corpus`` can report the ones that leave the corpus or point at a folder.
    """
    corpus_dir = Path(corpus_dir)
    _check_corpus_dir(corpus_dir)
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


def file_sha256(path: Path) -> str:
    """Return the hex SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _check_corpus_dir(corpus_dir: Path) -> None:
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


# ---------------------------------------------------------------------------------------------
# Loading


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
    except _Problem as problem:
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
        except _Problem as problem:
            skipped.append(SkippedFile(display, problem.reason))
        except Exception as error:  # a parser bug must cost one file, never the whole build
            skipped.append(SkippedFile(display, _one_line(f"could not read: {_describe(error)}")))
        if on_file is not None:
            on_file(path)
    return IngestResult(documents=documents, skipped=skipped)


# The deadline of the file being read by this thread, checked between PDF pages and DOCX blocks so
# that a reader abandoned after its time limit stops soon instead of running on in the background.
_deadline = threading.local()


def _check_deadline() -> None:
    """Raise _Problem when the current thread's file has run past its time limit."""
    limit: float | None = getattr(_deadline, "at", None)
    if limit is not None and time.monotonic() > limit:
        raise _Problem("reading stopped at the time limit")


def _load_in_time(
    path: Path, corpus_dir: Path, settings: Settings, seconds: float | None
) -> Document:
    """``_load`` in a worker thread that gets ``seconds`` to finish, else a _Problem.

    A thread cannot be killed, so one that overruns is left to stop at its next deadline check
    (or with the process: it is a daemon) while the build goes on with the next file.
    """
    if not seconds or seconds <= 0:
        return _load(path, corpus_dir, settings)
    outcome: list[Document | BaseException] = []

    def work() -> None:
        _deadline.at = time.monotonic() + seconds
        try:
            outcome.append(_load(path, corpus_dir, settings))
        except BaseException as error:  # handed to the caller's thread below
            outcome.append(error)

    worker = threading.Thread(target=work, name=f"read {path.name}", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        raise _Problem(
            f"took longer than {seconds:g} s to read (max_file_seconds), so it was skipped; "
            "the file may be damaged or pathological: re-save or split it"
        )
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _load(path: Path, corpus_dir: Path, settings: Settings) -> Document:
    """Check the file, read its bytes once, and hand them to the reader for its format."""
    _check_location(path, corpus_dir)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        shown = f"'{path.suffix}'" if path.suffix else "(no extension)"
        raise _Problem(
            f"unsupported file type {shown}; ingestion reads {', '.join(SUPPORTED_EXTENSIONS)}: "
            "convert the file to one of these or move it out of the corpus",
            unsupported=True,
        )
    try:
        size = path.stat().st_size
        if size > settings.max_file_bytes:
            raise _Problem(
                f"file of {_size(size)} is larger than the limit of "
                f"{_size(settings.max_file_bytes)} (max_file_bytes); split it or raise the limit"
            )
        data = path.read_bytes()
    except PermissionError:
        raise _Problem(
            "permission denied: make the file readable (e.g. chmod a+r) or remove it"
        ) from None
    except OSError as error:
        raise _Problem(f"could not open: {error.strerror or error}; check the file") from None
    if not data:
        raise _Problem("empty file: add text or remove it")
    extracted = reader(data, path)
    text = _normalize(extracted.text)
    if not text:
        raise _Problem("empty: no text after extraction; add text or remove the file")
    page_starts: tuple[int, ...] = ()
    if extracted.page_texts is not None:
        text, page_starts = _join_pages(extracted.page_texts)
    metadata = dict(extracted.metadata or {})
    metadata["source_format"] = _FORMATS[suffix]
    doc_id = doc_id_for(path, corpus_dir)
    return Document(
        doc_id=doc_id,
        path=doc_id,
        title=extracted.title or _title_from_name(path),
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        metadata=metadata,
        page_starts=page_starts,
    )


def _check_location(path: Path, corpus_dir: Path) -> None:
    """Refuse links that leave the corpus, broken links, missing files, folders, special files."""
    link = path.is_symlink()
    try:
        target = path.resolve()
        root = corpus_dir.resolve()
    except (OSError, RuntimeError):  # RuntimeError: symlink loop before Python 3.13
        raise _Problem("symbolic link loop: fix or remove the link") from None
    if not path.exists():
        if link:
            raise _Problem("broken symbolic link (its target is missing): fix or remove the link")
        raise _Problem("file not found: check the path")
    inside = Path(os.path.abspath(path)).is_relative_to(os.path.abspath(corpus_dir))
    if inside and not target.is_relative_to(root):  # a link in the path leads out of the corpus
        raise _Problem(
            f"symbolic link to {target}, outside the corpus folder: copy the file into the "
            "corpus instead of linking to it"
        )
    if path.is_dir():
        if link:
            raise _Problem(
                "symbolic link to a folder, which is not followed: link the files themselves"
            )
        raise _Problem("is a folder, not a file: pass a file, or the folder as the corpus")
    if not path.is_file():
        raise _Problem("not a regular file: only plain files are read; remove it")


def _size(count: int) -> str:
    """Format a byte count for a message: whole MB when large, bytes when small."""
    if count >= _MB:
        return f"{count / _MB:.3g} MB" if count < 1000 * _MB else f"{count // _MB} MB"
    return f"{count} bytes"


def _describe(error: BaseException) -> str:
    """``Type: message`` of an exception, for a one-line reason."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace so a reason fits one line, and cut it to ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _title_from_name(path: Path) -> str:
    """The file name stem with ``-``/``_`` as spaces: ``tec_report-2024`` -> ``tec report 2024``."""
    title = " ".join(re.sub(r"[-_]+", " ", path.stem).split())
    return title or path.name


# ---------------------------------------------------------------------------------------------
# Text normalisation

# Why: page breaks and Word line breaks become real breaks; other control characters would corrupt
# JSONL rows and the rendered page, and U+FEFF is a stray BOM.
_CONTROL: dict[int, str | None] = {
    c: None for c in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, 0xFEFF]
}
_CONTROL.update({0x0B: "\n", 0x0C: "\n\n", 0x2028: "\n", 0x2029: "\n\n"})
_TRANSLATE = str.maketrans(_CONTROL)


def _normalize(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces, at most one blank line in a row, stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TRANSLATE)
    text = unicodedata.normalize("NFC", text)  # after dropping controls: they can split a pair
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _join_pages(pages: tuple[str, ...]) -> tuple[str, tuple[int, ...]]:
    """Join normalised pages with a blank line; an empty page starts where the next one does."""
    parts: list[str] = []
    starts: list[int | None] = []
    length = 0
    for page in pages:
        body = _normalize(page)
        if not body:
            starts.append(None)
            continue
        if parts:
            length += 2
        starts.append(length)
        parts.append(body)
        length += len(body)
    resolved: list[int] = []
    following = length
    for start in reversed(starts):
        following = following if start is None else start
        resolved.append(following)
    return "\n\n".join(parts), tuple(reversed(resolved))


# ---------------------------------------------------------------------------------------------
# Bytes -> str for the text formats

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy encodings a seminar corpus is likely to hold. Latin-1 is left out on purpose: it decodes
# any bytes at all, so it would hide a wrong guess instead of reporting it.
_CANDIDATES = ("gb18030", "big5", "cp1252")
# What browsers do with these labels (WHATWG Encoding): decode with the superset.
_SUPERSETS = {"iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])


def _decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)``: BOM, then UTF-8, then a declared charset, then detection."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise _Problem(
                    f"starts with a {encoding.upper()} byte order mark but is not valid "
                    f"{encoding.upper()}; save it as UTF-8"
                ) from None
    sample = data[:65536]
    if b"\x00" in sample or sum(b in _CONTROL_BYTES for b in sample) > 0.05 * len(sample):
        raise _Problem(
            "looks like a binary file, not text (or UTF-16 without a byte order mark); "
            "save it as UTF-8 text or remove it"
        )
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = ""
        name = _SUPERSETS.get(name, name)
        if name:
            try:
                return data.decode(name), name
            except UnicodeDecodeError:
                pass
    guess = _guess_encoding(data)
    if guess is None:
        raise _Problem(
            "could not tell its text encoding (not UTF-8, GB18030/GBK, Big5 or Windows-1252); "
            "save it as UTF-8"
        )
    return guess


def _guess_encoding(data: bytes) -> tuple[str, str] | None:
    """Pick among the candidate encodings, or None when no decoding looks like real text.

    charset_normalizer proposes the candidates; a short Western text often decodes without error
    as GB18030 or Big5 too (as rare characters), so each candidate is also scored by how ordinary
    its non-ASCII characters are, and the most ordinary wins.
    """
    scored: list[tuple[float, float, str, str]] = []
    for match in charset_normalizer.from_bytes(data, cp_isolation=list(_CANDIDATES)):
        encoding = codecs.lookup(match.encoding).name
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # A sample is enough to judge the script, and keeps a 50 MB file fast.
        scored.append((_plausibility(text[:65536], encoding), -match.chaos, encoding, text))
    if not scored:
        return None
    score, _, encoding, text = max(scored)
    return (text, encoding) if score >= 0.5 else None


def _plausibility(text: str, encoding: str) -> float:
    """Share (0..1) of the non-ASCII characters that are ordinary for ``encoding``'s script."""
    wide = [(i, c) for i, c in enumerate(text) if ord(c) > 0x7F]
    if not wide:
        return 1.0
    if encoding in ("gb18030", "big5"):
        return sum(_common_cjk(c, encoding) for _, c in wide) / len(wide)

    # Western text: accented letters sit alone inside words; Chinese read as cp1252 comes out as
    # runs of Latin-1 letters and symbols (every GB2312 byte pair lands in U+00A1..U+00FE).
    def latin1(i: int) -> bool:
        return 0 <= i < len(text) and 0xA0 <= ord(text[i]) <= 0xFF

    paired = sum(latin1(i) and (latin1(i - 1) or latin1(i + 1)) for i, _ in wide)
    return 1 - paired / len(wide)


def _common_cjk(char: str, encoding: str) -> bool:
    """Whether ``char`` is in the everyday part of the encoding: GB2312 level 1 / Big5 level 1."""
    try:
        code = int.from_bytes(char.encode("gb2312" if encoding == "gb18030" else "big5"), "big")
    except UnicodeEncodeError:
        return False
    if encoding == "gb18030":
        return 0xA1A1 <= code <= 0xA9FE or 0xB0A1 <= code <= 0xD7FE  # symbols, level-1 hanzi
    return 0xA140 <= code <= 0xA3BF or 0xA440 <= code <= 0xC67E  # symbols, level-1 hanzi


# ---------------------------------------------------------------------------------------------
# Format readers: bytes -> _Extracted


def _read_txt(data: bytes, path: Path) -> _Extracted:
    """Plain text: decoded as it is; a headline on the first line becomes the title."""
    text, encoding = _decode(data)
    return _Extracted(text=text, title=_headline(text), metadata={"encoding": encoding})


_HEADLINE_MAX_CHARS = 200


def _headline(text: str) -> str | None:
    """The first line of a plain-text file when it reads as a title, else None.

    A title is a first paragraph of one line (then a blank line and more text), at most
    _HEADLINE_MAX_CHARS long, that does not end like a sentence or a lead-in (``.``, ``,``,
    ``:``, ``;`` and their Chinese forms); a question mark or a closing quote may end it.
    """
    lines = _normalize(text).split("\n")
    first = " ".join(lines[0].split())
    rest = "\n".join(lines[1:])
    if not first or len(first) > _HEADLINE_MAX_CHARS or not WORD.search(first):
        return None
    if not re.match(r"[ \t]*\n", rest) or not rest.strip():
        return None  # not followed by a blank line and more text
    if first[-1] in ".,:;。，：；、" and not first.endswith("..."):
        return None
    return first


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _read_markdown(data: bytes, path: Path) -> _Extracted:
    """Markdown: YAML front matter to metadata, ``#`` heading markers removed, the rest kept."""
    text, encoding = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    metadata: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            front = yaml.safe_load(match.group(1) or "")
        except yaml.YAMLError as error:
            raise _Problem(
                _one_line(f"invalid YAML front matter ({error}); fix it or remove the --- block")
            ) from None
        # Anything but a mapping (or nothing) means the --- was a thematic break, not front matter.
        if isinstance(front, dict):
            metadata = {str(k): _jsonable(v) for k, v in front.items()}
            text = text[match.end() :]
        elif front is None:
            text = text[match.end() :]
    body, heading = _strip_headings(text)
    title = metadata.get("title")
    metadata["encoding"] = encoding
    return _Extracted(
        text=body,
        title=str(title).strip() if title not in (None, "") else heading,
        metadata=metadata,
    )


def _strip_headings(text: str) -> tuple[str, str | None]:
    """Drop ATX ``#`` markers outside code fences; return the text and the first heading.

    The first level-1 heading is preferred as the title, else the first heading of any level.
    """
    lines = text.split("\n")
    fence: str | None = None
    first_h1: str | None = None
    first_any: str | None = None
    for i, line in enumerate(lines):
        opener = _FENCE.match(line)
        if fence is not None:
            closes = (
                opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence)
            )
            if closes and not line.strip().strip(fence[0]):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            content = (heading.group(2) or "").strip()
            lines[i] = content
            if content and first_any is None:
                first_any = content
            if content and first_h1 is None and len(heading.group(1)) == 1:
                first_h1 = content
    return "\n".join(lines), first_h1 or first_any


def _jsonable(value: Any) -> Any:
    """Turn a YAML value into JSON-serialisable data: dates to ISO strings, keys to strings."""
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


_HTML_DROP = frozenset(
    {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template"}
    | {"iframe", "svg", "head", "title", "meta", "link", "object", "embed", "canvas"}
)
_HTML_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog"}
    | {"div", "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"hgroup", "hr", "html", "li", "main", "ol", "p", "section", "summary", "table", "tbody"}
    | {"thead", "tfoot", "tr", "ul"}
)
_META_KEYS = {
    "description": "description",
    "og:description": "description",
    "author": "author",
    "article:author": "author",
    "date": "date",
    "dc.date": "date",
    "dcterms.date": "date",
    "dc.date.issued": "date",
    "article:published_time": "date",
    "pubdate": "date",
    "publish-date": "date",
    "citation_publication_date": "date",
    "og:site_name": "publisher",
}
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)


def _read_html(data: bytes, path: Path) -> _Extracted:
    """HTML: the main text (``<main>`` or a lone ``<article>``), one paragraph per block element."""
    declared = _DECLARED_CHARSET.search(data[:4096])
    text, encoding = _decode(data, declared.group(1).decode("ascii") if declared else None)
    soup = BeautifulSoup(text, "lxml")
    metadata: dict[str, Any] = {"encoding": encoding}
    html = soup.find("html")
    if isinstance(html, Tag):
        lang = html.get("lang")
        if isinstance(lang, str) and lang.strip():
            metadata["language"] = lang.strip()
    for meta in soup.find_all("meta"):
        if not isinstance(meta, Tag):
            continue
        key = str(meta.get("name") or meta.get("property") or "").strip().lower()
        content = meta.get("content")
        if key == "" and str(meta.get("http-equiv") or "").lower() == "content-language":
            key = "content-language"
        if not isinstance(content, str) or not content.strip():
            continue
        if key == "content-language":
            metadata.setdefault("language", content.strip())
        elif key in _META_KEYS:
            metadata.setdefault(_META_KEYS[key], " ".join(content.split()))

    body = soup.body if soup.body is not None else soup
    roots: list[Tag] = []
    main = soup.find("main")
    if isinstance(main, Tag):
        roots.append(main)
    articles = soup.find_all("article")
    if len(articles) == 1 and isinstance(articles[0], Tag):
        roots.append(articles[0])
    roots.append(body)
    # The first root with any text wins: a stray empty <main> must not hide the page.
    for root in roots:
        paragraphs = _html_paragraphs(root)
        if paragraphs:
            break
    heading = _first_h1(root)
    page_title = soup.title.get_text(" ", strip=True) if soup.title is not None else ""
    title = heading or " ".join(page_title.split()) or None
    return _Extracted(text="\n\n".join(paragraphs), title=title, metadata=metadata)


def _html_dropped(tag: Tag) -> bool:
    """Whether an element is page furniture or hidden, so none of its text is kept.

    A ``<header>`` inside ``<article>``/``<main>`` holds the article's own title and byline,
    unlike the page banner, so it is kept.
    """
    if tag.name in _HTML_DROP:
        return not (tag.name == "header" and tag.find_parent(["article", "main"]) is not None)
    return tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true"


class _Paragraphs:
    """Collects HTML text runs into paragraphs; a block boundary ends the current one."""

    def __init__(self) -> None:
        self.done: list[str] = []
        self.parts: list[str] = []

    def text(self, value: str) -> None:
        self.parts.append(re.sub(r"\s+", " ", value))

    def line_break(self) -> None:
        self.parts.append("\n")

    def cell(self) -> None:
        if "".join(self.parts).strip():
            self.parts.append(" | ")

    def verbatim(self, value: str) -> None:
        self.flush()
        value = value.strip("\n")
        if value.strip():
            self.done.append(value)

    def flush(self) -> None:
        joined = re.sub(r" *\n *", "\n", re.sub(r"[ \t]{2,}", " ", "".join(self.parts)))
        joined = joined.strip()
        if joined:
            self.done.append(joined)
        self.parts = []


def _html_paragraphs(root: Tag) -> list[str]:
    """Walk ``root`` in document order (no recursion: pages can nest deeply) into paragraphs."""
    out = _Paragraphs()
    stack: list[tuple[PageElement, bool]] = [(root, True)]
    while stack:
        node, entering = stack.pop()
        if isinstance(node, Tag):
            if not entering:
                if node.name in _HTML_BLOCKS:
                    out.flush()
                continue
            if node is not root and _html_dropped(node):
                continue
            if node.name == "br":
                out.line_break()
                continue
            if node.name == "pre":
                out.verbatim(node.get_text())
                continue
            if node.name in _HTML_BLOCKS:
                out.flush()
            elif node.name in ("td", "th"):
                out.cell()
            stack.append((node, False))
            stack.extend((child, True) for child in reversed(node.contents))
        elif type(node) in (NavigableString, CData):  # not comments, doctypes, scripts
            out.text(str(node))
    out.flush()
    return out.done


def _first_h1(root: Tag) -> str | None:
    """Text of the first ``<h1>`` under ``root`` that is not inside dropped page furniture."""
    for h1 in root.find_all("h1"):
        if not isinstance(h1, Tag):
            continue
        node: Tag | None = h1
        hidden = False
        while node is not None and node is not root:
            if _html_dropped(node):
                hidden = True
                break
            node = node.parent
        text = " ".join(h1.get_text(" ", strip=True).split())
        if not hidden and text:
            return text
    return None


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Hold back pypdf's warnings about damaged files: the skip reason already reports them."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _read_pdf(data: bytes, path: Path) -> _Extracted:
    """PDF: the text layer page by page; encrypted and image-only files are refused."""
    with _quiet_pypdf():
        return _read_pdf_layer(data)


def _read_pdf_layer(data: bytes) -> _Extracted:
    """Read the pages of a PDF from its bytes; see ``_read_pdf``."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                opened = pypdf.PasswordType.NOT_DECRYPTED
            if opened == pypdf.PasswordType.NOT_DECRYPTED:
                raise _Problem(
                    "encrypted PDF that needs a password: save an unprotected copy and rebuild"
                )
        page_texts: list[str] = []
        for number, page in enumerate(reader.pages, start=1):
            _check_deadline()
            try:
                page_texts.append(page.extract_text() or "")
            except Exception as error:
                raise _Problem(
                    _one_line(f"could not extract the text of page {number} ({_describe(error)})")
                ) from error
        metadata: dict[str, Any] = {"pages": len(page_texts)}
        title = _pdf_info(reader, metadata)
    except _Problem:
        raise
    except Exception as error:  # pypdf raises many types on damaged files
        raise _Problem(
            _one_line(f"not a readable PDF ({_describe(error)}); re-export or re-download it")
        ) from error
    if not page_texts:
        raise _Problem("empty PDF: it has no pages; re-export it or remove it")
    if not any(t.strip() for t in page_texts):
        raise _Problem(
            "no text layer (scanned image?): run OCR on it (e.g. ocrmypdf) or add a text version"
        )
    return _Extracted(
        text="\n\n".join(page_texts), title=title, metadata=metadata, page_texts=tuple(page_texts)
    )


def _pdf_info(reader: pypdf.PdfReader, metadata: dict[str, Any]) -> str | None:
    """Copy title, author and creation date from the PDF info; return a usable title."""
    info = reader.metadata
    if info is None:
        return None
    title = " ".join(str(info.title or "").split())
    author = " ".join(str(info.author or "").split())
    try:
        created = info.creation_date
    except Exception:  # a malformed date string must not cost the document
        created = None
    if title:
        metadata["title"] = title
    if author:
        metadata["author"] = author
    if created is not None:
        metadata["created"] = created.isoformat()
    # Titles like "Microsoft Word - report.docx" name the tool, not the document.
    if not title or title.startswith("Microsoft Word - ") or re.search(r"\.\w{2,4}$", title):
        return None
    return title


def _read_docx(data: bytes, path: Path) -> _Extracted:
    """DOCX: paragraphs and table rows in order; title from core properties or a heading."""
    _check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs: list[str] = []
        heading: str | None = None
        for block in document.iter_inner_content():
            _check_deadline()
            if isinstance(block, Table):
                paragraphs.extend(_docx_rows(block))
                continue
            text = block.text.strip()
            if not text:
                continue
            paragraphs.append(text)
            style = block.style.name if block.style is not None else ""
            if heading is None and (style.startswith("Heading") or style == "Title"):
                heading = " ".join(text.split())
        props = document.core_properties
        metadata: dict[str, Any] = {}
        core_title = " ".join((props.title or "").split())
        if core_title:
            metadata["title"] = core_title
        if (props.author or "").strip():
            metadata["author"] = props.author.strip()
        if props.created is not None:
            metadata["created"] = props.created.isoformat()
        if (props.language or "").strip():
            metadata["language"] = props.language.strip()
    except _Problem:
        raise
    except Exception as error:  # zipfile, lxml and python-docx errors on damaged files
        raise _Problem(
            _one_line(f"not a readable .docx ({_describe(error)}); re-save it from Word as .docx")
        ) from error
    return _Extracted(text="\n\n".join(paragraphs), title=core_title or heading, metadata=metadata)


def _check_zip(data: bytes) -> None:
    """Refuse a zip whose directory declares too much: python-docx would inflate it all.

    zipfile stops every member at its declared size (and fails on a CRC mismatch), so the
    declared sizes bound what parsing can inflate; checking them costs no decompression.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as error:  # not a zip, or a damaged directory
        raise _Problem(
            _one_line(f"not a readable .docx ({_describe(error)}); re-save it from Word as .docx")
        ) from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise _Problem(
            f"zip with {len(members)} members (limit {MAX_ZIP_MEMBERS}); not a Word document: "
            "re-save it from Word as .docx"
        )
    total = sum(member.file_size for member in members)
    if total > MAX_UNZIPPED_BYTES:
        raise _Problem(
            f"zip bomb? it would expand to {_size(total)} (limit {_size(MAX_UNZIPPED_BYTES)}) "
            "and was not opened; re-save it from Word as .docx"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _ZIP_RATIO_FLOOR and ratio > MAX_ZIP_RATIO:
            raise _Problem(
                _one_line(
                    f"zip bomb? its member {member.filename!r} would expand {ratio:.0f}-fold to "
                    f"{_size(member.file_size)} and was not opened; re-save it from Word as .docx"
                )
            )


def _docx_rows(table: Any) -> list[str]:
    """One line per table row, cells joined with `` | ``; merged cells counted once."""
    rows: list[str] = []
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows


_Reader = Callable[[bytes, Path], _Extracted]
_READERS: dict[str, _Reader] = {
    ".txt": _read_txt,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
_FORMATS = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
