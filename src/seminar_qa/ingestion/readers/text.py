"""Plain text (``.txt``): decoded as it is; a headline on the first line becomes the title."""

from __future__ import annotations

import re
from pathlib import Path

from seminar_qa.ingestion.base import Extracted
from seminar_qa.ingestion.decoding import decode
from seminar_qa.ingestion.normalise import normalize
from seminar_qa.text import WORD


def read(data: bytes, path: Path) -> Extracted:
    """Plain text: decoded as it is; a headline on the first line becomes the title."""
    text, encoding = decode(data)
    return Extracted(text=text, title=headline(text), metadata={"encoding": encoding})


_HEADLINE_MAX_CHARS = 200


def headline(text: str) -> str | None:
    """The first line of a plain-text file when it reads as a title, else None.

    A title is a first paragraph of one line (then a blank line and more text), at most
    _HEADLINE_MAX_CHARS long, that does not end like a sentence or a lead-in (``.``, ``,``,
    ``:``, ``;`` and their Chinese forms); a question mark or a closing quote may end it.
    """
    lines = normalize(text).split("\n")
    first = " ".join(lines[0].split())
    rest = "\n".join(lines[1:])
    if not first or len(first) > _HEADLINE_MAX_CHARS or not WORD.search(first):
        return None
    if not re.match(r"[ \t]*\n", rest) or not rest.strip():
        return None  # not followed by a blank line and more text
    if first[-1] in ".,:;。，：；、" and not first.endswith("..."):
        return None
    return first
