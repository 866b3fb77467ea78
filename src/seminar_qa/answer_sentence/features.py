"""Answer-sentence features: one row per sentence of a passage, computed from what search has.

No model runs here: the cosines are those of the sentence vectors every index stores, the words
are the passage's cached tokens. Every feature is scale-free (a share, a cosine, a flag, a log
length), so one set of weights serves corpora of any size and either language; each feature is
repeated for Chinese questions and for Chinese passages, so the weights can differ where the
models read the text differently (MiniLM reads a Chinese question only through its glosses).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence, Set
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.answerability.types import asked_type
from seminar_qa.simplified import to_simplified
from seminar_qa.text import chinese_characters, chinese_pairs

if TYPE_CHECKING:
    from numpy.typing import NDArray

Idf = Callable[[str], float]

MODELS = ("minilm", "e5", "use")
"""The models whose sentence cosines are features (the learned weights need all three)."""

WORD_FEATURES = (
    "rule",  # the rule-based score (retrieval.answer_span: words, meaning, answer type)
    "rule_below_best",  # ... less the passage's best
    "rule_best",  # the sentence the rules would mark
    "words",  # the sentence's IDF mass of question words, as a share of the best sentence's
    "words_share",  # ... as a share of the question's whole IDF mass
    "words_before",  # "words" of the sentence before (it may name what this one refers to)
    "words_after",
    "novel_share",  # share of the sentence's tokens the question does not have (the answer)
    "novel_count",
    "type_asked",  # the question asks for a kind of answer (policy cues: who, when, how many)
    "type_held",  # ... and the sentence holds one
    "kind_asked",  # the same with answerability.types (money, duration, count, place ...)
    "kind_held",
    "is_title",
    "first",
    "position",
    "length",
    "sentences",
)
BASE_FEATURES = WORD_FEATURES + tuple(
    f"{model}{suffix}" for model in MODELS for suffix in ("", "_rescaled", "_below_best")
)
# A Chinese question over Chinese text: the question's character pairs, and then its single
# characters, that the sentence holds, each weighted by how few of the passage's sentences hold
# it, as a share of them all; then the same unweighted. Pairs do not depend on where jieba cuts
# the words (前身 / 前身为), which the "words" features do: grouped CV on CMRC (`make
# answer-sentence`, 2026-12-03) .759 -> .781. Single characters catch a meaning two words share
# in one character only (谥号 / 追谥, 全长 / 全路长, 成立 / 始建): pairwise fit, CMRC .818 ->
# .844 (2026-12-03, third session). Other sources hold zeros here and moved by one passage.
# Over text that is not Chinese, the question's words weighted the same way, by how few of the
# passage's sentences hold them (the "words" features weigh them by the corpus's IDF, which
# cannot tell that every sentence of this passage names its topic): XQuAD English .815 -> .821,
# the seminar's English questions 49 -> 50 of 52; no other source moved (CMRC, where the
# characters do this, lost 6 of 784 when its passages had it too).
# And, over Chinese text, the question's characters that are not in the document's title, weighted
# the same way: a question names its topic ("疣鹦嘴鱼的鳞片有什么特点？"), which the opening
# sentence names and the answer sentence often leaves out ("各鳞片具淡红色缘。"); held by the
# opening sentence alone, the topic's characters weighed most and drew the mark there. Grouped CV
# on CMRC (`make answer-sentence`, 2026-12-05) .852 -> .874; single characters did as well as
# characters and pairs together (.872 / .874), and the title's words left out of the local words
# of English text did not help (XQuAD English .824 -> .821, the seminar's 50 -> 49 of 52).
OVERLAP_UNITS = ("pairs", "characters", "local_words", "characters_off_title")
_UNIT_SUFFIXES = ("", "_below_best", "_rescaled", "_plain", "_plain_below_best", "_plain_rescaled")
_UNIT_COLUMNS = len(_UNIT_SUFFIXES)
OVERLAP_FEATURES = tuple(f"{unit}{suffix}" for unit in OVERLAP_UNITS for suffix in _UNIT_SUFFIXES)
CHINESE_TEXT_ONLY = tuple(f"characters_off_title{suffix}" for suffix in _UNIT_SUFFIXES)
"""Features the weights for text that is not Chinese leave out (fitted with them at zero), so
that adding them moved no English passage's mark."""
FEATURES = (
    BASE_FEATURES
    + tuple(f"{name}*zh_question" for name in BASE_FEATURES)
    + tuple(f"{name}*zh_passage" for name in BASE_FEATURES)
    + OVERLAP_FEATURES
)
"""Every feature, in the order of the weights: the base ones, then each for Chinese questions,
then each for Chinese passages (zero otherwise), then the character pairs and characters (zero
unless both the question and the passage are Chinese), then the local words (zero for a Chinese
passage), then the characters off the title (as the pairs)."""


def _rescaled(values: NDArray[np.float32]) -> NDArray[np.float64]:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones(len(values))
    return (values.astype(np.float64) - low) / (high - low)


def sentence_features(
    question: str,
    question_tokens: Sequence[str],
    sentences: Sequence[str],
    sentence_tokens: Sequence[frozenset[str]],
    idf: Idf,
    *,
    word_weight: Callable[[str], float],
    type_test: Callable[[str], bool] | None,
    heading: str,
    cosines: Mapping[str, NDArray[np.float32]],
    zh_question: bool,
    zh_passage: bool,
    rule_scores: Sequence[float],
) -> NDArray[np.float64]:
    """The feature rows (``FEATURES`` columns) of a passage's ``sentences``.

    ``word_weight`` is a question token's weight (its IDF, less for words of the title);
    ``type_test`` tells whether a sentence holds what the question asks for (None: it asks for
    no type); ``heading`` is the document's title, folded; ``cosines[model]`` holds each
    sentence's cosine with the question's vector; ``rule_scores`` are the rule-based scores.
    """
    count = len(sentences)
    wanted = set(question_tokens)
    # Sums over sets are exact (math.fsum), so that they do not depend on the order in which a
    # process's hash seed lists a set's members (see retrieval.answer_span.rule_scores).
    total = math.fsum(idf(t) for t in wanted) or 1.0
    words = [math.fsum(word_weight(t) for t in wanted & tokens) for tokens in sentence_tokens]
    best = max(words) or 1.0
    kind = asked_type(question)
    rule_best = max(rule_scores, default=0.0)
    rule_choice = max(range(count), key=lambda i: (rule_scores[i], -i)) if count else -1
    rows = np.zeros((count, len(BASE_FEATURES)))
    for i, (text, tokens) in enumerate(zip(sentences, sentence_tokens, strict=True)):
        novel = len(tokens - wanted)
        rows[i, : len(WORD_FEATURES)] = (
            rule_scores[i],
            rule_scores[i] - rule_best,
            float(i == rule_choice),
            words[i] / best,
            words[i] / total,
            words[i - 1] / best if i > 0 else 0.0,
            words[i + 1] / best if i + 1 < count else 0.0,
            novel / (len(tokens) or 1),
            math.log1p(novel),
            float(type_test is not None),
            float(type_test is not None and type_test(text)),
            float(kind is not None),
            float(kind is not None and kind.holds(text)),
            float(" ".join(text.split()) == heading),
            float(i == 0),
            i / count,
            math.log1p(len(text)),
            math.log(count),
        )
    column = len(WORD_FEATURES)
    for model in MODELS:
        values = cosines[model]
        rows[:, column] = values
        rows[:, column + 1] = _rescaled(values)
        rows[:, column + 2] = values - values.max()
        column += 3
    overlap = np.zeros((count, len(OVERLAP_FEATURES)))
    chinese = 2 * _UNIT_COLUMNS  # pairs, characters; then local words; then off the title
    if zh_question and zh_passage:
        held, off_title = chinese_overlap(question, sentences, heading)
        overlap[:, :chinese] = held
        overlap[:, chinese + _UNIT_COLUMNS :] = off_title
    if not zh_passage:
        overlap[:, chinese : chinese + _UNIT_COLUMNS] = _held_units(wanted, sentence_tokens)
    return np.hstack([rows, rows * float(zh_question), rows * float(zh_passage), overlap])


def chinese_overlap(
    question: str, sentences: Sequence[str], title: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The question's Chinese character pairs and characters each sentence holds, and apart.

    The first array fills the columns of the units "pairs" and "characters" of
    ``OVERLAP_FEATURES``; the second, of "characters_off_title", counts only the question's
    characters that ``title`` lacks.
    """
    simplified = [to_simplified(text) for text in sentences]
    asked = to_simplified(question)
    characters = [chinese_characters(text) for text in simplified]
    asked_characters = chinese_characters(asked)
    held = np.hstack(
        [
            _held_units(chinese_pairs(asked), [chinese_pairs(text) for text in simplified]),
            _held_units(asked_characters, characters),
        ]
    )
    off_title = asked_characters - set(to_simplified(title))
    return held, _held_units(off_title, characters)


def _held_units(asked: Set[str], units: Sequence[Set[str]]) -> NDArray[np.float64]:
    """Six columns per sentence: the share of ``asked`` it holds (rarity-weighted), then plain.

    Each share comes with itself less the passage's best and over the best.
    """
    rows = np.zeros((len(units), _UNIT_COLUMNS))
    if not asked or not units:
        return rows
    held = [sentence & asked for sentence in units]
    # A unit in every sentence of the passage tells them apart no more than a stop word does.
    weight = {unit: math.log1p(len(units) / (1 + sum(unit in h for h in held))) for unit in asked}
    total = math.fsum(weight.values())
    weighted = np.array([math.fsum(weight[unit] for unit in h) / total for h in held])
    plain = np.array([len(h) / len(asked) for h in held])
    for column, values in ((0, weighted), (3, plain)):
        best = float(values.max())
        rows[:, column] = values
        rows[:, column + 1] = values - best
        rows[:, column + 2] = values / best if best > 0 else 0.0
    return rows
