"""A sentence that points back to the one before: who "he" is, and whether the mark goes on.

The marked sentence comes from :mod:`retrieval.answer_span`; these rules run after it. A sentence
that opens with a pronoun standing for something named before is highlighted with the sentence
before it (:func:`referent_start`), and a mark on a sentence that names a person may move to the
next one when it goes on about them (:func:`continued`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from seminar_qa.chunking import Span
from seminar_qa.policy import AnswerSentence
from seminar_qa.retrieval.answer_span import Idf, analyse_passage

# An English sentence that opens with a pronoun standing for something named before ("He is also
# the oldest quarterback ...", "These include abortion ...") does not say who or what on its own.
# "There" and "That" are left out: they open sentences without pointing back ("There are ...",
# "That the plague was caused by bad air became ..."). Chinese text is not widened: on the CMRC
# development split no marked sentence opening with 他, 她, 它, 其, 该, 此 or 这 had its answer in
# the sentence before (0 of 34; `python bench/external_eval.py --sets cmrc`, 2026-12-03).
_POINTS_BACK = re.compile(r"(?:He|She|It|They|This|These|Those|His|Her|Its|Their)\b")
# The same in Chinese, for what a passage may refer back to (not for the highlight, above).
_POINTS_BACK_ZH = re.compile(r"[他她它其该此这]")


# "He" or "She" opening the sentence after the marked one: the text goes on about the person the
# marked sentence names (not "It" or "This", which refer to things as often as to a passage's
# topic: see the measurements at AnswerSentence.continuation_share in policy.defaults).
_PERSON_GOES_ON = re.compile(r"(?:He|She|His|Her)\b")


def continued(
    text: str,
    span: tuple[int, int],
    question_tokens: Sequence[str],
    language: str,
    rules: AnswerSentence,
    idf: Idf,
) -> tuple[int, int]:
    """The marked sentence ``span`` of ``text``, or the next one where the person goes on.

    A report names a person in one sentence and says what they did in the next ("The seminar
    began with an address by Han Chonghu, Director of ... He reviewed ..."); "What did Han
    Chonghu review?" holds the name the first sentence has and the verb the next one has, and
    the name weighs more. The next sentence is marked instead when it opens with "He" or "She",
    stands in the same paragraph, and holds question words the marked one lacks weighing at
    least ``rules.continuation_share`` of those the passage holds. Its highlight then takes in
    the sentence before (:func:`referent_start`), so the visitor sees who "he" is.
    """
    if not rules.continuation_share or language not in rules.continuation_languages:
        return span
    spans, tokens, whole = analyse_passage(text)
    marked = _sentence_at(spans, span[0])
    if marked is None or not _refers_back(text, spans, marked + 1, _PERSON_GOES_ON):
        return span
    following = spans[marked + 1]
    wanted = set(question_tokens) & whole
    total = math.fsum(idf(t) for t in wanted)
    added = math.fsum(idf(t) for t in (wanted & tokens[marked + 1]) - tokens[marked])
    if total > 0 and added / total >= rules.continuation_share:
        return following.start, following.end
    return span


def opens_pointing_back(text: str) -> bool:
    """Whether ``text`` opens with a pronoun that stands for something named before it."""
    opening = text.lstrip()
    return bool(_POINTS_BACK.match(opening) or _POINTS_BACK_ZH.match(opening))


def referent_start(text: str, start: int) -> int:
    """Where the highlight of the sentence at ``start`` begins, with what its pronoun stands for.

    When the marked sentence opens with a pronoun that points back, the sentence before it in
    the same paragraph is highlighted too, so the visitor sees who "he" is. Measured over the
    top passages of `python bench/external_eval.py` (2026-12-03, throwaway script): of the 119
    XQuAD questions whose marked sentence opens with one of these words, the answer was in the
    sentence before for 12 (6 English, 6 Chinese), in the sentence itself for 97 (still right,
    two sentences long) and in neither for 10.
    """
    spans = analyse_passage(text)[0]
    marked = _sentence_at(spans, start)
    if marked is not None and _refers_back(text, spans, marked, _POINTS_BACK):
        return spans[marked - 1].start
    return start


def _sentence_at(spans: Sequence[Span], start: int) -> int | None:
    """The number of the sentence that starts at ``start``, or None."""
    return next((i for i, span in enumerate(spans) if span.start == start), None)


def _refers_back(text: str, spans: Sequence[Span], i: int, opening: re.Pattern[str]) -> bool:
    """Whether sentence ``i`` opens with ``opening`` right after sentence ``i - 1``.

    Not across a line break: another paragraph, or a heading, is no sentence a pronoun means.
    """
    if not 0 < i < len(spans) or not opening.match(text, spans[i].start):
        return False
    return "\n" not in text[spans[i - 1].end : spans[i].start]
