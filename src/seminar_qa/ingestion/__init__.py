"""Files -> documents: find the corpus files and turn each one into a plain-text ``Document``.

One reader per format (``ingestion.readers``), listed in one registry (``ingestion.registry``,
the only list of supported extensions). Every document's text is normalised the same way
(``ingestion.normalise``), text formats are decoded by ``ingestion.decoding``, files are found by
``ingestion.discovery`` and read with a size and time limit by ``ingestion.loading``.
"""

from seminar_qa.ingestion.discovery import discover_files, doc_id_for
from seminar_qa.ingestion.loading import (
    MAX_FILE_SECONDS,
    IngestResult,
    SkippedFile,
    load_corpus,
    load_document,
)
from seminar_qa.ingestion.registry import FORMATS, SUPPORTED_EXTENSIONS, Format, format_for

__all__ = [
    "FORMATS",
    "MAX_FILE_SECONDS",
    "SUPPORTED_EXTENSIONS",
    "Format",
    "IngestResult",
    "SkippedFile",
    "discover_files",
    "doc_id_for",
    "format_for",
    "load_corpus",
    "load_document",
]
