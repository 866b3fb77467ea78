"""Judging one question: which passages of the index are relevant, and what the answer got right."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from seminar_qa.evaluation.questions import EvalQuestion
from seminar_qa.records import Hit, Passage


@dataclass(frozen=True)
class QuestionResult:
    """What the system returned for one question, judged.

    ``ranking`` holds the returned passage ids, best first; ``relevant`` every relevant passage
    in the index with its grade; ``answer_sentence_ok`` whether the top passage is relevant and
    its answer sentence contains an answer (None when the question has no answer strings), and
    ``answer_clause_ok`` the same of the stressed clause (the sentence unless it is long Chinese).
    """

    question: EvalQuestion
    ranking: tuple[str, ...]
    relevant: dict[str, int]
    abstained: bool
    answer_sentence_ok: bool | None = None
    answer_clause_ok: bool | None = None
    confidence: float | None = None
    label: str | None = None
    answer_kind: str | None = None
    """The answer's kind ("answered", "closest", "not_found"); ``abstained`` means "not_found"."""
    hits: tuple[Hit, ...] = ()

    @property
    def refused(self) -> bool:
        """Whether no passage was given as the answer ("closest" or "not_found")."""
        if self.answer_kind is None:
            return self.abstained
        return self.answer_kind != "answered"

    @property
    def first_relevant_rank(self) -> int | None:
        """1-based rank of the first relevant returned passage, or None."""
        for rank, passage_id in enumerate(self.ranking, start=1):
            if self.relevant.get(passage_id, 0) > 0:
                return rank
        return None

    @property
    def ranked(self) -> bool:
        """Whether the question counts in the ranking metrics: answerable, judged in the index."""
        return self.question.answerable and bool(self.relevant)

    def to_json(self, details: bool = False) -> dict[str, Any]:
        """The per-question entry of ``seminar-qa eval --json``; ``details`` adds the passages."""
        q = self.question
        row: dict[str, Any] = {
            "id": q.qid,
            "question": q.question,
            "lang": q.lang,
            "kind": q.kind,
            "answerable": q.answerable,
            "hit_rank": self.first_relevant_rank,
            "abstained": self.abstained,
            "answer_kind": self.answer_kind,
            "answer_sentence_ok": self.answer_sentence_ok,
            "answer_clause_ok": self.answer_clause_ok,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "label": self.label,
        }
        if details:
            row["passages"] = [
                {**hit.to_json(), "relevant": self.relevant.get(hit.passage.passage_id, 0) > 0}
                for hit in self.hits
            ]
        return row


class PassagesByDocument:
    """An index's passages grouped by document, so a question is judged against its gold only.

    Built once per evaluation: judging every passage of a 10,594-passage index for each of
    XQuAD's 1,224 questions was ~15% of ``bench/distractor_eval.py``'s time under cProfile
    (13 million relevance calls; 2026-12-05).
    """

    def __init__(self, passages: Sequence[Passage]) -> None:
        """Group ``passages`` by document id, and by that id without its file extension."""
        self.passages = passages
        self._by_name: dict[str, list[Passage]] = {}
        for passage in passages:
            names = {passage.doc_id, passage.doc_id.rsplit(".", 1)[0]}
            for name in names:
                self._by_name.setdefault(name, []).append(passage)

    def that_may_be_relevant(
        self, question: EvalQuestion, relevant_docs: Collection[str] | None
    ) -> Sequence[Passage]:
        """The passages whose relevance to ``question`` can be above 0.

        A question with gold documents is answered only in them (``EvalQuestion.relevance``;
        the grouping by name without extension is its ``in_gold``); ``relevant_docs`` limits any
        question to those documents; judged (BEIR) questions read every passage.
        """
        if question.judged or not (question.gold or relevant_docs is not None):
            return self.passages
        allowed = None if relevant_docs is None else set(relevant_docs)
        if not question.gold:
            return [
                p for name in allowed or () for p in self._by_name.get(name, ()) if p.doc_id == name
            ]
        # A gold "report" and "report.txt" name the same passages once.
        found = {id(p): p for name in question.gold for p in self._by_name.get(name, ())}
        return [p for p in found.values() if allowed is None or p.doc_id in allowed]


def judge(
    question: EvalQuestion,
    hits: Sequence[Hit],
    passages: Sequence[Passage],
    *,
    abstained: bool,
    relevant_docs: Collection[str] | None = None,
    confidence: float | None = None,
    label: str | None = None,
    answer_kind: str | None = None,
    by_document: PassagesByDocument | None = None,
) -> QuestionResult:
    """Judge the ``hits`` returned for ``question`` against every passage of the index.

    ``by_document`` (the same ``passages`` grouped) lets only the passages that can be
    relevant be read; the result is the same.
    """
    if by_document is not None:
        passages = by_document.that_may_be_relevant(question, relevant_docs)
    relevant = {}
    for passage in passages:
        grade = question.relevance(passage, relevant_docs)
        if grade > 0:
            relevant[passage.passage_id] = grade
    if not relevant and question.gold and not question.judged:
        # No passage of the gold document holds an answer string as written (or there are no
        # answer strings): every passage of the gold document counts.
        allowed = set(relevant_docs) if relevant_docs is not None else None
        relevant = {
            p.passage_id: 1
            for p in passages
            if question.in_gold(p.doc_id) and (allowed is None or p.doc_id in allowed)
        }
    sentence_ok: bool | None = None
    clause_ok: bool | None = None
    if question.answers:
        top = hits[0] if hits else None
        relevant_top = top is not None and top.passage.passage_id in relevant
        sentence_ok = relevant_top and top is not None and question.answered_by(top.answer)
        clause_ok = sentence_ok and top is not None and question.answered_by(top.clause)
    return QuestionResult(
        question=question,
        ranking=tuple(h.passage.passage_id for h in hits),
        relevant=relevant,
        abstained=abstained,
        answer_sentence_ok=sentence_ok,
        answer_clause_ok=clause_ok,
        confidence=confidence,
        label=label,
        answer_kind=answer_kind,
        hits=tuple(hits),
    )
