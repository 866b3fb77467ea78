"""PDF (``.pdf``): the text layer page by page, with page offsets.

Encrypted and image-only files are refused with a reason that says what to do. Chinese lines the
layout wrapped are joined again (:func:`join_wrapped_chinese`).
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pypdf
from pypdf.errors import DependencyError

from seminar_qa.ingestion.base import Extracted, ReadProblem, check_deadline, describe, one_line
from seminar_qa.text import CJK_CLASS

# Ideographs, radicals, CJK punctuation and full-width forms: how a Chinese line ends and starts.
_CHINESE = re.compile(f"[{CJK_CLASS}\u2e80-\u2fdf\u3000-\u303f\uff00-\uffef]")
FULL_LINE = 0.8
"""A line at least this share of the page's widest ran to the margin: the layout wrapped it."""


def _width(line: str) -> int:
    """How wide a line is drawn: a Chinese (wide) character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line.rstrip())


def join_wrapped_chinese(page: str) -> str:
    """A page's text with each Chinese line the layout wrapped joined to the next, no space.

    A PDF's text layer breaks lines where the page did: "在上\\n海举行" cut 上海 in two for jieba,
    BM25 and the page (Chinese writes no space between words, so the break cannot stand for
    one). A break stays where the line before is short (a title, a paragraph's last line) or
    either side of it is not Chinese.
    """
    lines = page.split("\n")
    widths = [_width(line) for line in lines]
    full = FULL_LINE * max(widths)
    out = [lines[0]]
    for width, (before, line) in zip(widths, itertools.pairwise(lines), strict=False):
        wrapped = (
            width >= full
            and _CHINESE.match(before.rstrip()[-1:] or " ") is not None
            and _CHINESE.match(line[:1] or " ") is not None
        )
        if wrapped:
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


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


def read(data: bytes, path: Path) -> Extracted:
    """PDF: the text layer page by page; encrypted and image-only files are refused."""
    with _quiet_pypdf():
        return _read_pdf_layer(data)


def _read_pdf_layer(data: bytes) -> Extracted:
    """Read the pages of a PDF from its bytes; see ``_read_pdf``."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except DependencyError:
                opened = pypdf.PasswordType.NOT_DECRYPTED
            if opened == pypdf.PasswordType.NOT_DECRYPTED:
                raise ReadProblem(
                    "encrypted PDF that needs a password: save an unprotected copy and rebuild"
                )
        page_texts: list[str] = []
        for number, page in enumerate(reader.pages, start=1):
            check_deadline()
            try:
                page_texts.append(join_wrapped_chinese(page.extract_text() or ""))
            except Exception as error:
                raise ReadProblem(
                    one_line(f"could not extract the text of page {number} ({describe(error)})")
                ) from error
        metadata: dict[str, Any] = {"pages": len(page_texts)}
        title = _pdf_info(reader, metadata)
    except ReadProblem:
        raise
    except Exception as error:  # pypdf raises many types on damaged files
        raise ReadProblem(
            one_line(f"not a readable PDF ({describe(error)}); re-export or re-download it")
        ) from error
    if not page_texts:
        raise ReadProblem("empty PDF: it has no pages; re-export it or remove it")
    if not any(t.strip() for t in page_texts):
        raise ReadProblem(
            "no text layer (scanned image?): run OCR on it (e.g. ocrmypdf) or add a text version"
        )
    return Extracted(
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
