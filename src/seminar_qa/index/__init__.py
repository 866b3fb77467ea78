"""The index: manifest, dense vectors, lexical BM25, atomic storage, and the index object."""

from seminar_qa.index.core import SeminarIndex, embedding_count, embedding_text
from seminar_qa.index.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    Manifest,
    SourceRecord,
    read_manifest,
    verify_files,
)
from seminar_qa.index.storage import build_lock, build_stamp, remove_leftovers, resolve_index_dir

__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "Manifest",
    "SeminarIndex",
    "SourceRecord",
    "build_lock",
    "build_stamp",
    "embedding_count",
    "embedding_text",
    "read_manifest",
    "remove_leftovers",
    "resolve_index_dir",
    "verify_files",
]
