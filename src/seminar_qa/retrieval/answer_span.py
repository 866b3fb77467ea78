"""The answer sentence of a passage, and how much of the question a passage covers.

In each passage, the sentence holding most of the question's IDF-weighted words is marked; the
models' similarity of each sentence to the question counts too where the policy says so (English
questions), and a sentence holding what the question asks for (a name for "who", a date for
"when", a number for "how many") gains the policy's bonus.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence, Set
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.answer_sentence.features import FEATURES, sentence_features
from seminar_qa.answerability.types import asked_type
from seminar_qa.chunking import Span, all_sentence_spans
from seminar_qa.index.lexical import QuestionTerms, passage_tokens
from seminar_qa.policy import AnswerSentence, SearchPolicy, sentence_signal
from seminar_qa.retrieval.fusion import Scores, min_max
from seminar_qa.text import language_of

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from seminar_qa.answer_sentence.model import SentenceModel
    from seminar_qa.index import SeminarIndex

Idf = Callable[[str], float]


@functools.lru_cache(maxsize=65536)
def analyse_passage(
    text: str,
) -> tuple[tuple[Span, ...], tuple[frozenset[str], ...], frozenset[str]]:
    """Sentence spans of a passage, each sentence's lexical tokens, and the passage's tokens.

    Cached by text: tokenising (jieba, stemming, pinyin) is the costly part of ranking hits, and
    the same passages come back for many questions.
    """
    spans = tuple(all_sentence_spans(text))
    tokens = tuple(frozenset(passage_tokens(text[s.start : s.end])) for s in spans)
    return spans, tokens, frozenset(passage_tokens(text))


def answer_span(
    question_tokens: Sequence[str],
    passage_text: str,
    idf: Idf,
    question: str,
    rules: AnswerSentence,
    semantic: Sequence[float] | None = None,
    title: str = "",
) -> tuple[int, int]:
    """Offsets in ``passage_text`` of the sentence that best answers the question.

    Each sentence scores the IDF mass of the question tokens it contains, as a share of the best
    sentence's; plus ``semantic[i]`` when given (the models' similarity of sentence ``i`` to the
    question, each rescaled to 0..1 within the passage); plus ``rules.type_bonus`` when the
    question asks for a kind of answer (``rules.cues``) and the sentence holds one. Ties go to
    the earlier sentence, and with no evidence at all the first sentence is returned.
    """
    spans = analyse_passage(passage_text)[0]
    if not spans:
        return 0, len(passage_text)
    sentences = [passage_text[span.start : span.end] for span in spans]
    scores = rule_scores(question_tokens, passage_text, idf, question, rules, semantic, title)
    eligible = _eligible(sentences, title, rules)
    best = max(eligible, key=lambda i: (scores[i] > 1e-9, scores[i], -i))
    return spans[best].start, spans[best].end


def word_weight(title: str, rules: AnswerSentence, idf: Idf) -> Callable[[str], float]:
    """A question word's weight in a sentence: its IDF, less when the title holds it too.

    Such a word names what the whole document is about; it counts ``rules.title_weight``.
    """
    in_title = analyse_passage(title)[2] if title and rules.title_weight != 1.0 else frozenset()

    def weight(token: str) -> float:
        return idf(token) * (rules.title_weight if token in in_title else 1.0)

    return weight


def rule_scores(
    question_tokens: Sequence[str],
    passage_text: str,
    idf: Idf,
    question: str,
    rules: AnswerSentence,
    semantic: Sequence[float] | None = None,
    title: str = "",
) -> list[float]:
    """The rule-based score of each sentence of ``passage_text`` (see :func:`answer_span`)."""
    spans, sentence_tokens, _ = analyse_passage(passage_text)
    wanted = set(question_tokens)
    sentences = [passage_text[span.start : span.end] for span in spans]
    weight = word_weight(title, rules, idf)
    # math.fsum: a sum over a set in the order the set gives, which changes with the process's
    # hash seed, differs in its last bit, and two sentences holding the same words then stopped
    # tying (XQuAD's questions marked another sentence in one process of two: BENCHMARKS.md).
    lexical = [math.fsum(weight(token) for token in wanted & tokens) for tokens in sentence_tokens]
    top = max(lexical, default=0.0)
    scores = [value / top if top > 0 else 0.0 for value in lexical]
    if semantic is not None and len(semantic) == len(spans):
        scores = [s + float(extra) for s, extra in zip(scores, semantic, strict=True)]
    held = answer_type_test(question, rules)
    if held is not None:
        scores = [
            s + (rules.type_bonus if held(t) else 0.0)
            for s, t in zip(scores, sentences, strict=True)
        ]
    return scores


def is_title_line(sentence: str, title: str) -> bool:
    """Whether ``sentence`` is the document's title and nothing else (spacing aside)."""
    return " ".join(sentence.split()) == " ".join(title.split())


def _eligible(sentences: Sequence[str], title: str, rules: AnswerSentence) -> list[int]:
    """The sentences that may be marked: all but a bare title line (when the rules say so)."""
    eligible = list(range(len(sentences)))
    if rules.skip_title and title and len(sentences) > 1:
        eligible = [i for i in eligible if not is_title_line(sentences[i], title)] or eligible
    return eligible


def chinese_passage(index: SeminarIndex, position: int) -> bool:
    """Whether passage ``position`` of ``index`` is Chinese text (read with its own weights)."""
    return bool(index.passage_languages[position] == "zh")


def sentence_rows(
    index: SeminarIndex,
    scores: Scores,
    position: int,
    question: str,
    policy: SearchPolicy,
    idf: Idf,
    models: Sequence[str],
) -> tuple[tuple[Span, ...], NDArray[np.float64]]:
    """The sentence spans of passage ``position`` and their answer-sentence feature rows.

    The one place the features are computed, for answering and for fitting the weights alike.
    """
    passage = index.passages[position]
    rules = policy.answer_sentence
    spans, sentence_tokens, _ = analyse_passage(passage.text)
    title = passage.title
    semantic = sentence_similarity(index, scores, position, policy)
    by_rule = rule_scores(
        scores.terms.all,
        passage.text,
        idf,
        question,
        rules,
        None if semantic is None else semantic.tolist(),
        title,
    )
    by_name = {dense.name: dense for dense in index.dense}
    rows = sentence_features(
        question,
        scores.terms.all,
        [passage.text[span.start : span.end] for span in spans],
        sentence_tokens,
        idf,
        word_weight=word_weight(title, rules, idf),
        type_test=answer_type_test(question, rules),
        heading=" ".join(title.split()),
        cosines={
            name: by_name[name].sentence_scores(scores.vectors[name].at(position), position)
            for name in models
        },
        zh_question=scores.language == "zh",
        zh_passage=chinese_passage(index, position),
        rule_scores=by_rule,
    )
    return spans, rows


# An English question over Chinese text: the scorer was fitted on no such passage (every public
# set here is Chinese over Chinese or either language over English), and its weights for Chinese
# text lean on the characters a question shares with a sentence, which an English question has
# none of: it is read through its Chinese words (as_chinese_question). A question with none is
# marked by the two multilingual models' sentence similarity, rescaled within the passage: on 140
# of the translated CMRC questions whose first passage held the answer (bench/translated_sets.py;
# /tmp throwaway, 2026-12-05) that mark held it .579 of the time, against .400 with the weights
# for Chinese text, .436 with the others, E5 alone .536, USE .571.
_ACROSS = [FEATURES.index("e5_rescaled"), FEATURES.index("use_rescaled")]


def _across(index: SeminarIndex, scores: Scores, position: int) -> bool:
    """Whether a question in another language than Chinese meets Chinese passage ``position``."""
    return scores.language != "zh" and chinese_passage(index, position)


def as_chinese_question(
    index: SeminarIndex, scores: Scores, position: int, question: str
) -> tuple[Scores, str] | None:
    """A question in another language, read as a Chinese one for a Chinese passage (or None).

    It is made of the Chinese words CC-CEDICT gives the question's phrases
    (``into_chinese.chinese_tokens``, which BM25 asks too), followed by its own text (for what it
    asks for: "When ...?" a time): so the weights for Chinese text find the characters a sentence
    shares with it, beside the models' sentence cosines of the question itself, which stay. On
    the 163 translated CMRC questions whose first passage held the answer, the mark held it .650
    of the time, against .571 by the cosines alone; .669 with weights fitted without the 100
    paragraphs those questions ask about (throwaway /tmp/s9/enzh_mark2.py, 2026-12-06); the words
    joined with spaces, .644 (neighbouring words often stand side by side in the text: 电子 阅览室).
    None when CC-CEDICT defines none of its phrases (then E5's and USE's sentence cosines mark
    it), and for a Chinese question or a passage that is not Chinese.
    """
    if not _across(index, scores, position):
        return None
    words = list(dict.fromkeys(scores.terms.bridged))
    if not words:
        return None
    read_as = replace(scores, language="zh", terms=QuestionTerms(words, []))
    return read_as, "".join(words) + " " + question


def learned_answer_span(
    index: SeminarIndex,
    scores: Scores,
    position: int,
    question: str,
    policy: SearchPolicy,
    idf: Idf,
    model: SentenceModel,
) -> tuple[int, int]:
    """Offsets of the sentence of passage ``position`` that ``model`` scores highest.

    Ties go to the earlier sentence; a bare title line is never marked (as in answer_span).
    """
    passage = index.passages[position]
    read_as = as_chinese_question(index, scores, position, question)
    asked_scores, asked = read_as or (scores, question)
    spans, rows = sentence_rows(index, asked_scores, position, asked, policy, idf, model.models)
    if not spans:
        return 0, len(passage.text)
    if read_as is None and _across(index, scores, position):
        scored = rows[:, _ACROSS].sum(axis=1)
    else:
        scored = model.scores(rows, chinese_text=chinese_passage(index, position))
    sentences = [passage.text[span.start : span.end] for span in spans]
    eligible = _eligible(sentences, passage.title, policy.answer_sentence)
    best = max(eligible, key=lambda i: (scored[i], -i))
    return spans[best].start, spans[best].end


def answer_type_test(question: str, rules: AnswerSentence) -> Callable[[str], bool] | None:
    """The test of a sentence holding what ``question`` asks for (None: it asks for no type)."""
    if language_of(question) in rules.typed_languages:
        kind = asked_type(question)
        return None if kind is None else kind.holds
    cue = rules.cue_for(question)
    return None if cue is None else cue.held_by


def sentence_similarity(
    index: SeminarIndex, scores: Scores, position: int, policy: SearchPolicy
) -> NDArray[np.float32] | None:
    """How well each sentence of passage ``position`` matches the question, by meaning.

    The sum over the models whose sentence signal the policy weights of their cosine, rescaled
    to 0..1 within the passage. None for a language the policy leaves to the words alone.
    """
    if scores.language not in policy.answer_sentence.semantic_languages:
        return None
    weights = policy.weights(scores.language, index.model_names)
    total: NDArray[np.float32] | None = None
    for dense in index.dense:
        if not weights.get(sentence_signal(dense.name)):
            continue
        similarity = min_max(
            dense.sentence_scores(scores.vectors[dense.name].at(position), position)
        )
        total = similarity if total is None else total + similarity
    return total


def best_covered_group(
    token_groups: Sequence[Sequence[str]], present: Set[str], idf: Idf
) -> tuple[list[str], float]:
    """The question's token group whose IDF mass ``present`` holds most, and that share (0..1).

    The groups are the question's direct tokens and its bridged ones (pinyin, glosses): a
    Chinese question is covered by a Chinese passage directly, by an English one through the
    bridges. Each token counts once; the first group of the largest share wins (the first with
    any IDF mass when none is held).
    """
    best: tuple[list[str], float] = ([], 0.0)
    for group in token_groups:
        wanted = list(dict.fromkeys(group))
        total = math.fsum(idf(t) for t in wanted)  # exact: the same in any order
        if total > 0:
            share = math.fsum(idf(t) for t in wanted if t in present) / total
            if share > best[1] or not best[0]:
                best = (wanted, share)
    return best


def coverage(token_groups: Sequence[Sequence[str]], passage_text: str, idf: Idf) -> float:
    """Share of the question's IDF mass found in the passage (0..1), in the best-covered group."""
    return best_covered_group(token_groups, analyse_passage(passage_text)[2], idf)[1]
