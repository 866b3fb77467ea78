"""Dense vectors of one embedding model: passages in FAISS, sentences and titles in numpy.

The FAISS index is chosen by size (exact search for small indexes, IVF or HNSW above; the type and
its parameters are recorded in the manifest). Sentence and title vectors are plain ``.npy`` files
(no pickle), memory-mapped on load. :class:`DenseVectors` answers the questions fusion asks —
nearest passages, and each passage's, best sentence's and document title's cosine with a
question — so nothing outside this module touches FAISS.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa.embedding import MODEL_TEXT, Embedder
from seminar_qa.errors import IndexFormatError
from seminar_qa.index.manifest import REBUILD_HINT
from seminar_qa.settings import VectorIndexSettings

if TYPE_CHECKING:
    import faiss
    from numpy.typing import NDArray


@dataclass(frozen=True)
class PassageLayout:
    """Where each passage's sentence vectors and document title sit in the vector files.

    Passage ``i`` owns sentence rows ``sentence_starts[i]:sentence_starts[i+1]`` (at least one),
    and its document's title is row ``passage_documents[i]`` of the title vectors.
    """

    sentence_starts: NDArray[np.int64]
    passage_documents: NDArray[np.int64]

    @classmethod
    def of(cls, sentence_counts: list[int], passage_documents: list[int]) -> PassageLayout:
        """The layout of passages with these sentence counts and document rows."""
        starts = np.concatenate([[0], np.cumsum(sentence_counts, dtype=np.int64)]).astype(np.int64)
        return cls(starts, np.array(passage_documents, dtype=np.int64))

    @property
    def sentence_count(self) -> int:
        """Sentences of all passages together."""
        return int(self.sentence_starts[-1])


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
        # FAISS's rules of thumb: about 4·√n lists, and at least 39 training vectors per list
        # (it warns below that). Recall at 1M with nprobe 32: 1.000 (BENCHMARKS.md, scale).
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

    defaults = VectorIndexSettings()
    concrete: Any = faiss.downcast_index(index)
    if params.get("type") == "hnsw":
        concrete.hnsw.efSearch = int(params.get("ef_search", defaults.hnsw_ef_search))
    elif params.get("type") == "ivf":
        concrete.nprobe = int(params.get("nprobe", defaults.ivf_nprobe))


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


@contextlib.contextmanager
def _one_openmp_thread() -> Iterator[None]:
    """Run FAISS on the calling thread only, then put the thread's setting back.

    One question's search or products gain nothing from a second OpenMP thread (FAISS flat and
    IVF at 100k: 0.187 against 0.184 ms, BENCHMARKS.md "Thread settings"), and FAISS opens a
    parallel region even for one vector: its threads spin against the question encoders on
    the other core. In a process that had imported torch first (the benchmark's), the dense
    stage at 10,402 passages took 11-12 ms against 7 with one thread, and the products by
    index raised the p50 from 18 to 25.5 ms (/tmp throwaway loops, 2026-12-04).
    """
    import faiss

    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def row_products(
    matrix: NDArray[np.float32], rows: NDArray[np.int64], vector: NDArray[np.float32]
) -> NDArray[np.float32]:
    """``matrix[rows] @ vector``, with the rows read where they lie instead of copied out first.

    Copying a few thousand scattered rows out of the sentence vectors made numpy map fresh
    memory for every product, and its page faults cost more than the arithmetic: 2,800 rows of
    384 at 47,639 sentences took 0.33-0.95 ms copied and multiplied, 0.16-0.17 ms through
    FAISS's products by index (512 dimensions: 1.15-1.19 against 0.22 ms; /tmp throwaway
    timing, 2026-12-04). A ``matrix`` that is not C-contiguous float32 (a mapped file or FAISS's
    storage are) is multiplied by numpy as before.
    """
    if not matrix.flags.c_contiguous or matrix.dtype != np.float32:
        return np.asarray(matrix[rows] @ vector, dtype=np.float32)
    import faiss

    products = np.empty(len(rows), dtype=np.float32)
    if len(rows):
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        vector = np.ascontiguousarray(vector, dtype=np.float32)
        with _one_openmp_thread():
            faiss.fvec_inner_products_by_idx(  # type: ignore[attr-defined]  # not in the stubs
                faiss.swig_ptr(products),
                faiss.swig_ptr(vector),
                faiss.swig_ptr(matrix),
                faiss.swig_ptr(rows),
                matrix.shape[1],
                1,
                len(rows),
            )
    return products


def best_sentence_scores(
    sentences: NDArray[np.float32],
    starts: NDArray[np.int64],
    vector: NDArray[np.float32],
    passages: NDArray[np.int64] | None,
) -> NDArray[np.float32]:
    """Each passage's best sentence cosine (all passages, or those at ``passages``).

    ``starts`` has one entry per passage plus the end: passage ``i`` owns sentence rows
    ``starts[i]:starts[i+1]``, at least one.
    """
    if passages is None:
        return np.maximum.reduceat(np.asarray(sentences @ vector, np.float32), starts[:-1])
    if not passages.size:
        return np.zeros(0, dtype=np.float32)
    counts = starts[passages + 1] - starts[passages]
    local = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    rows = np.repeat(starts[passages] - local, counts) + np.arange(int(counts.sum()))
    return np.maximum.reduceat(row_products(sentences, rows, vector), local)


_HALF_PRECISION_FROM = 4_096
"""From this many passages on, an exact index is searched through a half-precision copy.

A question's candidate search streams every passage vector from memory; in 16 bits it streams
half as much. FAISS at 10,402 vectors of 384 dimensions, top 200, one thread (/tmp throwaway
loop, 2026-12-04): float32 0.92-1.02 ms, float16 0.55-0.57 ms, 200-recall 1.000 (8-bit: 0.66-0.76
ms, recall .99). The copy only picks the candidates: every score fusion adds up is still
computed from the 32-bit vectors. Smaller indexes are scored whole, without a search."""


@dataclass
class DenseVectors:
    """One embedding model's vectors: passages (FAISS), sentences and document titles (numpy)."""

    embedder: Embedder
    vectors: faiss.Index
    layout: PassageLayout
    sentences: NDArray[np.float32]
    """One vector per sentence of every passage, in passage order."""
    titles: NDArray[np.float32]
    """One vector per document title, in the index's document order."""
    params: dict[str, Any] = field(default_factory=lambda: {"type": "flat"})
    matrix: NDArray[np.float32] | None = None
    """The passage vectors viewed in place (flat, HNSW), or None when rebuilt on demand (IVF)."""
    _searched: faiss.Index | None = field(default=None, init=False, repr=False, compare=False)
    _searching: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """View the passage vectors in place where FAISS allows."""
        if self.matrix is None:
            self.matrix = stored_vectors(self.vectors)

    def _search_index(self) -> faiss.Index:
        """What candidate searches run on: a half-precision copy of a large exact index.

        Made at the first search (a large index's first question pays ~10 ms for it), so a
        load stays as fast; the stored index otherwise.
        """
        if self._searched is not None:
            return self._searched
        import faiss

        with self._searching:
            if self._searched is None:
                searched = self.vectors
                exact = isinstance(faiss.downcast_index(self.vectors), faiss.IndexFlat)
                if exact and self.matrix is not None and len(self.matrix) >= _HALF_PRECISION_FROM:
                    searched = faiss.IndexScalarQuantizer(
                        self.matrix.shape[1],
                        faiss.ScalarQuantizer.QT_fp16,
                        faiss.METRIC_INNER_PRODUCT,
                    )
                    searched.add(self.matrix)
                self._searched = searched
        return self._searched

    @property
    def name(self) -> str:
        """The model's registry name (``e5``), also the name of its signals."""
        return self.embedder.name

    def rows(self, positions: NDArray[np.int64] | None = None) -> NDArray[np.float32]:
        """The vectors of the passages at ``positions`` (all passages when None)."""
        if self.matrix is not None:
            return self.matrix if positions is None else self.matrix[positions]
        if positions is None:
            return np.asarray(self.vectors.reconstruct_n(0, self.vectors.ntotal), np.float32)
        return np.asarray(self.vectors.reconstruct_batch(positions), dtype=np.float32)

    def nearest(self, vector: NDArray[np.float32], count: int) -> NDArray[np.int64]:
        """Positions of the ``count`` passages nearest to ``vector`` (FAISS search, one thread)."""
        with _one_openmp_thread():
            _, ids = self._search_index().search(vector[None, :], count)
        found: NDArray[np.int64] = ids[0][ids[0] >= 0].astype(np.int64)
        return found

    def passage_scores(
        self, vector: NDArray[np.float32], positions: NDArray[np.int64] | None = None
    ) -> NDArray[np.float32]:
        """Cosine of each passage (all, or those at ``positions``) with ``vector``."""
        if positions is not None and self.matrix is not None:
            return row_products(self.matrix, positions, vector)
        return np.asarray(self.rows(positions) @ vector, dtype=np.float32)

    def best_sentence_scores(
        self, vector: NDArray[np.float32], positions: NDArray[np.int64] | None = None
    ) -> NDArray[np.float32]:
        """Each passage's best sentence cosine with ``vector``."""
        return best_sentence_scores(self.sentences, self.layout.sentence_starts, vector, positions)

    def title_scores(
        self, vector: NDArray[np.float32], positions: NDArray[np.int64] | None = None
    ) -> NDArray[np.float32]:
        """Cosine of each passage's document title with ``vector``."""
        documents = self.layout.passage_documents
        if positions is not None and len(positions) < len(self.titles):
            # A few passages (a hit's signals): their titles only, not every document's.
            return np.asarray(self.titles[documents[positions]] @ vector, dtype=np.float32)
        rows = documents if positions is None else documents[positions]
        return np.asarray(self.titles @ vector, dtype=np.float32)[rows]

    def sentence_scores(self, vector: NDArray[np.float32], position: int) -> NDArray[np.float32]:
        """Cosine of each sentence of passage ``position`` with ``vector``, in order."""
        starts = self.layout.sentence_starts
        return np.asarray(self.sentences[starts[position] : starts[position + 1]] @ vector)

    @property
    def file_name(self) -> str:
        """Name of the FAISS file of this model."""
        return f"vectors-{self.name}.faiss"

    @property
    def sentence_file_name(self) -> str:
        """Name of the numpy file holding this model's sentence vectors."""
        return f"sentences-{self.name}.npy"

    @property
    def title_file_name(self) -> str:
        """Name of the numpy file holding this model's document-title vectors."""
        return f"titles-{self.name}.npy"

    def describe(self) -> dict[str, Any]:
        """The manifest entry of this model."""
        return {
            "name": self.name,
            "model_id": self.embedder.model_id,
            "text": MODEL_TEXT,
            "dimension": self.embedder.dimension,
            "normalized": True,
            "metric": "inner_product",
            "file": self.file_name,
            "index": self.params,
            "sentences": {"file": self.sentence_file_name, "count": len(self.sentences)},
            "titles": {"file": self.title_file_name, "count": len(self.titles)},
        }

    def save(self, directory: Path) -> None:
        """Write this model's three files into ``directory``."""
        import faiss

        faiss.write_index(self.vectors, str(directory / self.file_name))
        np.save(directory / self.sentence_file_name, self.sentences)
        np.save(directory / self.title_file_name, self.titles)

    @classmethod
    def load(
        cls,
        directory: Path,
        entry: dict[str, Any],
        embedder: Embedder,
        layout: PassageLayout,
        documents: int,
    ) -> DenseVectors:
        """Read one model's files as the manifest ``entry`` describes them, checking shapes."""
        import faiss

        passages = len(layout.sentence_starts) - 1
        vectors = faiss.read_index(str(directory / str(entry["file"])))
        if vectors.ntotal != passages or vectors.d != embedder.dimension:
            raise IndexFormatError(
                f"{entry['file']} at {directory} holds {vectors.ntotal} vectors of dimension "
                f"{vectors.d}, expected {passages} of {embedder.dimension}; {REBUILD_HINT}"
            )
        params = dict(entry.get("index") or {"type": "flat"})
        configure_vector_index(vectors, params)
        return cls(
            embedder,
            vectors,
            layout,
            sentences=_load_rows(directory, entry, "sentences", layout.sentence_count, embedder),
            titles=_load_rows(directory, entry, "titles", documents, embedder),
            params=params,
        )


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
    # A plain array over the same mapped memory: np.memmap's own indexing costs ~10 µs a call
    # in Python, and a question indexes these rows dozens of times (~1 ms a question at 10,402
    # passages; cProfile of Assistant.answer, 2026-12-04).
    return np.asarray(matrix)
