"""The API's request and response bodies: the OpenAPI document is generated from these.

Answer fields carry the same names and meaning as ``seminar-qa ask --json`` (README: stable
fields); the API adds nothing to an answer and leaves nothing out.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from seminar_qa.feedback import MAX_COMMENT_CHARS
from seminar_qa.presentation import DocumentSummary
from seminar_qa.retrieval.question import MAX_QUESTION_CHARS

MAX_DOCUMENTS = 100
MAX_PASSAGE_IDS = 20
Identifier = Annotated[str, Field(min_length=1, max_length=300)]
"""A document or passage id (a corpus path, with ``#n`` for a passage)."""

Question = Field(
    min_length=1,
    max_length=MAX_QUESTION_CHARS,
    description=f"The question, in English or Chinese, 1 to {MAX_QUESTION_CHARS} characters.",
    examples=["Who leads the Changning District Education Bureau?"],
)


class _Strict(BaseModel):
    # strict: JSON true is no k of 1, nor 5 a question (schemathesis sent {"k": true}, 2026-12-03)
    model_config = ConfigDict(extra="forbid", strict=True)


class AskRequest(_Strict):
    """A question, how many passages to return, and optionally which documents to search."""

    question: str = Question
    k: int = Field(5, ge=1, le=100, description="How many passages to return, 1 to 100.")
    documents: list[Identifier] | None = Field(
        None,
        max_length=MAX_DOCUMENTS,
        description="Search only these documents (ids from GET /v1/documents); all when absent.",
    )


class HitOut(BaseModel):
    """One ranked passage (see ``ask --json`` in the README)."""

    rank: int
    score: float
    passage_id: str
    doc_id: str
    title: str
    position: int
    start: int
    end: int
    page: int | None
    text: str
    answer_start: int
    answer_end: int
    answer: str
    clause_start: int
    clause_end: int
    clause: str
    citation: str
    metadata: dict[str, Any]
    signals: dict[str, float]


class AnswerOut(BaseModel):
    """The answer: its kind, confidence and label, and the ranked passages."""

    question: str
    language: Literal["en", "zh"]
    truncated: bool
    answer_kind: Literal["answered", "closest", "not_found"]
    found: bool
    confidence: float = Field(ge=0.0, le=1.0)
    label: Literal["high", "medium", "low", "none"]
    hits: list[HitOut]
    seconds: float = Field(description="Time spent answering, without the HTTP round trip.")


class DocumentsOut(BaseModel):
    """Every document the index holds, by date."""

    documents: list[DocumentSummary]


class StatusOut(BaseModel):
    """The index on disk compared with the corpus, and the build this server answers from."""

    state: Literal["missing", "current", "stale", "broken", "unknown"]
    message: str
    built_at: str | None
    documents: int
    passages: int
    skipped: int
    embedders: list[str | None]
    serving_built_at: str | None = Field(description="Build time of the index being served.")
    calibrated: bool = Field(description="Whether the served index has its own operating points.")


class HealthOut(BaseModel):
    """The process is up."""

    status: Literal["ok"]


class ReadyOut(BaseModel):
    """Whether the index and models are loaded and questions are answered."""

    ready: bool
    reason: str
    serving_built_at: str | None


class FeedbackRequest(_Strict):
    """A visitor's verdict on one answer."""

    question: str = Question
    passage_ids: list[Identifier] = Field(
        default_factory=list,
        max_length=MAX_PASSAGE_IDS,
        description="The answer's passage ids, best first (the hits' passage_id); empty only "
        "for a not_found answer.",
    )
    verdict: Literal["helpful", "not_helpful"]
    answer_kind: Literal["answered", "closest", "not_found"] = Field(
        "answered", description="The answer_kind of the answer the feedback is about."
    )
    comment: str = Field("", max_length=MAX_COMMENT_CHARS, description="Optional, plain text.")
    answer: str | None = Field(
        None,
        max_length=2000,
        description="The answer sentence shown (the top hit's answer); else the passage's text.",
    )
    session: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="A random id for the visitor's session; nothing else identifies a visitor.",
    )


class FeedbackOut(BaseModel):
    """The stored feedback row."""

    id: int
    stored: Literal[True]


class ErrorDetail(BaseModel):
    """What went wrong, with which field, and how to fix it."""

    code: str
    message: str
    field: str | None
    fix: str


class ErrorOut(BaseModel):
    """Every 4xx and 5xx body."""

    error: ErrorDetail


def error_body(code: str, message: str, fix: str, field: str | None = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {"error": {"code": code, "message": message, "field": field, "fix": fix}}
