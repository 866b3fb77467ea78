"""The formats ingestion reads: the only list of supported extensions, and a reader per format.

Messages, settings, the CLI's help and the README derive from :data:`FORMATS`; a test checks that
the README lists exactly these extensions. Each reader is a module of ``ingestion.readers`` with
a ``read(data, path) -> Extracted`` function, imported only when a file of its format is read
(pypdf, python-docx and BeautifulSoup cost import time a search never needs).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from seminar_qa.ingestion.base import Extracted

Reader = Callable[[bytes, Path], Extracted]


@dataclass(frozen=True)
class Format:
    """One document format: its name, the extensions it goes by, and its reader module."""

    name: str
    extensions: tuple[str, ...]
    module: str
    description: str

    def reader(self) -> Reader:
        """The format's ``read`` function (its module is imported on first use)."""
        reader: Reader = importlib.import_module(self.module).read
        return reader


FORMATS = (
    Format("txt", (".txt",), "seminar_qa.ingestion.readers.text", "plain text"),
    Format(
        "md",
        (".md", ".markdown"),
        "seminar_qa.ingestion.readers.markdown",
        "Markdown, with optional YAML front matter",
    ),
    Format("html", (".html", ".htm"), "seminar_qa.ingestion.readers.html", "HTML (main text only)"),
    Format("pdf", (".pdf",), "seminar_qa.ingestion.readers.pdf", "PDF (text layer, page numbers)"),
    Format("docx", (".docx",), "seminar_qa.ingestion.readers.docx", "Word .docx"),
)
SUPPORTED_EXTENSIONS = tuple(extension for f in FORMATS for extension in f.extensions)
_BY_EXTENSION = {extension: f for f in FORMATS for extension in f.extensions}


def format_for(path: Path) -> Format | None:
    """The format of ``path`` by its extension (case-insensitive), or None when unsupported."""
    return _BY_EXTENSION.get(path.suffix.lower())


def extensions_text(separator: str = ", ", last: str = " or ") -> str:
    """The supported extensions for a message: ".txt, .md, ... or .docx"."""
    *rest, final = SUPPORTED_EXTENSIONS
    return f"{separator.join(rest)}{last}{final}"
