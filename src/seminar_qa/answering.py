"""Hits to an answer: decide whether the reports answer the question, label confidence, highlight.

The answer is always text from the reports. When the best passage is not close enough to the
question, the answer says so ("not in these reports") instead of showing an unrelated passage.
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from seminar_qa.records import Hit
from seminar_qa.retrieval import prepare_question, question_language

if TYPE_CHECKING:
    from seminar_qa.index import SeminarIndex

Confidence = Literal["high", "medium", "low", "none"]


@dataclass(frozen=True)
class Abstention:
    """When to say "not in these reports": a cosine floor on one model's score of the top passage.

    ``floor`` maps the question language ("en", "zh") to the lowest cosine that still counts as
    an answer; ``spread`` is how far above the floor a score must be to count as a strong match.
    ``unmatched_floor`` applies to English questions none of whose words occur in the top
    passage's index (BM25 score 0): with no lexical evidence, MiniLM must reach this cosine.
    """

    signal: str
    floor: dict[str, float]
    spread: float
    unmatched_floor: float | None = None

    def judge(self, signals: dict[str, float], language: str) -> tuple[bool, float, Confidence]:
        """Return (answered, confidence in 0..1, label) for the top hit's ``signals``."""
        score = signals.get(self.signal)
        if score is None:
            return True, 0.5, "low"
        if (
            self.unmatched_floor is not None
            and language == "en"
            and signals.get("bm25", 1.0) <= 0.0
            and signals.get("minilm", 1.0) < self.unmatched_floor
        ):
            return False, 0.1, "none"
        margin = (score - self.floor.get(language, self.floor["en"])) / self.spread
        confidence = float(1.0 / (1.0 + math.exp(-4.0 * margin)))
        if margin < 0:
            return False, confidence, "none"
        if margin >= 1.0:
            return True, confidence, "high"
        return True, confidence, "medium" if margin >= 0.5 else "low"


# Calibrated on eval/seminar_questions.jsonl and checked on the independent
# eval/validation_questions.jsonl (see BENCHMARKS.md). The first model present decides.
ABSTENTION: dict[str, Abstention] = {
    "e5": Abstention("e5", {"en": 0.775, "zh": 0.755}, spread=0.07, unmatched_floor=0.20),
    "minilm": Abstention("minilm", {"en": 0.20, "zh": 0.10}, spread=0.25),
    # The hashing fake collides words in few buckets, so its cosine is no evidence; it is lexical
    # anyway, so the share of the question's word weight found in the passage decides.
    "hashing": Abstention("coverage", {"en": 0.25, "zh": 0.25}, spread=0.5),
}


def abstention_for(index: SeminarIndex) -> Abstention | None:
    """The abstention rule for the models of ``index`` (E5 first: it is multilingual)."""
    names = {e.name for e in index.embedders}
    for name in ("e5", "minilm", "hashing"):
        if name in names:
            return ABSTENTION[name]
    return None


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
    timings: dict[str, float] | None = None,
) -> Answer:
    """Search ``index`` (optionally only the documents ``doc_ids``) and decide if it answers.

    ``timings``, when given, accumulates the seconds spent in each retrieval stage.
    """
    prepared = prepare_question(question)
    hits = index.search(prepared.text, k, timings, doc_ids or None)
    found, confidence = False, 0.0
    label: Confidence = "none"
    if hits:
        rule = abstention_for(index)
        language = question_language(prepared.text)
        found, confidence, label = (
            rule.judge(hits[0].signals, language) if rule else (True, 0.5, "low")
        )
    return Answer(
        question=prepared.text,
        truncated=prepared.truncated,
        hits=hits,
        found=found,
        confidence=confidence,
        label=label,
    )


def highlight_html(hit: Hit, css_class: str = "answer") -> str:
    """The passage as HTML with the answer sentence in ``<mark>``; all document text is escaped.

    Line breaks become ``<br>`` so the result is one line: Markdown renderers then treat it as a
    single raw HTML block and never parse document text as Markdown.
    """
    text = hit.passage.text
    start = max(0, min(hit.answer_start, len(text)))
    end = max(start, min(hit.answer_end, len(text)))
    before = html.escape(text[:start])
    middle = html.escape(text[start:end])
    after = html.escape(text[end:])
    if middle.strip():
        body = f'{before}<mark class="{html.escape(css_class)}">{middle}</mark>{after}'
    else:
        body = before + middle + after
    return body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def citation(hit: Hit) -> str:
    """A plain-text citation of the passage's source: title, publisher, date, file and place.

    For example: ``Seminar on X. UNESCO TEC. 2024-11-28. corpus/x.md, passage 3, p. 2``.
    """
    meta = hit.metadata
    parts = [hit.passage.title.strip()]
    for key in ("publisher", "date"):
        if meta.get(key):
            parts.append(str(meta[key]).strip())
    location = f"{meta.get('path', hit.passage.doc_id)}, passage {hit.passage.position + 1}"
    if hit.passage.page:
        location += f", p. {hit.passage.page}"
    parts.append(location)
    return ". ".join(p.rstrip(".") for p in parts if p)


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


def example_questions(
    index: SeminarIndex, limit: int = 4, language: str | None = None
) -> list[str]:
    """Up to ``limit`` example questions for the welcome message, without repeats.

    Those listed under ``examples`` in the documents' front matter come first; when they are too
    few, a question about each document's title fills in. With ``language`` ("en" or "zh"), the
    questions in that language come first, and one in the other language (if any) stays.
    """
    questions: list[str] = []
    for doc in index.documents.values():
        listed = doc.metadata.get("examples") or []
        if isinstance(listed, list):
            questions.extend(" ".join(str(q).split()) for q in listed)
    questions.extend(f"What is “{doc.title}” about?" for doc in index.documents.values())
    unique = [q for q in dict.fromkeys(questions) if q]
    if language in ("en", "zh"):
        # The visitor's language first, but keep one question in the other language to show
        # that both work; within each language the documents' order is kept.
        preferred = [q for q in unique if _written_in(q) == language]
        others = [q for q in unique if _written_in(q) != language]
        keep = max(0, limit - min(1, len(others)))
        unique = preferred[:keep] + others + preferred[keep:]
    return unique[:limit]


def _written_in(question: str) -> str:
    """Return "zh" for a question with any Chinese character, else "en"."""
    return "zh" if any("\u4e00" <= char <= "\u9fff" for char in question) else "en"


def _text_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
