"""Embedding cache: vectors of passage texts already embedded, so a rebuild re-embeds only changes.

One file per model, ``<cache dir>/<model slug>.npz``, holding the model id, the SHA-256 of each
embedded text and the vectors (numpy arrays only, loaded with ``allow_pickle=False``). A file is
replaced atomically after a model has embedded everything a build needed, so a build that fails
later keeps what was embedded, a build killed while writing leaves the previous file, and a vector
is only ever served to the model whose id is stored with it.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.embedding import Embedder, OnBatch
from seminar_qa.text import sha256_bytes

if TYPE_CHECKING:
    from numpy.typing import NDArray


def text_key(text: str) -> bytes:
    """The cache key of a text: its SHA-256 in hex, as bytes."""
    return sha256_bytes(text.encode("utf-8")).encode("ascii")


def default_cache_dir(index_dir: Path) -> Path:
    """Where the cache of an index lives by default: a hidden folder beside it."""
    return index_dir.parent / f".{index_dir.name}.cache"


class EmbeddingCache:
    """The stored vectors of one model, looked up by text."""

    def __init__(self, directory: Path, model_id: str, dimension: int) -> None:
        """Open (lazily) the cache file of ``model_id`` under ``directory``."""
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_")[:120]
        self.path = directory / f"{slug}.npz"
        self.model_id = model_id
        self.dimension = dimension

    def load(self) -> dict[bytes, NDArray[np.float32]]:
        """Return the cached vectors by key; empty when missing, unreadable or of another model."""
        try:
            with np.load(self.path, allow_pickle=False) as data:
                if str(data["model_id"]) != self.model_id:
                    return {}
                keys, vectors = data["keys"], data["vectors"]
        except (OSError, KeyError, ValueError):
            return {}
        if vectors.ndim != 2 or vectors.shape != (len(keys), self.dimension):
            return {}
        return {bytes(key): vectors[i] for i, key in enumerate(keys)}

    def save(self, keys: Sequence[bytes], vectors: NDArray[np.float32]) -> None:
        """Replace the cache file with exactly these vectors, atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}")
        with temporary.open("wb") as handle:
            np.savez(
                handle,
                model_id=np.array(self.model_id),
                keys=np.array(list(keys), dtype="S64"),
                vectors=np.ascontiguousarray(vectors, dtype=np.float32),
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


class CachingEmbedder:
    """An embedder that takes passage vectors from the cache and embeds only the rest.

    It has the wrapped model's name, id and dimension, so the index records the real model.
    ``reused`` and ``embedded`` count the texts of the last :meth:`encode` call.
    """

    def __init__(self, inner: Embedder, cache: EmbeddingCache) -> None:
        """Wrap ``inner`` with ``cache``."""
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.languages: tuple[str, ...] | None = getattr(inner, "languages", None)
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.reused = 0
        self.embedded = 0

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, on_batch: OnBatch | None = None
    ) -> NDArray[np.float32]:
        """Embed ``texts``, reusing cached vectors; save the cache once all are embedded."""
        keys = [text_key(t) for t in texts]
        known = self.cache.load()
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        missing: dict[bytes, list[int]] = {}
        for position, key in enumerate(keys):
            vector = known.get(key)
            if vector is None:
                missing.setdefault(key, []).append(position)
            else:
                rows[position] = vector
        self.reused = len(texts) - sum(len(p) for p in missing.values())
        if on_batch is not None and self.reused:
            on_batch(self.reused)
        if missing:
            unique = list(missing)
            first = [texts[missing[key][0]] for key in unique]

            def forward(count: int) -> None:
                if on_batch is not None:
                    # A text repeated in several passages counts once per passage.
                    on_batch(count)

            fresh = self.inner.encode(first, batch_size=batch_size, on_batch=forward)
            for key, vector in zip(unique, fresh, strict=True):
                for position in missing[key]:
                    rows[position] = vector
            repeats = sum(len(p) - 1 for p in missing.values())
            if on_batch is not None and repeats:
                on_batch(repeats)
        self.embedded = len(missing)
        # Rows are already unit length (the model's and the cached ones): no renormalising, so a
        # reused vector is bit-for-bit the one the model gave.
        self.cache.save(keys, rows)
        return rows

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Questions are never cached: pass them to the model."""
        return self.inner.encode_queries(texts)
