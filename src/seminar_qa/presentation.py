"""Answers as visitors see them: the passage with its sentence marked, and its citation.

Also what the reports cover, for the welcome message and the "not in these reports" answer.

All document text is escaped before it becomes HTML.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seminar_qa import i18n
from seminar_qa.records import Hit
from seminar_qa.simplified import to_simplified
from seminar_qa.text import CJK, Language, language_of, main_language

if TYPE_CHECKING:
    from seminar_qa.index import SeminarIndex


_TRADITIONAL_SHARE = 0.05
"""Of a text's Chinese characters, the share :mod:`simplified` maps from which it is traditional.
CMRC's 200 simplified paragraphs: at most .026 (.0003 on average); the same paragraphs in
traditional characters (`make eval`'s build/derived/cmrc-tw): at least .185 (2026-12-06)."""


def html_lang(text: str) -> str:
    """The HTML ``lang`` of a passage: "zh-Hant", "zh-Hans" or "en".

    Browsers pick a font for Chinese characters by the language they are marked with; unmarked,
    the page's "en" let Chromium with Debian's Noto CJK fonts draw them in their Japanese forms
    (门, 骨, 直, 将 differ). Traditional text (:data:`_TRADITIONAL_SHARE`) gets the traditional
    forms. Screen readers read a marked passage in its own language too.
    """
    if main_language(text) != "zh":
        return "en"
    simplified = to_simplified(text)
    changed = sum(1 for a, b in zip(text, simplified, strict=True) if a != b)
    # A share, not any: simplified text keeps a few characters the table maps (乾 of 乾隆).
    return "zh-Hant" if changed >= _TRADITIONAL_SHARE * len(CJK.findall(text)) else "zh-Hans"


def highlight_html(hit: Hit, css_class: str = "answer") -> str:
    """The passage as HTML with the answer sentence in ``<mark>``; all document text is escaped.

    A long Chinese sentence's clause (``Hit.clause_span``) is stressed inside the mark with
    ``<strong class="clause">``. Line breaks become ``<br>`` so the result is one line: Markdown
    renderers then treat it as a single raw HTML block and never parse document text as Markdown.
    """
    text = hit.passage.text
    start = max(0, min(hit.answer_start, len(text)))
    end = max(start, min(hit.answer_end, len(text)))
    clause_start, clause_end = hit.clause_span
    if not start <= clause_start < clause_end <= end or (clause_start, clause_end) == (start, end):
        clause_start = clause_end = end  # nothing to stress inside the sentence
    stressed = html.escape(text[clause_start:clause_end])
    if stressed:
        stressed = f'<strong class="clause">{stressed}</strong>'
    middle = html.escape(text[start:clause_start]) + stressed + html.escape(text[clause_end:end])
    before = html.escape(text[:start])
    after = html.escape(text[end:])
    if text[start:end].strip():
        body = f'{before}<mark class="{html.escape(css_class)}">{middle}</mark>{after}'
    else:
        body = before + middle + after
    return body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def location(hit: Hit, language: Language) -> str:
    """Where a passage is, in ``language``'s words: its file, passage and page.

    "report.md, passage 2, page 4" or "report.md，第 2 段，第 4 页": the page's source line and
    ``ask`` both show it.
    """
    where = [str(hit.metadata.get("path", hit.passage.doc_id))]
    where.append(i18n.text("passage_no", language, number=hit.passage.position + 1))
    if hit.passage.page:
        where.append(i18n.text("page", language, page=hit.passage.page))
    return i18n.text("comma", language).join(where)


def citation(hit: Hit) -> str:
    """A plain-text citation of the passage's source (see :attr:`Hit.citation`)."""
    return hit.citation


@dataclass(frozen=True)
class DocumentSummary:
    """One indexed document as the welcome message describes it."""

    doc_id: str
    title: str
    date: str | None
    published: str | None
    publisher: str | None
    passages: int


def covered_documents(index: SeminarIndex) -> list[DocumentSummary]:
    """Describe what the index covers: each document with its dates and publisher, by date."""
    counts: dict[str, int] = {}
    for passage in index.passages:
        counts[passage.doc_id] = counts.get(passage.doc_id, 0) + 1
    items = [
        DocumentSummary(
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
        preferred = [q for q in unique if language_of(q) == language]
        others = [q for q in unique if language_of(q) != language]
        keep = max(0, limit - min(1, len(others)))
        unique = preferred[:keep] + others + preferred[keep:]
    return unique[:limit]


def _text_or_none(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
