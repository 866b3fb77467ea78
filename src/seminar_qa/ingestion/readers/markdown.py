"""Markdown (``.md``, ``.markdown``): YAML front matter to metadata, ``#`` markers removed."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from seminar_qa.ingestion.base import Extracted, ReadProblem, one_line
from seminar_qa.ingestion.decoding import decode

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def read(data: bytes, path: Path) -> Extracted:
    """Markdown: YAML front matter to metadata, ``#`` heading markers removed, the rest kept."""
    text, encoding = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    metadata: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            front = yaml.safe_load(match.group(1) or "")
        except yaml.YAMLError as error:
            raise ReadProblem(
                one_line(f"invalid YAML front matter ({error}); fix it or remove the --- block")
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
    return Extracted(
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
