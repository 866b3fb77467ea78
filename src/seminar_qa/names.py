"""The names a Chinese question gives, and how the index's text spells them in pinyin.

:func:`chinese_names` finds a question's names of people, places and organisations (jieba's
tags) with the English token sets that would name each in English text; the answerability
features look for them in the top passage.

:class:`NameSpellings`: a report in English writes its speakers and places in pinyin
("Professor Zhang Minxuan", "Songyi Experimental School"); a visitor asking in Chinese writes 张民选
and 松一. jieba does not know these names and cuts 张民选 into 张 (a measure word: "sheet") and 民选
("democratically elected"), so the question's gloss translation read "open up democratically
elected professor", BM25's glosses asked for "sheet" and "elect", and no name was seen:
"张民选是谁？" ranked Zhang Minxuan's paragraph below three others. The names are the corpus's
own: every capitalised run of the index's non-Chinese text that is pure pinyin is kept under its
syllables ("zhangminxuan" -> "Zhang Minxuan"), and a run of a Chinese question that CC-CEDICT
lacks and reads the same is that name, glossed as the text spells it (:mod:`bridges`).

Kept: a surname's syllable and a given name ("Zhang Minxuan", "Yun Minxia"), and single words of
two syllables or more that stand inside a sentence ("from Songyi Experimental School"), where a
capital means a name; a sentence's first word ("Women ...", "Change ...") may be an English word
that happens to spell pinyin.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from seminar_qa import cedict, pinyin_readings
from seminar_qa.answerability.types import PERSON_TITLES
from seminar_qa.bridges import SURNAMES, named_runs, split_pinyin, word_pinyin_tokens
from seminar_qa.simplified import to_simplified
from seminar_qa.text import CAPITALISED_RUN, CJK_RUN, main_language
from seminar_qa.tokenization import base_tokens, jieba_module, tagged_words

_OPENERS = frozenset('.!?:;\n"“(')
_LONGEST_NAME = 4
"""Characters of the longest Chinese name looked for (a surname and a given name of three)."""
LONGEST_PHRASE = 5
"""Words of the longest run of a name looked for ("Changning District Education Bureau" and one)."""


class NameSpellings:
    """The pinyin names of an index's text: their joined syllables -> the text's spelling.

    Read from the text on first use (:func:`spellings_of`; 0.24 s over 8,040 passages): a Chinese
    question asks, and an English one that names something in romanised Chinese over an index
    with Chinese text (is it a name the other text writes itself?), so an index of English text
    that is never asked in Chinese never reads them. Compared and hashed by identity: an index
    holds one, and the question caches key on it.
    """

    def __init__(
        self,
        texts: Iterable[str] = (),
        chinese: Iterable[str] = (),
        about: Callable[[tuple[str, ...]], str] | None = None,
    ) -> None:
        """Keep ``texts`` (the index's non-Chinese text) to read the names from when asked.

        ``chinese``: the index's Chinese text, where an English question's romanised names are
        looked for (:func:`into_chinese.in_chinese`); ``about``: given a name's syllables, the
        part of it that may name it (the index's sound BM25 finds it), where there is much.
        """
        self._texts = tuple(texts)
        self._chinese = tuple(chinese)
        self._about = about

    @property
    def has_chinese(self) -> bool:
        """Whether the index holds Chinese text."""
        return bool(self._chinese)

    def chinese_about(self, syllables: tuple[str, ...]) -> str:
        """The Chinese text that may write a name of these syllables (all of it, or its part)."""
        if self._about is not None:
            return self._about(syllables)
        return "\n".join(self._chinese)

    @functools.cached_property
    def _tables(self) -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
        return _read_names(self._texts)

    @property
    def phrases(self) -> frozenset[str]:
        """Runs of up to five capitalised words that open with a word of pinyin, lower-cased.

        "baoshan district", "baoshan district education": how the text writes names by sound.
        """
        return self._tables[2]

    @property
    def by_sound(self) -> Mapping[str, str]:
        """Every name, by the sound of its syllables ("zhangminxuan" -> "Zhang Minxuan")."""
        return self._tables[0]

    @functools.cached_property
    def _openings(self) -> frozenset[str]:
        return frozenset(sound[:end] for sound in self.by_sound for end in range(1, len(sound) + 1))

    def may_open(self, character: str) -> bool:
        """Whether some reading of ``character`` opens the sound of one of the names.

        No name starts at a character that does not: asking the dictionaries about the runs
        from it took most of the 1.4 ms a CMRC question spent finding names (2026-12-06).
        """
        return any(sound in self._openings for sound in _sounds(character))

    def writes(self, syllables: Iterable[str]) -> bool:
        """Whether the text writes a name of these syllables ("li", "cheng", "dong")."""
        return _sound(syllables) in self.by_sound

    @property
    def surnames(self) -> Mapping[str, str]:
        """The surnames of the people among them, by sound ("xiong" -> "Xiong")."""
        return self._tables[1]

    def found(self, question: str) -> dict[str, str]:
        """The names ``question`` (simplified) gives among these: its characters -> spelling.

        A name is a run read as one of them (张民选), or a surname alone before a title
        (熊局长, 张教授: Chinese names a person so), when someone of that surname is among them.
        """
        simplified = to_simplified(question)
        return {simplified[a:b]: spelling for a, b, spelling in _spans(self, simplified)}

    def respelled(self, question: str, *, blank: bool = False) -> str:
        """``question`` (simplified) with each name found written as the index spells it.

        ``blank``: with a space instead of the spelling.
        """
        text = to_simplified(question)
        for start, end, spelling in reversed(_spans(self, text)):
            text = f"{text[:start]} {'' if blank else spelling} {text[end:]}"
        return text


NO_SPELLINGS = NameSpellings()
"""No names: what a question is read with where no index is at hand."""


def _sound(syllables: Iterable[str]) -> str:
    return "".join(s.replace("v", "u") for s in syllables if s.isalpha()).lower()


@functools.cache
def _surname_sounds() -> frozenset[str]:
    return frozenset(_sound(pinyin_readings.readings(c)) for c in SURNAMES)


def _pinyin(word: str) -> bool:
    return split_pinyin(word.lower()) is not None


def _inside_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` follows another word of its sentence."""
    before = start - 1
    while before >= 0 and text[before] in " \t":
        before -= 1
    return before >= 0 and text[before] not in _OPENERS


def spellings_of(
    texts: Iterable[str],
    chinese: Iterable[str] = (),
    about: Callable[[tuple[str, ...]], str] | None = None,
) -> NameSpellings:
    """The pinyin names written in ``texts`` (non-Chinese text), read when first asked for.

    ``chinese`` and ``about``: the Chinese text beside them (:class:`NameSpellings`).
    """
    return NameSpellings(texts, chinese, about)


def _read_names(
    texts: Iterable[str],
) -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """Names and people's surnames by sound, and the runs that open with pinyin.

    The first spelling of each sound; the runs are :attr:`NameSpellings.phrases`.
    """
    by_sound: dict[str, str] = {}
    people: dict[str, str] = {}
    phrases: set[str] = set()
    surnames = _surname_sounds()
    for text in texts:
        for match in CAPITALISED_RUN.finditer(text):
            words = match.group().split(" ")
            inside = _inside_sentence(text, match.start())
            for i, word in enumerate(words):
                syllables = split_pinyin(word.lower())
                if syllables is None:
                    continue
                ends = range(i + 1, min(len(words), i + LONGEST_PHRASE) + 1)
                phrases.update(" ".join(words[i:end]).lower() for end in ends)
                after = words[i + 1] if i + 1 < len(words) else ""
                if word.lower() in surnames and after and _pinyin(after):
                    by_sound.setdefault(_sound(word + after), f"{word} {after}")
                    people.setdefault(_sound(word), word)
                if len(syllables) >= 2 and inside:
                    by_sound.setdefault(_sound(word), word)
    return by_sound, people, frozenset(phrases)


_MOST_READINGS = 64
"""Readings of a run tried at most (a name of four characters of up to three readings each)."""


def _sounds(piece: str) -> Iterator[str]:
    """How ``piece`` may sound: as ``lazy_pinyin`` reads it, then by other readings.

    Its characters' other readings (闵行: "minxing", then "minhang", "minheng"), at most
    :data:`_MOST_READINGS` of them.
    """
    first = _sound(pinyin_readings.readings(piece))
    yield first
    each = [pinyin_readings.char_readings(char) or (char,) for char in piece]
    others = (_sound(syllables) for syllables in itertools.product(*each))
    yield from (s for s in itertools.islice(others, _MOST_READINGS) if s != first)


_TITLES = tuple(sorted(PERSON_TITLES.split("|"), key=len, reverse=True))
_TITLE_SET = frozenset(_TITLES)


@functools.lru_cache(maxsize=4096)
def _spans(spellings: NameSpellings, question: str) -> tuple[tuple[int, int, str], ...]:
    """Where the simplified ``question`` names one of ``spellings``: (start, end, spelling).

    Longest run first, left to right.
    """
    spans: list[tuple[int, int, str]] = []
    if not spellings.by_sound:
        return ()
    for match in CJK_RUN.finditer(question):
        run, offset = match.group(), match.start()
        # A name is whole words of jieba's: 林的 in 雨林的 reads "lin de" as "Linde" does, and 鲁克
        # in 谢尔布鲁克 "lu ke" as "Luke" (XQuAD's English text spells both).
        cuts = set(itertools.accumulate(len(word) for word in jieba_module().lcut(run)))
        start = 0
        while start < len(run):
            found = _name_at(spellings, run, start, cuts)
            if found is not None:
                end, spelling = found
                spans.append((offset + start, offset + end, spelling))
                start = end
            else:
                start = min((cut for cut in cuts if cut > start), default=len(run))
    return tuple(spans)


def _name_at(
    spellings: NameSpellings, run: str, start: int, cuts: set[int]
) -> tuple[int, str] | None:
    """The name that starts at ``start`` of a Chinese ``run``: its end and spelling, or None."""
    if not spellings.may_open(run[start]):
        return None
    for end in range(min(len(run), start + _LONGEST_NAME), start + 1, -1):
        piece = run[start:end]
        # A dictionary word is glossed by the dictionary (上海, 我们, 民选): only a run it lacks
        # is read by its sound.
        if end not in cuts or cedict.definitions(piece):
            continue
        spelling = next(filter(None, map(spellings.by_sound.get, _sounds(piece))), None)
        if spelling is not None:
            return end, spelling
    # A surname, a word of its own, before a title: 熊|局长 is Director Xiong, whom the text
    # names "Xiong Qiuju" (熊 alone is glossed "bear").
    surname = next(filter(None, map(spellings.surnames.get, _sounds(run[start]))), None)
    rest = run[start + 1 :]
    titled = any(rest.startswith(t) and start + 1 + len(t) in cuts for t in _TITLES)
    if surname is not None and start + 1 in cuts and titled:
        return start + 1, surname
    return None


NAME_TAGS = frozenset({"nr", "ns", "nt"})
"""jieba's tags of a person's, a place's and an organisation's name (``nrt``, a foreign name
written by sound, has no reliable English form here: see BENCHMARKS.md, transliterated names)."""
_FIRST_CAPITALISED = re.compile(r"\b[A-Z][a-z]+")


@dataclass(frozen=True)
class ChineseName:
    """A name a Chinese question gives, with the English token sets that would name it."""

    word: str
    english: tuple[frozenset[str], ...]
    """From CC-CEDICT's first two definitions, their first capitalised word, acronym and
    initials (闵行区 -> "minhang", 联合国 -> "united" or "un"); a person's name the dictionary
    lacks in pinyin syllable tokens (熊秋菊 -> py_xiong py_qiu py_ju); a name the index spells in
    pinyin, its spelling's tokens (张民选 -> zhang minxuan). Empty when none is known."""

    def held_by(self, text: str, tokens: frozenset[str]) -> bool | None:
        """Whether ``text`` (with its lexical ``tokens``) names it; None: no way to tell."""
        if main_language(text) == "zh":
            return self.word in to_simplified(text)
        if not self.english:
            return None
        return any(form <= tokens for form in self.english)


_NAME_DOTS = frozenset("·•・‧")


# An acronym the definition gives for its name: first ("NASA, National ...") or in brackets
# ("World Health Organization (WHO)"), not one it mentions ("agency of US government") nor
# CC-CEDICT's classifier mark ("CL:個|个[ge4]").
_ACRONYM = re.compile(r"^([A-Z]{2,})\b(?!:)|\(([A-Z]{2,})\)")
_OPENING_NAME = re.compile(r"[A-Z][a-z]+(?:(?: (?:of|and|for|the|on))* [A-Z][a-z]+)+")


def _english_forms(definition: str) -> list[frozenset[str]]:
    """The token sets by which English text may name what a CC-CEDICT definition names.

    Its first capitalised word (联合国 "United Nations" -> united), the acronyms it gives
    (美国广播公司 "ABC (American Broadcasting Corporation)" -> abc) and, when it opens with a run
    of capitalised words, their initials ("United Nations" -> UN, as the seminar's report writes
    it; not "People's Liberation Army" -> LA).
    """
    words = [found.group(0)] if (found := _FIRST_CAPITALISED.search(definition)) else []
    words += [a or b for a, b in _ACRONYM.findall(definition)]
    if run := _OPENING_NAME.match(definition):
        words.append("".join(w[0] for w in run.group(0).split() if w[0].isupper()))
    forms = (frozenset(base_tokens(word)) for word in dict.fromkeys(words))
    return [form for form in forms if form]


@functools.lru_cache(maxsize=4096)
def chinese_names(question: str, spellings: NameSpellings | None = None) -> tuple[ChineseName, ...]:
    """The names of people, places and organisations a Chinese question gives (jieba's tags).

    First those the index spells in pinyin (``spellings``), as it spells them.
    """
    question, spelled = named_runs(question, spellings)
    names = [ChineseName(run, (frozenset(base_tokens(s)),)) for run, s in spelled.items()]
    words = tagged_words(question)
    # A name written with a middle dot (卢克·坎克利, Luke Kuechly) is a foreign one spelt by sound:
    # neither the pinyin of its parts (lu ke) nor the dictionary's sense of one (玛丽 -> Mary, for
    # Marlee) says how English text writes it, so its parts are names of unknown form.
    foreign = {
        i + step for i, (word, _) in enumerate(words) if word in _NAME_DOTS for step in (-1, 1)
    }
    for position, (word, tag) in enumerate(words):
        # A surname and a title name a person by the surname (李教授, 刘|局长): the title is no
        # part of the name ("孙博士" counted "bo shi" missing beside "Dr. Sun Yang").
        after = words[position + 1][0] if position + 1 < len(words) else ""
        titled = word[1:] in _TITLE_SET or (len(word) == 1 and after in _TITLE_SET)
        if word[0] in SURNAMES and titled and (len(word) == 1 or not cedict.definitions(word)):
            names.append(ChineseName(word, (frozenset(word_pinyin_tokens(word[0])),)))
            continue
        if tag not in NAME_TAGS or len(word) < 2:
            continue
        if position in foreign:
            names.append(ChineseName(word, ()))
            continue
        definitions = cedict.definitions(word)
        forms: list[frozenset[str]] = []
        for definition in definitions[:2]:
            forms += _english_forms(definition)
        # Pinyin only for what gloss_translation also writes in pinyin: a surname and a given
        # name the dictionary lacks. jieba tags many words nr (黑豹, 卫星, 本赛季), and on the XQuAD
        # development split their pinyin was in the gold paragraph for 2 of 145 (throwaway script).
        person = tag == "nr" and not definitions and word[0] in SURNAMES and len(word) <= 3
        if person and (pinyin := word_pinyin_tokens(word)):
            forms.append(frozenset(pinyin))
        names.append(ChineseName(word, tuple(dict.fromkeys(forms))))
    return tuple(names)
