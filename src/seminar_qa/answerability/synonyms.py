"""Words a question says in other words than its passage: WordNet synonyms of common senses.

A visitor asks in their own words: "When was the report *published*?" over "*Release* Time:
2024-12-03", "Who gave the opening *speech*?" over "began with an *address* by Han Chonghu".
Counted missing, such a word weighs as much as a name the passage never mentions, and in a small
index (a word no passage holds has the largest IDF there is) it sent both questions to "not in
these reports". :func:`with_synonyms` lets a question's word count as held when the passage holds
one of its synonyms, for the answerability features' coverage and missing words.

Synonyms are the other one-word members of the synsets of a word's commonest senses in WordNet
3.0 (at most ``SENSES`` of them, and only senses SemCor tags at least once, so that rare senses,
"spoke" of a wheel, "speech" as "language", do not join everyday words), read through WordNet's
irregular forms both ways (spoke -> speak, hold -> held), keyed by the stems the product's tokens
are (``tokenization.base_tokens``). The table (``synonyms.json``) is generated from Debian's
``wordnet-base`` files by ``python -m seminar_qa.answerability.synonyms``;
``tests/test_synonyms.py`` checks that it matches them when they are installed. WordNet 3.0
Copyright 2006 by Princeton University, distributed under its licence (permission to use, copy,
modify and distribute, with this notice); see ``/usr/share/doc/wordnet-base/copyright``.
English only: Chinese words have no entry (a Chinese question over English text reaches it
through its English glosses).
"""

from __future__ import annotations

import functools
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from seminar_qa.answerability.antonyms import (
    WORDNET,
    clean_lemma,
    read_exceptions,
    read_synsets,
    write_from_wordnet,
)
from seminar_qa.tokenization import base_tokens

TABLE_FILE = Path(__file__).with_name("synonyms.json")
PARTS_OF_SPEECH = ("noun", "verb", "adj", "adv")
# Each word's commonest senses that count (WordNet lists a word's senses by frequency). Grouped CV
# AUROC of `make answerability` (2026-12-06; SQuAD 2.0 / ClapNQ / seminar, and each source held
# out of the fit: SQuAD 2.0 / ClapNQ): no synonyms .690 / .899 / .904, .530 / .731; one sense
# .695 / .898 / .910, .535 / .743; two .693 / .899 / .907, .538 / .748; three .693 / .899 / .906,
# .541 / .748; five .696 / .897 / .904, .544 / .751. Within a refit's spread from one sense up;
# three keeps everyday pairs (publish / release is publish's second sense) without the long tail.
SENSES = 3


@functools.cache
def _table() -> dict[str, frozenset[str]]:
    data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    return {stem: frozenset(others) for stem, others in data["synonyms"].items()}


def synonyms(stem: str) -> frozenset[str]:
    """The stems of the words that may say what the word of ``stem`` says (none: empty)."""
    return _table().get(stem, frozenset())


def with_synonyms(asked: Iterable[str], held: frozenset[str]) -> frozenset[str]:
    """``held`` and each token of ``asked`` that ``held`` says in other words (by a synonym)."""
    table = _table()
    extra = {t for t in asked if t not in held and not table.get(t, frozenset()).isdisjoint(held)}
    return held | extra if extra else held


# ------------------------------------------------------------------------------------------
# Generating the table from WordNet


def _stem(word: str) -> str | None:
    """The product's one token for a WordNet word, or None (a stop word, or several tokens)."""
    tokens = base_tokens(word)
    return tokens[0] if len(tokens) == 1 else None


def _common_senses(index: Path, synsets: dict[str, list[str]]) -> Iterable[tuple[str, list[str]]]:
    """Each one-word lemma of a WordNet ``index.*`` file and the words of its common senses."""
    for line in index.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence at the top of the file
            continue
        fields = line.split()
        lemma = clean_lemma(fields[0])
        pointers = int(fields[3])
        tagged, offsets = int(fields[5 + pointers]), fields[6 + pointers :]
        if lemma is None:
            continue
        for offset in offsets[: min(SENSES, tagged)]:
            yield lemma, synsets[offset]


def generate(wordnet: Path = WORDNET) -> dict[str, dict[str, list[str]]]:
    """The table: each stem's synonyms' stems, irregular forms read as their base word's."""
    words: defaultdict[str, set[str]] = defaultdict(set)
    for pos in PARTS_OF_SPEECH:
        synsets = {offset: members for offset, members, _ in read_synsets(wordnet / f"data.{pos}")}
        for lemma, members in _common_senses(wordnet / f"index.{pos}", synsets):
            words[lemma].update(w for w in map(clean_lemma, members) if w and w != lemma)
    stems: defaultdict[str, set[str]] = defaultdict(set)
    for lemma, others in words.items():
        stem = _stem(lemma)
        if stem is not None:
            stems[stem].update(s for s in map(_stem, others) if s and s != stem)
    # Irregular forms (spoke -> speak) take their base word and its synonyms, from a copy: a form
    # that is itself a word (spoke, of a wheel) keeps its own too, and no form chains into another.
    # A base word is held by its irregular verb and noun forms too: "Who leads ...?" over "... led
    # the team", a present-tense question over a report in the past (grouped CV of `make
    # answerability`, 2026-12-06: SQuAD 2.0 .693 -> .695, ClapNQ .899 -> .897, seminar .905 ->
    # .906; `make eval`: XQuAD Chinese answerable told closest 19.9 -> 19.4%).
    own = {stem: set(others) for stem, others in stems.items()}
    for pos in ("noun", "verb", "adj"):
        for form, bases in read_exceptions(wordnet / f"{pos}.exc"):
            cleaned = clean_lemma(form)
            stem = _stem(cleaned) if cleaned else None
            for base in {_stem(b) for b in map(clean_lemma, bases) if b}:
                if stem and base and base != stem:
                    stems[stem].update(own.get(base, set()) | {base})
                    stems[stem].discard(stem)
                    if pos != "adj":  # "best" says no "good"
                        stems[base].add(stem)
    return {"synonyms": {stem: sorted(others) for stem, others in sorted(stems.items()) if others}}


def render(table: dict[str, dict[str, list[str]]]) -> str:
    """The table as ``synonyms.json`` holds it: one stem a line, so that changes read in a diff."""
    rows = (json.dumps(k, ensure_ascii=False) + ":" + json.dumps(v, ensure_ascii=False)
            for k, v in table["synonyms"].items())  # fmt: skip
    return '{"synonyms":{\n' + ",\n".join(rows) + "\n}}\n"


def main() -> int:
    """Write ``synonyms.json`` from the installed WordNet files."""
    return write_from_wordnet(TABLE_FILE, lambda: render(generate()))


if __name__ == "__main__":
    sys.exit(main())
