"""Hits to an answer: decide whether the reports answer the question, label confidence, highlight.

The answer is always text from the reports. When the best passage is not close enough to the
question, the answer says so ("not in these reports") instead of showing an unrelated passage.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from seminar_qa.records import Hit
from seminar_qa.retrieval import prepare_question

if TYPE_CHECKING:
    from seminar_qa.index import SeminarIndex

Confidence = Literal["high", "medium", "low", "none"]


@dataclass(frozen=True)
class Thresholds:
    """Score cut-offs of one embedder: below ``answer`` nothing is shown as an answer."""

    answer: float
    high: float

    def label(self, score: float) -> Confidence:
        """Name the confidence of a top score."""
        if score >= self.high:
            return "high"
        if score >= (self.answer + self.high) / 2:
            return "medium"
        if score >= self.answer:
            return "low"
        return "none"

    def confidence(self, score: float) -> float:
        """Map a score onto 0..1: 0.5 at the answer threshold, 0.9 at the high threshold."""
        if score >= self.high:
            return min(1.0, 0.9 + 0.1 * (score - self.high) / max(1e-6, 1.0 - self.high))
        if score >= self.answer:
            return 0.5 + 0.4 * (score - self.answer) / max(1e-6, self.high - self.answer)
        return max(0.0, 0.5 * score / max(1e-6, self.answer))


# Cosine cut-offs per embedder, calibrated on the question sets in eval/ (see BENCHMARKS.md).
THRESHOLDS: dict[str, Thresholds] = {
    "minilm": Thresholds(answer=0.30, high=0.55),
    "hashing": Thresholds(answer=0.10, high=0.40),
}
DEFAULT_THRESHOLDS = Thresholds(answer=0.30, high=0.55)


@dataclass(frozen=True)
class Answer:
    """What a visitor gets for one question."""

    question: str
    truncated: bool
    hits: list[Hit]
    found: bool
    confidence: float
    label: Confidence

    @property
    def best(self) -> Hit | None:
        """The passage shown first, or None when the reports do not answer the question."""
        return self.hits[0] if self.found and self.hits else None


def answer_question(
    index: SeminarIndex,
    question: str,
    k: int = 5,
    doc_ids: Collection[str] | None = None,
) -> Answer:
    """Search ``index`` (optionally only the documents ``doc_ids``) and decide if it answers."""
    prepared = prepare_question(question)
    fetch = k if not doc_ids else len(index)
    hits = index.search(prepared.text, fetch)
    if doc_ids:
        wanted = set(doc_ids)
        hits = [h for h in hits if h.passage.doc_id in wanted][:k]
        hits = [_reranked(h, rank) for rank, h in enumerate(hits, start=1)]
    thresholds = THRESHOLDS.get(index.embedder.name, DEFAULT_THRESHOLDS)
    top = hits[0].score if hits else 0.0
    label = thresholds.label(top)
    return Answer(
        question=prepared.text,
        truncated=prepared.truncated,
        hits=hits,
        found=bool(hits) and label != "none",
        confidence=thresholds.confidence(top),
        label=label,
    )


def _reranked(hit: Hit, rank: int) -> Hit:
    """Return ``hit`` with a new rank (after filtering)."""
    return Hit(hit.passage, hit.score, rank, hit.metadata, hit.answer_start, hit.answer_end)


def highlight_html(hit: Hit, css_class: str = "answer") -> str:
    """The passage as HTML with the answer sentence in ``<mark>``; all document text is escaped."""
    text = hit.passage.text
    before = html.escape(text[: hit.answer_start])
    middle = html.escape(text[hit.answer_start : hit.answer_end])
    after = html.escape(text[hit.answer_end :])
    body = f'{before}<mark class="{html.escape(css_class)}">{middle}</mark>{after}'
    return body.replace("\n", "<br>")


def citation(hit: Hit) -> str:
    """A plain-text citation of the passage's source: title, publisher, date, file and place."""
    meta = hit.metadata
    parts = [hit.passage.title]
    for key in ("publisher", "date"):
        if meta.get(key):
            parts.append(str(meta[key]))
    location = str(meta.get("path", hit.passage.doc_id))
    if hit.passage.page:
        location += f", p. {hit.passage.page}"
    parts.append(location)
    return ". ".join(parts)


@dataclass(frozen=True)
class Coverage:
    """One indexed document as the welcome message describes it."""

    doc_id: str
    title: str
    date: str | None
    published: str | None
    publisher: str | None
    passages: int


def coverage(index: SeminarIndex) -> list[Coverage]:
    """Describe what the index covers: each document with its dates and publisher, by date."""
    counts: dict[str, int] = {}
    for passage in index.passages:
        counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
    items = [
        Coverage(
            doc_id=doc.doc_id,
            title=doc.title,
            date=_text_or_none(doc.metadata.get("date")),
            published=_text_or_none(doc.metadata.get("published")),
            publisher=_text_or_none(doc.metadata.get("publisher")),
            passages=counts.get(doc.doc_id, 0),
        )
        for doc in index.documents.values()
    ]
    return sorted(items, key=lambda c: (c.date or "", c.title))


def example_questions(index: SeminarIndex, limit: int = 4) -> list[str]:
    """Example questions: those listed under ``examples`` in the documents' front matter."""
    questions: list[str] = []
    for doc in index.documents.values():
        listed = doc.metadata.get("examples") or []
        if isinstance(listed, list):
            questions.extend(str(q) for q in listed if str(q).strip())
    if not questions:
        questions = [f"What is “{doc.title}” about?" for doc in index.documents.values()]
    return questions[:limit]


def _text_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
