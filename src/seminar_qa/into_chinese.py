"""Bridges from English questions to Chinese text: CC-CEDICT read backwards, and the sound of names.

The mirror of :mod:`bridges` (a Chinese question over English text), for an English-speaking
visitor of a Chinese report:

- phrases (:func:`chinese_tokens`): an English question's phrases that a CC-CEDICT definition is
  on its own ("courtesy name" -> 表字, "Austria" -> 奥地利; :func:`cedict.words_for`) become
  Chinese query words of the main BM25;
- sound (:func:`sound_tokens`, :func:`romanised_tokens`): every Chinese word of a passage is
  also read as the syllables of its pinyin, one by one and two in a row (李成栋 -> li, cheng,
  dong, li cheng, cheng dong), and a question's capitalised words that split fully into pinyin
  ("Li Chengdong", "Kangwang Road") ask for the same tokens. They live in a BM25 of their own
  (the index's ``sound/``) that only English questions over Chinese passages ask: in the main
  BM25 they lengthened every Chinese passage, which moved every question's scores and the rows of
  both learned models (BENCHMARKS.md, "Tried in the seventh session").
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa import cedict, pinyin_readings
from seminar_qa.bridges import split_pinyin, word_pinyin_tokens
from seminar_qa.simplified import to_simplified
from seminar_qa.text import CAPITALISED_RUN, has_cjk, main_language
from seminar_qa.tokenization import base_tokens, is_stopword, jieba_module

if TYPE_CHECKING:
    from seminar_qa.index.lexical import SoundIndex
    from seminar_qa.names import NameSpellings

_ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# A phrase of more senses ("name": 17 words) would match any passage. English questions over CMRC
# at 2, 3, 4, 6 senses: Hit@1 .838, .838, .854, .859; 6 cost the mixed index a seminar question
# (BENCHMARKS.md, 2026-12-06).
MAX_SENSES = 4


def _romanised(word: str) -> tuple[str, ...] | None:
    """The syllables of a capitalised word that is pure pinyin (a romanised Chinese name)."""
    return split_pinyin(word.lower()) if word[:1].isupper() else None


def chinese_tokens(question: str) -> list[str]:
    """Tokens of the Chinese words CC-CEDICT defines as the English question's phrases.

    The longest phrases first, up to four words, none starting or ending with a stop word ("what
    is"); a capitalised word that is pure pinyin ("Li", "Chengdong") is a romanised Chinese name,
    not English (:func:`romanised_tokens` asks it), and is left alone, as is a phrase of many
    senses.
    """
    words = _ENGLISH_WORD.findall(question)
    used = [False] * len(words)
    tokens: list[str] = []
    for length in range(cedict.MAX_PHRASE_WORDS, 0, -1):
        for start in range(len(words) - length + 1):
            span = words[start : start + length]
            edges = is_stopword(span[0].lower()) or is_stopword(span[-1].lower())
            romanised = length == 1 and _romanised(span[0])
            if edges or romanised or any(used[start : start + length]):
                continue
            found = cedict.words_for(" ".join(span))
            if found and len(found) <= MAX_SENSES:
                used[start : start + length] = [True] * length
                tokens += [t for word in found for t in base_tokens(word)]
    return list(dict.fromkeys(tokens))


def name_sound_tokens(syllables: tuple[str, ...]) -> list[str]:
    """The sound tokens of one romanised name's syllables, with pairs (as the sound BM25 asks)."""
    return _with_pairs(list(syllables))


def _with_pairs(syllables: list[str]) -> list[str]:
    """Tokens of a run of syllables: each one, then each two in a row (``li_cheng``).

    The pairs keep the order a bag of syllables loses: "li", "cheng" and "dong" are in most
    Chinese paragraphs, "li cheng" and "cheng dong" in the one that names 李成栋 (syllables alone
    lifted the translated set's Hit@1 .707 -> .722, with pairs .758; BENCHMARKS.md).
    """
    return syllables + [f"{a}_{b}" for a, b in itertools.pairwise(syllables)]


def sound_tokens(text: str) -> list[str]:
    """The pinyin syllables of the Chinese words of ``text``, with pairs (none unless Chinese).

    Pairs run across jieba's words (it may cut a name: 李/成栋) but not across punctuation or
    anything that is not Chinese.
    """
    if main_language(text) != "zh":
        return []
    tokens: list[str] = []
    run: list[str] = []
    for word in jieba_module().lcut(to_simplified(text)):
        if has_cjk(word):
            run.extend(t.removeprefix("py_") for t in word_pinyin_tokens(word))
        elif word.strip():
            tokens.extend(_with_pairs(run))
            run = []
    return tokens + _with_pairs(run)


def romanised_tokens(question: str) -> list[str]:
    """The sound tokens of the question's capitalised words that are pure pinyin, with pairs.

    Pairs run across the words of one name ("Li Chengdong": ``li_cheng``, ``cheng_dong``); a
    question written in Chinese asks none (its characters meet Chinese text directly).
    """
    if has_cjk(question):
        return []
    tokens: list[str] = []
    run: list[str] = []
    for word in _ENGLISH_WORD.findall(question):
        syllables = _romanised(word)
        if syllables:
            run.extend(syllables)
        else:
            tokens.extend(_with_pairs(run))
            run = []
    return tokens + _with_pairs(run)


def romanised_names(question: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """Where an English question names something in romanised Chinese: (start, end, syllables).

    Runs of capitalised words that are pure pinyin, of two syllables or more ("Li Chengdong",
    "Wuxue"; "Kangwang" of "Kangwang Road"); not an English word of two syllables or more that
    spells pinyin ("Heritage Site": CC-CEDICT defines words by them).
    """
    found: list[tuple[int, int, tuple[str, ...]]] = []
    for match in CAPITALISED_RUN.finditer(question):
        offset = match.start()
        words: list[tuple[int, int, tuple[str, ...]]] = []
        for word in re.finditer(r"\S+", match.group()):
            syllables = split_pinyin(word.group().lower())
            # An English word that happens to spell pinyin (he ri ta ge): CC-CEDICT defines a
            # word by it. One syllable is let be: a surname (Li, Zhang) may be English too.
            if syllables and len(syllables) > 1 and cedict.words_for(word.group()):
                syllables = None
            if syllables is None:
                found += _names_of(words)
                words = []
            else:
                words.append((offset + word.start(), offset + word.end(), syllables))
        found += _names_of(words)
    return found


def _names_of(
    words: list[tuple[int, int, tuple[str, ...]]],
) -> list[tuple[int, int, tuple[str, ...]]]:
    """One run of romanised words as a name, when it is one (see :func:`romanised_names`)."""
    syllables = tuple(s for _, _, each in words for s in each)
    if len(syllables) < 2:
        return []
    return [(words[0][0], words[-1][1], syllables)]


def _characters(syllable: str) -> str:
    """The characters read ``syllable``; "lu" and "nu" also those read "lv" and "nv" (吕: Lu)."""
    found = pinyin_readings.characters_read(syllable)
    if syllable in ("lu", "nu", "lue", "nue"):
        found += pinyin_readings.characters_read(syllable.replace("u", "v"))
    return found


def written_in(syllables: tuple[str, ...], text: str) -> str | None:
    """How ``text`` writes the name of these syllables in Chinese characters, or None.

    Its most frequent run of characters that read so (any reading: 行 in 闵行 is hang), when no
    other is half as frequent or more: "Li Chengdong" -> 李成栋 (14 times in CMRC's development
    paragraphs, no other), "Wuxue" -> 武穴 (10, against 物学 3), "Suo Jing" -> 索靖 (13, 所经 1);
    not "Jin Yong" -> 仅用 ("only using", 2, against 金庸 1).
    """
    classes = [_characters(s) for s in syllables]
    if not all(classes):
        return None
    pattern = "".join(f"[{re.escape(chars)}]" for chars in classes)
    counts = Counter(re.findall(pattern, text)).most_common(2)
    if not counts or (len(counts) == 2 and 2 * counts[1][1] >= counts[0][1]):
        return None
    return str(counts[0][0])


NAME_PASSAGES = 20
"""Chinese passages searched for a romanised name (:func:`sounding_like`)."""


def sounding_like(
    sound: SoundIndex | None, texts: Sequence[str], syllables: tuple[str, ...]
) -> str:
    """The ``texts`` of the passages whose sound holds most of a name's syllables and pairs.

    Where a romanised name is looked for (:func:`written_in`): searching all of an index's
    Chinese text took 12-80 ms a name over CMRC's 200 paragraphs (100,000 characters) and
    0.1-1 s over fifty times as much (2026-12-06); its sound BM25 finds the passages at once.
    """
    if sound is None:
        return ""
    scores = sound.scores(name_sound_tokens(syllables))
    best = np.argsort(-scores, kind="stable")[:NAME_PASSAGES]
    return "\n".join(texts[int(i)] for i in best if scores[i] > 0)


@functools.lru_cache(maxsize=4096)
def in_chinese(question: str, spellings: NameSpellings) -> str:
    """An English ``question`` with its romanised names as the index's Chinese text writes them.

    "Li Chengdong" -> 李成栋, for E5 (:data:`retrieval.encoders.ROMANISED_NAMES_IN_CHINESE`); not a
    name the index's other text writes in pinyin itself (its passages meet it as it is).
    """
    if not spellings.has_chinese:
        return question
    text = question
    for start, end, syllables in reversed(romanised_names(question)):
        if spellings.writes(syllables):
            continue
        written = written_in(syllables, spellings.chinese_about(syllables))
        if written is not None:
            text = f"{text[:start]}{written}{text[end:]}"
    return text
