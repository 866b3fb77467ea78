"""seminar-qa: find the passages of seminar reports that answer a question.

The pipeline, one stage per module::

    ingestion (files -> documents) -> chunking (-> passages) -> embedding + index (-> SeminarIndex)
    question -> retrieval (fusion, answer sentence) -> answering.Assistant (-> Answer)

Public names are importable from here (``from seminar_qa import Assistant, SeminarIndex``); they
load on first use, so ``import seminar_qa`` stays cheap for commands that need little of it.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("seminar-qa")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from seminar_qa.answering import Assistant
    from seminar_qa.chunking import chunk_document
    from seminar_qa.errors import SeminarQAError
    from seminar_qa.evaluation import evaluate_questions, load_questions
    from seminar_qa.index import SeminarIndex
    from seminar_qa.ingestion import load_corpus
    from seminar_qa.pipeline import build_index, index_status
    from seminar_qa.policy import DEFAULT_POLICY, SearchPolicy
    from seminar_qa.records import Answer, Document, Hit, Passage
    from seminar_qa.retrieval import EmptyQuestionError, prepare_question
    from seminar_qa.settings import Settings

_EXPORTS = {
    "Answer": "seminar_qa.records",
    "Assistant": "seminar_qa.answering",
    "DEFAULT_POLICY": "seminar_qa.policy",
    "Document": "seminar_qa.records",
    "EmptyQuestionError": "seminar_qa.retrieval",
    "Hit": "seminar_qa.records",
    "Passage": "seminar_qa.records",
    "SearchPolicy": "seminar_qa.policy",
    "SeminarIndex": "seminar_qa.index",
    "SeminarQAError": "seminar_qa.errors",
    "Settings": "seminar_qa.settings",
    "build_index": "seminar_qa.pipeline",
    "chunk_document": "seminar_qa.chunking",
    "evaluate_questions": "seminar_qa.evaluation",
    "index_status": "seminar_qa.pipeline",
    "load_corpus": "seminar_qa.ingestion",
    "load_questions": "seminar_qa.evaluation",
    "prepare_question": "seminar_qa.retrieval",
}
__all__ = [
    "DEFAULT_POLICY",
    "Answer",
    "Assistant",
    "Document",
    "EmptyQuestionError",
    "Hit",
    "Passage",
    "SearchPolicy",
    "SeminarIndex",
    "SeminarQAError",
    "Settings",
    "__version__",
    "build_index",
    "chunk_document",
    "evaluate_questions",
    "index_status",
    "load_corpus",
    "load_questions",
    "prepare_question",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'seminar_qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, for tab completion."""
    return sorted([*globals(), *_EXPORTS])
