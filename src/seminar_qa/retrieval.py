"""Question to ranked hits: clean the question, search, pick each passage's answer sentence."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seminar_qa.chunking import all_sentence_spans
from seminar_qa.errors import SeminarQAError
from seminar_qa.records import Hit
from seminar_qa.tokenization import WORD, content_words

if TYPE_CHECKING:
    from seminar_qa.index import SeminarIndex

MAX_QUESTION_CHARS = 500

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]"
)


class EmptyQuestionError(SeminarQAError):
    """A question with no words in it."""


@dataclass(frozen=True)
class PreparedQuestion:
    """A question made safe to embed: normalised, control characters removed, length capped."""

    text: str
    truncated: bool
    original_length: int


def prepare_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> PreparedQuestion:
    """Normalise (NFKC), drop control and bidi characters, collapse whitespace, cap the length.

    Raises EmptyQuestionError when nothing but whitespace or symbols is left.
    """
    text = unicodedata.normalize("NFKC", question)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    original_length = len(text)
    truncated = original_length > max_chars
    if truncated:
        text = text[:max_chars].rstrip()
    if not WORD.search(text):
        raise EmptyQuestionError("the question is empty; type a question about the seminar reports")
    return PreparedQuestion(text, truncated, original_length)


def answer_span(question: str, passage_text: str) -> tuple[int, int]:
    """Offsets in ``passage_text`` of the sentence that shares most content words with the question.

    Ties go to the earlier sentence; with no overlap at all, the first sentence is returned.
    """
    spans = all_sentence_spans(passage_text)
    if not spans:
        return 0, len(passage_text)
    wanted = content_words(question)
    best = spans[0]
    best_score = 0.0
    for span in spans:
        words = content_words(passage_text[span.start : span.end])
        score = len(wanted & words) / (1.0 + 0.01 * len(words))
        if score > best_score:
            best, best_score = span, score
    return best.start, best.end


def search_batch(index: SeminarIndex, questions: Sequence[str], k: int = 5) -> list[list[Hit]]:
    """Rank the passages of ``index`` for each question, best first, with answer sentences."""
    if k < 1:
        raise SeminarQAError(f"k of {k} is not a positive number; ask for at least 1 passage")
    prepared = [prepare_question(q).text for q in questions]
    if not prepared or not len(index):
        return [[] for _ in prepared]
    vectors = index.embedder.encode_queries(prepared)
    scores, ids = index.vector_search(vectors, k)
    results: list[list[Hit]] = []
    for question, row_scores, row_ids in zip(prepared, scores, ids, strict=True):
        hits: list[Hit] = []
        for score, passage_id in zip(row_scores, row_ids, strict=True):
            if passage_id < 0:
                continue
            passage = index.passages[int(passage_id)]
            document = index.documents.get(passage.doc_id)
            start, end = answer_span(question, passage.text)
            hits.append(
                Hit(
                    passage=passage,
                    score=float(score),
                    rank=len(hits) + 1,
                    metadata={"path": document.path, **document.metadata} if document else {},
                    answer_start=start,
                    answer_end=end,
                )
            )
        results.append(hits)
    return results
