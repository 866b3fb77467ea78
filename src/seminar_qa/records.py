"""The small records that flow through the pipeline: documents, passages, hits and answers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from seminar_qa.policy.verdicts import AnswerKind, Label, Verdict
from seminar_qa.text import Language


@dataclass(frozen=True)
class Document:
    """One source file turned into plain text with its metadata.

    ``page_starts`` holds, for paged sources such as PDF, the character offset in ``text`` where
    each page begins (page 1 first); it is empty for unpaged sources.
    """

    doc_id: str
    path: str
    title: str
    text: str
    sha256: str
    metadata: dict[str, Any] = field(default_factory=dict)
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Return the 1-based page number holding character ``offset``, or None if unpaged."""
        if not self.page_starts:
            return None
        page = 1
        for number, start in enumerate(self.page_starts, start=1):
            if start <= offset:
                page = number
            else:
                break
        return page

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (the ``documents.jsonl`` row)."""
        row = asdict(self)
        row["page_starts"] = list(self.page_starts)
        return row

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Document:
        """Rebuild a document from its ``documents.jsonl`` row."""
        return cls(
            doc_id=row["doc_id"],
            path=row["path"],
            title=row["title"],
            text=row["text"],
            sha256=row["sha256"],
            metadata=dict(row.get("metadata") or {}),
            page_starts=tuple(row.get("page_starts") or ()),
        )


@dataclass(frozen=True)
class Passage:
    """A contiguous span of a document: ``text == document.text[start:end]``.

    ``sentences`` holds the ``(start, end)`` offsets in ``text`` of each sentence, in order: the
    index embeds every one of them, so a question can match one sentence of a long passage.
    """

    passage_id: str
    doc_id: str
    title: str
    position: int
    start: int
    end: int
    text: str
    page: int | None = None
    sentences: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (the ``passages.jsonl`` row)."""
        return asdict(self)

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> Passage:
        """Rebuild a passage from its ``passages.jsonl`` row."""
        return cls(
            passage_id=row["passage_id"],
            doc_id=row["doc_id"],
            title=row["title"],
            position=int(row["position"]),
            start=int(row["start"]),
            end=int(row["end"]),
            text=row["text"],
            page=row.get("page"),
            sentences=tuple((int(a), int(b)) for a, b in row.get("sentences") or ()),
        )


@dataclass(frozen=True)
class Hit:
    """One ranked passage returned for a question.

    ``answer_start``/``answer_end`` are character offsets into ``passage.text`` of the sentence that
    best answers the question, with the sentence before it when its opening pronoun points back
    (``retrieval.referents.referent_start``); ``clause_start``/``clause_end`` those of the part
    to stress (the answering sentence, or a short clause of a long Chinese one; None: the whole
    highlight).
    """

    passage: Passage
    score: float
    rank: int
    metadata: dict[str, Any] = field(default_factory=dict)
    answer_start: int = 0
    answer_end: int = 0
    signals: dict[str, float] = field(default_factory=dict)
    """Raw scores behind the rank: ``bm25``, each model's cosine, and ``coverage`` (the share
    of the question's IDF mass found in the passage). A Chinese question's E5 cosines with
    English text are those of its crossed vector (``retrieval.crossing``)."""
    clause_start: int | None = None
    clause_end: int | None = None

    @property
    def answer(self) -> str:
        """The answering sentence."""
        return self.passage.text[self.answer_start : self.answer_end]

    @property
    def clause_span(self) -> tuple[int, int]:
        """Offsets of the part of the answer sentence to stress (the sentence unless set)."""
        if self.clause_start is None or self.clause_end is None:
            return self.answer_start, self.answer_end
        return self.clause_start, self.clause_end

    @property
    def clause(self) -> str:
        """The stressed part of the highlight (the answering sentence, or a clause of it)."""
        start, end = self.clause_span
        return self.passage.text[start:end]

    @property
    def citation(self) -> str:
        """A plain-text citation of the passage's source: title, publisher, date, file and place.

        For example: ``Seminar on X. UNESCO TEC. 2024-11-28. corpus/x.md, passage 3, p. 2``.
        """
        meta = self.metadata
        parts = [self.passage.title.strip()]
        for key in ("publisher", "date"):
            if meta.get(key):
                parts.append(str(meta[key]).strip())
        location = f"{meta.get('path', self.passage.doc_id)}, passage {self.passage.position + 1}"
        if self.passage.page:
            location += f", p. {self.passage.page}"
        parts.append(location)
        return ". ".join(p.rstrip(".") for p in parts if p)

    def to_json(self) -> dict[str, Any]:
        """Return the stable JSON shape used by ``seminar-qa ask --json`` and ``eval --details``."""
        p = self.passage
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "passage_id": p.passage_id,
            "doc_id": p.doc_id,
            "title": p.title,
            "position": p.position,
            "start": p.start,
            "end": p.end,
            "page": p.page,
            "text": p.text,
            "answer_start": self.answer_start,
            "answer_end": self.answer_end,
            "answer": self.answer,
            "clause_start": self.clause_span[0],
            "clause_end": self.clause_span[1],
            "clause": self.clause,
            "citation": self.citation,
            "metadata": self.metadata,
            "signals": {name: round(value, 6) for name, value in self.signals.items()},
        }


ANSWER_FIELDS = (
    "question",
    "language",
    "truncated",
    "answer_kind",
    "found",
    "confidence",
    "label",
    "hits",
)
"""The stable fields of an answer's JSON, in order (README: ``ask --json``)."""


@dataclass(frozen=True)
class Answer:
    """What the assistant gives for one question: the ranked hits and whether they answer it.

    ``answer_kind`` is "answered" (the top passage answers), "closest" (the top passage is the
    closest the reports come, shown with a caveat) or "not_found" (the reports do not answer; the
    hits are then only the nearest passages, never to be shown). ``found`` is True for
    "answered" only. ``confidence`` lies in 0..1; ``label`` is "high", "medium", "low" or "none".
    """

    question: str
    language: Language
    truncated: bool
    hits: list[Hit]
    verdict: Verdict

    @property
    def answer_kind(self) -> AnswerKind:
        """The kind of answer: "answered", "closest" or "not_found"."""
        return self.verdict.kind

    @property
    def found(self) -> bool:
        """Whether the top passage answers the question."""
        return self.verdict.found

    @property
    def confidence(self) -> float:
        """0..1: the calibrated probability that the top passage answers the question."""
        return self.verdict.confidence

    @property
    def label(self) -> Label:
        """The label shown: "high", "medium", "low" or "none"."""
        return self.verdict.label

    @property
    def best(self) -> Hit | None:
        """The passage shown as the answer, or None when the reports do not answer."""
        return self.hits[0] if self.found and self.hits else None

    @property
    def closest(self) -> Hit | None:
        """The passage shown with a caveat when the reports may not say exactly this."""
        return self.hits[0] if self.answer_kind == "closest" and self.hits else None

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of an answer (``seminar-qa ask --json``)."""
        row: dict[str, Any] = {name: getattr(self, name) for name in ANSWER_FIELDS}
        row["confidence"] = round(float(self.confidence), 4)
        row["hits"] = [hit.to_json() for hit in self.hits]
        return row
