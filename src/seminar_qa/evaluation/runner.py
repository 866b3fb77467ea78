"""Running a question set through the assistant and judging every answer."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from seminar_qa.evaluation.judging import PassagesByDocument, QuestionResult, judge
from seminar_qa.evaluation.questions import EvalQuestion
from seminar_qa.evaluation.report import EvalReport, build_report
from seminar_qa.retrieval.question import EmptyQuestionError

if TYPE_CHECKING:
    from seminar_qa.answering import Assistant


def evaluate_questions(
    assistant: Assistant,
    questions: Sequence[EvalQuestion],
    k: int = 10,
    *,
    relevant_docs: Collection[str] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> EvalReport:
    """Answer every question with ``assistant``, judge the top ``k`` passages, compute metrics.

    Metrics come overall and per group (language, kind). A question with no words in it counts
    as abstained with no passages. ``relevant_docs``, when given, restricts relevance to
    passages of those document ids (so a distractor document never counts as relevant).
    ``on_progress(done, total)`` is called after each question.
    """
    passages = assistant.index.passages
    by_document = PassagesByDocument(passages)
    docs = set(relevant_docs) if relevant_docs is not None else None
    results: list[QuestionResult] = []
    for done, question in enumerate(questions, start=1):
        try:
            answer = assistant.answer(question.question, k=k)
        except EmptyQuestionError:
            results.append(
                judge(
                    question,
                    [],
                    passages,
                    abstained=True,
                    relevant_docs=docs,
                    answer_kind="not_found",
                    by_document=by_document,
                )
            )
        else:
            results.append(
                judge(
                    question,
                    answer.hits[:k],
                    passages,
                    abstained=answer.answer_kind == "not_found",
                    relevant_docs=docs,
                    confidence=answer.confidence,
                    label=answer.label,
                    answer_kind=answer.answer_kind,
                    by_document=by_document,
                )
            )
        if on_progress:
            on_progress(done, len(questions))
    return build_report(results, k)
