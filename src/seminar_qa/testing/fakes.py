"""Fake embedders for tests and benchmarks: deterministic, model-free, and one that records."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.embedding import OnBatch, normalise
from seminar_qa.text import words
from seminar_qa.tokenization import STOPWORDS

if TYPE_CHECKING:
    from numpy.typing import NDArray


class HashingEmbedder:
    """A deterministic, model-free embedder: signed feature hashing of words and CJK characters.

    It needs no download and gives the same vectors on every machine, which makes it the fake for
    the fast test tier; it is lexical only, so it is no substitute for a real model in production.
    """

    name = "hashing"

    def __init__(self, dimension: int = 256) -> None:
        """Create an embedder with ``dimension`` hash buckets."""
        self.dimension = dimension
        self.model_id = f"hashing-{dimension}"

    def _vector(self, text: str) -> NDArray[np.float32]:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for token in words(text):
            if token in STOPWORDS:
                continue
            digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            vector[value % self.dimension] += 1.0 if (value >> 63) & 1 else -1.0
        return vector

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, on_batch: OnBatch | None = None
    ) -> NDArray[np.float32]:
        """Embed ``texts``; ``on_batch`` is called per batch like the real model."""
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            for offset, text in enumerate(texts[start : start + batch_size]):
                rows[start + offset] = self._vector(text)
            if on_batch is not None:
                on_batch(len(texts[start : start + batch_size]))
        return normalise(rows)

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed questions exactly like passages."""
        return self.encode(texts)


class RecordingEmbedder(HashingEmbedder):
    """The hashing embedder, remembering the length of every text it is asked to embed."""

    def __init__(self) -> None:
        """Start with nothing recorded."""
        super().__init__()
        self.lengths: list[int] = []

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Record, then embed like the hashing embedder."""
        self.lengths.extend(len(t) for t in texts)
        return super().encode_queries(texts)
