"""The embedding models by name: the registry behind ``--embedder`` and the index manifest.

``minilm`` and ``e5`` are the packaged models (``seminar_qa.embedding``); ``hashing`` is the
model-free fake of the test tier (``seminar_qa.testing.fakes``). Each is created once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from seminar_qa.embedding import E5Embedder, Embedder, MiniLMEmbedder, USEEmbedder
from seminar_qa.errors import SeminarQAError


def _hashing() -> Embedder:
    """The hashing fake, imported only when asked for."""
    from seminar_qa.testing.fakes import HashingEmbedder

    return HashingEmbedder()


_REGISTRY: dict[str, Callable[[], Embedder]] = {
    "minilm": MiniLMEmbedder,
    "e5": E5Embedder,
    "use": USEEmbedder,
    "hashing": _hashing,
}
_CACHE: dict[str, Embedder] = {}
_CACHE_LOCK = threading.Lock()


def available_embedders() -> list[str]:
    """Names accepted by :func:`get_embedder`."""
    return sorted(_REGISTRY)


def get_embedder(name: str) -> Embedder:
    """Return the shared embedder registered as ``name`` (created once per process)."""
    if name not in _REGISTRY:
        raise SeminarQAError(
            f"unknown embedder {name!r}; choose one of: {', '.join(available_embedders())}"
        )
    with _CACHE_LOCK:
        if name not in _CACHE:
            _CACHE[name] = _REGISTRY[name]()
        return _CACHE[name]
