"""Word (``.docx``): paragraphs and table rows in order, title from the properties or a heading.

A zip that would expand too far is refused from the sizes its directory declares, before anything
is inflated.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import docx
from docx.table import Table

from seminar_qa.ingestion.base import (
    MB,
    Extracted,
    ReadProblem,
    check_deadline,
    describe,
    one_line,
    size_text,
)

MAX_UNZIPPED_BYTES = 256 * MB
"""A ``.docx`` whose zip declares more than this, uncompressed, in all is refused unread."""
MAX_ZIP_RATIO = 200
"""A ``.docx`` member that declares more than this many times its compressed size (and over
``_ZIP_RATIO_FLOOR``) is refused: zip bombs inflate ~1000:1, Word XML about 10:1."""
_ZIP_RATIO_FLOOR = 4 * MB
MAX_ZIP_MEMBERS = 10_000


def read(data: bytes, path: Path) -> Extracted:
    """DOCX: paragraphs and table rows in order; title from core properties or a heading."""
    _check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
        paragraphs: list[str] = []
        heading: str | None = None
        for block in document.iter_inner_content():
            check_deadline()
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
    except ReadProblem:
        raise
    except Exception as error:  # zipfile, lxml and python-docx errors on damaged files
        raise ReadProblem(
            one_line(f"not a readable .docx ({describe(error)}); re-save it from Word as .docx")
        ) from error
    return Extracted(text="\n\n".join(paragraphs), title=core_title or heading, metadata=metadata)


def _check_zip(data: bytes) -> None:
    """Refuse a zip whose directory declares too much: python-docx would inflate it all.

    zipfile stops every member at its declared size (and fails on a CRC mismatch), so the
    declared sizes bound what parsing can inflate; checking them costs no decompression.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception as error:  # not a zip, or a damaged directory
        raise ReadProblem(
            one_line(f"not a readable .docx ({describe(error)}); re-save it from Word as .docx")
        ) from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise ReadProblem(
            f"zip with {len(members)} members (limit {MAX_ZIP_MEMBERS}); not a Word document: "
            "re-save it from Word as .docx"
        )
    total = sum(member.file_size for member in members)
    if total > MAX_UNZIPPED_BYTES:
        raise ReadProblem(
            f"zip bomb? it would expand to {size_text(total)} "
            f"(limit {size_text(MAX_UNZIPPED_BYTES)}) "
            "and was not opened; re-save it from Word as .docx"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > _ZIP_RATIO_FLOOR and ratio > MAX_ZIP_RATIO:
            raise ReadProblem(
                one_line(
                    f"zip bomb? its member {member.filename!r} would expand {ratio:.0f}-fold to "
                    f"{size_text(member.file_size)} and was not opened; "
                    "re-save it from Word as .docx"
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
