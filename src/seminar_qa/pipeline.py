"""The staff workflow: corpus directory to a saved index, and whether an index is still current."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from seminar_qa.cache import CachingEmbedder, EmbeddingCache, default_cache_dir
from seminar_qa.chunking import chunk_document, chunking_record
from seminar_qa.embedding import MODEL_TEXT, Embedder
from seminar_qa.errors import (
    IndexFormatError,
    IndexNotFoundError,
    NothingToIndexError,
    SeminarQAError,
)
from seminar_qa.index import (
    Manifest,
    SeminarIndex,
    SourceRecord,
    build_lock,
    embedding_count,
    read_manifest,
    remove_leftovers,
    resolve_index_dir,
    verify_files,
)
from seminar_qa.index.lexical import TOKENS
from seminar_qa.index.manifest import POLICY
from seminar_qa.ingestion import SkippedFile, discover_files, load_corpus
from seminar_qa.ingestion.registry import extensions_text
from seminar_qa.models import get_embedder
from seminar_qa.policy import DEFAULT_POLICY, SearchPolicy
from seminar_qa.settings import Settings
from seminar_qa.text import counted, sha256_file

OnProgress = Callable[[str, int, int], None]
"""Called as ``on_progress(stage, done, total)`` while a build runs; stages are "read" and
"embed NAME" for each embedding model."""


def resolve_embedders(settings: Settings) -> list[Embedder]:
    """The embedders named by the settings, in order."""
    return [get_embedder(name) for name in settings.embedder_names]


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the one-line summary."""

    index_dir: Path
    documents: int
    passages: int
    skipped: list[SkippedFile]
    seconds: float
    reused: int = 0
    """Embeddings (of passages and sentences) taken from the cache instead of the model."""
    embeddings: int = 0
    kept_calibration: str | None = None
    """Where the operating points kept from the previous index came from (None: defaults)."""

    def summary(self) -> str:
        """One line: documents, passages, skipped files, seconds (and a kept calibration)."""
        docs = counted(self.documents, "document")
        skipped = f", skipped {counted(len(self.skipped), 'file')}"
        reused = f", reused {self.reused} of {self.embeddings} embeddings" if self.reused else ""
        line = (
            f"Indexed {counted(self.passages, 'passage')} from {docs}"
            f"{skipped if self.skipped else ''}"
            f"{reused} in {self.seconds:.1f} s -> {self.index_dir}"
        )
        if self.kept_calibration:
            line += (
                f"\nKept the answerability operating points {self.kept_calibration}; run "
                "`seminar-qa calibrate` again to refresh them for the changed corpus"
            )
        return line


def previous_calibration(index_dir: Path) -> SearchPolicy | None:
    """The calibrated policy of the index at ``index_dir``, to carry through a rebuild.

    Only its operating points are kept, on top of the current default policy; an index without
    one, or one that does not load, gives None.
    """
    try:
        directory = resolve_index_dir(index_dir)
        manifest = read_manifest(directory)
        if POLICY not in manifest.files:
            return None
        verify_files(directory, manifest)
        stored = SearchPolicy.from_json(
            json.loads((directory / POLICY).read_text(encoding="utf-8"))
        )
    except (SeminarQAError, OSError, ValueError):
        return None
    if stored.answerability is None or not stored.source.startswith("calibrated"):
        return None
    return replace(DEFAULT_POLICY, answerability=stored.answerability, source=stored.source)


def build_index(
    settings: Settings,
    *,
    embedders: Sequence[Embedder] | None = None,
    strict: bool = False,
    on_progress: OnProgress | None = None,
    on_skip: Callable[[SkippedFile], None] | None = None,
) -> BuildReport:
    """Read the corpus, chunk, embed and save the index atomically.

    Bad files are reported through ``on_skip`` and left out. Raises NothingToIndexError when no
    document could be read, or when ``strict`` and any file was skipped; the previous index is then
    left exactly as it was.
    """
    started = time.perf_counter()
    embedders = list(embedders or resolve_embedders(settings))
    caching: list[CachingEmbedder] = []
    if settings.use_cache:
        cache_dir = settings.cache_dir or default_cache_dir(Path(settings.index_dir))
        caching = [
            CachingEmbedder(e, EmbeddingCache(cache_dir, e.model_id, e.dimension))
            for e in embedders
        ]
    corpus_dir, index_dir = Path(settings.corpus_dir), Path(settings.index_dir)
    with build_lock(index_dir):
        remove_leftovers(index_dir)
        total_files = len(discover_files(corpus_dir)) if corpus_dir.is_dir() else 0
        done = 0

        def file_read(_: Path) -> None:
            nonlocal done
            done += 1
            if on_progress:
                on_progress("read", done, total_files)

        result = load_corpus(corpus_dir, settings, on_file=file_read)
        for skipped in result.skipped:
            if on_skip:
                on_skip(skipped)
        if strict and result.skipped:
            raise NothingToIndexError(
                f"{counted(len(result.skipped), 'file')} in {corpus_dir} could not be read and "
                "--strict is set; fix or remove them (see the messages above). The previous index "
                "is unchanged."
            )
        if not result.documents:
            raise NothingToIndexError(
                f"no document in {corpus_dir} could be indexed; add {extensions_text()} files "
                "there. The previous index is unchanged."
            )
        passages = [p for d in result.documents for p in chunk_document(d, settings.chunking)]
        texts = embedding_count(result.documents, passages)
        embedded: dict[str, int] = {}

        def batch_done(name: str, count: int) -> None:
            embedded[name] = embedded.get(name, 0) + count
            if on_progress:
                on_progress(f"embed {name}", embedded[name], texts)

        skipped_records = [
            SourceRecord(
                path=s.path, sha256=_safe_sha(corpus_dir / s.path), skipped_reason=s.reason
            )
            for s in result.skipped
        ]
        index = SeminarIndex.build(
            result.documents,
            passages,
            caching or embedders,
            chunking=chunking_record(settings.chunking),
            skipped=skipped_records,
            batch_size=settings.batch_size,
            on_batch=batch_done,
            vector_index=settings.vector_index,
        )
        kept = previous_calibration(index_dir)
        index.policy = kept
        index.save(index_dir)
    return BuildReport(
        index_dir=index_dir,
        documents=len(result.documents),
        passages=len(passages),
        skipped=list(result.skipped),
        seconds=time.perf_counter() - started,
        reused=sum(c.reused for c in caching),
        embeddings=texts * len(embedders),
        kept_calibration=kept.source.removeprefix("calibrated ") if kept else None,
    )


def _safe_sha(path: Path) -> str:
    """Hash a file that may be unreadable; an unreadable file hashes to an empty string."""
    try:
        return sha256_file(path)
    except OSError:
        return ""


@dataclass(frozen=True)
class IndexStatus:
    """Whether the index matches the corpus and settings, and what changed since the build."""

    state: Literal["missing", "current", "stale", "broken"]
    index_dir: Path
    corpus_dir: Path
    message: str = ""
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    settings_changed: list[str] = field(default_factory=list)
    manifest: Manifest | None = None

    def to_json(self) -> dict[str, object]:
        """The stable JSON shape of ``seminar-qa status --json``."""
        manifest = self.manifest
        return {
            "state": self.state,
            "index_dir": str(self.index_dir),
            "corpus_dir": str(self.corpus_dir),
            "message": self.message,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "settings_changed": self.settings_changed,
            "documents": len(manifest.documents) if manifest else 0,
            "skipped": len(manifest.skipped) if manifest else 0,
            "passages": manifest.passage_count if manifest else 0,
            "built_at": manifest.built_at if manifest else None,
            "embedders": [e.get("model_id") for e in manifest.embedders] if manifest else [],
        }


def index_status(settings: Settings, *, embedders: Sequence[Embedder] | None = None) -> IndexStatus:
    """Compare the index with the corpus files (by content hash) and with the current settings."""
    corpus_dir = Path(settings.corpus_dir)
    index_dir = resolve_index_dir(Path(settings.index_dir))
    try:
        manifest = read_manifest(index_dir)
        verify_files(index_dir, manifest)
    except IndexNotFoundError as error:
        return IndexStatus("missing", index_dir, corpus_dir, message=str(error))
    except IndexFormatError as error:
        return IndexStatus("broken", index_dir, corpus_dir, message=str(error))
    recorded = {s.path: s.sha256 for s in manifest.sources}
    current: dict[str, str] = {}
    if corpus_dir.is_dir():
        for path in discover_files(corpus_dir):
            current[path.relative_to(corpus_dir).as_posix()] = _safe_sha(path)
    added = sorted(set(current) - set(recorded))
    removed = sorted(set(recorded) - set(current))
    changed = sorted(p for p in set(current) & set(recorded) if current[p] != recorded[p])
    settings_changed = []
    if manifest.chunking != chunking_record(settings.chunking):
        settings_changed.append("chunking")
    if manifest.lexical.get("tokens") != TOKENS:
        settings_changed.append("lexical tokens")
    wanted = [e.model_id for e in (embedders or resolve_embedders(settings))]
    if [e.get("model_id") for e in manifest.embedders] != wanted:
        settings_changed.append("embedders")
    elif any(e.get("text") != MODEL_TEXT for e in manifest.embedders):
        settings_changed.append("model text")
    stale = bool(added or removed or changed or settings_changed)
    return IndexStatus(
        "stale" if stale else "current",
        index_dir,
        corpus_dir,
        message="the corpus or settings changed since the build; run `seminar-qa build`"
        if stale
        else "the index matches the corpus",
        added=added,
        changed=changed,
        removed=removed,
        settings_changed=settings_changed,
        manifest=manifest,
    )
