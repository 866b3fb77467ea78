"""A Chinese question's rare names written as the index's English text writes them, for E5 and USE.

The multilingual models read a name they rarely met in Chinese text as if it were an unrelated
word: USE's cosine between 长宁区 and "Changning District" is .64, between 上海 and "Shanghai"
.92. :func:`in_english` writes such a name as the index writes it (长宁区有什么经验？ ->
"Changning District 有什么经验？"), beside the index's pinyin names (:mod:`names`); the mirror,
an English question's romanised names in Chinese characters, is :func:`into_chinese.in_chinese`.
"""

from __future__ import annotations

import functools
import re

from seminar_qa import cedict
from seminar_qa.bridges import split_pinyin
from seminar_qa.names import LONGEST_PHRASE, NAME_TAGS, NameSpellings
from seminar_qa.text import has_cjk
from seminar_qa.tokenization import jieba_module, tagged_words

_ENGLISH_RUN = re.compile(r"\b[A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*")
_FAMILIAR = 1000
"""jieba's count of a name from which the multilingual models know it in either script. USE's
cosine between a name in Chinese and in English (2026-12-06, throwaway): .81-.92 for the six
names jieba counts 1,646 times or more (上海, 北京, 深圳, 杭州, 苏州, 联合国), .51-.65 for the seven
counted 267 times or fewer (浦东, 长宁区, 宝山区, 闵行区, 徐汇区, 陶行知, 丹佛)."""


def _by_sound_in(word: str, phrases: frozenset[str]) -> str | None:
    """How the index's text writes the name ``word``, when it writes it by its sound, or None.

    From the name each of CC-CEDICT's first two definitions opens with ("Changning District in
    Shanghai"; not the "Shanghai" it is placed in), the longest run of its words the text has,
    when the first of them is the pinyin of the word's first syllables (长宁区 -> "Changning
    District"; not 黑豹 -> "Black Panther", a name translated).
    """
    reading = tuple(s.replace("v", "u") for s in cedict.reading(word))
    best: list[str] = []
    for definition in cedict.definitions(word)[:2]:
        first = _ENGLISH_RUN.search(definition)
        words = first.group().split(" ") if first else []
        sound = split_pinyin(words[0].lower()) if words else None
        if sound is None or reading[: len(sound)] != sound:
            continue
        for size in range(min(len(words), LONGEST_PHRASE), len(best), -1):
            if " ".join(words[:size]).lower() in phrases:
                best = words[:size]
                break
    return " ".join(best) or None


@functools.lru_cache(maxsize=4096)
def in_english(question: str, spellings: NameSpellings) -> str:
    """``question`` with its rare names written as the index's text writes them by their sound.

    For the multilingual models, which read 长宁区 and Changning District as far apart as unrelated
    words (USE's cosine .64) but know 上海 as Shanghai (.92; :data:`_FAMILIAR`): the index's
    pinyin names (:meth:`NameSpellings.respelled`), then each name jieba tags that it counts
    fewer than :data:`_FAMILIAR` times and CC-CEDICT spells as the text does.
    """
    text = spellings.respelled(question)
    jieba = jieba_module()
    counts = jieba.dt.FREQ
    words = jieba.lcut(text)
    found: dict[str, str] = {}
    for word in dict.fromkeys(words):
        if len(word) >= 2 and has_cjk(word) and counts.get(word, 0) < _FAMILIAR:
            written = _by_sound_in(word, spellings.phrases)
            if written is not None:
                found[word] = written
    if not found:
        return text
    # jieba's tags only when there is a word to ask about: tagging a question took 0.6 ms of
    # the 0.9 ms this took on CMRC's questions over the mixed index, in two lanes at once.
    tags = dict(tagged_words(text))
    return "".join(f" {found[w]} " if w in found and tags.get(w) in NAME_TAGS else w for w in words)
