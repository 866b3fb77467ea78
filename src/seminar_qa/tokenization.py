"""Words to lexical tokens: jieba for Chinese runs, a regex for the rest, stop words out, stemmed.

English tokens are lower-cased and stemmed (PyStemmer); Chinese runs are cut into words by jieba,
whose dictionary loads on the first Chinese text only. Stop words of both languages are dropped.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from seminar_qa.simplified import to_simplified
from seminar_qa.text import CJK_RUN

STOPWORDS = frozenset(
    "a an the and or but of to in on at by for with from as is are was were be been being it "  # noqa: SIM905 - a sentence is easier to read than 90 quoted words
    "its this that these those what which who whom whose when where why how did do does done "
    "has have had i you he she we they them his her their our your my me us there here about "
    "into than then so such can could would should will shall may might must not no yes any "
    "some all each other more most".split()
)
"""English function words (also left out by the hashing fake)."""
EN_EXTRA_STOPWORDS = frozenset(["also", "anyone", "just", "only", "very", "s", "t"])
ZH_STOPWORDS = frozenset(
    "的 了 是 谁 什么 哪 哪些 哪个 哪天 在 有 和 与 及 吗 呢 吧 啊 如何 怎么 怎样 怎么样 为 为什么 "  # noqa: SIM905
    "会 上 中 这 那 这次 这个 那个 一个 了吗 请问 被 把 对 从 向 给 由 都 也 就 还 又 等 我 你 他 "
    "她 它 我们 你们 他们 多少 几 个 方面 哪里 里 时候 做 用 到 讲 说".split()
)
_HAS_WORD = re.compile(r"\w")
_WORD_RUN = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=1)
def jieba_module() -> Any:
    """Jieba with its dictionary ready: looked up in SQLite (:mod:`jieba_dict`), or loaded."""
    import jieba

    from seminar_qa.jieba_dict import attach

    jieba.setLogLevel(logging.WARNING)
    attach(jieba)
    jieba.initialize()  # loads jieba's own tables only when they could not be attached
    return jieba


def tagged_words(text: str) -> list[tuple[str, str]]:
    """Jieba's words of ``text`` (in simplified characters) with their tags (nr: person, ...)."""
    # The tables first: importing jieba.posseg before them parses its whole word-tag table
    # (0.27 s of a Chinese `ask`, 2026-12-02), where jieba_dict gives it the SQLite column.
    jieba_module()
    import jieba.posseg

    return [(pair.word, pair.flag) for pair in jieba.posseg.cut(to_simplified(text))]


@functools.lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def is_stopword(token: str) -> bool:
    """Whether ``token`` is an English or Chinese stop word."""
    return token in STOPWORDS or token in EN_EXTRA_STOPWORDS or token in ZH_STOPWORDS


def has_word(text: str) -> bool:
    """Whether ``text`` holds a letter or digit of any script (not punctuation only)."""
    return _HAS_WORD.search(text) is not None


def _keep(token: str) -> bool:
    return has_word(token) and not is_stopword(token)


def _words(text: str, search_mode: bool) -> list[str]:
    """Split text into words: jieba for Chinese runs, a regex for everything else.

    jieba handles English too, but about 40 times slower than a regex, which bounded BM25 builds
    (BENCHMARKS.md); the Chinese runs are what it is needed for, and English-only text never
    loads its dictionary. Chinese runs are read in simplified characters (:mod:`simplified`), as
    jieba's dictionary is written, so 誰 is the stop word 谁 and a traditional report's words
    meet a simplified question's.
    """
    words: list[str] = []
    position = 0
    for match in CJK_RUN.finditer(text):
        words.extend(_WORD_RUN.findall(text, position, match.start()))
        jieba = jieba_module()
        run = to_simplified(match.group())
        words.extend((jieba.lcut_for_search if search_mode else jieba.lcut)(run))
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
