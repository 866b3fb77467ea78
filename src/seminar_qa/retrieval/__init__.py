"""Question to ranked hits: preparation, fusion of every retriever, and the answer sentence."""

from seminar_qa.retrieval.question import (
    MAX_QUESTION_CHARS,
    EmptyQuestionError,
    PreparedQuestion,
    prepare_question,
    shown_question,
)
from seminar_qa.retrieval.search import rank

__all__ = [
    "MAX_QUESTION_CHARS",
    "EmptyQuestionError",
    "PreparedQuestion",
    "prepare_question",
    "rank",
    "shown_question",
]
