"""Words a question turns into their opposites: the antonym swap of questions that look answerable.

A question written to look answerable often takes a sentence of the passage and turns one word
into its opposite ("What is *easy* about proving lower bounds?" over "proving lower bounds is
much more *difficult*"; "the 15 *smallest* cities" over "the 15 *largest* cities"; "*unconnected*
graphs" over "connected graphs"). The SQuAD 2.0 authors count antonyms in a fifth of their
unanswerable questions. :func:`opposed` finds such pairs between a question and the sentence
that best matches it, for the answerability model.

Opposites are WordNet 3.0's direct antonyms of adjectives, adverbs and verbs (nouns left out:
brother / sister pair words that answerable questions and their answers share), and a word with
or without a negating prefix (un-, non-, in-, im-, ir-, il-, dis-). The table
(``antonyms.json``, 4,672 words) is generated from Debian's ``wordnet-base`` files by
``python -m seminar_qa.answerability.antonyms`` (``apt-get install wordnet-base``);
``tests/test_antonyms.py`` checks that it matches them when they are installed. WordNet 3.0
Copyright 2006 by Princeton University, distributed under its licence (permission to use, copy,
modify and distribute, with this notice); see ``/usr/share/doc/wordnet-base/copyright``.
English only: a Chinese question gets no pairs.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Set
from pathlib import Path

TABLE_FILE = Path(__file__).with_name("antonyms.json")
WORDNET = Path("/usr/share/wordnet")
PARTS_OF_SPEECH = ("adj", "adv", "verb")

_WORD = re.compile(r"[a-z][a-z'-]*[a-z]")
_PREFIXES = ("non-", "non", "un", "in", "im", "ir", "il", "dis")
# A prefix counts only before a word of this many letters ("inform" is not in + form).
_STEM_LETTERS = 5
# Inflections read back to a base form: comparative and superlative, plural, past, -ing, -ly.
_SUFFIXES = ("est", "er", "s", "es", "ed", "ing", "ly")


@functools.cache
def _table() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    antonyms = {word: frozenset(others) for word, others in data["antonyms"].items()}
    return antonyms, dict(data["forms"])


def base_forms(word: str) -> frozenset[str]:
    """``word`` and the base forms it may be an inflection of (smallest -> small, happier -> happy).

    Over-generates (``"bus"`` gives ``"bu"``): a form that is no word has no antonym.
    """
    forms = {word}
    irregular = _table()[1].get(word)
    if irregular:
        forms.add(irregular)
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            forms.update((stem, stem + "e"))
            if stem.endswith("i"):
                forms.add(stem[:-1] + "y")
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.add(stem[:-1])  # bigger -> big
    return frozenset(forms)


def antonyms_of(word: str) -> frozenset[str]:
    """WordNet's direct antonyms of ``word`` as it is written (no inflection read back)."""
    return _table()[0].get(word, frozenset())


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def _prefixed(word: str, others: Set[str]) -> str | None:
    """The word of ``others`` that ``word`` negates by a prefix (unconnected -> connected)."""
    for prefix in _PREFIXES:
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= _STEM_LETTERS and rest in others:
            return rest
    return None


@functools.lru_cache(maxsize=4096)
def _held(sentence: str) -> tuple[frozenset[str], dict[str, str], dict[str, str]]:
    """A text's words, its words' base forms (form -> word) and its prefixed words (rest -> word).

    Cached by text: the same top passages are read for many questions, and these lookups were
    most of the answerability features' time (every word's forms, every prefix of every word).
    """
    held = frozenset(_words(sentence))
    forms: dict[str, str] = {}
    unprefixed: dict[str, str] = {}
    for word in sorted(held):
        for form in base_forms(word):
            forms.setdefault(form, word)
        for prefix in _PREFIXES:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= _STEM_LETTERS:
                unprefixed.setdefault(rest, word)
    return held, forms, unprefixed


def opposed(question: str, sentence: str) -> list[tuple[str, str]]:
    """Pairs (question word, sentence word) of opposites, where the sentence lacks the former.

    A sentence that holds both the question's word and its opposite ("known and unknown") is
    not read as the question turning one into the other.
    """
    antonyms = _table()[0]
    asked = _words(question)
    held, held_forms, unprefixed = _held(sentence)
    pairs: list[tuple[str, str]] = []
    for word in sorted(asked - held):
        forms = base_forms(word)
        if forms & held_forms.keys():
            continue
        opposites = (other for form in forms for other in antonyms.get(form, ()))
        opposite = next((held_forms[o] for o in opposites if o in held_forms), None)
        opposite = opposite or _prefixed(word, held)
        if opposite is None:  # the sentence negates by a prefix what the question says
            opposite = unprefixed.get(word)
        if opposite is not None:
            pairs.append((word, opposite))
    return pairs


# ------------------------------------------------------------------------------------------
# Generating the table from WordNet


def read_synsets(path: Path) -> Iterator[tuple[str, list[str], list[tuple[str, str, str]]]]:
    """Each synset of a WordNet ``data.*`` file: offset, words, (pointer, offset, source/target)."""
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence at the top of the file
            continue
        fields = line.split(" | ")[0].split()
        count = int(fields[3], 16)
        words = [fields[4 + 2 * i].lower() for i in range(count)]
        at = 4 + 2 * count
        pointers = [
            (fields[at + 1 + 4 * j], fields[at + 2 + 4 * j], fields[at + 4 + 4 * j])
            for j in range(int(fields[at]))
        ]
        yield fields[0], words, pointers


def read_exceptions(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Each line of a WordNet ``*.exc`` file: an irregular form and the base words it is of."""
    for line in path.read_text(encoding="latin-1").splitlines():
        form, *bases = line.split()
        yield form, bases


def clean_lemma(word: str) -> str | None:
    """A WordNet lemma as text writes it, or None for a phrase (``word_word``)."""
    word = re.sub(r"\(.*\)$", "", word)  # adjective markers: big(a)
    return None if "_" in word else word


def generate(wordnet: Path = WORDNET) -> dict[str, dict[str, list[str]] | dict[str, str]]:
    """The table: every direct antonym pair, and irregular forms of the words in it."""
    antonyms: defaultdict[str, set[str]] = defaultdict(set)
    for pos in PARTS_OF_SPEECH:
        entries = list(read_synsets(wordnet / f"data.{pos}"))
        synsets = {offset: words for offset, words, _ in entries}
        for _, words, pointers in entries:
            for symbol, target, source_target in pointers:
                if symbol != "!" or target not in synsets:
                    continue
                source = clean_lemma(words[int(source_target[:2], 16) - 1])
                other = clean_lemma(synsets[target][int(source_target[2:], 16) - 1])
                if source and other:
                    antonyms[source].add(other)
                    antonyms[other].add(source)
    forms: dict[str, str] = {}
    for pos in PARTS_OF_SPEECH:
        for form, bases in read_exceptions(wordnet / f"{pos}.exc"):
            base = next((b for b in bases if b in antonyms), None)
            if base is not None and form != base:
                forms.setdefault(form, base)
    return {
        "antonyms": {word: sorted(others) for word, others in sorted(antonyms.items())},
        "forms": dict(sorted(forms.items())),
    }


def render(table: dict[str, dict[str, list[str]] | dict[str, str]]) -> str:
    """The table as ``antonyms.json`` holds it."""
    return json.dumps(table, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def write_from_wordnet(target: Path, table: Callable[[], str]) -> int:
    """Write ``target`` with the text ``table`` makes from the installed WordNet files.

    Exit status 1, with the command that installs them, when they are missing.
    """
    if not (WORDNET / "data.adj").is_file():
        print(
            f"error: no WordNet database in {WORDNET}; install it with "
            "`apt-get install wordnet-base`",
            file=sys.stderr,
        )
        return 1
    target.write_text(table(), encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


def main() -> int:
    """Write ``antonyms.json`` from the installed WordNet files."""
    return write_from_wordnet(TABLE_FILE, lambda: render(generate()))


if __name__ == "__main__":
    sys.exit(main())
