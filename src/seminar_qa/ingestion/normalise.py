"""Text normalisation: every document's text the same shape, whatever format it came from.

NFC, radicals as the ideographs they look like (:mod:`radicals`), ``\\n`` line ends, no control
characters or trailing spaces, at most one blank line in a row; paged sources (PDF) are joined
page by page with the offset where each page starts.
"""

from __future__ import annotations

import re
import unicodedata

from seminar_qa.radicals import as_ideographs

TEXT_RULES = 2
"""The revision of how a document's text is read, recorded with the chunk settings in every
manifest: an index built under another is stale, so ``make run`` and ``build --if-stale`` read
its documents again. Revision 2 (2026-12-06): radicals written as ideographs; a PDF's wrapped
Chinese lines joined (``readers.pdf``)."""

# Why: page breaks and Word line breaks become real breaks; other control characters would corrupt
# JSONL rows and the rendered page, and U+FEFF is a stray BOM.
_CONTROL: dict[int, str | None] = {
    c: None for c in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, 0xFEFF]
}
_CONTROL.update({0x0B: "\n", 0x0C: "\n\n", 0x2028: "\n", 0x2029: "\n\n"})
_TRANSLATE = str.maketrans(_CONTROL)


def normalize(text: str) -> str:
    """NFC, radicals as ideographs, ``\\n`` line ends, no trailing spaces; stripped.

    At most one blank line in a row.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_TRANSLATE)
    text = unicodedata.normalize("NFC", text)  # after dropping controls: they can split a pair
    text = as_ideographs(text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def join_pages(pages: tuple[str, ...]) -> tuple[str, tuple[int, ...]]:
    """Join normalised pages with a blank line; an empty page starts where the next one does."""
    parts: list[str] = []
    starts: list[int | None] = []
    length = 0
    for page in pages:
        body = normalize(page)
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
