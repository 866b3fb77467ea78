"""Ranked hits: the fused ranking cut to ``k`` passages, each with answer sentence and signals."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from seminar_qa.answer_sentence.model import SentenceModel, load_model
from seminar_qa.errors import SeminarQAError
from seminar_qa.index.lexical import QuestionTerms
from seminar_qa.policy import SearchPolicy
from seminar_qa.records import Hit
from seminar_qa.retrieval.alignment import realigned
from seminar_qa.retrieval.answer_span import (
    Idf,
    answer_span,
    answer_type_test,
    as_chinese_question,
    coverage,
    learned_answer_span,
    sentence_similarity,
)
from seminar_qa.retrieval.clause import answer_clause
from seminar_qa.retrieval.fusion import Scores, score_passages
from seminar_qa.retrieval.referents import continued, referent_start
from seminar_qa.retrieval.timings import Timings, stage
from seminar_qa.text import Language, language_of

if TYPE_CHECKING:
    from seminar_qa.index import SeminarIndex


def check_k(k: int) -> None:
    """Refuse a ``k`` that asks for no passage."""
    if k < 1:
        raise SeminarQAError(f"k of {k} is not a positive number; ask for at least 1 passage")


@dataclass(frozen=True)
class Ranking:
    """One question's ranked hits, with the question's terms (what answerability looks at)."""

    question: str
    language: Language
    terms: QuestionTerms
    hits: list[Hit]


def rank(
    index: SeminarIndex,
    questions: Sequence[str],
    policy: SearchPolicy,
    k: int = 5,
    *,
    doc_ids: Collection[str] | None = None,
    timings: Timings | None = None,
) -> list[Ranking]:
    """The ``k`` best passages of ``index`` for each prepared question, best first.

    ``doc_ids``, when given, keeps only passages of those documents (ranked among all candidates
    first); ``timings``, when given, accumulates the seconds spent in each stage.
    """
    check_k(k)
    if not questions or not len(index):
        return [Ranking(q, language_of(q), QuestionTerms([], []), []) for q in questions]
    idf = functools.lru_cache(maxsize=None)(index.lexical.idf)
    scored = score_passages(index, questions, policy, timings)
    with stage(timings, "hits: answer sentences + coverage"):
        return [
            Ranking(
                question,
                scores.language,
                scores.terms,
                _hits(index, question, scores, policy, k, idf, doc_ids),
            )
            for question, scores in zip(questions, scored, strict=True)
        ]


def sentence_model(index: SeminarIndex, policy: SearchPolicy) -> SentenceModel | None:
    """The learned answer-sentence scorer, or None: then the rules mark the sentence.

    The scorer marks it when the policy asks for it and the index has every model it reads.
    """
    if not policy.answer_sentence.learned:
        return None
    model = load_model()
    return model if model.applies_to(index.model_names) else None


def _hits(
    index: SeminarIndex,
    question: str,
    scores: Scores,
    policy: SearchPolicy,
    k: int,
    idf: Idf,
    doc_ids: Collection[str] | None,
) -> list[Hit]:
    """The top ``k`` candidates of one question as hits with answer sentences and signals."""
    wanted = set(doc_ids) if doc_ids else None
    learned = sentence_model(index, policy)
    holds_type = answer_type_test(question, policy.answer_sentence)  # for the clause
    hits: list[Hit] = []
    slots = (
        int(slot)
        for slot in np.argsort(-scores.fused, kind="stable")
        if wanted is None or index.passages[int(scores.candidates[slot])].doc_id in wanted
    )
    # Two at least, whatever k: the first passage must not depend on how many are asked for.
    first = list(itertools.islice(slots, max(k, 2)))
    for slot, score in realigned(index, question, scores, first, policy.alignment)[:k]:
        position = int(scores.candidates[slot])
        passage = index.passages[position]
        document = index.documents.get(passage.doc_id)
        if learned is not None:
            start, end = learned_answer_span(
                index, scores, position, question, policy, idf, learned
            )
        else:
            semantic = sentence_similarity(index, scores, position, policy)
            start, end = answer_span(
                scores.terms.all,
                passage.text,
                idf,
                question,
                policy.answer_sentence,
                None if semantic is None else semantic.tolist(),
                passage.title,
            )
        # A sentence that goes on with "He" or "She" may take the mark (referents.continued).
        start, end = continued(
            passage.text,
            (start, end),
            scores.terms.all,
            scores.language,
            policy.answer_sentence,
            idf,
        )
        # The clause of a long Chinese sentence is picked by the question's Chinese words: a
        # question in another language is read as the Chinese one its sentence was chosen by, or
        # the stress fell on the first clauses whatever it asked (English questions over CMRC,
        # make eval 2026-12-06: the clause held the answer .485 -> .490, the sentence .545).
        read_as = as_chinese_question(index, scores, position, question)
        asked = question if read_as is None else read_as[1]
        clause = answer_clause(passage.text, start, end, asked, passage.title, holds_type)
        start = referent_start(passage.text, start)  # the stress stays on the chosen sentence
        signals = scores.signals_at(slot)
        signals["coverage"] = coverage(scores.terms.groups, passage.text, idf)
        hits.append(
            Hit(
                passage=passage,
                score=score,
                rank=len(hits) + 1,
                metadata={"path": document.path, **document.metadata} if document else {},
                answer_start=start,
                answer_end=end,
                signals=signals,
                clause_start=clause[0],
                clause_end=clause[1],
            )
        )
    return hits
