"""Answerability features: what a question's ranked passages say about whether they answer it.

Every feature is cheap: it reads the signals fusion already computed for the top passages, the
question's terms and the passages' cached tokens; no model runs. The features are scale-free
(shares, cosines, rescaled IDF) so that one learned model holds across corpora of any size.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from seminar_qa.answerability.antonyms import opposed
from seminar_qa.answerability.synonyms import with_synonyms
from seminar_qa.answerability.types import AnswerType, asked_type
from seminar_qa.names import chinese_names
from seminar_qa.policy import sentence_signal, title_signal
from seminar_qa.retrieval.answer_span import analyse_passage, best_covered_group
from seminar_qa.simplified import to_simplified
from seminar_qa.text import has_cjk
from seminar_qa.tokenization import base_tokens, jieba_module

if TYPE_CHECKING:
    from seminar_qa.names import NameSpellings
    from seminar_qa.records import Hit
    from seminar_qa.retrieval.search import Ranking

Idf = Callable[[str], float]

MODELS = ("e5", "minilm", "use")
"""The models whose cosines are features (the learned model needs all three)."""

# A name-like word of the question: capitalised (not the first word), or a number.
_NAME = re.compile(r"(?<=\s)[A-Z][\w'’-]*|\d[\d.,]*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|[〇一二三四五六七八九十百千万亿]{2,}")
# Negation: a question that negates what the passage says asks something else.
_NEGATION = re.compile(
    r"\b(not|never|no|none|nobody|nothing|without|neither|nor|cannot)\b|n't\b", re.I
)
# Chinese negation words as jieba cuts them: 不 in 不同 (different) or 非 in 南非 (South Africa)
# negates nothing, and a character match had 46 of XQuAD's 612 Chinese questions negated.
_ZH_NEGATION = frozenset(
    {"不", "没", "没有", "未", "未曾", "未能", "从未", "从不", "从没", "并非", "非", "无"}
    | {"无法", "不是", "不能", "不会", "不再", "不得", "别"}
)


# Words by which a question points at the document itself ("When was the report released?",
# "这篇报道是哪天发布的？"): a report does not call itself "the report", so they are no content the
# passage lacks. The seminar's own sets ask three such questions (s15, s16, z12) and the
# validation set one ("How many people looked at this news article online?", "not in these
# reports" at .058); none of SQuAD 2.0's questions uses them, 5 of XQuAD's, 9 of ClapNQ's.
_THE_DOCUMENT = "report reports article articles news page story document webpage website"
_THE_DOCUMENT_ZH = ("报道", "文章", "新闻", "报告", "本文", "网页")


# An index of one passage (one short report) gives no second passage to beat: its margins would be
# the top passage's whole E5 score and a fused score of 0 (every signal rescaled over a single
# candidate), values no training row has, which read as a tie. They take the middle of the
# training rows' instead (medians over the 6,147 rows of `make answerability`, 2026-12-06;
# answerable .034 / .263, unanswerable .008 / .041), so that the other features decide.
MEDIAN_E5_MARGIN = 0.016
MEDIAN_FUSED_MARGIN = 0.098
# So do an index of two: every signal rescaled over two candidates puts the second at 0, so the
# fused margin is as wide as the models agree: over two reports (an English notice, a Chinese
# report) "刘志强教授的年龄是多少？", which neither says, was answered at .75 (throwaway probes in
# /tmp/s13, 2026-12-06). From three passages on the runner-up is rescaled against a third; over
# four, the margins and the medians gave 11 of 12 probe questions the same kind.
MARGIN_PASSAGES = 3


@functools.cache
def _document_words() -> frozenset[str]:
    """The lexical tokens of the words for the document itself (stemmed as questions are)."""
    return frozenset(base_tokens(_THE_DOCUMENT)) | frozenset(_THE_DOCUMENT_ZH)


@functools.cache
def _kind_words(kind: AnswerType) -> frozenset[str]:
    """The lexical tokens of the words by which a question names ``kind`` ("what date")."""
    return frozenset(t for word in kind.nouns.split() for t in base_tokens(word))


def negates(text: str) -> bool:
    """Whether ``text`` says no (English words, or Chinese negation words as jieba cuts them)."""
    if _NEGATION.search(text):
        return True
    if not has_cjk(text):
        return False
    return any(word in _ZH_NEGATION for word in jieba_module().lcut(to_simplified(text)))


FEATURES = (
    "zh",
    "question_terms",
    *(name for model in MODELS for name in (model, f"{model}_sentence", f"{model}_title")),
    "e5_margin",
    "fused_margin",
    "coverage",
    "sentence_coverage",
    "bigram_coverage",
    "missing_idf",
    "missing_share",
    "has_names",
    "missing_names",
    "names_missing_sentence",
    "numbers_missing",
    "negation_asked",
    "negation_stated",
    "antonym",
    "type_asked",
    "type_missing_sentence",
    "type_missing_passage",
    "bm25_share",
)
"""The features, in the order the learned model reads them."""


@functools.lru_cache(maxsize=65536)
def _token_sequence(text: str) -> tuple[str, ...]:
    """The passage's base tokens in order (for bigrams), cached like its other tokens."""
    return tuple(base_tokens(text))


def _whole_words(question: str, direct: list[str]) -> list[str]:
    """The question's own words, cut as passages are: a Chinese one's without search mode.

    BM25 is asked the words inside a long Chinese word too (研讨 and 研讨会, 长宁 and 长宁区:
    jieba's search mode, for recall), but a passage's tokens are cut whole, so each such inner
    word was counted missing from every passage that held the whole one, with the largest IDF
    there is (the index never holds it alone): "研讨会在哪里举行？" over the report that says
    "研讨会在区教育学院举行" was missing a word.
    """
    return base_tokens(question) if has_cjk(question) else direct


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(tokens))


def compute(
    ranking: Ranking,
    idf: Idf,
    size: int,
    context: str = "",
    spellings: NameSpellings | None = None,
) -> dict[str, float] | None:
    """The features of one ranked question, or None when nothing was retrieved.

    ``idf`` is the index's inverse document frequency and ``size`` its passage count (the IDF of
    an unseen token, the largest there is, rescales IDF to 0..1); ``context`` is what the top
    passage may refer back to (its title and the text before it): a name found there is not
    missing. ``spellings``: the index's pinyin names, by which a Chinese question's names are
    looked for (:mod:`names`).
    """
    hits = ranking.hits
    if not hits:
        return None
    top: Hit = hits[0]
    second = hits[1] if len(hits) > 1 and size >= MARGIN_PASSAGES else None
    signals = top.signals
    text = top.passage.text
    spans, sentence_tokens, passage_tokens = analyse_passage(text)
    # The sentence the answer-sentence scorer chose: the one holding the stressed clause (the
    # highlight may also hold the sentence before, which a pronoun of this one points back to).
    clause_start = top.clause_span[0]
    sentence, chosen = next(
        ((text[span.start : span.end], tokens)
         for span, tokens in zip(spans, sentence_tokens, strict=True)
         if span.start <= clause_start < span.end),
        (top.answer, frozenset()),
    )  # fmt: skip
    # The question's words about the document itself are none the passage must hold, nor are
    # the words by which it names the kind of answer it asks for ("What date ...?", "Which
    # city ...?"): the passage answers with a date or a city, and the type features judge that.
    kind = asked_type(ranking.question)
    kind_words = _kind_words(kind) if kind is not None else frozenset()
    direct = _whole_words(ranking.question, ranking.terms.direct)
    groups = [
        [t for t in group if t not in _document_words()
         and (t not in kind_words or t in passage_tokens)]
        for group in (direct, ranking.terms.bridged)
    ]  # fmt: skip
    # A word the passage says in other words is held (synonyms.py): "published" by "Release".
    asked = [t for words in groups for t in words]
    held = with_synonyms(asked, passage_tokens)
    group, coverage = best_covered_group(groups, held, idf)
    sentence_held = with_synonyms(group, chosen)
    sentence_coverage = best_covered_group([group], sentence_held, idf)[1] if group else 0.0
    max_idf = math.log(1.0 + (size + 0.5) / 0.5) or 1.0
    missing = [t for t in group if t not in held]
    asked_bigrams = _bigrams(group)
    found_bigrams = _bigrams(_token_sequence(text)) & asked_bigrams
    names = {t for raw in _NAME.findall(" " + ranking.question) for t in base_tokens(raw)}
    apart = [n for n in names if n in passage_tokens and n not in chosen]
    context_tokens = analyse_passage(context)[2] if context else frozenset()
    in_context = passage_tokens | context_tokens
    absent_names = [n for n in names if n not in in_context]
    # A Chinese question's names (闵行区, 熊秋菊) are no capitalised words: each is looked for in
    # the passage as it would be written there (see names.chinese_names).
    for name in chinese_names(ranking.question, spellings) if ranking.language == "zh" else ():
        in_passage = name.held_by(text, passage_tokens)
        if in_passage is None:
            continue
        names.add(name.word)
        if not in_passage and not (context and name.held_by(context, context_tokens)):
            absent_names.append(name.word)
        elif in_passage and not name.held_by(sentence, chosen):
            apart.append(name.word)
    asks_negated, says_negated = negates(ranking.question), negates(sentence)
    bm25_cap = 2.5 * sum(idf(t) for t in dict.fromkeys(ranking.terms.all)) or 1.0
    row = {
        "zh": float(ranking.language == "zh"),
        "question_terms": math.log1p(len(set(direct))),
        "e5_margin": (
            signals.get("e5", 0.0) - second.signals.get("e5", 0.0) if second else MEDIAN_E5_MARGIN
        ),
        "fused_margin": top.score - second.score if second else MEDIAN_FUSED_MARGIN,
        "coverage": coverage,
        "sentence_coverage": sentence_coverage,
        "bigram_coverage": len(found_bigrams) / len(asked_bigrams) if asked_bigrams else 1.0,
        "missing_idf": max((idf(t) for t in missing), default=0.0) / max_idf,
        "missing_share": len(missing) / len(group) if group else 1.0,
        "has_names": float(bool(names)),
        "missing_names": float(min(len(absent_names), 3)),
        # A name the passage has, but not in the sentence that matches the rest of the question:
        # the question may have swapped in an entity from elsewhere.
        "names_missing_sentence": float(min(len(apart), 3)),
        "numbers_missing": float(any(n not in text for n in _NUMBER.findall(ranking.question))),
        # Apart, by direction: a question that negates what its sentence says is how questions
        # are written to look answerable ("What is not an example of ...?"; SQuAD 2.0
        # development split: 62 of 333 unanswerable, 4 of 293 answerable), while a sentence that
        # negates what the question does not says little (39 and 53).
        "negation_asked": float(asks_negated and not says_negated),
        "negation_stated": float(says_negated and not asks_negated),
        # "What is easy about ...?" over "... is much more difficult": a word turned into its
        # opposite (English only; see antonyms.py).
        "antonym": float(ranking.language != "zh" and bool(opposed(ranking.question, sentence))),
        "type_asked": float(kind is not None),
        # The whole highlight: "He is also the oldest ..." answers "who" with the name before it.
        "type_missing_sentence": float(kind is not None and not kind.holds(top.answer)),
        "type_missing_passage": float(kind is not None and not kind.holds(text)),
        "bm25_share": min(1.0, signals.get("bm25", 0.0) / bm25_cap),
    }
    for model in MODELS:
        row[model] = signals.get(model, 0.0)
        row[f"{model}_sentence"] = signals.get(sentence_signal(model), 0.0)
        row[f"{model}_title"] = signals.get(title_signal(model), 0.0)
    return {name: float(row[name]) for name in FEATURES}
