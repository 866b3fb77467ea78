"""Build, save and load the index: a directory of plainly named files, swapped in atomically.

Layout of an index directory::

    manifest.json       format and package version, models, chunking, sources, file checksums
    vectors-NAME.faiss  one FAISS index per embedding model, written with faiss.write_index
    sentences-NAME.npy  the same model's vector of every sentence of every passage (numpy, no
                        pickle), in passage order; passages.jsonl holds each sentence's offsets
    titles-NAME.npy     the same model's vector of each document's title, in documents.jsonl order
    bm25/               the BM25 index, in bm25s's own pickle-free files
    passages.jsonl    one passage a line, in FAISS id order
    documents.jsonl   one source document a line (text and metadata)

A directory counts as an index only when ``manifest.json`` is there and complete. ``save`` writes
everything into a temporary directory beside the target, writes the manifest last, and then swaps
the whole directory in with one atomic exchange, so a reader sees the old index or the new one,
never a mix, and a killed build leaves the old index untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa import __version__
from seminar_qa.embedding import Embedder, get_embedder
from seminar_qa.errors import (
    BuildLockedError,
    EmbedderMismatchError,
    IndexFormatError,
    IndexNotFoundError,
)
from seminar_qa.lexical import LexicalIndex
from seminar_qa.records import Document, Hit, Passage
from seminar_qa.settings import VectorIndexSettings

if TYPE_CHECKING:
    import faiss
    from numpy.typing import NDArray

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
BM25 = "bm25"
PASSAGES = "passages.jsonl"
DOCUMENTS = "documents.jsonl"
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
    try:
        return Manifest.from_json(raw)
    except (KeyError, TypeError, ValueError) as error:
        raise IndexFormatError(f"{path} is incomplete (missing {error}); {REBUILD_HINT}") from error


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_vector_index(
    matrix: NDArray[np.float32], settings: VectorIndexSettings
) -> tuple[faiss.Index, dict[str, Any]]:
    """Build the FAISS index for ``matrix`` chosen by size; return it with its manifest entry."""
    import faiss

    size, dimension = matrix.shape
    kind = settings.kind_for(size)
    params: dict[str, Any] = {"type": kind}
    index: Any
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = settings.hnsw_ef_construction
        params.update(m=settings.hnsw_m, ef_construction=settings.hnsw_ef_construction)
        params["ef_search"] = settings.hnsw_ef_search
    elif kind == "ivf":
        lists = max(1, min(size // 39, int(4 * np.sqrt(max(size, 1)))))
        quantizer = faiss.IndexFlatIP(dimension)
        index = faiss.IndexIVFFlat(quantizer, dimension, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(matrix)
        params.update(lists=lists, nprobe=settings.ivf_nprobe)
    else:
        index = faiss.IndexFlatIP(dimension)
    if size:
        index.add(matrix)
    configure_vector_index(index, params)
    return index, params


def configure_vector_index(index: faiss.Index, params: dict[str, Any]) -> None:
    """Apply the search-time parameters recorded in the manifest (efSearch, nprobe)."""
    import faiss

    concrete: Any = faiss.downcast_index(index)
    if params.get("type") == "hnsw":
        concrete.hnsw.efSearch = int(params.get("ef_search", 128))
    elif params.get("type") == "ivf":
        concrete.nprobe = int(params.get("nprobe", 32))


def stored_vectors(index: faiss.Index) -> NDArray[np.float32] | None:
    """The vectors held by ``index`` as an (n, d) array without a copy, where FAISS allows.

    Flat and HNSW indexes keep their vectors in one block, viewed in place. IVF spreads them over
    its lists: None is returned (after adding a direct map), and rows are rebuilt on demand.
    """
    import faiss

    concrete = faiss.downcast_index(index)
    storage = faiss.downcast_index(concrete.storage) if hasattr(concrete, "storage") else concrete
    if isinstance(storage, faiss.IndexFlat):
        if storage.ntotal == 0:
            return np.zeros((0, storage.d), dtype=np.float32)
        flat = faiss.rev_swig_ptr(storage.get_xb(), storage.ntotal * storage.d)
        return np.asarray(flat, dtype=np.float32).reshape(storage.ntotal, storage.d)
    if hasattr(concrete, "make_direct_map"):
        concrete.make_direct_map()
    return None


@dataclass
class DenseComponent:
    """One embedding model's view of the passages: the model and its FAISS index."""

    embedder: Embedder
    vectors: faiss.Index
    matrix: NDArray[np.float32] | None
    """The vectors viewed in place (flat, HNSW), or None when they must be rebuilt (IVF)."""
    params: dict[str, Any] = field(default_factory=lambda: {"type": "flat"})
    sentences: NDArray[np.float32] | None = None
    """One vector per sentence of every passage, in passage order (None: passage vectors only)."""
    titles: NDArray[np.float32] | None = None
    """One vector per document title, in the index's document order (None: no title vectors)."""

    def rows(self, positions: NDArray[np.int64] | None = None) -> NDArray[np.float32]:
        """The vectors of the passages at ``positions`` (all passages when None)."""
        if self.matrix is not None:
            return self.matrix if positions is None else self.matrix[positions]
        if positions is None:
            return np.asarray(self.vectors.reconstruct_n(0, self.vectors.ntotal), np.float32)
        return np.asarray(self.vectors.reconstruct_batch(positions), dtype=np.float32)

    @property
    def file_name(self) -> str:
        """Name of the FAISS file of this component."""
        return f"vectors-{self.embedder.name}.faiss"

    @property
    def sentence_file_name(self) -> str:
        """Name of the numpy file holding this model's sentence vectors."""
        return f"sentences-{self.embedder.name}.npy"

    @property
    def title_file_name(self) -> str:
        """Name of the numpy file holding this model's document-title vectors."""
        return f"titles-{self.embedder.name}.npy"

    def describe(self) -> dict[str, Any]:
        """The manifest entry of this component."""
        entry: dict[str, Any] = {
            "name": self.embedder.name,
            "model_id": self.embedder.model_id,
            "dimension": self.embedder.dimension,
            "normalized": True,
            "metric": "inner_product",
            "file": self.file_name,
            "index": self.params,
        }
        if self.sentences is not None:
            entry["sentences"] = {"file": self.sentence_file_name, "count": len(self.sentences)}
        if self.titles is not None:
            entry["titles"] = {"file": self.title_file_name, "count": len(self.titles)}
        return entry


def embedding_text(passage: Passage) -> str:
    """What the models embed: the passage with its document title in front (context for names)."""
    if passage.text.startswith(passage.title):
        return passage.text
    return f"{passage.title}\n{passage.text}"


class SeminarIndex:
    """Passages with their vectors (one FAISS index per embedding model) and a BM25 index."""

    def __init__(
        self,
        manifest: Manifest,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        dense: Sequence[DenseComponent],
        lexical: LexicalIndex,
    ) -> None:
        """Assemble an index from its parts (use :meth:`build` or :meth:`load`)."""
        self.manifest = manifest
        self.documents = {d.doc_id: d for d in documents}
        self.passages = list(passages)
        self.dense = list(dense)
        self.lexical = lexical
        counts = [len(p.sentences) for p in self.passages]
        self.sentence_starts: NDArray[np.int64] = np.concatenate(
            [[0], np.cumsum(counts, dtype=np.int64)]
        ).astype(np.int64)
        """Passage ``i``'s sentence vectors are rows ``sentence_starts[i]:sentence_starts[i+1]``
        of each component's ``sentences``."""
        order = {doc_id: number for number, doc_id in enumerate(self.documents)}
        self.passage_documents: NDArray[np.int64] = np.array(
            [order.get(p.doc_id, 0) for p in self.passages], dtype=np.int64
        )
        """Row of each passage's document in each component's ``titles``."""

    def __len__(self) -> int:
        """Number of passages."""
        return len(self.passages)

    @property
    def embedder(self) -> Embedder:
        """The first embedding model (the one named first in the settings)."""
        return self.dense[0].embedder

    @property
    def embedders(self) -> list[Embedder]:
        """Every embedding model of the index."""
        return [c.embedder for c in self.dense]

    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        passages: Sequence[Passage],
        embedders: Sequence[Embedder],
        *,
        chunking: dict[str, Any],
        skipped: Sequence[SourceRecord] = (),
        batch_size: int = 32,
        on_batch: Callable[[str, int], None] | None = None,
        vector_index: VectorIndexSettings | None = None,
    ) -> SeminarIndex:
        """Embed passages, sentences and titles with every model, index BM25, assemble.

        Nothing is written. ``on_batch(embedder_name, count)`` is called after each batch of each
        model; a model embeds ``embedding_count(documents, passages)`` texts.
        """
        if not embedders:
            raise ValueError("an index needs at least one embedder")
        if any(not p.sentences for p in passages):
            raise ValueError("every passage needs its sentence offsets (see chunk_document)")
        started = time.perf_counter()
        texts = [embedding_text(p) for p in passages]
        sentences = [p.text[a:b] for p in passages for a, b in p.sentences]
        titles = [d.title for d in documents]
        everything_texts = texts + sentences + titles
        dense = []
        for embedder in embedders:
            name = embedder.name

            def report(count: int, name: str = name) -> None:
                if on_batch is not None:
                    on_batch(name, count)

            everything = embedder.encode(everything_texts, batch_size=batch_size, on_batch=report)
            if everything.shape != (len(everything_texts), embedder.dimension):
                raise ValueError(
                    f"embedder {embedder.model_id} returned shape {everything.shape}, "
                    f"expected ({len(everything_texts)}, {embedder.dimension})"
                )
            matrix = np.ascontiguousarray(everything[: len(texts)])
            vectors, params = make_vector_index(matrix, vector_index or VectorIndexSettings())
            ends = len(texts) + len(sentences)
            dense.append(
                DenseComponent(
                    embedder,
                    vectors,
                    stored_vectors(vectors),
                    params,
                    sentences=np.ascontiguousarray(everything[len(texts) : ends]),
                    titles=np.ascontiguousarray(everything[ends:]),
                )
            )
        lexical = LexicalIndex.build(texts)
        counts: dict[str, int] = {}
        for passage in passages:
            counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
        sources = [
            SourceRecord(
                path=d.path,
                sha256=d.sha256,
                doc_id=d.doc_id,
                title=d.title,
                passages=counts.get(d.doc_id, 0),
            )
            for d in documents
        ] + list(skipped)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            package_version=__version__,
            embedders=[c.describe() for c in dense],
            lexical={"method": "bm25 (bm25s, Lucene)", "tokens": "jieba+stem+pinyin", "dir": BM25},
            chunking=dict(chunking),
            sources=sources,
            passage_count=len(passages),
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        return cls(manifest, documents, passages, dense, lexical)

    def save(self, directory: Path) -> None:
        """Write the index to ``directory`` atomically, replacing any index already there."""
        import faiss

        directory = Path(directory)
        _check_replaceable(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        temporary = directory.parent / f".{directory.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        temporary.mkdir()
        try:
            for component in self.dense:
                faiss.write_index(component.vectors, str(temporary / component.file_name))
                if component.sentences is not None:
                    np.save(temporary / component.sentence_file_name, component.sentences)
                if component.titles is not None:
                    np.save(temporary / component.title_file_name, component.titles)
            self.lexical.save(temporary / BM25)
            _write_jsonl(temporary / PASSAGES, (p.to_json() for p in self.passages))
            _write_jsonl(temporary / DOCUMENTS, (d.to_json() for d in self.documents.values()))
            (temporary / ".gitignore").write_text("# built by seminar-qa\n*\n", encoding="utf-8")
            files = {}
            for path in sorted(temporary.rglob("*")):
                if path.is_file() and path.name != ".gitignore":
                    _fsync_path(path)
                    files[path.relative_to(temporary).as_posix()] = sha256_file(path)
            manifest = replace(self.manifest, files=files)
            # The manifest is written last: without it the directory is not an index.
            _write_text_synced(
                temporary / MANIFEST, json.dumps(manifest.to_json(), ensure_ascii=False, indent=2)
            )
            _fsync_path(temporary / BM25)
            _fsync_path(temporary)
            _swap_in(temporary, directory)
            self.manifest = manifest
        finally:
            if temporary.exists():
                shutil.rmtree(temporary, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, embedders: Sequence[Embedder] | None = None) -> SeminarIndex:
        """Load and verify the index at ``directory``.

        ``embedders`` defaults to the models the manifest names. Raises IndexNotFoundError,
        IndexFormatError (version or damaged file) or EmbedderMismatchError, each with a message
        that says how to fix it.
        """
        import faiss

        directory = resolve_index_dir(Path(directory))
        manifest = read_manifest(directory)
        verify_files(directory, manifest)
        recorded = manifest.embedders
        if embedders is None:
            embedders = [get_embedder(str(entry.get("name"))) for entry in recorded]
        built_with = [entry.get("model_id") for entry in recorded]
        if [e.model_id for e in embedders] != built_with:
            raise EmbedderMismatchError(
                f"the index at {directory} was built with {', '.join(map(str, built_with))}, but "
                f"the models in use are {', '.join(e.model_id for e in embedders)}; {REBUILD_HINT}"
            )
        try:
            passages = [Passage.from_json(row) for row in _read_jsonl(directory / PASSAGES)]
            documents = [Document.from_json(row) for row in _read_jsonl(directory / DOCUMENTS)]
            if any(not p.sentences for p in passages):
                raise IndexFormatError(
                    f"passages.jsonl at {directory} lacks sentence offsets; {REBUILD_HINT}"
                )
            count = sum(len(p.sentences) for p in passages)
            dense = []
            for embedder, entry in zip(embedders, recorded, strict=True):
                vectors = faiss.read_index(str(directory / str(entry["file"])))
                if vectors.ntotal != len(passages) or vectors.d != embedder.dimension:
                    raise IndexFormatError(
                        f"{entry['file']} at {directory} holds {vectors.ntotal} vectors of "
                        f"dimension {vectors.d}, expected {len(passages)} of "
                        f"{embedder.dimension}; {REBUILD_HINT}"
                    )
                params = dict(entry.get("index") or {"type": "flat"})
                configure_vector_index(vectors, params)
                dense.append(
                    DenseComponent(
                        embedder,
                        vectors,
                        stored_vectors(vectors),
                        params,
                        sentences=_load_rows(directory, entry, "sentences", count, embedder),
                        titles=_load_rows(directory, entry, "titles", len(documents), embedder),
                    )
                )
            lexical = LexicalIndex.load(directory / BM25, len(passages))
        except (KeyError, TypeError, ValueError, RuntimeError, OSError) as error:
            raise IndexFormatError(
                f"the index at {directory} is damaged ({error}); {REBUILD_HINT}"
            ) from error
        if len(passages) != manifest.passage_count:
            raise IndexFormatError(
                f"the index at {directory} is inconsistent: {len(passages)} passages, "
                f"manifest says {manifest.passage_count}; {REBUILD_HINT}"
            )
        return cls(manifest, documents, passages, dense, lexical)

    def search(
        self,
        question: str,
        k: int = 5,
        timings: dict[str, float] | None = None,
        doc_ids: Collection[str] | None = None,
    ) -> list[Hit]:
        """Rank passages for one question (wraps :meth:`search_batch`)."""
        return self.search_batch([question], k, timings, doc_ids)[0]

    def search_batch(
        self,
        questions: Sequence[str],
        k: int = 5,
        timings: dict[str, float] | None = None,
        doc_ids: Collection[str] | None = None,
    ) -> list[list[Hit]]:
        """Rank passages for each question, best first (hybrid: BM25 and every model, fused).

        ``timings``, when given, accumulates the seconds spent in each stage; ``doc_ids``, when
        given, keeps only passages of those documents.
        """
        from seminar_qa.retrieval import search_batch

        return search_batch(self, questions, k, timings, doc_ids)


def embedding_count(documents: Sequence[Document], passages: Sequence[Passage]) -> int:
    """How many texts each model embeds: each passage, each sentence and each title."""
    return len(passages) + sum(len(p.sentences) for p in passages) + len(documents)


def _load_rows(
    directory: Path, entry: dict[str, Any], kind: str, expected: int, embedder: Embedder
) -> NDArray[np.float32]:
    """Map one model's ``kind`` ("sentences" or "titles") vectors and check their shape."""
    described = entry.get(kind)
    if not isinstance(described, dict) or "file" not in described:
        raise IndexFormatError(f"the index at {directory} has no {kind} vectors; {REBUILD_HINT}")
    matrix: NDArray[np.float32] = np.load(
        directory / str(described["file"]), mmap_mode="r", allow_pickle=False
    )
    if matrix.dtype != np.float32 or matrix.shape != (expected, embedder.dimension):
        raise IndexFormatError(
            f"{described['file']} at {directory} holds {matrix.shape} {matrix.dtype} vectors, "
            f"expected ({expected}, {embedder.dimension}) float32; {REBUILD_HINT}"
        )
    return matrix


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


def resolve_index_dir(directory: Path) -> Path:
    """Return ``directory``, or the complete index left beside it by an interrupted swap."""
    if (directory / MANIFEST).is_file() or not directory.parent.is_dir():
        return directory
    leftovers = sorted(
        (p for p in directory.parent.glob(f".{directory.name}.old-*") if (p / MANIFEST).is_file()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return leftovers[0] if leftovers else directory


def _check_replaceable(directory: Path) -> None:
    """Refuse to replace a directory that holds something other than an index."""
    if directory.exists() and not directory.is_dir():
        raise IndexFormatError(
            f"{directory} is a file, not an index directory; choose another --index path"
        )
    if directory.is_dir() and not (directory / MANIFEST).is_file() and any(directory.iterdir()):
        raise IndexFormatError(
            f"refusing to replace {directory}: it is not empty and holds no seminar-qa index "
            f"({MANIFEST} is missing); choose another --index path or empty it"
        )


def _write_jsonl(path: Path, rows: Iterator[dict[str, Any]] | Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _write_text_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_path(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically exchange two paths with Linux renameat2(RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)


def _swap_in(temporary: Path, directory: Path) -> None:
    """Put the finished ``temporary`` directory at ``directory``, dropping the old one."""
    if not directory.exists():
        os.rename(temporary, directory)
    elif _exchange(temporary, directory):
        shutil.rmtree(temporary, ignore_errors=True)
    else:
        # Two renames: a crash between them leaves a complete old index beside the target, which
        # resolve_index_dir finds.
        old = directory.parent / f".{directory.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(directory, old)
        os.rename(temporary, directory)
        shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        _fsync_path(directory.parent)


def remove_leftovers(directory: Path) -> int:
    """Delete temporary directories left beside ``directory`` by killed builds; return the count."""
    removed = 0
    if not directory.parent.is_dir():
        return 0
    for pattern in (f".{directory.name}.tmp-*", f".{directory.name}.old-*"):
        for path in directory.parent.glob(pattern):
            if pattern.endswith("old-*") and not (directory / MANIFEST).is_file():
                continue  # the only complete index may be this one
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


@contextlib.contextmanager
def build_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock for building ``directory``; a dead process releases it by dying."""
    import fcntl

    directory.parent.mkdir(parents=True, exist_ok=True)
    lock_path = directory.parent / f".{directory.name}.lock"
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLockedError(
                f"another build of {directory} is running (pid {holder}); "
                "wait for it to finish, then run the command again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
