"""The short clause of a long Chinese answer sentence: what the page stresses inside the sentence.

Chinese text often runs a whole paragraph through commas before the first 。, so the marked
sentence can be a hundred characters long. Inside such a sentence the clauses (cut after ，：；
and , : ; not between digits; never at 、, which lists the parts of one answer) are scored by
the question's character pairs they hold, and the best clause grows into its neighbours while
the window stays short. The sentence stays marked; the clause is stressed inside it, so a clause
that misses the answer costs the visitor nothing the sentence did not already show.

Measured on the CMRC 2018 development split (776 Chinese questions over 200 Chinese paragraphs;
``python bench/external_eval.py --sets cmrc``, 2026-12-02): 224 top passages' marked sentences
run past 60 characters, and 175 of those hold the answer; the clause window keeps it in 150 of
them (86%) at 40 characters on average instead of 94. In a throwaway trial over the same report,
character pairs did better than jieba words (segmentation differs between question and text:
前身 / 前身为; 79% against 71% for the best clause and the next), the title's pairs at a quarter
better than in full (they name the topic and recur in every clause; 82% against 78%), and a
window of 45 or 60 characters kept 77% or 89%.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from seminar_qa.bridges import QUESTION_WORDS
from seminar_qa.simplified import to_simplified
from seminar_qa.text import CJK, chinese_pairs
from seminar_qa.tokenization import ZH_STOPWORDS

LONG_SENTENCE = 60
"""A Chinese sentence longer than this many characters gets a clause (CMRC: 23% of marked ones)."""
CLAUSE_BUDGET = 50
"""The clause window grows while it stays within this many characters (see the module text)."""
TITLE_WEIGHT = 0.25
"""What a character pair shared with the title counts (as the answer sentence's title words)."""
TYPE_BONUS = 0.5
"""Added to a clause holding what the question asks for (a date for 何时), best clause = 1."""

_CLAUSE_END = re.compile(r"[，：；]+|[,:;](?!\d)")
_ASKING = re.compile(
    "|".join(re.escape(w) for w in sorted({*QUESTION_WORDS, *ZH_STOPWORDS}, key=len, reverse=True))
)


# A "why" question's answer is the cause: the clause that gives it (因为, 由于 ...), or the one
# before a clause that draws the consequence (因此, 所以 ...). CMRC: 5 of the 28 windows that
# missed the answer before this rule answered a 为什么; with it, 147 -> 150 of 175 held it.
_ASKS_WHY = re.compile(r"为什么|为何|何故|原因|缘故|\bwhy\b", re.IGNORECASE)
_GIVES_CAUSE = re.compile(r"因为|由于|鉴于|之所以|原因|缘故|为了")
_DRAWS_CONSEQUENCE = re.compile(r"^\s*(因此|所以|因而|于是|故|从而|以致)")


def clause_spans(sentence: str) -> list[tuple[int, int]]:
    """The clauses of ``sentence`` as offsets, each with the punctuation that closes it."""
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in _CLAUSE_END.finditer(sentence):
        spans.append((start, cut.end()))
        start = cut.end()
    spans.append((start, len(sentence)))
    return [(a, b) for a, b in spans if sentence[a:b].strip()]


def _mostly_chinese(sentence: str) -> bool:
    """Whether Chinese characters make at least a third of the sentence's letters.

    An English sentence that quotes a Chinese name keeps its own sentence.
    """
    chinese = len(CJK.findall(sentence))
    return chinese > 0 and 3 * chinese >= sum(c.isalnum() for c in sentence)


def answer_clause(
    text: str,
    start: int,
    end: int,
    question: str,
    title: str = "",
    holds_type: Callable[[str], bool] | None = None,
) -> tuple[int, int]:
    """Offsets in ``text`` of the clause to stress in its answer sentence ``text[start:end]``.

    The whole sentence when it is short, not Chinese, or one clause; ``holds_type`` tests a
    clause for what the question asks for (None: it asks for no type).
    """
    # Read in simplified characters, so a traditional sentence meets a simplified question and
    # the cues; the reading keeps every offset.
    sentence = to_simplified(text[start:end])
    if len(sentence) <= LONG_SENTENCE or not _mostly_chinese(sentence):
        return start, end
    spans = clause_spans(sentence)
    if len(spans) < 2:
        return start, end
    question = to_simplified(question)
    wanted = chinese_pairs(_ASKING.sub(" ", question))
    topic = chinese_pairs(to_simplified(title))
    clauses = [chinese_pairs(sentence[a:b]) for a, b in spans]
    # A pair found in many clauses (the subject repeated) says little about which one answers.
    spread = {pair: sum(pair in c for c in clauses) for pair in wanted}
    matched = [
        math.fsum((TITLE_WEIGHT if p in topic else 1.0) / spread[p] for p in wanted & c)
        for c in clauses
    ]
    best_match = max(matched) or 1.0
    texts = [sentence[a:b] for a, b in spans]
    if _ASKS_WHY.search(question):
        holds = [
            bool(_GIVES_CAUSE.search(t))
            or (i + 1 < len(texts) and bool(_DRAWS_CONSEQUENCE.match(texts[i + 1])))
            for i, t in enumerate(texts)
        ]
    else:
        holds = [bool(holds_type and holds_type(t)) for t in texts]
    scores = [m / best_match + TYPE_BONUS * h for m, h in zip(matched, holds, strict=True)]
    low = high = max(range(len(spans)), key=lambda i: (scores[i], -i))
    while True:
        # Grow towards the better-scoring neighbour (the following one on a tie: Chinese puts
        # the answer after its cue, 前身为……), while the window fits the budget.
        grow = [(scores[high + 1], 1, low, high + 1)] if high + 1 < len(spans) else []
        grow += [(scores[low - 1], 0, low - 1, high)] if low > 0 else []
        if not grow:
            break
        _, _, new_low, new_high = max(grow)
        if spans[new_high][1] - spans[new_low][0] > CLAUSE_BUDGET:
            break
        low, high = new_low, new_high
    return start + spans[low][0], start + spans[high][1]
