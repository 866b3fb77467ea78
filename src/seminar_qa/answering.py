"""The answer path: one :class:`Assistant` turns a question into an :class:`Answer` for every face.

The page, ``seminar-qa ask``, ``seminar-qa eval`` and any server call :meth:`Assistant.answer`,
so a rule visitors rely on (such as saying "not in these reports") holds everywhere. The
assistant prepares the question, ranks the passages with its :class:`SearchPolicy`, and judges
from the top passage's signals whether the reports answer it. The answer is always text from
the reports: nothing is generated.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from seminar_qa.answerability.types import asked_type
from seminar_qa.errors import UnknownDocumentError
from seminar_qa.policy import DEFAULT_POLICY, SearchPolicy, Verdict
from seminar_qa.records import Answer, Passage
from seminar_qa.retrieval.answer_span import is_title_line
from seminar_qa.retrieval.question import prepare_question
from seminar_qa.retrieval.referents import opens_pointing_back
from seminar_qa.retrieval.search import Ranking, check_k, rank
from seminar_qa.retrieval.timings import Timings, stage

if TYPE_CHECKING:
    from seminar_qa.answerability.model import AnswerabilityModel
    from seminar_qa.index import SeminarIndex

NO_PASSAGE = Verdict(kind="not_found", confidence=0.0, label="none")
"""The verdict when nothing was retrieved (an empty index, or no passage of the documents)."""


def says_more_than_its_title(passage: Passage) -> bool:
    """Whether ``passage`` holds a sentence besides its title: a heading alone answers nothing.

    A document that is only a title (an empty page of a crawl, a report's cover) still ranks
    for questions that name its topic. ClapNQ's development split has five such top passages,
    every one under a question the set marks unanswerable; three were "answered" (`make eval`,
    2026-12-05).
    """
    return any(not is_title_line(passage.text[a:b], passage.title) for a, b in passage.sentences)


class Assistant:
    """Answers questions from one index with one search policy.

    The policy is, in order: the one given, the one calibrated for the index (``policy.json``),
    or :data:`~seminar_qa.policy.DEFAULT_POLICY`.
    """

    def __init__(self, index: SeminarIndex, policy: SearchPolicy | None = None) -> None:
        """Answer from ``index`` with ``policy`` (see the class docstring for the default)."""
        self.index = index
        self.policy = policy or index.policy or DEFAULT_POLICY
        self._idf = functools.lru_cache(maxsize=65536)(index.lexical.idf)

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
        # At least two passages: the margin between the first two is an answerability feature.
        ranked = rank(
            self.index,
            [p.text for p in prepared],
            self.policy,
            max(k, 2),
            doc_ids=wanted,
            timings=timings,
        )
        answers = []
        for question, ranking in zip(prepared, ranked, strict=True):
            with stage(timings, "answerability"):
                verdict = self.judge(ranking)
            answers.append(
                Answer(
                    question=question.text,
                    language=question.language,
                    truncated=question.truncated,
                    hits=ranking.hits[:k],
                    verdict=verdict,
                )
            )
        return answers

    def inspect(
        self, question: str, k: int = 5, documents: Collection[str] | None = None
    ) -> tuple[Ranking, dict[str, float] | None]:
        """The ranking of one question and its answerability features (None: no passage)."""
        prepared = prepare_question(question)
        (ranking,) = rank(
            self.index,
            [prepared.text],
            self.policy,
            max(k, 2),
            doc_ids=self.check_documents(documents),
        )
        return ranking, self._features(ranking)

    def _features(self, ranking: Ranking) -> dict[str, float] | None:
        from seminar_qa.answerability import features

        if not ranking.hits:
            return None
        top = ranking.hits[0].passage
        # What the passage may refer back to: its title, and the text just before it when it
        # opens with a pronoun (a passage that opens "He emphasised ..." names its speaker a
        # sentence or two earlier). Not otherwise: the paragraph before is about something else
        # as often as not, and its names are not the passage's ("Who is the Party Secretary of
        # the Changning District Education Bureau?" met the Changning director's paragraph, and
        # the Minhang one before it named a Party secretary).
        context = top.title
        if opens_pointing_back(top.text):
            context += "\n" + self.index.preceding_text(top)
        return features.compute(
            ranking, self._idf, len(self.index), context, self.index.name_spellings
        )

    def judge(self, ranking: Ranking) -> Verdict:
        """Whether the ranked passages answer the question.

        The learned answerability score decides where the policy has operating points for it
        and the index holds the models it reads; otherwise the top hit's signals meet the
        policy's abstention rules.
        """
        if not ranking.hits:
            return NO_PASSAGE
        operating = self.policy.answerability
        if operating is not None and operating.applies_to(self.index.model_names):
            features = self._features(ranking)
            if features is not None:
                # The features already tested the top passage for the asked type.
                asked = asked_type(ranking.question)
                must_hold = asked is not None and asked.name in operating.must_hold
                holds = not (must_hold and features["type_missing_passage"])
                holds = holds and says_more_than_its_title(ranking.hits[0].passage)
                return operating.judge(self.model.probability(features), holds)
        return self.policy.abstention.judge(
            ranking.hits[0].signals, ranking.language, self.index.model_names
        )

    @property
    def model(self) -> AnswerabilityModel:
        """The learned answerability model (loaded on first use)."""
        from seminar_qa.answerability.model import load_model

        return load_model()

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
