"""The answer path: one :class:`Assistant` turns a question into an :class:`Answer` for every face.

The page, ``seminar-qa ask``, ``seminar-qa eval`` and any server call :meth:`Assistant.answer`,
so a rule visitors rely on (such as saying "not in these reports") holds everywhere. The
assistant prepares the question, ranks the passages with its :class:`SearchPolicy`, and judges
from the top passage's signals whether the reports answer it. The answer is always text from
the reports: nothing is generated.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from seminar_qa.errors import UnknownDocumentError
from seminar_qa.policy import DEFAULT_POLICY, SearchPolicy, Verdict
from seminar_qa.records import Answer, Hit
from seminar_qa.retrieval.fusion import Timings, stage
from seminar_qa.retrieval.question import prepare_question
from seminar_qa.retrieval.search import check_k, rank

if TYPE_CHECKING:
    from seminar_qa.index import SeminarIndex

NO_PASSAGE = Verdict(found=False, confidence=0.0, label="none")
"""The verdict when nothing was retrieved (an empty index, or no passage of the documents)."""


class Assistant:
    """Answers questions from one index with one search policy.

    The policy is, in order: the one given, the one calibrated for the index (``policy.json``),
    or :data:`~seminar_qa.policy.DEFAULT_POLICY`.
    """

    def __init__(self, index: SeminarIndex, policy: SearchPolicy | None = None) -> None:
        """Answer from ``index`` with ``policy`` (see the class docstring for the default)."""
        self.index = index
        self.policy = policy or index.policy or DEFAULT_POLICY

    def answer(
        self,
        question: str,
        k: int = 5,
        documents: Collection[str] | None = None,
        timings: Timings | None = None,
    ) -> Answer:
        """Answer one question (wraps :meth:`answer_batch`)."""
        return self.answer_batch([question], k, documents, timings)[0]

    def answer_batch(
        self,
        questions: Sequence[str],
        k: int = 5,
        documents: Collection[str] | None = None,
        timings: Timings | None = None,
    ) -> list[Answer]:
        """Answer each question from the ``k`` best passages (of ``documents`` only, if given).

        Raises EmptyQuestionError for a question with no words, UnknownDocumentError for a
        document id the index does not hold, and SeminarQAError for a ``k`` below 1.
        ``timings``, when given, accumulates the seconds spent in each stage.
        """
        check_k(k)
        wanted = self.check_documents(documents)
        with stage(timings, "prepare question"):
            prepared = [prepare_question(q) for q in questions]
        ranked = rank(
            self.index,
            [p.text for p in prepared],
            self.policy,
            k,
            doc_ids=wanted,
            timings=timings,
        )
        answers = []
        for question, hits in zip(prepared, ranked, strict=True):
            verdict = self.judge(hits, question.language)
            answers.append(
                Answer(
                    question=question.text,
                    language=question.language,
                    truncated=question.truncated,
                    hits=hits,
                    found=verdict.found,
                    confidence=verdict.confidence,
                    label=verdict.label,
                )
            )
        return answers

    def judge(self, hits: Sequence[Hit], language: str) -> Verdict:
        """Whether ``hits`` answer a question in ``language``: the top hit's signals decide."""
        if not hits:
            return NO_PASSAGE
        return self.policy.abstention.judge(hits[0].signals, language, self.index.model_names)

    def check_documents(self, documents: Collection[str] | None) -> set[str] | None:
        """The document ids to search (None: all); raises UnknownDocumentError for unknown ones."""
        if not documents:
            return None
        unknown = sorted(set(documents) - set(self.index.documents))
        if unknown:
            known = ", ".join(sorted(self.index.documents)) or "none"
            raise UnknownDocumentError(
                f"unknown document {', '.join(map(repr, unknown))}; the index holds: {known}"
            )
        return set(documents)
