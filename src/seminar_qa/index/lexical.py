"""The lexical side of the index: what a passage is indexed as, what a question asks, and BM25.

A passage is indexed as its base tokens (jieba for Chinese, English stemmed) plus the pinyin
syllables of its romanised names; a question asks its search-mode base tokens directly, and, when
it is Chinese, the bridged tokens that reach English text (pinyin, CC-CEDICT glosses). BM25 is
bm25s, saved with its own pickle-free files.

Answering reads those files without importing bm25s: they hold every token's precomputed BM25
contribution per passage (a CSC matrix), and a query's scores are the sum of its tokens' columns,
added in the order bm25s adds them, so the scores are the same to the last bit (a test checks).
Importing bm25s pulls in scipy, tqdm and, where it is installed, numba: 0.4 s of every fresh
``seminar-qa ask`` (python -c "import bm25s", 2026-12-02); building still uses it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa.bridges import bridged_tokens, name_phrases, pinyin_passage_tokens
from seminar_qa.into_chinese import chinese_tokens, romanised_tokens, sound_tokens
from seminar_qa.text import has_cjk
from seminar_qa.tokenization import base_tokens

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.names import NameSpellings

EMPTY_TOKEN = "<empty>"
TOKENS = "jieba (simplified characters)+stem+pinyin; sound of Chinese words apart"
"""How passages become BM25 tokens, as the manifest records it: an index whose tokens were made
another way is stale (before 2026-12-02 traditional characters went to jieba as written; before
2026-12-06 an index with Chinese passages had no BM25 of their sound)."""
_LOCK = threading.Lock()


def passage_tokens(text: str) -> list[str]:
    """Index-side tokens of a passage: base tokens plus pinyin syllables of romanised names."""
    tokens = base_tokens(text) + pinyin_passage_tokens(text)
    return tokens or [EMPTY_TOKEN]


def passage_sounds(text: str) -> list[str]:
    """A passage's tokens in the BM25 of sounds: its Chinese words' syllables (``into_chinese``)."""
    return sound_tokens(text) or [EMPTY_TOKEN]


@dataclass(frozen=True)
class QuestionTerms:
    """A question's query tokens: ``direct`` (its own words) and ``bridged`` (pinyin, glosses).

    ``sound``: what an English question asks of the BM25 of Chinese words' sounds (the syllables
    of its romanised Chinese names); empty unless the index holds Chinese passages.
    """

    direct: list[str]
    bridged: list[str]
    sound: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    """A Chinese question's many-word names in English words (:func:`bridges.name_phrases`)."""

    @property
    def all(self) -> list[str]:
        """Direct tokens, then bridged ones: what BM25 is asked."""
        return self.direct + self.bridged

    @property
    def groups(self) -> tuple[list[str], list[str]]:
        """(direct, bridged): a passage may match either way."""
        return self.direct, self.bridged


def question_terms(
    question: str, *, into_chinese: bool = False, names: NameSpellings | None = None
) -> QuestionTerms:
    """Query-side tokens of ``question``: search-mode base tokens, and bridges for Chinese.

    ``into_chinese``: the index holds Chinese passages, so a question with no Chinese in it is
    bridged to them too (:mod:`into_chinese`: its phrases' Chinese words, its names' sounds);
    ``names``: the index's pinyin names, by which a Chinese question's names are glossed.
    """
    direct = base_tokens(question, search_mode=True)
    # bridged_tokens gives nothing for a question without Chinese, so the two never combine.
    if into_chinese and not has_cjk(question):
        return QuestionTerms(direct, chinese_tokens(question), tuple(romanised_tokens(question)))
    return QuestionTerms(direct, bridged_tokens(question, names), names=name_phrases(question))


def question_tokens(question: str) -> list[str]:
    """Every query token of ``question`` (direct and bridged)."""
    return question_terms(question).all


# bm25s's scoring methods that need no per-passage non-occurrence term (the other ones,
# bm25l and bm25+, are answered through bm25s itself).
_COLUMN_SUM_METHODS = ("lucene", "robertson", "atire")


class LexicalIndex:
    """BM25 over :func:`passage_tokens`, saved with bm25s's own pickle-free files."""

    def __init__(self, retriever: Any, size: int) -> None:
        """Wrap a fitted ``bm25s.BM25`` over ``size`` passages."""
        self.retriever: Any | None = retriever
        self.size = size
        self.vocabulary: dict[str, int] = dict(retriever.vocab_dict or {})
        self._columns = _columns(retriever.scores, retriever.method)
        self._params: dict[str, Any] = {}

    @classmethod
    def build(
        cls, texts: Sequence[str], tokens: Callable[[str], list[str]] = passage_tokens
    ) -> LexicalIndex:
        """Tokenise ``texts`` with ``tokens`` and index them."""
        import bm25s

        # Token numbers in the order the tokens first appear: bm25s numbers a set of them, in the
        # order the process's hash seed lists it, so two builds of one corpus wrote different
        # files (the same scores, other checksums in the manifest).
        vocabulary: dict[str, int] = {}
        ids = [
            [vocabulary.setdefault(token, len(vocabulary)) for token in tokens(t)] for t in texts
        ]
        retriever = bm25s.BM25()
        with _LOCK:
            retriever.index((ids, vocabulary), show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> None:
        """Write the bm25s files into ``directory`` (no pickle).

        An index read without bm25s (``load``) writes back the same files it was read from.
        """
        if self.retriever is not None:
            self.retriever.save(str(directory), show_progress=False, allow_pickle=False)
            return
        assert self._columns is not None
        directory.mkdir(parents=True, exist_ok=True)
        for name, values in zip(("data", "indices", "indptr"), self._columns, strict=True):
            np.save(directory / f"{name}.csc.index.npy", values, allow_pickle=False)
        (directory / "vocab.index.json").write_text(
            json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8"
        )
        (directory / "params.index.json").write_text(
            json.dumps(self._params, indent=4), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """Read the bm25s files from ``directory`` (see the module docstring)."""
        params = json.loads((directory / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") not in _COLUMN_SUM_METHODS:
            import bm25s

            retriever = bm25s.BM25.load(str(directory), show_progress=False, allow_pickle=False)
            return cls(retriever, size)
        index = cls.__new__(cls)
        index.retriever = None
        index._params = params
        index.size = size
        vocabulary = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        index.vocabulary = {str(token): int(number) for token, number in vocabulary.items()}
        data, indices, indptr = (
            np.load(directory / f"{name}.csc.index.npy", allow_pickle=False)
            for name in ("data", "indices", "indptr")
        )
        index._columns = (data, indices, indptr)
        return index

    def scores(self, tokens: Sequence[str]) -> NDArray[np.float32]:
        """BM25 score of every passage for the query ``tokens`` (zeros when none is known)."""
        ids = [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        if self._columns is None:  # a method with a non-occurrence term: bm25s scores it
            if not ids:
                return np.zeros(self.size, dtype=np.float32)
            assert self.retriever is not None
            return np.asarray(self.retriever.get_scores_from_ids(ids), dtype=np.float32)
        data, indices, indptr = self._columns
        scores = np.zeros(self.size, dtype=np.float32)
        for token_id in ids:
            start, end = int(indptr[token_id]), int(indptr[token_id + 1])
            scores[indices[start:end]] += data[start:end]  # a column names each passage once
        return scores

    def idf(self, token: str) -> float:
        """Inverse document frequency of ``token`` (Lucene form); unseen tokens get the maximum."""
        frequency = self.document_frequency(token)
        return float(np.log(1.0 + (self.size - frequency + 0.5) / (frequency + 0.5)))

    def document_frequency(self, token: str) -> int:
        """In how many passages ``token`` occurs."""
        token_id = self.vocabulary.get(token)
        indptr = self._indptr  # CSC over tokens: a column per token
        if token_id is None or token_id + 1 >= len(indptr):  # bm25s's "" has no column
            return 0
        return int(indptr[token_id + 1] - indptr[token_id])

    def passages_holding(self, tokens: Sequence[str]) -> NDArray[np.int64]:
        """Positions of the passages that hold every one of ``tokens`` (none for no tokens)."""
        indices, indptr = self._postings
        held: NDArray[np.int64] | None = None
        for token in dict.fromkeys(tokens):
            token_id = self.vocabulary.get(token)
            if token_id is None or token_id + 1 >= len(indptr):
                return np.zeros(0, dtype=np.int64)
            column = np.asarray(indices[indptr[token_id] : indptr[token_id + 1]], dtype=np.int64)
            held = column if held is None else np.intersect1d(held, column, assume_unique=True)
        return np.zeros(0, dtype=np.int64) if held is None else held

    @property
    def _indptr(self) -> NDArray[np.int64]:
        return self._postings[1]

    @property
    def _postings(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The CSC over tokens: each column's passage numbers, and where each column starts."""
        if self._columns is not None:
            return np.asarray(self._columns[1]), np.asarray(self._columns[2])
        assert self.retriever is not None
        scores = self.retriever.scores
        return np.asarray(scores["indices"]), np.asarray(scores["indptr"])


class SoundIndex:
    """The BM25 of Chinese words' sounds (:func:`passage_sounds`), over the Chinese passages only.

    So its rarity and mean length are those of Chinese text: English passages would be empty
    documents in it, raising every sound's rarity and shortening the mean length BM25 weighs by.
    In the test corpus (ten English passages, three Chinese; /tmp throwaway, 2026-12-06) the two
    ways score the passage naming 李成栋 1.76 and 1.62 for "Li Chengdong", where "Li" alone meets
    "Professor Li Hua" of an English passage at 1.03 in the main BM25.
    """

    POSITIONS = "positions.npy"

    def __init__(self, lexical: LexicalIndex, positions: NDArray[np.int64], size: int) -> None:
        """``lexical`` over the passages at ``positions`` of an index of ``size`` passages."""
        self.lexical = lexical
        self.positions = positions
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str], chinese: NDArray[np.bool_]) -> SoundIndex:
        """Index the sounds of ``texts`` where ``chinese`` is true."""
        positions = np.flatnonzero(chinese).astype(np.int64)
        lexical = LexicalIndex.build([texts[int(p)] for p in positions], passage_sounds)
        return cls(lexical, positions, len(texts))

    def save(self, directory: Path) -> None:
        """Write the BM25 files and the passages' positions into ``directory``."""
        self.lexical.save(directory)
        np.save(directory / self.POSITIONS, self.positions, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> SoundIndex:
        """Read what :meth:`save` wrote, for an index of ``size`` passages."""
        positions = np.load(directory / cls.POSITIONS, allow_pickle=False).astype(np.int64)
        return cls(LexicalIndex.load(directory, len(positions)), positions, size)

    def scores(self, tokens: Sequence[str]) -> NDArray[np.float32]:
        """BM25 score of every passage of the index for the sound ``tokens`` (0 if not Chinese)."""
        scores = np.zeros(self.size, dtype=np.float32)
        scores[self.positions] = self.lexical.scores(tokens)
        return scores


def _columns(scores: dict[str, Any], method: str) -> tuple[Any, Any, Any] | None:
    """A fitted bm25s index's score columns (data, passage numbers, column starts), or None."""
    if method not in _COLUMN_SUM_METHODS:
        return None
    return scores["data"], scores["indices"], scores["indptr"]


def top_positions(scores: NDArray[np.float32], count: int) -> NDArray[np.int64]:
    """Positions of the ``count`` highest ``scores``, in no particular order."""
    if count >= scores.size:
        return np.arange(scores.size, dtype=np.int64)
    return np.argpartition(-scores, count)[:count].astype(np.int64)
