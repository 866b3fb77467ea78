"""The lexical side of the index: what a passage is indexed as, what a question asks, and BM25.

A passage is indexed as its base tokens (jieba for Chinese, English stemmed) plus the pinyin
syllables of its romanised names; a question asks its search-mode base tokens directly, and, when
it is Chinese, the bridged tokens that reach English text (pinyin, CC-CEDICT glosses). BM25 is
bm25s, saved with its own pickle-free files.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa.bridges import bridged_tokens, pinyin_passage_tokens
from seminar_qa.tokenization import base_tokens

if TYPE_CHECKING:
    from numpy.typing import NDArray

EMPTY_TOKEN = "<empty>"
_LOCK = threading.Lock()


def passage_tokens(text: str) -> list[str]:
    """Index-side tokens of a passage: base tokens plus pinyin syllables of romanised names."""
    tokens = base_tokens(text) + pinyin_passage_tokens(text)
    return tokens or [EMPTY_TOKEN]


@dataclass(frozen=True)
class QuestionTerms:
    """A question's query tokens: ``direct`` (its own words) and ``bridged`` (pinyin, glosses)."""

    direct: list[str]
    bridged: list[str]

    @property
    def all(self) -> list[str]:
        """Direct tokens, then bridged ones: what BM25 is asked."""
        return self.direct + self.bridged

    @property
    def groups(self) -> tuple[list[str], list[str]]:
        """(direct, bridged): a passage may match either way."""
        return self.direct, self.bridged


def question_terms(question: str) -> QuestionTerms:
    """Query-side tokens of ``question``: search-mode base tokens, and bridges for Chinese."""
    return QuestionTerms(base_tokens(question, search_mode=True), bridged_tokens(question))


def question_tokens(question: str) -> list[str]:
    """Every query token of ``question`` (direct and bridged)."""
    return question_terms(question).all


class LexicalIndex:
    """BM25 over :func:`passage_tokens`, saved with bm25s's own pickle-free files."""

    def __init__(self, retriever: Any, size: int) -> None:
        """Wrap a fitted ``bm25s.BM25`` over ``size`` passages."""
        self.retriever = retriever
        self.size = size
        self.vocabulary: dict[str, int] = dict(retriever.vocab_dict or {})

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        """Tokenise and index ``texts``."""
        import bm25s

        retriever = bm25s.BM25()
        with _LOCK:
            retriever.index([passage_tokens(t) for t in texts], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> None:
        """Write the bm25s files into ``directory`` (no pickle)."""
        self.retriever.save(str(directory), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """Load the bm25s files from ``directory``."""
        import bm25s

        retriever = bm25s.BM25.load(str(directory), show_progress=False, allow_pickle=False)
        return cls(retriever, size)

    def scores(self, tokens: Sequence[str]) -> NDArray[np.float32]:
        """BM25 score of every passage for the query ``tokens`` (zeros when none is known)."""
        ids = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)

    def idf(self, token: str) -> float:
        """Inverse document frequency of ``token`` (Lucene form); unseen tokens get the maximum."""
        frequency = self.document_frequency(token)
        return float(np.log(1.0 + (self.size - frequency + 0.5) / (frequency + 0.5)))

    def document_frequency(self, token: str) -> int:
        """In how many passages ``token`` occurs."""
        token_id = self.vocabulary.get(token)
        if token_id is None:
            return 0
        indptr = self.retriever.scores["indptr"]  # CSC over tokens: a column per token
        return int(indptr[token_id + 1] - indptr[token_id])


def top_positions(scores: NDArray[np.float32], count: int) -> NDArray[np.int64]:
    """Positions of the ``count`` highest ``scores``, in no particular order."""
    if count >= scores.size:
        return np.arange(scores.size, dtype=np.int64)
    return np.argpartition(-scores, count)[:count].astype(np.int64)
