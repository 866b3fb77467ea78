"""The index manifest: what an index holds, how it was built, and the checksum of every file.

A directory counts as an index only when ``manifest.json`` is there and complete; it is written
last. Loading checks the format version and every file's SHA-256 against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seminar_qa import __version__
from seminar_qa.chunking import SENTENCE_RULES
from seminar_qa.errors import IndexFormatError, IndexNotFoundError
from seminar_qa.text import sha256_file

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
BM25 = "bm25"
SOUND = "sound"
"""The BM25 of Chinese words' sounds, only in an index that holds Chinese passages."""
PASSAGES = "passages.jsonl"
DOCUMENTS = "documents.jsonl"
POLICY = "policy.json"
"""Optional: a search policy calibrated for this index (used instead of the default)."""
REBUILD_HINT = "rebuild it with `seminar-qa build`"


@dataclass(frozen=True)
class SourceRecord:
    """A corpus file as the manifest remembers it: indexed, or skipped with a reason."""

    path: str
    sha256: str
    doc_id: str | None = None
    title: str | None = None
    passages: int = 0
    skipped_reason: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The contents of ``manifest.json``."""

    format_version: int
    package_version: str
    embedders: list[dict[str, Any]]
    lexical: dict[str, Any]
    chunking: dict[str, Any]
    sources: list[SourceRecord]
    passage_count: int
    built_at: str
    build_seconds: float
    files: dict[str, str] = field(default_factory=dict)

    @property
    def documents(self) -> list[SourceRecord]:
        """The sources that were indexed."""
        return [s for s in self.sources if s.skipped_reason is None]

    @property
    def skipped(self) -> list[SourceRecord]:
        """The sources that could not be read."""
        return [s for s in self.sources if s.skipped_reason is not None]

    def to_json(self) -> dict[str, Any]:
        """Return the manifest as a JSON-serialisable dict."""
        return {
            "format_version": self.format_version,
            "package_version": self.package_version,
            "embedders": self.embedders,
            "lexical": self.lexical,
            "chunking": self.chunking,
            "documents": [
                {
                    "doc_id": s.doc_id,
                    "path": s.path,
                    "sha256": s.sha256,
                    "title": s.title,
                    "passages": s.passages,
                }
                for s in self.documents
            ],
            "skipped": [
                {"path": s.path, "sha256": s.sha256, "reason": s.skipped_reason}
                for s in self.skipped
            ],
            "passage_count": self.passage_count,
            "built_at": self.built_at,
            "build_seconds": self.build_seconds,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Manifest:
        """Parse a manifest dict; raises KeyError/TypeError/ValueError when fields are missing."""
        sources = [
            SourceRecord(
                path=d["path"],
                sha256=d["sha256"],
                doc_id=d["doc_id"],
                title=d.get("title"),
                passages=int(d.get("passages", 0)),
            )
            for d in row["documents"]
        ] + [
            SourceRecord(path=s["path"], sha256=s["sha256"], skipped_reason=s["reason"])
            for s in row.get("skipped", [])
        ]
        return cls(
            format_version=int(row["format_version"]),
            package_version=str(row["package_version"]),
            embedders=[dict(e) for e in row["embedders"]],
            lexical=dict(row["lexical"]),
            chunking=dict(row["chunking"]),
            sources=sources,
            passage_count=int(row["passage_count"]),
            built_at=str(row["built_at"]),
            build_seconds=float(row.get("build_seconds", 0.0)),
            files=dict(row.get("files", {})),
        )


def read_manifest(directory: Path) -> Manifest:
    """Read and check the manifest of the index at ``directory``."""
    path = directory / MANIFEST
    if not path.is_file():
        raise IndexNotFoundError(
            f"no index at {directory} (no {MANIFEST}); build one with `seminar-qa build`"
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise IndexFormatError(f"{path} is unreadable ({error}); {REBUILD_HINT}") from error
    if not isinstance(raw, dict):
        raise IndexFormatError(f"{path} is not a manifest object; {REBUILD_HINT}")
    version = raw.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"the index at {directory} has format version {version!r} "
            f"(written by seminar-qa {raw.get('package_version', '?')}); "
            f"this seminar-qa {__version__} reads format {FORMAT_VERSION}: {REBUILD_HINT}"
        )
    chunking = raw.get("chunking")
    rules = chunking.get("sentence_rules", 1) if isinstance(chunking, dict) else None
    if rules != SENTENCE_RULES:
        # Answering cuts a passage into sentences again and reads the index's vector of each:
        # sentences cut by other rules would be read with another sentence's vectors.
        raise IndexFormatError(
            f"the index at {directory} cut its passages into sentences by the rules of revision "
            f"{rules!r} (written by seminar-qa {raw.get('package_version', '?')}); this "
            f"seminar-qa {__version__} cuts them by revision {SENTENCE_RULES}: {REBUILD_HINT}"
        )
    try:
        return Manifest.from_json(raw)
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFormatError(f"{path} is incomplete (missing {error}); {REBUILD_HINT}") from error


def verify_files(directory: Path, manifest: Manifest) -> None:
    """Check every index file against the checksum in the manifest; raise IndexFormatError."""
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file():
            raise IndexFormatError(f"index file {path} is missing; {REBUILD_HINT}")
        if sha256_file(path) != expected:
            raise IndexFormatError(
                f"index file {path} is damaged (its checksum does not match the manifest); "
                f"{REBUILD_HINT}"
            )
